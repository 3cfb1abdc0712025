"""The Action end to end: event payloads in, comment / outputs / state branch out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_publisher.sandbox.models import WorldData

from .conftest import TOKEN, Checkout, RunAction, Stub, git

NOTHING = {"has_changes": "false", "plan_json": "", "published": "0", "not_reviewed": "[]"}


def test_pull_request_plans_and_keeps_one_comment_updated_in_place(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    first = action("pull_request", "pull_request.json")
    assert first.result.exit_code == 0, first.log
    assert len(stub.comments) == 1
    (comment,) = stub.comments.values()
    assert comment["issue"] == 7
    assert comment["body"].startswith("<!-- gitops-publisher:plan:. -->")
    assert "launch-teaser@brand-us" in comment["body"]
    assert "create" in comment["body"]

    second = action("pull_request", "pull_request.json")
    assert second.result.exit_code == 0, second.log
    assert len(stub.comments) == 1  # updated, not duplicated
    assert [m for m, _ in stub.writes()] == ["POST", "PATCH"]
    assert "plan comment updated" in second.log

    assert first.outputs["has_changes"] == "true"
    assert first.outputs["published"] == "0"
    plan = json.loads(first.outputs["plan_json"])
    assert any(c["action"] == "create" for c in plan["changes"])
    assert "### publisher plan: `.`" in first.summary
    assert not checkout.branch_exists()  # a plan never writes state


def test_each_working_directory_has_its_own_comment(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    (checkout.work / "team-b").mkdir()
    for name in ("publisher.yaml", "posts", "media"):
        git(checkout.work, "mv", name, f"team-b/{name}")
    assert action("pull_request", "pull_request.json").result.exit_code == 1  # no project at .
    for _ in range(2):
        run = action("pull_request", "pull_request.json", working_directory="team-b")
        assert run.result.exit_code == 0, run.log
    bodies = sorted(c["body"].splitlines()[0] for c in stub.comments.values())
    assert bodies == [
        "<!-- gitops-publisher:plan:. -->",  # the failed plan says so in its own comment
        "<!-- gitops-publisher:plan:team-b -->",
    ]
    failed = next(c["body"] for c in stub.comments.values() if ":. -->" in c["body"])
    assert "The plan failed" in failed


def test_fork_pull_request_plans_offline_and_says_so(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    run = action(
        "pull_request",
        "pull_request_fork.json",
        github_token="read-only",
        TIKTOK_CLIENT_SECRET="",
    )
    assert run.result.exit_code == 0, run.log
    # The note names every platform the plan did not contact, each in its own title.
    assert run.summary.startswith(
        "> 🔒 This pull request comes from a fork: the plan ran without secrets and without "
        "contacting TikTok or YouTube. Nothing is published from pull requests; merging "
        "publishes.\n\n"
    )
    assert "tokens of fork pull requests are read-only" in run.summary
    assert stub.comments == {}
    assert "::notice::" in run.log
    assert run.outputs["has_changes"] == "true"
    assert not checkout.branch_exists()


def test_apply_is_refused_on_pull_requests(action: RunAction, checkout: Checkout) -> None:
    run = action("pull_request", "pull_request.json", command="apply")
    assert run.result.exit_code == 1
    assert "::error::apply never runs on `pull_request` events" in run.log
    assert run.outputs == NOTHING
    assert not checkout.branch_exists()


def test_push_to_main_publishes_and_records_state_on_the_branch(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    sha = git(checkout.work, "rev-parse", "HEAD").strip()
    stub.pulls_by_sha[sha] = [7]
    assert action("pull_request", "pull_request.json").result.exit_code == 0  # the review
    run = action("push", "push_main.json")
    assert run.result.exit_code == 0, run.log
    published = int(run.outputs["published"])
    assert published >= 5
    assert run.outputs["has_changes"] == "true"
    assert run.outputs["not_reviewed"] == "[]"
    assert "pull request #7: its reviewed plan shows" in run.log
    assert f"**{published} post(s) published**" in run.summary

    state = checkout.state_on_branch()
    records = state["resources"]
    done = [r for r in records.values() if r["status"] in ("published", "inbox")]
    assert len(done) == published
    # the merged pull request's reviewed plan is kept (scheduled posts publish by it later)
    assert set(state["reviewed"]) > set(records)
    assert {a["pull_request"] for a in state["reviewed"].values()} == {7}
    for rec in done:
        assert rec["provenance"]["commit"] == sha
        assert rec["provenance"]["pull_request"] == 7
        assert rec["provenance"]["run_url"].startswith("https://github.com/acme/content/actions/")
        assert rec["provenance"]["plan_hash"].startswith("sha256:")
    log = checkout.branch_log()
    assert all(line.startswith("publisher: ") for line in log)
    # a commit per state write, pushed at once; the writes are group-committed, so the posts
    # in flight of an account's pipeline share commits, but the intent and the publish_id are
    # each durable before the call that depends on them: two writes at least
    assert len(log) >= 2
    # the content checkout is untouched: no state file, no commit on main
    assert git(checkout.work, "status", "--porcelain") == ""
    assert git(checkout.remote, "rev-list", "--count", "main").strip() == "1"

    again = action("schedule", "schedule.json")
    assert again.result.exit_code == 0, again.log
    assert again.outputs["published"] == "0"
    assert checkout.branch_log() == log  # nothing changed: no commit


def test_schedule_applies_with_extra_args(action: RunAction, checkout: Checkout) -> None:
    run = action("schedule", "schedule.json", args="--target launch-teaser", reviewed_only="false")
    assert run.result.exit_code == 0, run.log
    assert run.outputs["published"] == "3"  # two TikTok accounts and the YouTube channel
    assert "scheduled run" in run.log
    records = checkout.state_on_branch()["resources"]
    assert sorted(records) == [
        "launch-teaser@acme-shorts",
        "launch-teaser@brand-uk",
        "launch-teaser@brand-us",
    ]


def test_push_to_another_branch_explains_and_does_nothing(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    run = action("push", "push_feature.json")
    assert run.result.exit_code == 0
    assert "push to `feature/more-posts`, not to main" in run.log
    assert run.outputs == NOTHING
    assert not checkout.branch_exists()
    assert stub.requests == []


def test_other_events_are_explained(action: RunAction, checkout: Checkout) -> None:
    run = action("issues", "schedule.json")
    assert run.result.exit_code == 0
    assert "`issues` events are not acted on" in run.log
    assert "not acted on" in run.summary


def test_validate(action: RunAction) -> None:
    run = action("push", "push_feature.json", command="validate")
    assert run.result.exit_code == 0, run.log
    assert run.outputs["published"] == "0"


def test_secrets_are_masked_and_never_printed(action: RunAction) -> None:
    secret, refresh = "s3cr3t-client-value", "rft.brand-us-refresh-value"
    run = action(
        "pull_request",
        "pull_request.json",
        TIKTOK_CLIENT_SECRET=secret,
        TIKTOK_REFRESH_TOKEN_BRAND_US=refresh,
    )
    lines = run.log.splitlines()
    for value in (secret, refresh, TOKEN):
        assert f"::add-mask::{value}" in lines
        assert [line for line in lines if value in line] == [f"::add-mask::{value}"]
    assert TOKEN not in run.summary and secret not in run.summary


def test_a_youtube_accounts_client_secret_and_refresh_token_are_masked(tmp_path: Path) -> None:
    from gitops_publisher.github.action import _secret_values

    (tmp_path / "publisher.yaml").write_text(
        "version: 1\naccounts:\n  shorts:\n    provider: youtube\n"
        "    refresh_token_env: YT_REFRESH\n    client_secret_env: ACME_GOOGLE_SECRET\n",
        encoding="utf-8",
    )
    env = {"YT_REFRESH": "1//refresh", "ACME_GOOGLE_SECRET": "GOCSPX-x", "YOUTUBE_CLIENT_ID": "id"}
    values = _secret_values(env, tmp_path)
    assert "1//refresh" in values and "GOCSPX-x" in values and "id" not in values


def test_a_notify_webhook_url_is_masked(tmp_path: Path) -> None:
    # A Slack incoming webhook URL lets anyone post to the channel: a secret like the tokens.
    from gitops_publisher.github.action import _secret_values

    (tmp_path / "publisher.yaml").write_text(
        "version: 1\naccounts:\n  brand-us:\n    refresh_token_env: TT_REFRESH\n"
        "notify:\n  - kind: slack\n    url_env: TEAM_SLACK_HOOK\n",
        encoding="utf-8",
    )
    hook = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"
    values = _secret_values({"TT_REFRESH": "rft.x", "TEAM_SLACK_HOOK": hook}, tmp_path)
    assert hook in values and "rft.x" in values


def test_youtube_upload_sessions_in_flight_are_in_no_log_summary_output_or_comment(
    action: RunAction,
    stub: Stub,
    checkout: Checkout,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every session PUT fails: the channel's uploads stay recorded with their sessions (a
    # capability each, kept sealed), which the next plan, comment and apply summary refer to.
    options = tmp_path / "sandbox-options.json"
    options.write_text(json.dumps({"faults": {"youtube_upload": {"error_rate": 1.0}}}))
    monkeypatch.setenv("PUBLISHER_SANDBOX_OPTIONS", str(options))
    stub.pulls_by_sha[git(checkout.work, "rev-parse", "HEAD").strip()] = [7]
    runs = [action("pull_request", "pull_request.json"), action("push", "push_main.json")]
    state = checkout.state_on_branch()
    handles = [
        handle
        for record in state["resources"].values()
        for handle in [record.get("publish_id"), *(h["publish_id"] for h in record["history"])]
        if handle and handle.startswith(("sealed:v1:", "closed:v1:"))
    ]
    assert handles  # recorded, sealed: the state on the branch holds no session URI
    [world] = checkout.work.glob("**/.publisher/sandbox/world/world.json")
    data = WorldData.model_validate_json(world.read_bytes())
    upload_ids = {session.upload_id for session in data.youtube.sessions.values()}
    assert upload_ids
    runs += [action("pull_request", "pull_request.json"), action("push", "push_main.json")]
    texts = [text for run in runs for text in (run.log, run.summary, json.dumps(run.outputs))]
    texts += [comment["body"] for comment in stub.comments.values()]
    texts.append(git(checkout.remote, "log", "--format=%B", "publisher-state"))
    texts.append(json.dumps(checkout.state_on_branch()))
    everything = "\n".join(texts)
    assert "upload session …" in everything  # shown, by its last four characters only
    assert not [n for n, u in enumerate(sorted(upload_ids)) if u in everything]
