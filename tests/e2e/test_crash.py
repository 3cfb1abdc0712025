"""Crash safety: the real ``publisher apply`` killed with SIGKILL at seeded moments.

The emulator runs in this test process (so it survives the kill) and counts the requests the
apply sends it; each seeded run picks a request number and a moment (before TikTok handles it,
while its body arrives, or after it was handled but before the answer leaves), or a seeded
wall-clock delay, and SIGKILLs the apply there. Then ``publisher apply`` runs again, without
kills, until the plan is empty. Every address must then be published exactly once at the
emulator, byte for byte, and the state must match the emulator's truth, down to the open_id
and handle of the user each record was published as.

``CRASH_RUNS=200 pytest tests/e2e/test_crash.py`` runs more seeds by hand (20 by default;
``CRASH_SEED`` shifts them).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from apply.harness import (
    CHUNK,
    PostSpec,
    SecretScan,
    assert_exactly_once,
    committed_project,
    fast_options,
    pending_changes,
    publisher_env,
)

from gitops_publisher.sandbox import (
    create_app,
    sandbox_service,
    serve_in_thread,
)

RUNS = int(os.environ.get("CRASH_RUNS", "20"))
FIRST_SEED = int(os.environ.get("CRASH_SEED", "0"))
WORKERS = 4
ACCOUNTS = ["a1", "a2"]
BIG = "media/big.mp4"
POSTS = [
    PostSpec("big", ["a1"], video=BIG),
    PostSpec("small", ACCOUNTS, video="media/tutorial-part2.mp4"),
    PostSpec("draft", ["a2"], video="media/customer-story.mp4", mode="draft"),
]
EXPECTED = {
    "big@a1": BIG,
    "small@a1": "media/tutorial-part2.mp4",
    "small@a2": "media/tutorial-part2.mp4",
    "draft@a2": "media/customer-story.mp4",
}
REQUESTS_PER_RUN = 17  # what one uninterrupted apply of this project sends (measured: 17)


class KillSwitch:
    """ASGI wrapper that SIGKILLs the apply at its ``target``-th TikTok request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0
        self.target = 0
        self.phase = "before"
        self.proc: subprocess.Popen[bytes] | None = None
        self.killed = False
        self.signal = signal.SIGKILL
        self.big_uploads_only = False
        self._lock = threading.Lock()

    def kill(self) -> None:
        with self._lock:
            if self.proc is not None and not self.killed and self.proc.poll() is None:
                self.killed = True
                os.kill(self.proc.pid, self.signal)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        if self.big_uploads_only:
            length = dict(scope["headers"]).get(b"content-length", b"0")
            if scope["path"] != "/upload/video/" or int(length) < 5_000_000:
                await self.app(scope, receive, send)
                return
        self.count += 1
        armed = self.count == self.target
        if armed and self.phase == "before":
            self.kill()

        async def on_receive() -> Any:
            message = await receive()
            if armed and self.phase == "during" and message.get("type") == "http.request":
                self.kill()
            return message

        async def on_send(message: Any) -> None:
            if armed and self.phase == "after" and message["type"] == "http.response.start":
                self.kill()
            await send(message)

        await self.app(scope, on_receive, on_send)


@dataclass
class Outcome:
    seed: int
    how: str
    killed: bool
    reruns: int
    outputs: list[tuple[str, str]] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash") / "template"
    return committed_project(root, ACCOUNTS, POSTS, big={BIG: 2 * CHUNK + 777_777})


def crash_run(seed: int, template: Path, work: Path) -> Outcome:
    rng = random.Random(seed)
    root = work / "repo"
    shutil.copytree(template, root, copy_function=os.link)  # files are only ever replaced
    options = fast_options(
        seed=seed,
        processing_base_sec=0.0,
        moderation_sec=0.0,
        rate_limits={"video_init": 1000, "inbox_init": 1000, "creator_info": 1000, "status": 1000},
        faults={"upload": {"latency_sec": 0.01}},
    )
    app = create_app(work / "world", options)
    switch = KillSwitch(app)
    world = sandbox_service(app).world
    result = Outcome(seed, "", False, 0)
    with serve_in_thread(switch) as base_url:

        def run(kill: bool) -> subprocess.CompletedProcess[bytes] | int:
            tokens = {name: world.ensure_account(name) for name in ACCOUNTS}  # a fresh login
            result.secrets.update(tokens.values())
            env = publisher_env(work, base_url, tokens)
            command = [sys.executable, "-m", "gitops_publisher", "-C", str(root), "apply", "--yes"]
            switch.count, switch.killed = 0, False
            proc = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            switch.proc = proc if kill else None
            timer = None
            if kill and result.how.startswith("time"):
                timer = threading.Timer(float(result.how.split(":")[1]), switch.kill)
                timer.start()
            out, err = proc.communicate(timeout=120)
            if timer is not None:
                timer.cancel()
            result.outputs += [
                (f"seed {seed} stdout", out.decode()),
                (f"seed {seed} stderr", err.decode()),
            ]
            return proc.returncode

        if seed % 5 == 4:
            result.how = f"time:{rng.uniform(0.3, 1.1):.3f}"  # a whole run can end after ~1.2 s
        else:
            switch.target = rng.randint(1, REQUESTS_PER_RUN)
            switch.phase = rng.choice(["before", "during", "after"])
            result.how = f"request {switch.target} {switch.phase}"
        code = run(kill=True)
        result.killed = switch.killed
        if switch.killed:
            assert code == -signal.SIGKILL, (seed, code)
        for _ in range(5):
            if not pending_changes(root):
                break
            result.reruns += 1
            code = run(kill=False)
            assert code in (0, 1), (seed, code, result.outputs[-1][1][-2000:])
        assert pending_changes(root) == [], (seed, result.how)
        posts = httpx.get(base_url + "/_sandbox/posts", timeout=10).json()["posts"]
        try:
            assert_exactly_once(root, posts, EXPECTED)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed} ({result.how}): {exc}") from exc
        # Every record names the TikTok user it was published as, from its first write on.
        records = json.loads((root / ".publisher" / "state.json").read_text())["resources"]
        for address, record in records.items():
            user = world.find_account(username=record["account"])
            assert user is not None and user.open_id.startswith("sbx-"), (seed, address)
            assert (record.get("open_id"), record.get("username")) == (
                user.open_id,
                user.username,
            ), (seed, result.how, address)
        harvested = SecretScan()
        harvested.harvest(work / "config" / "tokens.json")  # the rotated sets
        result.secrets.update(harvested.secrets)
        state = (root / ".publisher" / "state.json").read_text()
        result.outputs.append((f"seed {seed} state", state))
    return result


def test_sigkill_at_seeded_moments_then_rerun_publishes_everything_exactly_once(
    template: Path, tmp_path: Path, scan: SecretScan
) -> None:
    seeds = range(FIRST_SEED, FIRST_SEED + RUNS)
    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(pool.map(lambda s: crash_run(s, template, tmp_path / f"s{s}"), seeds))
    for outcome in outcomes:
        scan.outputs.extend(outcome.outputs)
        scan.secrets.update(outcome.secrets)
    killed = sum(o.killed for o in outcomes)
    assert killed >= RUNS * 3 // 4, [(o.seed, o.how, o.killed) for o in outcomes]
    # Kills landed in the middle of things: some runs needed more than one rerun.
    assert any(o.reruns >= 1 for o in outcomes)


def test_ctrl_c_mid_upload_exits_130_with_a_consistent_state(
    template: Path, tmp_path: Path, scan: SecretScan
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(template, root, copy_function=os.link)
    options = fast_options(processing_base_sec=0.0, moderation_sec=0.0)
    app = create_app(tmp_path / "world", options)
    switch = KillSwitch(app)
    switch.signal, switch.big_uploads_only = signal.SIGINT, True
    switch.target, switch.phase = 1, "during"  # while the first big chunk arrives
    world = sandbox_service(app).world
    with serve_in_thread(switch) as base_url:

        def run(kill: bool) -> subprocess.CompletedProcess[bytes]:
            tokens = {name: world.ensure_account(name) for name in ACCOUNTS}
            scan.secrets.update(tokens.values())
            proc = subprocess.Popen(
                [sys.executable, "-m", "gitops_publisher", "-C", str(root), "apply", "--yes"],
                env=publisher_env(tmp_path, base_url, tokens),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            switch.proc = proc if kill else None
            out, err = proc.communicate(timeout=120)
            scan.add_output("stdout", out)
            scan.add_output("stderr", err)
            return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

        interrupted = run(kill=True)
        assert switch.killed
        assert interrupted.returncode == 130, interrupted.stderr.decode()[-2000:]
        assert b"Interrupted; state is consistent" in interrupted.stderr
        assert not (root / ".publisher" / "state.json.lock").exists()
        big = json.loads((root / ".publisher" / "state.json").read_text())["resources"]["big@a1"]
        assert big["status"] == "uploading" and big["publish_id"]
        for _ in range(3):
            if not pending_changes(root):
                break
            assert run(kill=False).returncode in (0, 1)
        scan.harvest(tmp_path / "config" / "tokens.json")
        posts = httpx.get(base_url + "/_sandbox/posts", timeout=10).json()["posts"]
        assert_exactly_once(root, posts, EXPECTED)
