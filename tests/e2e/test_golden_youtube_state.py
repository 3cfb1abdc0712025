"""A state whose YouTube records hold plain session URIs (before 2026-12-04) still plans ``noop``.

``tests/golden/state/youtube-before-seal.json`` is the sandbox state that ``publisher
--sandbox apply --yes`` wrote, with the code of 2026-12-04 before upload sessions were
sealed (``core/handles.py``), for the project :data:`POSTS` builds: a post on a TikTok
account and a YouTube channel, and a post on the channel alone. Its YouTube records keep
their session URIs as they are. Planned by the code of today it has nothing to do; the
first apply that records anything closes those sessions (their post is recorded), keeping
what outputs show of them and their digests.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

from apply.harness import PostSpec, committed_project

from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core import handles
from gitops_publisher.core.plan import Action
from gitops_publisher.planning import make_plan, open_project
from gitops_publisher.providers.fake import FakeSealer

GOLDEN = Path(__file__).parent.parent / "golden" / "state" / "youtube-before-seal.json"
POSTS = [
    PostSpec("teaser", ["brand-us", "studio"], privacy="PUBLIC_TO_EVERYONE"),
    PostSpec("short", ["studio"], video="media/customer-story.mp4"),
]
STATE = Path(".publisher") / "sandbox" / "state.json"


def _project(tmp_path: Path) -> Path:
    root = committed_project(tmp_path / "content", ["brand-us"], POSTS, youtube=["studio"])
    (root / STATE).parent.mkdir(parents=True)
    shutil.copyfile(GOLDEN, root / STATE)
    return root


def test_the_golden_state_holds_plain_session_uris() -> None:
    resources = json.loads(GOLDEN.read_text())["resources"]
    assert sorted(resources) == ["short@studio", "teaser@brand-us", "teaser@studio"]
    assert {r["status"] for r in resources.values()} == {"published"}
    assert "upload_id=" in resources["short@studio"]["publish_id"]


def test_a_state_written_before_the_seal_plans_noop(tmp_path: Path) -> None:
    planned = make_plan(_project(tmp_path), sandbox=True)
    assert {c.address: c.action for c in planned.plan.changes} == {
        address: Action.NOOP for address in json.loads(GOLDEN.read_text())["resources"]
    }
    assert not planned.plan.has_changes and not planned.plan.errors


def test_a_noop_apply_leaves_the_state_as_it_is(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = _project(tmp_path)
    before = (root / STATE).read_bytes()
    result = cli(root, "--sandbox", "plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    result = cli(root, "--sandbox", "apply", "--yes")
    assert result.exit_code == 0, result.output
    assert (root / STATE).read_bytes() == before  # nothing to record: not rewritten


def test_the_first_write_of_an_apply_closes_the_old_sessions(tmp_path: Path) -> None:
    """What the engine's state box does with the golden state when it records a post."""
    root = _project(tmp_path)
    opened = open_project(root, sandbox=True)
    old = json.loads((root / STATE).read_text())["resources"]
    with opened.store.lock(purpose="apply"):
        state = opened.store.read()
        box = StateBox(opened.store, state, sealer=FakeSealer())
        later = state.resources["teaser@brand-us"].model_copy(update={"post_id": "later"})
        asyncio.run(box.put(later))
    text = (root / STATE).read_text()
    assert "upload_id" not in text and "http://" not in text
    new = json.loads(text)["resources"]
    for address in ("short@studio", "teaser@studio"):
        assert handles.is_closed(new[address]["publish_id"])
        assert handles.same(new[address]["publish_id"], old[address]["publish_id"])
        assert {k: v for k, v in new[address].items() if k != "publish_id"} == {
            k: v for k, v in old[address].items() if k != "publish_id"
        }
    assert new["teaser@brand-us"] == old["teaser@brand-us"]  # TikTok's publish_id as it is
    assert make_plan(root, sandbox=True).plan.counts() == {"noop": 3, "orphan": 1}  # "later"
