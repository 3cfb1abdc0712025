"""GitHub Actions workflow commands that nothing in a pull request can forge.

The runner reads every line of a job's output that starts with ``::`` as a command
(``::error``, ``::add-mask::``, ``::set-output``...). So:

* each command this tool writes goes through :func:`command`, which escapes its message and
  properties as GitHub documents ("Workflow commands for GitHub Actions", toolkit
  ``command.ts``): ``%`` → ``%25``, CR → ``%0D``, LF → ``%0A``, and in properties also
  ``:`` → ``%3A``, ``,`` → ``%2C``;
* a block of untrusted text (the CLI's output, an error quoting a file name) is written inside
  :func:`stopped`: ``::stop-commands::TOKEN`` … ``::TOKEN::`` with a random token, between
  which the runner runs no command at all;
* :func:`annotation` turns a diagnostic into ``::error file=…,line=…,col=…::message``, shown
  on the pull request's diff, and :func:`step_annotations` as many as GitHub shows in a step,
  the last one saying how many more the log has.
"""

from __future__ import annotations

import os
import posixpath
import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from gitops_publisher.errors import Diagnostic
from gitops_publisher.escape import terminal

_LEVELS = {"error": "error", "warning": "warning"}


def in_github_actions(env: Mapping[str, str] | None = None) -> bool:
    """Whether the runner reads this process's output (``GITHUB_ACTIONS=true``)."""
    return (os.environ if env is None else env).get("GITHUB_ACTIONS") == "true"


def repository_path(directory: Path, env: Mapping[str, str] | None = None) -> str:
    """``directory`` relative to the checkout's root (``$GITHUB_WORKSPACE``), POSIX style.

    Annotations name files from the repository's root; the project may be a subdirectory.
    """
    root = (os.environ if env is None else env).get("GITHUB_WORKSPACE") or str(Path.cwd())
    return Path(os.path.relpath(directory.resolve(), Path(root).resolve())).as_posix()


def escape_data(text: str) -> str:
    """A command's message: ``%``, CR and LF escaped (the runner unescapes them)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value: as :func:`escape_data`, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str | int | None) -> str:
    """One workflow command line, ``::name k=v,k=v::message``, escaped (no trailing newline).

    Properties that are ``None`` or empty are left out.
    """
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None and value != ""
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotation(diagnostic: Diagnostic, *, directory: str = ".") -> str:
    """``::error file=…,line=…,col=…::field: message`` for one diagnostic.

    Args:
        diagnostic: a validation error or warning; its file is relative to the project.
        directory: the project's directory relative to the repository root (the Action's
            ``working-directory``), since annotation paths are relative to the repository.
    """
    level = _LEVELS.get(diagnostic.severity, "notice")
    path = posixpath.normpath(posixpath.join(directory or ".", diagnostic.file))
    text = f"{diagnostic.field}: {diagnostic.message}" if diagnostic.field else diagnostic.message
    return command(
        level,
        terminal(text),
        file=terminal(path),
        line=diagnostic.line,
        col=diagnostic.column if diagnostic.line is not None else None,
        title="gitops-publisher",
    )


ANNOTATIONS_PER_KIND = 10
"""Annotations of one level (error, warning, notice) GitHub shows per step; it drops the rest
silently (the actions/toolkit documentation of problem matchers: 10 of each per step, 50
per job)."""


def step_annotations(
    diagnostics: Iterable[Diagnostic], *, directory: str = ".", per_kind: int = ANNOTATIONS_PER_KIND
) -> list[str]:
    """:func:`annotation` of each diagnostic, as many of each level as GitHub will show.

    Past ``per_kind`` of one level, the last one GitHub shows says how many more there are
    and where they are (the step's log, where every one is printed), so nobody fixes the ten
    shown and takes the pull request for clean.
    """
    every = list(diagnostics)
    by_level: dict[str, list[Diagnostic]] = {}
    for diagnostic in every:
        by_level.setdefault(_LEVELS.get(diagnostic.severity, "notice"), []).append(diagnostic)
    shown: set[int] = set()
    summaries = []
    for level, these in by_level.items():
        if len(these) <= per_kind:
            shown.update(id(d) for d in these)
            continue
        shown.update(id(d) for d in these[: per_kind - 1])
        more = len(these) - (per_kind - 1)
        summaries.append(
            command(
                level,
                f"… and {more} more {level}(s) not annotated here (GitHub shows {per_kind} "
                "of a kind per step): the step's log lists every one",
                title="gitops-publisher",
            )
        )
    return [annotation(d, directory=directory) for d in every if id(d) in shown] + summaries


@contextmanager
def stopped(out: TextIO) -> Iterator[None]:
    """Write what the block prints with workflow commands off (a random resume token).

    The token is new for every block and never printed inside it, so text in the block cannot
    resume commands early.
    """
    token = f"gitops-publisher-{secrets.token_hex(16)}"
    out.write(command("stop-commands", token) + "\n")
    out.flush()
    try:
        yield
    finally:
        out.flush()
        out.write(f"::{token}::\n")
        out.flush()
