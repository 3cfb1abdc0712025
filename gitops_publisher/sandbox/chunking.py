"""The media-transfer rules of reference §5, as pure functions.

1. ``total_chunk_count`` = floor(``video_size`` / ``chunk_size``).
2. Chunks are 5..64 MB, except the final one, which takes the trailing bytes (up to 128 MB).
3. A video under 5 MB goes in one request: ``chunk_size`` = ``video_size``, count 1.
4. A video over 64 MB must be chunked.
5. Between 1 and 1000 chunks.
6. Chunks are uploaded sequentially (enforced by the upload route with 416).

"MB" is ``SandboxOptions.mb_bytes`` (UNCERTAIN unit: MiB by default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class ChunkRuleError(ValueError):
    """The declared sizes break a media-transfer rule; the message is TikTok-like."""


@dataclass(frozen=True)
class ChunkPlan:
    """Declared sizes of an upload, already checked."""

    video_size: int
    chunk_size: int
    total_chunk_count: int

    def expected_range(self, index: int) -> tuple[int, int]:
        """Return the inclusive byte range (first, last) of 0-based chunk ``index``."""
        first = index * self.chunk_size
        if index == self.total_chunk_count - 1:
            return first, self.video_size - 1
        return first, first + self.chunk_size - 1


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ChunkRuleError(f"The {name} is invalid")
    return value


def check_chunk_plan(
    video_size: object,
    chunk_size: object,
    total_chunk_count: object,
    mb: int,
    max_video_bytes: int,
    strict_single_chunk: bool = False,
) -> ChunkPlan:
    """Validate the three FILE_UPLOAD sizes of an init request.

    Raises:
        ChunkRuleError: with "The video size is invalid", "The chunk size is invalid" or
            "The total chunk count is invalid" (live wording, reference §4).
    """
    size = _positive_int(video_size, "video size")
    chunk = _positive_int(chunk_size, "chunk size")
    count = _positive_int(total_chunk_count, "total chunk count")
    if size > max_video_bytes:
        raise ChunkRuleError("The video size is invalid")
    if size < 5 * mb:  # rule 3
        if chunk != size:
            raise ChunkRuleError("The chunk size is invalid")
        if count != 1:
            raise ChunkRuleError("The total chunk count is invalid")
        return ChunkPlan(size, chunk, count)
    if not 5 * mb <= chunk <= 64 * mb:  # rule 2
        raise ChunkRuleError("The chunk size is invalid")
    if count != size // chunk:  # rule 1 (floor, never ceil)
        raise ChunkRuleError("The total chunk count is invalid")
    if not 1 <= count <= 1000:  # rule 5
        raise ChunkRuleError("The total chunk count is invalid")
    if count == 1 and size > 64 * mb:  # rule 4
        raise ChunkRuleError("The chunk size is invalid")
    if count == 1 and strict_single_chunk and chunk != size:
        # UNCERTAIN (reference §5): a single chunk smaller than the video passes rules 1-2
        # literally; only strict mode refuses it.
        raise ChunkRuleError("The chunk size is invalid")
    final = size - (count - 1) * chunk
    if final > 128 * mb:  # rule 2, final chunk
        raise ChunkRuleError("The chunk size is invalid")
    return ChunkPlan(size, chunk, count)


# ASCII digits only (str.isdigit accepts "²", which int() refuses), and at most 19 of them
# (int() refuses more than 4,300 digits; no video is 10**19 bytes).
_NUMBER = r"([0-9]{1,19})"
_CONTENT_RANGE = re.compile(rf"bytes {_NUMBER}-{_NUMBER}/{_NUMBER}")
_CONTENT_LENGTH = re.compile(_NUMBER)


def parse_content_length(value: str) -> int | None:
    """Parse a ``Content-Length`` value; None when it is not 1-19 ASCII digits."""
    match = _CONTENT_LENGTH.fullmatch(value.strip())
    return int(match.group(1)) if match else None


def parse_content_range(value: str) -> tuple[int, int, int] | None:
    """Parse ``bytes FIRST-LAST/TOTAL`` (inclusive, 0-based); None when malformed."""
    match = _CONTENT_RANGE.fullmatch(value.strip())
    if match is None:
        return None
    first, last, total = (int(group) for group in match.groups())
    if last < first or last >= total:
        return None
    return first, last, total
