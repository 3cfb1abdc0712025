"""Which state store a project uses: the registry of backends.

``file`` keeps the state in the repository (default ``.publisher/state.json``). ``--sandbox``
keeps it under ``.publisher/sandbox/`` so that trying the tool against the emulator never
touches the real record of published posts. ``git-branch`` keeps it on a dedicated branch of
the ``origin`` remote (``workspace/git_state.py``); ``PUBLISHER_STATE_BRANCH`` (the Action's
``state-branch`` input) selects it, on that branch, whatever ``publisher.yaml`` says; with
``--sandbox`` too, the sandbox's file on that branch is used (``.publisher/sandbox/state.json``).
``shard`` selects a shard's own file (``state.shard-K-of-N.json``); every store also reads
the records of the project's other state files (``workspace/state_shards.py``).

Given the endpoints a run talks to, the store is bound to them (:class:`BoundStateStore`,
design §12): reading a state that describes another endpoint is refused, and every write
records the endpoints in the envelope (a version 1 file is bound by its first write). A
served sandbox (``PUBLISHER_TIKTOK_API_URL`` or ``PUBLISHER_YOUTUBE_API_URL`` pointing at
``publisher sandbox serve``) is another endpoint: it cannot read or write a state that
describes TikTok or Google, nor the reverse.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path

from gitops_publisher.core.binding import Adopts, Platforms, adopts_none
from gitops_publisher.core.models import StateConfig
from gitops_publisher.core.shard import Shard
from gitops_publisher.core.state import Endpoint, State, StateStore
from gitops_publisher.errors import PublisherError
from gitops_publisher.workspace.confined import confine
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
    endpoints: Mapping[str, Endpoint] | None = None,
    adopts: Adopts = adopts_none,
    platform_of: Mapping[str, str] | None = None,
    platforms: Platforms | None = None,
) -> StateStore:
    """Return the store that ``state_config`` names, relative to ``project_dir``.

    Args:
        project_dir: the content repository.
        state_config: ``publisher.yaml``'s ``state`` section.
        sandbox: keep the state under ``.publisher/sandbox/`` whatever the backend.
        notify: receives notices such as a stale lock taken over (default: logged).
        shard: write this shard's own file (``--shard K/N``).
        endpoints: per platform, the endpoint this run talks to: the store refuses a state
            describing others and binds what it writes (None: neither, for read-only views).
        adopts: whether a platform's endpoint may bind its records written before
            bindings (:func:`gitops_publisher.core.binding.check_binding`).
        platform_of: account -> platform, to tell whose records an unbound platform holds.
        platforms: how the binding's refusals name each platform and the variables they
            suggest (None: the registry's platforms, ``providers/registry.py``).

    Raises:
        ConfigError: the state path leaves the project (absolute, ``..``, a symlink out).
        PublisherError: the backend is not available in this version.
    """
    store = _open(project_dir, state_config, sandbox=sandbox, notify=notify, shard=shard)
    if endpoints is None:
        return store
    return BoundStateStore(store, endpoints, adopts, platform_of, platforms)


def _open(
    project_dir: Path,
    state_config: StateConfig,
    *,
    sandbox: bool,
    notify: Notify | None,
    shard: Shard | None,
) -> StateStore:
    from gitops_publisher.workspace import state_shards

    branch = os.environ.get(STATE_BRANCH_ENV, "").strip()
    path = _state_path(project_dir, state_config, sandbox=sandbox, on_disk=not branch)
    if sandbox and branch:  # trying the Action against the emulator: its own file there
        return state_shards.git_store(project_dir, path, branch, shard, sandbox=True)
    if sandbox:
        return state_shards.file_store(project_dir, path, shard, notify, sandbox=True)
    if state_config.backend == "git-branch" or branch:
        return state_shards.git_store(project_dir, path, branch or state_config.branch, shard)
    if state_config.backend == "file":
        return state_shards.file_store(project_dir, path, shard, notify)
    raise PublisherError(
        f"the '{state_config.backend}' state backend is not available in this version "
        "of gitops-publisher",
        hint="use `state: {backend: file, path: .publisher/state.json}` in publisher.yaml "
        "for now, or --sandbox to try things out",
    )


class BoundStateStore:
    """A store whose state must describe ``endpoints`` (see :mod:`gitops_publisher.core.binding`).

    Attributes:
        inner: the store wrapped (file, git-branch, combined shards).
        endpoints: per platform, the endpoint this run talks to.
        adopts: whether a platform's endpoint may bind its records written before bindings.
        platform_of: account -> platform (None: every record counts for every platform).
        platforms: how the refusals name each platform (None: the registry's platforms).
    """

    def __init__(
        self,
        inner: StateStore,
        endpoints: Mapping[str, Endpoint],
        adopts: Adopts = adopts_none,
        platform_of: Mapping[str, str] | None = None,
        platforms: Platforms | None = None,
    ) -> None:
        if platforms is None:
            from gitops_publisher.providers.registry import PLATFORMS

            platforms = PLATFORMS
        self.inner = inner
        self.endpoints = dict(endpoints)
        self.adopts = adopts
        self.platform_of = platform_of
        self.platforms = platforms

    def read(self) -> State:
        """The state, once it is known to describe this run's endpoints.

        Raises:
            StateBindingError: it describes another endpoint (before any request is made).
            StateError: unreadable, corrupt or newer.
        """
        from gitops_publisher.core.binding import check_binding

        state = self.inner.read()
        check_binding(
            state,
            self.endpoints,
            source=self.inner.describe(),
            adopts=self.adopts,
            platform_of=self.platform_of,
            platforms=self.platforms,
        )
        return state

    def write(self, state: State) -> None:
        """Write ``state`` with this run's endpoints recorded (the first write binds).

        Raises:
            StateBindingError: ``state`` describes another endpoint.
            StateError: as the wrapped store's write.
        """
        from gitops_publisher.core.binding import bind

        source = self.inner.describe()
        self.inner.write(bind(state, self.endpoints, source=source, platforms=self.platforms))

    def lock(self, *, purpose: str) -> AbstractContextManager[None]:
        """The wrapped store's lock."""
        return self.inner.lock(purpose=purpose)

    def describe(self) -> str:
        """The wrapped store's description."""
        return self.inner.describe()

    def held_lock(self) -> str | None:
        """The wrapped store's lock id while held."""
        return self.inner.held_lock()


def state_files(store: StateStore) -> tuple[StateStore, list[tuple[str, StateStore]]]:
    """The file ``store`` writes and the project's other state files, each bound as it is.

    What ``publisher state migrate`` changes (``workspace/state_migrate.py``), each file
    under its own lock. A project with one file has no others.

    Raises:
        StateError: another file cannot be read.
    """
    from gitops_publisher.workspace.state_shards import CombinedStateStore

    bound = store if isinstance(store, BoundStateStore) else None
    inner = bound.inner if bound is not None else store
    if not isinstance(inner, CombinedStateStore):
        return store, []

    def like(other: StateStore) -> StateStore:
        if bound is None:
            return other
        return BoundStateStore(
            other, bound.endpoints, bound.adopts, bound.platform_of, bound.platforms
        )

    return like(inner.own), [(name, like(other)) for name, other in inner.others()]


def _state_path(
    project_dir: Path, state_config: StateConfig, *, sandbox: bool, on_disk: bool
) -> str:
    """The state file's path relative to ``project_dir``, confined to the project.

    The one place every backend's path goes through: the state, its backup and its lock are
    written there, so a ``state.path`` of ``../elsewhere.json`` or a ``.publisher`` symlinked
    out of the repository must be refused before anything is opened. On a state branch the
    path is a path inside the branch, so only its text is checked.

    Raises:
        ConfigError: the path is absolute, holds ``..`` or leads out through a symlink.
    """
    if sandbox:
        path, file, field = SANDBOX_STATE.as_posix(), "", ""
    else:
        path, file, field = state_config.path, "publisher.yaml", "state.path"
    uses_disk = on_disk and (sandbox or state_config.backend == "file")
    confine(project_dir, path, what="state path", file=file, field=field, on_disk=uses_disk)
    return path
