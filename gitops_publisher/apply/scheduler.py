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


def waiting_line(plan: Plan) -> str | None:
    """The line ``apply --wait`` prints while it sleeps, or None when nothing waits.

    ``Waiting until 2026-12-07 09:00 EST (America/New_York) for teaser@brand-us (…)``: the
    next due time as the plan shows it (the first due post's account zone), and its posts.
    """
    due = next_due(plan)
    if due is None:
        return None
    waiting = [c for c in plan.changes if c.action is Action.WAIT and c.publish_at == due]
    names = ", ".join(c.address for c in waiting[:3]) + (" …" if len(waiting) > 3 else "")
    when = waiting[0].publish_at_local or due.isoformat()
    return f"Waiting until {when} for {names} (Ctrl-C stops safely)."


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
