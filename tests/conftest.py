"""Shared fixtures: real temporary git repositories and the ``publisher`` command in-process.

Keep this file small; fixtures used by one directory belong in that directory.

* ``make_repo(files)`` -> :class:`ContentRepo`: ``git init`` in a temp dir with a pinned
  author and dates, the small example videos copied into ``media/``, ``files`` written, all
  committed. ``content_repo`` is the whole ``examples/`` project as such a repository.
* Every test runs outside CI: ``CI`` is removed from the environment (a CI runner sets it,
  and without ``PUBLISHER_TOKEN_KEY`` it makes env-token refreshes stop); tests of that
  rule set it themselves. ``PUBLISHER_TOKEN_STORE`` is a temporary file of the test's (the
  local token store, and the key that seals upload sessions beside it).
* ``publisher(*args)`` -> click ``Result``: runs the CLI through ``CliRunner`` with
  ``catch_exceptions=False`` (an unexpected exception fails the test instead of being hidden).
  ``result.stdout`` / ``result.stderr`` are separate; ``result.output`` interleaves both.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pinned_git import git

from gitops_publisher.cli.main import cli

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = REPO_ROOT / "examples"
SCHEMA_DIR = REPO_ROOT / "schema"


@pytest.fixture(autouse=True)
def outside_ci(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Run every test as on a developer machine, whether or not the suite runs in CI.

    The machine's token store (and the key file beside it that seals upload sessions) is a
    temporary directory of the test's, never the user's ``~/.config``.
    """
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("PUBLISHER_TOKEN_KEY", raising=False)
    store = tmp_path_factory.mktemp("machine") / "config" / "tokens.json"
    monkeypatch.setenv("PUBLISHER_TOKEN_STORE", str(store))


@dataclass
class ContentRepo:
    """A content repository on disk (a real git work tree)."""

    root: Path

    def write(self, relative: str, content: str | bytes) -> Path:
        """Write a file (text as UTF-8), creating parent directories."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def commit(self, message: str = "update") -> None:
        """Stage everything and commit (no-op when nothing changed)."""
        git(self.root, "add", "-A")
        if git(self.root, "status", "--porcelain"):
            git(self.root, "commit", "-q", "-m", message)

    @property
    def state_path(self) -> Path:
        """The default file-backend state path."""
        return self.root / ".publisher" / "state.json"


MakeRepo = Callable[..., ContentRepo]


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """Return ``make(files={relative: content}, name="repo", media=True) -> ContentRepo``."""

    def make(
        files: Mapping[str, str | bytes] | None = None, *, name: str = "repo", media: bool = True
    ) -> ContentRepo:
        repo = ContentRepo(tmp_path / name)
        repo.root.mkdir()
        git(repo.root, "init", "-q")
        if media:
            shutil.copytree(EXAMPLES / "media", repo.root / "media")
        for relative, content in (files or {}).items():
            repo.write(relative, content)
        repo.commit("initial content")
        return repo

    return make


@pytest.fixture
def content_repo(make_repo: MakeRepo) -> ContentRepo:
    """The ``examples/`` project copied into a fresh git repository."""
    files = {
        path.relative_to(EXAMPLES).as_posix(): path.read_text(encoding="utf-8")
        for path in [EXAMPLES / "publisher.yaml", *sorted((EXAMPLES / "posts").rglob("*.yaml"))]
    }
    return make_repo(files)


@pytest.fixture
def publisher() -> Callable[..., Result]:
    """Return ``run(*args) -> Result``: the ``publisher`` CLI, in-process."""
    runner = CliRunner()

    def run(*args: str | Path) -> Result:
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return run
