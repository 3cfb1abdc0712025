"""probe_video on the committed real videos (made by scripts/make_media.sh)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_publisher.cli.views.plan_text import media_text
from gitops_publisher.errors import PublisherError
from gitops_publisher.media import MediaProbeError, VideoFacts, content_type_for, probe_video
from gitops_publisher.preflight import media_summary

DATA = Path(__file__).parent.parent / "data" / "media"
EXAMPLES = Path(__file__).parent.parent.parent / "examples" / "media"


@pytest.mark.parametrize(
    ("name", "container", "video", "audio", "fps", "duration_ms"),
    [
        ("valid_h264_aac.mp4", "mp4", "h264", "aac", 30.0, 3500),
        ("valid_h264_aac.mov", "mov", "h264", "aac", 30.0, 3500),
        ("valid_vp9_opus.webm", "webm", "vp9", "opus", 30.0, 3508),
        ("valid_hevc_aac.mp4", "mp4", "h265", "aac", 30.0, 3500),
        ("invalid_mpeg4_part2.mp4", "mp4", "MPEG-4 Visual", "aac", 30.0, 3500),
        ("invalid_15fps.mp4", "mp4", "h264", "aac", 15.0, 3534),
        ("short_2s.mp4", "mp4", "h264", "aac", 30.0, 2000),
    ],
)
def test_probe_reads_container_codecs_fps_and_duration(
    name: str, container: str, video: str, audio: str, fps: float, duration_ms: int
) -> None:
    path = DATA / name
    facts = probe_video(path)
    assert facts == VideoFacts(
        container=container,
        video_codec=video,
        audio_codec=audio,
        width=540,
        height=960,
        rotation=0,
        fps=fps,
        duration_ms=duration_ms,
        size_bytes=path.stat().st_size,
        truncated=False,
    )


def test_probe_reads_a_small_resolution() -> None:
    facts = probe_video(DATA / "invalid_200x200.mp4")
    assert (facts.width, facts.height) == (200, 200)


def test_probe_flags_a_file_cut_in_half() -> None:
    facts = probe_video(DATA / "invalid_truncated.mp4")
    assert facts.truncated
    assert facts.video_codec == "h264"


def test_every_example_video_is_vertical_h264_aac_mp4() -> None:
    videos = sorted(EXAMPLES.glob("*.mp4"))
    assert len(videos) >= 4
    for path in videos:
        facts = probe_video(path)
        assert (facts.container, facts.video_codec, facts.audio_codec) == ("mp4", "h264", "aac")
        assert (facts.width, facts.height) == (540, 960)
        assert 24 <= (facts.fps or 0) <= 30
        assert 3500 <= facts.duration_ms <= 8000
        assert not facts.truncated


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("invalid_empty.mp4", "is empty (0 bytes), not a video"),
        ("invalid_text.mp4", "is not a video (no recognisable container)"),
        ("invalid_audio_only.mp4", "is a file with no video track (MPEG-4 container)"),
        (
            "invalid_truncated_no_index.mp4",
            "is a file with no video track (MPEG-4 container) (the file is truncated)",
        ),
    ],
)
def test_unreadable_files_raise_a_clear_probe_error(name: str, problem: str) -> None:
    path = DATA / name
    with pytest.raises(MediaProbeError) as caught:
        probe_video(path)
    assert str(caught.value) == f"{path} {problem}"
    assert caught.value.path == path
    assert caught.value.about_content
    assert isinstance(caught.value, PublisherError)


def test_missing_file_is_a_probe_error_not_cached_as_content(tmp_path: Path) -> None:
    with pytest.raises(MediaProbeError, match="missing") as caught:
        probe_video(tmp_path / "nope.mp4")
    assert not caught.value.about_content
    assert "video:" in caught.value.hint


def test_git_lfs_pointer_says_to_fetch_lfs(tmp_path: Path) -> None:
    pointer = tmp_path / "launch.mp4"
    pointer.write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        "size 12345\n"
    )
    with pytest.raises(MediaProbeError, match="Git LFS pointer") as caught:
        probe_video(pointer)
    assert "git lfs pull" in caught.value.hint


def test_directory_is_not_a_video(tmp_path: Path) -> None:
    with pytest.raises(MediaProbeError):
        probe_video(tmp_path)


def test_facts_survive_a_json_round_trip() -> None:
    facts = probe_video(DATA / "valid_vp9_opus.webm")
    assert VideoFacts.from_json(facts.to_json()) == facts


def test_summary_is_what_a_reviewer_reads() -> None:
    facts = probe_video(DATA / "valid_h264_aac.mp4")
    text = media_text(media_summary(facts))
    assert text == "3.5 s · 540x960 · h264/aac · 30 fps · 21.2 KB · 1 chunk"


def test_rotation_swaps_display_size() -> None:
    facts = VideoFacts("mp4", "h264", "aac", 1920, 1080, 90, 30.0, 5000, 1000)
    assert (facts.display_width, facts.display_height) == (1080, 1920)


@pytest.mark.parametrize(
    ("container", "content_type"),
    [("mp4", "video/mp4"), ("mov", "video/quicktime"), ("webm", "video/webm")],
)
def test_upload_content_type_per_container(container: str, content_type: str) -> None:
    assert content_type_for(container) == content_type


def test_no_upload_content_type_for_other_containers() -> None:
    with pytest.raises(ValueError, match="MP4, MOV, WebM"):
        content_type_for("mkv")


def test_probing_module_is_the_only_one_importing_pymediainfo() -> None:
    package = Path(__file__).parent.parent.parent / "gitops_publisher"
    importers = [
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "import pymediainfo" in p.read_text() or "from pymediainfo" in p.read_text()
    ]
    assert importers == ["media/probe.py"]
