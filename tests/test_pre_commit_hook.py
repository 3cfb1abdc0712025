"""The ``publisher-validate`` hook, run by the real pre-commit in a content repository.

This repository is the hook repository, by local path: pre-commit clones it and installs it
into its own environment. No network: pip gets no index and no build isolation, and finds the
dependencies through PYTHONPATH (this test environment's site-packages).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from pinned_git import GIT_ENV, commit_all, git, init_repo

REPO = Path(__file__).resolve().parents[1]
BAD_POST = "version: 1\nid: bad\naccounts: [brand-us]\nvideo: media/example.mp4\nprivacy: PUBLIC\n"


def hook_repository(target: Path) -> str:
    """A git repository of this working tree's package and hook definition; its commit id."""
    init_repo(target)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(REPO / name, target / name)
    shutil.copytree(
        REPO / "gitops_publisher",
        target / "gitops_publisher",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    commit_all(target, "hook repository")
    return git(target, "rev-parse", "HEAD").strip()


def readme_config(repo: Path, rev: str) -> str:
    """The README's copy-paste .pre-commit-config.yaml, pointed at the local hook repository."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## pre-commit", 1)[1]
    match = re.search(r"```yaml\n(repos:.*?)```", section, re.DOTALL)
    assert match is not None
    config = match[1]
    config = re.sub(r"repo: \S+", f"repo: {repo}", config)
    return re.sub(r"rev: \S+", f"rev: {rev}", config)


@pytest.fixture
def offline_env(tmp_path: Path) -> dict[str, str]:
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    return {
        **os.environ,
        **GIT_ENV,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PIP_NO_INDEX": "1",
        "PIP_NO_DEPS": "1",
        "PIP_NO_BUILD_ISOLATION": "0",
        "PYTHONPATH": os.pathsep.join(sorted(paths)),
    }


def run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=240, check=False
    )


@pytest.mark.timeout(600)
def test_the_hook_lets_a_valid_commit_through_and_stops_a_broken_manifest(
    tmp_path: Path, offline_env: dict[str, str]
) -> None:
    rev = hook_repository(tmp_path / "hooks")
    content = tmp_path / "content"
    made = run(
        tmp_path, offline_env, sys.executable, "-m", "gitops_publisher", "init", str(content),
        "--account", "brand-us",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    git(content, "init", "-q")
    (content / ".pre-commit-config.yaml").write_text(readme_config(tmp_path / "hooks", rev))
    pre_commit = [sys.executable, "-m", "pre_commit"]
    installed = run(content, offline_env, *pre_commit, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr

    git(content, "add", "-A")
    first = run(content, offline_env, "git", "commit", "-q", "-m", "publisher init")
    assert first.returncode == 0, first.stdout + first.stderr
    assert re.search(r"publisher validate\.+Passed", first.stdout + first.stderr)

    (content / "posts" / "bad.yaml").write_text(BAD_POST)
    git(content, "add", "-A")
    refused = run(content, offline_env, "git", "commit", "-q", "-m", "a broken post")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert re.search(r"publisher validate\.+Failed", output)
    assert "posts/bad.yaml:5:10 privacy:" in output
    assert git(content, "log", "--format=%s") == "publisher init\n"  # nothing committed
