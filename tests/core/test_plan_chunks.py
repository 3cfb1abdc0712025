"""The chunk plan a change shows is its own platform's (``Platform.chunking``).

A video is summarized once, whatever platforms its posts go to; until 2026-12-05 every
change showed TikTok's chunk plan, a YouTube upload's included.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from gitops_publisher.core.desired import DesiredPost, VideoRef, resolve_post
from gitops_publisher.core.models import Config, PostManifest
from gitops_publisher.core.plan import MediaSummary
from gitops_publisher.core.planner import plan
from gitops_publisher.core.state import State
from gitops_publisher.providers.fake import FakePlatform
from gitops_publisher.providers.registry import PLATFORMS

NOW = datetime(2026, 12, 5, tzinfo=UTC)
CONFIG = Config.model_validate(
    {
        "version": 1,
        "accounts": {
            "brand-us": {"refresh_token_env": "TOKEN_US"},
            "shorts": {"provider": "youtube", "refresh_token_env": "YT"},
        },
        "defaults": {"privacy": "SELF_ONLY", "youtube": {"privacy": "public"}},
    }
)
SIZE = 40_000_000  # 40 MB: TikTok's init asks 4 chunks of 10 MB, YouTube sends 3 PUTs
VIDEO = VideoRef("media/a.mp4", "git:aaaa", SIZE)
MIB = 2**20


def _posts() -> list[DesiredPost]:
    manifest = PostManifest.model_validate(
        {"id": "launch", "accounts": ["brand-us", "shorts"], "video": VIDEO.path, "caption": "x"}
    )
    posts, problems = resolve_post(manifest, CONFIG, "posts/launch.yaml", VIDEO)
    assert problems == []
    return posts


def _media(chunk_size: int = 0, chunk_count: int = 0) -> dict[str, MediaSummary]:
    summary = MediaSummary(
        container="mp4",
        video_codec="h264",
        width=1080,
        height=1920,
        duration_ms=30_000,
        size=SIZE,
        chunk_size=chunk_size,
        chunk_count=chunk_count,
    )
    return {VIDEO.content_id: summary}


def _shown(platforms: dict[str, object], media: dict[str, MediaSummary]) -> dict[str, tuple]:
    result = plan(
        _posts(), State(), NOW, accounts=CONFIG.accounts, media=media, platforms=platforms
    )
    return {c.address: (c.media.chunk_size, c.media.chunk_count) for c in result.changes if c.media}


def test_each_change_shows_its_own_platforms_chunk_plan() -> None:
    # The summary as pre-flight makes it, with TikTok's chunk plan (the default platform's).
    shown = _shown(dict(PLATFORMS), _media(10_000_000, 4))
    assert shown["launch@brand-us"] == (10_000_000, 4)  # TikTok's init: 4 chunks of 10 MB
    assert shown["launch@shorts"] == (16 * MIB, 3)  # YouTube: resumable PUTs of 16 MiB


def test_a_new_platform_chunks_its_own_way_without_an_edit_of_the_planner() -> None:
    fake = replace(FakePlatform(), chunk_size=15_000_000)
    shown = _shown({**PLATFORMS, "youtube": fake}, _media(10_000_000, 4))
    assert shown["launch@shorts"] == (15_000_000, 3)
    assert shown["launch@brand-us"] == (10_000_000, 4)
