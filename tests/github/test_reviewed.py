"""Merging publishes what was reviewed (design §12): the Action end to end, on the sandbox.

The pull request's plan comment records what it would publish; the merge run publishes only
those posts, as they were reviewed, and keeps the approvals on the state branch so that a
schedule publishes a reviewed post when it comes due, and nothing unreviewed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pinned_git import commit_all

from gitops_publisher import planning
from gitops_publisher.core.plan import Plan
from gitops_publisher.core.reviewed import reviewed_from_plan
from gitops_publisher.github.report import marker, reviewed_in, reviewed_line

from .conftest import BOT, Checkout, RunAction, Stub, git

PARTNER = "posts/launch/partner.yaml"


def merge(checkout: Checkout, stub: Stub, *, pull_request: int | None) -> str:
    """What the push to main is: the checkout's HEAD, merged as ``pull_request`` (or not)."""
    sha = git(checkout.work, "rev-parse", "HEAD").strip()
    if pull_request is not None:
        stub.pulls_by_sha[sha] = [pull_request]
    return sha


def add_post(work: Path, name: str, post_id: str, **fields: str) -> None:
    lines = [
        "version: 1",
        f"id: {post_id}",
        "accounts: [devrel]",
        "video: media/tutorial-part1.mp4",
        f'caption: "{post_id} #tutorial"',
        *(f"{key}: {value}" for key, value in fields.items()),
    ]
    (work / "posts" / name).write_text("\n".join(lines) + "\n")


def published(checkout: Checkout) -> set[str]:
    records = checkout.state_on_branch()["resources"]
    return {a for a, r in records.items() if r["status"] in ("published", "inbox")}


def test_a_merge_publishes_only_what_the_pull_requests_plan_showed(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    review = action("pull_request", "pull_request.json")
    assert review.result.exit_code == 0, review.log
    (comment,) = stub.comments.values()
    shown = reviewed_in(comment["body"])
    assert shown is not None and shown.pull_request == 7
    assert shown.head == "1" * 40
    assert "partner-collab@brand-us" in shown.posts
    assert "tutorial-part2@devrel" in shown.posts  # scheduled: approved for later
    assert "🔏 Merging publishes the posts this plan shows" in comment["body"]

    # after the review, before the merge: a caption changes and a post is added
    partner = checkout.work / PARTNER
    partner.write_text(partner.read_text().replace("made this with us", "made this for us"))
    add_post(checkout.work, "late.yaml", "late-addition")
    commit_all(checkout.work, "after the review")
    merge(checkout, stub, pull_request=7)

    run = action("push", "push_main.json")
    assert run.result.exit_code == 0, run.log
    refused = ["late-addition@devrel", "partner-collab@brand-us"]
    assert json.loads(run.outputs["not_reviewed"]) == refused
    done = published(checkout)
    assert not done & set(refused)
    due = {a for a, c in plan_of(review).items() if c == "create"}
    assert done == due - set(refused)
    assert int(run.outputs["published"]) == len(done) >= 5
    assert (
        "::warning::partner-collab@brand-us: not reviewed: open a pull request: it changed "
        "after the reviewed plan"
    ) in run.log
    assert (
        "::warning::late-addition@devrel: not reviewed: open a pull request: no merged pull "
        "request's plan showed it"
    ) in run.log
    assert "**2 post(s) not reviewed: open a pull request**" in run.summary
    assert "- `partner-collab@brand-us`: it changed after the reviewed plan" in run.summary

    # the same merge run again (a re-run of the job) publishes nothing more
    again = action("push", "push_main.json")
    assert again.outputs["published"] == "0"
    assert json.loads(again.outputs["not_reviewed"]) == refused


def test_a_schedule_publishes_a_reviewed_post_when_due_and_refuses_an_unreviewed_one(
    action: RunAction, stub: Stub, checkout: Checkout, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert action("pull_request", "pull_request.json").result.exit_code == 0
    merge(checkout, stub, pull_request=7)
    merged = action("push", "push_main.json")
    assert merged.result.exit_code == 0, merged.log
    assert "tutorial-part2@devrel" not in published(checkout)  # due 2027-01-15
    first = checkout.branch_log()[-1]  # the oldest commit: the approvals, before any record
    assert first.startswith("publisher: update the state's ")  # (and its endpoint binding)
    assert first.endswith("approvals of reviewed plans")

    # a push straight to main, skipping pull requests, schedules another post
    add_post(checkout.work, "sneaky.yaml", "sneaky", publish_at="2027-01-10T09:00:00Z")
    commit_all(checkout.work, "straight to main")
    merge(checkout, stub, pull_request=None)
    direct = action("push", "push_main.json")
    assert direct.result.exit_code == 0, direct.log
    assert "a push that skipped pull requests approves nothing new" in direct.log
    assert direct.outputs["published"] == "0"

    monkeypatch.setattr(planning, "utc_now", lambda: datetime(2027, 1, 16, tzinfo=UTC))
    scheduled = action("schedule", "schedule.json")
    assert scheduled.result.exit_code == 0, scheduled.log
    assert scheduled.outputs["published"] == "1"
    assert "tutorial-part2@devrel" in published(checkout)
    assert "sneaky@devrel" not in checkout.state_on_branch()["resources"]
    assert json.loads(scheduled.outputs["not_reviewed"]) == ["sneaky@devrel"]
    assert "::warning::sneaky@devrel: not reviewed: open a pull request" in scheduled.log


def test_a_push_without_a_merged_pull_request_publishes_nothing(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    run = action("push", "push_main.json")  # no pull request was merged as this commit
    assert run.result.exit_code == 0, run.log
    assert run.outputs["published"] == "0"
    assert "launch-teaser@brand-us" in json.loads(run.outputs["not_reviewed"])
    assert not checkout.branch_exists()  # nothing recorded, nothing published


def test_a_reviewed_plan_in_someone_elses_comment_is_not_trusted(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    planned = action("pull_request", "pull_request.json", comment="false")
    assert stub.comments == {}
    forged = reviewed_from_plan(
        Plan.model_validate_json(planned.outputs["plan_json"]), pull_request=7
    )
    body = f"{marker('.')}\n{reviewed_line(forged)}\n\nLooks good to me"
    stub.add_comment(7, body, login="mallory")
    stub.add_comment(7, f"quoting it:\n{body}", login=BOT)  # ours, but not at the start
    merge(checkout, stub, pull_request=7)
    run = action("push", "push_main.json")
    assert run.result.exit_code == 0, run.log
    assert "pull request #7 has no reviewed plan for `.`" in run.log
    assert run.outputs["published"] == "0"
    assert not checkout.branch_exists()


def test_a_fork_pull_request_records_nothing_so_its_merge_publishes_nothing_unreviewed(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    fork = action("pull_request", "pull_request_fork.json", github_token="read-only")
    assert fork.result.exit_code == 0, fork.log
    assert stub.comments == {}  # a fork's token cannot comment, so it records nothing
    assert "merging it publishes none of its posts" in fork.summary
    merge(checkout, stub, pull_request=7)
    run = action("push", "push_main.json")
    assert run.outputs["published"] == "0"
    assert json.loads(run.outputs["not_reviewed"])
    assert "Open a pull request from a branch of this repository" in run.summary


def test_reviewed_only_false_publishes_what_the_plan_says(
    action: RunAction, checkout: Checkout
) -> None:
    run = action("push", "push_main.json", reviewed_only="false")
    assert run.result.exit_code == 0, run.log
    assert int(run.outputs["published"]) >= 5
    assert run.outputs["not_reviewed"] == "[]"


def plan_of(run: object) -> dict[str, str]:
    """address -> action of a run's plan output."""
    outputs = run.outputs  # type: ignore[attr-defined]
    return {c["address"]: c["action"] for c in json.loads(outputs["plan_json"])["changes"]}
