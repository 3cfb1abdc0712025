"""A new user's path: the example workflows and the README's, driven like GitHub would."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from .conftest import EXAMPLES, ActionRun, Checkout, RunAction, Stub, git

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = EXAMPLES / ".github" / "workflows"


def load(text: str) -> Any:
    return YAML(typ="safe").load(text)


def readme_workflow() -> Any:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## GitHub Action", 1)[1]
    return load(re.search(r"```yaml\n(.*?)```", section, re.DOTALL)[1])  # type: ignore[index]


WORKFLOW_SOURCES = {
    "publish.yml": lambda: load((WORKFLOWS / "publish.yml").read_text()),
    "publish-sharded.yml": lambda: load((WORKFLOWS / "publish-sharded.yml").read_text()),
    "README": readme_workflow,
}


def action_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if "gitops-publisher" in s.get("uses", "")]


@pytest.mark.parametrize("source", sorted(WORKFLOW_SOURCES))
def test_workflow_is_safe_and_complete(source: str) -> None:
    workflow = WORKFLOW_SOURCES[source]()
    action = load((REPO / "action.yml").read_text())
    config = load((EXAMPLES / "publisher.yaml").read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 "on"
    assert {"pull_request", "push", "schedule"} <= set(triggers)
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["schedule"] == [{"cron": "*/10 * * * *"}]
    assert workflow["permissions"] == {}

    plan, apply = workflow["jobs"]["plan"], workflow["jobs"]["apply"]
    assert plan["if"] == "github.event_name == 'pull_request'"
    assert plan["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert "secrets." not in str(plan)  # no secret ever reaches a pull request's job
    assert apply["if"] == "github.event_name != 'pull_request'"
    assert apply["permissions"] == {"contents": "write", "pull-requests": "read"}
    assert apply["concurrency"]["cancel-in-progress"] is False
    assert apply["concurrency"]["group"]
    needed = {a["refresh_token_env"] for a in config["accounts"].values()}
    for account in config["accounts"].values():  # a YouTube channel: its Google client too
        if account.get("provider") == "youtube":
            needed.add(account.get("client_id_env", "YOUTUBE_CLIENT_ID"))
            needed.add(account.get("client_secret_env", "YOUTUBE_CLIENT_SECRET"))
    needed |= {"TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET", "PUBLISHER_TOKEN_KEY"}
    # The secrets reach the step that runs publisher only: the Action's secret-env input,
    # never a job's or a step's env (which every step of the composite action would see).
    (apply_step,) = action_steps(apply)
    given = dict(
        line.split("=", 1) for line in apply_step["with"]["secret-env"].strip().splitlines()
    )
    assert given == {name: f"${{{{ secrets.{name} }}}}" for name in needed}
    assert "secrets." not in str({k: v for k, v in apply.items() if k != "steps"})
    assert all("secrets." not in str(step.get("env", "")) for step in apply["steps"])
    assert apply["environment"] == "publishing"  # required reviewers, environment-scoped secrets
    for job in (plan, apply):
        assert 0 < job["timeout-minutes"] <= 60
        for step in action_steps(job):
            assert set(step.get("with", {})) <= set(action["inputs"])
        checkouts = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout")]
        assert checkouts and all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_the_example_workflow_takes_a_new_user_to_a_comment_and_a_publish(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    workflow = load((WORKFLOWS / "publish.yml").read_text())

    def inputs(job: str, **extra: str) -> dict[str, str]:
        (step,) = action_steps(workflow["jobs"][job])
        values = {k.replace("-", "_"): str(v) for k, v in step.get("with", {}).items()}
        return {**values, **extra}

    pr = action("pull_request", "pull_request.json", **inputs("plan"))
    assert pr.result.exit_code == 0, pr.log
    (comment,) = stub.comments.values()
    assert "publisher plan" in comment["body"]

    # no TikTok here: the sandbox stands in, as docs/github-action.md suggests for a first try
    stub.pulls_by_sha[git(checkout.work, "rev-parse", "HEAD").strip()] = [7]  # merged
    merged = action("push", "push_main.json", **inputs("apply", args="--sandbox"))
    assert merged.result.exit_code == 0, merged.log
    assert int(merged.outputs["published"]) >= 5
    assert checkout.state_on_branch()["resources"]


def test_the_sharded_example_applies_every_shard_and_plans_them_as_one(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    workflow = load((WORKFLOWS / "publish-sharded.yml").read_text())
    apply = workflow["jobs"]["apply"]
    (step,) = action_steps(apply)
    shards = apply["strategy"]["matrix"]["shard"]
    for shard in shards:  # each matrix job is a fresh checkout on its own machine
        git(checkout.work.parent, "clone", "-q", str(checkout.remote), f"job-{shard}")
    assert action("pull_request", "pull_request.json").result.exit_code == 0  # the review
    stub.pulls_by_sha[git(checkout.work, "rev-parse", "HEAD").strip()] = [7]  # then the merge

    def job(shard: int) -> ActionRun:
        args = step["with"]["args"].replace("${{ matrix.shard }}", str(shard))
        return action(
            "push",
            "push_main.json",
            work=checkout.work.parent / f"job-{shard}",
            process=True,
            state_branch="publisher-state",
            args=f"{args} --sandbox",
        )

    with ThreadPoolExecutor(len(shards)) as pool:  # the matrix runs in parallel
        runs = list(pool.map(job, shards))
    for run in runs:
        assert run.result.exit_code == 0, run.log[-1500:]
    total = sum(int(run.outputs["published"]) for run in runs)
    assert total >= 5
    plan = action("pull_request", "pull_request.json", command="plan")
    assert plan.outputs["has_changes"] == "false", plan.summary
    shard_files = [p for p in checkout_files(checkout) if ".shard-" in p]
    assert len(shard_files) == 3  # 3 accounts over 4 shards: one shard has none
    assert checkout.branch_exists()


def checkout_files(checkout: Checkout) -> list[str]:
    return git(checkout.remote, "ls-tree", "-r", "--name-only", "publisher-state").split()
