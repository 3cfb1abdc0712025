"""The outermost ASGI layer: request log (redacted) and seeded fault injection.

It serves both platforms: TikTok endpoints answer faults in TikTok's envelopes, YouTube
endpoints (``sandbox/youtube/paths.py``) in Google's.

It sits outside Starlette's own middleware so that it receives the server's ``send``; that is
what lets a "dropped connection" really close the socket under uvicorn. In-process (httpx's
ASGI transport, no socket) a drop raises ``httpx.RemoteProtocolError``, the very error httpx
raises when a server closes a connection without answering.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from gitops_publisher.sandbox.options import FaultSpec
from gitops_publisher.sandbox.service import SandboxService
from gitops_publisher.sandbox.youtube.envelope import backend_error, rate_limited
from gitops_publisher.sandbox.youtube.paths import ENDPOINT_BY_ROUTE, YOUTUBE_OAUTH_ENDPOINTS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: TikTok paths served by the sandbox -> endpoint name (see options.ENDPOINTS).
ENDPOINT_BY_PATH: dict[str, str] = {
    "/v2/auth/authorize/": "authorize",
    "/v2/oauth/token/": "token",
    "/v2/oauth/revoke/": "revoke",
    "/v2/post/publish/creator_info/query/": "creator_info",
    "/v2/post/publish/video/init/": "video_init",
    "/v2/post/publish/inbox/video/init/": "inbox_init",
    "/upload/video/": "upload",
    "/v2/post/publish/status/fetch/": "status",
    "/v2/post/publish/cancel/": "cancel",
}
_OAUTH = {"authorize", "token", "revoke"}
_SECRET_PARAMS = {
    "upload_token",
    "code",
    "code_verifier",
    "code_challenge",
    "refresh_token",
    "access_token",
    "token",
    "client_secret",
    "state",
    "upload_id",  # a YouTube session URI is a capability (reference §2.3)
    "key",
}


def endpoint_of(method: str, path: str) -> str | None:
    """The endpoint name of a request, None for paths that are not an API's (admin)."""
    return ENDPOINT_BY_PATH.get(path) or ENDPOINT_BY_ROUTE.get((method, path))


#: Where the layer leaves a request's log entry in its ASGI scope, for :func:`note_fault`.
_LOG_ENTRY = "sandbox.log_entry"


def note_fault(scope: Scope, fault: str) -> None:
    """Record in the request log that a route answered with an injected ``fault``.

    ``fail_chunk`` and ``expire_upload_urls`` are decided by the upload routes (they need the
    upload's progress), not by this layer; their answers are injected faults all the same.
    """
    entry = scope.get(_LOG_ENTRY)
    if entry is not None:
        entry["fault"] = fault


def redact_query(query: str) -> str:
    """Return ``query`` with the values of credential-like parameters replaced."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "REDACTED" if k in _SECRET_PARAMS else v) for k, v in pairs])


def access_line(entry: dict[str, Any], seconds: float) -> str:
    """One request of the log as ``serve -v`` prints it (the query already redacted).

    ``21:50:01 POST /v2/post/publish/video/init/ 200 3.1 ms`` (sandbox time, UTC), with
    ``?query`` after the path, ``no answer`` for a request answered by nobody (a dropped
    connection, a client gone), and the injected fault, if any, at the end.
    """
    query = f"?{entry['query']}" if entry["query"] else ""
    status = entry["status"] if entry["status"] is not None else "no answer"
    at = datetime.fromtimestamp(entry["time"], UTC)
    took = f"{seconds * 1000:.1f} ms"
    line = f"{at:%H:%M:%S} {entry['method']} {entry['path']}{query} {status} {took}"
    return line + (f" (injected fault: {entry['fault']})" if entry["fault"] else "")


def _drop(send: Send) -> None:
    """Close the client's connection without an answer.

    Raises:
        httpx.RemoteProtocolError: when no socket is reachable (in-process ASGI transport).
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None and hasattr(transport, "close"):
        with suppress(AttributeError):
            cycle.disconnected = True  # type: ignore[union-attr]  # uvicorn: no 500 after this
        transport.close()
        return
    import httpx

    raise httpx.RemoteProtocolError("Server disconnected without sending a response.")


def _google_fault_body(endpoint: str, status: int) -> bytes:
    if endpoint in YOUTUBE_OAUTH_ENDPOINTS:
        # google-auth retries these (reference §1.3).
        error = "temporarily_unavailable" if status in (429, 503) else "internal_failure"
        return json.dumps({"error": error, "error_description": "Injected fault."}).encode()
    exc = rate_limited() if status == 429 else backend_error(status)
    return json.dumps(exc.body()).encode()


async def _send_fault(send: Send, endpoint: str, status: int, service: SandboxService) -> None:
    log_id = service.log_id()
    headers = [(b"content-type", b"application/json")]
    if endpoint.startswith("youtube_"):
        body = _google_fault_body(endpoint, status)
    elif endpoint in _OAUTH:
        error = "temporarily_unavailable" if status in (429, 503) else "server_error"
        body = json.dumps(
            {"error": error, "error_description": "Injected fault.", "log_id": log_id}
        ).encode()
    else:
        # The upload host answers in the same envelope (sandbox/upload.py, UNCERTAIN §5).
        code = "rate_limit_exceeded" if status == 429 else "internal_error"
        body = json.dumps(
            {"data": {}, "error": {"code": code, "message": "Injected fault.", "log_id": log_id}}
        ).encode()
    if status == 429 and service.options.retry_after_header:
        headers.append((b"retry-after", b"60"))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SandboxLayer:
    """Logs API requests and injects the faults configured for their endpoint."""

    def __init__(self, app: ASGIApp, service: SandboxService) -> None:
        """Wrap ``app`` (the Starlette router stack)."""
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        endpoint = (
            endpoint_of(scope.get("method", ""), scope.get("path", ""))
            if scope["type"] == "http"
            else None
        )
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        service = self.service
        entry: dict[str, Any] = {
            "time": service.clock.now(),
            "method": scope["method"],
            "path": scope["path"],
            "query": redact_query(scope.get("query_string", b"").decode("latin-1")),
            "endpoint": endpoint,
            "status": None,
            "fault": None,
        }
        if endpoint == "upload":  # what the client says it sends (not a secret)
            entry["content_type"] = _header(scope, b"content-type")
        service.requests.append(entry)
        scope[_LOG_ENTRY] = entry

        async def logging_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            spec = service.options.fault_for(endpoint)
            if spec is not None and await self._inject(spec, endpoint, entry, scope, receive, send):
                return
            await self.app(scope, receive, logging_send)
        finally:
            if service.access_log is not None:
                service.access_log(access_line(entry, time.perf_counter() - started))

    async def _inject(
        self,
        spec: FaultSpec,
        endpoint: str,
        entry: dict[str, Any],
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> bool:
        """Apply ``spec``; True when the request was fully answered (or dropped) here."""
        service = self.service
        # Always draw the same number of values so one seed gives one fault sequence.
        drop, error, limited, drop_after = (service.fault_rng.random() for _ in range(4))
        if spec.latency_sec:
            await service.clock.sleep(spec.latency_sec)
        if drop < spec.drop_rate:
            entry["fault"] = "drop"
            _drop(send)
            return True
        if error < spec.error_rate:
            entry["fault"], entry["status"] = "error", spec.error_status
            await _send_fault(send, endpoint, spec.error_status, service)
            return True
        if limited < spec.rate_limit_rate:
            entry["fault"], entry["status"] = "rate_limit", 429
            await _send_fault(send, endpoint, 429, service)
            return True
        if drop_after < spec.drop_after_rate:
            entry["fault"] = "drop_after"

            async def swallow(message: Message) -> None:
                if message["type"] == "http.response.start":
                    entry["status"] = message["status"]

            await self.app(scope, receive, swallow)
            _drop(send)
            return True
        return False


def _header(scope: Scope, name: bytes) -> str | None:
    """The value of header ``name`` (lowercase) in an ASGI scope, or None."""
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None
