"""The engine takes the reviewed set as a value: a publish outside it is never attempted."""

from __future__ import annotations

from dataclasses import replace

from gitops_publisher.apply.events import Outcome
from gitops_publisher.apply.run import execute
from gitops_publisher.core.reviewed import NOT_REVIEWED, review_fingerprint
from gitops_publisher.planning import make_plan

from .harness import PostSpec, assert_exactly_once, connection


def test_the_engine_refuses_a_publish_outside_the_reviewed_set_whatever_the_plan_says(
    project, emulator, tokens
):
    root = project(
        ["brand-us"],
        [
            PostSpec("reviewed", ["brand-us"]),
            PostSpec("other", ["brand-us"], video="media/tutorial-part2.mp4"),
        ],
    )
    planned = make_plan(root, sandbox=False)  # unrestricted: both are `create`
    fingerprint = planned.plan.fingerprints["reviewed@brand-us"]
    approved = {"reviewed@brand-us": review_fingerprint(fingerprint)}
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        with planned.store.lock(purpose="apply"):
            report = execute(
                replace(planned, reviewed=approved), connection(em, tokens), emit=print
            )
        outcomes = {r.address: (r.outcome, r.message) for r in report.results}
        assert outcomes["reviewed@brand-us"][0] is Outcome.PUBLISHED
        assert outcomes["other@brand-us"] == (Outcome.NOT_ATTEMPTED, NOT_REVIEWED)
        inits = [r for r in em.requests() if r["endpoint"].endswith("init")]
        assert len(inits) == 1
        assert_exactly_once(root, em.posts(), {"reviewed@brand-us": "media/tutorial-part1.mp4"})
