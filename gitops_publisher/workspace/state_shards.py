"""Per-shard state files, and reading every state file of a project as one state.

``apply --shard K/N`` writes only ``state.shard-K-of-N.json``; ``plan`` without ``--shard``
reads the base file and every shard file. Whatever is being written, records of the other
files are read too (those of this shard's accounts, the newest per address): a project that
starts sharding, or changes N, still sees every post already published, so nothing is
published twice. A write puts only the records that changed into this file; the newest record
of an address wins when the files are read together again.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from gitops_publisher.core.shard import Shard, is_state_file_of
from gitops_publisher.core.state import Record, State, StateStore
from gitops_publisher.errors import StateError
from gitops_publisher.workspace.locking import Notify
from gitops_publisher.workspace.state_file import FileStateStore, load_state


class CombinedStateStore:
    """Writes to ``own``; reads ``own`` plus the kept records of the other state files.

    Args:
        own: the file this run writes.
        others: returns ``(description, state)`` of the other files (after ``own.read()``).
        keep: whether an account's records from other files belong to this run.
    """

    def __init__(
        self,
        own: StateStore,
        others: Callable[[], list[tuple[str, State]]],
        keep: Callable[[str], bool],
    ) -> None:
        self.own = own
        self._others = others
        self._keep = keep
        self._own_state: State | None = None
        self._merged: State | None = None
        self._elsewhere: dict[str, str] = {}  # address -> the other file that records it

    def read(self) -> State:
        """``own``'s state with the newest record per address from all files.

        Raises:
            StateError: any of the files is unreadable, corrupt or newer.
        """
        state = self.own.read()
        merged: dict[str, Record] = dict(state.resources)
        self._elsewhere = {}
        for name, other in self._others():
            for address, rec in other.resources.items():
                if not self._keep(rec.account):
                    continue
                self._elsewhere.setdefault(address, name)
                current = merged.get(address)
                if current is None or rec.updated_at > current.updated_at:
                    merged[address] = rec
        result = (
            state if merged == state.resources else state.model_copy(update={"resources": merged})
        )
        self._own_state, self._merged = state, result
        return result

    def write(self, state: State) -> None:
        """Write the records that changed since :meth:`read` to ``own``.

        Raises:
            StateError: ``own`` cannot be written, or a removed address is also recorded in
                another file (it would come back on the next read).
        """
        if self._own_state is None or self._merged is None:
            self.read()
        assert self._own_state is not None and self._merged is not None
        before, own = self._merged, self._own_state
        resources = dict(own.resources)
        # The envelope (endpoint binding, ...) is this file's own: written as given.
        changed = state.model_copy(update={"resources": {}}) != before.model_copy(
            update={"resources": {}}
        )
        for address in before.resources.keys() | state.resources.keys():
            rec = state.resources.get(address)
            if rec == before.resources.get(address):
                continue
            changed = True
            if rec is not None:
                resources[address] = rec
                continue
            if address in self._elsewhere:
                other = self._elsewhere[address]
                shard = Shard.of_file(other)
                raise StateError(
                    f"{address} is also recorded in {other}; removing it "
                    f"from {self.own.describe()} alone would not forget it",
                    hint="change each state file that records it: run the command again "
                    + (f"with --shard {shard}" if shard else "without --shard")
                    + f" for {other}, or leave it",
                )
            resources.pop(address, None)
        if not changed:
            return
        updated = state.model_copy(update={"resources": resources, "lineage": own.lineage})
        self.own.write(updated)
        self._own_state, self._merged = updated, state

    def lock(self, *, purpose: str) -> AbstractContextManager[None]:
        """``own``'s lock: shards lock separately, which is what lets them run in parallel."""
        return self.own.lock(purpose=purpose)

    def describe(self) -> str:
        """``own``'s description."""
        return self.own.describe()

    def held_lock(self) -> str | None:
        """``own``'s lock id: records read from the other files carry their own runs' ids."""
        return self.own.held_lock()


def _keeper(shard: Shard | None) -> Callable[[str], bool]:
    return (lambda _account: True) if shard is None else shard.holds


def file_store(
    project_dir: Path, base: str, shard: Shard | None, notify: Notify | None
) -> StateStore:
    """The file backend for ``base`` (or its shard file), reading the sibling files too."""
    own_path = project_dir / (shard.state_path(base) if shard else base)
    own = FileStateStore(own_path) if notify is None else FileStateStore(own_path, notify=notify)
    base_path = project_dir / base

    def others() -> list[tuple[str, State]]:
        if not base_path.parent.is_dir():
            return []
        found = [
            path
            for path in sorted(base_path.parent.glob("*.json"))
            if path != own_path and is_state_file_of(path.name, base_path.name)
        ]
        return [(str(path), load_state(path.read_bytes(), source=str(path))) for path in found]

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

    def others() -> list[tuple[str, State]]:
        states = []
        for path in own.list_paths():
            if path != own.path and is_state_file_of(path, base_in_branch):
                state = own.peek(path)
                if state is not None:
                    states.append((f"{branch}:{path}", state))
        return states

    return CombinedStateStore(own, others, _keeper(shard))
