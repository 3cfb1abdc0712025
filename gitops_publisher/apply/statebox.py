"""The state being applied, group-committed to its store: a put returns once it is durable.

The engine's write-ahead rule (a transition is durable before the next network call that
depends on it, above all the publish_id before the first chunk) is kept here, while the
accounts' queues go on talking to TikTok during each fsync.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from gitops_publisher.core import handles, sessions
from gitops_publisher.core.state import Record, State, StateStore
from gitops_publisher.errors import SealError, StateConflictError, StateError


@dataclass
class StateBox:
    """The state being applied, written through to the store on every change.

    Writes are group-committed: a transition goes into the in-memory state at once, then
    ``put`` returns only when a write that includes it is durable. Writes run one at a time
    in a worker thread, so while one is being fsynced the other accounts' queues keep
    talking to TikTok, and the transitions that arrived meanwhile go out together in the
    next write (one state write per post step had serialised every account behind fsync).

    A transition that no later call depends on (all bytes accepted, an outcome) can be put
    with ``wait=False``: it is written in the background, or by the next write anyway, and
    :meth:`flush` waits for every such write at the end of the run. A kill before then
    leaves the earlier transition on disk, which a rerun resolves by asking TikTok.

    No session URI reaches the store (``core/handles.py``): each record put is kept
    :func:`~gitops_publisher.core.sessions.at_rest` (its session sealed with ``sealer``, or
    closed once its post is recorded), and the sessions that a state written before
    2026-12-04 holds in plain are sealed or closed by the run's first write.

    ``plain_accounts``: the accounts whose platform's handles are never sessions
    (``Platform.sealed_handles`` None: TikTok's publish_ids). Their records are put as they
    are, unasked: a handle of theirs comes from their platform, or from the state as this
    box found it, which ``__post_init__`` put at rest. A record of theirs whose handle is a
    session all the same (a state written while the account was on another platform), once
    resumed (:meth:`unsealed`), makes its account's puts go through ``at_rest`` again.
    Default: none (every record put is kept at rest).
    """

    store: StateStore
    state: State
    writes: int = 0
    sealer: handles.Sealer | None = None
    plain_accounts: frozenset[str] = frozenset()
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _durable_serial: int | None = None
    _background: set[asyncio.Task[None]] = field(default_factory=set)
    _failed: list[Record] = field(default_factory=list)  # puts whose background write failed

    def __post_init__(self) -> None:
        """Put every record at rest (written by the first put, if any).

        Records this run does not go on with (``--target``, another shard's, a stopped
        account's) included: their unfinished sessions are sealed too. Without a key the
        plain ones are only closed where their posts are recorded, as a put would leave them
        (an unfinished upload's session is never dropped).
        """
        try:
            self.state = sessions.state_at_rest(self.state, self.sealer)
        except SealError:
            self.state = sessions.closed_sessions(self.state)

    def unsealed(self, record: Record) -> Record:
        """``record`` with its session URI opened, to ask the platform about it.

        Puts of records made from it seal it back to the very text the state holds, the
        account's too when it is one of ``plain_accounts``.

        Raises:
            SealError: this run has not the key that sealed it (the message says which).
        """
        handle = record.publish_id
        if handle is None or not handles.is_session(handle):
            return record
        if record.account in self.plain_accounts:  # kept while it was on another platform
            self.plain_accounts -= {record.account}
        if not handles.is_sealed(handle):
            return record
        if self.sealer is None:
            raise SealError("this run has no key to open sealed upload sessions")
        return record.model_copy(update={"publish_id": self.sealer.unseal(handle)})

    async def put(self, record: Record, *, wait: bool = True) -> None:
        """Record a transition; return once it is durable (the store writes atomically).

        With ``wait=False`` return at once and write in the background (see :meth:`flush`).

        Raises:
            StateConflictError: another run recorded this address differently.
            StateError: the state could not be written; nothing more may be published.
            SealError: the record's session cannot be sealed (no key can be made here).
        """
        if record.account not in self.plain_accounts:
            record = sessions.at_rest(record, self.sealer)
        updated = self.state.with_record(record)
        if updated is self.state:
            return
        if self._durable_serial is None:
            self._durable_serial = self.state.serial
        self.state = updated
        if wait:
            await self._commit(record, updated.serial)
            return
        task = asyncio.create_task(self._commit(record, updated.serial))
        self._background.add(task)
        task.add_done_callback(lambda done: self._finished(done, record))

    def _finished(self, task: asyncio.Task[None], record: Record) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._failed.append(record)  # (retrieving the exception keeps asyncio quiet)

    async def flush(self) -> None:
        """Wait for the background writes; if one failed, write the state once more.

        A failed background write leaves its transition in memory only; a later write holds
        it too (each writes the whole state), so the run ends well if the state is durable by
        then, and otherwise tries once more and raises that write's error.

        Raises:
            StateConflictError: another run recorded an address differently.
            StateError: the state could not be written.
        """
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        if self._failed:
            record, self._failed = self._failed[0], []
            await self._commit(record, self.state.serial)

    async def _commit(self, record: Record, serial: int) -> None:
        async with self._lock:
            assert self._durable_serial is not None
            if self._durable_serial >= serial:
                return  # a group write since then already holds this transition
            snapshot = self.state
            try:
                await asyncio.to_thread(self.store.write, snapshot)
            except StateConflictError:
                raise  # another run recorded this address differently: its message says what
            except StateError as exc:
                # Stop everything: publishing on without a durable record could post twice.
                raise StateError(
                    f"could not record {record.address} ({record.status}, "
                    f"{_detail(record.publish_id)}): {exc}",
                    hint=_recovery(record),
                ) from exc
            self._durable_serial = snapshot.serial
            self.writes += 1


def _detail(handle: str | None) -> str:
    return handles.named(handle) if handle else "not started yet"


def _recovery(record: Record) -> str:
    """What to do after a failed write; never prints a capability handle (core/handles.py)."""
    handle = record.publish_id
    if handle and not handles.is_session(handle):
        return (
            f"fix the state file, then `publisher state import {record.address} {handle}` "
            "if a publish_id is shown, before any new apply"
        )
    # A session is recorded before its first byte (the write-ahead rule): if this write
    # was that one, nothing was sent through it; otherwise the state already holds it.
    return "fix the state file, then run `publisher plan`"
