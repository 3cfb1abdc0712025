"""The run a GitHub Actions job describes, read from its variables."""

from __future__ import annotations

from gitops_publisher.core.state import Provenance
from gitops_publisher.github.event import ci_origin


def test_ci_origin_reads_the_run_the_commit_and_the_merged_pull_request() -> None:
    env = {
        "GITHUB_SHA": "abc123",
        "GITHUB_REPOSITORY": "acme/content",
        "GITHUB_RUN_ID": "42",
        "GITHUB_SERVER_URL": "https://ghe.example/",
        "PUBLISHER_PULL_REQUEST": "7",
    }
    assert ci_origin(env) == Provenance(
        commit="abc123",
        pull_request=7,
        run_url="https://ghe.example/acme/content/actions/runs/42",
    )


def test_outside_github_actions_the_origin_is_empty() -> None:
    assert ci_origin({"PUBLISHER_PULL_REQUEST": "not-a-number"}) == Provenance()
