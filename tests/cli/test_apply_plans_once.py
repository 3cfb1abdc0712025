"""``publisher apply`` plans once, from the state it read under the state lock (design §12).

Until 2026-12-04 it planned twice: once before taking the lock (a plan nobody used) and once
under it. The one plan left must still be made under the lock, so that what is published is
planned from the state no other run can change meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

import gitops_publisher.planning as planning

LOCK = Path(".publisher") / "sandbox" / "state.json.lock"


def _watch_planner(monkeypatch: pytest.MonkeyPatch, root: Path) -> list[bool]:
    """Each call of the planner, as whether the state lock was held when it ran."""
    calls: list[bool] = []
    real = planning.compute_plan

    def watched(*args: Any, **kwargs: Any) -> Any:
        calls.append((root / LOCK).exists())
        return real(*args, **kwargs)

    monkeypatch.setattr(planning, "compute_plan", watched)
    return calls


def test_apply_plans_once_and_under_the_lock(
    content_repo: Any, publisher: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLISHER_SANDBOX_TIME_SCALE", "200")
    root = content_repo.root
    calls = _watch_planner(monkeypatch, root)

    result = publisher("-C", root, "apply", "--sandbox", "--yes")

    assert result.exit_code == 0, result.output
    assert calls == [True]  # one plan, made while this run held the lock
    assert not (root / LOCK).exists()  # released


def test_state_import_plans_once_and_under_the_lock(
    content_repo: Any, publisher: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = content_repo.root
    calls = _watch_planner(monkeypatch, root)

    result = publisher(
        "-C", root, "--sandbox", "state", "import", "launch-teaser@brand-us", "v_pub_file~v2-1.1"
    )

    assert result.exit_code == 1  # the sandbox knows no such publish: refused after the plan
    assert "invalid_publish_id" in result.output
    assert calls == [True]


def test_a_held_lock_refuses_apply_before_any_plan(
    content_repo: Any, publisher: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = content_repo.root
    calls = _watch_planner(monkeypatch, root)
    planned_before = planning.open_project(root, sandbox=True)
    with planned_before.store.lock(purpose="another apply"):
        result = publisher("-C", root, "apply", "--sandbox", "--yes")

    assert result.exit_code == 1, result.output
    assert "another apply" in result.output  # who holds it
    assert calls == []  # nothing was planned from a state another run may be changing
