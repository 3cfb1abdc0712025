"""The CI path: a refresh token from the environment, rotated by TikTok at every refresh.

Two ``publisher apply`` subprocesses in a row get the SAME ``refresh_token_env`` value, as a
CI secret never changes by itself. The first run's refresh retires that token at the
emulator; with ``PUBLISHER_TOKEN_KEY`` the rotated set is written back encrypted to
``.publisher/tokens.enc`` and the second run starts from it. Without the key a CI run
(``CI=true``) stops before that first refresh, which would retire the secret for good.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from apply.harness import (
    PostSpec,
    SecretScan,
    assert_exactly_once,
    committed_project,
    fast_options,
    publisher_env,
    run_publisher,
    served_emulator,
)
from cryptography.fernet import Fernet
from pinned_git import commit_all

VIDEO = "media/tutorial-part1.mp4"


def make_repo(root: Path) -> None:
    committed_project(root, ["brand-us"], [PostSpec("first", ["brand-us"])])


def add_post(root: Path) -> None:
    (root / "posts" / "second.yaml").write_text(PostSpec("second", ["brand-us"]).yaml())
    commit_all(root, "second")


def apply(root: Path, env: dict[str, str], scan: SecretScan) -> subprocess.CompletedProcess[str]:
    done = run_publisher(root, "apply", "--yes", env=env)
    scan.add_output("apply stdout", done.stdout)
    scan.add_output("apply stderr", done.stderr)
    scan.harvest(Path(env["PUBLISHER_TOKEN_STORE"]))
    return done


def ci_env(base_url: str, token: str, tmp_path: Path, key: str | None) -> dict[str, str]:
    return publisher_env(tmp_path, base_url, {"brand-us": token}, key=key or "", ci=True)


def test_rotated_token_written_back_encrypted_lets_the_next_ci_run_publish(tmp_path, scan):
    root = tmp_path / "repo"
    make_repo(root)
    key = Fernet.generate_key().decode()
    with served_emulator(
        tmp_path / "world", fast_options(processing_base_sec=0.0), 1.0, scan
    ) as em:
        secret = em.refresh_token("brand-us")  # the CI secret, set once
        env = ci_env(em.base_url, secret, tmp_path, key)
        first = apply(root, env, scan)
        assert first.returncode == 0, first.stderr
        assert em.try_refresh(secret) != 200  # TikTok retired the secret at the first refresh
        written = (root / ".publisher" / "tokens.enc").read_bytes()
        scan.add_output("tokens.enc", written)  # encrypted: no token value in it
        scan.harvest_value(json.loads(Fernet(key.encode()).decrypt(written)))
        assert len(scan.secrets) >= 4  # the secret, the rotated refresh and access tokens
        add_post(root)
        second = apply(root, env, scan)  # the same, now dead, secret
        assert second.returncode == 0, second.stderr
        assert_exactly_once(root, em.posts(), {"first@brand-us": VIDEO, "second@brand-us": VIDEO})


def test_ci_without_a_write_back_key_stops_before_retiring_the_secret(tmp_path, scan):
    root = tmp_path / "repo"
    make_repo(root)
    with served_emulator(
        tmp_path / "world", fast_options(processing_base_sec=0.0), 1.0, scan
    ) as em:
        secret = em.refresh_token("brand-us")
        env = ci_env(em.base_url, secret, tmp_path, None)
        plan = run_publisher(root, "plan", env=env)
        scan.add_output("plan", plan.stdout + plan.stderr)
        assert plan.returncode == 0, plan.stderr  # the creator checks are skipped, saying why
        assert "account checks could not run" in plan.stdout + plan.stderr
        first = apply(root, env, scan)
        assert first.returncode == 1
        assert "PUBLISHER_TOKEN_KEY" in first.stderr and "nothing was refreshed" in first.stderr
        assert "Traceback" not in first.stderr
        assert em.requests() == []  # not one request reached TikTok: no refresh, no init
        assert em.posts() == []
        assert not (root / ".publisher" / "state.json").exists()
        assert not Path(env["PUBLISHER_TOKEN_STORE"]).exists()
        key = Fernet.generate_key().decode()  # the fix the message names: the secret still works
        second = apply(root, ci_env(em.base_url, secret, tmp_path, key), scan)
        assert second.returncode == 0, second.stderr
        assert_exactly_once(root, em.posts(), {"first@brand-us": VIDEO})
