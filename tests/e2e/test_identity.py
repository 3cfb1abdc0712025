"""Accounts pinned to a TikTok user: the real ``plan`` and ``apply`` against the emulator.

A token of another TikTok user (a login as the wrong person, a secret pasted into the wrong
variable) must stop that account before any init, naming both users, while the other
accounts publish. The user is named in ``publisher.yaml`` (``username``) or pinned by the
first publish (trust on first use).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from apply.harness import (
    Emulator,
    PostSpec,
    SecretScan,
    committed_project,
    env_name,
    fast_options,
    publisher_env,
    run_publisher,
    served_emulator,
)
from pinned_git import commit_all

ACCOUNTS = ["acme-main", "acme-uk"]


def env_for(em: Emulator, tmp_path: Path, users: dict[str, str]) -> dict[str, str]:
    """The environment of a CI run whose secrets are fresh tokens of ``users`` (account->user)."""
    secrets = {account: em.refresh_token(user) for account, user in users.items()}
    return publisher_env(tmp_path, em.base_url, secrets)


def run(
    root: Path, scan: SecretScan, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    done = run_publisher(root, *args, env=env)
    scan.add_output(f"{args} stdout", done.stdout)
    scan.add_output(f"{args} stderr", done.stderr)
    return done


def add_post(root: Path, post_id: str) -> None:
    (root / "posts" / f"{post_id}.yaml").write_text(PostSpec(post_id, ACCOUNTS).yaml())
    commit_all(root, post_id)


def published_by(em: Emulator) -> dict[str, set[str]]:
    """Post id (from the caption) -> the sandbox users it was inited for."""
    out: dict[str, set[str]] = {}
    for post in em.posts():
        out.setdefault(post["title"].split(" ")[0], set()).add(post["account"])
    return out


def test_a_token_of_another_user_than_the_pin_stops_that_account_only(
    tmp_path: Path, scan: SecretScan
) -> None:
    root = committed_project(tmp_path / "repo", ACCOUNTS, [PostSpec("first", ACCOUNTS)])
    with served_emulator(
        tmp_path / "world", fast_options(processing_base_sec=0.0), 1.0, scan
    ) as em:
        right = {"acme-main": "acme-main", "acme-uk": "acme-uk"}
        first = run(root, scan, env_for(em, tmp_path, right), "apply", "--yes")
        assert first.returncode == 0, first.stdout + first.stderr
        # No identity in publisher.yaml: trust on first use, with a warning saying so.
        assert "names no TikTok identity in publisher.yaml" in first.stdout
        state = json.loads((root / ".publisher" / "state.json").read_text())["resources"]
        main = em.service.world.find_account(username="acme-main")
        assert state["first@acme-main"]["open_id"] == main.open_id
        assert state["first@acme-main"]["username"] == "acme-main"

        add_post(root, "second")
        wrong = {"acme-main": "sandbox.creator", "acme-uk": "acme-uk"}
        plan = run(root, scan, env_for(em, tmp_path, wrong), "plan")
        assert plan.returncode == 1, plan.stdout + plan.stderr
        assert "account acme-main is pinned to @acme-main" in plan.stdout
        assert "belongs to @sandbox.creator" in plan.stdout

        applied = run(root, scan, env_for(em, tmp_path, wrong), "apply", "--yes")
        assert applied.returncode == 1, applied.stdout + applied.stderr
        assert "@acme-main" in applied.stdout and "@sandbox.creator" in applied.stdout
        assert "second@acme-main  not attempted" in applied.stdout
        # Every init the emulator accepted (any user): none for the stopped account.
        assert published_by(em) == {
            "first": {"acme-main", "acme-uk"},
            "second": {"acme-uk"},  # the other account went on
        }
    second = json.loads((root / ".publisher" / "state.json").read_text())["resources"]
    assert "second@acme-main" not in second
    assert second["second@acme-uk"]["status"] == "published"


def test_a_configured_username_stops_the_wrong_user_before_the_first_publish(
    tmp_path: Path, scan: SecretScan
) -> None:
    root = committed_project(tmp_path / "repo", ACCOUNTS, [PostSpec("first", ACCOUNTS)])
    config = (root / "publisher.yaml").read_text()
    config = config.replace(
        f"refresh_token_env: {env_name('acme-main')}",
        f"refresh_token_env: {env_name('acme-main')}\n    username: '@Acme-Main'",
    )
    (root / "publisher.yaml").write_text(config)
    commit_all(root, "identity")
    with served_emulator(
        tmp_path / "world", fast_options(processing_base_sec=0.0), 1.0, scan
    ) as em:
        wrong = {"acme-main": "sandbox.creator", "acme-uk": "acme-uk"}
        applied = run(root, scan, env_for(em, tmp_path, wrong), "apply", "--yes")
        assert applied.returncode == 1, applied.stdout + applied.stderr
        assert (
            "account acme-main is @acme-main in publisher.yaml, but its token belongs to "
            "@sandbox.creator" in applied.stdout
        )
        assert published_by(em) == {"first": {"acme-uk"}}
        assert (
            "first@acme-main"
            not in json.loads((root / ".publisher" / "state.json").read_text())["resources"]
        )

        right = {"acme-main": "acme-main", "acme-uk": "acme-uk"}
        again = run(root, scan, env_for(em, tmp_path, right), "apply", "--yes")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "account acme-main names no TikTok identity" not in again.stdout
        assert published_by(em) == {"first": {"acme-main", "acme-uk"}}
