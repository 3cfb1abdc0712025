"""``publisher preview``: cover frames as PNG files, on the examples project in a real git repo."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from gitops_publisher.workspace.project import load_project

pytest.importorskip("av")  # the [preview] extra; CI installs it through [test]

Run = Callable[..., Result]
PREVIEW = Path(".publisher") / "preview"
TEASER = "posts/launch/teaser.yaml"  # cover_timestamp_ms: 1200 on line 9, value at column 21


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def set_cover(root: Path, value: str) -> None:
    path = root / TEASER
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("cover_timestamp_ms: 1200", value), encoding="utf-8")


def assert_clean_failure(result: Result) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_writes_the_cover_frame_at_cover_timestamp_ms(content_repo: Any, publisher: Run) -> None:
    root = content_repo.root
    result = publisher("-C", root, "preview", "launch-teaser@brand-us")
    assert result.exit_code == 0, result.output
    written = root / PREVIEW / "launch-teaser@brand-us.png"
    assert png_size(written) == (540, 960)
    assert result.stdout == (f"Wrote {written}  cover 1200 ms: frame at 1.200 s, 540x960\n")


def test_a_post_without_cover_timestamp_shows_the_first_frame(
    content_repo: Any, publisher: Run
) -> None:
    root = content_repo.root
    set_cover(root, "cover_timestamp_ms: 2500")
    result = publisher("-C", root, "preview", "launch-teaser@brand-us", "launch-day@brand-us")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("launch-teaser@brand-us.png  cover 2500 ms: frame at 2.500 s, 540x960")
    assert lines[1].endswith("launch-day@brand-us.png  cover 0 ms: frame at 0.000 s, 540x960")
    # Same video, different times: different pictures.
    teaser = (root / PREVIEW / "launch-teaser@brand-us.png").read_bytes()
    assert teaser != (root / PREVIEW / "launch-day@brand-us.png").read_bytes()


def test_all_writes_one_png_per_address_into_out(
    content_repo: Any, publisher: Run, tmp_path: Path
) -> None:
    root = content_repo.root
    out = tmp_path / "review"
    result = publisher("-C", root, "preview", "--all", "--out", out)
    assert result.exit_code == 0, result.output
    project = load_project(root)
    youtube = {name for name, provider in project.providers.items() if provider == "youtube"}
    every = sorted(str(post.address) for post in project.posts)
    addresses = [a for a in every if a.split("@")[1] not in youtube]
    shorts = [a for a in every if a.split("@")[1] in youtube]
    assert shorts  # the examples have a YouTube channel: it gets no PNG, and is said to
    assert sorted(p.name for p in out.iterdir()) == [f"{a}.png" for a in addresses]
    *wrote, skipped = result.stdout.splitlines()
    assert len(wrote) == len(addresses)
    assert skipped.startswith("Skipped: no cover preview for 3 address(es)")
    assert "YouTube" in skipped and skipped.endswith(", ".join(shorts) + ".")
    assert not (root / PREVIEW).exists()


def test_a_youtube_address_named_has_no_cover_and_nothing_is_written(
    content_repo: Any, publisher: Run
) -> None:
    """YouTube picks a Short's thumbnail itself: a PNG of cover_timestamp_ms would mislead."""
    root = content_repo.root
    result = publisher("-C", root, "preview", "launch-day@brand-us", "launch-day@acme-shorts")
    assert_clean_failure(result)
    assert "no cover preview for 1 address(es)" in result.stderr
    assert "launch-day@acme-shorts; nothing was written" in result.stderr
    assert "hint: name the post's TikTok addresses, or pass --all" in result.stderr
    assert not (root / PREVIEW).exists()


def test_a_cover_past_the_end_is_refused_at_its_line_and_nothing_is_written(
    content_repo: Any, publisher: Run
) -> None:
    root = content_repo.root
    set_cover(root, "cover_timestamp_ms: 9000")
    result = publisher("-C", root, "preview", "tutorial-part1@devrel", "launch-teaser@brand-us")
    assert_clean_failure(result)
    assert (
        f"{TEASER}:9:21 cover_timestamp_ms: 9000 ms is past the end of media/launch-teaser.mp4 "
        "(5000 ms long): choose a time from 0 to 5000" in result.stderr
    )
    assert "Error: no preview written" in result.stderr
    assert not (root / PREVIEW).exists()  # the valid address was not written either


def test_an_undecodable_video_is_named_at_the_manifests_video_field(
    content_repo: Any, publisher: Run
) -> None:
    root = content_repo.root
    (root / "media" / "launch-teaser.mp4").write_bytes(b"this is not a video\n")
    result = publisher("-C", root, "preview", "launch-teaser@brand-uk")
    assert_clean_failure(result)
    assert f"{TEASER}:5:8 video: media/launch-teaser.mp4 is not decodable by FFmpeg" in (
        result.stderr
    )


def test_an_unwritable_out_dir_is_a_clean_error(
    content_repo: Any, publisher: Run, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n", encoding="utf-8")
    result = publisher("-C", content_repo.root, "preview", "--all", "--out", blocker / "sub")
    assert_clean_failure(result)
    assert f"Error: cannot write {blocker / 'sub'}/" in result.stderr
    assert "hint: choose another --out DIR" in result.stderr


def test_an_unknown_address_says_where_to_see_addresses(content_repo: Any, publisher: Run) -> None:
    result = publisher("-C", content_repo.root, "preview", "launch-teaser@brand-fr")
    assert_clean_failure(result)
    assert "Error: no post launch-teaser@brand-fr in the manifests" in result.stderr
    assert "did you mean launch-teaser@brand-us, launch-teaser@brand-uk?" in result.stderr
    assert "run `publisher plan` to see every address" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "name the addresses to preview, or pass --all"),
        (("--all", "launch-teaser@brand-us"), "name the addresses to preview, or pass --all"),
        (("launch-teaser",), "'launch-teaser' is not an address"),
    ],
)
def test_what_to_preview_must_be_said(
    content_repo: Any, publisher: Run, args: tuple[str, ...], message: str
) -> None:
    result = publisher("-C", content_repo.root, "preview", *args)
    assert_clean_failure(result)
    assert message in result.stderr


def test_without_pyav_the_command_says_how_to_install_it(
    content_repo: Any, publisher: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "av", None)  # `import av` now raises ImportError
    result = publisher("-C", content_repo.root, "preview", "launch-teaser@brand-us")
    assert_clean_failure(result)
    assert result.stderr.startswith(
        "Error: publisher preview needs the optional dependency: "
        "pip install 'gitops-publisher[preview]'\n"
    )


def test_the_real_command_writes_a_png(content_repo: Any) -> None:
    root = content_repo.root
    done = subprocess.run(
        [sys.executable, "-m", "gitops_publisher", "preview", "tutorial-part1@devrel"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "Wrote .publisher/preview/tutorial-part1@devrel.png  cover 500 ms: frame at 0.500 s, "
        "540x960\n"
    )
    assert png_size(root / PREVIEW / "tutorial-part1@devrel.png") == (540, 960)


def test_help_and_other_commands_do_not_import_pyav(content_repo: Any) -> None:
    code = (
        "import sys\nfrom gitops_publisher.cli.main import cli\n"
        "for args in (['--help'], ['preview', '--help'], ['-C', sys.argv[1], 'validate']):\n"
        "    try:\n        cli.main(args, standalone_mode=False)\n"
        "    except SystemExit:\n        pass\n"
        "print('av' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(content_repo.root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"^  preview +Write a post's cover frame as PNG\.$", done.stdout, re.M)
    assert done.stdout.splitlines()[-1] == "False"
