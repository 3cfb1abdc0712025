"""Which state store a project uses: the registry of backends.

``file`` keeps the state in the repository (default ``.publisher/state.json``). ``--sandbox``
keeps it under ``.publisher/sandbox/`` so that trying the tool against the emulator never
touches the real record of published posts. ``git-branch`` comes with a later version.
"""

from __future__ import annotations

from pathlib import Path

from gitops_publisher.core.models import StateConfig
from gitops_publisher.core.state import StateStore
from gitops_publisher.errors import PublisherError
from gitops_publisher.workspace.locking import Notify
from gitops_publisher.workspace.state_file import FileStateStore

SANDBOX_STATE = Path(".publisher") / "sandbox" / "state.json"


def open_state_store(
    project_dir: Path,
    state_config: StateConfig,
    *,
    sandbox: bool,
    notify: Notify | None = None,
) -> StateStore:
    """Return the store that ``state_config`` names, relative to ``project_dir``.

    Args:
        project_dir: the content repository.
        state_config: ``publisher.yaml``'s ``state`` section.
        sandbox: keep the state under ``.publisher/sandbox/`` whatever the backend.
        notify: receives notices such as a stale lock taken over (default: logged).

    Raises:
        PublisherError: the backend is not available in this version.
    """
    if sandbox:
        return _file_store(project_dir / SANDBOX_STATE, notify)
    if state_config.backend == "file":
        return _file_store(project_dir / state_config.path, notify)
    raise PublisherError(
        f"the '{state_config.backend}' state backend is not available in this version "
        "of gitops-publisher",
        hint="use `state: {backend: file, path: .publisher/state.json}` in publisher.yaml "
        "for now, or --sandbox to try things out",
    )


def _file_store(path: Path, notify: Notify | None) -> FileStateStore:
    if notify is None:
        return FileStateStore(path)
    return FileStateStore(path, notify=notify)
