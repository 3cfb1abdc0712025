"""inspect_video: one call giving the facts to show and every problem to report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gitops_publisher.media import VideoFacts, probe_video
from gitops_publisher.preflight import inspect_video

DATA = Path(__file__).parent.parent / "data" / "media"


def test_valid_video_reports_facts_and_no_issue() -> None:
    report = inspect_video(DATA / "valid_h264_aac.mov")
    assert report.ok
    assert report.issues == ()
    assert report.facts is not None
    assert report.facts.container == "mov"


def test_short_video_is_ok_with_a_warning() -> None:
    report = inspect_video(DATA / "short_2s.mp4")
    assert report.ok
    assert [i.severity for i in report.issues] == ["warning"]


def test_unreadable_file_is_an_error_issue_not_an_exception() -> None:
    report = inspect_video(DATA / "invalid_empty.mp4")
    assert not report.ok
    assert report.facts is None
    (issue,) = report.issues
    assert issue.property == "file"
    assert issue.message("media/x.mp4") == (
        "media/x.mp4: file is empty (0 bytes), not a video; "
        "TikTok needs a complete video file: MP4, MOV or WebM"
    )


def test_missing_file_message_says_what_to_check(tmp_path: Path) -> None:
    (issue,) = inspect_video(tmp_path / "nope.mp4").issues
    assert issue.message() == (
        "file is missing (file not found); TikTok needs a complete video file: MP4, MOV or "
        "WebM; check the manifest's `video:` path"
    )


def test_creator_limit_is_passed_to_the_rules() -> None:
    report = inspect_video(DATA / "valid_h264_aac.mp4", max_duration_sec=3)
    assert [(i.severity, i.property) for i in report.issues] == [("error", "duration")]


def test_cache_is_used_when_content_id_and_directory_are_given(tmp_path: Path) -> None:
    calls: list[Path] = []

    def probe(path: Path) -> VideoFacts:
        calls.append(path)
        return probe_video(path)

    for _ in range(3):
        report = inspect_video(
            DATA / "valid_hevc_aac.mp4", content_id="e" * 40, cache_dir=tmp_path, probe=probe
        )
        assert report.ok
    assert len(calls) == 1


def test_importing_the_media_package_does_not_load_pymediainfo() -> None:
    code = "import sys, gitops_publisher.media; print('pymediainfo' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
