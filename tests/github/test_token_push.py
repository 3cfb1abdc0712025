"""A rotated TikTok refresh token reaches the state branch before it is used.

TikTok retires a refresh token the moment it hands out the next one, and a CI machine's disk
dies with a killed job: the rotated set must be on the remote before anything uses it, as a
publish_id is. The decisive test kills a real Action process while TikTok (the emulator)
holds the first request made with the new tokens, then runs the next job from a fresh clone.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from apply.harness import (
    Emulator,
    JumpClock,
    PostSpec,
    SecretScan,
    committed_project,
    fast_options,
    run_publisher,
)
from cryptography.fernet import Fernet
from pinned_git import clone, push_to_new_bare

from gitops_publisher.compose import environment_connection
from gitops_publisher.errors import StateError
from gitops_publisher.providers.token_store import EncryptedTokenFile, StoredCiTokens
from gitops_publisher.providers.tokens import TokenSet
from gitops_publisher.sandbox import (
    create_app,
    sandbox_service,
    serve_in_thread,
)
from gitops_publisher.sandbox.tokens import find_live
from gitops_publisher.workspace.git_state import GitBranchStateStore
from gitops_publisher.workspace.project import load_config
from gitops_publisher.workspace.token_sync import WRITEBACK_FILE, BranchMirror, synced_writeback

from .conftest import EVENTS, Checkout, fresh_job, git, machine_of, runner_env

API = "https://open.tiktokapis.com"
KEY = Fernet.generate_key().decode()
ACCOUNTS = ("brand-us", "brand-uk")


def entry(refresh: str) -> StoredCiTokens:
    return StoredCiTokens(TokenSet.from_refresh_token(refresh), origin="seed")


def on_branch(remote: Path, path: str = WRITEBACK_FILE) -> bytes | None:
    """The file's bytes on the remote's state branch, straight from the bare repository."""
    done = subprocess.run(
        ["git", "show", f"publisher-state:{path}"], cwd=remote, capture_output=True, check=False
    )
    return done.stdout if done.returncode == 0 else None


def refresh_in(data: bytes | None, account: str, *, key: str = KEY, api: str = API) -> str | None:
    if data is None:
        return None
    document = json.loads(Fernet(key.encode()).decrypt(data))
    found = document.get(api.rstrip("/"), {}).get(account)
    return None if found is None else str(found["tokens"]["refresh_token"])


def mirrored_file(work: Path) -> EncryptedTokenFile:
    store = GitBranchStateStore.for_project(work, "state.json", branch="publisher-state")
    return EncryptedTokenFile(work / WRITEBACK_FILE, KEY, mirror=BranchMirror(store, work))


# ---------------------------------------------------------------------------- the mirror
def test_a_save_is_on_the_remote_branch_when_it_returns(checkout: Checkout) -> None:
    tokens = mirrored_file(checkout.work)
    tokens.save(API, "brand-us", entry("rft.us1"))
    pushed = on_branch(checkout.remote)
    assert pushed == (checkout.work / WRITEBACK_FILE).read_bytes()  # the very bytes saved
    assert refresh_in(pushed, "brand-us") == "rft.us1"
    assert b"rft.us1" not in pushed  # encrypted on the branch
    tokens.save(API, "brand-us", entry("rft.us2"))  # the next rotation, same run
    assert refresh_in(on_branch(checkout.remote), "brand-us") == "rft.us2"
    assert checkout.branch_log() == ["publisher: rotated TikTok tokens (encrypted)"] * 2


def test_a_push_race_with_another_shard_keeps_both_accounts(checkout: Checkout) -> None:
    ours = mirrored_file(checkout.work)
    ours.save(API, "brand-us", entry("rft.us1"))
    theirs = mirrored_file(clone(checkout.remote, checkout.work.parent / "shard-2"))
    theirs.save(API, "brand-uk", entry("rft.uk1"))  # lands while ours knows an older tip
    ours.save(API, "brand-us", entry("rft.us2"))  # rejected once, re-fetched, merged
    pushed = on_branch(checkout.remote)
    assert refresh_in(pushed, "brand-us") == "rft.us2"
    assert refresh_in(pushed, "brand-uk") == "rft.uk1"


def test_the_end_of_run_sync_adds_no_commit_after_the_mirror(checkout: Checkout) -> None:
    store = GitBranchStateStore.for_project(checkout.work, "state.json", branch="publisher-state")
    store.read()
    with synced_writeback(store, checkout.work, KEY, ["brand-us"], API):
        mirrored_file(checkout.work).save(API, "brand-us", entry("rft.us1"))
    assert checkout.branch_log() == ["publisher: rotated TikTok tokens (encrypted)"]
    assert refresh_in(on_branch(checkout.remote), "brand-us") == "rft.us1"


def test_a_save_that_cannot_be_pushed_fails_loudly_and_keeps_the_local_copy(
    checkout: Checkout,
) -> None:
    tokens = mirrored_file(checkout.work)
    git(checkout.work, "remote", "set-url", "origin", str(checkout.work.parent / "gone.git"))
    with pytest.raises(StateError, match="rotated a refresh token"):
        tokens.save(API, "brand-us", entry("rft.us1"))
    local = EncryptedTokenFile(checkout.work / WRITEBACK_FILE, KEY).load(API, "brand-us")
    assert local is not None  # still here for the end-of-run sync to push again
    assert local.tokens.refresh_token.get_secret_value() == "rft.us1"


# ---------------------------------------------------------------------------- wiring
@pytest.mark.parametrize(
    ("branch", "pushed"), [("publisher-state", True), ("", False)], ids=["git-branch", "file"]
)
def test_the_apply_connection_pushes_rotations_only_on_a_git_branch_state(
    checkout: Checkout, monkeypatch: pytest.MonkeyPatch, branch: str, pushed: bool
) -> None:
    monkeypatch.setenv("PUBLISHER_STATE_BRANCH", branch)
    monkeypatch.setenv("PUBLISHER_TOKEN_KEY", KEY)
    monkeypatch.setenv("PUBLISHER_TIKTOK_API_URL", API)
    monkeypatch.setenv("PUBLISHER_TOKEN_STORE", str(checkout.work.parent / "store.json"))
    monkeypatch.setenv("TIKTOK_CLIENT_KEY", "ck")
    monkeypatch.setenv("TIKTOK_CLIENT_SECRET", "cs")
    monkeypatch.setenv("TIKTOK_REFRESH_TOKEN_BRAND_US", "rft.secret")
    connection = environment_connection(
        checkout.work, load_config(checkout.work), names=["brand-us"]
    )
    assert connection.load_tokens("brand-us") is not None  # from the secret
    connection.save_tokens("brand-us", TokenSet.from_refresh_token("rft.rotated").to_storage())
    assert refresh_in((checkout.work / WRITEBACK_FILE).read_bytes(), "brand-us") == "rft.rotated"
    assert (refresh_in(on_branch(checkout.remote), "brand-us") == "rft.rotated") is pushed


# ---------------------------------------------------------------------------- a killed job
class Gate:
    """ASGI middleware holding requests to ``suffix`` until :meth:`release`, counting them."""

    def __init__(self, app: Any, suffix: str) -> None:
        self.app, self.suffix = app, suffix
        self.arrived = 0
        self._cond = threading.Condition()
        self._open = threading.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith(self.suffix):
            with self._cond:
                self.arrived += 1
                self._cond.notify_all()
            await asyncio.to_thread(self._open.wait)
        await self.app(scope, receive, send)

    def wait_for(self, count: int, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self.arrived >= count, timeout)

    def release(self) -> None:
        self._open.set()


@contextmanager
def gated_emulator(directory: Path, scan: SecretScan) -> Iterator[tuple[Emulator, Gate]]:
    clock = JumpClock(1.0)
    app = create_app(directory, fast_options(processing_base_sec=0.0), clock)
    gate = Gate(app, "/creator_info/query/")
    try:
        with serve_in_thread(gate) as base_url:
            yield Emulator(base_url, app, clock, scan), gate
    finally:
        gate.release()


def content_remote(tmp_path: Path) -> Path:
    seed = committed_project(
        tmp_path / "seed",
        ACCOUNTS,
        [PostSpec("first", ACCOUNTS)],
        files={".gitignore": ".publisher/\n"},
    )
    return push_to_new_bare(seed, tmp_path / "remote.git")


def action_env(work: Path, em: Emulator, secrets: dict[str, str], key: str) -> dict[str, str]:
    """What GitHub Actions sets for the apply job on a push to main (no GitHub token)."""
    machine = machine_of(work)
    env = runner_env(
        work,
        em.base_url,
        secrets,
        key,
        GITHUB_ACTIONS="true",
        GITHUB_EVENT_NAME="push",
        GITHUB_EVENT_PATH=str(EVENTS / "push_main.json"),
        GITHUB_REF="refs/heads/main",
        GITHUB_REPOSITORY="acme/content",
        GITHUB_SHA=git(work, "rev-parse", "HEAD").strip(),
        GITHUB_STEP_SUMMARY=str(machine / "summary.md"),
        GITHUB_OUTPUT=str(machine / "output.txt"),
        INPUT_COMMAND="auto",
        INPUT_WORKING_DIRECTORY=".",
        INPUT_STATE_BRANCH="publisher-state",
        INPUT_GITHUB_TOKEN="",
        INPUT_REVIEWED_ONLY="false",  # no GitHub API here: token sync, not reviews, is tested
    )
    (machine / "summary.md").touch()
    (machine / "output.txt").touch()
    return env


def start_action(work: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gitops_publisher", "-C", str(work), "github"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def unmasked(log: str) -> str:
    """The job log as GitHub shows it: ``::add-mask::`` lines are commands, never displayed."""
    return "\n".join(line for line in log.splitlines() if not line.startswith("::add-mask::"))


def live_refresh(em: Emulator, token: str | None) -> bool:
    data = sandbox_service(em.app).world.data
    return token is not None and find_live(data, token, "refresh", em.clock.now()) is not None


def test_a_job_killed_after_a_rotation_leaves_the_live_token_on_the_remote(
    tmp_path: Path,
) -> None:
    remote = content_remote(tmp_path)
    scan = SecretScan()
    key = Fernet.generate_key().decode()
    with gated_emulator(tmp_path / "world", scan) as (em, gate):
        secrets = {account: em.refresh_token(account) for account in ACCOUNTS}  # set once

        first = fresh_job(tmp_path, remote, "job-1")
        job = start_action(first, action_env(first, em, secrets, key))
        try:
            # Both accounts refreshed and are now calling TikTok with their new tokens.
            assert gate.wait_for(len(ACCOUNTS), timeout=60), "the apply never reached TikTok"
            at_the_kill = on_branch(remote)
        finally:
            job.kill()  # SIGKILL: no finally, no end-of-run sync
            output, _ = job.communicate(timeout=30)
        scan.add_output("killed job", unmasked(output))
        assert job.returncode == -9
        assert at_the_kill is not None, "the rotated tokens were only on the dead runner"
        scan.add_output("tokens.enc on the branch", at_the_kill)
        for account in ACCOUNTS:
            rotated = refresh_in(at_the_kill, account, key=key, api=em.base_url)
            assert rotated is not None and rotated != secrets[account]
            scan.secrets.add(rotated)
            assert live_refresh(em, rotated)  # the only refresh token TikTok still honours
            assert not live_refresh(em, secrets[account])  # the secret died at the rotation
        assert em.posts() == []
        gate.release()

        second = fresh_job(tmp_path, remote, "job-2")
        env = action_env(second, em, secrets, key)  # the same, now dead, secrets
        done = run_publisher(second, "github", env=env)
        scan.add_output("next job", unmasked(done.stdout + done.stderr))
        assert done.returncode == 0, done.stdout + done.stderr
        published = sorted(post["account"] for post in em.posts())
        assert published == sorted(ACCOUNTS)  # each account once, with the restored chain
        state = json.loads(on_branch(remote, ".publisher/state.json") or b"{}")
        assert {a: r["status"] for a, r in state["resources"].items()} == {
            "first@brand-us": "published",
            "first@brand-uk": "published",
        }
        after = on_branch(remote)
        assert after is not None
        for account in ACCOUNTS:  # the next job's rotations are on the remote too
            assert live_refresh(em, refresh_in(after, account, key=key, api=em.base_url))
        scan.add_output("summary", Path(env["GITHUB_STEP_SUMMARY"]).read_text())
        scan.add_output("branch log", git(remote, "log", "--format=%B", "publisher-state"))
    scan.check()
