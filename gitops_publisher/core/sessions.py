"""What the state keeps of an upload session: sealed while it may be needed, then closed (pure).

Every write of the state leaves each record :func:`at_rest` (``core/handles.py``): apply's
(``apply/statebox.py``: each record it puts, unless its account's platform has no sessions,
``Platform.sealed_handles`` None; and by its first write every record it found) and every
other command's (``workspace/state_sealing.py``: the state commands, the moves of
``previous_ids``, the Action's approvals), so that a state written before 2026-12-04, which
held session URIs in plain, holds none after any write. Only the handle's form changes: what
outputs show of it and its :func:`~gitops_publisher.core.handles.digest` stay, and so does
the rest of the record (status, fingerprint, times).
"""

from __future__ import annotations

from gitops_publisher.core import handles
from gitops_publisher.core.state import DONE, PriorPublish, Record, State


def at_rest(record: Record, sealer: handles.Sealer | None) -> Record:
    """``record`` as the state may hold it: no session URI (``core/handles.py``).

    A session of a post that is recorded (published, in the inbox) and every earlier
    attempt's (``history``) is closed: nothing will use it again. An unfinished one is
    sealed with ``sealer`` (None: left as it is, for unit tests of platforms without
    capabilities, and for a run that has no key: an unfinished upload needs its session).
    TikTok's publish_ids are kept as they are.

    Raises:
        SealError: ``sealer`` has no key to seal with.
    """
    update: dict[str, object] = {}
    handle = record.publish_id
    if handle is not None and handles.is_session(handle):
        if record.status in DONE:
            kept = handles.closed(handle)
        else:
            kept = sealer.seal(handle) if sealer is not None else handle
        if kept != handle:
            update["publish_id"] = kept
    if any(handles.is_session(prior.publish_id) for prior in record.history):
        history = [_closed(prior) for prior in record.history]
        if history != record.history:
            update["history"] = history
    return record.model_copy(update=update) if update else record


def state_at_rest(state: State, sealer: handles.Sealer | None) -> State:
    """``state`` with every record :func:`at_rest`; the serial bumps when any changed.

    ``state`` itself when none did. Without a ``sealer`` only sessions are closed (those of
    recorded posts and earlier attempts); an unfinished upload's plain session is kept.

    Raises:
        SealError: ``sealer`` has no key to seal with.
    """
    resources = {
        address: kept
        for address, record in state.resources.items()
        if (kept := at_rest(record, sealer)) is not record
    }
    if not resources:
        return state
    return state.model_copy(
        update={"resources": {**state.resources, **resources}, "serial": state.serial + 1}
    )


def closed_sessions(state: State) -> State:
    """``state`` with the sessions of recorded posts and earlier attempts closed (no key needed).

    What a state written before 2026-12-04 holds in plain: apply does not rewrite those
    records, so its first write closes them all (the serial bumps when any changed).
    """
    return state_at_rest(state, None)


def unsealed(state: State) -> list[str]:
    """The addresses whose unfinished upload's session the state holds in plain (to seal)."""
    return sorted(
        address
        for address, record in state.resources.items()
        if record.status not in DONE
        and record.publish_id is not None
        and handles.is_capability(record.publish_id)
    )


def _closed(prior: PriorPublish) -> PriorPublish:
    if not handles.is_session(prior.publish_id):
        return prior
    return prior.model_copy(update={"publish_id": handles.closed(prior.publish_id)})
