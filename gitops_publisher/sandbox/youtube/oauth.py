"""Google OAuth 2.0 for installed apps: authorize (auto-consent), token, revoke (reference §1).

Served at Google's paths on the sandbox host: ``/o/oauth2/v2/auth`` (and the v1 ``/o/oauth2/auth``
of client-secrets files), ``/token`` (and the old ``/o/oauth2/token``), ``/revoke``.

Sandbox-only authorize parameters (Google ignores unknown ones): ``sandbox_channel=@handle``
picks who "logs in" (default: the first channel) and ``sandbox_deny=1`` simulates the user
pressing Cancel (``access_denied``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from gitops_publisher.sandbox.posting import service_of
from gitops_publisher.sandbox.service import SandboxService
from gitops_publisher.sandbox.youtube import grants
from gitops_publisher.sandbox.youtube.envelope import GoogleOAuthError
from gitops_publisher.sandbox.youtube.models import IDENTITY_SCOPES, YOUTUBE_SCOPES, YouTubeData

_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_MAX_FORM = 64 * 1024
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_KNOWN_SCOPES = {*YOUTUBE_SCOPES, *IDENTITY_SCOPES}


def loopback_redirect(uri: str) -> bool:
    """True for a desktop client's redirect: ``http://`` loopback with a port (reference §1.2).

    Any port and path (Google: "start an HTTP listener on a random available port");
    the OOB ``urn:ietf:wg:oauth:2.0:oob`` is no longer supported.
    """
    parts = urlsplit(uri)
    try:
        port = parts.port
    except ValueError:
        return False
    return (
        parts.scheme == "http"
        and parts.hostname in _LOOPBACK_HOSTS
        and not parts.fragment
        and (port is not None or parts.hostname == "localhost")
    )


def s256(verifier: str) -> str:
    """The S256 challenge of ``verifier``: unpadded base64url of its SHA-256 (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _error_page(status: int, error: str, description: str) -> Response:
    """What Google shows in the browser for errors it cannot redirect (bad client or URI)."""
    text = f"Error {status}: {error}\n{description}"
    body = f"<!doctype html><title>Error {status}: {error}</title><pre>{html.escape(text)}</pre>"
    return HTMLResponse(body, status_code=status)


def _redirect(redirect_uri: str, params: dict[str, str]) -> Response:
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(params)}", status_code=302)


async def authorize(request: Request) -> Response:
    """``GET /o/oauth2/v2/auth``: consent on the user's behalf and redirect with a code."""
    service = service_of(request)
    data = service.world.data.youtube
    query = request.query_params
    if query.get("client_id") != data.client.client_id:
        return _error_page(401, "invalid_client", "The OAuth client was not found.")
    redirect_uri = query.get("redirect_uri", "")
    if not loopback_redirect(redirect_uri):
        return _error_page(
            400,
            "redirect_uri_mismatch",
            "Desktop clients must redirect to http://127.0.0.1:PORT, http://[::1]:PORT "
            "or http://localhost:PORT.",
        )
    requested = query.get("scope", "").split()
    if not requested:
        return _error_page(400, "invalid_request", "Missing required parameter: scope")
    state = query.get("state")

    def deny(error: str, description: str | None = None) -> Response:
        params = {"error": error}
        if description:
            params["error_description"] = description
        if state is not None:
            params["state"] = state
        return _redirect(redirect_uri, params)

    if query.get("response_type") != "code":
        return deny("unsupported_response_type", "response_type must be code.")
    unknown = [scope for scope in requested if scope not in _KNOWN_SCOPES]
    if unknown:
        return _error_page(400, "invalid_scope", f"Some requested scopes were invalid: {unknown}")
    challenge = query.get("code_challenge")
    method = query.get("code_challenge_method", "plain")  # Google's default with a challenge
    if challenge is None and service.options.youtube.require_pkce:
        return deny("invalid_request", "Missing required parameter: code_challenge")
    if challenge is not None and method not in ("S256", "plain"):
        return deny("invalid_request", "Invalid code_challenge_method.")
    if query.get("sandbox_deny") == "1":
        return deny("access_denied")
    wanted = query.get("sandbox_channel")
    if wanted:
        handle = wanted if wanted.startswith("@") else "@" + wanted
        channel = grants.find_channel(data, handle=handle) or grants.find_channel(
            data, channel_id=wanted
        )
    else:
        channel = data.channels[0] if data.channels else None
    if channel is None:
        return deny("access_denied", "No such sandbox channel.")
    granted = [scope for scope in requested if scope in channel.scopes]
    if not granted:
        return deny("access_denied")
    code = "4/0A" + secrets.token_urlsafe(40)
    service.youtube_codes[code] = {
        "client_id": data.client.client_id,
        "redirect_uri": redirect_uri,
        "channel_id": channel.id,
        "scopes": granted,
        "challenge": challenge,
        "method": method,
        "expires_at": service.clock.now() + service.options.youtube.auth_code_ttl_sec,
    }
    params = {"code": code, "scope": " ".join(granted), "authuser": "0", "prompt": "consent"}
    if state is not None:
        params = {"state": state, **params}
    return _redirect(redirect_uri, params)


async def _read_form(request: Request) -> dict[str, str]:
    """The form body (Google's token endpoint also reads query parameters).

    Client credentials may also come as HTTP Basic auth (RFC 6749 §2.3.1,
    ``client_secret_basic``): requests-oauthlib, under google-auth-oauthlib, sends them so.
    """
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > _MAX_FORM:
            raise GoogleOAuthError("invalid_request", "The request body is too large.")
    form = dict(request.query_params)
    form.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            raise GoogleOAuthError("invalid_client", "Unauthorized", 401) from exc
        client_id, _, secret = decoded.partition(":")
        form.setdefault("client_id", unquote_plus(client_id))
        form.setdefault("client_secret", unquote_plus(secret))
    return form


def _check_client(data: YouTubeData, form: dict[str, str]) -> None:
    client = data.client
    if form.get("client_id") != client.client_id:
        raise GoogleOAuthError("invalid_client", "The OAuth client was not found.", 401)
    secret = form.get("client_secret")
    if not secret:
        raise GoogleOAuthError("invalid_request", "client_secret is missing.")
    if not secrets.compare_digest(secret, client.client_secret):
        raise GoogleOAuthError("invalid_client", "Unauthorized", 401)


async def token(request: Request) -> Response:
    """``POST /token``: ``authorization_code`` and ``refresh_token`` grants (form-encoded)."""
    service = service_of(request)
    data = service.world.data.youtube
    form = await _read_form(request)
    _check_client(data, form)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        body = _exchange_code(service, form)
    elif grant_type == "refresh_token":
        body = _refresh(service, form)
    elif not grant_type:
        raise GoogleOAuthError("invalid_request", "Missing required parameter: grant_type")
    else:
        raise GoogleOAuthError("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
    grants.prune(data, service.clock.now())
    service.save()
    return JSONResponse(body, headers={"Cache-Control": "no-store, no-cache, must-revalidate"})


def _exchange_code(service: SandboxService, form: dict[str, str]) -> dict[str, Any]:
    options = service.options.youtube
    data = service.world.data.youtube
    now = service.clock.now()
    entry = service.youtube_codes.pop(form.get("code", ""), None)  # one-time, even on error
    if entry is None or now >= entry["expires_at"]:
        raise GoogleOAuthError("invalid_grant", "Bad Request")
    if form.get("redirect_uri") != entry["redirect_uri"]:
        raise GoogleOAuthError("redirect_uri_mismatch", "Bad Request")
    if entry["challenge"] is not None:
        verifier = form.get("code_verifier")
        if not verifier:
            raise GoogleOAuthError("invalid_grant", "Missing code verifier.")
        expected = s256(verifier) if entry["method"] == "S256" else verifier
        if not _VERIFIER.fullmatch(verifier) or not secrets.compare_digest(
            expected, entry["challenge"]
        ):
            raise GoogleOAuthError("invalid_grant", "Invalid code verifier.")
    channel_id, scopes = entry["channel_id"], entry["scopes"]
    reconsent = any(
        record.kind == "refresh" and record.channel_id == channel_id and not record.revoked
        for record in data.tokens.values()
    )
    refresh = grants.new_refresh_value()
    expires_at = grants.refresh_expiry(
        scopes, now, options.testing_mode, options.testing_refresh_ttl_sec
    )
    grant = grants.register_refresh(
        data, refresh, channel_id, scopes, now, expires_at, options.refresh_token_cap
    )
    access = grants.issue_access(data, channel_id, scopes, grant, now, options.access_token_ttl_sec)
    body: dict[str, Any] = {
        "access_token": access,
        "expires_in": options.access_token_ttl_sec,
        "refresh_token": refresh,
        "scope": " ".join(scopes),
        "token_type": "Bearer",
    }
    if reconsent and options.omit_refresh_token_on_reconsent:
        del body["refresh_token"]
    return body


def _refresh(service: SandboxService, form: dict[str, str]) -> dict[str, Any]:
    options = service.options.youtube
    data = service.world.data.youtube
    now = service.clock.now()
    value = form.get("refresh_token", "")
    if not value:
        raise GoogleOAuthError("invalid_request", "Missing required parameter: refresh_token")
    record = grants.find_live(data, value, "refresh", now, options.unused_refresh_ttl_sec)
    if record is None or grants.find_channel(data, channel_id=record.channel_id) is None:
        raise GoogleOAuthError("invalid_grant", "Token has been expired or revoked.")
    record.last_used_at = now
    access = grants.issue_access(
        data, record.channel_id, record.scopes, record.grant, now, options.access_token_ttl_sec
    )
    body: dict[str, Any] = {
        "access_token": access,
        "expires_in": options.access_token_ttl_sec,
        "scope": " ".join(record.scopes),
        "token_type": "Bearer",
    }
    if options.rotate_refresh_tokens:
        grants.revoke_grant(data, record.grant)
        fresh = grants.new_refresh_value()
        grant = grants.register_refresh(
            data, fresh, record.channel_id, record.scopes, now, record.expires_at
        )
        access = grants.issue_access(
            data, record.channel_id, record.scopes, grant, now, options.access_token_ttl_sec
        )
        body.update(access_token=access, refresh_token=fresh)
    return body


async def revoke(request: Request) -> Response:
    """``POST /revoke?token=…``: end the grant of an access or refresh token (reference §1.4).

    200 ``{}`` on success, 400 ``invalid_token`` for an unknown or already revoked token.
    """
    service = service_of(request)
    data = service.world.data.youtube
    form = await _read_form(request)
    value = form.get("token", "")
    now = service.clock.now()
    record = grants.find_live(data, value, "access", now) or grants.find_live(
        data, value, "refresh", now
    )
    if record is None:
        raise GoogleOAuthError("invalid_token", "Token expired or revoked")
    grants.revoke_grant(data, record.grant)
    service.save()
    return JSONResponse({})
