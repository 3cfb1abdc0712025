"""The composition root names no platform: each says its app, each emulator how it seeds.

``compose.py`` gets the environment's app credentials, API URL and tokens from each platform
of the registry (``Platform.environment_app``, ``api_base_url``, ``environment_tokens``),
warns in CI of the handles a platform keeps sealed (``Platform.sealed_handles``) and, with
``--sandbox``, seeds each account into its platform's emulator as ``sandbox/seeding.py``
says, with every emulator's app: a new platform (or emulator) is handled without an edit of
``compose.py``, whose code names none.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from gitops_publisher import compose
from gitops_publisher.core.models import Config
from gitops_publisher.providers.fake import FakePlatform
from gitops_publisher.providers.registry import PLATFORMS
from gitops_publisher.providers.tiktok.adapter import TikTokProvider
from gitops_publisher.sandbox import seeding
from gitops_publisher.sandbox.world import SandboxWorld

from .code_scan import platforms_named


def test_the_environments_apps_are_what_each_platform_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(PLATFORMS, "fake", FakePlatform())
    env = {
        "TIKTOK_CLIENT_KEY": "aw-key",
        "TIKTOK_CLIENT_SECRET": "tt-secret",
        "FAKE_APP_KEY": "fake-key",
        "FAKE_APP_SECRET": "fake-secret",
        "YOUTUBE_CLIENT_ID": "id.apps.googleusercontent.com",
    }
    assert compose.environment_apps(env) == {
        "fake": ("fake-key", "fake-secret"),
        "tiktok": ("aw-key", "tt-secret"),
    }  # YouTube's Google client is each channel's own: read when the channel is opened
    assert compose.environment_apps({}) == {"tiktok": ("", "")}


def test_an_environment_connection_hands_each_platform_its_app(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(PLATFORMS, "fake", FakePlatform())
    for name, value in {
        "TIKTOK_CLIENT_KEY": "aw-key",
        "TIKTOK_CLIENT_SECRET": "tt-secret",
        "FAKE_APP_KEY": "fake-key",
        "FAKE_APP_SECRET": "fake-secret",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PUBLISHER_TOKEN_KEY", raising=False)
    monkeypatch.setenv("TT_REFRESH", "rft.only-for-this-test")
    config = Config.model_validate(
        {"version": 1, "accounts": {"brand-us": {"refresh_token_env": "TT_REFRESH"}}}
    )
    connection = compose.environment_connection(tmp_path, config, names=["brand-us"])
    assert connection.apps == {
        "fake": ("fake-key", "fake-secret"),
        "tiktok": ("aw-key", "tt-secret"),
    }


def test_the_sandbox_seeds_each_account_as_its_emulator_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seeded: list[tuple[str, str | None]] = []
    tiktok = seeding.SEEDERS["tiktok"]

    def ensure(world: SandboxWorld, user: str, user_id: str | None) -> str:
        seeded.append((user, user_id))
        return tiktok.ensure(world, user, user_id)

    emulator = replace(tiktok, ensure=ensure, app=("another-key", "another-secret"))
    monkeypatch.setitem(seeding.SEEDERS, "tiktok", emulator)
    monkeypatch.setenv("PUBLISHER_TOKEN_KEY", "")
    config = Config.model_validate(
        {
            "version": 1,
            "accounts": {
                "brand-us": {"refresh_token_env": "TT", "username": "brand", "open_id": "o-1"},
                "shorts": {"provider": "youtube", "refresh_token_env": "YT", "handle": "@acme"},
            },
        }
    )
    with compose.sandbox_connection(tmp_path, config) as connection:
        assert seeded == [("brand", "o-1")]  # the user publisher.yaml names, by its id too
        assert connection.apps["tiktok"] == ("another-key", "another-secret")
        assert connection.apps["youtube"] == seeding.SEEDERS["youtube"].app
        assert connection.load_tokens("brand-us") and connection.load_tokens("shorts")
    with compose.sandbox_connection(tmp_path, config):
        assert seeded == [("brand", "o-1")]  # seeded once: its token and its user are still there


def test_the_credentials_an_account_lacks_are_its_platforms_to_say(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The fake platform in YouTube's place: its own app, its own words; TikTok's app said once.
    fake = replace(FakePlatform(), tokens_here=frozenset({"shorts-b"}))
    monkeypatch.setitem(PLATFORMS, "youtube", fake)
    for name in ("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET", "FAKE_APP_KEY", "TT_A", "TT_B"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PUBLISHER_TOKEN_STORE", "/nonexistent/token-store.json")
    config = Config.model_validate(
        {
            "version": 1,
            "accounts": {
                "brand-a": {"refresh_token_env": "TT_A"},
                "brand-b": {"refresh_token_env": "TT_B"},
                "shorts-a": {"provider": "youtube", "refresh_token_env": "YT_A"},
                "shorts-b": {"provider": "youtube", "refresh_token_env": "YT_B"},
            },
        }
    )
    names = sorted(config.accounts)
    problems = compose.credential_problems(config, names)
    assert [(p.field, p.message) for p in problems] == [
        (
            "TIKTOK_CLIENT_KEY/TIKTOK_CLIENT_SECRET",
            "set your TikTok app's client key and secret, or use --sandbox to try things out",
        ),
        (
            "FAKE_APP_KEY/FAKE_APP_SECRET",
            "set the fake app account shorts-a uses, or use --sandbox to try things out",
        ),
        (
            "FAKE_APP_KEY/FAKE_APP_SECRET",
            "set the fake app account shorts-b uses, or use --sandbox to try things out",
        ),
        (
            "TT_A",
            "account brand-a has no token here: set TT_A to its refresh token, or run "
            "`publisher auth login --account brand-a`",
        ),
        (
            "TT_B",
            "account brand-b has no token here: set TT_B to its refresh token, or run "
            "`publisher auth login --account brand-b`",
        ),
        (
            "YT_A",
            "account shorts-a has no token here: set YT_A to its refresh token, or run "
            "`publisher auth login --account shorts-a`",
        ),
    ]
    planned = SimpleNamespace(project=SimpleNamespace(config=config))
    ready, notices = compose._has_credentials(planned, names)  # type: ignore[arg-type]
    assert ready == []
    assert notices[1:3] == [
        "fake checks skipped for shorts-a: no fake app here (FAKE_APP_KEY/FAKE_APP_SECRET)",
        "fake checks skipped for shorts-b: no fake app here (FAKE_APP_KEY/FAKE_APP_SECRET)",
    ]
    assert notices[-1] == (
        "fake account checks skipped for shorts-a: no token for it here (set YT_A, or run "
        "`publisher auth login --account shorts-a`)"
    )
    monkeypatch.setenv("FAKE_APP_KEY", "key")
    monkeypatch.setenv("FAKE_APP_SECRET", "secret")
    assert compose._has_credentials(planned, ["shorts-b"]) == (["shorts-b"], [])  # type: ignore[arg-type]


def fake_in_youtubes_place(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Config:
    """Environment with TikTok's app and the fake's; a TikTok account and a fake one."""
    for name, value in {
        "TIKTOK_CLIENT_KEY": "aw-key",
        "TIKTOK_CLIENT_SECRET": "tt-secret",
        "FAKE_APP_KEY": "fake-key",
        "FAKE_APP_SECRET": "fake-secret",
        "TT_REFRESH": "rft.only-for-this-test",
        "PUBLISHER_TIKTOK_API_URL": "http://127.0.0.1:9/tiktok",
        "PUBLISHER_FAKE_API_URL": "http://127.0.0.1:9/fake",
        "PUBLISHER_TOKEN_STORE": str(tmp_path / "token-store.json"),
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("CI", "PUBLISHER_TOKEN_KEY", "PUBLISHER_STATE_BRANCH"):
        monkeypatch.delenv(name, raising=False)
    return Config.model_validate(
        {
            "version": 1,
            "accounts": {
                "brand-us": {"refresh_token_env": "TT_REFRESH"},
                "shorts": {"provider": "youtube", "refresh_token_env": "FAKE_REFRESH"},
            },
        }
    )


def test_an_environment_connection_hands_each_platform_its_api_url_and_tokens(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The fake in YouTube's place: its own API URL and tokens, none of TikTok's.
    fake = FakePlatform(
        tokens={"shorts": {"refresh_token": "fake.only-for-this-test"}},
        tokens_here=frozenset({"shorts"}),
    )
    monkeypatch.setitem(PLATFORMS, "youtube", fake)
    config = fake_in_youtubes_place(monkeypatch, tmp_path)
    connection = compose.environment_connection(tmp_path, config, names=["brand-us", "shorts"])

    async def main() -> dict[str, Any]:
        async with connection.open(config.accounts, ["brand-us", "shorts"]) as opened:
            return dict(opened)

    opened = asyncio.run(main())
    tiktok = opened["brand-us"]
    assert isinstance(tiktok, TikTokProvider)
    assert str(tiktok.api.http.base_url) == "http://127.0.0.1:9/tiktok/"
    assert opened["shorts"] is fake.provider
    (run,) = fake.openings
    assert run.api_url == "http://127.0.0.1:9/fake"
    assert run.stored_tokens("shorts") == {"refresh_token": "fake.only-for-this-test"}
    run.save_tokens("shorts", {"refresh_token": "fake.rotated"})
    assert fake.tokens == {"shorts": {"refresh_token": "fake.rotated"}}
    assert connection.load_tokens("brand-us") is not None  # TikTok's, from its variable
    # A platform that gives no tokens here: its accounts find their own when opened.
    monkeypatch.setitem(PLATFORMS, "youtube", replace(fake, tokens=None))
    connection = compose.environment_connection(tmp_path, config, names=["shorts"])
    assert connection.load_tokens("shorts") is None


@pytest.mark.parametrize(
    ("sealed", "warned"),
    [
        (None, []),
        (
            "upload tickets",
            [
                "warning: PUBLISHER_TOKEN_KEY is not set: this job seals the Fake upload "
                "tickets the state records with a key file of this machine, which the job's "
                "end discards, so an upload cut off in this job cannot be resumed by the next "
                "(it uploads the video again); set PUBLISHER_TOKEN_KEY in CI"
            ],
        ),
    ],
    ids=["handles-no-secret", "sealed-handles"],
)
def test_in_ci_without_the_token_key_a_platform_whose_handles_are_sealed_is_warned(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sealed: str | None, warned: list[str]
) -> None:
    """The warning is the platform's to ask for (``Platform.sealed_handles``), in its words."""
    fake = FakePlatform(tokens_here=frozenset({"shorts"}), sealed_handles=sealed)
    monkeypatch.setitem(PLATFORMS, "youtube", fake)
    config = fake_in_youtubes_place(monkeypatch, tmp_path)
    monkeypatch.setenv("CI", "true")
    warnings: list[str] = []
    compose.environment_connection(tmp_path, config, names=["shorts"], warn=warnings.append)
    assert warnings == warned
    warnings.clear()
    compose.environment_connection(tmp_path, config, names=["brand-us"], warn=warnings.append)
    assert warnings == []  # TikTok's publish_ids are no secrets


def test_the_composition_root_names_no_platform_in_its_code() -> None:
    """Only docstrings and comments of ``compose.py`` may name one, as an example."""
    assert platforms_named(Path(compose.__file__).read_text(encoding="utf-8")) == []
