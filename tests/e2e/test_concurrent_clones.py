"""Two clones apply at once against ONE TikTok (the served emulator) on one state branch.

The Action serialises applies (a `concurrency` group) and a clone holds a lock, but a
developer's `publisher apply` on a laptop can overlap the CI job. Run B reads the branch
while run A is uploading: B asks TikTok, which is still receiving A's bytes, and gives the
attempt up ("the interrupted upload cannot complete": A's upload URL is A's alone). A was
alive and finishes; TikTok publishes. A's record of that attempt must win over B's giving
it up, or the state says "failed, retry" for a post that exists and the next run posts it
again (it did, before `state_merge.outlives_abandonment`).

Real processes, real git, real HTTP; B runs while A is stopped (SIGSTOP) right after A's
log says its first bytes were accepted, so the interleaving does not depend on timing.
"""

from __future__ import annotations

import json
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


def test_an_upload_given_up_by_another_clone_is_recorded_once_and_never_posted_again(
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
            second = apply(two, machine("ci"))
            out_second = second.communicate(timeout=120)[0]
        finally:
            first.send_signal(signal.SIGCONT)
        out_first = "".join(head) + first.communicate(timeout=180)[0]
        third = apply(two, machine("ci-next"))
        out_third = third.communicate(timeout=180)[0]
        posts = [p for p in emulator.posts() if p["title"] == "p #test"]
    for out in (out_first, out_second, out_third):
        scan.add_output("apply", out)
    scan.check()

    assert "cannot complete" in out_second, out_second  # B gave A's attempt up
    assert first.returncode == 0, out_first  # A was not stopped by B's record
    assert "Traceback" not in out_first, out_first
    assert third.returncode == 0 and "Nothing to publish" in out_third, out_third
    assert [p["status"] for p in posts] == ["PUBLISH_COMPLETE"]  # one post, not two
    state = json.loads(git(remote, "show", "publisher-state:.publisher/state.json"))
    record = state["resources"]["p@acme"]
    assert (record["status"], record["publish_id"]) == ("published", posts[0]["publish_id"])
