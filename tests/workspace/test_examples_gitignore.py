"""examples/ is the project the README points newcomers at: it ignores what init's does."""

from __future__ import annotations

from pathlib import Path

from gitops_publisher.workspace.scaffold import GITIGNORE

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_the_examples_gitignore_is_the_one_init_writes() -> None:
    # It left .publisher/sandbox/ (tokens, the seal key), locks and backups to be committed
    # by anyone who copied examples/ as a start, as docs/preflight.md suggests.
    assert (EXAMPLES / ".gitignore").read_text(encoding="utf-8") == GITIGNORE
