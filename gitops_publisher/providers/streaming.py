"""Reading a video's bytes from disk piece by piece for an upload, with progress (shared).

Both platforms' uploaders stream one chunk as an async body of small pieces, so memory is
bounded by a piece, not by the chunk or the video.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from gitops_publisher.core.ports import Progress
from gitops_publisher.providers.errors import UploadError


class Meter:
    """Counts bytes as they leave, for the progress callback."""

    def __init__(self, total: int, on_progress: Progress | None) -> None:
        self.total = total
        self.position = 0
        self._on_progress = on_progress

    def at(self, position: int) -> None:
        """The platform holds bytes up to ``position`` (a resume moves it back or on)."""
        self.position = position
        if self._on_progress is not None:
            self._on_progress(position, self.total)

    def sent(self, count: int) -> None:
        """``count`` more bytes left."""
        self.at(self.position + count)


async def chunk_body(
    path: Path, first: int, last: int, piece_size: int, meter: Meter
) -> AsyncIterator[bytes]:
    """Bytes ``first..last`` (inclusive) of ``path`` in pieces of ``piece_size``.

    Raises:
        UploadError: the file ended early (it shrank during the upload).
    """
    remaining = last - first + 1
    with path.open("rb") as handle:
        handle.seek(first)
        while remaining:
            piece = handle.read(min(piece_size, remaining))
            if not piece:
                raise UploadError(
                    f"{path.name} shrank during the upload", status=None, bytes_confirmed=first
                )
            remaining -= len(piece)
            meter.sent(len(piece))
            yield piece
