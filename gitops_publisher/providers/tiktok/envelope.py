"""Strict parsing of TikTok's response envelope (reference §1.4 and §4). Pure: no I/O.

Content Posting answers ``{"data": {...}, "error": {"code", "message", "log_id"}}`` and is a
success only when ``error.code == "ok"`` on a 2xx. OAuth answers flat JSON and signals errors
with an ``error`` string key, whatever the HTTP status (200 included, reference §1.4).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gitops_publisher.errors import ApiError

# The docs spell it ``invalid_param``; the generic page and live answers ``invalid_params``.
INVALID_PARAM_CODES = frozenset({"invalid_param", "invalid_params"})
ACCESS_TOKEN_INVALID = "access_token_invalid"
RATE_LIMIT_EXCEEDED = "rate_limit_exceeded"
LOG_ID_HEADER = "x-tt-logid"


def is_invalid_param(code: str) -> bool:
    """Return True for either spelling of TikTok's bad-field error."""
    return code in INVALID_PARAM_CODES


def _load(status: int, body: bytes, log_id: str) -> Any:
    try:
        return json.loads(body) if body.strip() else None
    except (ValueError, UnicodeDecodeError):
        code = "internal_error" if status >= 500 else "malformed_response"
        raise ApiError(code, f"answer is not JSON (HTTP {status})", log_id, status) from None


def parse_api_envelope(
    status: int, body: bytes, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Return the ``data`` object of a Content Posting answer.

    Raises:
        ApiError: unless the HTTP status is 2xx AND ``error.code == "ok"``. The code is TikTok's
            (``internal_error`` when a 5xx has no envelope, ``malformed_response`` when a 2xx
            has none), with ``message`` and ``log_id`` (falling back to the ``X-Tt-Logid``
            header).
    """
    header_log_id = (headers or {}).get(LOG_ID_HEADER, "")
    document = _load(status, body, header_log_id)
    if not isinstance(document, dict):
        if status >= 500 or status == 429:
            code = "internal_error" if status >= 500 else RATE_LIMIT_EXCEEDED
            raise ApiError(code, f"HTTP {status} without a TikTok envelope", header_log_id, status)
        raise ApiError("malformed_response", "answer has no envelope", header_log_id, status)
    error = document.get("error")
    if isinstance(error, str):  # an OAuth-style flat error on an API endpoint
        raise _flat_error(document, status, header_log_id)
    if not isinstance(error, dict):
        raise ApiError("malformed_response", "answer has no error object", header_log_id, status)
    code = str(error.get("code") or "")
    message = str(error.get("message") or "")
    log_id = str(error.get("log_id") or error.get("logid") or header_log_id)
    if code == "ok" and 200 <= status < 300:
        data = document.get("data")
        if data is None:
            return {}  # cancel answers without ``data``
        if not isinstance(data, dict):
            raise ApiError("malformed_response", "data is not an object", log_id, status)
        return data
    if code in ("", "ok"):
        code = "internal_error" if status >= 500 else f"http_{status}"
    raise ApiError(code, message, log_id, status)


def parse_oauth_response(
    status: int, body: bytes, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Return the flat JSON of an OAuth answer (token, revoke).

    Raises:
        ApiError: when the body carries an ``error`` key (any HTTP status, 200 included), when
            the status is not 2xx, or when the body is not a JSON object.
    """
    header_log_id = (headers or {}).get(LOG_ID_HEADER, "")
    document = _load(status, body, header_log_id)
    if document is None and 200 <= status < 300:
        return {}  # revoke may answer an empty body
    if not isinstance(document, dict):
        code = "server_error" if status >= 500 else "malformed_response"
        raise ApiError(code, f"answer is not a JSON object (HTTP {status})", header_log_id, status)
    error = document.get("error")
    if isinstance(error, str) and error:
        raise _flat_error(document, status, header_log_id)
    if isinstance(error, dict) and error.get("code") not in (None, "", "ok"):
        # Some OAuth errors arrive in the v2 envelope shape; accept it as well.
        return parse_api_envelope(status, body, headers)
    if not 200 <= status < 300:
        code = "server_error" if status >= 500 else f"http_{status}"
        raise ApiError(code, "", header_log_id, status)
    return document


def _flat_error(document: dict[str, Any], status: int, header_log_id: str) -> ApiError:
    return ApiError(
        str(document.get("error")),
        str(document.get("error_description") or document.get("message") or ""),
        str(document.get("log_id") or header_log_id),
        status,
    )
