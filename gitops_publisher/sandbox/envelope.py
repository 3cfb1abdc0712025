"""Response shapes: the posting API envelope and the flat OAuth error (reference §1.4, §4)."""

from __future__ import annotations

import random
import time
from typing import Any

from pydantic import ValidationError
from starlette.responses import JSONResponse

from gitops_publisher.sandbox.options import SandboxOptions


def new_log_id(now: float, rng: random.Random) -> str:
    """Return a log id shaped like TikTok's: ``YYYYMMDDHHMMSS`` + 20 upper-case hex digits."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(now))
    return stamp + f"{rng.getrandbits(80):020X}"


class ApiError(Exception):
    """An error answered in the posting envelope ``{data, error}``."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        """Describe an error response: HTTP ``status``, ``error.code`` and ``message``."""
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def invalid_params(options: SandboxOptions, message: str) -> ApiError:
    """Return the 400 bad-field error with the configured spelling."""
    return ApiError(400, options.invalid_param_code, message)


def api_ok(data: dict[str, Any] | None, log_id: str) -> JSONResponse:
    """Return a success envelope; ``data=None`` omits ``data`` (cancel has none)."""
    body: dict[str, Any] = {"error": {"code": "ok", "message": "", "log_id": log_id}}
    if data is not None:
        body = {"data": data, **body}
    return JSONResponse(body)


def api_error(error: ApiError, log_id: str) -> JSONResponse:
    """Return ``{"data": {}, "error": {...}}`` with the error's status and headers.

    UNCERTAIN (reference §4): ``data`` on errors is ``{}`` or absent; we send ``{}``.
    """
    body = {"data": {}, "error": {"code": error.code, "message": error.message, "log_id": log_id}}
    return JSONResponse(body, status_code=error.status, headers=error.headers)


class OAuthError(Exception):
    """An error answered in the flat OAuth shape ``{error, error_description, log_id}``."""

    def __init__(self, error: str, description: str) -> None:
        """Describe an OAuth error (``error`` is one of the codes of reference §1.4)."""
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


def oauth_error(error: OAuthError, log_id: str, options: SandboxOptions) -> JSONResponse:
    """Return the flat OAuth error body.

    UNCERTAIN (reference §1.4): the HTTP status is undocumented. 400, or 500/503 for
    ``server_error``/``temporarily_unavailable``; 200 with ``oauth_errors_http_200``.
    """
    status = {"server_error": 500, "temporarily_unavailable": 503}.get(error.error, 400)
    if options.oauth_errors_http_200:
        status = 200
    body = {"error": error.error, "error_description": error.description, "log_id": log_id}
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def describe_validation(exc: ValidationError) -> str:
    """Summarise a pydantic error without quoting input values (they may be secrets)."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(item) for item in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
