"""Resumable sessions (YouTube-like handles) in an account's pipeline, killed and rerun.

The fake platform and virtual clock of ``test_pipeline.py``; here every handle is a
capability that can transfer by itself (a YouTube session URI), so a rerun can finish what a
killed run left at any phase, without a new start.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from gitops_publisher.apply.events import Outcome
from gitops_publisher.apply.pipeline import Limits
from gitops_publisher.core.ports import Quota
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
    received = sorted(fake.publishes[h].received for _, h in at_kill.values() if h)
    assert received == [0, 1000, 1000]  # the killed transfer kept nothing (the fake's is atomic)
    starts_before = fake.count("start")

    world.limits = Limits(in_flight=2, quotas=SPACED)
    results = world.apply(posts)

    assert {o for _, o in outcomes(results)} == {Outcome.PUBLISHED}
    stored = world.store.read().resources
    assert {r.status for r in stored.values()} == {"published"}
    for address, (_, handle) in at_kill.items():
        if handle is not None:  # a recorded session is finished, never replaced
            assert stored[address].publish_id == handle
            assert stored[address].history == []
    # New starts only for the intent without a handle and the post never started.
    assert fake.count("start") - starts_before == 2
    published = fake.published()
    assert len(published) == 5
    assert sorted(published) == sorted(r.publish_id or "" for r in stored.values())
