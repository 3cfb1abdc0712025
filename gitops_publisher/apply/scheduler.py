"""``apply --wait``: keep running and publish each scheduled post when it comes due."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from gitops_publisher.core.plan import Action, Plan

MAX_NAP_SECONDS = 300.0  # re-plan at least this often, so manifest changes are seen


def next_due(plan: Plan) -> datetime | None:
    """The earliest ``publish_at`` among the plan's waiting posts, or None."""
    times = [c.publish_at for c in plan.changes if c.action is Action.WAIT and c.publish_at]
    return min(times) if times else None


def run_until_done(
    run_once: Callable[[], Plan],
    *,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    on_wait: Callable[[datetime], None],
) -> int:
    """Call ``run_once`` (plan + apply) until no post waits; sleep until the next one is due.

    Returns the number of rounds run. Ctrl-C (KeyboardInterrupt) propagates from ``sleep``;
    between rounds the state is consistent.
    """
    rounds = 0
    while True:
        plan = run_once()
        rounds += 1
        due = next_due(plan)
        if due is None:
            return rounds
        on_wait(due)
        while (remaining := (due - now()).total_seconds()) > 0:
            sleep(min(remaining, MAX_NAP_SECONDS))
