"""Async client of the YouTube Data API v3 for one channel (reference §2, §4, §5).

- :meth:`YouTubeClient.channel`: channels.list ``mine=true``, the identity behind the token.
- :meth:`YouTubeClient.start_upload`: the initiating POST. It returns the session URI BEFORE
  any byte is sent, so the caller records it first (write-ahead). It is NOT idempotent: every
  accepted POST opens a new session (and costs quota), so after an answer that may have been
  lost the client raises :class:`InitOutcomeUnknown` rather than sending a second one. Nobody
  can upload into a session whose URI nobody saw, so starting over is then safe.
- :meth:`YouTubeClient.upload`: the chunk PUTs (``resumable.py``), from the session's offset.
- :meth:`YouTubeClient.session_status`: the resume path's question to a stored session URI.
- :meth:`YouTubeClient.video_status` and :meth:`YouTubeClient.wait_processed`: videos.list.
- :meth:`YouTubeClient.uploads_since`: the channel's recent uploads (channels.list, then
  playlistItems.list), where the video of an expired session is looked for (reference §6),
  and :meth:`YouTubeClient.videos`, their titles as their owner sees them (videos.list).

Metadata calls go through the retry policy (idempotent GETs and status queries are repeated
on transient errors; a rate limiter's refusal is waited out, ``Retry-After`` honoured). The
access token comes from :class:`~.oauth.GoogleAuth`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Unpack

import httpx

from gitops_publisher.core.youtube_quota import LIST_UNITS
from gitops_publisher.errors import ApiError, ProviderError
from gitops_publisher.providers.api_client import ApiClient, ClientOptions
from gitops_publisher.providers.youtube import urls
from gitops_publisher.providers.youtube.api_models import (
    Channel,
    Completed,
    SessionStatus,
    Upload,
    UploadsPage,
    VideoStatus,
)
from gitops_publisher.providers.youtube.envelope import (
    PLATFORM,
    YouTubeApiError,
    google_error,
    json_object,
)
from gitops_publisher.providers.youtube.lookup import Pay
from gitops_publisher.providers.youtube.oauth import GoogleAuth
from gitops_publisher.providers.youtube.resumable import (
    DEFAULT_CHUNK_SIZE,
    Progress,
    ResumableUpload,
    query_session,
    validate_chunk_size,
)

JSON_CONTENT_TYPE = "application/json; charset=UTF-8"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
# No documented processing time (reference §4, UNCERTAIN): start at 5 s, back off to 60 s.
POLL_FIRST = 5.0
POLL_MAX = 60.0
UPLOADS_PAGE = 50  # playlistItems.list's largest page (maxResults)


def secret_parts(session_uri: str) -> tuple[str, ...]:
    """The values a redactor must mask for a session URI: the URI and its ``upload_id``."""
    upload_id = httpx.URL(session_uri).params.get("upload_id", "")
    return tuple(v for v in (session_uri, upload_id) if v)


def at_origin(session_uri: str, origin: str | None) -> str:
    """``session_uri`` with the scheme, host and port of ``origin`` (None: as given).

    Only for the embedded sandbox: its server listens on a new port every run while its world,
    and so the session, outlives the run, so a session URI recorded by a killed run names a
    port nobody listens on any more. Google's session URIs are always used exactly as given
    (reference §2.3: the session URI is what the initiating POST answered).
    """
    if origin is None:
        return session_uri
    target = httpx.URL(origin)
    return str(
        httpx.URL(session_uri).copy_with(scheme=target.scheme, host=target.host, port=target.port)
    )


# What `state import` takes for a YouTube post (a URI that is no upload session was given).
NOT_IMPORTABLE = (
    "`publisher state import` takes a video published elsewhere by its id (the ID of "
    "youtube.com/shorts/ID), not by its address, or an upload session a run of this tool opened"
)


def upload_session_at(session_uri: str, api_url: str) -> bool:
    """Whether ``session_uri`` is a resumable session of YouTube's upload path.

    On the API's own origin (``api_url``: Google's, or a served sandbox's), or an https
    address on one of Google's upload hosts (:data:`urls.GOOGLE_UPLOAD_HOSTS`), path
    :data:`urls.UPLOAD_VIDEOS`, with an ``upload_id``.
    """
    try:
        url, api = httpx.URL(session_uri), httpx.URL(api_url)
    except (httpx.InvalidURL, TypeError):
        return False
    if url.path != urls.UPLOAD_VIDEOS or not url.params.get("upload_id"):
        return False
    if (url.scheme, url.host, url.port) == (api.scheme, api.host, api.port):
        return True
    return url.scheme == "https" and url.host in urls.GOOGLE_UPLOAD_HOSTS and url.port is None


def _host_of(uri: str) -> str:
    """`` on HOST`` for a message: the host a URI names (not a capability), or ""."""
    try:
        host = httpx.URL(uri).host
    except (httpx.InvalidURL, TypeError):
        return ""
    return f" on {host}" if host else ""


class YouTubeClient(ApiClient[GoogleAuth]):
    """One channel's connection to YouTube; use as ``async with YouTubeClient(...) as c``.

    The pool, the async context and the retry plumbing are :class:`ApiClient`'s.

    Args:
        auth: puts the channel's access token on requests (None: no header, for tests).
        base_url: API host; default ``PUBLISHER_YOUTUBE_API_URL`` or youtube.googleapis.com.
        transport: an httpx transport (``MockTransport``, ``ASGITransport``) for tests.
        retry: the retry policy.
        chunk_size: bytes per chunk PUT, a positive multiple of 256 KiB (default 16 MiB).
        sleep, clock, rng: injected for tests (an accelerated clock, no real sleeping).
        on_retry: told ``(attempt, delay, error)`` before each retry wait.
        on_secret: told each new session URI's :func:`secret_parts` before it is returned,
            and a recorded one's before it is first used, so the caller's redactor masks it
            in every output.
        session_origin: send session requests here whatever host and port the session URI
            names (:func:`at_origin`): the embedded sandbox's base URL, never set for Google.
        timeout: httpx timeout.

    Raises:
        ValueError: (from the constructor) a chunk size that is not a multiple of 256 KiB.
    """

    platform = PLATFORM

    def __init__(
        self,
        auth: GoogleAuth | None,
        *,
        base_url: str | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        on_secret: Callable[[str], None] | None = None,
        session_origin: str | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        **options: Unpack[ClientOptions],
    ) -> None:
        self.chunk_size = validate_chunk_size(chunk_size)
        super().__init__(auth, base_url=base_url or urls.api_url(), timeout=timeout, **options)
        self._on_secret = on_secret
        self._session_origin = session_origin

    async def channel(self) -> Channel:
        """Return the channel the token belongs to (channels.list ``part=snippet&mine=true``).

        Raises:
            YouTubeApiError: ``youtubeSignupRequired`` when the account has no channel (401
                from Google, or an empty list), ``insufficientPermissions``, others.
            ProviderNetworkError: transient failures outlived the policy.
        """
        params = {"part": "snippet", "mine": "true"}
        document = await self._call("GET", urls.CHANNELS, params=params, idempotent=True)
        items = document.get("items")
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            raise YouTubeApiError(
                "youtubeSignupRequired", "the Google account has no YouTube channel", 200
            )
        return Channel.from_item(items[0])

    async def start_upload(
        self,
        resource: Mapping[str, Any],
        *,
        size: int,
        content_type: str,
        notify_subscribers: bool = True,
    ) -> str:
        """Open a resumable session for a video of ``size`` bytes; return its URI.

        Args:
            resource: the video resource to create (``snippet``, ``status``).
            size: the file's size (``X-Upload-Content-Length``).
            content_type: ``X-Upload-Content-Type`` (``video/mp4``...).
            notify_subscribers: the ``notifySubscribers`` query parameter.

        Raises:
            InitOutcomeUnknown: the POST may have reached YouTube and its answer was lost;
                it is never sent twice by this method. No session URI was seen, so no byte
                can ever be sent to that session: a new one is safe.
            RateLimited: refused by a rate limiter more often than the policy waits.
            YouTubeApiError: YouTube refused it (``quotaExceeded``, ``uploadLimitExceeded``,
                ``invalidTitle``...), or answered without a ``Location``.
        """
        params = {
            "uploadType": "resumable",
            "part": "snippet,status",
            "notifySubscribers": "true" if notify_subscribers else "false",
        }
        headers = {
            "Content-Type": JSON_CONTENT_TYPE,
            "X-Upload-Content-Length": str(size),
            "X-Upload-Content-Type": content_type,
        }

        async def send() -> str:
            response = await self.http.post(
                urls.UPLOAD_VIDEOS,
                params=params,
                json=dict(resource),
                headers=headers,
                auth=self._request_auth,
            )
            location = str(response.headers.get("location", ""))
            if 200 <= response.status_code < 300 and location:
                return location
            if 200 <= response.status_code < 300:
                # google-api-python-client requires 200 + Location as well (reference §2.3).
                raise YouTubeApiError(
                    "malformed_response",
                    "the upload was accepted without a session URI (no Location header)",
                    response.status_code,
                )
            raise google_error(response.status_code, response.content, response.headers)

        session_uri = await self._retry(send, endpoint=urls.UPLOAD_VIDEOS, idempotent=False)
        self._redact(session_uri)
        return session_uri

    def _redact(self, *session_uris: str) -> None:
        """Tell ``on_secret`` about session URIs (a capability each: never in an output)."""
        if self._on_secret is not None:
            for uri in session_uris:
                for part in secret_parts(uri):
                    self._on_secret(part)

    def _target(self, session_uri: str) -> str:
        """Where a session's requests go (see ``session_origin``); both URIs are redacted.

        A recorded session URI (a resume) joins the redaction set here, before its first use.

        Raises:
            ProviderError: the URI is no upload session of YouTube's (see
                :func:`upload_session_at`); nothing is sent to it, so the channel's access
                token never reaches a host that ``state import`` or an edited state named.
        """
        target = at_origin(session_uri, self._session_origin)
        self._redact(session_uri, target)
        if not upload_session_at(target, self._session_origin or str(self.http.base_url)):
            raise ProviderError(
                f"the address{_host_of(target)} is not a YouTube upload session: one is an "
                f"https address on {' or '.join(urls.GOOGLE_UPLOAD_HOSTS)} (or "
                f"{urls.API_URL_ENV}'s host), path {urls.UPLOAD_VIDEOS}, with an upload_id; "
                "nothing was sent to it",
                hint=NOT_IMPORTABLE,
            )
        return target

    async def upload(
        self,
        session_uri: str,
        path: Path,
        *,
        size: int | None = None,
        start_at: int | None = None,
        on_progress: Progress | None = None,
    ) -> Completed:
        """Send ``path`` into the session and return the created video.

        Args:
            session_uri: from :meth:`start_upload` (or the state, on a resume).
            path: the file.
            size: the size announced at :meth:`start_upload` (default the file's size now).
            start_at: where to start (0 for a new session); None asks the session first.
            on_progress: ``(bytes, total)`` as bytes go out and as the server confirms.

        Raises:
            UploadSessionGone: the session expired (404/410): start a new one.
            YouTubeApiError: an account-stopping refusal (``quotaExceeded``...).
            UploadError: any other failure; ``bytes_confirmed`` says how far it got.
        """
        transfer = ResumableUpload(
            http=self.http,
            session_uri=self._target(session_uri),
            path=path,
            size=path.stat().st_size if size is None else size,
            chunk_size=self.chunk_size,
            headers=self._bearer,
            policy=self.retry,
            sleep=self._sleep,
            rng=self._rng,
            on_progress=on_progress,
            on_retry=self._on_retry,
        )
        return await transfer.run(start_at)

    async def session_status(self, session_uri: str, size: int) -> SessionStatus:
        """Ask a stored session how far it got (the resume path, reference §2.6).

        Returns:
            ``Incomplete(offset)`` (308): upload from ``offset``; ``Completed`` (200/201, the
            original final answer replayed): the video exists, do not upload again;
            ``Gone`` (404/410): nothing was published through it, a new session is safe.

        Raises:
            RateLimited, YouTubeApiError: refused (a 5xx after the retries, a 403...).
            ProviderNetworkError: the network failed longer than the policy allows.
        """
        session_uri = self._target(session_uri)

        async def ask() -> SessionStatus:
            try:
                return await query_session(self.http, session_uri, size, await self._bearer(False))
            except ApiError as exc:  # an access token refused: refresh once and ask again
                if exc.status != 401 or self._auth is None:
                    raise
                return await query_session(self.http, session_uri, size, await self._bearer(True))

        return await self._retry(ask, endpoint="upload session status", idempotent=True)

    async def video_status(self, video_id: str) -> VideoStatus:
        """Return the video's upload and processing status (videos.list, 1 quota unit).

        Raises:
            YouTubeApiError: ``insufficientPermissions`` (a token with ``youtube.upload``
                only), others.
            ProviderNetworkError: transient failures outlived the policy.
        """
        params = {"part": "status,processingDetails", "id": video_id}
        document = await self._call("GET", urls.VIDEOS, params=params, idempotent=True)
        return VideoStatus.from_list(video_id, document)

    async def uploads_since(self, since: datetime, *, pay: Pay | None = None) -> list[Upload]:
        """The channel's uploads made at or after ``since``, newest first (reference §6).

        channels.list ``part=contentDetails&mine=true`` names the uploads playlist, then
        playlistItems.list pages through it, 50 a page, newest first, until an item older
        than ``since`` (or the end): one quota unit each call, given to ``pay`` before the
        call is sent, and again before each time it is sent again after a transient failure
        (it raises to stop the listing). Newer uploads arriving between two
        pages shift the list, so an upload may be seen twice: each is kept once.

        Raises:
            YouTubeApiError: ``playlistNotFound`` and the like, ``insufficientPermissions``
                (a token that cannot read), ``malformed_response`` (an item that cannot be
                told apart, or a channel without an uploads playlist).
            ProviderNetworkError: transient failures outlived the policy.
        """
        params = {"part": "contentDetails", "mine": "true"}
        document = await self._call("GET", urls.CHANNELS, params=params, idempotent=True, pay=pay)
        items = document.get("items")
        channel = items[0] if isinstance(items, list) and items else {}
        details = channel.get("contentDetails") if isinstance(channel, dict) else None
        related = details.get("relatedPlaylists") if isinstance(details, dict) else None
        playlist = related.get("uploads") if isinstance(related, dict) else None
        if not isinstance(playlist, str) or not playlist:
            raise YouTubeApiError(
                "malformed_response", "channels.list named no uploads playlist", 200
            )
        found: dict[str, Upload] = {}
        token: str | None = None
        while True:
            query = {
                "part": "snippet,contentDetails",
                "playlistId": playlist,
                "maxResults": str(UPLOADS_PAGE),
                **({"pageToken": token} if token else {}),
            }
            page = UploadsPage.from_list(
                await self._call("GET", urls.PLAYLIST_ITEMS, params=query, idempotent=True, pay=pay)
            )
            for upload in page.uploads:
                if upload.published_at >= since:
                    found.setdefault(upload.video_id, upload)
            older = any(upload.published_at < since for upload in page.uploads)
            if older or page.next_page is None or page.next_page == token:
                return list(found.values())
            token = page.next_page

    async def videos(self, video_ids: Sequence[str], *, pay: Pay | None = None) -> list[Upload]:
        """Videos' titles and descriptions as their owner sees them (videos.list ``snippet``).

        50 ids a call, 1 unit each (given to ``pay`` first, as :meth:`uploads_since` does);
        ids YouTube does not list (deleted) are left out.

        Raises:
            YouTubeApiError: ``insufficientPermissions``, ``malformed_response``, others.
            ProviderNetworkError: transient failures outlived the policy.
        """
        found: list[Upload] = []
        for first in range(0, len(video_ids), UPLOADS_PAGE):
            ids = ",".join(video_ids[first : first + UPLOADS_PAGE])
            params = {"part": "snippet", "id": ids}
            document = await self._call("GET", urls.VIDEOS, params=params, idempotent=True, pay=pay)
            items = document.get("items")
            found += [Upload.from_item(i) for i in (items if isinstance(items, list) else [])]
        return found

    async def wait_processed(
        self,
        video_id: str,
        *,
        timeout: float = 1800.0,
        first_delay: float = POLL_FIRST,
        max_delay: float = POLL_MAX,
    ) -> VideoStatus:
        """Poll videos.list until the video is processed, failed or rejected, or ``timeout``.

        Large files can sit in ``uploaded`` for long and still finish (reference §8, pitfall
        8): after ``timeout`` the last, non-terminal status is returned, for a later run to
        ask again; nothing is uploaded again because of it.

        Raises:
            YouTubeApiError, ProviderNetworkError: as :meth:`video_status`.
        """
        started = self._clock()
        delay = first_delay
        while True:
            status = await self.video_status(video_id)
            if status.terminal or self._clock() - started + delay > timeout:
                return status
            await self._sleep(delay)
            delay = min(max_delay, delay * 2)

    async def _bearer(self, force_refresh: bool) -> dict[str, str]:
        """The Authorization header for a session PUT (a 401 there forces a refresh)."""
        if self._auth is None:
            return {}
        tokens = await (self._auth.force_refresh() if force_refresh else self._auth.ensure_fresh())
        return {"Authorization": f"Bearer {tokens.access_token.get_secret_value()}"}

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str],
        idempotent: bool,
        pay: Pay | None = None,
    ) -> dict[str, Any]:
        """Send the request through the retry policy; JSON object of a 2xx answer.

        ``pay``: given a call's units before EACH sending, the first and every retry (a 5xx,
        a dropped connection, a rate limiter's refusal), since every request costs quota,
        refused ones included (reference §5.1); it raises to stop before the request.
        """

        async def send() -> dict[str, Any]:
            if pay is not None:
                pay(LIST_UNITS)
            response = await self.http.request(
                method, path, params=dict(params), auth=self._request_auth
            )
            if 200 <= response.status_code < 300:
                return json_object(response.status_code, response.content, path)
            raise google_error(response.status_code, response.content, response.headers)

        return await self._retry(send, endpoint=path, idempotent=idempotent)
