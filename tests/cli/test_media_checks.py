"""Media pre-flight and content policy in ``publisher validate`` and ``publisher plan``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from gitops_publisher.media import VideoFacts, probe_video
from gitops_publisher.workspace.project import MEDIA_CACHE_DIR, load_project

DATA = Path(__file__).parent.parent / "data" / "media"
Run = Callable[..., Result]
MakeRepo = Callable[..., Any]

CONFIG = """\
version: 1
accounts:
  brand-us: {refresh_token_env: TOKEN_US}
  brand-uk: {refresh_token_env: TOKEN_UK}
defaults:
  privacy: SELF_ONLY
"""


def manifest(post_id: str, video: str, caption: str = "hello", extra: str = "") -> str:
    # The video: value is on line 6, column 8.
    return (
        f"# {post_id}\nversion: 1\nid: {post_id}\naccounts: [brand-us]\n"
        f'caption: "{caption}"\nvideo: {video}\n{extra}'
    )


def repo_with(make_repo: MakeRepo, config: str = CONFIG, **posts: str) -> Any:
    files: dict[str, str | bytes] = {"publisher.yaml": config}
    for name, text in posts.items():
        files[f"posts/{name}.yaml"] = text
    for video in sorted(DATA.iterdir()):
        files[f"media/test/{video.name}"] = video.read_bytes()
    return make_repo(files)


@pytest.mark.parametrize(
    ("video", "message"),
    [
        ("invalid_15fps.mp4", "frame rate is 15 fps; TikTok accepts 23-60 fps"),
        ("invalid_200x200.mp4", "resolution is 200x200; TikTok accepts 360-4096 px"),
        ("invalid_audio_only.mp4", "file is a file with no video track (MPEG-4 container)"),
        ("invalid_empty.mp4", "file is empty (0 bytes), not a video"),
        ("invalid_mpeg4_part2.mp4", "video codec is MPEG-4 Visual (MPEG-4 Part 2)"),
        ("invalid_text.mp4", "file is not a video (no recognisable container)"),
        ("invalid_truncated.mp4", "file is truncated (it ends before the data"),
        (
            "invalid_truncated_no_index.mp4",
            "file is a file with no video track (MPEG-4 container) (the file is truncated)",
        ),
    ],
)
def test_each_bad_video_fails_validate_at_its_video_line(
    make_repo: MakeRepo, publisher: Run, video: str, message: str
) -> None:
    repo = repo_with(make_repo, bad=manifest("bad", f"media/test/{video}"))
    result = publisher("-C", repo.root, "validate")
    assert result.exit_code == 1
    assert f"posts/bad.yaml:6:8 video: media/test/{video}: {message}" in result.stderr
    assert "(1 error(s))" in result.stderr


def test_all_problems_are_collected_in_one_run(make_repo: MakeRepo, publisher: Run) -> None:
    repo = repo_with(
        make_repo,
        a=manifest("a", "media/test/invalid_15fps.mp4"),
        b=manifest("b", "media/test/invalid_text.mp4"),
        c=manifest("c", "media/test/valid_h264_aac.mp4", extra="privacy: NOBODY\n"),
    )
    result = publisher("-C", repo.root, "plan")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith("posts/a.yaml:6:8 video: ") for line in lines)
    assert any(line.startswith("posts/b.yaml:6:8 video: ") for line in lines)
    assert any(line.startswith("posts/c.yaml:7:10 privacy: ") for line in lines)
    assert "3 error(s)" in result.stderr


def test_warnings_are_printed_and_do_not_fail(make_repo: MakeRepo, publisher: Run) -> None:
    repo = repo_with(
        make_repo,
        a=manifest("a", "media/test/short_2s.mp4"),
        b=manifest("b", "media/test/short_2s.mp4"),
    )
    result = publisher("-C", repo.root, "validate")
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.stderr.splitlines() if "short_2s" in line]
    assert warning.startswith("warning: posts/a.yaml:6:8 video: media/test/short_2s.mp4: ")
    assert "duration is 2 s" in warning
    assert warning.endswith("(also used by 1 other post(s))")


def test_validate_lists_each_posts_video_facts(make_repo: MakeRepo, publisher: Run) -> None:
    repo = repo_with(
        make_repo,
        a=manifest("a", "media/test/valid_h264_aac.mp4"),
        b=manifest("b", "media/test/valid_vp9_opus.webm"),
    )
    result = publisher("-C", repo.root, "validate")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("  ")]
    assert [row[:2] for row in rows] == [
        ["a", "media/test/valid_h264_aac.mp4"],
        ["b", "media/test/valid_vp9_opus.webm"],
    ]
    assert "540x960" in rows[0] and "h264/aac" in rows[0]
    assert "vp9/opus" in rows[1]
    assert rows[0][-2:] == ["1", "chunk"]
    assert "Videos (2 distinct, checked against TikTok's media rules):" in result.stdout


def test_no_media_checks_skips_probing(make_repo: MakeRepo, publisher: Run) -> None:
    repo = repo_with(make_repo, bad=manifest("bad", "media/test/invalid_text.mp4"))
    result = publisher("-C", repo.root, "validate", "--no-media-checks")
    assert result.exit_code == 0, result.output
    assert "Media checks skipped (--no-media-checks)" in result.stderr
    assert "Videos" not in result.stdout
    planned = publisher("-C", repo.root, "plan", "--no-media-checks", "--format", "json")
    assert planned.exit_code == 0, planned.output
    assert json.loads(planned.stdout)["changes"][0]["media"] is None
    assert not (repo.root / MEDIA_CACHE_DIR).exists()


def test_plan_shows_media_facts_in_text_markdown_and_json(
    make_repo: MakeRepo, publisher: Run
) -> None:
    repo = repo_with(make_repo, a=manifest("a", "media/test/valid_hevc_aac.mp4"))
    text = publisher("-C", repo.root, "--no-color", "plan")
    assert text.exit_code == 0, text.output
    (row,) = [line for line in text.stdout.splitlines() if line.strip().startswith("media ")]
    assert "h265/aac" in row and "1 chunk" in row
    markdown = publisher("-C", repo.root, "plan", "--format", "markdown")
    assert "- **media**: " in markdown.stdout and "h265/aac" in markdown.stdout
    document = json.loads(publisher("-C", repo.root, "plan", "--format", "json").stdout)
    media = document["changes"][0]["media"]
    assert media["video_codec"] == "h265"
    assert media["chunk_count"] == 1
    assert media["size"] == (DATA / "valid_hevc_aac.mp4").stat().st_size


def test_warm_cache_probes_nothing(make_repo: MakeRepo, publisher: Run) -> None:
    repo = repo_with(
        make_repo,
        a=manifest("a", "media/test/valid_h264_aac.mp4"),
        b=manifest("b", "media/test/valid_h264_aac.mp4"),
        c=manifest("c", "media/test/short_2s.mp4"),
    )
    assert publisher("-C", repo.root, "validate").exit_code == 0
    entries = sorted((repo.root / MEDIA_CACHE_DIR).glob("*.json"))
    assert len(entries) == 2  # one per distinct video
    written = [entry.stat().st_mtime_ns for entry in entries]

    probes: list[Path] = []

    def probe(path: Path) -> VideoFacts:
        probes.append(path)
        return probe_video(path)

    project = load_project(repo.root, check_media=True, probe=probe)
    assert probes == []
    assert len(project.media) == 2
    assert [entry.stat().st_mtime_ns for entry in entries] == written


def test_policy_violations_are_positioned(make_repo: MakeRepo, publisher: Run) -> None:
    config = CONFIG + (
        "policy:\n"
        "  banned_terms: {terms: [guaranteed]}\n"
        "  max_hashtags: {limit: 1, severity: warning}\n"
        "  require_ai_generated: {}\n"
    )
    repo = repo_with(
        make_repo,
        config,
        a=manifest(
            "a",
            "media/test/valid_h264_aac.mp4",
            caption="Guaranteed results #one #two",
            extra="disclosure: {ai_generated: false}\n",
        ),
        b=manifest("b", "media/test/valid_h264_aac.mp4"),
    )
    result = publisher("-C", repo.root, "validate")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert (
        "posts/a.yaml:5:10 caption: caption contains 'guaranteed', banned by "
        "policy.banned_terms: remove or reword it"
    ) in lines
    assert (
        "warning: posts/a.yaml:5:10 caption: caption has 2 hashtags (defaults applied); "
        "policy.max_hashtags allows 1: remove some"
    ) in lines
    assert any(
        line.startswith("posts/b.yaml:2:1 disclosure.ai_generated: declare") for line in lines
    )
    assert "2 error(s)" in result.stderr


def test_policy_warnings_alone_do_not_fail(make_repo: MakeRepo, publisher: Run) -> None:
    config = CONFIG + "policy:\n  banned_terms: {terms: [sale], severity: warning}\n"
    repo = repo_with(
        make_repo, config, a=manifest("a", "media/test/valid_h264_aac.mp4", caption="sale")
    )
    result = publisher("-C", repo.root, "plan")
    assert result.exit_code == 0, result.output
    assert "warning: posts/a.yaml:5:10 caption: caption contains 'sale'" in result.stderr


def test_policy_naming_an_unknown_account_points_at_it(make_repo: MakeRepo, publisher: Run) -> None:
    config = CONFIG + "policy:\n  banned_terms:\n    accounts:\n      brand-fr: [x]\n"
    repo = repo_with(make_repo, config, a=manifest("a", "media/test/valid_h264_aac.mp4"))
    result = publisher("-C", repo.root, "validate")
    assert result.exit_code == 1
    assert (
        "publisher.yaml:10:7 policy.banned_terms.accounts.brand-fr: unknown account 'brand-fr'"
    ) in result.stderr


def test_a_cover_time_past_the_video_fails_validate_and_plan_at_its_line(
    make_repo: MakeRepo, publisher: Run
) -> None:
    video = "media/test/valid_h264_aac.mp4"
    duration = probe_video(DATA / "valid_h264_aac.mp4").duration_ms
    assert duration is not None
    late = manifest("late", video, extra=f"cover_timestamp_ms: {duration + 500}\n")
    fine = manifest("fine", video, extra=f"cover_timestamp_ms: {duration}\n")
    repo = repo_with(make_repo, late=late, fine=fine)
    for command in ("validate", "plan"):
        result = publisher("-C", repo.root, command)
        assert result.exit_code == 1, result.output
        assert (
            f"posts/late.yaml:7:21 cover_timestamp_ms: {duration + 500} ms is past the end of "
            f"{video} ({duration} ms long)" in result.stderr
        )
        assert "posts/fine.yaml" not in result.stderr


WITH_SHORTS = """\
version: 1
accounts:
  brand-us: {refresh_token_env: TOKEN_US}
  shorts: {provider: youtube, refresh_token_env: TOKEN_YT}
defaults:
  privacy: SELF_ONLY
  youtube: {privacy: private}
"""


@pytest.mark.parametrize(
    ("config", "accounts", "extra"),
    [
        # another field of the post is invalid: its cover time is checked all the same
        (CONFIG, "[brand-us]", "privacy: PUBLIC\n"),
        # a YouTube channel named first: the TikTok account still receives the cover time
        (WITH_SHORTS, "[shorts, brand-us]", ""),
    ],
    ids=["invalid-privacy", "youtube-first"],
)
def test_a_cover_time_past_the_video_is_reported_whatever_else_the_post_holds(
    make_repo: MakeRepo, publisher: Run, config: str, accounts: str, extra: str
) -> None:
    video = "media/test/valid_h264_aac.mp4"
    duration = probe_video(DATA / "valid_h264_aac.mp4").duration_ms
    assert duration is not None
    text = manifest("late", video, extra=f"cover_timestamp_ms: {duration + 500}\n{extra}")
    repo = repo_with(make_repo, config, late=text.replace("[brand-us]", accounts))
    result = publisher("-C", repo.root, "validate")
    assert result.exit_code == 1, result.output
    assert (
        f"posts/late.yaml:7:21 cover_timestamp_ms: {duration + 500} ms is past the end of "
        f"{video} ({duration} ms long)" in result.stderr
    )
