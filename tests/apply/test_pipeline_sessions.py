"""An account's pipeline interrupted with publishes at different phases, then rerun.

The fake platform and virtual clock of ``test_pipeline.py``, its starts spaced so that the
account's publishes are at different phases when the run is killed or the token dies.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from gitops_publisher.apply.events import Outcome
from gitops_publisher.apply.pipeline import Limits
from gitops_publisher.core import handles
from gitops_publisher.core.ports import Quota
from gitops_publisher.errors import AuthError
from gitops_publisher.providers.fake import Script

from .test_pipeline import Killed, Pipeline, outcomes, post, slow_fake

SPACED = (Quota("starts", 1, timedelta(seconds=2)),)  # one start every ~3 s: phases differ


def test_five_sessions_killed_at_different_phases_finish_in_one_rerun_with_fewer_in_flight(
    tmp_path: Path,
) -> None:
    """Proves what the TikTok-like kill test cannot: a rerun with a smaller ``in_flight``
    goes on with every recorded session (one cut mid-transfer, one whose bytes all arrived
    and whose outcome was being asked) from where the platform says it is, with no new
    start for any of them, in one run; only the publish killed before its handle was
    recorded, and the one not started yet, start (once).
    """
    fake = slow_fake(default=Script(resumable=True), capability=True)
    world = Pipeline(tmp_path, fake, Limits(in_flight=5, quotas=SPACED))
    posts = [post(n) for n in range(5)]

    def kill_at_the_fourth_start(method: str, handle: str) -> None:
        if method == "start" and fake.count("start") == 4:
            raise Killed

    fake.on_call = kill_at_the_fourth_start
    with pytest.raises(Killed):
        world.apply(posts)
    fake.on_call = None
    at_kill = {a: (r.status, r.publish_id) for a, r in world.store.read().resources.items()}
    # One publish settled, one killed while its outcome was asked, one mid-transfer, the
    # fourth start's intent only (no handle); the fifth was waiting for the start window.
    assert sorted(s for s, _ in at_kill.values()) == [
        "initiating",
        "processing",
        "published",
        "uploading",
    ]
    by_digest = {handles.digest(h): p for h, p in fake.publishes.items()}  # sealed, closed
    received = sorted(by_digest[handles.digest(h)].received for _, h in at_kill.values() if h)
    assert received == [0, 1000, 1000]  # the killed transfer kept nothing (the fake's is atomic)
    starts_before = fake.count("start")

    world.limits = Limits(in_flight=2, quotas=SPACED)
    results = world.apply(posts)

    assert {o for _, o in outcomes(results)} == {Outcome.PUBLISHED}
    stored = world.store.read().resources
    assert {r.status for r in stored.values()} == {"published"}
    for address, (_, handle) in at_kill.items():
        if handle is not None:  # a recorded session is finished, never replaced
            assert handles.same(stored[address].publish_id, handle)
            assert stored[address].history == []
    # New starts only for the intent without a handle and the post never started.
    assert fake.count("start") - starts_before == 2
    published = fake.published()
    assert len(published) == 5
    assert sorted(map(handles.digest, published)) == sorted(
        handles.digest(r.publish_id or "") for r in stored.values()
    )


def test_a_token_refused_while_polling_leaves_every_started_publish_to_the_rerun(
    tmp_path: Path,
) -> None:
    """Proves what the stop-at-a-start tests do not: the token dies while one publish is
    asked for its outcome and another is mid-transfer (TikTok-like: only this run could send
    its bytes). The transfer in progress goes on to its end and is recorded; no publish
    waiting for the start window starts; every handle is in the state; the rerun (fewer in
    flight) settles each recorded publish and starts only those never started, once each.
    """
    fake = slow_fake()
    world = Pipeline(tmp_path, fake, Limits(in_flight=5, quotas=SPACED))
    posts = [post(n) for n in range(5)]
    refused: list[str] = []

    def token_dies_at_the_first_poll(method: str, handle: str) -> None:
        if method == "outcome":
            refused.append(handle)
            raise AuthError("account brand-us: token refresh refused: invalid_grant (fake)")

    fake.on_call = token_dies_at_the_first_poll
    results = world.apply(posts)
    fake.on_call = None
    by_address = dict(outcomes(results))
    # p00's first poll was refused (t=6) while p01 was mid-transfer and p02 waited for the
    # start window (t=6.5); p01's transfer ended, then its poll was refused too.
    assert [by_address[f"p{n:02d}@brand-us"] for n in range(5)] == [Outcome.FAILED] * 2 + [
        Outcome.NOT_ATTEMPTED
    ] * 3
    assert refused == [world.record(0).publish_id, world.record(1).publish_id]
    stored = world.store.read().resources
    # The publishes started before the stop kept their handles and went as far as they could.
    started = {a: r for a, r in stored.items() if r.publish_id is not None}
    assert sorted(started) == ["p00@brand-us", "p01@brand-us"]
    assert {r.status for r in started.values()} == {"processing"}
    assert set(fake.published()) == {r.publish_id for r in started.values()}
    assert sorted(stored) == sorted(started)  # no intent for the others: never started

    world.limits = Limits(in_flight=2, quotas=SPACED)
    rerun = world.apply(posts)
    assert {o for _, o in outcomes(rerun)} == {Outcome.PUBLISHED}
    stored = world.store.read().resources
    assert all(stored[a].publish_id == r.publish_id for a, r in started.items())
    assert fake.count("start") == 5 and len(fake.published()) == 5
