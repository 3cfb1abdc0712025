"""Reading an MP4/MOV's duration from its ``moov/mvhd`` box, for ``duration_check_failed``.

Only box headers and one small box are read, wherever ``moov`` sits in the file. Other media
checks TikTok runs (codec, frame rate, picture size) are not emulated: the sandbox would need
a demuxer, and clients are expected to check them in pre-flight (reference §6).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

_MAX_BOXES = 10_000


def _find_box(handle: BinaryIO, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    """Return (content start, box end) of the first ``kind`` box between start and end."""
    position = start
    for _ in range(_MAX_BOXES):
        if position + 8 > end:
            return None
        handle.seek(position)
        header = handle.read(8)
        if len(header) < 8:
            return None
        size, box_type = struct.unpack(">I4s", header)
        header_size = 8
        if size == 1:
            large = handle.read(8)
            if len(large) < 8:
                return None
            size = struct.unpack(">Q", large)[0]
            header_size = 16
        elif size == 0:
            size = end - position
        if size < header_size:
            return None
        if box_type == kind:
            return position + header_size, min(end, position + size)
        position += size
    return None


def mp4_duration_sec(path: Path) -> float | None:
    """Return the movie duration in seconds, or None when it cannot be read."""
    try:
        with path.open("rb") as handle:
            return mp4_duration_of(handle, path.stat().st_size)
    except OSError:
        return None


def mp4_duration_of(handle: BinaryIO, size: int) -> float | None:
    """Return the duration of the movie in ``handle`` (``size`` bytes), or None.

    Raises:
        OSError: reading ``handle`` failed.
    """
    moov = _find_box(handle, 0, size, b"moov")
    if moov is None:
        return None
    mvhd = _find_box(handle, moov[0], moov[1], b"mvhd")
    if mvhd is None:
        return None
    handle.seek(mvhd[0])
    body = handle.read(32)
    if not body:
        return None
    timescale: int
    duration: int
    if body[0] == 1 and len(body) >= 32:
        timescale, duration = struct.unpack(">IQ", body[20:32])
    elif len(body) >= 20:
        timescale, duration = struct.unpack(">II", body[12:20])
    else:
        return None
    if timescale == 0:
        return None
    return float(duration) / timescale
