"""check_video: a platform's media rules applied to a video's facts (pre-flight).

TikTok's rules (reference §6) on real files and on edge values; then rules as data: a second
platform supplies its own limits and pre-flight applies either. The YouTube values below are
the Shorts rules of the YouTube reference (§3.1: vertical or square and at most three minutes
to count as a Short, a warning since the video is still published) and its size limit
(256 GB).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitops_publisher.core.media_rules import Limit, MediaRules
from gitops_publisher.media import VideoFacts, probe_video
from gitops_publisher.preflight import MediaIssue, VideoUse, check_video, check_videos, media_rules
from gitops_publisher.providers.tiktok.media_rules import TIKTOK_MEDIA_RULES

DATA = Path(__file__).parent.parent / "data" / "media"

GOOD = VideoFacts(
    container="mp4",
    video_codec="h264",
    audio_codec="aac",
    width=1080,
    height=1920,
    rotation=0,
    fps=30.0,
    duration_ms=15_000,
    size_bytes=10_000_000,
)


def with_(**changes: object) -> VideoFacts:
    return dataclasses.replace(GOOD, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name",
    ["valid_h264_aac.mp4", "valid_h264_aac.mov", "valid_vp9_opus.webm", "valid_hevc_aac.mp4"],
)
def test_valid_test_videos_pass_every_rule(name: str) -> None:
    assert check_video(probe_video(DATA / name)) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "invalid_mpeg4_part2.mp4",
            "video codec is MPEG-4 Visual (MPEG-4 Part 2); TikTok accepts H.264, H.265, VP8 or "
            "VP9; re-encode, e.g. to H.264",
        ),
        (
            "invalid_200x200.mp4",
            "resolution is 200x200; TikTok accepts 360-4096 px for both width and height",
        ),
        ("invalid_15fps.mp4", "frame rate is 15 fps; TikTok accepts 23-60 fps"),
        (
            "invalid_truncated.mp4",
            "file is truncated (it ends before the data its header announces); the file must be "
            "complete; export or download it again",
        ),
    ],
)
def test_each_invalid_test_video_fails_with_its_own_message(name: str, expected: str) -> None:
    issues = check_video(probe_video(DATA / name))
    assert [issue.severity for issue in issues] == ["error"]
    assert issues[0].message(f"media/{name}") == f"media/{name}: {expected}"


def test_two_second_video_is_only_a_warning() -> None:
    issues = check_video(probe_video(DATA / "short_2s.mp4"))
    assert issues == [
        MediaIssue(
            "warning",
            "duration",
            "2 s",
            "videos under 3 s may be rejected (TikTok documents no minimum; third parties "
            "report 3 s)",
        )
    ]


@pytest.mark.parametrize("container", ["mkv", "AVI", "MPEG-TS"])
def test_other_containers_are_errors(container: str) -> None:
    issues = check_video(with_(container=container))
    assert [(i.severity, i.property, i.value) for i in issues] == [
        ("error", "container", container)
    ]


@pytest.mark.parametrize("codec", ["h264", "h265", "vp8", "vp9"])
def test_accepted_video_codecs(codec: str) -> None:
    assert check_video(with_(container="webm", video_codec=codec, audio_codec="opus")) == []


def test_av1_is_rejected() -> None:
    assert [i.property for i in check_video(with_(video_codec="av1"))] == ["video_codec"]


def test_non_aac_audio_in_mp4_is_a_warning_but_fine_in_webm() -> None:
    issues = check_video(with_(audio_codec="MPEG Audio"))
    assert [(i.severity, i.property) for i in issues] == [("warning", "audio_codec")]
    assert check_video(with_(container="webm", audio_codec="opus")) == []
    assert check_video(with_(audio_codec=None)) == []


@pytest.mark.parametrize(("fps", "ok"), [(22.99, False), (23.0, True), (23.976, True),
                                        (59.94, True), (60.0, True), (60.5, False)])  # fmt: skip
def test_frame_rate_bounds(fps: float, ok: bool) -> None:
    assert (check_video(with_(fps=fps)) == []) is ok


def test_unknown_frame_rate_is_a_warning() -> None:
    assert [(i.severity, i.property) for i in check_video(with_(fps=None))] == [("warning", "fps")]


@pytest.mark.parametrize(
    ("width", "height", "severity"),
    [
        (359, 1920, "error"),
        (360, 640, "warning"),
        (720, 4097, "error"),
        (4096, 4096, None),
        (540, 960, None),
        (960, 540, None),
        (720, 720, "warning"),
    ],
)
def test_resolution_bounds(width: int, height: int, severity: str | None) -> None:
    issues = check_video(with_(width=width, height=height))
    assert [i.severity for i in issues] == ([severity] if severity else [])
    assert all(i.property == "resolution" for i in issues)


def test_rotated_video_reports_display_resolution() -> None:
    (issue,) = check_video(with_(width=300, height=1920, rotation=90))
    assert issue.value == "1920x300"


def test_size_limit_is_4_gb() -> None:
    assert check_video(with_(size_bytes=4_000_000_000)) == []
    (issue,) = check_video(with_(size_bytes=4_000_000_001))
    assert issue.message() == "size is 4,000,000,001 bytes; TikTok accepts up to 4 GB"


def test_duration_limit_is_ten_minutes() -> None:
    assert check_video(with_(duration_ms=600_000)) == []
    (issue,) = check_video(with_(duration_ms=600_001))
    assert issue.message() == "duration is 600.001 s; TikTok accepts up to 10 minutes (600 s)"


def test_creator_max_duration_is_enforced_when_known() -> None:
    facts = with_(duration_ms=200_000)
    assert check_video(facts) == []
    assert check_video(facts, max_duration_sec=300) == []
    (issue,) = check_video(facts, max_duration_sec=180)
    assert issue.severity == "error"
    assert issue.message() == (
        "duration is 200 s; this creator can post up to 180 s "
        "(creator_info max_video_post_duration_sec)"
    )


def test_errors_come_before_warnings() -> None:
    issues = check_video(with_(duration_ms=1000, fps=10.0, width=400, height=700))
    assert [i.severity for i in issues] == ["error", "warning", "warning"]


@given(
    width=st.integers(1, 10_000),
    height=st.integers(1, 10_000),
    fps=st.one_of(st.none(), st.floats(0, 500)),
    duration_ms=st.integers(0, 2_000_000),
    size=st.integers(0, 10**10),
    max_duration=st.one_of(st.none(), st.integers(1, 600)),
)
def test_an_error_exactly_when_a_hard_rule_is_broken(
    width: int, height: int, fps: float | None, duration_ms: int, size: int,
    max_duration: int | None,
) -> None:  # fmt: skip
    facts = with_(width=width, height=height, fps=fps, duration_ms=duration_ms, size_bytes=size)
    limit_ms = min(600, max_duration or 600) * 1000
    broken = (
        not 360 <= min(width, height) <= max(width, height) <= 4096
        or (fps is not None and not 23 <= fps <= 60)
        or duration_ms > limit_ms
        or size > 4_000_000_000
    )
    issues = check_video(facts, max_duration_sec=max_duration)
    assert any(i.severity == "error" for i in issues) is broken


def test_issue_becomes_a_diagnostic_naming_manifest_video_property_value_and_rule() -> None:
    (issue,) = check_video(probe_video(DATA / "invalid_15fps.mp4"))
    diagnostic = issue.to_diagnostic(
        manifest="posts/launch.yaml", video="media/launch.mp4", line=4, column=8
    )
    assert diagnostic.render() == (
        "posts/launch.yaml:4:8 video: media/launch.mp4: frame rate is 15 fps; "
        "TikTok accepts 23-60 fps"
    )
    assert diagnostic.severity == "error"


def test_warning_diagnostic_is_marked_as_a_warning() -> None:
    (issue,) = check_video(probe_video(DATA / "short_2s.mp4"))
    rendered = issue.to_diagnostic(manifest="posts/a.yaml", video="media/a.mp4").render()
    assert rendered.startswith("warning: posts/a.yaml video: media/a.mp4: duration is 2 s;")


# --- rules are data: a second platform's limits -----------------------------------------------

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

LANDSCAPE_4_MIN = with_(width=1920, height=1080, duration_ms=240_000, size_bytes=50_000_000)


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
