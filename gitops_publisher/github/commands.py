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
  on the pull request's diff.
"""

from __future__ import annotations

import os
import posixpath
import secrets
from collections.abc import Iterator, Mapping
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
