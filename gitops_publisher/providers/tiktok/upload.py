"""Resilient FILE_UPLOAD: sequential chunk PUTs streamed from disk (reference §5).

- Each chunk's body is an async generator reading the file in ``piece_size`` pieces, so memory
  stays bounded by one piece, whatever the video's size. The ``Content-Length`` header is set
  explicitly: without it httpx sends a generator body chunked, which TikTok's upload refuses.
  A retried chunk builds a new generator (a generator body cannot be replayed).
- ``Content-Range: bytes FIRST-LAST/TOTAL`` (inclusive, 0-based), ``Content-Type`` of the
  container pre-flight probed in the file (``media.facts.content_type_for``), never guessed
  from the suffix. No Authorization header: the upload_url carries its own token.
- 5xx, timeouts and network errors: the same chunk is sent again after a backoff delay; a
  duplicate delivery is harmless because the server then answers 416 and we re-sync.
- 416: re-sync to the progress the server reports in its ``Content-Range`` answer header.
- 403: the upload_url expired (it lives 1 h): :class:`UploadUrlExpired`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from gitops_publisher.providers.errors import UploadError, UploadUrlExpired
from gitops_publisher.providers.redact import install_log_redaction
from gitops_publisher.providers.retry import OnRetry, RetryPolicy
from gitops_publisher.providers.streaming import Meter, chunk_body
from gitops_publisher.providers.tiktok.chunks import ChunkPlan

Progress = Callable[[int, int], None]
PIECE_SIZE = 1024 * 1024
MAX_RESYNCS_WITHOUT_PROGRESS = 3

_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


def server_progress(content_range: str | None, plan: ChunkPlan) -> int | None:
    """Return the offset to continue from, read from a 416 answer's ``Content-Range``.

    TikTok answers ``bytes 0-{UPLOADED_BYTES}/{TOTAL}`` and does not say whether the number is
    a byte COUNT or the LAST INDEX received (reference §5, UNCERTAIN). Both readings are tried:
    the right one is the one landing on a chunk boundary (or on the end of the file), because
    the server only ever accepts whole chunks. Returns None when neither does.
    """
    match = _RANGE.search(content_range or "")
    if match is None:
        return None
    number = int(match.group(2))
    for offset in (number, number + 1):  # as a count, then as a last index
        if offset == plan.video_size or plan.index_starting_at(offset) is not None:
            return offset
    return None


async def upload_file(
    http: httpx.AsyncClient,
    upload_url: str,
    path: Path,
    plan: ChunkPlan,
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]],
    rng: Callable[[], float],
    content_type: str,
    on_progress: Progress | None = None,
    on_retry: OnRetry | None = None,
    piece_size: int = PIECE_SIZE,
) -> None:
    """Upload ``path`` to ``upload_url`` following ``plan``; return once TikTok has it all.

    ``on_progress(bytes_sent, total)`` is called as bytes go out; it goes back to the confirmed
    offset when a chunk is sent again.

    Raises:
        UploadUrlExpired: HTTP 403; fetch the publish_id's status before any new init.
        UploadError: 400/404/other 4xx, a 416 that cannot be re-synced, or retries exhausted
            (chained to the last error). Its ``bytes_confirmed`` says how far TikTok got.
    """
    install_log_redaction()
    size = plan.video_size
    meter = Meter(size, on_progress)
    index, confirmed, failures, rate_waits, resyncs = 0, 0, 0, 0, 0
    while index < plan.total_chunk_count:
        first, last = plan.ranges[index]
        meter.position = first
        headers = {
            "Content-Type": content_type,
            "Content-Length": str(last - first + 1),
            "Content-Range": f"bytes {first}-{last}/{size}",
        }
        delay: float | None = None
        error: BaseException | None = None
        try:
            response = await http.put(
                upload_url,
                content=chunk_body(path, first, last, piece_size, meter),
                headers=headers,
            )
        except httpx.TransportError as exc:
            error = exc
        else:
            status = response.status_code
            final = index == plan.total_chunk_count - 1
            if status == 206 and not final or status in (200, 201) and final:
                index, confirmed, failures, resyncs = index + 1, last + 1, 0, 0
                continue
            if status == 416:
                offset = server_progress(response.headers.get("content-range"), plan)
                resyncs += 1
                if offset is None or resyncs > MAX_RESYNCS_WITHOUT_PROGRESS:
                    raise UploadError(
                        f"upload out of sync and the server's progress "
                        f"({response.headers.get('content-range')!r}) gives no chunk to resume at",
                        status=416,
                        bytes_confirmed=confirmed,
                    )
                confirmed = offset
                meter.at(offset)
                if offset == size:
                    return
                index = offset // plan.chunk_size
                continue
            if status == 403:
                raise UploadUrlExpired(
                    "the upload URL expired (TikTok keeps it 1 hour after init)",
                    status=403,
                    bytes_confirmed=confirmed,
                )
            if status == 429:
                rate_waits += 1
                if rate_waits > policy.max_rate_limit_waits:
                    raise UploadError(
                        "upload rate-limited (HTTP 429)", status=429, bytes_confirmed=confirmed
                    )
                delay = policy.rate_limit_delay(None)
            elif status >= 500:
                error = UploadError(
                    f"HTTP {status} on chunk {index + 1}", status=status, bytes_confirmed=confirmed
                )
            else:
                raise UploadError(
                    f"chunk {index + 1}/{plan.total_chunk_count}: unexpected HTTP {status}"
                    + (" (the server expects more bytes)" if status == 206 else ""),
                    status=status,
                    bytes_confirmed=confirmed,
                )
        if delay is None:
            failures += 1
            if failures >= policy.max_attempts:
                raise UploadError(
                    f"chunk {index + 1}/{plan.total_chunk_count} failed {failures} time(s): "
                    f"{type(error).__name__}: {error}",
                    status=error.status if isinstance(error, UploadError) else None,
                    bytes_confirmed=confirmed,
                ) from error
            delay = policy.backoff(failures - 1, rng)
        meter.at(confirmed)
        if on_retry is not None and error is not None:
            on_retry(failures, delay, error)
        await sleep(delay)
