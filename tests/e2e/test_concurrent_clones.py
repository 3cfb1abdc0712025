"""Two clones apply at once against one TikTok or YouTube (the served emulator), one state branch.

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
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from apply.harness import (
    Emulator,
    PostSpec,
    SecretScan,
    committed_project,
    fast_options,
    publisher_env,
    served_emulator,
)
from cryptography.fernet import Fernet
from pinned_git import clone, git, push_to_new_bare

BIG = "media/big.mp4"  # six 10 MB chunks: A is stopped with most of them still to send


def machine(tmp_path: Path, emulator: Emulator, home: str) -> dict[str, str]:
    """The environment of one machine (its own home, so its own login) on the state branch."""
    token = {"acme": emulator.refresh_token("acme")}
    return publisher_env(
        tmp_path / home,
        emulator.base_url,
        token,
        PUBLISHER_STATE_BRANCH="publisher-state",
        PYTHONUNBUFFERED="1",
    )


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
        first = apply(one, machine(tmp_path, emulator, "laptop"))
        assert first.stdout is not None
        head: list[str] = []
        for line in first.stdout:  # no sleeping: A's own log says where it is
            head.append(line)
            if line.startswith("[p@acme] uploaded "):  # uploading, first bytes accepted
                break
        first.send_signal(signal.SIGSTOP)
        try:
            state_before = git(remote, "show", "publisher-state:.publisher/state.json")
            second = apply(two, machine(tmp_path, emulator, "ci"))
            out_second = second.communicate(timeout=120)[0]
            # The next run of that clone (the next schedule), still while A is uploading:
            # before the fix it found "failed, retryable" and published the post again.
            third = apply(two, machine(tmp_path, emulator, "ci-next"))
            out_third = third.communicate(timeout=180)[0]
            state_during = git(remote, "show", "publisher-state:.publisher/state.json")
        finally:
            first.send_signal(signal.SIGCONT)
        out_first = "".join(head) + first.communicate(timeout=180)[0]
        last = apply(two, machine(tmp_path, emulator, "ci-last"))
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


def age_the_record_on_the_branch(remote: Path, work: Path, address: str, hours: int) -> None:
    """Move ``address``'s record ``hours`` back on the state branch (its run's clock said so).

    The CLI's clock is the machine's: no test waits out an hour. This stands for a run that
    looks at the record that much later.
    """
    editor = clone(remote, work)
    git(editor, "checkout", "-q", "publisher-state")
    path = editor / ".publisher" / "state.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    record = state["resources"][address]
    recorded = datetime.fromisoformat(record["updated_at"].replace("Z", "+00:00"))
    record["updated_at"] = (recorded - timedelta(hours=hours)).isoformat()
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    git(editor, "commit", "-q", "-am", "test: the record as a run sees it later")
    git(editor, "push", "-q", "origin", "publisher-state")


@pytest.mark.parametrize("rerun_in", ["the same clone", "another clone, after the window"])
def test_a_killed_upload_is_given_up_by_a_run_that_proves_its_run_ended_or_after_the_window(
    tmp_path: Path, rerun_in: str
) -> None:
    """The other side: an upload whose run really is gone is not left pending for ever.

    Its own clone's next run holds the lock the killed run held, so it knows that run ended
    and gives the upload up at once (a laptop's rerun is not delayed an hour); another
    clone's run does so once the upload URL's hour (and the margin) has passed.
    """
    scan = SecretScan()
    spec = PostSpec("p", ["acme"], video=BIG)
    seed = committed_project(tmp_path / "seed", ["acme"], [spec], big={BIG: 60_000_000})
    remote = push_to_new_bare(seed, tmp_path / "remote.git")
    one = clone(remote, tmp_path / "one")
    with served_emulator(tmp_path / "emulator", fast_options(), 1.0, scan) as emulator:
        first = apply(one, machine(tmp_path, emulator, "laptop"))
        assert first.stdout is not None
        for line in first.stdout:
            if line.startswith("[p@acme] uploaded "):  # uploading, first bytes accepted
                break
        first.kill()  # SIGKILL: its upload stops here for good
        first.communicate(timeout=60)
        if rerun_in == "the same clone":
            other = one
        else:
            other = clone(remote, tmp_path / "two")
            age_the_record_on_the_branch(remote, tmp_path / "editor", "p@acme", hours=2)
        outputs, codes = [], []
        for home in ("rerun", "rerun-next"):
            run = apply(other, machine(tmp_path, emulator, home))
            outputs.append(run.communicate(timeout=180)[0])
            codes.append(run.returncode)
        posts = [p for p in emulator.posts() if p["title"] == "p #test"]
    for out in outputs:
        scan.add_output("apply", out)
    scan.check()

    assert codes == [1, 0], outputs  # given up (a failed attempt), then published
    assert "the interrupted upload cannot complete" in outputs[0], outputs[0]
    assert re.search(r"^p@acme\s+published", outputs[1], re.M), outputs[1]
    # The killed run's partial upload never became a post; the retry is the one post.
    assert sorted(p["status"] for p in posts) == ["PROCESSING_UPLOAD", "PUBLISH_COMPLETE"]
    state = json.loads(git(remote, "show", "publisher-state:.publisher/state.json"))
    record = state["resources"]["p@acme"]
    published = next(p for p in posts if p["status"] == "PUBLISH_COMPLETE")
    assert (record["status"], record["publish_id"]) == ("published", published["publish_id"])


@pytest.mark.parametrize("shared_key", [True, False], ids=["one key", "a key per machine"])
def test_a_youtube_session_another_clone_is_still_sending_into_is_left_to_it(
    tmp_path: Path, shared_key: bool
) -> None:
    """YouTube's side of the race: a session URI is resumable by any run holding the record.

    Run A (clone one) is stopped in the middle of its first 16 MiB chunk of a channel's
    Short, its connection open. Runs B and C (clone two) read A's record from the state
    branch and, YouTube's upload target having no lifetime of its own (apply/inflight.py),
    go on with A's session; the upload server keeps none of their bytes while it receives
    A's (reference §2.5). Before 2026-12-04, B recorded the attempt failed and C opened a
    second session while A's upload completed: two videos for one address. Now both leave
    it to A, which completes it and records the one video.

    The state keeps the session sealed (core/handles.py): with one ``PUBLISHER_TOKEN_KEY``
    on every machine B and C open it and find A sending; with a key file per machine they
    cannot open it, and leave it to the runs that can for as long as a session may live.
    """
    key = Fernet.generate_key().decode() if shared_key else ""
    scan = SecretScan()
    seed = committed_project(
        tmp_path / "seed",
        [],
        [PostSpec("s", ["studio"], video=BIG)],
        big={BIG: 60_000_000},
        youtube=["studio"],
    )
    remote = push_to_new_bare(seed, tmp_path / "remote.git")
    one, two = clone(remote, tmp_path / "one"), clone(remote, tmp_path / "two")
    options = fast_options(youtube={"processing_base_sec": 0.0})
    with served_emulator(tmp_path / "emulator", options, 1.0, scan) as emulator:
        world = emulator.service.world

        def channel_machine(home: str) -> dict[str, str]:
            token = world.ensure_channel("@studio")
            scan.secrets.add(token)
            return publisher_env(
                tmp_path / home,
                emulator.base_url,
                {"studio": token},
                key=key,
                PUBLISHER_STATE_BRANCH="publisher-state",
                PYTHONUNBUFFERED="1",
            )

        first = apply(one, channel_machine("laptop"))
        assert first.stdout is not None
        head: list[str] = []
        for line in first.stdout:  # no sleeping: A's own log says where it is
            head.append(line)
            if line.startswith("[s@studio] uploaded "):  # its first bytes are arriving
                break
        first.send_signal(signal.SIGSTOP)
        try:
            state_before = git(remote, "show", "publisher-state:.publisher/state.json")
            second = apply(two, channel_machine("ci"))
            out_second = second.communicate(timeout=180)[0]
            third = apply(two, channel_machine("ci-next"))
            out_third = third.communicate(timeout=180)[0]
            state_during = git(remote, "show", "publisher-state:.publisher/state.json")
        finally:
            first.send_signal(signal.SIGCONT)
        out_first = "".join(head) + first.communicate(timeout=180)[0]
        last = apply(two, channel_machine("ci-last"))
        out_last = last.communicate(timeout=180)[0]
        videos = emulator.get("/_sandbox/youtube/videos")["videos"]
        sessions = len(world.data.youtube.sessions)
    for out in (out_first, out_second, out_third, out_last):
        scan.add_output("apply", out)
    scan.check()

    for out, run in ((out_second, second), (out_third, third)):
        assert run.returncode == 0, out  # pending work, as a post still processing is
        if shared_key:
            assert "receiving this upload from another client" in out, out
        else:
            assert "sealed with the key file of the machine that started it" in out, out
            assert "only a run with that key can send the rest" in out, out
        assert re.search(r"^s@studio\s+pending", out, re.M), out
    assert state_during == state_before  # B and C left A's record as it was
    assert sessions == 1  # nobody opened a second session
    assert [v["upload_status"] for v in videos] == ["processed"], videos
    assert first.returncode == 0 and "Traceback" not in out_first, out_first
    assert last.returncode == 0 and "Nothing to publish" in out_last, out_last
    state = json.loads(git(remote, "show", "publisher-state:.publisher/state.json"))
    record = state["resources"]["s@studio"]
    assert record["status"] == "published", (record, out_first)
    assert record["url"].endswith(videos[0]["video_id"]), record
