"""Adapters keep the port's contract: TikTok against its emulator, and the fake platform."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_publisher.core.address import Address
from gitops_publisher.core.auth_port import AuthOpening
from gitops_publisher.core.desired import DesiredPost, VideoRef
from gitops_publisher.core.models import TikTokAccount, YouTubeAccount
from gitops_publisher.core.ports import Media, Platform, Published, Rate
from gitops_publisher.providers.fake import FakePlatform, FakeProvider, Script
from gitops_publisher.providers.tiktok.adapter import TikTokProvider
from gitops_publisher.providers.tiktok.client import TikTokClient
from gitops_publisher.providers.tiktok.platform import TIKTOK
from gitops_publisher.providers.youtube.platform import YOUTUBE

from . import port_contract as contract
from .fakes import run
from .test_emulator import Emulator, emulator, make_video

__all__ = ["emulator"]  # the fixture, re-used


def desired(video: Path, mode: str = "direct") -> DesiredPost:
    info = {"privacy_level": "SELF_ONLY", "title": "port #contract"} if mode == "direct" else {}
    return DesiredPost(
        address=Address("contract", "brand-us"),
        manifest_file="posts/contract.yaml",
        video=VideoRef(str(video), "git:0", video.stat().st_size),
        mode=mode,  # type: ignore[arg-type]
        caption="port #contract",
        privacy="SELF_ONLY" if mode == "direct" else None,
        post_info=info,
        publish_at=None,
        not_after=None,
        on_missed="publish",
    )


def test_tiktok_keeps_the_contract(emulator: Emulator, tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", 12_000_000)  # two chunks

    async def flow(client: TikTokClient) -> None:
        provider = TikTokProvider(client, open_id=lambda: emulator.auth.tokens.open_id)
        report = await contract.check_account(provider)
        assert report.identity.username == "brand-us" and report.limits.privacy_options
        media = Media(video, video.stat().st_size, "video/mp4")
        started, answer = await contract.check_publish(
            provider, desired(video), media, emulator.clock.sleep
        )
        assert provider.label(started.handle) == started.handle  # a publish_id is no secret
        contract.check_capability_handles_are_named(TIKTOK, started.handle)
        assert isinstance(answer, Published) and answer.status == "PUBLISH_COMPLETE"
        await contract.check_outcome_is_repeatable(provider, started.handle, media.size)
        await contract.check_unfinished_transfer_states_who_can_finish_it(
            provider, TIKTOK, desired(video), media.size
        )

    emulator.with_client(flow)
    post, unfinished = emulator.posts()
    assert post["status"] == "PUBLISH_COMPLETE" and post["byte_count"] == video.stat().st_size
    assert unfinished["byte_count"] == 0  # started, never sent: nothing published


def test_tiktok_drafts_keep_the_contract(emulator: Emulator, tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", 1_000_000)

    async def flow(client: TikTokClient) -> None:
        provider = TikTokProvider(client)
        media = Media(video, video.stat().st_size, "video/mp4")
        await contract.check_publish(provider, desired(video, "draft"), media, emulator.clock.sleep)

    emulator.with_client(flow)


def test_the_fake_keeps_the_contract(tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\0" * 1000)

    async def sleep(_seconds: float) -> None:
        return None

    async def flow(provider: FakeProvider) -> None:
        await contract.check_account(provider)
        media = Media(video, 1000)
        started, _answer = await contract.check_publish(provider, desired(video), media, sleep)
        contract.check_capability_handles_are_named(FakePlatform(provider), started.handle)
        await contract.check_outcome_is_repeatable(provider, started.handle, media.size)
        await contract.check_unfinished_transfer_states_who_can_finish_it(
            provider, FakePlatform(provider), desired(video), media.size
        )

    run(flow(FakeProvider(default=Script(processing_polls=3))))
    run(flow(FakeProvider(capability=True, default=Script(resumable=True))))


def test_tiktok_states_the_limits_the_engine_paces_an_account_by() -> None:
    inits, direct, drafts = TIKTOK.quotas(TikTokAccount(refresh_token_env="X", daily_post_cap=12))
    assert (inits.limit, inits.window, inits.is_rate) == (6, timedelta(minutes=1), True)
    assert (direct.limit, direct.is_rate, direct.counts("draft")) == (12, False, False)
    assert (drafts.limit, drafts.is_rate, drafts.counts("draft")) == (5, False, True)
    assert TIKTOK.outcome_rate() == Rate(30, timedelta(minutes=1))
    assert YOUTUBE.outcome_rate() is None
    # TikTok's upload_url lives 1 hour and only in the run that got it; YouTube's session
    # URI is the handle, so any run can go on with it (reference §3.2; youtube-data-api.md).
    assert TIKTOK.upload_target_lifetime == timedelta(hours=1)
    assert YOUTUBE.upload_target_lifetime is None


def test_a_sealed_handle_lives_as_long_as_its_platform_says() -> None:
    """A run that cannot open a sealed handle leaves it to the runs that can this long.

    YouTube's sessions: a week (its reference states "a finite lifetime"; Google's other
    resumable uploads document one week). TikTok's handles are never sealed.
    """
    assert YOUTUBE.sealed_handles and YOUTUBE.sealed_handle_lifetime == timedelta(days=7)
    assert TIKTOK.sealed_handles is None and TIKTOK.sealed_handle_lifetime is None


@pytest.mark.parametrize(
    ("platform", "account"),
    [
        (TIKTOK, TikTokAccount(refresh_token_env="CONTRACT_TT")),
        (YOUTUBE, YouTubeAccount(provider="youtube", refresh_token_env="CONTRACT_YT")),
        (FakePlatform(FakeProvider()), TikTokAccount(refresh_token_env="CONTRACT_FAKE")),
    ],
    ids=["tiktok", "youtube", "fake"],
)
def test_every_platform_says_an_account_without_tokens_has_none(
    platform: Platform, account: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLISHER_TOKEN_STORE", str(tmp_path / "tokens.json"))
    for name in ("PUBLISHER_TOKEN_KEY", "CONTRACT_TT", "CONTRACT_YT", "CONTRACT_FAKE"):
        monkeypatch.delenv(name, raising=False)
    warnings: list[str] = []
    opening = AuthOpening(tmp_path, {"acct": account}, warnings.append)
    run(contract.check_account_auth_without_tokens(platform, opening, "acct"))
    assert warnings == []
