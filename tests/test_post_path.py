"""``bench/post_path.py`` still measures: the traced apply reaches its first chunk PUT.

Both counts are checked: the wide one (every function of ours the apply runs) and the post's
own path (the calls given the post's data, ``PostTrace``), whose rules a small program pins
down. docs/architecture.md quotes their figures; a rename of the start function or a change
of the upload that made it count nothing would otherwise go unnoticed until someone re-ran it.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "post_path.py"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One traced apply's report (both counts come from the same run)."""
    done = subprocess.run(
        [sys.executable, str(BENCH), "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=tmp_path_factory.mktemp("post-path"),
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def test_the_path_count_reaches_the_put_through_every_layer(report: dict[str, Any]) -> None:
    assert report["reached_put"]
    folders = set(report["folder_list"])
    assert {"core", "workspace", "apply"} <= folders
    assert any(f.startswith("providers/") for f in folders)
    assert not any(f.startswith("sandbox") for f in folders)  # the emulator is not the path
    assert report["chain_list"][-1].startswith("providers/")  # our last frame sends the PUT
    assert report["functions"] >= 50
    # code run by an import (module and class bodies) is counted apart, not as functions
    assert report["imports"] > 0
    assert report["with_imports"] == report["functions"] + report["imports"]
    assert not any(name.endswith(":<module>") for name in report["function_list"])


def test_the_post_s_own_path_is_counted_apart_and_narrower(report: dict[str, Any]) -> None:
    post = report["post"]
    assert post["reached_put"]
    assert post["seeded_by"].startswith("workspace/")  # the YAML loader's mapping
    assert post["received_at_put"]  # the call that sends the PUT was given the post
    assert post["chain_list"][-1].startswith("* providers/")
    steps = [step.split("(")[0] for step in post["step_list"]]
    assert len(steps) == post["steps"] >= post["functions"]
    assert steps.index("core/desired.py:draft_posts") < steps.index("core/planner.py:plan")
    assert any(step.startswith("apply/engine.py:") for step in steps)
    # narrower than the wide count, and inside it
    assert post["functions"] < report["functions"]
    assert set(post["function_list"]) <= set(report["function_list"])
    assert set(post["folder_list"]) <= set(report["folder_list"])
    # the account's own path (its tokens, named by the post) is not the post's
    assert not any("token_store" in step or "token_client" in step for step in steps)
    # a TikTok post's handle (its publish_id) is never a session: no step of its path asks
    # whether its record or its handle holds one (Platform.sealed_handles is None)
    sealing = ("core/sessions.py:", "providers/sealing.py:", "core/handles.py:is_")
    assert [step for step in steps if step.startswith(sealing)] == []


def _bench_module() -> Any:
    spec = importlib.util.spec_from_file_location("post_path_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    path = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = path  # the script puts bench/ first for its own imports
    return module


FLOW = """
import asyncio
from dataclasses import dataclass

STATE = {"records": []}


@dataclass
class Desired:
    id: str
    video: str


class Holder:
    def __init__(self, post):
        self.post = post

    def method(self):
        return 1


def load():
    return [
        {
            "version": 1,
            "id": "first",
            "accounts": ["brand-us"],
            "video": "media/first.mp4",
            "caption": "One post, followed from its YAML to the first PUT #bench",
            "privacy": "SELF_ONLY",
        }
    ]


def resolve(doc):
    return Desired(doc["id"], doc["video"])


def keep(state, post):
    return state


def untouched(value):
    return value


async def send(desired):
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    return untouched(desired.video)


def run():
    (doc,) = load()
    post = resolve(doc)
    state = keep(STATE, post)
    untouched(state)
    untouched(doc["accounts"][0])
    untouched(1)
    Holder(post).method()
    asyncio.run(send(post))
"""


def test_a_step_is_a_call_given_the_post_and_nothing_else(tmp_path: Path) -> None:
    bench = _bench_module()
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "flow.py").write_text(FLOW, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        flow = importlib.import_module("pkg.flow")
        trace = bench.PostTrace(package)
        bench.traced(flow.run, trace)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("pkg.flow", None)
        sys.modules.pop("pkg", None)
    report = trace.report()
    assert report["seeded_by"] == "flow.py:load"
    # resolve gets the mapping; keep gets the post but hands back the state it was given, so
    # the state is not the post (untouched(state) is no step); the account's name alone, a
    # number, and a method of an object that merely holds the post are no steps; a coroutine
    # resumed three times is one step, and what it passes on (the post's video) is one more
    assert report["step_list"] == [
        "flow.py:resolve(doc)",
        "flow.py:keep(post)",
        "flow.py:Holder.__init__(post)",
        "flow.py:send(desired)",
        "flow.py:untouched(value)",
    ]
    assert (report["steps"], report["functions"], report["files"]) == (5, 5, 1)
