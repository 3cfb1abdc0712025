"""Per-shard state files, and reading every state file of a project as one state.

``apply --shard K/N`` writes only ``state.shard-K-of-N.json``; ``plan`` without ``--shard``
reads the base file and every shard file. Whatever is being written, records of the other
files are read too (those of this shard's accounts, the better-informed copy of each address,
``core/duplicates.py``: usually the newest): a project that starts sharding, or changes N,
still sees every post already published, so nothing is published twice. A write puts only
the records that changed into this file; that copy wins when the files are read together
again (it is the newer, or knows the other's attempt).

So an address can be recorded in two files (the base's copy older, say ``processing`` where
the shard settled it ``published``). Reading takes the better-informed copy, and a shard's run
never writes another file than its own: it holds its own file's lock only, which is what
lets the shards run in parallel, so two shards tidying the base at once would undo each
other's writes. Forgetting or moving such an address in one file is refused (the other copy
would come back), naming the files, what differs and ``publisher state migrate``
(``workspace/state_migrate.py``), which leaves one copy under each file's lock.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from gitops_publisher.core.address import Address
from gitops_publisher.core.duplicates import better_informed, differences
from gitops_publisher.core.shard import Shard, is_state_file_of
from gitops_publisher.core.state import Record, State, StateStore
from gitops_publisher.errors import StateError
from gitops_publisher.workspace.locking import Notify
from gitops_publisher.workspace.state_file import FileStateStore, load_state


class CombinedStateStore:
    """Writes to ``own``; reads ``own`` plus the kept records of the other state files.

    Args:
        own: the file this run writes.
        others: returns ``(name, state)`` of the other files (after ``own.read()``).
        keep: whether an account's records from other files belong to this run.
        shard: the shard whose file ``own`` is (None: the base file).
        open_other: a store of the other file ``name`` (as ``others`` names it), to change
            it under its own lock (``workspace/state_migrate.py``); None: not offered.
        sandbox: whether this is the sandbox's state (the commands a refusal suggests say
            ``--sandbox`` then).
    """

    def __init__(
        self,
        own: StateStore,
        others: Callable[[], list[tuple[str, State]]],
        keep: Callable[[str], bool],
        *,
        shard: Shard | None = None,
        open_other: Callable[[str], StateStore] | None = None,
        sandbox: bool = False,
    ) -> None:
        self.own = own
        self.shard = shard
        self.sandbox = sandbox
        self._others = others
        self._keep = keep
        self._open_other = open_other
        self._own_state: State | None = None
        self._merged: State | None = None
        # address -> the other files that record it, with their copies (kept accounts only)
        self._elsewhere: dict[str, list[tuple[str, Record]]] = {}

    def read(self) -> State:
        """``own``'s state with the better-informed record per address from all files.

        Raises:
            StateError: any of the files is unreadable, corrupt or newer.
        """
        state = self.own.read()
        merged: dict[str, Record] = dict(state.resources)
        approved = dict(state.reviewed)
        self._elsewhere = {}
        for name, other in self._others():
            # Approvals of merged pull requests (design §12) are kept in the envelope of the
            # file the merge run wrote: those recorded before the project started sharding
            # are in the base file, which a shard never writes. This file's own approval of
            # an address wins (the later merge, once sharding began); another file's fills
            # an address this file has none for, so a post approved then and due now is
            # still reviewed (it was reported "not reviewed" and never published).
            for address, approval in other.reviewed.items():
                if address not in approved and self._keep(Address.parse(address).account):
                    approved[address] = approval
            for address, rec in other.resources.items():
                if not self._keep(rec.account):
                    continue
                self._elsewhere.setdefault(address, []).append((name, rec))
                current = merged.get(address)
                # The copy ``state migrate`` would keep, so a plan never acts on less than
                # the files know: a newer "failed, abandoned" copy does not hide an older
                # "published" one of the same attempt (a retry would post it again).
                merged[address] = rec if current is None else better_informed([current, rec])
        update: dict[str, object] = {}
        if merged != state.resources:
            update["resources"] = merged
        if approved != state.reviewed:
            update["reviewed"] = approved
        result = state.model_copy(update=update) if update else state
        self._own_state, self._merged = state, result
        return result

    def others(self) -> list[tuple[str, StateStore]]:
        """A store of each other state file of the project, to change under its own lock.

        Raises:
            StateError: a file is unreadable, or this store cannot open the others.
        """
        if self._open_other is None:
            raise StateError(f"{self.describe()} cannot change the project's other state files")
        self.own.read()  # which files there are is known once ``own`` is read (a fetch)
        return [(name, self._open_other(name)) for name, _ in self._others()]

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
                raise self._kept_elsewhere(address, own.resources.get(address))
            resources.pop(address, None)
        if not changed:
            return
        updated = state.model_copy(update={"resources": resources, "lineage": own.lineage})
        self.own.write(updated)
        self._own_state, self._merged = updated, state

    def _kept_elsewhere(self, address: str, own_copy: Record | None) -> StateError:
        """The refusal to forget ``address`` in ``own`` while other files record it too.

        Why not forget it in the other files as well: a shard's run holds its own file's lock
        only, which is what lets the shards run in parallel; the base file (and another
        shard's) is written by whoever holds *its* lock, an unsharded run or ``publisher
        state migrate``, never by a shard's run, or two shards removing records from it at
        once would each write back the other's removal undone. Nor can identical copies be
        treated as one here (they already are when read): the other file's copy would come
        back on the next read, an orphan or the old address of a moved post. So the refusal
        says what each file holds and the command that leaves one copy.
        """
        copies = ([(self.own.describe(), own_copy)] if own_copy is not None else []) + list(
            self._elsewhere[address]
        )
        names = [name for name, _ in copies]
        where = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
        first_name, first = copies[0]
        differing = [(name, rec) for name, rec in copies[1:] if rec != first]
        if len(copies) == 1:
            what = f"{address} is recorded in {where}"
        elif not differing:
            what = f"{address} is recorded in {where}, the same record in each"
        else:
            name, rec = differing[0]
            what = (
                f"{address} is recorded in {where}, and the copies differ "
                f"({first_name} / {name}: {'; '.join(differences(first, rec))})"
            )
        others = [name for name, _ in self._elsewhere[address]]
        message = (
            f"{what}; forgetting or moving it in {self.own.describe()} alone would leave "
            f"the copy in {' and '.join(others)}, which would come back on the next read"
        )
        target = self.shard or _newest_shard(self._elsewhere[address])
        migrate = migrate_command(target, sandbox=self.sandbox)
        if target is None:  # no shard file involved: the base's own (not reached)
            return StateError(message)
        if self.shard is not None:
            return StateError(
                message + " (a shard's runs write their own file only, so that shards can "
                "run in parallel; the other files are written by whoever holds their lock)",
                hint=f"run `{migrate}` once: it moves shard {target}'s records from the other "
                f"state files into {self.own.describe()}, each file under its own lock, "
                "keeping the better-informed copy of each address (nothing is posted or "
                "forgotten); then run this command again",
            )
        if own_copy is None and len(copies) == 1:
            return StateError(
                message, hint=f"run the command again with --shard {target} for {names[0]}"
            )
        return StateError(
            message,
            hint=f"run `{migrate}` (it keeps one copy of shard {target}'s records, in its own "
            "file, the better-informed one; nothing is posted or forgotten), then run this "
            f"command again with --shard {target}",
        )

    def lock(self, *, purpose: str) -> AbstractContextManager[None]:
        """``own``'s lock: shards lock separately, which is what lets them run in parallel."""
        return self.own.lock(purpose=purpose)

    def describe(self) -> str:
        """``own``'s description."""
        return self.own.describe()

    def held_lock(self) -> str | None:
        """``own``'s lock id: records read from the other files carry their own runs' ids."""
        return self.own.held_lock()


def migrate_command(shard: Shard | None, *, sandbox: bool) -> str:
    """The command that leaves one copy of each of ``shard``'s records, in its own file."""
    options = (f" --shard {shard}" if shard else "") + (" --sandbox" if sandbox else "")
    return f"publisher state migrate{options}"


def _newest_shard(copies: list[tuple[str, Record]]) -> Shard | None:
    """The shard of the shard file holding the newest of ``copies`` (the current N's, likely)."""
    sharded = [(rec.updated_at, Shard.of_file(name)) for name, rec in copies]
    found = [(when, shard) for when, shard in sharded if shard is not None]
    return max(found, key=lambda item: item[0])[1] if found else None


def _keeper(shard: Shard | None) -> Callable[[str], bool]:
    return (lambda _account: True) if shard is None else shard.holds


def file_store(
    project_dir: Path,
    base: str,
    shard: Shard | None,
    notify: Notify | None,
    *,
    sandbox: bool = False,
) -> StateStore:
    """The file backend for ``base`` (or its shard file), reading the sibling files too."""

    def store(path: Path) -> FileStateStore:
        return FileStateStore(path) if notify is None else FileStateStore(path, notify=notify)

    own_path = project_dir / (shard.state_path(base) if shard else base)
    own = store(own_path)
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
    return CombinedStateStore(
        own,
        others,
        _keeper(shard),
        shard=shard,
        open_other=lambda name: store(Path(name)),
        sandbox=sandbox,
    )


def git_store(
    project_dir: Path, base: str, branch: str, shard: Shard | None, *, sandbox: bool = False
) -> StateStore:
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

    return CombinedStateStore(
        own,
        others,
        _keeper(shard),
        shard=shard,
        open_other=lambda name: own.sibling(name.partition(":")[2]),  # a branch has no ':'
        sandbox=sandbox,
    )
