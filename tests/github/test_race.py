"""Two applies racing on one state branch (separate machines, real processes): nothing lost.

Each machine runs its own embedded sandbox, so the two runs talk to two different TikToks and
YouTubes: each world gives its users their own random open_id and channel id. How the later
run ends depends on when it reads the state branch, and all three ends publish nothing twice:

1. before the first run's first state write: both plan ``create``; the second write of an
   address meets the first ("recorded ... differently") and that run stops;
2. while the first run's records are in flight (``initiating`` and on, each carrying the
   account's platform id from init on): it plans ``retry``/``resume``, and pre-flight stops
   each such account, since the record is pinned to a user of the other world and this run's
   token belongs to another ("is pinned to"): nothing is sent;
3. after the first run has finished: nothing to publish.

The free-running race lands in any of them (under load, often 2);
:func:`test_a_run_that_reads_the_state_mid_flight_stops_on_the_pins_and_sends_nothing` holds
the first run inside window 2 to check that end deterministically.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from pinned_git import GIT_ENV

from .conftest import Checkout, git

TEASER = {"launch-teaser@brand-us", "launch-teaser@brand-uk", "launch-teaser@acme-shorts"}
# The log line a run prints right after the attempt's record is durable on the branch.
STARTED = re.compile(r"^\[(launch-teaser@[\w-]+)\] (?:init|videos\.insert) ")


def start_apply(work: Path, *targets: str) -> subprocess.Popen[str]:
    args = [a for target in targets for a in ("--target", target)]
    env = {
        **os.environ,
        **GIT_ENV,  # pinned dates: still distinct commits (see conftest's docstring)
        "PUBLISHER_STATE_BRANCH": "publisher-state",
        "PUBLISHER_SANDBOX_TIME_SCALE": "500",
        "PYTHONUNBUFFERED": "1",  # each log line as it happens
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
    for address in sorted(TEASER):
        assert sum(published_lines(out, address) for out in outputs) <= 1, outputs
    records = checkout.state_on_branch()["resources"]
    assert set(records) == TEASER
    loser = [out for run, out in zip(runs, outputs, strict=True) if run.returncode != 0]
    for out in loser:  # the three windows of the module docstring
        assert "differently" in out or "is pinned to" in out or "Nothing to publish" in out, out


def test_a_run_that_reads_the_state_mid_flight_stops_on_the_pins_and_sends_nothing(
    checkout: Checkout,
) -> None:
    other = checkout.work.parent / "work-2"
    git(checkout.work.parent, "clone", "-q", str(checkout.remote), "work-2")
    first = start_apply(checkout.work, "launch-teaser")
    assert first.stdout is not None
    head: list[str] = []
    started: set[str] = set()
    for line in first.stdout:  # no sleeping: the run's own log says where it is
        head.append(line)
        found = STARTED.match(line)
        started |= {found[1]} if found else set()
        if started == TEASER:
            break
    # Every address's attempt is recorded on the branch (window 2): hold the run right there.
    first.send_signal(signal.SIGSTOP)
    try:
        second = start_apply(other, "launch-teaser")
        out_second = second.communicate(timeout=120)[0]
    finally:
        first.send_signal(signal.SIGCONT)
    out_first = "".join(head) + first.communicate(timeout=120)[0]

    assert second.returncode == 1, out_second
    for account in ("brand-us", "brand-uk", "acme-shorts"):
        assert f"{account}: stopped: account {account} is pinned to" in out_second, out_second
    for address in sorted(TEASER):  # nothing sent: the accounts stopped before any request
        assert re.search(rf"^{re.escape(address)}\s+not attempted", out_second, re.M), out_second
    assert first.returncode == 0, out_first
    records = checkout.state_on_branch()["resources"]
    assert set(records) == TEASER
    for address in sorted(TEASER):
        assert published_lines(out_first, address) == 1, out_first
        assert records[address]["status"] == "published"
        assert records[address]["url"] in out_first  # the first run's post, recorded
