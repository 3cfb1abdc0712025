from datetime import UTC, datetime, timedelta

from gitops_publisher.apply.scheduler import next_due, run_until_done
from gitops_publisher.core.plan import Action, Change, Plan

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _plan(*changes: Change) -> Plan:
    return Plan(created_at=T0, lineage="l", serial=0, changes=list(changes))


def _wait(post: str, at: datetime) -> Change:
    return Change(
        address=f"{post}@a", post_id=post, account="a", action=Action.WAIT, reason="", publish_at=at
    )


def test_next_due_is_the_earliest_waiting_post() -> None:
    plan = _plan(_wait("b", T0 + timedelta(hours=2)), _wait("a", T0 + timedelta(hours=1)))
    assert next_due(plan) == T0 + timedelta(hours=1)
    assert next_due(_plan()) is None


def test_waits_until_each_scheduled_post_is_due_then_stops() -> None:
    clock = [T0]
    slept: list[float] = []
    schedule = [T0 + timedelta(minutes=30), T0 + timedelta(hours=2)]
    rounds: list[datetime] = []

    def run_once() -> Plan:
        rounds.append(clock[0])
        pending = [_wait(f"p{i}", at) for i, at in enumerate(schedule) if at > clock[0]]
        return _plan(*pending)

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += timedelta(seconds=seconds)

    count = run_until_done(run_once, now=lambda: clock[0], sleep=sleep, on_wait=lambda _due: None)
    assert count == 3
    assert rounds == [T0, schedule[0], schedule[1]]
    # never one nap longer than 5 minutes, so manifest changes are picked up
    assert max(slept) <= 300


def test_the_wait_names_the_posts_due_next_at_their_accounts_local_time() -> None:
    from gitops_publisher.apply.scheduler import waiting_line

    due = T0 + timedelta(hours=1)
    local = "2026-12-01 05:00 EST (America/New_York)"
    plan = _plan(
        _wait("later", T0 + timedelta(hours=2)),
        _wait("teaser", due).model_copy(update={"publish_at_local": local}),
        _wait("promo", due).model_copy(update={"publish_at_local": local}),
    )
    assert waiting_line(plan) == (
        f"Waiting until {local} for teaser@a, promo@a (Ctrl-C stops safely)."
    )
    assert waiting_line(_plan()) is None
