"""The shared desktop login (``loopback.PkceFlow``): what a third platform gets by declaring
its name, its callback path and its challenge encoding. The browser is a real HTTP client
that follows the redirect to the real listener on 127.0.0.1."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from gitops_publisher.errors import AuthError
from gitops_publisher.providers.loopback import PkceFlow
from gitops_publisher.providers.tiktok import login as tiktok_login
from gitops_publisher.providers.tokens import EPOCH, TokenSet
from gitops_publisher.providers.youtube import login as youtube_login

from .fakes import run


class RecordingExchange:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    async def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        self.calls.append((code, redirect_uri, code_verifier))
        return TokenSet(
            access_token=SecretStr("acc"), access_expires_at=EPOCH, refresh_token=SecretStr("ref")
        )


def page(*, redirect_uri: str, state: str, challenge: str) -> str:
    query = urlencode({"redirect_uri": redirect_uri, "state": state, "challenge": challenge})
    return f"https://auth.example.test/authorize?{query}"


def consenting_browser(opened: list[dict[str, str]], *, state: str | None = None):  # type: ignore[no-untyped-def]
    async def browser(url: str) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        opened.append(query)
        answer = {"code": "c0de", "state": state or query["state"]}
        async with httpx.AsyncClient() as client:
            await client.get(query["redirect_uri"], params=answer)

    return browser


def reversed_challenge(verifier: str) -> str:
    return verifier[::-1]


def test_a_new_platform_gets_listener_state_check_and_code_exchange() -> None:
    flow = PkceFlow("Example", "/oauth/done", reversed_challenge)
    exchange = RecordingExchange()
    opened: list[dict[str, str]] = []
    tokens = run(flow.login(exchange, page, open_browser=consenting_browser(opened), timeout=10))
    assert tokens.refresh_token.get_secret_value() == "ref"
    [query] = opened
    [(code, redirect_uri, verifier)] = exchange.calls
    assert code == "c0de"
    assert redirect_uri == query["redirect_uri"]
    assert urlsplit(redirect_uri).hostname == "127.0.0.1"
    assert urlsplit(redirect_uri).path == "/oauth/done"  # the platform's callback path
    assert query["challenge"] == reversed_challenge(verifier)  # the platform's encoding


def test_a_forged_state_is_refused_before_any_code_exchange() -> None:
    flow = PkceFlow("Example", "/", reversed_challenge)
    exchange = RecordingExchange()
    browser = consenting_browser([], state="forged")
    with pytest.raises(AuthError, match="another state"):
        run(flow.login(exchange, page, open_browser=browser, timeout=10))
    assert exchange.calls == []


def test_the_two_platforms_differ_only_where_they_declare_it() -> None:
    verifier = "v" * 43
    digest = hashlib.sha256(verifier.encode()).digest()
    assert tiktok_login.FLOW.challenge(verifier) == digest.hex()  # TikTok: lowercase hex
    assert youtube_login.FLOW.challenge(verifier) != digest.hex()  # Google: base64url
    assert (tiktok_login.FLOW.callback_path, youtube_login.FLOW.callback_path) == (
        "/callback/",
        "/",
    )
    assert (tiktok_login.FLOW.platform, youtube_login.FLOW.platform) == ("TikTok", "Google")
