"""Writing an upload body to its part file as it arrives, in contiguous ~1 MiB batches.

Each batch is joined into one buffer and written with one call, on the event loop. The
SHA-256 of the assembled video is not computed here but after the final chunk, off the
ingest path (``sandbox/digest.py``): hashing as the bytes arrived cost 0.53 CPU-seconds per
GiB on the one core the server runs on, which capped the emulator below the clients it
measures (bench/README.md, "sandbox"). Measured on the 2-core bench machine: handing batches
to a worker thread cost ~0.3 CPU-seconds per GiB more; per-piece writes (~230 KiB), 256 KiB
or 4 MiB batches and file-aligned batches all cost 2-3x the kernel time of 1 MiB batches.
At most one batch plus one piece is held, so memory stays bounded whatever the chunk size.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import suppress
from typing import IO

BATCH_BYTES = 1 << 20


async def ingest(stream: AsyncIterator[bytes], handle: IO[bytes], limit: int) -> tuple[int, bytes]:
    """Copy ``stream`` into ``handle`` (at its position); stop past ``limit``.

    Returns the byte count seen (``limit + something`` means too many bytes: the caller
    refuses the chunk) and the first bytes of the stream (for container sniffing). Nothing
    past ``limit`` is written.

    Raises:
        Exception: whatever reading the stream raises (client disconnect) or writing raises
            (``OSError``). The bytes that arrived before are written first (best effort), so
            the caller decides what to keep of them: TikTok truncates to the chunk's start,
            YouTube may keep a prefix (``sandbox/youtube/resumable.py``). Nothing is left
            writing, so the caller can truncate at once.
    """
    received = 0
    head = b""
    batch: list[bytes] = []
    batch_size = 0
    try:
        async for piece in stream:
            received += len(piece)
            if received > limit:
                return received, head
            if len(head) < 64:
                head += piece[: 64 - len(head)]
            batch.append(piece)
            batch_size += len(piece)
            if batch_size >= BATCH_BYTES:
                handle.write(b"".join(batch))
                batch, batch_size = [], 0
    except BaseException:
        if batch:
            with suppress(OSError):
                handle.write(b"".join(batch))
        raise
    if batch:
        handle.write(b"".join(batch))
    return received, head
