"""Crash safety: the real ``publisher apply`` killed with SIGKILL at seeded moments.

The project fans posts out to TikTok accounts and a YouTube channel. The emulator runs in
this test process (so it survives the kill) and counts the requests the apply sends it; each
seeded run picks a request number and a moment (before the platform handles it, while its
body arrives, or after it was handled but before the answer leaves), or a seeded wall-clock
delay, and SIGKILLs the apply there. Every phase of a YouTube upload is also hit on purpose
(:data:`YOUTUBE_KILLS`: before the initiating POST, with its answer lost, after it, in the
middle of a chunk, between chunks, after the final chunk, while polling). Then ``publisher
apply`` runs again, without kills, until the plan is empty. Every address must then be
published exactly once at the emulator, byte for byte, and the state must match the
emulator's truth, down to the user or channel each record was published as; no output may
show a YouTube session URI.

``CRASH_RUNS=200 pytest tests/e2e/test_crash.py`` runs more seeds by hand (20 by default;
``CRASH_SEED`` shifts them).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
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
    assert_youtube_exactly_once,
    committed_project,
    fast_options,
    pending_changes,
    publisher_env,
    run_publisher,
    session_leaks,
    sha256_file,
    upload_id,
    youtube_sessions,
)

from gitops_publisher.core import handles
from gitops_publisher.sandbox import (
    create_app,
    sandbox_service,
    serve_in_thread,
)
from gitops_publisher.sandbox.models import WorldData

RUNS = int(os.environ.get("CRASH_RUNS", "20"))
FIRST_SEED = int(os.environ.get("CRASH_SEED", "0"))
WORKERS = 4
ACCOUNTS = ["a1", "a2"]  # TikTok
CHANNELS = ["yt1"]  # YouTube (@yt1)
BIG = "media/big.mp4"
# TikTok: 10 MB + 19.9 MB (its final chunk takes the rest); YouTube: 16 MiB + 13.1 MB, a final
# chunk larger than what loopback sockets hold in flight, so a kill 1 MiB into it leaves a part.
BIG_SIZE = 2 * CHUNK + 9_900_000
POSTS = [
    PostSpec("big", ["a1", "yt1"], video=BIG),
    PostSpec("small", [*ACCOUNTS, "yt1"], video="media/tutorial-part2.mp4"),
    PostSpec("draft", ["a2"], video="media/customer-story.mp4", mode="draft"),
]
EXPECTED = {
    "big@a1": BIG,
    "small@a1": "media/tutorial-part2.mp4",
    "small@a2": "media/tutorial-part2.mp4",
    "draft@a2": "media/customer-story.mp4",
}
EXPECTED_YOUTUBE = {"big@yt1": BIG, "small@yt1": "media/tutorial-part2.mp4"}
REQUESTS_PER_RUN = 27  # what one uninterrupted apply of this project sends (measured: 27)
UPLOAD = "/upload/youtube/v3/videos"
SANDBOX_WORLD = Path(".publisher") / "sandbox" / "world"
Scope = dict[str, Any]
RESUMED = re.compile(r"\[big@yt1\] resuming the upload at byte (\d+)")


def header(scope: Scope, name: bytes) -> str:
    return str(dict(scope["headers"]).get(name, b"").decode("latin-1"))


def big_tiktok_chunk(scope: Scope) -> bool:
    return scope["path"] == "/upload/video/" and int(header(scope, b"content-length") or 0) >= (
        5_000_000
    )


def big_youtube_insert(scope: Scope) -> bool:
    """The initiating POST of the big video's YouTube session."""
    return scope["path"] == UPLOAD and header(scope, b"x-upload-content-length") == str(BIG_SIZE)


def big_youtube_chunk(scope: Scope) -> bool:
    """A chunk PUT (not a status query) of the big video's YouTube session."""
    content_range = header(scope, b"content-range")
    return (
        scope["method"] == "PUT"
        and scope["path"] == UPLOAD
        and content_range.endswith(f"/{BIG_SIZE}")
        and not content_range.startswith("bytes */")
    )


def big_youtube_status_query(scope: Scope) -> bool:
    """A status query (``Content-Range: bytes */TOTAL``) of the big video's session."""
    return scope["method"] == "PUT" and header(scope, b"content-range") == f"bytes */{BIG_SIZE}"


def youtube_poll(scope: Scope) -> bool:
    """videos.list: asking whether a video is processed."""
    return bool(scope["method"] == "GET" and scope["path"] == "/youtube/v3/videos")


class KillSwitch:
    """ASGI wrapper that SIGKILLs the apply at its ``target``-th API request.

    ``only`` picks the requests that count (default: every request to the platforms' APIs);
    ``phase`` is when: ``before`` the emulator handles it, ``during`` its body (once
    ``after_bytes`` of it arrived), or ``after`` it was handled, before the answer leaves.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0
        self.target = 0
        self.phase = "before"
        self.after_bytes = 0
        self.only: Callable[[Scope], bool] | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.killed = False
        self.signal = signal.SIGKILL
        self._lock = threading.Lock()

    def kill(self) -> bool:
        """Signal the apply (once per run); True when this call did."""
        with self._lock:
            if self.proc is not None and not self.killed and self.proc.poll() is None:
                self.killed = True
                os.kill(self.proc.pid, self.signal)
                return True
            return False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        if self.only is not None and not self.only(scope):
            await self.app(scope, receive, send)
            return
        self.count += 1
        armed = self.count == self.target
        if armed and self.phase == "before" and self.kill():
            return  # the platform never handles it: the client died before it was sent
        received = 0

        async def on_receive() -> Any:
            nonlocal received
            message = await receive()
            if armed and self.phase == "during" and message.get("type") == "http.request":
                received += len(message.get("body", b""))
                if received >= self.after_bytes:
                    self.kill()
            return message

        async def on_send(message: Any) -> None:
            if armed and self.phase == "after" and message["type"] == "http.response.start":
                self.kill()
            await send(message)

        await self.app(scope, on_receive, on_send)


def logins(world: Any) -> dict[str, str]:
    """A fresh login of every account and channel: each one's refresh token."""
    tokens = {name: world.ensure_account(name) for name in ACCOUNTS}
    return tokens | {name: world.ensure_channel("@" + name) for name in CHANNELS}


@dataclass(frozen=True)
class KillPoint:
    """A deterministic kill: the ``number``-th request ``only`` picks, at ``phase``.

    ``sessions``: how many YouTube sessions the big video must end with on its channel (one:
    every rerun went on with the recorded session; two: the first was opened but its URI never
    arrived, so a second was safe and nothing was ever sent to the first). ``resumes_from``:
    a rerun must go on sending into the session from a byte at or past this one (the server's
    offset: what it stored of the killed run's bytes), not from the start of a new session.
    ``then``: the first rerun is killed too, there. ``expire``: then YouTube's week passes
    before the reruns: every session, completed ones too, answers 404 (reference §6).
    """

    name: str
    only: Callable[[Scope], bool]
    number: int
    phase: str
    after_bytes: int = 0
    sessions: int = 1
    resumes_from: int | None = None
    then: KillPoint | None = None
    expire: bool = False

    def aim(self, switch: KillSwitch, rng: random.Random) -> str:
        switch.only, switch.target, switch.phase = self.only, self.number, self.phase
        switch.after_bytes = self.after_bytes
        return self.name

    def aims(self) -> list[Callable[[KillSwitch, random.Random], str]]:
        """Where each killed run dies, in order."""
        return [self.aim, *(self.then.aims() if self.then else [])]

    @property
    def title(self) -> str:
        return self.name + (f" then {self.then.title}" if self.then else "")


YOUTUBE_KILLS = [
    KillPoint("before init", big_youtube_insert, 1, "before"),
    KillPoint("init answered, answer lost", big_youtube_insert, 1, "after", sessions=2),
    KillPoint("after init, before any byte", big_youtube_chunk, 1, "before", resumes_from=0),
    KillPoint(
        "mid-chunk", big_youtube_chunk, 1, "during", after_bytes=6 << 20, resumes_from=6 << 20
    ),
    KillPoint("between chunks (308 lost)", big_youtube_chunk, 1, "after", resumes_from=16 << 20),
    KillPoint(
        "mid final chunk",
        big_youtube_chunk,
        2,
        "during",
        after_bytes=1 << 20,
        resumes_from=17 << 20,
    ),
    KillPoint("after the final chunk (201 lost)", big_youtube_chunk, 2, "after"),
    # The video exists and the state says `uploading`; the rerun comes once the session is
    # gone: the channel's uploads say which video it made (before 2026-12-04: a second one).
    KillPoint(
        "after the final chunk (201 lost), sessions expired before the rerun",
        big_youtube_chunk,
        2,
        "after",
        expire=True,
    ),
    KillPoint("while polling, before the answer", youtube_poll, 1, "before"),
    KillPoint("while polling, answer lost", youtube_poll, 1, "after"),
    # Killed again while the rerun asks the session where it stands (the resume path itself).
    KillPoint(
        "mid-chunk",
        big_youtube_chunk,
        1,
        "during",
        after_bytes=6 << 20,
        resumes_from=6 << 20,
        then=KillPoint("status query answer lost", big_youtube_status_query, 1, "after"),
    ),
    KillPoint(
        "after the final chunk (201 lost)",
        big_youtube_chunk,
        2,
        "after",
        then=KillPoint("replayed 201 lost", big_youtube_status_query, 1, "after"),
    ),
]


def expire_every_session(service: Any) -> None:
    """A week of YouTube time: every upload session answers 404, a completed one too."""
    youtube = service.options.youtube.model_copy(update={"completed_sessions_expire": True})
    service.options = service.options.model_copy(update={"youtube": youtube})
    now = service.clock.now()
    for session in service.world.data.youtube.sessions.values():
        session.expires_at = now


def seeded_aim(switch: KillSwitch, rng: random.Random) -> str:
    """A seeded kill: a request number and moment, or a wall-clock delay (every 5th seed)."""
    if rng.randrange(5) == 4:
        return f"time:{rng.uniform(0.3, 1.6):.3f}"  # a whole run can end after ~1.8 s
    switch.target = rng.randint(1, REQUESTS_PER_RUN)
    switch.phase = rng.choice(["before", "during", "after"])
    return f"request {switch.target} {switch.phase}"


@dataclass
class Outcome:
    seed: int
    how: str
    killed: bool
    reruns: int
    outputs: list[tuple[str, str]] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    big_sessions: int = 0
    big_resumed_at: int | None = None


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash") / "template"
    return committed_project(root, ACCOUNTS, POSTS, big={BIG: BIG_SIZE}, youtube=CHANNELS)


def crash_run(
    seed: int,
    template: Path,
    work: Path,
    aims: Sequence[Callable[[KillSwitch, random.Random], str]] = (seeded_aim,),
    *,
    expire: bool = False,
) -> Outcome:
    """Kill applies where ``aims`` say (one run each), rerun until converged, check the promise.

    ``expire``: after the kills, every YouTube session expires, completed ones too.
    """
    rng = random.Random(seed)
    root = work / "repo"
    shutil.copytree(template, root, copy_function=os.link)  # files are only ever replaced
    options = fast_options(
        seed=seed,
        processing_base_sec=0.0,
        moderation_sec=0.0,
        rate_limits={"video_init": 1000, "inbox_init": 1000, "creator_info": 1000, "status": 1000},
        faults={"upload": {"latency_sec": 0.01}, "youtube_upload": {"latency_sec": 0.01}},
        youtube={"processing_base_sec": 0.0},
    )
    app = create_app(work / "world", options)
    switch = KillSwitch(app)
    world = sandbox_service(app).world
    result = Outcome(seed, "", False, 0)
    with serve_in_thread(switch) as base_url:

        def run(kill: bool) -> int:
            tokens = logins(world)
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

        hows, landed = [], []
        for aim in aims:
            result.how = aim(switch, rng)
            hows.append(result.how)
            code = run(kill=True)
            landed.append(switch.killed)
            if switch.killed:
                assert code == -signal.SIGKILL, (seed, result.how, code)
        result.how, result.killed = " then ".join(hows), all(landed)
        if expire:
            expire_every_session(sandbox_service(app))
        for _ in range(5):
            if not pending_changes(root):
                break
            result.reruns += 1
            code = run(kill=False)
            assert code in (0, 1), (seed, code, result.outputs[-1][1][-2000:])
        # On failure, what the last rerun said (its stderr), as the rerun's own check does.
        assert pending_changes(root) == [], (seed, result.how, result.outputs[-1][1][-2000:])
        posts = httpx.get(base_url + "/_sandbox/posts", timeout=10).json()["posts"]
        videos = httpx.get(base_url + "/_sandbox/youtube/videos", timeout=10).json()["videos"]
        sessions = youtube_sessions(world)
        try:
            assert_exactly_once(root, posts, EXPECTED)
            assert_youtube_exactly_once(root, videos, sessions, EXPECTED_YOUTUBE)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed} ({result.how}): {exc}") from exc
        resumed = [RESUMED.search(text) for _where, text in result.outputs]
        result.big_resumed_at = next((int(m.group(1)) for m in resumed if m), None)
        result.big_sessions = sum(v["channel"] == "@yt1" and v["total"] == BIG_SIZE for v in videos)
        # Every TikTok record names the user it was published as, from its first write on.
        records = json.loads((root / ".publisher" / "state.json").read_text())["resources"]
        for address, record in records.items():
            if record["account"] in CHANNELS:
                continue  # checked against the channel by assert_youtube_exactly_once
            user = world.find_account(username=record["account"])
            assert user is not None and user.open_id.startswith("sbx-"), (seed, address)
            assert (record.get("open_id"), record.get("username")) == (
                user.open_id,
                user.username,
            ), (seed, result.how, address)
        # A session URI is a capability: no output shows it, nor its upload id.
        logs = [(log.name, log.read_text(errors="replace")) for log in (work / "logs").glob("*")]
        leaks = session_leaks(result.outputs + logs, sessions)
        assert not leaks, (seed, result.how, leaks)
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


def test_sigkill_at_every_phase_of_a_youtube_upload_then_rerun_converges(
    template: Path, tmp_path: Path, scan: SecretScan
) -> None:
    def one(index: int) -> Outcome:
        point = YOUTUBE_KILLS[index]
        return crash_run(index, template, tmp_path / f"p{index}", point.aims(), expire=point.expire)

    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(pool.map(one, range(len(YOUTUBE_KILLS))))
    for outcome in outcomes:
        scan.outputs.extend(outcome.outputs)
        scan.secrets.update(outcome.secrets)
    # Every kill landed where it was aimed, and the reruns went on with the recorded session
    # (one session for the big video) unless its URI had never arrived.
    assert [(o.how, o.killed, o.big_sessions) for o in outcomes] == [
        (p.title, True, p.sessions) for p in YOUTUBE_KILLS
    ]
    assert all(o.reruns >= 1 for o in outcomes)
    # Where a session held part of the video, a rerun went on from the server's offset.
    for point, outcome in zip(YOUTUBE_KILLS, outcomes, strict=True):
        if point.resumes_from is not None:
            at = outcome.big_resumed_at
            assert at is not None and point.resumes_from <= at < BIG_SIZE, (point.title, at)


def test_ctrl_c_mid_upload_exits_130_with_a_consistent_state(
    template: Path, tmp_path: Path, scan: SecretScan
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(template, root, copy_function=os.link)
    options = fast_options(
        processing_base_sec=0.0, moderation_sec=0.0, youtube={"processing_base_sec": 0.0}
    )
    app = create_app(tmp_path / "world", options)
    switch = KillSwitch(app)
    switch.signal, switch.only = signal.SIGINT, big_tiktok_chunk
    switch.target, switch.phase = 1, "during"  # while the first big chunk arrives
    world = sandbox_service(app).world
    with serve_in_thread(switch) as base_url:

        def run(kill: bool) -> subprocess.CompletedProcess[bytes]:
            tokens = logins(world)
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
        videos = httpx.get(base_url + "/_sandbox/youtube/videos", timeout=10).json()["videos"]
        sessions = youtube_sessions(world)
        assert_youtube_exactly_once(root, videos, sessions, EXPECTED_YOUTUBE)


def test_killed_after_youtube_init_in_the_embedded_sandbox_the_rerun_resumes_that_session(
    tmp_path: Path, scan: SecretScan
) -> None:
    """``--sandbox`` serves on a new port every run; the recorded session URI names the old one.

    The first apply's session PUTs wait an hour of sandbox time (``PUBLISHER_SANDBOX_OPTIONS``),
    so it is killed once the session URI is in the state and before any byte was stored. The
    rerun must go on with that very session on the new port: one insert, one video.
    """
    root = committed_project(
        tmp_path / "repo",
        ["a1"],
        [PostSpec("big", ["a1", "yt1"], video=BIG)],
        big={BIG: BIG_SIZE},
        youtube=["yt1"],
    )
    slow = tmp_path / "slow-session.json"
    slow.write_text(json.dumps({"faults": {"youtube_upload": {"latency_sec": 3600}}}))
    env = publisher_env(tmp_path, PUBLISHER_SANDBOX_TIME_SCALE="100")
    command = [sys.executable, "-m", "gitops_publisher", "-C", str(root), "apply", "--sandbox"]
    state = root / ".publisher" / "sandbox" / "state.json"

    def recorded_session() -> str | None:
        try:
            record = json.loads(state.read_text())["resources"].get("big@yt1", {})
        except (OSError, ValueError):
            return None
        return record.get("publish_id") if record.get("status") == "uploading" else None

    first = subprocess.Popen(
        [*command, "--yes"],
        env={**env, "PUBLISHER_SANDBOX_OPTIONS": str(slow)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    session = None
    for _ in range(6000):  # up to 60 s; the session's first PUT waits 36 s
        session = recorded_session()
        if session is not None or first.poll() is not None:
            break
        threading.Event().wait(0.01)
    first.kill()
    out, err = first.communicate(timeout=60)
    scan.add_output("killed apply", out + err)
    assert session is not None and first.returncode == -signal.SIGKILL, err.decode()[-2000:]
    for attempt in range(3):
        if not pending_changes(root, sandbox=True):
            break
        rerun = run_publisher(root, "apply", "--sandbox", "--yes", env=env)
        scan.add_output(f"rerun {attempt}", rerun.stdout + rerun.stderr)
        assert rerun.returncode in (0, 1), rerun.stderr[-2000:]
    assert pending_changes(root, sandbox=True) == []
    world = WorldData.model_validate_json((root / SANDBOX_WORLD / "world.json").read_bytes())
    sessions = [s for s in world.youtube.sessions.values() if s.handle == "@yt1"]
    record = json.loads(state.read_text())["resources"]["big@yt1"]
    # The rerun went on with the killed run's session, which the state only ever held sealed.
    assert handles.is_sealed(session) and handles.same(record["publish_id"], session)
    assert len(sessions) == 1 and sessions[0].upload_id == upload_id(
        session, [sessions[0].upload_id]
    )
    assert sessions[0].upload_id not in state.read_text()
    assert sessions[0].sha256 == sha256_file(root / BIG)
    assert (record["status"], record["post_ids"]) == ("published", [sessions[0].video_id])
    tiktok = [p for p in world.posts.values() if p.upload_completed_at is not None]
    assert [p.sha256 for p in tiktok] == [sha256_file(root / BIG)]
    assert (
        json.loads(state.read_text())["resources"]["big@a1"]["publish_id"] == tiktok[0].publish_id
    )
    assert not session_leaks(scan.outputs, [sessions[0].upload_id])
    scan.harvest(root / ".publisher" / "sandbox" / "token-store.json")
