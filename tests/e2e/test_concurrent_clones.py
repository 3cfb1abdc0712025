"""Two clones apply at once against ONE TikTok (the served emulator) on one state branch.

The Action serialises applies (a `concurrency` group) and a clone holds a lock, but a
developer's `publisher apply` on a laptop can overlap the CI job, and so can two jobs of a
workflow without the group. Run A (clone one) is uploading; run B (clone two) reads the
branch, asks TikTok, which is still receiving A's bytes, and cannot send them itself (A's
upload URL is A's alone). B must leave the attempt alone: before 2026-12-04 it gave it up as
``upload_failed``, and the next run of clone two (C) published the post again while A's
upload completed: two posts for one address. Now B and C report it pending ("another run
may still be uploading it") until the upload URL's hour is over (apply/inflight.py), A
finishes and records the one post, and the next run has nothing to do.

Real processes, real git, real HTTP; B and C run while A is stopped (SIGSTOP) right after
A's log says its first bytes were accepted, so the interleaving does not depend on timing.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

from apply.harness import (
    PostSpec,
    SecretScan,
    committed_project,
    fast_options,
    publisher_env,
    served_emulator,
)
from pinned_git import clone, git, push_to_new_bare

BIG = "media/big.mp4"  # six 10 MB chunks: A is stopped with most of them still to send


def apply(root: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gitops_publisher", "-C", str(root), "apply", "--yes"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_an_upload_in_flight_in_another_clone_is_left_to_it_and_posted_once(
    tmp_path: Path,
) -> None:
    scan = SecretScan()
    spec = PostSpec("p", ["acme"], video=BIG)
    seed = committed_project(tmp_path / "seed", ["acme"], [spec], big={BIG: 60_000_000})
    remote = push_to_new_bare(seed, tmp_path / "remote.git")
    one, two = clone(remote, tmp_path / "one"), clone(remote, tmp_path / "two")
    with served_emulator(tmp_path / "emulator", fast_options(), 1.0, scan) as emulator:

        def machine(home: str) -> dict[str, str]:  # each with a login of its own
            token = {"acme": emulator.refresh_token("acme")}
            return publisher_env(
                tmp_path / home,
                emulator.base_url,
                token,
                PUBLISHER_STATE_BRANCH="publisher-state",
                PYTHONUNBUFFERED="1",
            )

        first = apply(one, machine("laptop"))
        assert first.stdout is not None
        head: list[str] = []
        for line in first.stdout:  # no sleeping: A's own log says where it is
            head.append(line)
            if line.startswith("[p@acme] uploaded "):  # uploading, first bytes accepted
                break
        first.send_signal(signal.SIGSTOP)
        try:
            state_before = git(remote, "show", "publisher-state:.publisher/state.json")
            second = apply(two, machine("ci"))
            out_second = second.communicate(timeout=120)[0]
            # The next run of that clone (the next schedule), still while A is uploading:
            # before the fix it found "failed, retryable" and published the post again.
            third = apply(two, machine("ci-next"))
            out_third = third.communicate(timeout=180)[0]
            state_during = git(remote, "show", "publisher-state:.publisher/state.json")
        finally:
            first.send_signal(signal.SIGCONT)
        out_first = "".join(head) + first.communicate(timeout=180)[0]
        last = apply(two, machine("ci-last"))
        out_last = last.communicate(timeout=180)[0]
        posts = [p for p in emulator.posts() if p["title"] == "p #test"]
        inits = [r for r in emulator.requests() if r["endpoint"] == "video_init"]
    for out in (out_first, out_second, out_third, out_last):
        scan.add_output("apply", out)
    scan.check()

    # One post, not two (before the fix: C's and A's, and A's record lost to a conflict).
    assert [p["status"] for p in posts] == ["PUBLISH_COMPLETE"], (posts, out_first)
    for out, run in ((out_second, second), (out_third, third)):
        assert run.returncode == 0, out  # pending work, as a post still processing is
        assert "another run may still be uploading it" in out, out
        assert re.search(r"^p@acme\s+pending", out, re.M), out
    assert state_during == state_before  # B and C left A's record as it was
    assert len(inits) == 1  # nobody started it again
    assert first.returncode == 0, out_first  # A finished its upload and recorded it
    assert "Traceback" not in out_first, out_first
    assert last.returncode == 0 and "Nothing to publish" in out_last, out_last
    state = json.loads(git(remote, "show", "publisher-state:.publisher/state.json"))
    record = state["resources"]["p@acme"]
    assert (record["status"], record["publish_id"]) == ("published", posts[0]["publish_id"])
