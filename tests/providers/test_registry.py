"""A platform is one registry entry: every lookup by ``provider:`` goes through it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from gitops_publisher.compose import Connection
from gitops_publisher.core.media_rules import MediaRules
from gitops_publisher.core.plan import Action
from gitops_publisher.core.planner import plan
from gitops_publisher.core.ports import Platform
from gitops_publisher.core.state import State
from gitops_publisher.preflight import media_rules
from gitops_publisher.providers.fake import FakePlatform, FakeProvider
from gitops_publisher.providers.registry import DEFAULT_PROVIDER, PLATFORMS, rules_named
from gitops_publisher.providers.tiktok.media_rules import TIKTOK_MEDIA_RULES
from gitops_publisher.providers.youtube.media_rules import YOUTUBE_MEDIA_RULES
from tests.apply.builders import NOW, desired_post, started_record

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


def planned_action(reason: str, platform: FakePlatform) -> Action:
    """The action a plan gives a post whose last attempt on ``platform`` failed with ``reason``."""
    post = desired_post()
    failed = started_record().model_copy(update={"status": "failed", "fail_reason": reason})
    accounts: Any = {"brand-us": SimpleNamespace(provider=platform.name, timezone="UTC")}
    result = plan([post], State().with_record(failed), NOW, accounts=accounts, platforms=PLATFORMS)
    return result.changes[0].action


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
    # the planner's retry decision and quotas, from the registry planning.py hands it
    assert planned_action("flaky", vine) is Action.RETRY
    assert planned_action("internal", vine) is Action.FAILED
    # the composition root opens its accounts through it
    opened = open_accounts({"v": SimpleNamespace(provider="vine", refresh_token_env="V")})
    assert opened["v"] is vine.provider and vine.opened == ["v"]
