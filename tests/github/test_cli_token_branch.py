"""The bare ``publisher`` CLI in CI keeps TikTok's rotated tokens on the state branch.

Not every CI uses the Action: a job may run ``publisher apply`` itself on a git-branch state.
TikTok retires a refresh token at the rotation, so the account's secret is dead after the
first run and only ``tokens.enc`` on the state branch holds the live token. Each job here is
a fresh clone of a bare remote with nothing else on the machine, talking to the emulator on
127.0.0.1 with the SAME (dead after job 1) secret, as a CI secret never changes by itself.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from apply.harness import (
    Emulator,
    PostSpec,
    SecretScan,
    committed_project,
    config_yaml,
    fast_options,
    run_publisher,
    served_emulator,
)
from apply.harness import scan as scan
from click.testing import CliRunner
from cryptography.fernet import Fernet
from pinned_git import commit_all, git, push_to_new_bare

from gitops_publisher.cli.main import cli
from gitops_publisher.providers.tiktok.credentials import WRITEBACK_FILE
from gitops_publisher.sandbox import sandbox_service
from gitops_publisher.sandbox.tokens import find_live

from .conftest import fresh_job, runner_env

ACCOUNT = "brand-us"


def content_remote(tmp_path: Path) -> tuple[Path, Path]:
    """A bare remote holding a one-post project on the git-branch state backend; its seed."""
    config = config_yaml([ACCOUNT]).replace("backend: file", "backend: git-branch")
    seed = committed_project(
        tmp_path / "seed",
        [ACCOUNT],
        [PostSpec("first", [ACCOUNT])],
        files={"publisher.yaml": config, ".gitignore": ".publisher/\n"},
    )
    return push_to_new_bare(seed, tmp_path / "remote.git"), seed


@contextmanager
def branch_ci(tmp_path: Path, scan: SecretScan) -> Iterator[tuple[Path, Path, Emulator, str, str]]:
    """The remote, its seed, the emulator, the account's CI secret (set once), the token key."""
    remote, seed = content_remote(tmp_path)
    options = fast_options(processing_base_sec=0.0)
    with served_emulator(tmp_path / "world", options, 1.0, scan) as em:
        yield remote, seed, em, em.refresh_token(ACCOUNT), Fernet.generate_key().decode()


def ci_env(work: Path, em: Emulator, secret: str, key: str) -> dict[str, str]:
    """What a CI job sets for the bare CLI: app credentials, the secret, the key."""
    return runner_env(
        work, em.base_url, {ACCOUNT: secret}, key, PUBLISHER_TIKTOK_AUTH_URL=em.base_url
    )


def publisher(work: Path, env: dict[str, str], scan: SecretScan, *args: str) -> str:
    """Run the real ``publisher`` command; return its output (scanned); fail on exit != 0."""
    done = run_publisher(work, *args, env=env)
    scan.add_output(f"publisher {' '.join(args)}", done.stdout + done.stderr)
    for log in sorted(Path(env["PUBLISHER_LOG_DIR"]).glob("*")):
        scan.add_output(log.name, log.read_text(errors="replace"))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def in_process_auth(work: Path, env: dict[str, str], scan: SecretScan, command: str) -> str:
    """Run ``publisher auth <command>`` for the account in process; fail on exit != 0."""
    done = CliRunner().invoke(
        cli, ["-C", str(work), "auth", command, "--account", ACCOUNT], env=env
    )
    scan.add_output(f"auth {command} in {work.name}", done.output)
    assert done.exit_code == 0, done.output
    return done.output


def on_branch(remote: Path) -> bytes | None:
    """tokens.enc on the remote's state branch, straight from the bare repository."""
    done = subprocess.run(
        ["git", "show", f"publisher-state:{WRITEBACK_FILE}"],
        cwd=remote,
        capture_output=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


def live_refresh(em: Emulator, token: str) -> bool:
    """Whether TikTok (the emulator) still honours this refresh token (asks nothing)."""
    data = sandbox_service(em.app).world.data
    return find_live(data, token, "refresh", em.clock.now()) is not None


def token_on_branch(remote: Path, em: Emulator, key: str, scan: SecretScan) -> str:
    """The refresh token in tokens.enc on the state branch (must be there, encrypted)."""
    data = on_branch(remote)
    assert data is not None, "no tokens.enc on the state branch"
    scan.add_output("tokens.enc on the branch", data)
    document = json.loads(Fernet(key.encode()).decrypt(data))
    token = str(document[em.base_url][ACCOUNT]["tokens"]["refresh_token"])
    scan.secrets.add(token)
    return token


# ---------------------------------------------------------------------------- end to end
def test_bare_cli_jobs_in_fresh_clones_keep_publishing_on_the_rotated_token(
    tmp_path: Path, scan: SecretScan
) -> None:
    with branch_ci(tmp_path, scan) as (remote, seed, em, secret, key):
        job1 = fresh_job(tmp_path, remote, "job-1")
        publisher(job1, ci_env(job1, em, secret, key), scan, "apply", "--yes")
        first = token_on_branch(remote, em, key, scan)
        assert first != secret and live_refresh(em, first)
        assert not live_refresh(em, secret)  # the secret died at the first rotation

        # A pull request's plan job with the secrets: the creator checks refresh too.
        (seed / "posts" / "second.yaml").write_text(PostSpec("second", [ACCOUNT]).yaml())
        commit_all(seed, "second")
        git(seed, "push", "-q", "origin", "main")
        em.clock.jump(3 * 3600)  # hours later: the access token expired, the next call refreshes
        job2 = fresh_job(tmp_path, remote, "job-2")
        plan = publisher(job2, ci_env(job2, em, secret, key), scan, "plan")
        assert "account checks could not run" not in plan
        assert "second@brand-us" in plan
        checked = token_on_branch(remote, em, key, scan)
        assert checked != first and live_refresh(em, checked) and not live_refresh(em, first)

        em.clock.jump(3 * 3600)
        job3 = fresh_job(tmp_path, remote, "job-3")
        publisher(job3, ci_env(job3, em, secret, key), scan, "apply", "--yes")
        last = token_on_branch(remote, em, key, scan)
        assert last != checked and live_refresh(em, last)  # the newest rotation is on the remote

        published = sorted(post["publish_id"] for post in em.posts())
        assert len(published) == 2  # first and second, each once
        scan.add_output("branch log", git(remote, "log", "--format=%B", "publisher-state"))
    scan.check()


def test_auth_refresh_pushes_the_rotated_set_to_the_branch_before_it_returns(
    tmp_path: Path, scan: SecretScan
) -> None:
    with branch_ci(tmp_path, scan) as (remote, _seed, em, secret, key):
        job1 = fresh_job(tmp_path, remote, "job-1")
        in_process_auth(job1, ci_env(job1, em, secret, key), scan, "refresh")
        first = token_on_branch(remote, em, key, scan)  # on the remote when the command returned
        assert live_refresh(em, first) and not live_refresh(em, secret)

        # Another fresh machine, the same dead secret: status reads the restored file ...
        job2 = fresh_job(tmp_path, remote, "job-2")
        env = ci_env(job2, em, secret, key)
        status = in_process_auth(job2, env, scan, "status")
        assert "rotated token written back" in status
        # ... and refresh starts from the live token on the branch, not the dead secret.
        in_process_auth(job2, env, scan, "refresh")
        second = token_on_branch(remote, em, key, scan)
        assert second != first and live_refresh(em, second) and not live_refresh(em, first)
        assert (
            git(remote, "log", "--format=%s", "publisher-state").splitlines()
            == ["publisher: rotated TikTok tokens (encrypted)"] * 2
        )
    scan.check()
