"""git for tests: a pinned identity and dates, no system or user config (reproducible repos)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_AUTHOR_DATE": "2026-11-01T12:00:00Z",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
    "GIT_COMMITTER_DATE": "2026-11-01T12:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with the pinned identity; return stdout (raises on failure)."""
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def init_repo(root: Path) -> Path:
    """Create the directory ``root`` and ``git init`` it (branch ``main``); return it."""
    root.mkdir(parents=True)
    git(root, "init", "-q")
    return root


def commit_all(root: Path, message: str) -> None:
    """Stage every file of the work tree and commit it."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def push_to_new_bare(seed: Path, remote: Path) -> Path:
    """Create the bare repository ``remote``, make it ``seed``'s origin and push ``main``."""
    remote.mkdir(parents=True)
    git(remote, "init", "-q", "--bare")
    git(seed, "remote", "add", "origin", str(remote))
    git(seed, "push", "-q", "origin", "main")
    return remote


def clone(remote: Path, target: Path) -> Path:
    """``git clone`` ``remote`` into the new directory ``target``; return it."""
    git(target.parent, "clone", "-q", str(remote), target.name)
    return target
