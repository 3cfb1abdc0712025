"""Drift shows what changed: a published post's caption edited, in every plan format.

The post is really published (``apply --sandbox``), so its record holds what was sent; the
edit is then planned as ``drift`` with a field-level before/after, like ``terraform plan``.
``--detailed-exitcode`` exits 0 for drift and orphans: apply would do nothing for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import Result

from gitops_publisher.workspace.state_file import dump_state, load_state

from .projects import CONFIG

Run = Callable[..., Result]
SCHEMA = Path(__file__).resolve().parents[2] / "schema" / "plan.schema.json"
POST = """\
version: 1
id: launch
accounts: [brand-us]
video: media/launch-teaser.mp4
caption: "{caption}"
privacy: {privacy}
"""
STATE = Path(".publisher/sandbox/state.json")


@pytest.fixture
def edited(make_repo: Callable[..., Any], publisher: Run, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A published post whose caption and privacy were then edited."""
    monkeypatch.setenv("PUBLISHER_SANDBOX_TIME_SCALE", "200")
    post = POST.format(caption="First words #launch", privacy="SELF_ONLY")
    repo = make_repo({"publisher.yaml": CONFIG, "posts/launch.yaml": post})
    applied = publisher("-C", repo.root, "apply", "--sandbox", "--yes")
    assert applied.exit_code == 0, applied.output
    sent = json.loads((repo.root / STATE).read_text())["resources"]["launch@brand-us"]["sent"]
    assert sent["caption"] == "First words #launch" and sent["privacy"] == "SELF_ONLY"
    assert "token" not in json.dumps(sent).lower()  # what was sent, never a credential
    changed = POST.format(caption="Second thoughts | #launch", privacy="MUTUAL_FOLLOW_FRIENDS")
    repo.write("posts/launch.yaml", changed)
    repo.commit("edit the caption")
    return repo.root


def test_the_text_plan_shows_each_changed_field_sent_and_now(edited: Path, publisher: Run) -> None:
    result = publisher("-C", edited, "--sandbox", "plan", "--no-media-checks")
    assert result.exit_code == 0, result.output
    assert "launch@brand-us  drift" in result.stdout
    assert '~ caption  "First words #launch" -> "Second thoughts | #launch"' in result.stdout
    assert "~ privacy  SELF_ONLY -> MUTUAL_FOLLOW_FRIENDS" in result.stdout
    assert "interactions" not in result.stdout  # unchanged fields are not listed


def test_the_json_plan_carries_the_diff_under_its_schema(edited: Path, publisher: Run) -> None:
    result = publisher("-C", edited, "--sandbox", "plan", "--format", "json", "--no-media-checks")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(document)
    (change,) = document["changes"]
    assert change["action"] == "drift"
    assert change["diff"] == [
        {"field": "caption", "before": "First words #launch", "after": "Second thoughts | #launch"},
        {"field": "privacy", "before": "SELF_ONLY", "after": "MUTUAL_FOLLOW_FRIENDS"},
    ]


def test_the_markdown_plan_shows_a_table_of_what_changed(edited: Path, publisher: Run) -> None:
    result = publisher("-C", edited, "--sandbox", "plan", "--format", "markdown")
    assert result.exit_code == 0, result.output
    md = result.stdout
    assert "<code>launch@brand-us</code>: what changed since it was published" in md
    assert "| field | sent | now |" in md
    assert '| `caption` | `"First words #launch"` | `"Second thoughts \\| #launch"` |' in md
    assert "| `privacy` | `SELF_ONLY` | `MUTUAL_FOLLOW_FRIENDS` |" in md


def test_a_record_written_before_snapshots_says_so_instead_of_guessing(
    edited: Path, publisher: Run
) -> None:
    path = edited / STATE
    state = load_state(path.read_bytes(), source="test")
    record = state.resources["launch@brand-us"].model_copy(update={"sent": None})
    path.write_bytes(dump_state(state.with_record(record)))
    text = publisher("-C", edited, "--sandbox", "plan", "--no-media-checks").stdout
    assert "what was sent is not recorded (the record predates December 2026)" in text
    assert "->" not in text
    md = publisher("-C", edited, "--sandbox", "plan", "--format", "markdown").stdout
    assert "what was sent is not recorded" in md and "| field | sent | now |" not in md
    document = json.loads(publisher("-C", edited, "--sandbox", "plan", "--format", "json").stdout)
    assert document["changes"][0]["action"] == "drift" and document["changes"][0]["diff"] is None


def test_detailed_exitcode_is_0_for_drift_and_orphans(edited: Path, publisher: Run) -> None:
    drift = publisher("-C", edited, "--sandbox", "plan", "--detailed-exitcode")
    assert drift.exit_code == 0, drift.output
    (edited / "posts" / "launch.yaml").unlink()
    orphan = publisher("-C", edited, "--sandbox", "plan", "--detailed-exitcode")
    assert "launch@brand-us  orphan" in orphan.stdout
    assert orphan.exit_code == 0, orphan.output
