"""``publisher preview --plan PLANFILE``: the cover frames of what a saved plan publishes."""

from __future__ import annotations

import json
import struct
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from gitops_publisher.core.state import Record, State
from gitops_publisher.workspace.state_file import dump_state

from .projects import CONFIG

pytest.importorskip("av")  # the [preview] extra; CI installs it through [test]

Run = Callable[..., Result]
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

POSTS = {
    "posts/new.yaml": """\
version: 1
id: fresh
accounts: [brand-us, brand-uk]
video: media/launch-teaser.mp4
caption: "Meet the new drop"
cover_timestamp_ms: 2500
""",
    "posts/later.yaml": """\
version: 1
id: far-future
accounts: [brand-us]
video: media/tutorial-part1.mp4
caption: "Scheduled"
publish_at: 2099-06-01T13:00:00Z
""",
    "posts/known.yaml": """\
version: 1
id: kept
accounts: [brand-us]
video: media/tutorial-part2.mp4
caption: "Already out"
---
version: 1
id: edited
accounts: [brand-uk]
video: media/customer-story.mp4
caption: "Edited after publishing"
---
version: 1
id: again
accounts: [brand-us]
video: media/behind-the-scenes.mp4
caption: "Published, to be published anew"
cover_timestamp_ms: 1000
---
version: 1
id: retrying
accounts: [brand-uk]
video: media/tutorial-part1.mp4
caption: "An init that never recorded a publish_id"
---
version: 1
id: stuck
accounts: [brand-us]
video: media/tutorial-part2.mp4
caption: "Processing when the last run stopped"
""",
}

#: create (2), replace, retry: the changes that upload a video.
PUBLISHING = ["again@brand-us", "fresh@brand-uk", "fresh@brand-us", "retrying@brand-uk"]


def record_for(change: dict[str, Any], **fields: Any) -> Record:
    values = {
        "post_id": change["post_id"],
        "account": change["account"],
        "status": "published",
        "fingerprint": change["fingerprint"],
        "mode": change["mode"],
        "video": change["video"],
        "publish_id": f"v_pub_file~{change['post_id']}",
        "created_at": T0,
        "updated_at": T0,
        "published_at": T0,
    }
    return Record.model_validate(values | fields)


def write_state(root: Path, records: list[Record]) -> None:
    resources = {each.address: each for each in records}
    state = State(lineage="11111111-2222-4333-8444-555555555555", serial=3, resources=resources)
    path = root / ".publisher" / "state.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dump_state(state))


def save_plan(publisher: Run, root: Path, *args: str) -> tuple[Path, dict[str, str]]:
    """``publisher plan -o`` into the repo; the planned action per address."""
    path = root / "plan.json"
    result = publisher("-C", root, "plan", "-o", path, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    actions = {c["address"]: c["action"] for c in json.loads(result.stdout)["changes"]}
    return path, actions


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
def repo(make_repo: Callable[..., Any], publisher: Run) -> Path:
    """New, scheduled, published, drifted, retried, resumed and orphaned posts."""
    root: Path = make_repo({"publisher.yaml": CONFIG, **POSTS}).root
    _, first = save_plan(publisher, root)
    assert set(first.values()) == {"create", "wait"}
    plan = json.loads((root / "plan.json").read_text(encoding="utf-8"))
    changes = {c["address"]: c for c in plan["changes"]}
    write_state(
        root,
        [
            record_for(changes["kept@brand-us"]),
            record_for(changes["edited@brand-uk"], fingerprint="sha256:before-the-edit"),
            record_for(changes["again@brand-us"]),
            record_for(changes["retrying@brand-uk"], status="initiating", publish_id=None),
            record_for(changes["stuck@brand-us"], status="processing"),
            record_for(changes["kept@brand-us"], post_id="removed", publish_id="v_pub_file~9"),
        ],
    )
    (root / "plan.json").unlink()
    return root


def test_previews_exactly_the_addresses_the_saved_plan_publishes(
    repo: Path, publisher: Run, tmp_path: Path
) -> None:
    plan_file, actions = save_plan(publisher, repo, "--replace", "again@brand-us")
    assert actions == {
        "again@brand-us": "replace",
        "edited@brand-uk": "drift",
        "far-future@brand-us": "wait",
        "fresh@brand-uk": "create",
        "fresh@brand-us": "create",
        "kept@brand-us": "noop",
        "removed@brand-us": "orphan",
        "retrying@brand-uk": "retry",
        "stuck@brand-us": "resume",
    }
    out = tmp_path / "covers"
    result = publisher("-C", repo, "preview", "--plan", plan_file, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [f"{a}.png" for a in PUBLISHING]
    for path in out.iterdir():
        assert png_size(path) == (540, 960)
    lines = result.stdout.splitlines()
    assert [line.split("  ")[0] for line in lines] == [f"Wrote {out / a}.png" for a in PUBLISHING]
    assert lines[0].endswith("cover 1000 ms: frame at 1.000 s, 540x960")  # again
    assert lines[1].endswith("cover 2500 ms: frame at 2.500 s, 540x960")  # fresh
    assert lines[3].endswith("cover 0 ms: frame at 0.000 s, 540x960")  # retrying: unset


def test_the_default_directory_is_the_projects_preview_directory(
    repo: Path, publisher: Run
) -> None:
    plan_file, _ = save_plan(publisher, repo, "--target", "fresh")
    result = publisher("-C", repo, "preview", "--plan", plan_file)
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (repo / ".publisher" / "preview").iterdir())
    assert written == ["fresh@brand-uk.png", "fresh@brand-us.png"]


def test_a_plan_that_publishes_nothing_says_so_and_succeeds_without_pyav(
    repo: Path, publisher: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_file, actions = save_plan(publisher, repo, "--target", "kept", "--target", "stuck")
    assert sorted(actions.values()) == ["noop", "resume"]
    monkeypatch.setitem(sys.modules, "av", None)  # nothing is decoded, so PyAV is not needed
    result = publisher("-C", repo, "preview", "--plan", plan_file)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Nothing to preview: {plan_file} publishes no video (no create, replace or retry).\n"
    )
    assert not (repo / ".publisher" / "preview").exists()


def test_a_plan_older_than_the_manifests_is_refused(repo: Path, publisher: Run) -> None:
    plan_file, _ = save_plan(publisher, repo, "--target", "fresh")
    (repo / "posts" / "new.yaml").unlink()
    result = publisher("-C", repo, "preview", "--plan", plan_file)
    assert result.exit_code == 1
    assert "the plan publishes fresh@brand-uk, which is no longer in the manifests" in (
        result.stderr
    )
    assert "hint: make the plan again: `publisher plan -o FILE`" in result.stderr


def test_a_file_that_is_not_a_plan_is_refused(repo: Path, publisher: Run) -> None:
    (repo / "notes.json").write_text('{"hello": 1}\n', encoding="utf-8")
    result = publisher("-C", repo, "preview", "--plan", repo / "notes.json")
    assert result.exit_code == 1
    assert "is not a plan file of this version of gitops-publisher" in result.stderr


@pytest.mark.parametrize(
    "args", [("--all",), ("fresh@brand-us",), ("--all", "fresh@brand-us")], ids=str
)
def test_plan_goes_alone(repo: Path, publisher: Run, args: tuple[str, ...]) -> None:
    plan_file, _ = save_plan(publisher, repo)
    result = publisher("-C", repo, "preview", "--plan", plan_file, *args)
    assert result.exit_code == 1
    assert "or pass --all or --plan PLANFILE (only one)" in result.stderr
    assert not (repo / ".publisher" / "preview").exists()


def test_help_names_the_actions_that_are_previewed(publisher: Run) -> None:
    result = publisher("preview", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "--plan PLANFILE" in text
    assert "create, replace and retry changes (the ones that upload a video)" in text
