"""The shared OAuth token client: the forms, the code exchange and the errors every platform
sends the same way; rotation and error envelopes stay each platform's."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from gitops_publisher.errors import AuthError
from gitops_publisher.providers.errors import TokenRefreshError, no_credentials
from gitops_publisher.providers.tiktok.auth import RefreshingAuth, TokenEndpoint
from gitops_publisher.providers.token_client import OAuthTokenClient, refresh_now
from gitops_publisher.providers.tokens import TokenSet
from gitops_publisher.providers.youtube.oauth import GoogleTokenEndpoint

from .fakes import FakeClock, run

ANSWER = {"access_token": "acc-NEW", "expires_in": 3600, "refresh_token": "ref-NEW"}


class ExampleTokens(OAuthTokenClient):
    """What a third platform writes: its names, its token answer and its errors."""

    platform = "Example"
    client_id_field = "app_id"

    def token_set(self, data: dict[str, Any], now: datetime, used: str) -> TokenSet:
        return TokenSet.from_token_response(data, now)

    def answer(self, response: httpx.Response, what: str) -> dict[str, Any]:
        if response.status_code != 200:
            raise TokenRefreshError(f"token {what} refused", code="nope")
        document: dict[str, Any] = response.json()
        return document


def _forms(handler: Any) -> tuple[list[dict[str, str]], httpx.MockTransport]:
    forms: list[dict[str, str]] = []

    def record(request: httpx.Request) -> httpx.Response:
        forms.append(dict(parse_qsl(request.content.decode())))
        return handler(request)  # type: ignore[no-any-return]

    return forms, httpx.MockTransport(record)


def test_a_new_platform_sends_the_refresh_and_code_forms_with_its_client_field() -> None:
    clock = FakeClock()
    forms, transport = _forms(lambda r: httpx.Response(200, json=ANSWER))
    client = ExampleTokens(
        "app-1",
        "s3cret",
        token_url="https://auth.example.test/token",
        transport=transport,
        now=clock.wall,
    )

    async def main() -> tuple[TokenSet, TokenSet]:
        refreshed = await client.refresh("ref-OLD")
        exchanged = await client.exchange_code("c0de", "http://127.0.0.1:5/", "v" * 43)
        await client.aclose()
        return refreshed, exchanged

    refreshed, exchanged = run(main())
    assert forms == [
        {
            "app_id": "app-1",
            "client_secret": "s3cret",
            "grant_type": "refresh_token",
            "refresh_token": "ref-OLD",
        },
        {
            "app_id": "app-1",
            "client_secret": "s3cret",
            "grant_type": "authorization_code",
            "code": "c0de",
            "redirect_uri": "http://127.0.0.1:5/",
            "code_verifier": "v" * 43,
        },
    ]
    assert refreshed.refresh_token.get_secret_value() == "ref-NEW"
    assert exchanged.access_expires_at == clock.wall() + timedelta(seconds=3600)


def test_unreachable_is_transient_and_names_the_platform() -> None:
    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    client = ExampleTokens(
        "app-1",
        "s",
        token_url="https://auth.example.test/token",
        transport=httpx.MockTransport(drop),
    )
    with pytest.raises(TokenRefreshError, match="Example could not be reached") as caught:
        run(client.refresh("ref-OLD"))
    assert caught.value.transient


def test_an_answer_without_tokens_is_a_malformed_response() -> None:
    _, transport = _forms(lambda r: httpx.Response(200, json={"expires_in": 5}))
    client = ExampleTokens(
        "app-1", "s", token_url="https://auth.example.test/token", transport=transport
    )
    with pytest.raises(TokenRefreshError, match="token refresh: ") as caught:
        run(client.refresh("ref-OLD"))
    assert caught.value.code == "malformed_response"


def test_rotation_stays_each_platforms_own() -> None:
    """TikTok's answer must carry a new refresh token; Google's keeps the one used."""
    without_refresh = {"access_token": "acc-NEW", "expires_in": 3600}
    tiktok = TokenEndpoint("key", "s", transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    google = GoogleTokenEndpoint(
        "id", "s", transport=httpx.MockTransport(lambda r: httpx.Response(200))
    )
    now = FakeClock().wall()
    assert (
        google.token_set(without_refresh, now, "ref-USED").refresh_token.get_secret_value()
        == "ref-USED"
    )
    with pytest.raises(ValueError, match="refresh_token"):
        tiktok.token_set(without_refresh, now, "ref-USED")
    assert tiktok.token_set(ANSWER, now, "ref-USED").refresh_token.get_secret_value() == "ref-NEW"
    assert (tiktok.client_id_field, google.client_id_field) == ("client_key", "client_id")
    run(tiktok.aclose())
    run(google.aclose())


def test_refresh_now_saves_the_new_set_and_closes_the_endpoint_even_when_refused() -> None:
    saved: list[TokenSet] = []
    ok = ExampleTokens(
        "app-1",
        "s",
        token_url="https://auth.example.test/token",
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=ANSWER)),
    )
    old = TokenSet.from_refresh_token("ref-OLD")
    new = run(refresh_now(RefreshingAuth, old, ok, persist=saved.append, account="brand-us"))
    assert saved == [new] and new.refresh_token.get_secret_value() == "ref-NEW"
    assert ok._http.is_closed
    refused = ExampleTokens(
        "app-1",
        "s",
        token_url="https://auth.example.test/token",
        transport=httpx.MockTransport(lambda r: httpx.Response(400, json={})),
    )
    with pytest.raises(AuthError, match="brand-us"):
        run(refresh_now(RefreshingAuth, old, refused, persist=saved.append, account="brand-us"))
    assert refused._http.is_closed and len(saved) == 1


def test_no_credentials_says_which_variable_to_set_or_to_log_in() -> None:
    error = no_credentials("brand-us", "TIKTOK_REFRESH_TOKEN_BRAND_US")
    assert isinstance(error, AuthError)
    assert str(error) == "no credentials for account brand-us"
    assert "set TIKTOK_REFRESH_TOKEN_BRAND_US" in (error.hint or "")
    assert "publisher auth login --account brand-us" in (error.hint or "")
