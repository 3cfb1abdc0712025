"""Media rules are data: a second platform supplies its own limits, pre-flight applies either.

The YouTube values below are the Shorts rules of the reference (§3.1: vertical or square and
at most three minutes to count as a Short, a warning since the video is still published) and
its size limit (256 GB); the YouTube adapter will bring its own value.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gitops_publisher.core.media_rules import Limit, MediaRules
from gitops_publisher.media import VideoFacts
from gitops_publisher.preflight import VideoUse, check_video, check_videos, media_rules
from gitops_publisher.providers.tiktok.media_rules import TIKTOK_MEDIA_RULES

SHORTS = MediaRules(
    platform="YouTube",
    not_a_video="YouTube needs a complete video file",
    aspect=Limit(
        high=1.0,
        rule="YouTube counts only vertical or square videos as Shorts",
        severity="warning",
    ),
    size_bytes=(Limit(high=256 * 2**30, rule="YouTube accepts up to 256 GB"),),
    duration_sec=(
        Limit(
            high=180,
            rule="YouTube counts videos of up to 3 minutes as Shorts",
            severity="warning",
        ),
    ),
)

LANDSCAPE_4_MIN = VideoFacts(
    container="mp4",
    video_codec="h264",
    audio_codec="aac",
    width=1920,
    height=1080,
    rotation=0,
    fps=30.0,
    duration_ms=240_000,
    size_bytes=50_000_000,
)


def rules_for(platform: str) -> MediaRules:
    return SHORTS if platform == "youtube" else media_rules(platform)


def test_tiktoks_rules_have_one_home_and_are_the_default() -> None:
    assert media_rules("tiktok") is TIKTOK_MEDIA_RULES
    assert media_rules() is TIKTOK_MEDIA_RULES
    with pytest.raises(KeyError):
        media_rules("vimeo")


def test_a_landscape_four_minute_video_is_a_shorts_warning_not_an_error() -> None:
    issues = check_video(LANDSCAPE_4_MIN, SHORTS)
    assert [(i.severity, i.property, i.value) for i in issues] == [
        ("warning", "aspect", "1920x1080 (landscape)"),
        ("warning", "duration", "240 s"),
    ]
    assert issues[0].message("media/a.mp4") == (
        "media/a.mp4: aspect is 1920x1080 (landscape); YouTube counts only vertical or square "
        "videos as Shorts"
    )
    assert check_video(LANDSCAPE_4_MIN, TIKTOK_MEDIA_RULES) == []


@pytest.mark.parametrize(("width", "height"), [(1080, 1920), (1080, 1080)])
def test_vertical_and_square_count_as_shorts(width: int, height: int) -> None:
    facts = dataclasses.replace(LANDSCAPE_4_MIN, width=width, height=height, duration_ms=60_000)
    assert check_video(facts, SHORTS) == []


def test_a_rotated_landscape_file_is_judged_as_displayed() -> None:
    phone = dataclasses.replace(LANDSCAPE_4_MIN, rotation=90, duration_ms=30_000)
    assert check_video(phone, SHORTS) == []


def test_size_limits_differ_per_platform() -> None:
    big = dataclasses.replace(
        LANDSCAPE_4_MIN, width=1080, height=1920, duration_ms=30_000, size_bytes=5 * 10**9
    )
    assert check_video(big, SHORTS) == []
    (issue,) = check_video(big, TIKTOK_MEDIA_RULES)
    assert (issue.severity, issue.property, issue.rule) == (
        "error",
        "size",
        "TikTok accepts up to 4 GB",
    )


def test_a_container_youtube_takes_is_still_checked_for_tiktok() -> None:
    mkv = dataclasses.replace(LANDSCAPE_4_MIN, container="mkv", width=1080, height=1920)
    assert check_video(dataclasses.replace(mkv, duration_ms=30_000), SHORTS) == []
    assert [i.property for i in check_video(mkv, TIKTOK_MEDIA_RULES)] == ["container"]


def test_a_post_on_two_platforms_is_checked_against_both_and_probed_once(tmp_path: Path) -> None:
    probes: list[Path] = []
    clip = dataclasses.replace(LANDSCAPE_4_MIN, duration_ms=2_000)

    def probe(path: Path) -> VideoFacts:
        probes.append(path)
        return clip

    both = ("tiktok", "youtube")
    uses = [
        VideoUse("a", "posts/a.yaml", "media/clip.mp4", "id-clip", platforms=both),
        VideoUse("b", "posts/b.yaml", "media/clip.mp4", "id-clip", platforms=both),
        VideoUse("c", "posts/c.yaml", "media/clip.mp4", "id-clip", platforms=("youtube",)),
    ]
    result = check_videos(
        tmp_path,
        uses,
        cache_dir=None,
        locate=lambda _p, _k: (3, 8),
        probe=probe,
        rules_for=rules_for,
    )
    assert probes == [tmp_path / "media" / "clip.mp4"]
    assert result.ok
    # Each platform's warning once, at the first post going there, counting the others.
    assert [d.render() for d in result.diagnostics] == [
        "warning: posts/a.yaml:3:8 video: media/clip.mp4: duration is 2 s; videos under 3 s "
        "may be rejected (TikTok documents no minimum; third parties report 3 s) (also used "
        "by 1 other post(s))",
        "warning: posts/a.yaml:3:8 video: media/clip.mp4: aspect is 1920x1080 (landscape); "
        "YouTube counts only vertical or square videos as Shorts (also used by 2 other post(s))",
    ]
    report = result.reports["id-clip"]
    assert [i.property for i in report.issues] == ["duration", "aspect"]
