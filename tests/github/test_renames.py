"""The Action and renamed post ids: the PR comment flags a probable rename; a merged rename
with previous_ids moves the records on the state branch and is not reported as published.

The pushes apply without the reviewed-plan gate (``reviewed-only: false``): what is checked
here is the rename, whichever plan the merge applies."""

from __future__ import annotations

from .conftest import Checkout, RunAction, Stub, git

TEASER = "posts/launch/teaser.yaml"


def rename_teaser(checkout: Checkout, previous: bool) -> None:
    path = checkout.work / TEASER
    text = path.read_text(encoding="utf-8").replace("id: launch-teaser ", "id: teaser-2026 ")
    if previous:
        text = text.replace("accounts:", "previous_ids: [launch-teaser]\naccounts:", 1)
    path.write_text(text, encoding="utf-8")
    git(checkout.work, "commit", "-qam", "rename the teaser")


def test_a_rename_is_flagged_in_the_comment_then_moved_on_merge(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    first = action("push", "push_main.json", args="--target launch-teaser", reviewed_only="false")
    assert first.result.exit_code == 0, first.log
    assert first.outputs["published"] == "3"

    rename_teaser(checkout, previous=False)
    pr = action("pull_request", "pull_request.json", args="--target teaser-2026")
    assert pr.result.exit_code == 0, pr.log
    (comment,) = stub.comments.values()
    assert "probable rename of" in comment["body"] and "launch-teaser@brand-us" in comment["body"]
    assert "this would post the same video again" in comment["body"]
    refused = action("push", "push_main.json", args="--target teaser-2026", reviewed_only="false")
    assert refused.result.exit_code == 1
    assert "refusing to post the same video again" in refused.log
    assert refused.outputs["published"] == "0"

    rename_teaser(checkout, previous=True)
    merged = action("push", "push_main.json", args="--target teaser-2026", reviewed_only="false")
    assert merged.result.exit_code == 0, merged.log
    assert merged.outputs["published"] == "0"  # moved, not published
    records = checkout.state_on_branch()["resources"]
    assert {"teaser-2026@brand-us", "teaser-2026@brand-uk"} <= set(records)
    assert not {"launch-teaser@brand-us", "launch-teaser@brand-uk"} & set(records)
