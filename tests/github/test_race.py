"""Two applies racing on one state branch (separate machines, real processes): nothing lost."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from pinned_git import GIT_ENV

from .conftest import Checkout, git


def start_apply(work: Path, *targets: str) -> subprocess.Popen[str]:
    args = [a for target in targets for a in ("--target", target)]
    env = {
        **os.environ,
        **GIT_ENV,  # pinned dates: still distinct commits (see conftest's docstring)
        "PUBLISHER_STATE_BRANCH": "publisher-state",
        "PUBLISHER_SANDBOX_TIME_SCALE": "500",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gitops_publisher",
            "-C",
            str(work),
            "--sandbox",
            "apply",
            "--yes",
            *args,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def published_lines(output: str, address: str) -> int:
    return len(re.findall(rf"^{re.escape(address)}\s+published", output, re.MULTILINE))


def test_concurrent_applies_of_different_posts_lose_nothing(checkout: Checkout) -> None:
    other = checkout.work.parent / "work-2"
    git(checkout.work.parent, "clone", "-q", str(checkout.remote), "work-2")
    one = start_apply(checkout.work, "launch-teaser")
    two = start_apply(other, "tutorial-part1", "partner-collab")
    out_one, _ = one.communicate(timeout=120)
    out_two, _ = two.communicate(timeout=120)
    assert one.returncode == 0, out_one
    assert two.returncode == 0, out_two
    records = checkout.state_on_branch()["resources"]
    assert {a for a, r in records.items() if r["status"] == "published"} >= {
        "launch-teaser@brand-us",
        "launch-teaser@brand-uk",
        "tutorial-part1@devrel",
        "partner-collab@brand-us",
    }


def test_concurrent_applies_of_the_same_post_publish_it_at_most_once(checkout: Checkout) -> None:
    other = checkout.work.parent / "work-2"
    git(checkout.work.parent, "clone", "-q", str(checkout.remote), "work-2")
    runs = [start_apply(checkout.work, "launch-teaser"), start_apply(other, "launch-teaser")]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    teaser = {"launch-teaser@brand-us", "launch-teaser@brand-uk", "launch-teaser@acme-shorts"}
    for address in sorted(teaser):
        assert sum(published_lines(out, address) for out in outputs) <= 1, outputs
    records = checkout.state_on_branch()["resources"]
    assert set(records) == teaser
    loser = [out for run, out in zip(runs, outputs, strict=True) if run.returncode != 0]
    for out in loser:
        assert "differently" in out or "Nothing to publish" in out, out
