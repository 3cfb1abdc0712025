"""A platform is one registry entry: every lookup by ``provider:`` goes through it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from gitops_publisher.compose import Connection
from gitops_publisher.core.media_rules import MediaRules
from gitops_publisher.core.ports import Platform
from gitops_publisher.planning import retryable_failure
from gitops_publisher.preflight import media_rules
from gitops_publisher.providers.fake import FakePlatform, FakeProvider
from gitops_publisher.providers.registry import DEFAULT_PROVIDER, PLATFORMS, rules_named
from gitops_publisher.providers.tiktok.media_rules import TIKTOK_MEDIA_RULES
from gitops_publisher.providers.youtube.media_rules import YOUTUBE_MEDIA_RULES

VINE_RULES = MediaRules(platform="Vine", not_a_video="Vine needs a video file")


@pytest.fixture
def vine(monkeypatch: pytest.MonkeyPatch) -> FakePlatform:
    """A new platform: one entry in the registry, nothing else."""
    platform = FakePlatform(
        FakeProvider(),
        retryable_reasons=frozenset({"flaky"}),
        media_rules=VINE_RULES,
        name="vine",
        title="Vine",
    )
    monkeypatch.setitem(PLATFORMS, "vine", platform)
    return platform


def open_accounts(accounts: dict[str, Any]) -> dict[str, Any]:
    connection = Connection(
        api_url="http://127.0.0.1:9",
        client_key="key",
        client_secret="secret",
        load_tokens=lambda _name: None,
        save_tokens=lambda _name, _tokens: None,
    )

    async def go() -> dict[str, Any]:
        async with connection.open(accounts, sorted(accounts)) as opened:
            return dict(opened)

    return asyncio.run(go())


def test_the_registry_holds_tiktok_and_youtube_each_whole() -> None:
    entries: dict[str, Platform] = dict(PLATFORMS)
    assert DEFAULT_PROVIDER == "tiktok"
    assert {name: p.name for name, p in entries.items()} == {
        "tiktok": "tiktok",
        "youtube": "youtube",
    }
    assert entries["tiktok"].media_rules is TIKTOK_MEDIA_RULES
    assert entries["youtube"].media_rules is YOUTUBE_MEDIA_RULES
    assert entries["tiktok"].retryable("internal") and not entries["tiktok"].retryable(
        "uploadFailed"
    )
    assert entries["youtube"].retryable("uploadFailed") and not entries["youtube"].retryable(
        "internal"
    )
    assert entries["youtube"].label("https://x/upload?upload_id=SECRETabcd") != (
        "https://x/upload?upload_id=SECRETabcd"
    )


def test_a_new_platform_is_one_entry_that_every_lookup_uses(vine: FakePlatform) -> None:
    # pre-flight's media rules and its messages
    assert media_rules("vine") is VINE_RULES
    assert rules_named(["vine", "tiktok"]) == "TikTok's and Vine's media rules"
    # the planner's retry decision
    assert retryable_failure("vine", "flaky")
    assert not retryable_failure("vine", "internal")
    # the composition root opens its accounts through it
    opened = open_accounts({"v": SimpleNamespace(provider="vine", refresh_token_env="V")})
    assert opened["v"] is vine.provider and vine.opened == ["v"]
