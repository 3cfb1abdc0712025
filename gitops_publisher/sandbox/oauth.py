"""Login Kit OAuth v2: authorize (auto-consent), token, revoke (reference §1).

Sandbox-only authorize parameters (never sent by a TikTok client, ignored by TikTok):
``sandbox_account=<username>`` picks who "logs in" (default: the first account) and
``sandbox_deny=1`` simulates the user pressing Cancel (``access_denied``).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from gitops_publisher.sandbox.envelope import OAuthError
from gitops_publisher.sandbox.posting import service_of
from gitops_publisher.sandbox.service import SandboxService
from gitops_publisher.sandbox.tokens import (
    find_live,
    issue_client_token,
    issue_grant,
    prune_expired,
    revoke_family,
    token_key,
)

_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_MAX_FORM = 64 * 1024


def redirect_uri_matches(registered: str, given: str) -> bool:
    """True when ``given`` matches a registered URI exactly, ``*`` standing for any port.

    Reference §1.1: static URIs, no query or fragment; desktop URIs need a port and may
    register a wildcard port (``http://127.0.0.1:*/callback/``).
    """
    if registered == given:
        return True
    if ":*/" not in registered:
        return False
    given_parts = urlsplit(given)
    if given_parts.query or given_parts.fragment:
        return False
    try:
        port = given_parts.port
    except ValueError:
        return False
    if port is None:
        return False
    return registered.replace(":*/", f":{port}/", 1) == given


def _redirect_error(redirect_uri: str, state: str | None, error: str, description: str) -> Response:
    params = {"error": error, "error_description": description}
    if state is not None:
        params["state"] = state
    return RedirectResponse(f"{redirect_uri}?{urlencode(params)}", status_code=302)


async def authorize(request: Request) -> Response:
    """``GET /v2/auth/authorize/``: consent on the user's behalf and redirect with a code.

    Errors about the client or the redirect URI are answered here (400, flat OAuth error):
    redirecting to an unverified URI would be unsafe. Other errors are redirected.
    """
    service = service_of(request)
    query = request.query_params
    client = service.world.data.client
    if query.get("client_key") != client.client_key:
        raise OAuthError("invalid_client", "The client_key is unknown.")
    redirect_uri = query.get("redirect_uri", "")
    if not any(redirect_uri_matches(uri, redirect_uri) for uri in client.redirect_uris):
        # Reference §1.4's documented example: a redirect_uri mismatch is invalid_request.
        raise OAuthError("invalid_request", "The redirect_uri does not match a registered one.")
    state = query.get("state")
    if query.get("response_type") != "code":
        return _redirect_error(
            redirect_uri, state, "unsupported_response_type", "response_type must be code."
        )
    requested = [s.strip() for s in query.get("scope", "").split(",") if s.strip()]
    if not requested or any(scope not in client.scopes for scope in requested):
        return _redirect_error(
            redirect_uri,
            state,
            "invalid_scope",
            "scope must be a comma-separated list of the app's scopes.",
        )
    challenge = query.get("code_challenge")
    if challenge is None and service.options.require_pkce:
        return _redirect_error(
            redirect_uri, state, "invalid_request", "code_challenge is required."
        )
    if challenge is not None and query.get("code_challenge_method") != "S256":
        return _redirect_error(
            redirect_uri, state, "invalid_request", "code_challenge_method must be S256."
        )
    if query.get("sandbox_deny") == "1":
        return _redirect_error(redirect_uri, state, "access_denied", "The user denied the request.")
    wanted = query.get("sandbox_account")
    accounts = service.world.data.accounts
    if wanted:
        account = service.world.find_account(username=wanted)
    else:
        account = accounts[0] if accounts else None
    if account is None:
        return _redirect_error(redirect_uri, state, "access_denied", "No such sandbox user.")
    # Users grant a subset of the requested scopes; Login Kit adds user.info.basic by default.
    granted = [s for s in requested if s in account.scopes]
    if "user.info.basic" in client.scopes and "user.info.basic" not in granted:
        granted.insert(0, "user.info.basic")
    code = secrets.token_urlsafe(32)
    service.auth_codes[code] = {
        "client_key": client.client_key,
        "redirect_uri": redirect_uri,
        "open_id": account.open_id,
        "scopes": granted,
        "challenge": challenge,
        "expires_at": service.clock.now() + service.options.auth_code_ttl_sec,
    }
    params = {"code": code, "scopes": ",".join(granted)}
    if state is not None:
        params["state"] = state
    return RedirectResponse(f"{redirect_uri}?{urlencode(params)}", status_code=302)


async def _read_form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise OAuthError(
            "invalid_request", "Content-Type must be application/x-www-form-urlencoded."
        )
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > _MAX_FORM:
            raise OAuthError("invalid_request", "The request body is too large.")
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def _check_client(service: SandboxService, form: dict[str, str]) -> None:
    client = service.world.data.client
    if not form.get("client_key") or not form.get("client_secret"):
        raise OAuthError("invalid_request", "client_key and client_secret are required.")
    if form["client_key"] != client.client_key or not secrets.compare_digest(
        form["client_secret"], client.client_secret
    ):
        raise OAuthError("invalid_client", "The client_key or client_secret is invalid.")


def pkce_matches(verifier: str, challenge: str, accept_base64url: bool) -> bool:
    """True when ``challenge`` is the lowercase hex SHA-256 of ``verifier`` (reference §1.1).

    With ``accept_base64url`` the RFC 7636 form (base64url, no padding) is also accepted.
    """
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    if secrets.compare_digest(digest.hex(), challenge):
        return True
    if accept_base64url:
        b64 = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        return secrets.compare_digest(b64, challenge)
    return False


async def token(request: Request) -> Response:
    """``POST /v2/oauth/token/``: authorization_code, refresh_token, client_credentials."""
    service = service_of(request)
    form = await _read_form(request)
    _check_client(service, form)
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required.")
    if grant_type == "authorization_code":
        body = _exchange_code(service, form)
    elif grant_type == "refresh_token":
        body = _refresh(service, form)
    elif grant_type == "client_credentials":
        clt = issue_client_token(service.world.data, service.clock.now())
        body = {"access_token": clt, "expires_in": 7200, "token_type": "Bearer"}
    else:
        raise OAuthError("unsupported_grant_type", "grant_type is not supported.")
    prune_expired(service.world.data, service.clock.now())
    service.save()
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _grant_body(grant: Any) -> dict[str, Any]:
    return {
        "access_token": grant.access_token,
        "expires_in": grant.expires_in,
        "open_id": grant.open_id,
        "refresh_expires_in": grant.refresh_expires_in,
        "refresh_token": grant.refresh_token,
        "scope": ",".join(grant.scopes),
        "token_type": "Bearer",
    }


def _exchange_code(service: SandboxService, form: dict[str, str]) -> dict[str, Any]:
    code = form.get("code", "")
    entry = service.auth_codes.get(code)
    now = service.clock.now()
    if entry is None or now >= entry["expires_at"]:
        raise OAuthError("invalid_grant", "The authorization code is invalid, used or expired.")
    if entry["client_key"] != form["client_key"]:
        raise OAuthError("invalid_grant", "The authorization code was issued to another client.")
    if form.get("redirect_uri") != entry["redirect_uri"]:
        raise OAuthError(
            "invalid_request", "The redirect_uri does not match the authorize request."
        )
    challenge = entry["challenge"]
    if challenge is not None:
        verifier = form.get("code_verifier")
        if not verifier:
            raise OAuthError("invalid_request", "code_verifier is required.")
        if not _VERIFIER.fullmatch(verifier):
            raise OAuthError(
                "invalid_request", "code_verifier must be 43-128 unreserved characters."
            )
        if not pkce_matches(verifier, challenge, service.options.pkce_accept_base64url):
            # UNCERTAIN: TikTok's answer to a mismatched PKCE pair is undocumented.
            raise OAuthError(
                "invalid_grant", "The code_verifier does not match the code_challenge."
            )
    del service.auth_codes[code]  # one-time
    grant = issue_grant(
        service.world.data,
        entry["open_id"],
        entry["scopes"],
        now,
        service.options.access_token_ttl_sec,
        service.options.refresh_token_ttl_sec,
    )
    return _grant_body(grant)


def _refresh(service: SandboxService, form: dict[str, str]) -> dict[str, Any]:
    value = form.get("refresh_token", "")
    if not value:
        raise OAuthError("invalid_request", "refresh_token is required.")
    now = service.clock.now()
    record = find_live(service.world.data, value, "refresh", now)
    if record is None or service.world.find_account(open_id=record.open_id) is None:
        # Reused (rotated away), revoked, expired or unknown: reference §1.2, always rotate.
        raise OAuthError("invalid_grant", "The refresh token is invalid, expired or already used.")
    # Always rotate: the old refresh token dies at once. Its record is dropped (an unknown
    # token gets the same invalid_grant), so world.json does not grow with every refresh.
    del service.world.data.tokens[token_key(value)]
    grant = issue_grant(
        service.world.data,
        record.open_id,
        record.scopes,
        now,
        service.options.access_token_ttl_sec,
        service.options.refresh_token_ttl_sec,
        family=record.family,
        family_issued_at=record.family_issued_at,
        refresh_from_first_issue=service.options.refresh_expiry_from_first_issue,
    )
    return _grant_body(grant)


async def revoke(request: Request) -> Response:
    """``POST /v2/oauth/revoke/``: end the user's grant; answers ``{}`` (newer doc).

    UNCERTAIN: the answer for an unknown token is undocumented; like RFC 7009 we answer
    success, so revoking twice is harmless.
    """
    service = service_of(request)
    form = await _read_form(request)
    _check_client(service, form)
    value = form.get("token", "")
    if not value:
        raise OAuthError("invalid_request", "token is required.")
    record = service.world.data.tokens.get(token_key(value))
    if record is not None and record.kind == "access":
        revoke_family(service.world.data, record.open_id)
        service.save()
    return JSONResponse({})
