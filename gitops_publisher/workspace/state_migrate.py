"""``publisher state migrate``: one copy of each record, in the file whose runs act on it.

A project that starts sharding keeps its earlier records in the base file; a shard's apply
reads them there, and writes the ones it changes into its own file, so an address can end
up recorded in both (more often after N changed). Reading takes the better-informed copy
(``core/duplicates.py``), so publishing is not affected; but forgetting or moving such an
address (``state rm``, ``state mv``, a rename's ``previous_ids``) in one file would let the
other copy come back, and is refused (``workspace/state_shards.py``). Migrating into
``target`` (a shard's file, or the base file to stop sharding) moves the records it
``takes`` out of every other file:

1. the files that hold such records are locked with ``target`` (all before anything is
   written; one already locked by a run refuses the migration, nothing changed) and read
   again under their locks;
2. ``target`` is written first, with the better-informed copy of each address
   (``core/duplicates.py``: no attempt forgotten), so a crash before step 3 leaves
   duplicates, never a lost record;
3. each other file is written without the records moved.

Only the files whose lock is held are written: a shard's apply never writes another file
than its own (shards run in parallel), and this command, taking the locks, is the one way
to change another shard's or the base's file while sharding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass

from gitops_publisher.core.duplicates import better_informed, differences
from gitops_publisher.core.state import Record, State, StateStore


@dataclass(frozen=True)
class Migrated:
    """An address whose record was moved into the target file.

    Attributes:
        address: ``POST_ID@ACCOUNT``.
        sources: the files it was taken out of.
        differed: what differed between the copies (empty: one record, or all the same).
        kept: the copy kept (the target's state now holds it).
    """

    address: str
    sources: tuple[str, ...]
    differed: tuple[str, ...]
    kept: Record


def migrate(
    target: StateStore,
    others: Sequence[tuple[str, StateStore]],
    takes: Callable[[Record], bool],
    *,
    at_rest: Callable[[State], State] = lambda state: state,
    purpose: str = "publisher state migrate",
) -> list[Migrated]:
    """Move the records ``takes`` selects from ``others`` into ``target`` (see the module).

    Args:
        target: the file to keep them in.
        others: ``(name, store)`` of every other state file of the project.
        takes: whether a record of another file belongs in ``target``.
        at_rest: what every state written goes through (its upload sessions sealed).
        purpose: what the locks say their holder does.

    Returns:
        The addresses moved, sorted (empty: nothing to move, nothing written).

    Raises:
        StateLockedError: ``target`` or one of the files to change is locked by another run.
        StateError: a file cannot be read or written; as in step 2, at worst duplicates stay.
    """
    holding = [(name, store) for name, store in others if _taken(store.read(), takes)]
    if not holding:
        return []
    with ExitStack() as locks:
        locks.enter_context(target.lock(purpose=purpose))
        for _, store in holding:
            locks.enter_context(store.lock(purpose=purpose))
        own = target.read()
        read = [(name, store, store.read()) for name, store in holding]
        copies: dict[str, list[tuple[str, Record]]] = {}
        for name, _, state in read:
            for address, record in state.resources.items():
                if takes(record):
                    copies.setdefault(address, []).append((name, record))
        if not copies:
            return []
        moved = [_merge(own.resources.get(address), found) for address, found in copies.items()]
        moved.sort(key=lambda item: item.address)
        resources = dict(own.resources) | {item.address: item.kept for item in moved}
        target.write(
            at_rest(own.model_copy(update={"resources": resources, "serial": own.serial + 1}))
        )
        for _, store, state in read:
            left = {a: r for a, r in state.resources.items() if a not in copies}
            if left != state.resources:
                update = {"resources": left, "serial": state.serial + 1}
                store.write(at_rest(state.model_copy(update=update)))
    return moved


def _taken(state: State, takes: Callable[[Record], bool]) -> bool:
    return any(takes(record) for record in state.resources.values())


def _merge(current: Record | None, found: list[tuple[str, Record]]) -> Migrated:
    """``found``'s copies (and the target's own, preferred on ties) kept as one record."""
    records = ([current] if current is not None else []) + [record for _, record in found]
    first = records[0]
    differed = next((differences(first, r) for r in records[1:] if r != first), [])
    return Migrated(
        address=first.address,
        sources=tuple(name for name, _ in found),
        differed=tuple(differed),
        kept=better_informed(records),
    )
