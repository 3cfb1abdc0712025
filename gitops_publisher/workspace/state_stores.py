"""Which state store a project uses: the registry of backends.

``file`` keeps the state in the repository (default ``.publisher/state.json``). ``--sandbox``
keeps it under ``.publisher/sandbox/`` so that trying the tool against the emulator never
touches the real record of published posts. ``git-branch`` keeps it on a dedicated branch of
the ``origin`` remote (``workspace/git_state.py``); ``PUBLISHER_STATE_BRANCH`` (the Action's
``state-branch`` input) selects it, on that branch, whatever ``publisher.yaml`` says; with
``--sandbox`` too, the sandbox's file on that branch is used (``.publisher/sandbox/state.json``).
``shard`` selects a shard's own file (``state.shard-K-of-N.json``); every store also reads
the records of the project's other state files (``workspace/state_shards.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

from gitops_publisher.core.models import StateConfig
from gitops_publisher.core.shard import Shard
from gitops_publisher.core.state import StateStore
from gitops_publisher.errors import PublisherError
from gitops_publisher.workspace.locking import Notify

SANDBOX_STATE = Path(".publisher") / "sandbox" / "state.json"
STATE_BRANCH_ENV = "PUBLISHER_STATE_BRANCH"


def open_state_store(
    project_dir: Path,
    state_config: StateConfig,
    *,
    sandbox: bool,
    notify: Notify | None = None,
    shard: Shard | None = None,
) -> StateStore:
    """Return the store that ``state_config`` names, relative to ``project_dir``.

    Args:
        project_dir: the content repository.
        state_config: ``publisher.yaml``'s ``state`` section.
        sandbox: keep the state under ``.publisher/sandbox/`` whatever the backend.
        notify: receives notices such as a stale lock taken over (default: logged).
        shard: write this shard's own file (``--shard K/N``).

    Raises:
        PublisherError: the backend is not available in this version.
    """
    from gitops_publisher.workspace import state_shards

    branch = os.environ.get(STATE_BRANCH_ENV, "").strip()
    if sandbox and branch:  # trying the Action against the emulator: its own file there
        return state_shards.git_store(project_dir, SANDBOX_STATE.as_posix(), branch, shard)
    if sandbox:
        return state_shards.file_store(project_dir, SANDBOX_STATE.as_posix(), shard, notify)
    if state_config.backend == "git-branch" or branch:
        return state_shards.git_store(
            project_dir, state_config.path, branch or state_config.branch, shard
        )
    if state_config.backend == "file":
        return state_shards.file_store(project_dir, state_config.path, shard, notify)
    raise PublisherError(
        f"the '{state_config.backend}' state backend is not available in this version "
        "of gitops-publisher",
        hint="use `state: {backend: file, path: .publisher/state.json}` in publisher.yaml "
        "for now, or --sandbox to try things out",
    )
