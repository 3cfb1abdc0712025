"""Google OAuth for installed apps as the reference states it (§1): authorize, token, revoke."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlsplit

from gitops_publisher.sandbox.youtube import SANDBOX_GOOGLE_CLIENT_ID, SANDBOX_GOOGLE_CLIENT_SECRET

from .conftest import REDIRECT_URI, SCOPE, UPLOAD_AND_READ, YouTubeSandbox, s256

DAY = 86_400


def test_code_exchange_answers_googles_token_body(yt: YouTubeSandbox) -> None:
    code, verifier = yt.authorize()
    assert code.startswith("4/")
    response = yt.exchange(code, verifier)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "refresh_token", "scope", "token_type"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599
    assert body["access_token"].startswith("ya29.") and body["refresh_token"].startswith("1//")
    assert body["scope"].split() == UPLOAD_AND_READ.split()  # space-separated, granted


def test_the_callback_carries_state_code_scope_and_extra_parameters(yt: YouTubeSandbox) -> None:
    response = yt.client.get(
        "/o/oauth2/auth",  # the v1 path of client-secrets files works too
        params={
            "client_id": SANDBOX_GOOGLE_CLIENT_ID,
            "redirect_uri": "http://localhost:8080/",
            "response_type": "code",
            "scope": f"{SCOPE}youtube",
            "state": "s1",
        },
    )
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith("http://localhost:8080/?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["s1"] and query["scope"] == [f"{SCOPE}youtube"]
    assert "authuser" in query  # clients must ignore parameters they do not know


def test_pkce_s256_is_base64url_not_hex(yt: YouTubeSandbox) -> None:
    verifier = "v" * 64
    hex_challenge = hashlib.sha256(verifier.encode()).hexdigest()  # TikTok's form
    code, _ = yt.authorize(code_challenge=hex_challenge)
    refused = yt.exchange(code, verifier)
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid code verifier.",
    }
    code, _ = yt.authorize(code_challenge=s256(verifier))
    assert yt.exchange(code, verifier).status_code == 200


def test_missing_verifier_and_plain_default(yt: YouTubeSandbox) -> None:
    code, _ = yt.authorize()
    missing = yt.exchange(code, "", code_verifier="")
    assert missing.json() == {
        "error": "invalid_grant",
        "error_description": "Missing code verifier.",
    }
    # Without code_challenge_method the method is "plain": the challenge is the verifier.
    verifier = "p" * 50
    response = yt.client.get(
        "/o/oauth2/v2/auth",
        params={
            "client_id": SANDBOX_GOOGLE_CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": UPLOAD_AND_READ,
            "code_challenge": verifier,
        },
    )
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    assert yt.exchange(code, verifier).status_code == 200


def test_codes_are_single_use(yt: YouTubeSandbox) -> None:
    code, verifier = yt.authorize()
    assert yt.exchange(code, verifier).status_code == 200
    again = yt.exchange(code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_redirect_uri_must_be_loopback_and_match(yt: YouTubeSandbox) -> None:
    for uri in ("urn:ietf:wg:oauth:2.0:oob", "https://example.com/cb", "http://10.0.0.1:80/"):
        response = yt.client.get(
            "/o/oauth2/v2/auth",
            params={
                "client_id": SANDBOX_GOOGLE_CLIENT_ID,
                "redirect_uri": uri,
                "response_type": "code",
                "scope": UPLOAD_AND_READ,
            },
        )
        assert response.status_code == 400 and "redirect_uri_mismatch" in response.text
    code, verifier = yt.authorize()
    mismatch = yt.exchange(code, verifier, redirect_uri="http://127.0.0.1:1/")
    assert mismatch.status_code == 400 and mismatch.json()["error"] == "redirect_uri_mismatch"


def test_client_errors(yt: YouTubeSandbox) -> None:
    page = yt.client.get(
        "/o/oauth2/v2/auth", params={"client_id": "nope", "redirect_uri": REDIRECT_URI}
    )
    assert page.status_code == 401 and "invalid_client" in page.text
    code, verifier = yt.authorize()
    unknown = yt.exchange(code, verifier, client_id="other.apps.googleusercontent.com")
    assert unknown.status_code == 401
    assert unknown.json() == {
        "error": "invalid_client",
        "error_description": "The OAuth client was not found.",
    }
    wrong = yt.exchange(code, verifier, client_secret="wrong")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


def test_user_denial_redirects_access_denied(yt: YouTubeSandbox) -> None:
    response = yt.client.get(
        "/o/oauth2/v2/auth",
        params={
            "client_id": SANDBOX_GOOGLE_CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": UPLOAD_AND_READ,
            "state": "q",
            "sandbox_deny": "1",
        },
    )
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["q"]


def test_refresh_tokens_do_not_rotate(yt: YouTubeSandbox) -> None:
    refresh_token = yt.login()["refresh_token"]
    for _ in range(3):
        response = yt.refresh(refresh_token)
        assert response.status_code == 200
        body = response.json()
        assert "refresh_token" not in body  # google-auth keeps the one it has
        assert body["token_type"] == "Bearer" and body["access_token"].startswith("ya29.")
        assert body["scope"].split() == UPLOAD_AND_READ.split()
    yt.clock.advance(60 * DAY)  # production: no expiry by time (while used)
    assert yt.refresh(refresh_token).status_code == 200


def test_testing_mode_refresh_tokens_die_after_seven_days(yt: YouTubeSandbox) -> None:
    production = yt.login()["refresh_token"]
    yt.set_options(testing_mode=True)
    testing = yt.login()["refresh_token"]
    yt.clock.advance(7 * DAY - 60)
    assert yt.refresh(testing).status_code == 200
    yt.clock.advance(120)
    dead = yt.refresh(testing)
    assert dead.status_code == 400
    assert dead.json() == {
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked.",
    }
    assert yt.refresh(production).status_code == 200


def test_identity_only_grants_do_not_expire_in_testing_mode(yt: YouTubeSandbox) -> None:
    yt.set_options(testing_mode=True)
    token = yt.login(scope="openid email")["refresh_token"]
    yt.clock.advance(30 * DAY)
    assert yt.refresh(token).status_code == 200


def test_unused_refresh_tokens_die_after_six_months(yt: YouTubeSandbox) -> None:
    token = yt.login()["refresh_token"]
    yt.clock.advance(183 * DAY)
    assert yt.refresh(token).json()["error"] == "invalid_grant"


def test_revoke_ends_the_grant(yt: YouTubeSandbox) -> None:
    body = yt.login()
    response = yt.client.post("/revoke", params={"token": body["access_token"]})
    assert response.status_code == 200
    assert yt.refresh(body["refresh_token"]).json()["error"] == "invalid_grant"
    again = yt.client.post("/revoke", params={"token": body["refresh_token"]})
    assert again.status_code == 400 and again.json()["error"] == "invalid_token"
    listed = yt.client.get(
        "/youtube/v3/channels",
        params={"part": "id", "mine": "true"},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert listed.status_code == 401


def test_granular_consent_grants_what_the_channel_allows(yt: YouTubeSandbox) -> None:
    created = yt.client.post(
        "/_sandbox/youtube/channels",
        json={"handle": "@uploader", "scopes": [f"{SCOPE}youtube.upload"]},
    )
    assert created.status_code == 201
    body = yt.login(sandbox_channel="uploader")  # the handle, with or without its @
    assert body["scope"] == f"{SCOPE}youtube.upload"  # the user unticked youtube.readonly


def test_access_tokens_expire_after_expires_in(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    channels = {"part": "id", "mine": "true"}
    assert (
        yt.client.get("/youtube/v3/channels", params=channels, headers=headers).status_code == 200
    )
    yt.clock.advance(3600)
    expired = yt.client.get("/youtube/v3/channels", params=channels, headers=headers)
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["www-authenticate"]
    error = expired.json()["error"]
    assert error["status"] == "UNAUTHENTICATED" and error["errors"][0]["reason"] == "authError"


def test_a_seeded_refresh_token_works_at_the_token_endpoint(yt: YouTubeSandbox) -> None:
    created = yt.client.post("/_sandbox/youtube/channels", json={"handle": "@brand"}).json()
    response = yt.client.post(
        "/o/oauth2/token",  # the old token_uri of older client-secrets files
        data={
            "client_id": SANDBOX_GOOGLE_CLIENT_ID,
            "client_secret": SANDBOX_GOOGLE_CLIENT_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": created["refresh_token"],
        },
    )
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    mine = yt.client.get(
        "/youtube/v3/channels", params={"part": "snippet", "mine": "true"}, headers=headers
    )
    assert mine.json()["items"][0]["snippet"]["customUrl"] == "@brand"


def test_client_credentials_may_come_as_http_basic(yt: YouTubeSandbox) -> None:
    code, verifier = yt.authorize()
    form = {
        "code": code,
        "code_verifier": verifier,
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT_URI,
    }
    response = yt.client.post(
        "/token", data=form, auth=(SANDBOX_GOOGLE_CLIENT_ID, SANDBOX_GOOGLE_CLIENT_SECRET)
    )
    assert response.status_code == 200, response.text
    wrong = yt.client.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": response.json()["refresh_token"]},
        auth=(SANDBOX_GOOGLE_CLIENT_ID, "wrong"),
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
