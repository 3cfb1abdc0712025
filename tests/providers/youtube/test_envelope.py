"""Google's error envelopes onto the provider taxonomy (reference §5.2, §5.3)."""

from __future__ import annotations

import json

import pytest

from gitops_publisher.providers.errors import RateLimited
from gitops_publisher.providers.youtube.envelope import YouTubeApiError, google_error

# Verbatim shape of a quota error (ShareX #5907): errors first, HTML in the message, no status.
QUOTA = (
    b'{"error":{"errors":[{"message":"The request cannot be completed because you have exceeded '
    b'your \\u003ca href=\\"/youtube/v3/getting-started#quota\\"\\u003equota\\u003c/a\\u003e.",'
    b'"domain":"youtube.quota","reason":"quotaExceeded"}],"code":403,"message":"The request '
    b'cannot be completed because you have exceeded your \\u003ca href=\\"/youtube/v3/'
    b'getting-started#quota\\"\\u003equota\\u003c/a\\u003e."}}'
)


def body(code: int, reason: str, domain: str = "global", **extra: object) -> bytes:
    item = {"message": "m", "domain": domain, "reason": reason}
    return json.dumps({"error": {"code": code, "message": "m", "errors": [item], **extra}}).encode()


def test_quota_exceeded_stops_the_account_and_says_when_it_comes_back() -> None:
    error = google_error(403, QUOTA)
    assert isinstance(error, YouTubeApiError) and not isinstance(error, RateLimited)
    assert (error.code, error.status, error.domain) == ("quotaExceeded", 403, "youtube.quota")
    assert error.stops_account
    assert "<a" not in str(error) and "quota." in str(error)  # Google's HTML stripped
    assert "midnight Pacific Time" in error.hint


def test_the_channel_upload_cap_is_a_400_that_stops_the_account() -> None:
    error = google_error(400, body(400, "uploadLimitExceeded", "youtube.video"))
    assert error.code == "uploadLimitExceeded" and error.stops_account
    assert "24 hours" in error.hint


@pytest.mark.parametrize(
    ("status", "reason"),
    [(429, "rateLimitExceeded"), (403, "rateLimitExceeded"), (403, "userRateLimitExceeded")],
)
def test_rate_limiters_are_retryable_refusals(status: int, reason: str) -> None:
    error = google_error(status, body(status, reason), {"retry-after": "12"})
    assert isinstance(error, RateLimited) and error.retry_after == 12.0
    assert not error.stops_account and str(error).startswith("YouTube error")


def test_a_bare_429_is_rate_limited_too() -> None:
    assert isinstance(google_error(429, b""), RateLimited)


@pytest.mark.parametrize(("status", "code"), [(503, "backendError"), (502, "backendError")])
def test_a_5xx_without_an_envelope_is_transient(status: int, code: str) -> None:
    error = google_error(status, b"<html>bad gateway</html>")
    assert error.code == code and error.status == status and not error.stops_account


def test_metadata_errors_are_about_the_post() -> None:
    error = google_error(400, body(400, "invalidTitle", "youtube.video", status="INVALID_ARGUMENT"))
    assert error.code == "invalidTitle" and not error.stops_account


def test_missing_scope_stops_the_account_with_what_to_do() -> None:
    error = google_error(403, body(403, "insufficientPermissions", status="PERMISSION_DENIED"))
    assert error.stops_account and "log in again" in error.hint


def test_the_flat_oauth_shape_is_read() -> None:
    error = google_error(400, b'{"error":"invalid_grant","error_description":"Bad Request"}')
    assert (error.code, error.api_message) == ("invalid_grant", "Bad Request")


def test_an_envelope_without_errors_falls_back_to_its_status_name() -> None:
    raw = json.dumps({"error": {"code": 401, "message": "x", "status": "UNAUTHENTICATED"}})
    assert google_error(401, raw.encode()).code == "UNAUTHENTICATED"
