"""Shared pieces of the apply and end-to-end suites: projects, a served emulator, checks.

* :func:`build_project` writes a content repository (real git, real MP4s, optionally a big
  MP4 padded with a ``free`` box so it spans several 10 MB chunks); :func:`committed_project`
  writes it into a new git repository and commits it.
* :class:`Emulator` is the sandbox served on 127.0.0.1 in a thread, with helpers to read its
  introspection routes and to change its options and faults while a run is going on.
* :func:`run_publisher` runs the real command in a subprocess; :func:`publisher_env` is the
  environment of the machine it runs on (a developer's, or a CI job's).
* :func:`apply_once` runs one apply through the real engine (lock, re-plan, pre-flight,
  publish) over real HTTP, with the emulator's credentials, as the CLI would.
* :func:`assert_exactly_once` is the product's promise, checked against the emulator's truth.
* :class:`SecretScan` collects every output and asserts no token value is in any of it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import struct
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pinned_git import commit_all, init_repo

from gitops_publisher.apply import settle
from gitops_publisher.apply.events import Event, Log, Result, UploadProgress
from gitops_publisher.apply.run import ApplyReport, execute
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.compose import Connection
from gitops_publisher.core import handles
from gitops_publisher.core.ports import Outcome as Answer
from gitops_publisher.core.state import Record, State
from gitops_publisher.planning import Opened, Planned, make_plan, open_project, persist_moves
from gitops_publisher.sandbox import (
    SANDBOX_CLIENT_KEY,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_GOOGLE_CLIENT_ID,
    SANDBOX_GOOGLE_CLIENT_SECRET,
    SandboxOptions,
    SandboxWorld,
    ScaledClock,
    create_app,
    sandbox_service,
    serve_in_thread,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
MEDIA = REPO_ROOT / "examples" / "media"
SMALL_VIDEOS = ("tutorial-part1.mp4", "tutorial-part2.mp4", "customer-story.mp4")
CHUNK = 10_000_000  # the client's preferred chunk size (providers/tiktok/chunks.py)


def fast_options(**overrides: Any) -> SandboxOptions:
    """Sandbox options with short processing and moderation delays (sandbox seconds)."""
    values: dict[str, Any] = {
        "seed": 1,
        "processing_base_sec": 1.0,
        "processing_sec_per_gib": 0.0,
        "moderation_sec": 1.0,
    }
    values.update(overrides)
    return SandboxOptions(**values)


# ---------------------------------------------------------------------------- projects
@dataclass(frozen=True)
class PostSpec:
    """One post manifest of a test project."""

    id: str
    accounts: Sequence[str]
    video: str = "media/tutorial-part1.mp4"
    mode: str = "direct"
    privacy: str = "SELF_ONLY"
    publish_at: str | None = None

    def yaml(self) -> str:
        lines = [
            "version: 1",
            f"id: {self.id}",
            f"accounts: [{', '.join(self.accounts)}]",
            f"video: {self.video}",
            f"mode: {self.mode}",
        ]
        if self.mode == "direct":
            lines += [f'caption: "{self.id} #test"', f"privacy: {self.privacy}"]
        if self.publish_at:
            lines.append(f"publish_at: {self.publish_at}")
        return "\n".join(lines) + "\n"


def env_name(account: str) -> str:
    """The refresh-token variable of ``account`` in test projects."""
    return "TT_RT_" + account.upper().replace("-", "_").replace(".", "_")


def config_yaml(accounts: Sequence[str], youtube: Sequence[str] = ()) -> str:
    """``publisher.yaml`` of a test project: TikTok ``accounts`` and YouTube channels.

    Each of ``youtube`` is a channel pinned to the handle ``@NAME`` (the sandbox channel
    :meth:`~gitops_publisher.sandbox.SandboxWorld.ensure_channel` makes); its videos are
    unlisted, with title, description and tags from the caption.
    """
    lines = ["version: 1", "state:", "  backend: file", "  path: .publisher/state.json"]
    lines.append("accounts:")
    for name in accounts:
        lines += [f"  {name}:", "    provider: tiktok", f"    refresh_token_env: {env_name(name)}"]
    for name in youtube:
        lines += [
            f"  {name}:",
            "    provider: youtube",
            f'    handle: "@{name}"',
            f"    refresh_token_env: {env_name(name)}",
        ]
    lines += [
        "defaults:",
        "  interactions: {comments: true, duet: false, stitch: false}",
        "  on_missed: publish",
    ]
    if youtube:
        lines.append("  youtube: {privacy: unlisted}")
    return "\n".join(lines) + "\n"


def padded_mp4(source: Path, size: int, seed: int = 0) -> bytes:
    """A real MP4 grown to ``size`` bytes by a trailing ``free`` box of seeded random bytes.

    Probes exactly like ``source`` (players skip ``free`` boxes); random filler makes any
    reordering or loss of chunks visible in the sha256.
    """
    head = source.read_bytes()
    pad = size - len(head)
    assert pad > 8
    return head + struct.pack(">I4s", pad, b"free") + random.Random(seed).randbytes(pad - 8)


def build_project(
    write: Callable[[str, str | bytes], Any],
    accounts: Sequence[str],
    posts: Sequence[PostSpec],
    *,
    big: dict[str, int] | None = None,
    youtube: Sequence[str] = (),
) -> None:
    """Write config, manifests and videos through ``write(relative, content)``.

    ``big`` maps a media path to a size: an MP4 padded to that size (several chunks);
    ``youtube`` names YouTube channel accounts (:func:`config_yaml`).
    """
    write("publisher.yaml", config_yaml(accounts, youtube))
    for post in posts:
        write(f"posts/{post.id}.yaml", post.yaml())
    for name in SMALL_VIDEOS:
        write(f"media/{name}", (MEDIA / name).read_bytes())
    for index, (path, size) in enumerate(sorted((big or {}).items())):
        write(path, padded_mp4(MEDIA / "tutorial-part1.mp4", size, seed=index))


def committed_project(
    root: Path,
    accounts: Sequence[str],
    posts: Sequence[PostSpec],
    *,
    big: dict[str, int] | None = None,
    files: Mapping[str, str] | None = None,
    youtube: Sequence[str] = (),
) -> Path:
    """A new git repository at ``root`` holding :func:`build_project`'s files in one commit.

    ``files`` (relative path -> text) are written after the project, replacing any of its own.
    """
    init_repo(root)

    def write(relative: str, content: str | bytes) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())

    build_project(write, accounts, posts, big=big, youtube=youtube)
    for relative, content in (files or {}).items():
        write(relative, content)
    commit_all(root, "content")
    return root


def run_publisher(
    root: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real ``publisher`` command in a subprocess on ``root`` (``-C``), as CI runs it.

    Output is captured as text, stdin is empty, and it may take 120 s; the caller checks the
    exit code and hands the output to its secret scan.
    """
    return subprocess.run(
        [sys.executable, "-m", "gitops_publisher", "-C", str(root), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )


#: What a test process may carry that must not reach a ``publisher`` it runs: TikTok's and
#: Google's endpoints, app and account secrets, the publisher's own settings, GitHub's and CI's.
INHERITED_PREFIXES = ("TIKTOK_", "YOUTUBE_", "TT_RT_", "PUBLISHER_", "GITHUB_", "INPUT_")


def publisher_env(
    home: Path,
    base_url: str | None = None,
    secrets: Mapping[str, str] | None = None,
    *,
    key: str = "",
    ci: bool = False,
    **extra: str,
) -> dict[str, str]:
    """The environment of one machine running ``publisher`` (a developer's, or a CI job's).

    The test process's environment without :data:`INHERITED_PREFIXES` nor ``CI``; the
    machine's token store (``home/config/tokens.json``), config and crash logs under ``home``;
    no colour. With ``base_url``, TikTok and YouTube (Google's OAuth too) are the emulator
    served there, with its apps' credentials; ``secrets`` maps an account (a TikTok account
    or a YouTube channel) to its refresh-token secret; ``key`` is the
    write-back key (``PUBLISHER_TOKEN_KEY``); ``ci`` sets ``CI=true``; ``extra`` is added.
    """
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(INHERITED_PREFIXES) and k != "CI"
    }
    env.update(
        PUBLISHER_TOKEN_STORE=str(home / "config" / "tokens.json"),
        PUBLISHER_LOG_DIR=str(home / "logs"),
        XDG_CONFIG_HOME=str(home / "config"),
        NO_COLOR="1",
    )
    if base_url is not None:
        env.update(
            PUBLISHER_TIKTOK_API_URL=base_url,
            PUBLISHER_TIKTOK_AUTH_URL=base_url,
            TIKTOK_CLIENT_KEY=SANDBOX_CLIENT_KEY,
            TIKTOK_CLIENT_SECRET=SANDBOX_CLIENT_SECRET,
            PUBLISHER_YOUTUBE_API_URL=base_url,
            PUBLISHER_GOOGLE_AUTH_URL=base_url + "/o/oauth2/v2/auth",
            PUBLISHER_GOOGLE_TOKEN_URL=base_url + "/token",
            PUBLISHER_GOOGLE_REVOKE_URL=base_url + "/revoke",
            YOUTUBE_CLIENT_ID=SANDBOX_GOOGLE_CLIENT_ID,
            YOUTUBE_CLIENT_SECRET=SANDBOX_GOOGLE_CLIENT_SECRET,
        )
    env.update({env_name(account): value for account, value in (secrets or {}).items()})
    if key:
        env["PUBLISHER_TOKEN_KEY"] = key
    if ci:
        env["CI"] = "true"
    env.update(extra)
    return env


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------- secrets
@dataclass
class SecretScan:
    """Every token value handed out or seen, and every text our runs produced."""

    secrets: set[str] = field(
        default_factory=lambda: {SANDBOX_CLIENT_SECRET, SANDBOX_GOOGLE_CLIENT_SECRET}
    )
    outputs: list[tuple[str, str]] = field(default_factory=list)

    def add_output(self, where: str, text: str | bytes) -> None:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        self.outputs.append((where, text))

    def add_tokens(self, tokens: dict[str, Any]) -> None:
        for key in ("access_token", "refresh_token"):
            value = tokens.get(key)
            if isinstance(value, str) and value:
                self.secrets.add(value)

    def harvest(self, path: Path) -> None:
        """Add every access/refresh token found anywhere in a JSON token store file."""
        if path.exists():
            self.harvest_value(json.loads(path.read_text(encoding="utf-8")))

    def harvest_value(self, value: Any) -> None:
        """Add every access/refresh token found anywhere in a JSON value."""
        if isinstance(value, dict):
            self.add_tokens(value)
            for item in value.values():
                self.harvest_value(item)
        elif isinstance(value, list):
            for item in value:
                self.harvest_value(item)

    def check(self) -> None:
        """Fail naming the output (never the secret) where a token value appears."""
        assert len(self.secrets) >= 1
        leaks = [
            where
            for where, text in self.outputs
            for secret in self.secrets
            if len(secret) >= 8 and secret in text
        ]
        assert not leaks, f"a token value appears in: {sorted(set(leaks))}"


# ---------------------------------------------------------------------------- emulator
class JumpClock(ScaledClock):
    """A scaled clock that a test can also move forward at once (token/URL expiry)."""

    def __init__(self, time_scale: float) -> None:
        super().__init__(time_scale)
        self.offset = 0.0

    def now(self) -> float:
        return super().now() + self.offset

    def jump(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Emulator:
    """The sandbox served over real HTTP in this process."""

    base_url: str
    app: Any
    clock: JumpClock
    scan: SecretScan

    @property
    def service(self) -> Any:
        return sandbox_service(self.app)

    @property
    def scale(self) -> float:
        return self.clock.time_scale

    def get(self, path: str) -> Any:
        response = httpx.get(self.base_url + path, timeout=10)
        assert response.status_code == 200, response.text
        self.scan.add_output(f"GET {path}", response.text)
        return response.json()

    def posts(self) -> list[dict[str, Any]]:
        return list(self.get("/_sandbox/posts")["posts"])

    def requests(self) -> list[dict[str, Any]]:
        return list(self.get("/_sandbox/requests")["requests"])

    def set_faults(self, faults: dict[str, dict[str, Any]]) -> None:
        """Replace the fault specs (direct, so it works from inside an event callback)."""
        from gitops_publisher.sandbox import FaultSpec

        service = self.service
        specs = {name: FaultSpec(**spec) for name, spec in faults.items()}
        service.options = service.options.model_copy(update={"faults": specs})

    def set_options(self, **values: Any) -> None:
        service = self.service
        service.options = service.options.model_copy(update=values)

    def refresh_token(self, account: str) -> str:
        """A fresh refresh token for ``account`` (created on first use), as after a login."""
        token = str(self.service.world.ensure_account(account))
        self.scan.secrets.add(token)
        return token

    def try_refresh(self, refresh_token: str) -> int:
        """POST a refresh grant; return the HTTP status (200 = accepted)."""
        response = httpx.post(
            self.base_url + "/v2/oauth/token/",
            data={
                "client_key": SANDBOX_CLIENT_KEY,
                "client_secret": SANDBOX_CLIENT_SECRET,
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
            },
            timeout=10,
        )
        if response.status_code == 200 and "access_token" in response.text:
            self.scan.add_tokens(response.json())
            return 200
        return response.status_code if response.status_code != 200 else 400


@contextmanager
def served_emulator(
    directory: Path, options: SandboxOptions, scale: float, scan: SecretScan
) -> Iterator[Emulator]:
    clock = JumpClock(scale)
    app = create_app(directory, options, clock)
    with serve_in_thread(app) as base_url:
        yield Emulator(base_url, app, clock, scan)


# ---------------------------------------------------------------------------- applying
@dataclass
class TokenBox:
    """A token store: what the CLI's store does, in memory, recording every secret."""

    scan: SecretScan
    sets: dict[str, dict[str, Any]] = field(default_factory=dict)
    saves: list[str] = field(default_factory=list)

    def load(self, account: str) -> dict[str, Any] | None:
        return self.sets.get(account)

    def save(self, account: str, tokens: dict[str, Any]) -> None:
        self.scan.add_tokens(tokens)
        self.sets[account] = dict(tokens)
        self.saves.append(account)

    def login(self, emulator: Emulator, accounts: Sequence[str]) -> None:
        for name in accounts:
            self.sets[name] = {"refresh_token": emulator.refresh_token(name)}


def cli_env(
    emulator: Emulator, store: Path, refresh_tokens: Mapping[str, str | None]
) -> dict[str, str | None]:
    """The environment of a ``publisher`` command run against ``emulator`` as if it were TikTok.

    The app's credentials are the sandbox's, the local token store is ``store``, and each
    account's refresh-token variable is set from ``refresh_tokens`` (None: unset).
    """
    return {
        "PUBLISHER_TIKTOK_API_URL": emulator.base_url,
        "TIKTOK_CLIENT_KEY": SANDBOX_CLIENT_KEY,
        "TIKTOK_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        "PUBLISHER_TOKEN_STORE": str(store),
        "PUBLISHER_TOKEN_KEY": None,
        "PUBLISHER_STATE_BRANCH": None,
        **{env_name(name): token for name, token in refresh_tokens.items()},
    }


def connection(emulator: Emulator, tokens: TokenBox) -> Connection:
    return Connection(
        api_url=emulator.base_url,
        client_key=SANDBOX_CLIENT_KEY,
        client_secret=SANDBOX_CLIENT_SECRET,
        load_tokens=tokens.load,
        save_tokens=tokens.save,
        time_scale=emulator.scale,
    )


def describe(event: Event) -> str:
    if isinstance(event, Log):
        return f"[{event.address}] {event.message}"
    if isinstance(event, UploadProgress):
        return f"[{event.address}] {event.sent}/{event.total}"
    assert isinstance(event, Result)
    return f"[{event.address}] {event.outcome.value} {event.publish_id} {event.url} {event.message}"


def apply_once(
    root: Path,
    emulator: Emulator,
    tokens: TokenBox,
    *,
    now: datetime | None = None,
    on_event: Callable[[Event], None] | None = None,
    replace: frozenset[str] = frozenset(),
) -> ApplyReport:
    """One apply as the CLI runs it: lock, plan, pre-flight, publish; events scanned."""
    try:
        return _apply(
            root,
            emulator,
            connection(emulator, tokens),
            lambda opened: opened.plan(now=now, replace=replace),
            on_event,
        )
    finally:
        state = root / ".publisher" / "state.json"
        if state.exists():
            emulator.scan.add_output("state.json", state.read_text(encoding="utf-8"))


class Killed(BaseException):
    """SIGKILL: nothing after this line of the run happens (no state write either)."""


@contextmanager
def killed_on_processing(*, written: bool) -> Iterator[None]:
    """The run is killed at its write of ``processing``: before it, or once it is durable."""
    mp = pytest.MonkeyPatch()
    put = StateBox.put

    async def dying_put(self: StateBox, record: Record, *, wait: bool = True) -> None:
        if record.status != "processing":
            await put(self, record, wait=wait)
            return
        if written:
            await put(self, record, wait=True)
        raise Killed

    mp.setattr(StateBox, "put", dying_put)
    try:
        with pytest.raises(Killed):
            yield
    finally:
        mp.undo()


@contextmanager
def killed_at_first_poll() -> Iterator[None]:
    """The run is killed as it asks its first outcome question (the first poll after an
    upload), with the writes it had not waited for lost (``put(wait=False)`` never made)."""
    mp = pytest.MonkeyPatch()
    put = StateBox.put

    async def waited_only(self: StateBox, record: Record, *, wait: bool = True) -> None:
        if wait:
            await put(self, record, wait=True)

    async def dying_ask(self: settle._Asker) -> Answer:
        raise Killed

    mp.setattr(StateBox, "put", waited_only)
    mp.setattr(settle._Asker, "__call__", dying_ask)
    try:
        with pytest.raises(Killed):
            yield
    finally:
        mp.undo()


def lose_settled_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The state keeps each attempt's handle but none of its later writes (a run killed
    after the upload): the next run resumes it."""
    put = StateBox.put

    async def losing_put(self: StateBox, record: Record, *, wait: bool = True) -> None:
        if record.status in ("initiating", "uploading"):
            await put(self, record, wait=wait)

    monkeypatch.setattr(StateBox, "put", losing_put)


def apply_channels(
    root: Path,
    emulator: Emulator,
    refresh_tokens: Mapping[str, str],
    *,
    on_event: Callable[[Event], None] | None = None,
    now: Callable[[], datetime] | None = None,
) -> ApplyReport:
    """One apply of ``root``'s YouTube channels against the emulator, as the CLI runs it.

    ``refresh_tokens``: each channel account's refresh token
    (``emulator.service.world.ensure_channel("@NAME")``). ``now``: the run's wall clock,
    which its records are written with (default: the real one); a run "later", after
    ``emulator.clock.jump``, passes one moved as far.
    """
    tokens = {name: {"refresh_token": token} for name, token in refresh_tokens.items()}
    emulator.scan.secrets.update(refresh_tokens.values())
    linked = Connection(
        api_url=emulator.base_url,
        client_key=SANDBOX_CLIENT_KEY,
        client_secret=SANDBOX_CLIENT_SECRET,
        load_tokens=tokens.get,
        save_tokens=tokens.__setitem__,
        time_scale=emulator.scale,
        apps={"youtube": (SANDBOX_GOOGLE_CLIENT_ID, SANDBOX_GOOGLE_CLIENT_SECRET)},
    )
    # Moves persisted as `publisher apply` does.
    return _apply(
        root,
        emulator,
        linked,
        lambda opened: persist_moves(opened.plan(), warn=print),
        on_event,
        now=now,
    )


def _apply(
    root: Path,
    emulator: Emulator,
    linked: Connection,
    plan: Callable[[Opened], Planned],
    on_event: Callable[[Event], None] | None,
    *,
    now: Callable[[], datetime] | None = None,
) -> ApplyReport:
    """Lock the state, ``plan`` under the lock, and execute it; the events are scanned."""
    lines: list[str] = []

    def emit(event: Event) -> None:
        lines.append(describe(event))
        if on_event is not None:
            on_event(event)

    opened = open_project(root, sandbox=False)
    try:
        with opened.store.lock(purpose="apply"):
            if now is None:
                return execute(plan(opened), linked, emit=emit)
            return execute(plan(opened), linked, emit=emit, now=now)
    finally:
        emulator.scan.add_output("events", "\n".join(lines))


def pending_changes(root: Path, now: datetime | None = None, *, sandbox: bool = False) -> list[str]:
    """Addresses the plan would still act on (empty: converged).

    Planned against the endpoint the state describes (a served emulator's URL when a
    ``publisher`` subprocess applied against it), whatever this process's environment says;
    ``sandbox``: the embedded sandbox's state (``--sandbox``).
    """
    from gitops_publisher.core.plan import ACTING

    path = root / ".publisher" / "state.json"
    bound = read_state(root).endpoints if path.exists() and not sandbox else None
    plan = make_plan(root, sandbox=sandbox, now=now, endpoints=bound or None).plan
    return [f"{c.address}:{c.action.value}" for c in plan.changes if c.action in ACTING]


def read_state(root: Path) -> State:
    return State.model_validate_json((root / ".publisher" / "state.json").read_bytes())


# ---------------------------------------------------------------------------- the promise
DONE_AT_TIKTOK = {"PUBLISH_COMPLETE": "published", "SEND_TO_USER_INBOX": "inbox"}


def assert_exactly_once(
    root: Path,
    posts: list[dict[str, Any]],
    expected: dict[str, str],
    replaced: dict[str, int] | None = None,
) -> dict[str, dict[str, Any]]:
    """Check the promise against the emulator's ``GET /_sandbox/posts``.

    ``expected`` maps each address that must be published to its video path; ``replaced``
    says how many extra posts an address got on purpose (``--replace``). Asserts: every
    address published (or in the inbox) exactly once at the emulator (plus its replacements),
    byte-exact; the state holds that very publish_id with the same status and post ids; and
    no published post at the emulator is missing from the state (current or history).
    Returns the emulator's current post per address.
    """
    state = read_state(root)
    by_id = {p["publish_id"]: p for p in posts}
    done = [p for p in posts if p["status"] in DONE_AT_TIKTOK]
    recorded: dict[str, str] = {}
    for address, record in state.resources.items():
        for earlier in record.history:
            recorded[earlier.publish_id] = address
        if record.publish_id:
            recorded[record.publish_id] = address
    lost = [p["publish_id"] for p in done if p["publish_id"] not in recorded]
    assert not lost, f"published at TikTok but not in state: {lost}"
    found: dict[str, dict[str, Any]] = {}
    for address, video in sorted(expected.items()):
        record = state.resources.get(address)
        assert record is not None, f"{address} missing from state"
        assert record.publish_id in by_id, f"{address}: {record.status} {record.fail_reason}"
        post = by_id[record.publish_id]
        assert post["account"] == address.split("@", 1)[1]
        assert post["status"] in DONE_AT_TIKTOK, f"{address}: emulator says {post['status']}"
        assert record.status == DONE_AT_TIKTOK[post["status"]], (address, record.status)
        assert post["sha256"] == sha256_file(root / video), f"{address}: bytes differ"
        assert [str(i) for i in post["post_ids"]] == record.post_ids or not post["post_ids"]
        found[address] = post
    count: dict[str, int] = {}
    for post in done:
        count[recorded[post["publish_id"]]] = count.get(recorded[post["publish_id"]], 0) + 1
    wanted = {address: 1 + (replaced or {}).get(address, 0) for address in expected}
    assert count == wanted, f"published per address {count} != {wanted}"
    return found


def upload_id(handle: str, sessions: Iterable[str] = ()) -> str:
    """The ``upload_id`` of a YouTube session (a state record's handle) in any form.

    A plain URI (a state written before 2026-12-04) holds it; a sealed or closed one only its
    last 4 characters (``core/handles.py``): the one of ``sessions`` (the emulator's upload
    ids) that ends with them, which must be the only one.
    """
    if handles.is_capability(handle):
        return str(httpx.URL(handle).params.get("upload_id", ""))
    tail = handles.tail(handle)
    found = [u for u in sessions if tail and u.endswith(tail)]
    assert len(found) <= 1, f"several sessions end with {tail}"
    return found[0] if found else ""


def youtube_sessions(world: SandboxWorld) -> dict[str, str | None]:
    """Each YouTube session of the emulator's world: its ``upload_id`` -> its video id (None
    while incomplete), the ``sessions`` that :func:`assert_youtube_exactly_once` takes."""
    return {s.upload_id: s.video_id for s in world.data.youtube.sessions.values()}


def assert_youtube_exactly_once(
    root: Path,
    videos: list[dict[str, Any]],
    sessions: Mapping[str, str | None],
    expected: dict[str, str],
) -> None:
    """Check the promise for YouTube channels against the emulator's truth.

    ``videos`` is ``GET /_sandbox/youtube/videos`` (every accepted insert, ``video_id`` null
    until the last byte); ``sessions`` maps each session's ``upload_id`` to its video id
    (None while incomplete), from the emulator's world (the admin routes never show a session
    URI); ``expected`` maps each YouTube address to its video path. Asserts: every finished
    upload is recorded in the state (current or history); every address has exactly one,
    byte-exact and processed, on the account's channel; and its record holds that very
    session, video id, Shorts URL and channel.
    """
    state = read_state(root)
    by_video = {v["video_id"]: v for v in videos if v["video_id"] is not None}
    recorded: dict[str, str] = {}  # video id -> address
    for address, record in state.resources.items():
        earlier = [prior.publish_id for prior in record.history]
        for handle in [*earlier, record.publish_id or ""]:
            video_id = sessions.get(upload_id(handle, sessions)) if handle else None
            if video_id is not None:
                assert video_id not in recorded, f"{video_id} recorded twice"
                recorded[video_id] = address
    lost = sorted(set(by_video) - set(recorded))
    assert not lost, f"published at YouTube but not in state: {lost}"
    count: dict[str, int] = {}
    for address in recorded.values():
        count[address] = count.get(address, 0) + 1
    assert count == dict.fromkeys(expected, 1), f"videos per address {count}"
    for address, path in sorted(expected.items()):
        record = state.resources[address]
        video_id = sessions.get(upload_id(record.publish_id or "", sessions))
        assert video_id is not None, f"{address}: {record.status} {record.fail_reason}"
        video = by_video[video_id]
        assert video["channel"] == "@" + record.account, address
        assert video["sha256"] == sha256_file(root / path), f"{address}: bytes differ"
        assert video["upload_status"] == "processed", (address, video["upload_status"])
        assert (record.status, record.post_ids) == ("published", [video_id]), address
        assert record.url == f"https://www.youtube.com/shorts/{video_id}", address
        assert (record.open_id, record.username) == (video["channel_id"], video["channel"])


def session_leaks(outputs: Sequence[tuple[str, str]], upload_ids: Iterable[str]) -> list[str]:
    """``where: line`` of every output line showing a YouTube session's ``upload_id``.

    A session URI is a capability (YouTube reference §2.3): the state keeps it, no output
    may show it, whole or in part.
    """
    ids = [u for u in upload_ids if u]
    return [
        f"{where}: {line}"
        for where, text in outputs
        for line in text.splitlines()
        if any(u in line for u in ids)
    ]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=1, sort_keys=True, default=str)


@pytest.fixture
def scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[SecretScan]:
    """Collects every output of the test; afterwards asserts no token value is in any.

    Shared by the apply and end-to-end suites (their conftests re-export it).
    """
    logs = tmp_path / "crash-logs"
    monkeypatch.setenv("PUBLISHER_LOG_DIR", str(logs))
    caplog.set_level(logging.DEBUG)  # every library log line, httpx and uvicorn included
    found = SecretScan()
    yield found
    found.add_output("log records", caplog.text)
    for log in sorted(logs.glob("*")):
        found.add_output(log.name, log.read_text(encoding="utf-8", errors="replace"))
    found.check()
