"""Env refresh tokens without ``PUBLISHER_TOKEN_KEY``, and how often a run refreshes.

Real ``publisher`` subprocesses against the emulator over HTTP. Every refresh of a rotating
token retires the one before it, so each is counted at the emulator's token endpoint.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from apply.harness import (
    Emulator,
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

ACCOUNTS = ("brand-us", "brand-uk", "devrel")
PART1, PART2, STORY = (f"media/{n}" for n in ("tutorial-part1", "tutorial-part2", "customer-story"))
POSTS = (
    PostSpec("launch", ["brand-us", "brand-uk"], video=f"{PART1}.mp4"),
    PostSpec("howto", ["brand-us", "devrel"], video=f"{PART2}.mp4"),
    PostSpec("story", ["brand-uk", "devrel"], video=f"{STORY}.mp4"),
)


def env_for(
    em: Emulator, tmp_path: Path, secrets: dict[str, str], *, key: str = "", ci: bool = False
) -> dict[str, str]:
    """The environment of one machine: its token store, the account secrets, maybe CI."""
    return publisher_env(tmp_path, em.base_url, secrets, key=key, ci=ci)


def token_calls(em: Emulator) -> int:
    """How many requests the emulator's token endpoint has received so far."""
    return sum(1 for r in em.requests() if r["endpoint"] == "token")


def run(
    root: Path, em: Emulator, env: dict[str, str], scan: SecretScan, *args: str
) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run one command; return it and the token-endpoint calls it made."""
    before = token_calls(em)
    done = run_publisher(root, *args, env=env)
    scan.add_output(f"{' '.join(args)} stdout", done.stdout)
    scan.add_output(f"{' '.join(args)} stderr", done.stderr)
    scan.harvest(Path(env["PUBLISHER_TOKEN_STORE"]))
    for path in (root / ".publisher").glob("*.json"):
        scan.add_output(path.name, path.read_text())
    return done, token_calls(em) - before


def test_two_commands_in_a_row_with_an_env_token_and_no_key(tmp_path, scan):
    """The rotated token kept locally wins over the retired secret it descends from."""
    root = tmp_path / "repo"
    committed_project(root, ["brand-us"], [PostSpec("first", ["brand-us"])])
    with served_emulator(
        tmp_path / "world", fast_options(processing_base_sec=0.0), 1.0, scan
    ) as em:
        secret = em.refresh_token("brand-us")
        env = env_for(em, tmp_path, {"brand-us": secret})
        first, _ = run(root, em, env, scan, "apply", "--yes")
        assert first.returncode == 0, first.stderr
        assert em.try_refresh(secret) != 200  # retired by the first command's refresh
        (root / "posts" / "second.yaml").write_text(PostSpec("second", ["brand-us"]).yaml())
        commit_all(root, "second")
        second, refreshes = run(root, em, env, scan, "apply", "--yes")  # same, dead, secret
        assert second.returncode == 0, second.stderr
        assert refreshes == 0  # the first command's access token is still valid
        assert "invalid_grant" not in second.stderr
        truth = {"first@brand-us": f"{PART1}.mp4", "second@brand-us": f"{PART1}.mp4"}
        assert_exactly_once(root, em.posts(), truth)


def test_a_changed_secret_wins_over_the_locally_kept_rotation(tmp_path, scan):
    """A new secret (someone logged in again) is not shadowed by the old chain's descendant."""
    root = tmp_path / "repo"
    committed_project(root, ["brand-us"], [PostSpec("first", ["brand-us"])])
    with served_emulator(
        tmp_path / "world", fast_options(processing_base_sec=0.0), 1.0, scan
    ) as em:
        env = env_for(em, tmp_path, {"brand-us": em.refresh_token("brand-us")})
        first, _ = run(root, em, env, scan, "plan")
        assert first.returncode == 0, first.stderr
        renewed = em.refresh_token("brand-us")  # logged in again: a new grant, a new secret
        env = env_for(em, tmp_path, {"brand-us": renewed})
        second, refreshes = run(root, em, env, scan, "plan")
        assert second.returncode == 0, second.stderr
        assert refreshes == 1  # started from the new secret, not the old chain's access token
        assert em.try_refresh(renewed) != 200  # it was the one refreshed


def test_refreshes_per_run_multi_account_plan_then_apply(tmp_path, scan):
    """At most one refresh per account per run; a valid access token is reused across runs.

    Measured at the emulator's token endpoint for three accounts and three posts (two
    accounts each, six publishes): plan, apply, apply again without a key (a developer
    machine) and with one (CI's write-back); and apply, apply again without a plan first.
    Before kept rotations were reused without a key, the no-key rows were [3, 3, 3] (the
    second and third commands failing on invalid_grant) and [3, 3]; with a key [3, 0, 0].
    """
    ci_key = Fernet.generate_key().decode()
    scenarios = {
        "no key": ("", ("plan", "apply", "apply")),
        "key": (ci_key, ("plan", "apply", "apply")),
        "apply only": ("", ("apply", "apply")),
    }
    counts: dict[str, list[int]] = {}
    for label, (key, commands) in scenarios.items():
        root = tmp_path / label.replace(" ", "-") / "repo"
        committed_project(root, ACCOUNTS, POSTS)
        with served_emulator(
            root.parent / "world", fast_options(processing_base_sec=0.0), 1.0, scan
        ) as em:
            secrets = {a: em.refresh_token(a) for a in ACCOUNTS}
            env = env_for(em, root.parent, secrets, key=key)
            counts[label] = []
            for command in commands:
                args = ("apply", "--yes") if command == "apply" else ("plan",)
                done, refreshes = run(root, em, env, scan, *args)
                assert done.returncode == 0, done.stderr
                counts[label].append(refreshes)
            truth = {f"{p.id}@{a}": p.video for p in POSTS for a in p.accounts}
            assert_exactly_once(root, em.posts(), truth)
    assert counts == {"no key": [3, 0, 0], "key": [3, 0, 0], "apply only": [3, 0]}, counts


def test_an_access_token_near_expiry_is_refreshed_once_from_the_kept_rotation(tmp_path, scan):
    """TikTok's access tokens live hours; here 2 minutes, under the 5-minute margin."""
    root = tmp_path / "repo"
    committed_project(root, ["brand-us"], [PostSpec("first", ["brand-us"])])
    options = fast_options(processing_base_sec=0.0, access_token_ttl_sec=120)
    with served_emulator(tmp_path / "world", options, 1.0, scan) as em:
        env = env_for(em, tmp_path, {"brand-us": em.refresh_token("brand-us")})
        for _ in range(3):
            done, refreshes = run(root, em, env, scan, "plan")
            assert done.returncode == 0, done.stderr
            assert "account checks could not run" not in done.stdout + done.stderr
            assert refreshes == 1
