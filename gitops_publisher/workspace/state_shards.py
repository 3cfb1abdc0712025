"""Per-shard state files, and reading every state file of a project as one state.

``apply --shard K/N`` writes only ``state.shard-K-of-N.json``; ``plan`` without ``--shard``
reads the base file and every shard file. Whatever is being written, records of the other
files are read too (those of this shard's accounts, the newest per address): a project that
starts sharding, or changes N, still sees every post already published, so nothing is
published twice. Records read from other files are copied into this file on its next write.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from gitops_publisher.core.shard import Shard, is_state_file_of
from gitops_publisher.core.state import Record, State, StateStore
from gitops_publisher.workspace.locking import Notify
from gitops_publisher.workspace.state_file import FileStateStore, load_state


class CombinedStateStore:
    """Writes to ``own``; reads ``own`` plus the kept records of the other state files.

    Args:
        own: the file this run writes.
        others: returns the other state files' states (called after ``own.read()``).
        keep: whether an account's records from other files belong to this run.
    """

    def __init__(
        self,
        own: StateStore,
        others: Callable[[], list[State]],
        keep: Callable[[str], bool],
    ) -> None:
        self.own = own
        self._others = others
        self._keep = keep

    def read(self) -> State:
        """``own``'s state with the newest record per address from all files.

        Raises:
            StateError: any of the files is unreadable, corrupt or newer.
        """
        state = self.own.read()
        merged: dict[str, Record] = dict(state.resources)
        for other in self._others():
            for address, rec in other.resources.items():
                if not self._keep(rec.account):
                    continue
                current = merged.get(address)
                if current is None or rec.updated_at > current.updated_at:
                    merged[address] = rec
        if merged == state.resources:
            return state
        return state.model_copy(update={"resources": merged})

    def write(self, state: State) -> None:
        """Write ``own`` (see its ``write`` for what raises)."""
        self.own.write(state)

    def lock(self, *, purpose: str) -> AbstractContextManager[None]:
        """``own``'s lock: shards lock separately, which is what lets them run in parallel."""
        return self.own.lock(purpose=purpose)

    def describe(self) -> str:
        """``own``'s description."""
        return self.own.describe()


def _keeper(shard: Shard | None) -> Callable[[str], bool]:
    return (lambda _account: True) if shard is None else shard.holds


def file_store(
    project_dir: Path, base: str, shard: Shard | None, notify: Notify | None
) -> StateStore:
    """The file backend for ``base`` (or its shard file), reading the sibling files too."""
    own_path = project_dir / (shard.state_path(base) if shard else base)
    own = FileStateStore(own_path) if notify is None else FileStateStore(own_path, notify=notify)
    base_path = project_dir / base

    def others() -> list[State]:
        if not base_path.parent.is_dir():
            return []
        found = [
            path
            for path in sorted(base_path.parent.glob("*.json"))
            if path != own_path and is_state_file_of(path.name, base_path.name)
        ]
        return [load_state(path.read_bytes(), source=str(path)) for path in found]

    if shard is None and not others():
        return own  # the common case: one file, no shards
    return CombinedStateStore(own, others, _keeper(shard))


def git_store(project_dir: Path, base: str, branch: str, shard: Shard | None) -> StateStore:
    """The git-branch backend for ``base`` (or its shard file), reading the sibling files too.

    Raises:
        StateError: ``project_dir`` is not inside a git repository.
    """
    from gitops_publisher.workspace.git_state import GitBranchStateStore

    own = GitBranchStateStore.for_project(
        project_dir, shard.state_path(base) if shard else base, branch=branch
    )
    base_in_branch = GitBranchStateStore.for_project(project_dir, base, branch=branch).path

    def others() -> list[State]:
        states = []
        for path in own.list_paths():
            if path != own.path and is_state_file_of(path, base_in_branch):
                state = own.peek(path)
                if state is not None:
                    states.append(state)
        return states

    return CombinedStateStore(own, others, _keeper(shard))
