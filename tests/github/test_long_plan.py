"""A plan too long for one comment, end to end: continued, and merged as it was shown.

The Action's comments are limited to 65,536 characters each; these tests make the limit
6,000 (``plan_comments``' ``limit``, as the Action calls it) so that the example project's
plan, with a few long captions, needs several comments without publishing a hundred posts.
"""

from __future__ import annotations

import functools
import json

import pytest
from pinned_git import commit_all

from gitops_publisher.core.reviewed import REVIEWABLE
from gitops_publisher.escape import html_text
from gitops_publisher.github import plan_comments as comments_module
from gitops_publisher.github.plan_comments import MAX_COMMENTS, part_number, shown_blocks
from gitops_publisher.github.plan_comments import plan_comments as real_plan_comments
from gitops_publisher.github.report import marker, reviewed_in

from .conftest import BOT, Checkout, RunAction, Stub
from .test_reviewed import merge, plan_of, published

LIMIT = 6_000


def cap(monkeypatch: pytest.MonkeyPatch, comments: int = MAX_COMMENTS) -> None:
    """Comments of :data:`LIMIT` characters, at most ``comments`` of them for a plan."""
    small = functools.partial(real_plan_comments, limit=LIMIT, max_comments=comments)
    monkeypatch.setattr(comments_module, "plan_comments", small)


@pytest.fixture
def small_comments(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    cap(monkeypatch)
    return monkeypatch


def long_posts(checkout: Checkout, count: int = 4) -> None:
    for index in range(count):
        words = " ".join(f"step{index}-{n}" for n in range(150))  # about 1,400 characters
        lines = ["version: 1", f"id: long-{index}", "accounts: [devrel]"]
        lines += ["video: media/tutorial-part1.mp4", f'caption: "{words} #tutorial"']
        (checkout.work / "posts" / f"long-{index}.yaml").write_text("\n".join(lines) + "\n")
    commit_all(checkout.work, "a launch with long captions")


def ours(stub: Stub) -> tuple[dict[str, object], dict[int, str]]:
    """The sticky comment, and each continuation's body by part number."""
    mine = [c for c in stub.comments.values() if c["user"]["login"] == BOT]
    (sticky,) = [c for c in mine if c["body"].startswith(marker("."))]
    parts = {part_number(c["body"], "."): c["body"] for c in mine if c is not sticky}
    assert None not in parts
    return sticky, parts  # type: ignore[return-value]


def test_a_long_plan_continues_in_comments_and_its_merge_publishes_all_it_showed(
    action: RunAction, stub: Stub, checkout: Checkout, small_comments: pytest.MonkeyPatch
) -> None:
    long_posts(checkout)
    review = action("pull_request", "pull_request.json")
    assert review.result.exit_code == 0, review.log
    sticky, parts = ours(stub)
    assert len(parts) >= 2 and sorted(parts) == list(range(2, len(parts) + 2))
    bodies = [str(sticky["body"]), *(parts[n] for n in sorted(parts))]
    assert all(len(body) <= LIMIT for body in bodies)
    assert "(continued)" in parts[2]
    shown = reviewed_in(bodies[0])
    assert shown is not None
    planned = plan_of(review)
    reviewable = {a for a, act in planned.items() if act in {x.value for x in REVIEWABLE}}
    assert set(shown.posts) == reviewable  # every post, each shown whole in some comment
    for address in reviewable:
        assert any(html_text(address) in shown_blocks(body) for body in bodies)
    assert [m for m, _ in stub.writes()] == ["POST"] * (1 + len(parts))
    assert "plan comment part 2 created" in review.log

    merge(checkout, stub, pull_request=7)
    run = action("push", "push_main.json")
    assert run.result.exit_code == 0, run.log
    assert run.outputs["not_reviewed"] == "[]"
    due = {a for a, act in planned.items() if act == "create"}
    assert {f"long-{i}@devrel" for i in range(4)} <= due
    assert published(checkout) == due


def test_a_later_push_updates_the_comments_in_place_and_deletes_those_no_longer_needed(
    action: RunAction, stub: Stub, checkout: Checkout, small_comments: pytest.MonkeyPatch
) -> None:
    long_posts(checkout)
    assert action("pull_request", "pull_request.json").result.exit_code == 0
    sticky, parts = ours(stub)
    for index in range(1, 4):
        (checkout.work / "posts" / f"long-{index}.yaml").unlink()
    commit_all(checkout.work, "fewer posts")
    before = len(stub.writes())
    again = action("pull_request", "pull_request.json")
    assert again.result.exit_code == 0, again.log
    sticky_after, parts_after = ours(stub)
    assert sticky_after["id"] == sticky["id"]  # the same comment, updated
    assert 1 <= len(parts_after) < len(parts)
    methods = [m for m, _ in stub.writes()[before:]]
    assert methods == ["PATCH"] * (1 + len(parts_after)) + ["DELETE"] * (
        len(parts) - len(parts_after)
    )
    assert "plan comment part" in again.log and "deleted" in again.log


def test_a_merge_approves_nothing_of_a_continuation_deleted_before_it(
    action: RunAction, stub: Stub, checkout: Checkout, small_comments: pytest.MonkeyPatch
) -> None:
    long_posts(checkout)
    review = action("pull_request", "pull_request.json")
    assert review.result.exit_code == 0, review.log
    _, parts = ours(stub)
    (gone,) = [c for c in stub.comments.values() if part_number(c["body"], ".") == 2]
    unseen = {a for a in plan_of(review) if html_text(a) in shown_blocks(gone["body"])}
    due_unseen = sorted(a for a in unseen if plan_of(review)[a] == "create")
    assert due_unseen
    del stub.comments[gone["id"]]  # a maintainer deleted it: nobody can see those posts now
    merge(checkout, stub, pull_request=7)
    run = action("push", "push_main.json")
    assert run.result.exit_code == 0, run.log
    assert json.loads(run.outputs["not_reviewed"]) == due_unseen
    assert not published(checkout) & unseen
    assert f"{len(unseen)} post(s) of its reviewed plan are not approved" in run.log


def test_a_plan_longer_than_all_its_comments_approves_only_what_they_show(
    action: RunAction, stub: Stub, checkout: Checkout, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap(monkeypatch, 2)
    long_posts(checkout)
    review = action("pull_request", "pull_request.json")
    assert review.result.exit_code == 0, review.log
    sticky, parts = ours(stub)
    assert list(parts) == [2]
    body = str(sticky["body"])
    shown = reviewed_in(body)
    assert shown is not None
    planned = plan_of(review)
    reviewable = {a for a, act in planned.items() if act in {x.value for x in REVIEWABLE}}
    not_shown = sorted(reviewable - set(shown.posts))
    assert not_shown
    assert f"⛔ **{len(not_shown)} post(s) this plan publishes are NOT approved" in body
    assert "The full plan is in the [run summary]" in parts[2]
    assert "split the pull request" in body
    assert f"{len(not_shown)} post(s) of this plan are not approved by merging" in review.log
    for address in not_shown:
        assert f"- `{address}`" in review.summary

    merge(checkout, stub, pull_request=7)
    run = action("push", "push_main.json")
    assert run.result.exit_code == 0, run.log
    due = {a for a, act in planned.items() if act == "create"}
    refused = sorted(due & set(not_shown))
    assert refused and json.loads(run.outputs["not_reviewed"]) == refused
    assert published(checkout) == due - set(refused)
