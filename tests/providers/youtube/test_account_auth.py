"""``publisher auth login|refresh`` for a YouTube account, without click."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gitops_publisher.core.identity import Expected, Identity
from gitops_publisher.errors import AuthError
from gitops_publisher.providers.errors import TokenRefreshError
from gitops_publisher.providers.token_store import TokenStore
from gitops_publisher.providers.youtube.account_auth import (
    YouTubeAuthSetup,
    login_account,
    refresh_account,
    youtube_auth_setup,
)

from ..fakes import run
from .fake_google import FakeGoogleToken, consenting
from .fake_youtube import FakeYouTube

ENV = {"YOUTUBE_CLIENT_ID": "cid", "YOUTUBE_CLIENT_SECRET": "csecret"}


def setup(
    tmp_path: Path, google: FakeGoogleToken, youtube: FakeYouTube, **env: str
) -> YouTubeAuthSetup:
    async def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "oauth2.googleapis.com":
            return google.handler(request)
        return await youtube(request)

    made = youtube_auth_setup({**ENV, **env}, store=TokenStore(tmp_path / "tokens.json"))
    made.transport = httpx.MockTransport(route)
    return made


def test_login_checks_the_channel_and_stores_the_tokens(tmp_path: Path) -> None:
    google, youtube = FakeGoogleToken(), FakeYouTube()
    auth = setup(tmp_path, google, youtube)

    tokens, channel = run(
        login_account(
            auth,
            "brand-yt",
            open_browser=consenting(google),
            timeout=10,
            expect=Expected(username="acme"),
        )
    )
    assert (channel.id, channel.handle) == ("UCabc", "@acme")
    stored = auth.store.load(auth.api_url, "brand-yt")
    assert stored is not None and stored.refresh_token.get_secret_value() == "1//refresh"
    channels = [r for r in youtube.requests if r.url.path == "/youtube/v3/channels"]
    assert channels[0].headers["authorization"] == "Bearer ya29.first"
    assert tokens.access_token.get_secret_value() == "ya29.first"


def test_a_login_as_another_channel_stores_nothing(tmp_path: Path) -> None:
    google, youtube = FakeGoogleToken(), FakeYouTube()
    auth = setup(tmp_path, google, youtube)
    pin = Identity("UCother", "@other")

    with pytest.raises(AuthError, match="nothing was stored") as caught:
        run(
            login_account(
                auth,
                "brand-yt",
                open_browser=consenting(google),
                timeout=10,
                expect=Expected(pin=pin),  # no platform said: still YouTube's words
            )
        )
    assert auth.store.load(auth.api_url, "brand-yt") is None
    message = str(caught.value)
    assert "pinned to @other (channel_id UCother) (the channel it first published as)" in message
    assert "belongs to @acme (channel_id UCabc)" in message
    assert "log in as the right channel" in message and "set its channel_id" in message
    assert "open_id" not in message and "user" not in message


def test_a_configured_handle_mismatch_names_the_channel(tmp_path: Path) -> None:
    google, youtube = FakeGoogleToken(), FakeYouTube()
    auth = setup(tmp_path, google, youtube)
    with pytest.raises(AuthError) as caught:
        run(
            login_account(
                auth,
                "brand-yt",
                open_browser=consenting(google),
                timeout=10,
                expect=Expected(username="brand"),
            )
        )
    message = str(caught.value)
    assert "account brand-yt is @brand in publisher.yaml" in message
    assert "correct handle in publisher.yaml" in message and "username" not in message


def test_a_google_account_without_a_channel_is_refused(tmp_path: Path) -> None:
    google, youtube = FakeGoogleToken(), FakeYouTube()
    youtube.channel_items = []
    auth = setup(tmp_path, google, youtube)

    with pytest.raises(AuthError, match="no YouTube channel") as caught:
        run(login_account(auth, "brand-yt", open_browser=consenting(google), timeout=10))
    assert "create one" in caught.value.hint
    assert auth.store.load(auth.api_url, "brand-yt") is None


def test_missing_client_credentials_say_what_to_set(tmp_path: Path) -> None:
    auth = youtube_auth_setup({}, store=TokenStore(tmp_path / "t.json"))
    with pytest.raises(AuthError) as caught:
        auth.endpoint()
    assert "YOUTUBE_CLIENT_ID" in caught.value.hint and "Desktop app" in caught.value.hint


def test_env_secret_seeds_and_its_refresh_is_reused(tmp_path: Path) -> None:
    google, youtube = FakeGoogleToken(), FakeYouTube()
    auth = setup(tmp_path, google, youtube, YT_REFRESH="1//refresh")

    first = auth.tokens("brand-yt", "YT_REFRESH")
    assert first is not None and not first.access_token.get_secret_value()
    refreshed = run(refresh_account(auth, "brand-yt", "YT_REFRESH"))
    assert refreshed.refresh_token.get_secret_value() == "1//refresh"  # not rotated
    again = auth.tokens("brand-yt", "YT_REFRESH")
    assert again is not None and again.access_token.get_secret_value() == "ya29.next"
    entry = auth.store.load_entry(auth.api_url, "brand-yt")
    assert entry is not None and entry.origin  # tagged as descending from the secret

    auth.env = {**ENV, "YT_REFRESH": "1//another"}  # the secret changed: start from it
    changed = auth.tokens("brand-yt", "YT_REFRESH")
    assert changed is not None and changed.refresh_token.get_secret_value() == "1//another"


def test_refresh_without_tokens_says_how_to_log_in(tmp_path: Path) -> None:
    auth = setup(tmp_path, FakeGoogleToken(), FakeYouTube())
    with pytest.raises(AuthError, match="no credentials") as caught:
        run(refresh_account(auth, "brand-yt", "YT_REFRESH"))
    assert "publisher auth login --account brand-yt" in caught.value.hint


def test_a_dead_refresh_token_names_the_account_and_the_testing_expiry(tmp_path: Path) -> None:
    google = FakeGoogleToken()
    google.refresh_answer = (
        400,
        b'{"error":"invalid_grant","error_description":"Token has been expired or revoked."}',
    )
    auth = setup(tmp_path, google, FakeYouTube(), YT_REFRESH="1//refresh")
    with pytest.raises(TokenRefreshError) as caught:
        run(refresh_account(auth, "brand-yt", "YT_REFRESH"))
    assert str(caught.value).startswith("account brand-yt:")
    assert "7 days" in str(caught.value)
