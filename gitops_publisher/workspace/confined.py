"""Paths that must stay inside the content repository (design §10).

A manifest is often written by whoever opens a pull request, so every path the tool reads or
writes because of the repository's content is confined to the project directory: video paths,
the state file (and its backup and lock beside it), ``publisher.yaml``, every manifest and
every directory walked under ``posts/``. Two checks, the same everywhere:

* :func:`relative_problem` (lexical, no I/O): relative, forward slashes, no ``..``, no NUL;
* :func:`escape_problem` (on disk): the path, followed through every symlink on the way,
  must land inside the project's real directory. A symlink leaving the repository (a
  symlinked ``posts/``, ``posts/x.yaml -> /proc/self/status``, ``.publisher -> /tmp``) is
  refused, naming the symlink and what to do.

:func:`confine` combines both for one path and raises; the loaders use the two parts to
collect positioned diagnostics instead.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from gitops_publisher.errors import ConfigError, Diagnostic


def relative_problem(value: str, *, what: str) -> str | None:
    """Return why ``value`` is not a plain relative path inside the repository, or None.

    ``what`` names the path in the message (``video path``, ``state path``).
    """
    if not value:
        return f"{what} is empty"
    if "\x00" in value:
        return f"{what} contains a NUL character: remove it"
    if "\\" in value:
        return f"use forward slashes in {what}s"
    pure = PurePosixPath(value)
    if pure.is_absolute() or Path(value).is_absolute():
        return f"{what} must be relative to the repository, not absolute"
    if ".." in pure.parts:
        return f"{what} must stay inside the repository ('..' is not allowed)"
    return None


def escape_problem(root: Path, relative: str, *, real_root: Path | None = None) -> str | None:
    """Return why ``root / relative`` leaves the repository through a symlink, or None.

    The path need not exist (a state file not written yet); each existing component is
    followed. ``real_root`` is ``root.resolve()`` when the caller already has it.

    The message names the first symlink that leads out and its target, and says to replace
    the symlink with the file or directory itself.
    """
    real_root = real_root or root.resolve()
    try:
        landed = (root / relative).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return f"{relative} is a symlink loop: replace the symlink with the file itself"
    if landed.is_relative_to(real_root):
        return None
    current = root
    for part in PurePosixPath(relative).parts:
        current = current / part
        if current.is_symlink():
            target = current.readlink()
            followed = current.resolve()
            if not followed.is_relative_to(real_root):
                link = current.relative_to(root).as_posix()
                return (
                    f"{link} is a symlink to {target}, outside the repository: files the "
                    "tool reads or writes stay inside it; replace the symlink with the file "
                    "or directory itself"
                )
    return f"{relative} resolves outside the repository (to {landed})"


def confine(
    root: Path, relative: str, *, what: str, file: str = "", field: str = "", on_disk: bool = True
) -> Path:
    """Return ``root / relative`` once it is known to stay inside ``root``.

    Args:
        root: the project directory.
        relative: the path as configured (``.publisher/state.json``).
        what: what the path is, for messages (``state path``).
        file: where the path was configured (``publisher.yaml``), named in the error;
            empty when the tool chose the path itself (then the path is named).
        field: the configuring field (``state.path``), named in the error.
        on_disk: False for a path inside a git branch: only its text is checked.

    Raises:
        ConfigError: the path is absolute, holds ``..`` or a NUL, or leads out of the
            repository through a symlink; the diagnostic says which and what to do.
    """
    problem = relative_problem(relative, what=what)
    if problem is None and on_disk:
        problem = escape_problem(root, relative)
    if problem is not None:
        diagnostic = Diagnostic(file or relative, None, None, field, problem)
        raise ConfigError([diagnostic], f"the {what} must stay inside the repository")
    return root / relative
