"""Reviewed plans, pure: what a pull request's plan approves, and what a restricted apply does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from gitops_publisher.core.plan import Action
from gitops_publisher.core.reviewed import (
    NOT_REVIEWED,
    ReviewedPlan,
    merge_approvals,
    review_fingerprint,
    reviewed_from_plan,
    unreviewed,
)
from gitops_publisher.core.state import Approval, State

from .test_planner import NOW, actions, desired, make, record, state_of


def approved_of(reviewed: ReviewedPlan) -> dict[str, str]:
    return {a: x.fingerprint for a, x in merge_approvals({}, reviewed).items()}


def test_a_plan_approves_what_it_publishes_now_or_later_and_nothing_else() -> None:
    posts = [
        *desired("now", ("brand-us", "brand-uk")),
        *desired("later", publish_at=NOW + timedelta(days=3)),
        *desired("done"),
    ]
    plan = make(posts, state_of(record(posts[-1])))
    reviewed = reviewed_from_plan(plan, pull_request=7, head="abc")
    assert sorted(reviewed.posts) == ["later@brand-us", "now@brand-uk", "now@brand-us"]
    assert reviewed.posts["now@brand-us"] == review_fingerprint(posts[0].fingerprint)
    assert reviewed.posts["now@brand-us"].startswith("sha256:")
    assert len(reviewed.posts["now@brand-us"]) == len("sha256:") + 16
    assert (reviewed.pull_request, reviewed.plan_hash) == (7, plan.plan_hash())


def test_a_restricted_plan_keeps_reviewed_publishes_and_refuses_changed_or_new_ones() -> None:
    reviewed_posts = [*desired("kept"), *desired("edited", caption="as reviewed")]
    reviewed = reviewed_from_plan(make(reviewed_posts), pull_request=7)
    now_posts = [*desired("kept"), *desired("edited", caption="changed later"), *desired("new")]
    restricted = make(now_posts, reviewed=approved_of(reviewed))
    assert actions(restricted) == {
        "edited@brand-us": Action.UNREVIEWED,
        "kept@brand-us": Action.CREATE,
        "new@brand-us": Action.UNREVIEWED,
    }
    reasons = {c.address: c.reason for c in restricted.changes}
    assert reasons["edited@brand-us"].startswith(NOT_REVIEWED + ": it changed after")
    assert reasons["new@brand-us"] == f"{NOT_REVIEWED}: no merged pull request's plan showed it"
    assert unreviewed(restricted) == ["edited@brand-us", "new@brand-us"]
    assert f"new@brand-us: {reasons['new@brand-us']}" in restricted.warnings
    assert restricted.has_changes  # kept@brand-us still publishes
    (quota,) = restricted.quotas
    assert quota.inits == 1  # only what is published counts against TikTok's limits


def test_a_scheduled_approval_publishes_when_due_and_an_unreviewed_one_is_refused() -> None:
    at = NOW + timedelta(days=10)
    reviewed = reviewed_from_plan(make(desired("launch", publish_at=at)), pull_request=3)
    later = [*desired("launch", publish_at=at), *desired("sneaky", publish_at=at)]
    approved = approved_of(reviewed)
    before_due = make(later, reviewed=approved)
    assert set(actions(before_due).values()) == {Action.WAIT}  # nothing to refuse yet
    due = make(later, now=at + timedelta(minutes=1), reviewed=approved)
    assert actions(due) == {"launch@brand-us": Action.CREATE, "sneaky@brand-us": Action.UNREVIEWED}


def test_resume_is_never_refused_and_nothing_reviewed_means_nothing_published() -> None:
    posts = [*desired("inflight"), *desired("fresh")]
    state = state_of(record(posts[0], status="uploading"))
    restricted = make(posts, state, reviewed={})
    assert actions(restricted) == {
        "fresh@brand-us": Action.UNREVIEWED,
        "inflight@brand-us": Action.RESUME,  # finishes a publish that started; sends nothing new
    }
    only_refused = make(desired("fresh"), reviewed={})
    assert not only_refused.has_changes
    assert only_refused.quotas == []


def test_a_fully_reviewed_plan_is_the_unrestricted_plan() -> None:
    state = State(lineage="l")
    plan = make(desired("a"), state)
    assert make(desired("a"), state, reviewed=approved_of(reviewed_from_plan(plan))) == plan


def test_a_later_merge_replaces_an_approval_and_keep_filters_a_shard() -> None:
    first = ReviewedPlan(pull_request=1, plan_hash="sha256:1", posts={"a@x": "sha256:aa"})
    second = ReviewedPlan(
        pull_request=2, plan_hash="sha256:2", posts={"a@x": "sha256:bb", "b@y": "sha256:cc"}
    )
    merged = merge_approvals(merge_approvals({}, first), second, keep=lambda a: a.endswith("@x"))
    assert merged == {
        "a@x": Approval(fingerprint="sha256:bb", pull_request=2, plan_hash="sha256:2")
    }


def test_approvals_live_in_the_state_envelope_only_when_there_are_some() -> None:
    state = State(lineage="l")
    assert "reviewed" not in state.model_dump(mode="json")  # an old state keeps its bytes
    approval = Approval(fingerprint="sha256:aa", pull_request=1)
    updated = state.with_reviewed({"a@x": approval})
    assert updated.serial == 1
    assert updated.with_reviewed({"a@x": approval}) is updated  # no change, no bump
    assert State.model_validate_json(updated.model_dump_json()) == updated


def test_a_reviewed_plan_with_a_bad_address_is_refused() -> None:
    with pytest.raises(ValidationError):
        ReviewedPlan(plan_hash="sha256:1", posts={"../x": "sha256:aa"})
