"""Google OAuth for an installed app: PKCE S256, the loopback login, refresh, invalid_grant."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from gitops_publisher.errors import AuthError
from gitops_publisher.providers.errors import TokenRefreshError
from gitops_publisher.providers.tokens import TokenSet
from gitops_publisher.providers.youtube.login import authorize_url, code_challenge, login
from gitops_publisher.providers.youtube.oauth import (
    DEFAULT_SCOPES,
    READONLY_SCOPE,
    UPLOAD_SCOPE,
    GoogleAuth,
    GoogleTokenEndpoint,
    missing_permissions,
)

from ..fakes import FakeClock, run
from .fake_google import FakeGoogleToken, consenting

TOKEN_URL = "https://oauth2.googleapis.com/token"


def test_the_s256_challenge_is_unpadded_base64url() -> None:
    # RFC 7636 appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    for length in (43, 64, 128):
        challenge = code_challenge("a" * length)
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge)  # no "=", no hex
        expected = base64.urlsafe_b64encode(hashlib.sha256(b"a" * length).digest()).rstrip(b"=")
        assert challenge == expected.decode()


def test_the_authorize_url_asks_for_upload_and_read() -> None:
    url = authorize_url(
        "https://accounts.google.com/o/oauth2/v2/auth",
        client_id="cid.apps.googleusercontent.com",
        redirect_uri="http://127.0.0.1:5000/",
        state="st",
        challenge="ch",
    )
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("accounts.google.com", "/o/oauth2/v2/auth")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["scope"] == f"{UPLOAD_SCOPE} {READONLY_SCOPE}"  # space-delimited
    assert query["code_challenge_method"] == "S256" and query["code_challenge"] == "ch"
    assert query["response_type"] == "code" and query["state"] == "st"
    assert query["redirect_uri"] == "http://127.0.0.1:5000/"


def test_youtube_upload_alone_cannot_poll() -> None:
    assert missing_permissions(DEFAULT_SCOPES) == []
    assert missing_permissions([f"{UPLOAD_SCOPE[: -len('.upload')]}"]) == []  # "youtube"
    (missing,) = missing_permissions([UPLOAD_SCOPE])
    assert "processing status" in missing
    assert len(missing_permissions([])) == 2


def endpoint(fake: FakeGoogleToken, clock: FakeClock | None = None) -> GoogleTokenEndpoint:
    return GoogleTokenEndpoint(
        "cid",
        "csecret",
        token_url=TOKEN_URL,
        transport=httpx.MockTransport(fake.handler),
        now=(clock or FakeClock()).wall,
    )


def test_login_over_a_real_loopback_with_pkce() -> None:
    fake = FakeGoogleToken()
    clock = FakeClock()

    async def main() -> TokenSet:
        return await login(
            endpoint(fake, clock),
            auth_url="https://accounts.google.com/o/oauth2/v2/auth",
            open_browser=consenting(fake),
            timeout=10,
        )

    tokens = run(main())
    assert tokens.access_token.get_secret_value() == "ya29.first"
    assert tokens.refresh_token.get_secret_value() == "1//refresh"
    assert tokens.scopes == list(DEFAULT_SCOPES)
    assert (tokens.access_expires_at - clock.wall()).total_seconds() == 3599
    exchange = fake.forms[0]
    assert exchange["grant_type"] == "authorization_code"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", exchange["redirect_uri"])


def test_a_login_with_a_permission_unticked_stores_nothing() -> None:
    fake = FakeGoogleToken(scope=UPLOAD_SCOPE)

    async def main() -> None:
        await login(
            endpoint(fake),
            auth_url="https://accounts.google.com/o/oauth2/v2/auth",
            open_browser=consenting(fake),
            timeout=10,
        )

    with pytest.raises(AuthError, match="processing status") as caught:
        run(main())
    assert "ticked" in caught.value.hint


def test_a_refused_consent_is_a_clear_error() -> None:
    fake = FakeGoogleToken()

    async def main() -> None:
        await login(
            endpoint(fake),
            auth_url="https://accounts.google.com/o/oauth2/v2/auth",
            open_browser=consenting(fake, {"error": "access_denied"}),
            timeout=10,
        )

    with pytest.raises(AuthError, match="Google refused the login: access_denied"):
        run(main())
    assert fake.forms == []  # nothing exchanged


def test_refresh_keeps_the_refresh_token_google_does_not_rotate() -> None:
    fake = FakeGoogleToken()

    async def main() -> TokenSet:
        return await endpoint(fake).refresh("1//refresh")

    tokens = run(main())
    assert tokens.access_token.get_secret_value() == "ya29.next"
    assert tokens.refresh_token.get_secret_value() == "1//refresh"
    assert set(fake.forms[0]) == {"client_id", "client_secret", "grant_type", "refresh_token"}


def test_invalid_grant_on_refresh_explains_the_testing_mode_expiry() -> None:
    fake = FakeGoogleToken()
    fake.refresh_answer = (
        400,
        b'{"error":"invalid_grant","error_description":"Token has been expired or revoked."}',
    )

    async def main() -> None:
        await endpoint(fake).refresh("1//refresh")

    with pytest.raises(TokenRefreshError) as caught:
        run(main())
    error = caught.value.for_account("brand-yt")
    assert error.code == "invalid_grant" and not error.transient
    text = str(error)
    assert "Token has been expired or revoked." in text
    assert "7 days" in text and '"Testing"' in text and '"In production"' in text
    assert "publisher auth login --account brand-yt" in error.hint
    assert "1//refresh" not in text


@pytest.mark.parametrize(
    ("status", "content", "transient"),
    [
        (503, b"", True),
        (429, b"", True),
        (500, b'{"error":"internal_failure"}', True),
        (401, b'{"error":"invalid_client","error_description":"Unauthorized"}', False),
    ],
)
def test_token_errors_are_transient_or_not(status: int, content: bytes, transient: bool) -> None:
    fake = FakeGoogleToken()
    fake.refresh_answer = (status, content)

    async def main() -> None:
        await endpoint(fake).refresh("1//refresh")

    with pytest.raises(TokenRefreshError) as caught:
        run(main())
    assert caught.value.transient is transient
    if status == 401:
        assert "Desktop app" in str(caught.value)


def valid(access: str, clock: FakeClock) -> TokenSet:
    """A set whose access token has an hour left: no early refresh."""
    return TokenSet(
        access_token=SecretStr(access),
        access_expires_at=clock.wall() + timedelta(hours=1),
        refresh_token=SecretStr("1//refresh"),
    )


def test_google_auth_refreshes_once_on_a_401() -> None:
    fake = FakeGoogleToken()
    clock = FakeClock()
    saved: list[TokenSet] = []
    seen: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        if request.headers["authorization"] == "Bearer ya29.stale":
            return httpx.Response(
                401,
                json={"error": {"code": 401, "errors": [{"reason": "authError"}]}},
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return httpx.Response(200, json={"items": []})

    async def main() -> None:
        stale = valid("ya29.stale", clock)
        auth = GoogleAuth(stale, endpoint(fake, clock), persist=saved.append, now=clock.wall)
        async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as http:
            response = await http.get("https://youtube.googleapis.com/x", auth=auth)
            assert response.status_code == 200

    run(main())
    assert seen == ["Bearer ya29.stale", "Bearer ya29.next"]
    assert [t.refresh_token.get_secret_value() for t in saved] == ["1//refresh"]


def test_google_auth_does_not_refresh_for_an_account_without_a_channel() -> None:
    fake = FakeGoogleToken()
    clock = FakeClock()

    def api(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": 401, "errors": [{"reason": "youtubeSignupRequired"}]}}
        return httpx.Response(401, json=body)

    async def main() -> int:
        fresh = valid("ya29.valid", clock)
        auth = GoogleAuth(fresh, endpoint(fake, clock), persist=lambda t: None, now=clock.wall)
        async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as http:
            return (await http.get("https://youtube.googleapis.com/x", auth=auth)).status_code

    assert run(main()) == 401
    assert fake.forms == []
