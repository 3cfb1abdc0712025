"""OAuth v2 conformance (reference §1): authorize, PKCE, token, rotation, revoke, errors."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from gitops_publisher.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET, SandboxOptions

from .conftest import ALL_SCOPES, KB, REDIRECT_URI, Sandbox, authorize_params, code_form

pytestmark = pytest.mark.anyio

TOKEN = "/v2/oauth/token/"
CREATOR_INFO = "/v2/post/publish/creator_info/query/"


def callback(location: str) -> dict[str, str]:
    assert location.startswith(REDIRECT_URI + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def refresh_form(refresh_token: str) -> dict[str, str]:
    return {
        "client_key": SANDBOX_CLIENT_KEY,
        "client_secret": SANDBOX_CLIENT_SECRET,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }


async def get_code(sandbox: Sandbox, challenge: str, **extra: str) -> dict[str, str]:
    response = await sandbox.client.get(
        "/v2/auth/authorize/", params=authorize_params(challenge, **extra)
    )
    assert response.status_code == 302
    return callback(response.headers["location"])


def hex_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, hashlib.sha256(verifier.encode()).hexdigest()


async def test_authorize_redirects_with_code_scopes_and_state(sandbox: Sandbox) -> None:
    verifier, challenge = hex_pair()
    params = await get_code(sandbox, challenge)
    assert params["state"] == "abc"
    assert params["scopes"].split(",") == ["user.info.basic", "video.publish", "video.upload"]
    assert params["code"]


async def test_token_exchange_returns_flat_body_with_documented_fields(sandbox: Sandbox) -> None:
    verifier, challenge = hex_pair()
    code = (await get_code(sandbox, challenge))["code"]
    response = await sandbox.client.post(TOKEN, data=code_form(code, verifier))
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {
        "access_token",
        "expires_in",
        "open_id",
        "refresh_expires_in",
        "refresh_token",
        "scope",
        "token_type",
    }
    assert body["access_token"].startswith("act.")
    assert body["refresh_token"].startswith("rft.")
    assert body["expires_in"] == 7200 and body["refresh_expires_in"] == 15_552_000
    assert body["token_type"] == "Bearer" and body["scope"] == ALL_SCOPES


async def test_code_is_single_use(sandbox: Sandbox) -> None:
    verifier, challenge = hex_pair()
    code = (await get_code(sandbox, challenge))["code"]
    assert (await sandbox.client.post(TOKEN, data=code_form(code, verifier))).status_code == 200
    again = await sandbox.client.post(TOKEN, data=code_form(code, verifier))
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_code_expires(sandbox: Sandbox) -> None:
    verifier, challenge = hex_pair()
    code = (await get_code(sandbox, challenge))["code"]
    sandbox.clock.advance(601)
    response = await sandbox.client.post(TOKEN, data=code_form(code, verifier))
    assert response.json()["error"] == "invalid_grant"


async def test_base64url_pkce_is_refused_by_default(sandbox: Sandbox) -> None:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    code = (await get_code(sandbox, challenge))["code"]
    response = await sandbox.client.post(TOKEN, data=code_form(code, verifier))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "log_id" in response.json() and "error_description" in response.json()


async def test_base64url_pkce_is_accepted_behind_the_flag(make_sandbox: Any) -> None:
    sandbox = await make_sandbox(SandboxOptions(mb_bytes=KB, pkce_accept_base64url=True))
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    code = (await get_code(sandbox, challenge))["code"]
    assert (await sandbox.client.post(TOKEN, data=code_form(code, verifier))).status_code == 200


async def test_wrong_verifier_and_missing_verifier(sandbox: Sandbox) -> None:
    verifier, challenge = hex_pair()
    code = (await get_code(sandbox, challenge))["code"]
    wrong = await sandbox.client.post(TOKEN, data=code_form(code, secrets.token_urlsafe(48)))
    assert wrong.json()["error"] == "invalid_grant"
    form = code_form(code, verifier)
    del form["code_verifier"]
    missing = await sandbox.client.post(TOKEN, data=form)
    assert missing.json()["error"] == "invalid_request"
    short = await sandbox.client.post(TOKEN, data=code_form(code, "short"))
    assert short.json()["error"] == "invalid_request"


async def test_redirect_uri_must_match_at_token(sandbox: Sandbox) -> None:
    verifier, challenge = hex_pair()
    code = (await get_code(sandbox, challenge))["code"]
    other = "http://127.0.0.1:9999/callback/"
    response = await sandbox.client.post(TOKEN, data=code_form(code, verifier, redirect_uri=other))
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_refresh_always_rotates_and_reuse_is_invalid_grant(sandbox: Sandbox) -> None:
    first = await sandbox.login()
    second = await sandbox.client.post(TOKEN, data=refresh_form(first["refresh_token"]))
    assert second.status_code == 200
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    reused = await sandbox.client.post(TOKEN, data=refresh_form(first["refresh_token"]))
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    third = await sandbox.client.post(TOKEN, data=refresh_form(body["refresh_token"]))
    assert third.status_code == 200


async def test_lifetimes_are_configurable_and_enforced(make_sandbox: Any) -> None:
    options = SandboxOptions(
        mb_bytes=KB, access_token_ttl_sec=86_400, refresh_token_ttl_sec=31_536_000
    )
    sandbox = await make_sandbox(options)
    token = await sandbox.login()
    assert (token["expires_in"], token["refresh_expires_in"]) == (86_400, 31_536_000)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert (await sandbox.client.post(CREATOR_INFO, headers=headers)).status_code == 200
    sandbox.clock.advance(86_400)
    expired = await sandbox.client.post(CREATOR_INFO, headers=headers)
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "access_token_invalid"
    sandbox.clock.advance(31_536_000)
    late = await sandbox.client.post(TOKEN, data=refresh_form(token["refresh_token"]))
    assert late.json()["error"] == "invalid_grant"


async def test_revoke_kills_access_and_refresh_tokens(sandbox: Sandbox) -> None:
    token = await sandbox.login()
    response = await sandbox.client.post(
        "/v2/oauth/revoke/",
        data={
            "client_key": SANDBOX_CLIENT_KEY,
            "client_secret": SANDBOX_CLIENT_SECRET,
            "token": token["access_token"],
        },
    )
    assert response.status_code == 200 and response.json() == {}
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    after = await sandbox.client.post(CREATOR_INFO, headers=headers)
    assert after.status_code == 401 and after.json()["error"]["code"] == "access_token_invalid"
    refresh = await sandbox.client.post(TOKEN, data=refresh_form(token["refresh_token"]))
    assert refresh.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("form_change", "error"),
    [
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"client_key": "nope"}, "invalid_client"),
        ({"client_secret": ""}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": ""}, "invalid_request"),
    ],
)
async def test_token_endpoint_errors(
    sandbox: Sandbox, form_change: dict[str, str], error: str
) -> None:
    token = await sandbox.login()
    form = {**refresh_form(token["refresh_token"]), **form_change}
    response = await sandbox.client.post(TOKEN, data=form)
    assert response.status_code == 400
    assert response.json()["error"] == error


async def test_token_requires_form_encoding(sandbox: Sandbox) -> None:
    token = await sandbox.login()
    response = await sandbox.client.post(TOKEN, json=refresh_form(token["refresh_token"]))
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_oauth_errors_can_come_with_http_200(make_sandbox: Any) -> None:
    sandbox = await make_sandbox(SandboxOptions(mb_bytes=KB, oauth_errors_http_200=True))
    response = await sandbox.client.post(TOKEN, data=refresh_form("rft.unknown"))
    assert response.status_code == 200 and response.json()["error"] == "invalid_grant"


async def test_client_credentials_token_cannot_post(sandbox: Sandbox) -> None:
    response = await sandbox.client.post(
        TOKEN,
        data={
            "client_key": SANDBOX_CLIENT_KEY,
            "client_secret": SANDBOX_CLIENT_SECRET,
            "grant_type": "client_credentials",
        },
    )
    token = response.json()["access_token"]
    assert token.startswith("clt.")
    info = await sandbox.client.post(CREATOR_INFO, headers={"Authorization": f"Bearer {token}"})
    assert info.status_code == 401


async def test_authorize_refuses_unknown_client_and_redirect_uri_without_redirecting(
    sandbox: Sandbox,
) -> None:
    _, challenge = hex_pair()
    bad_client = await sandbox.client.get(
        "/v2/auth/authorize/", params=authorize_params(challenge, client_key="nope")
    )
    assert bad_client.status_code == 400 and bad_client.json()["error"] == "invalid_client"
    for uri in (
        "http://evil.example/callback/",
        "http://127.0.0.1/callback/",
        "http://127.0.0.1:5000/other/",
        "http://127.0.0.1:5000/callback/?x=1",
    ):
        response = await sandbox.client.get(
            "/v2/auth/authorize/", params=authorize_params(challenge, redirect_uri=uri)
        )
        assert response.status_code == 400, uri
        assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "video.publish user.info.basic"}, "invalid_scope"),
        ({"scope": "video.delete"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"sandbox_deny": "1"}, "access_denied"),
        ({"sandbox_account": "nobody"}, "access_denied"),
    ],
)
async def test_authorize_errors_are_redirected(
    sandbox: Sandbox, change: dict[str, str], error: str
) -> None:
    _, challenge = hex_pair()
    response = await sandbox.client.get(
        "/v2/auth/authorize/", params=authorize_params(challenge, **change)
    )
    assert response.status_code == 302
    params = callback(response.headers["location"])
    assert params["error"] == error and params["error_description"]
    assert params["state"] == "abc" and "code" not in params


async def test_authorize_requires_pkce(sandbox: Sandbox) -> None:
    params = authorize_params("x")
    del params["code_challenge"], params["code_challenge_method"]
    response = await sandbox.client.get("/v2/auth/authorize/", params=params)
    assert callback(response.headers["location"])["error"] == "invalid_request"


async def test_user_may_grant_a_subset_and_pick_the_account(sandbox: Sandbox) -> None:
    created = await sandbox.client.post(
        "/_sandbox/accounts",
        json={"username": "uploader", "scopes": ["user.info.basic", "video.upload"]},
    )
    assert created.status_code == 201
    _, challenge = hex_pair()
    params = await get_code(sandbox, challenge, sandbox_account="uploader")
    assert params["scopes"] == "user.info.basic,video.upload"
