"""The chunk plan of a FILE_UPLOAD (reference §5). Pure: no I/O.

TikTok's rules say "MB" without saying which. Its own example (a "4 MB" file of 4,194,304 B)
reads MiB, while a live report (post-for-me #327) saw 64 MiB chunks refused and single uploads
up to 64,000,000 B accepted. This plan is valid under BOTH readings, which the tests check:

- a file under 5,000,000 B goes whole (under 5 MB either way);
- otherwise chunks of ``preferred_chunk`` (10,000,000 B: at least 5 MiB, at most 64,000,000),
  ``total_chunk_count = floor(size / chunk_size)``, the remainder riding in the last chunk,
  which is therefore in ``[chunk_size, 2 * chunk_size)`` and so under 128,000,000 B;
- a single chunk only when the whole file is at most 64,000,000 B (then ``chunk_size`` is the
  file size, so even a strict reading of "count 1" is met);
- between 1 and 1,000 chunks: huge files get bigger chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_CHUNK = 5 * 1024 * 1024  # 5 MiB: at least 5 MB under both readings
MAX_CHUNK = 64_000_000  # 64 MB decimal: at most 64 MB under both readings
WHOLE_FILE_BELOW = 5_000_000  # under 5 MB under both readings
MAX_SINGLE_UPLOAD = 64_000_000
MAX_CHUNKS = 1000
DEFAULT_CHUNK = 10_000_000


@dataclass(frozen=True)
class ChunkPlan:
    """How a file of ``video_size`` bytes is cut into PUT requests.

    Attributes:
        video_size: the file's size in bytes.
        chunk_size: the ``chunk_size`` sent at init.
        total_chunk_count: the ``total_chunk_count`` sent at init.
        ranges: inclusive ``(first_byte, last_byte)`` per chunk, in upload order.
    """

    video_size: int
    chunk_size: int
    total_chunk_count: int
    ranges: tuple[tuple[int, int], ...]

    def index_starting_at(self, offset: int) -> int | None:
        """Return the index of the chunk that starts at ``offset``, or None."""
        if offset % self.chunk_size:
            return None
        index = offset // self.chunk_size
        return index if index < self.total_chunk_count else None


def plan_chunks(size: int, *, preferred_chunk: int = DEFAULT_CHUNK) -> ChunkPlan:
    """Return the chunk plan for a file of ``size`` bytes.

    Raises:
        ValueError: ``size`` is not positive, ``preferred_chunk`` is outside
            [5 MiB, 64,000,000], or the file needs chunks over 64,000,000 B (over 64 GB).
    """
    if size <= 0:
        raise ValueError(f"cannot upload an empty file (size {size})")
    if not MIN_CHUNK <= preferred_chunk <= MAX_CHUNK:
        raise ValueError(f"preferred_chunk must be in [{MIN_CHUNK}, {MAX_CHUNK}]")
    if size < WHOLE_FILE_BELOW:
        return _build(size, size)
    chunk = preferred_chunk
    if size // chunk > MAX_CHUNKS:
        chunk = -(-size // MAX_CHUNKS)  # ceil: floor(size / chunk) <= 1000
        if chunk > MAX_CHUNK:
            raise ValueError(f"a file of {size} B needs more than {MAX_CHUNKS} chunks")
    if size // chunk <= 1:
        if size <= MAX_SINGLE_UPLOAD:
            return _build(size, size)
        # Over 64,000,000 B must be chunked: two halves, each well inside the limits.
        chunk = size // 2
    return _build(size, chunk)


def _build(size: int, chunk: int) -> ChunkPlan:
    count = size // chunk
    ranges = [(i * chunk, (i + 1) * chunk - 1) for i in range(count - 1)]
    ranges.append(((count - 1) * chunk, size - 1))
    return ChunkPlan(
        video_size=size, chunk_size=chunk, total_chunk_count=count, ranges=tuple(ranges)
    )
