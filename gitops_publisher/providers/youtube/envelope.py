"""Google's error envelope mapped onto the provider error taxonomy (reference §5.2, §5.3). Pure.

API errors are ``{"error": {"code", "message", "errors": [{"message", "domain", "reason"}]}}``
(plus ``status`` except on quota errors; key order varies). The reason in ``errors[0]`` is
what decides, never the HTTP status alone: ``uploadLimitExceeded`` is a 400 and
``quotaExceeded`` a 403 like ``forbidden`` (reference §8, pitfall 5). What each means here:

- refused by a rate limiter, so the same call may be repeated after a wait: any 429, and 403
  ``rateLimitExceeded`` / ``userRateLimitExceeded`` (generic Google reasons that
  google-api-python-client retries; UNCERTAIN for YouTube uploads, so treated as retryable
  wherever they come) -> :class:`RateLimited`;
- 5xx (``backendError``...): transient -> :class:`YouTubeApiError` with ``status >= 500``,
  which the retry policy repeats for idempotent calls only;
- the channel or the project cannot upload now, whatever the post: :data:`ACCOUNT_STOPPERS`,
  raised with ``stops_account`` set (the engine then stops the account, ``core/ports.py``);
- anything else is about this request (bad metadata: ``invalidTitle``...) and is final.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from gitops_publisher.errors import ApiError
from gitops_publisher.providers.errors import RateLimited

PLATFORM = "YouTube"
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
QUOTA_EXCEEDED = "quotaExceeded"
UPLOAD_LIMIT_EXCEEDED = "uploadLimitExceeded"
ACCOUNT_STOPPERS = frozenset(
    {
        QUOTA_EXCEEDED,  # the project's daily quota: back at midnight Pacific Time
        "dailyLimitExceeded",  # the generic Google spelling of the same
        UPLOAD_LIMIT_EXCEEDED,  # the channel's own 24 h upload cap (not API quota)
        "youtubeSignupRequired",  # the Google account has no channel
        "insufficientPermissions",  # the token lacks a scope: log in again
        "authError",  # the access token is refused even after a refresh
        "authorizationRequired",
    }
)
HINTS = {
    QUOTA_EXCEEDED: "the Google Cloud project's daily YouTube quota is used up (videos.insert has "
    "its own bucket of 100 calls a day since 2026-06-01); it resets at midnight Pacific Time, "
    "or ask Google for more with the quota audit form",
    "dailyLimitExceeded": "the Google Cloud project's daily quota is used up; it resets at "
    "midnight Pacific Time",
    UPLOAD_LIMIT_EXCEEDED: "the channel reached YouTube's own cap of uploads per 24 hours "
    "(independent of the API quota, no number published): try again in 24 hours",
    "youtubeSignupRequired": "the Google account that logged in has no YouTube channel: create "
    "one, or log in with the channel's account",
    "insufficientPermissions": "the token lacks a permission (upload, or reading the video's "
    "status): log in again and leave every requested permission ticked",
    "authError": "Google refuses the access token: log in again",
}
_TAG = re.compile(r"<[^>]*>")


class YouTubeApiError(ApiError):
    """An error in Google's envelope; ``code`` is ``errors[0].reason``.

    Attributes:
        domain: ``errors[0].domain`` (``youtube.quota``, ``youtube.video``, ``global``...).
    """

    def __init__(self, code: str, api_message: str, status: int, domain: str = "") -> None:
        super().__init__(
            code, api_message, "", status, platform=PLATFORM, stops_account=code in ACCOUNT_STOPPERS
        )
        self.domain = domain
        self.hint = HINTS.get(code, "")


def parse_retry_after(value: str | None) -> float | None:
    """Return ``Retry-After`` in seconds when it is a number (HTTP dates are ignored)."""
    try:
        seconds = float(value or "")
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _reason_of(error: dict[str, Any], status: int) -> tuple[str, str]:
    items = error.get("errors")
    first = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
    reason = str(first.get("reason") or error.get("status") or "")
    if not reason:
        reason = "backendError" if status >= 500 else f"http_{status}"
    return reason, str(first.get("domain") or "")


def google_error(status: int, body: bytes, headers: Mapping[str, str] | None = None) -> ApiError:
    """Return the error an answer with HTTP ``status`` and ``body`` stands for.

    Returns :class:`RateLimited` for a rate limiter's refusal (with ``Retry-After``), else a
    :class:`YouTubeApiError` whose ``code`` is the reason (``backendError`` for a 5xx without
    an envelope, ``http_<status>`` for anything else without one). Its message has Google's
    HTML (``<a href=...>quota</a>``) stripped.
    """
    try:
        document = json.loads(body) if body.strip() else None
    except (ValueError, UnicodeDecodeError):
        document = None
    error = document.get("error") if isinstance(document, dict) else None
    if isinstance(error, dict):
        reason, domain = _reason_of(error, status)
        message = str(error.get("message") or "")
    elif isinstance(error, str) and error:  # the flat OAuth shape
        reason, domain = error, ""
        message = str(document.get("error_description") or "") if document else ""
    else:
        reason, domain = ("backendError" if status >= 500 else f"http_{status}"), ""
        message = f"HTTP {status} without Google's error envelope"
    message = _TAG.sub("", message)
    if status == 429 or (status == 403 and reason in RATE_LIMIT_REASONS):
        retry_after = parse_retry_after((headers or {}).get("retry-after"))
        return RateLimited(reason, message, "", status, retry_after, platform=PLATFORM)
    return YouTubeApiError(reason, message, status, domain)


def json_object(status: int, body: bytes, what: str) -> dict[str, Any]:
    """Return a successful answer's JSON object.

    Raises:
        YouTubeApiError: ``malformed_response`` when the body is not a JSON object.
    """
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict):
        raise YouTubeApiError("malformed_response", f"{what}: the answer is not JSON", status)
    return document
