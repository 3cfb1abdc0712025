"""Async client of TikTok's Content Posting API (reference §3), one per account.

Every call goes through the account's rate limiter (so a 429 is rare) and the retry policy:
creator_info, status and cancel are retried on transient errors; the two init calls only when
the request cannot have reached TikTok (see ``retry.py``). The access token comes from an
``httpx.Auth`` (normally :class:`~.auth.RefreshingAuth`); the chunk PUTs never carry it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Unpack

import httpx

from gitops_publisher.errors import ApiError
from gitops_publisher.providers.api_client import ApiClient, ClientOptions
from gitops_publisher.providers.errors import RateLimited
from gitops_publisher.providers.tiktok import urls
from gitops_publisher.providers.tiktok.api_models import (
    CreatorInfo,
    InitResult,
    PostInfo,
    PublishStatus,
    SourceInfo,
)
from gitops_publisher.providers.tiktok.chunks import ChunkPlan
from gitops_publisher.providers.tiktok.envelope import RATE_LIMIT_EXCEEDED, parse_api_envelope
from gitops_publisher.providers.tiktok.ratelimit import ENDPOINT_LIMITS, SlidingWindowLimiter
from gitops_publisher.providers.tiktok.upload import Progress, upload_file

JSON_CONTENT_TYPE = "application/json; charset=UTF-8"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def parse_retry_after(value: str | None) -> float | None:
    """Return Retry-After in seconds when it is a number (HTTP dates are ignored)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def check_response(response: httpx.Response) -> dict[str, Any]:
    """Return the ``data`` of an API answer.

    Raises:
        RateLimited: HTTP 429 (with Retry-After when sent).
        ApiError: any answer that is not a 2xx with ``error.code == "ok"``.
    """
    if response.status_code == 429:
        try:
            parse_api_envelope(429, response.content, response.headers)
        except ApiError as exc:  # keep TikTok's message and log_id when present
            code = exc.code if exc.code.startswith("rate") else RATE_LIMIT_EXCEEDED
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            raise RateLimited(code, exc.api_message, exc.log_id, 429, retry_after) from None
    return parse_api_envelope(response.status_code, response.content, response.headers)


class TikTokClient(ApiClient[httpx.Auth]):
    """One account's connection to TikTok; use as ``async with TikTokClient(...) as c``.

    The pool, the async context and the retry plumbing are :class:`ApiClient`'s.

    Args:
        auth: puts the user's access token on API requests (None: no header, for tests).
        base_url: API host; default ``PUBLISHER_TIKTOK_API_URL`` or https://open.tiktokapis.com.
        transport: an httpx transport (``MockTransport``, ``ASGITransport``) for tests.
        account: the rate-limit key of this account (its name or open_id).
        limiter: shared limiter; default one of its own on the real clock.
        retry: the retry policy.
        sleep, clock, rng: injected for tests (an accelerated clock, no real sleeping).
        on_retry: told ``(attempt, delay, error)`` before each retry wait.
        timeout: httpx timeout of API calls.
    """

    platform = "TikTok"

    def __init__(
        self,
        auth: httpx.Auth | None,
        *,
        base_url: str | None = None,
        account: str = "",
        limiter: SlidingWindowLimiter | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(auth, base_url=base_url or urls.api_url(), timeout=timeout, **options)
        self._account = account
        self.limiter = limiter or SlidingWindowLimiter(clock=self._clock, sleep=self._sleep)

    async def creator_info(self) -> CreatorInfo:
        """Query the creator's posting options; call it fresh before each post (reference §8).

        Raises:
            ApiError: ``spam_risk_too_many_posts``, ``spam_risk_user_banned_from_posting`` or
                ``reached_active_user_cap`` (TikTok sends them with HTTP 200) mean the creator
                cannot post now; 401 ``scope_not_authorized``; others.
        """
        data = await self._call(urls.CREATOR_INFO, {}, idempotent=True)
        return CreatorInfo.model_validate(data)

    async def init_direct(self, post_info: PostInfo, source_info: SourceInfo) -> InitResult:
        """Start a Direct Post (scope ``video.publish``): returns publish_id and upload_url.

        Raises:
            InitOutcomeUnknown: the request may have reached TikTok and no answer came back;
                it is never sent twice by this method.
            ApiError: TikTok refused it (403 ``privacy_level_option_mismatch``...).
        """
        body = {
            "post_info": post_info.model_dump(exclude_none=True),
            "source_info": source_info.model_dump(exclude_none=True),
        }
        data = await self._call(urls.DIRECT_INIT, body, idempotent=False)
        return InitResult.model_validate(data)

    async def init_inbox(self, source_info: SourceInfo) -> InitResult:
        """Send a draft to the creator's inbox (scope ``video.upload``); same errors as above."""
        body = {"source_info": source_info.model_dump(exclude_none=True)}
        data = await self._call(urls.INBOX_INIT, body, idempotent=False)
        return InitResult.model_validate(data)

    async def fetch_status(self, publish_id: str) -> PublishStatus:
        """Return the processing status of ``publish_id`` (retried on transient errors).

        Raises:
            ApiError: 400 ``invalid_publish_id``,
                ``token_not_authorized_for_specified_publish_id``.
        """
        data = await self._call(urls.STATUS_FETCH, {"publish_id": publish_id}, idempotent=True)
        return PublishStatus.model_validate(data)

    async def cancel(self, publish_id: str) -> None:
        """Ask TikTok to cancel a slow PULL_FROM_URL (best effort, reference §3.6).

        Raises:
            ApiError: 400 ``publish_not_cancellable`` and the like.
        """
        await self._call(urls.CANCEL, {"publish_id": publish_id}, idempotent=True)

    async def upload(
        self,
        upload_url: str,
        path: Path,
        plan: ChunkPlan,
        *,
        content_type: str | None = None,
        on_progress: Progress | None = None,
    ) -> None:
        """PUT ``path`` to ``upload_url`` chunk by chunk; see :func:`upload.upload_file`.

        ``content_type`` is the container's type from pre-flight's probe.

        Raises:
            ValueError: no ``content_type`` (a bug: apply probes every video it uploads).
            UploadUrlExpired, UploadError: see :func:`upload.upload_file`.
        """
        if content_type is None:
            raise ValueError(f"{path.name}: upload without the probed Content-Type")
        await upload_file(
            self.http,
            upload_url,
            path,
            plan,
            content_type=content_type,
            policy=self.retry,
            sleep=self._sleep,
            rng=self._rng,
            on_progress=on_progress,
            on_retry=self._on_retry,
        )

    async def _call(self, path: str, body: dict[str, Any], *, idempotent: bool) -> dict[str, Any]:
        limit = ENDPOINT_LIMITS.get(path)

        async def send() -> dict[str, Any]:
            if limit is None:
                response = await self._post(path, body)
            else:
                async with self.limiter.slot((self._account, path), limit):
                    response = await self._post(path, body)
            return check_response(response)

        return await self._retry(send, endpoint=path, idempotent=idempotent)

    async def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(
            self._url(path),
            json=body,
            auth=self._request_auth,
            headers={"Content-Type": JSON_CONTENT_TYPE},
        )
