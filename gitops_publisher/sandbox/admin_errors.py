"""The admin API's one error shape: ``{"error": {"code": CODE, "message": TEXT}}``.

The ``/_sandbox/`` routes are the emulator's own, not TikTok's or Google's, so their refusals
are in neither platform's envelope: a script driving the sandbox reads every admin refusal
the same way, ``error.code`` to decide (one of :data:`ADMIN_ERROR_CODES`, stable) and
``error.message`` to show (it says what was wrong, never quoting a secret). The HTTP status
agrees with the code. An unknown path under ``/_sandbox/``, a method a route does not take,
and a failure of the emulator itself answer in this shape too; outside ``/_sandbox/``
nothing changes (the platforms' paths keep their envelopes, and Starlette's plain-text
404/405 for paths no platform has).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

AdminErrorCode = Literal[
    "invalid_body",  # 400: not a JSON object sent as application/json, or too large
    "invalid_field",  # 400: a field's value (or an unknown field, endpoint, limit)
    "not_found",  # 404: no such route, publish_id or video id
    "method_not_allowed",  # 405: the route exists, not with this method
    "already_exists",  # 409: an account or channel of that name
    "clock_not_manual",  # 409: advancing a clock that runs by itself
    "not_in_inbox",  # 409: posting a draft that is not (or no longer) in the user's inbox
    "internal_error",  # 500: a failure of the emulator itself
]
#: Every ``error.code`` an admin route answers with (docs/sandbox.md lists them).
ADMIN_ERROR_CODES: tuple[str, ...] = get_args(AdminErrorCode)

ADMIN_PREFIX = "/_sandbox"


def is_admin_path(path: str) -> bool:
    """Whether ``path`` is the admin API's (``/_sandbox`` and below)."""
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


class AdminError(Exception):
    """A refusal of an admin route, answered by :func:`on_admin_error`."""

    def __init__(self, status: int, code: AdminErrorCode, message: str) -> None:
        """Refuse with HTTP ``status``, machine-readable ``code`` and a human ``message``."""
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def admin_error(
    status: int, code: AdminErrorCode, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """Return the admin error body with ``status``."""
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


async def on_admin_error(request: Request, exc: Exception) -> Response:
    """Answer an :class:`AdminError` raised by an admin route."""
    assert isinstance(exc, AdminError)
    return admin_error(exc.status, exc.code, exc.message)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    """404 and 405 of the router: the admin shape under ``/_sandbox/``, else Starlette's own."""
    assert isinstance(exc, HTTPException)
    path = request.url.path
    if is_admin_path(path) and exc.status_code in (404, 405):
        if exc.status_code == 404:
            return admin_error(
                404, "not_found", f"no admin route {path}; GET /_sandbox/ lists them"
            )
        allowed = (exc.headers or {}).get("Allow", "")
        return admin_error(
            405,
            "method_not_allowed",
            f"{request.method} {path} is not allowed; allowed: {allowed}",
            exc.headers,
        )
    if exc.status_code in {204, 304}:  # what Starlette's own handler answers
        return Response(status_code=exc.status_code, headers=exc.headers)
    return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)


async def on_server_error(request: Request, exc: Exception) -> Response:
    """An unexpected failure: the admin shape under ``/_sandbox/``, else Starlette's text.

    The exception still reaches the server's log (Starlette re-raises it after answering).
    """
    if is_admin_path(request.url.path):
        return admin_error(500, "internal_error", f"the sandbox failed: {type(exc).__name__}")
    return PlainTextResponse("Internal Server Error", status_code=500)
