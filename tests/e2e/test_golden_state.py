"""A state written by the engine before the provider port still plans ``noop`` after it.

``tests/golden/state/applied-before-port.json`` is the sandbox state that ``publisher
--sandbox apply --yes`` wrote, with the code of 2026-12-04 before the engine went through
the provider port (``core/ports.py``), for the project :data:`POSTS` builds: public,
private, friends-only and draft posts over two accounts. The same project planned by the
code of today must find nothing to do: every fingerprint and record reads as before.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from apply.harness import PostSpec, committed_project

from gitops_publisher.core.plan import Action
from gitops_publisher.planning import make_plan

GOLDEN = Path(__file__).parent.parent / "golden" / "state" / "applied-before-port.json"
ACCOUNTS = ["brand-us", "brand-uk"]
POSTS = [
    PostSpec("teaser", ACCOUNTS, privacy="PUBLIC_TO_EVERYONE"),
    PostSpec("tutorial", ["brand-us"], video="media/tutorial-part2.mp4", privacy="SELF_ONLY"),
    PostSpec("story-draft", ["brand-uk"], video="media/customer-story.mp4", mode="draft"),
    PostSpec(
        "friends", ["brand-us"], video="media/customer-story.mp4", privacy="MUTUAL_FOLLOW_FRIENDS"
    ),
]


def _project(tmp_path: Path) -> Path:
    root = committed_project(tmp_path / "content", ACCOUNTS, POSTS)
    state = root / ".publisher" / "sandbox" / "state.json"
    state.parent.mkdir(parents=True)
    shutil.copyfile(GOLDEN, state)
    return root


def test_the_golden_state_covers_every_kind_of_post() -> None:
    resources = json.loads(GOLDEN.read_text())["resources"]
    assert sorted(resources) == [
        "friends@brand-us",
        "story-draft@brand-uk",
        "teaser@brand-uk",
        "teaser@brand-us",
        "tutorial@brand-us",
    ]
    assert {r["status"] for r in resources.values()} == {"published", "inbox"}


def test_a_state_written_before_the_port_plans_noop(tmp_path: Path) -> None:
    planned = make_plan(_project(tmp_path), sandbox=True)
    assert {c.address: c.action for c in planned.plan.changes} == {
        address: Action.NOOP for address in json.loads(GOLDEN.read_text())["resources"]
    }
    assert not planned.plan.has_changes and not planned.plan.errors


def test_the_command_finds_nothing_to_do(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = _project(tmp_path)
    before = (root / ".publisher" / "sandbox" / "state.json").read_bytes()
    result = cli(root, "--sandbox", "plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    applied = cli(root, "--sandbox", "apply", "--yes")
    assert applied.exit_code == 0, applied.output
    assert (root / ".publisher" / "sandbox" / "state.json").read_bytes() == before
