"""Videos posted to TikTok and YouTube: checked against each platform's rules, each read once."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from gitops_publisher.media import VideoFacts, probe_video
from gitops_publisher.preflight import check_video, media_rules
from gitops_publisher.providers.registry import rules_named
from gitops_publisher.providers.youtube.media_rules import YOUTUBE_MEDIA_RULES
from gitops_publisher.workspace.project import MEDIA_CACHE_DIR, load_project

DATA = Path(__file__).parent.parent / "data" / "media"
CONFIG = """\
version: 1
accounts:
  brand-us:
    refresh_token_env: TIKTOK_REFRESH_TOKEN_BRAND_US
  acme-yt:
    provider: youtube
    handle: "@acme"
    refresh_token_env: YOUTUBE_REFRESH_TOKEN_ACME
defaults:
  privacy: SELF_ONLY
  youtube: {privacy: public}
"""


def post(post_id: str, accounts: str, video: str) -> str:
    return (
        f"version: 1\nid: {post_id}\naccounts: [{accounts}]\nvideo: media/{video}\n"
        f'caption: "{post_id} #test"\n'
    )


def test_youtube_supplies_its_own_rules() -> None:
    assert media_rules("youtube") is YOUTUBE_MEDIA_RULES
    slow = probe_video(DATA / "invalid_15fps.mp4")
    assert check_video(slow, YOUTUBE_MEDIA_RULES) == []
    assert [(i.severity, i.property) for i in check_video(slow)] == [("error", "fps")]
    huge = dataclasses.replace(slow, size_bytes=300 * 2**30)
    (issue,) = check_video(huge, YOUTUBE_MEDIA_RULES)
    assert issue.message() == f"size is {300 * 2**30:,} bytes; YouTube accepts up to 256 GB"


def test_validate_checks_each_post_on_its_platforms_and_reads_each_video_once(
    make_repo: Callable[..., Any], publisher: Callable[..., Result]
) -> None:
    files = {
        "publisher.yaml": CONFIG,
        "posts/a.yaml": post("a", "brand-us, acme-yt", "short.mp4"),
        "posts/b.yaml": post("b", "brand-us, acme-yt", "short.mp4"),
        "posts/c.yaml": post("c", "acme-yt", "short.mp4"),
        "posts/d.yaml": post("d", "acme-yt", "slow.mp4"),  # 15 fps: only TikTok refuses it
        "media/short.mp4": (DATA / "short_2s.mp4").read_bytes(),
        "media/slow.mp4": (DATA / "invalid_15fps.mp4").read_bytes(),
    }
    root = make_repo(files).root
    result = publisher("-C", root, "validate")
    assert result.exit_code == 0, result.output
    assert "checked against TikTok's and YouTube's media rules" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    # TikTok's warning once, counting the other TikTok post only (c and d go to YouTube).
    assert warnings == [
        "warning: posts/a.yaml:4:8 video: media/short.mp4: duration is 2 s; videos under 3 s may "
        "be rejected (TikTok documents no minimum; third parties report 3 s) (also used by 1 "
        "other post(s))"
    ]

    probes: list[Path] = []

    def probe(path: Path) -> VideoFacts:
        probes.append(path)
        return probe_video(path)

    cache = root / MEDIA_CACHE_DIR
    shutil.rmtree(cache)
    cache.write_text("a file: nothing can be cached, every read would be a probe\n")
    project = load_project(root, check_media=True, probe=probe)
    assert sorted(p.name for p in probes) == ["short.mp4", "slow.mp4"]
    assert project.providers == {"brand-us": "tiktok", "acme-yt": "youtube"}

    moved = post("d", "brand-us, acme-yt", "slow.mp4")
    (root / "posts" / "d.yaml").write_text(moved, encoding="utf-8")
    result = publisher("-C", root, "validate")
    assert result.exit_code == 1
    assert (
        "posts/d.yaml:4:8 video: media/slow.mp4: frame rate is 15 fps; TikTok accepts 23-60 fps"
        in result.stderr
    )


def test_messages_name_the_platforms_whose_rules_apply() -> None:
    assert rules_named(["tiktok"]) == "TikTok's media rules"
    assert rules_named([]) == "TikTok's media rules"
    assert rules_named(["youtube", "tiktok", "youtube"]) == "TikTok's and YouTube's media rules"
    assert rules_named(["youtube"], "rules") == "YouTube's rules"
