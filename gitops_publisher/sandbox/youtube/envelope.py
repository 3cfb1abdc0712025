"""Google's answer shapes: the API error envelope and the flat OAuth error (reference §1.3, §5.2).

API errors are ``{"error": {"code", "message", "errors": [{"message", "domain", "reason"}]}}``,
plus ``status`` except on quota errors (observed bodies have none there). OAuth errors are flat:
``{"error": "invalid_grant", "error_description": "..."}``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
#: Reasons whose observed bodies carry no ``status`` field (reference §5.2).
_NO_STATUS = {"quotaExceeded"}

QUOTA_MESSAGE = (
    "The request cannot be completed because you have exceeded your "
    '<a href="/youtube/v3/getting-started#quota">quota</a>.'
)


class GoogleApiError(Exception):
    """An error answered in Google's API envelope."""

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        domain: str = "youtube.video",
        *,
        location: str | None = None,
        location_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Describe an error: HTTP ``status``, ``errors[0].reason``/``domain`` and message."""
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.domain = domain
        self.location = location
        self.location_type = location_type
        self.headers = headers or {}
        # Google's top-level message differs from errors[0].message for some errors.
        self.top_message = message

    def body(self) -> dict[str, Any]:
        """The JSON body Google sends for this error."""
        item: dict[str, Any] = {
            "message": self.message,
            "domain": self.domain,
            "reason": self.reason,
        }
        if self.location is not None:
            item["location"] = self.location
            item["locationType"] = self.location_type or "parameter"
        error: dict[str, Any] = {"code": self.status, "message": self.top_message, "errors": [item]}
        if self.reason not in _NO_STATUS:
            error["status"] = _STATUS_NAMES.get(self.status, "UNKNOWN")
        return {"error": error}


def google_error(exc: GoogleApiError) -> JSONResponse:
    """Return ``exc`` as a response (``application/json; charset=UTF-8`` like Google's)."""
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


def quota_exceeded() -> GoogleApiError:
    """403 ``quotaExceeded`` (domain ``youtube.quota``), verbatim message of reference §5.2."""
    return GoogleApiError(403, "quotaExceeded", QUOTA_MESSAGE, "youtube.quota")


def backend_error(status: int) -> GoogleApiError:
    """A 5xx ``backendError`` (the resumable kind of reference §2.8)."""
    return GoogleApiError(status, "backendError", "Backend Error", "global")


def rate_limited() -> GoogleApiError:
    """429 ``rateLimitExceeded`` (domain ``usageLimits``; googleapiclient retries it)."""
    return GoogleApiError(429, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits")


def not_found() -> GoogleApiError:
    """404 for an unknown or expired upload session (reference §2.8)."""
    return GoogleApiError(404, "notFound", "Not Found", "global")


def session_gone() -> GoogleApiError:
    """410 for an expired session (``expired_session_status``; GCS's answer, reference §2.8)."""
    return GoogleApiError(410, "gone", "Gone", "global")


class GoogleOAuthError(Exception):
    """An OAuth error in Google's flat shape, with its HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        """Describe ``{"error": error, "error_description": description}`` sent with ``status``."""
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


def oauth_error(exc: GoogleOAuthError) -> JSONResponse:
    """Return the flat OAuth error body."""
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status,
        headers={"Cache-Control": "no-store"},
    )
