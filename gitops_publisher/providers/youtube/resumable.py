"""The resumable upload protocol after the initiating POST (reference §2.4-2.8, §2.10).

- Chunk PUTs of ``chunk_size`` bytes (a multiple of 256 KiB, every chunk but the last the same
  size), ``Content-Range: bytes FIRST-LAST/TOTAL``, the body an async generator reading the file
  piece by piece: memory stays bounded by one piece whatever the video's size. The
  ``Content-Length`` is explicit (a generator body would otherwise go out chunked) and a chunk
  sent again builds a new generator (a body cannot be replayed, reference §2.10's retry bug).
  No ``Content-Type`` on chunks: google-api-python-client sends none either.
- ``308``: the server holds ``Range: bytes=0-N``, so the next chunk starts at ``N + 1``; no
  ``Range`` means it holds nothing. "Do not assume that the server received all (or none) of
  the bytes sent": the next chunk always starts where the server says, even mid-chunk.
- A dropped connection, a 5xx, a 401 (after a refresh), a token endpoint that failed for a
  moment or a rate limiter's refusal: wait, then ask the session where it is
  (``Content-Range: bytes */TOTAL``) and go on from there.
- ``200``/``201``: done; the body is the video resource. A status query of a completed session
  replays that answer, which is how a lost final answer is recovered without a second upload.
- ``404`` (and ``410``, UNCERTAIN for YouTube; GCS uses it for dead sessions and clients restart
  on both): the session is gone, :class:`UploadSessionGone`.

The session URI is a capability (it embeds ``upload_id``): it never appears in a message here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from gitops_publisher.errors import ApiError
from gitops_publisher.providers.errors import (
    RateLimited,
    TokenRefreshError,
    UploadContended,
    UploadError,
    UploadSessionGone,
)
from gitops_publisher.providers.redact import install_log_redaction
from gitops_publisher.providers.retry import OnRetry, RetryPolicy
from gitops_publisher.providers.streaming import Meter, chunk_body
from gitops_publisher.providers.youtube.api_models import (
    Completed,
    Gone,
    Incomplete,
    SessionStatus,
)
from gitops_publisher.providers.youtube.envelope import (
    google_error,
    json_object,
    parse_retry_after,
)

CHUNK_UNIT = 256 * 1024
DEFAULT_CHUNK_SIZE = 64 * CHUNK_UNIT  # 16 MiB, google-api-go-client's default
PIECE_SIZE = 1024 * 1024
MAX_STALLS = 5
GONE_STATUSES = frozenset({404, 410})
Progress = Callable[[int, int], None]
Headers = Callable[[bool], Awaitable[dict[str, str]]]
"""``headers(force_refresh)`` -> the Authorization header for a session request ({} for none)."""
_RANGE = re.compile(r"bytes=(\d+)-(\d+)")


def validate_chunk_size(chunk_size: int) -> int:
    """Return ``chunk_size`` when it is a positive multiple of 256 KiB (reference §2.4).

    Raises:
        ValueError: it is not.
    """
    if isinstance(chunk_size, bool) or chunk_size <= 0 or chunk_size % CHUNK_UNIT:
        raise ValueError(
            f"the YouTube chunk size must be a positive multiple of 256 KiB ({CHUNK_UNIT} "
            f"bytes), not {chunk_size}"
        )
    return chunk_size


def next_offset(range_header: str | None) -> int:
    """Return where to continue after a 308: ``Range: bytes=0-N`` -> ``N + 1``; none -> 0."""
    match = _RANGE.search(range_header or "")
    return int(match.group(2)) + 1 if match else 0


def session_status(response: httpx.Response) -> SessionStatus:
    """Read a session's answer to a PUT (a chunk or a status query).

    Raises:
        RateLimited: a rate limiter refused the request.
        YouTubeApiError: any other answer (5xx included; the caller decides about retrying),
            or a final answer without a video id.
    """
    status = response.status_code
    if status == 308:
        return Incomplete(next_offset(response.headers.get("range")))
    if status in (200, 201):
        return Completed.from_resource(status, json_object(status, response.content, "upload"))
    if status in GONE_STATUSES:
        return Gone(status)
    raise google_error(status, response.content, response.headers)


async def query_session(
    http: httpx.AsyncClient, session_uri: str, size: int, headers: dict[str, str]
) -> SessionStatus:
    """Ask a session how far it got (``PUT``, ``Content-Range: bytes */SIZE``, empty body).

    Raises:
        httpx.TransportError: the network failed (the query changes nothing: safe to repeat).
        RateLimited, YouTubeApiError: as :func:`session_status`.
    """
    response = await http.put(
        session_uri,
        content=b"",
        headers={**headers, "Content-Length": "0", "Content-Range": f"bytes */{size}"},
    )
    return session_status(response)


@dataclass
class ResumableUpload:
    """One file's transfer into one session; :meth:`run` until it completes.

    Args:
        http: the client (its transport; no auth flow: a chunk body cannot be replayed, so
            the Authorization header comes from ``headers`` and a 401 is handled here).
        session_uri: where the initiating POST said to send the bytes.
        path: the file; ``size`` its size when the session was started.
        chunk_size: a multiple of 256 KiB (validated).
        headers: gives the Authorization header, refreshed when asked.
        policy, sleep, rng: backoff (injected: tests never sleep).
        on_progress: ``(bytes_confirmed_or_sent, total)``.
        on_retry: ``(attempt, delay, error)`` before each wait.
    """

    http: httpx.AsyncClient
    session_uri: str
    path: Path
    size: int
    chunk_size: int
    headers: Headers
    policy: RetryPolicy
    sleep: Callable[[float], Awaitable[None]]
    rng: Callable[[], float]
    on_progress: Progress | None = None
    on_retry: OnRetry | None = None
    piece_size: int = PIECE_SIZE

    def __post_init__(self) -> None:
        validate_chunk_size(self.chunk_size)
        if self.size <= 0:  # pitfall 12: "bytes 0--1/0" is refused by Google
            raise UploadError("cannot upload an empty file", status=None, bytes_confirmed=0)
        self._meter = Meter(self.size, self.on_progress)
        self._failures = 0
        self._rate_waits = 0
        self._stalls = 0
        self._confirmed = 0

    async def run(self, start_at: int | None) -> Completed:
        """Send the bytes from ``start_at`` (None: ask the session first) to completion.

        Raises:
            UploadSessionGone: the session answered 404/410.
            YouTubeApiError: an account-stopping refusal (``quotaExceeded``...) on a PUT.
            TokenRefreshError: Google refused to refresh the access token (log in again).
            UploadError: another refusal, the server made no progress ``MAX_STALLS`` times,
                or transient failures outlived the policy (chained to the last one). Its
                ``bytes_confirmed`` says how far the session got.
        """
        install_log_redaction()
        # At or past the end there is no chunk to send: only the session can say it is done.
        offset = start_at if start_at is not None and 0 <= start_at < self.size else None
        force_refresh = False
        while True:
            error: BaseException | None = None
            retry_after: float | None = None
            try:
                auth = await self.headers(force_refresh)
                force_refresh = False
                if offset is None:
                    state = await query_session(self.http, self.session_uri, self.size, auth)
                else:
                    state = await self._send_chunk(offset, auth)
            except httpx.TransportError as exc:  # the chunk may have partly arrived: ask
                error, offset = exc, None
            except RateLimited as exc:
                error, offset, retry_after = exc, None, exc.retry_after
            except TokenRefreshError as exc:  # the token endpoint failed, not the session
                if not exc.transient:
                    raise
                error, offset = exc, None
            except ApiError as exc:
                if exc.status == 401:
                    error, offset, force_refresh = exc, None, True
                elif exc.status >= 500:
                    error, offset = exc, None
                elif exc.stops_account:
                    raise
                else:
                    raise UploadError(
                        f"the upload session refused a request: {exc}",
                        status=exc.status,
                        bytes_confirmed=self._confirmed,
                    ) from exc
            else:
                if isinstance(state, Completed):
                    self._meter.at(self.size)
                    return state
                if isinstance(state, Gone):
                    raise UploadSessionGone(
                        f"the upload session answered HTTP {state.status}: it expired "
                        "(nothing was published through it)",
                        status=state.status,
                        bytes_confirmed=self._confirmed,
                    )
                sent_from, offset = offset, self._progressed(state.offset)
                if offset is None:
                    error = UploadError(
                        "the session holds every byte but gave no final answer",
                        status=308,
                        bytes_confirmed=self.size,
                    )
                elif sent_from is not None and offset <= sent_from:
                    error, offset = self._stalled(sent_from), None
                else:
                    continue
            await self._wait(error, retry_after)

    async def _send_chunk(self, offset: int, auth: dict[str, str]) -> SessionStatus:
        last = min(offset + self.chunk_size, self.size) - 1
        self._meter.position = offset
        response = await self.http.put(
            self.session_uri,
            content=chunk_body(self.path, offset, last, self.piece_size, self._meter),
            headers={
                **auth,
                "Content-Length": str(last - offset + 1),
                "Content-Range": f"bytes {offset}-{last}/{self.size}",
            },
        )
        state = session_status(response)
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if isinstance(state, Incomplete) and retry_after:
            await self.sleep(retry_after)  # a 308 may carry Retry-After: honour it (§2.5)
        if isinstance(state, Incomplete) and "range" not in response.headers and offset > 0:
            # UNCERTAIN: Google upload servers were seen answering 308 without Range even
            # after a last chunk (itchio/butler #71). Restarting from byte 0 on that alone
            # would resend a whole video; ask the session instead, and believe its answer.
            return await query_session(self.http, self.session_uri, self.size, auth)
        return state

    def _progressed(self, now: int) -> int | None:
        """Record that the session holds ``now`` bytes; return where to go on (None: ask again).

        Raises:
            UploadError: the session held every byte without a final answer too often.
        """
        self._meter.at(now)
        if now > self._confirmed:
            self._failures = self._stalls = 0
        self._confirmed = now
        if now < self.size:
            return now
        self._stalls += 1
        if self._stalls > MAX_STALLS:
            raise UploadError(
                "the upload session holds every byte but never gave the final answer",
                status=308,
                bytes_confirmed=now,
            )
        return None

    def _stalled(self, offset: int) -> UploadContended:
        """A 308 that kept nothing of a chunk sent from ``offset``: the error to wait on.

        Raises:
            UploadContended: that happened more than ``MAX_STALLS`` times in a row: another
                client is sending into the session (the engine leaves the attempt to it).
        """
        self._stalls += 1
        error = UploadContended(
            f"the upload session kept none of the chunk sent from byte {offset} "
            f"({self._stalls} time(s) in a row)",
            status=308,
            bytes_confirmed=self._confirmed,
        )
        if self._stalls > MAX_STALLS:
            raise error
        return error

    async def _wait(self, error: BaseException, retry_after: float | None) -> None:
        if isinstance(error, RateLimited):
            self._rate_waits += 1
            if self._rate_waits > self.policy.max_rate_limit_waits:
                raise UploadError(
                    f"the upload was rate-limited {self._rate_waits} times: {error}",
                    status=error.status,
                    bytes_confirmed=self._confirmed,
                ) from error
            delay = self.policy.rate_limit_delay(retry_after)
        else:
            self._failures += 1
            if self._failures >= self.policy.max_attempts:
                # Still contended when the attempts run out: say so (the engine leaves such
                # a session to the client sending into it, it does not fail the attempt).
                kind = UploadContended if isinstance(error, UploadContended) else UploadError
                raise kind(
                    f"the upload failed {self._failures} time(s) in a row at byte "
                    f"{self._confirmed} of {self.size}: {type(error).__name__}: {error}",
                    status=getattr(error, "status", None),
                    bytes_confirmed=self._confirmed,
                ) from error
            delay = self.policy.backoff(self._failures - 1, self.rng)
        self._meter.at(self._confirmed)
        if self.on_retry is not None:
            self.on_retry(self._failures + self._rate_waits, delay, error)
        await self.sleep(delay)
