"""What a record says it came from is handed in: the engine reads no ``GITHUB_*`` variable."""

from __future__ import annotations

import pytest

from gitops_publisher.apply.run import execute
from gitops_publisher.core.state import Provenance
from gitops_publisher.planning import make_plan

from .harness import PostSpec, connection, read_state


def test_each_record_carries_the_origin_it_was_given_and_the_plan_hash(
    project, emulator, tokens, monkeypatch: pytest.MonkeyPatch
):
    # A CI run's variables in this process: an engine that read them would record these.
    monkeypatch.setenv("GITHUB_SHA", "f" * 40)
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/else")
    monkeypatch.setenv("GITHUB_RUN_ID", "999")
    monkeypatch.setenv("PUBLISHER_PULL_REQUEST", "999")
    root = project(["brand-us"], [PostSpec("first", ["brand-us"])])
    planned = make_plan(root, sandbox=False)
    origin = Provenance(commit="a" * 40, pull_request=7, run_url="https://ci.example/runs/1")
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        with planned.store.lock(purpose="apply"):
            lock = planned.store.held_lock()
            execute(planned, connection(em, tokens), emit=lambda _e: None, origin=origin)
    record = read_state(root).resources["first@brand-us"]
    assert record.provenance == Provenance(
        commit="a" * 40,
        plan_hash=planned.plan.plan_hash(),
        pull_request=7,
        run_url="https://ci.example/runs/1",
        lock=lock,  # the state lock the run held: a later run holding it knows it ended
    )
    assert lock is not None and planned.store.held_lock() is None  # released
