"""Pure state transitions of one address during apply (no I/O).

Each function returns a new :class:`Record`; the engine writes the state after every one of
them, so a kill at any moment leaves a state from which a rerun converges:

``initiating`` (intent, attempts+1) -> ``uploading`` (the platform's handle, TikTok's
publish_id, recorded BEFORE the first byte: the write-ahead rule) -> ``processing`` (all bytes
accepted) -> ``published`` | ``inbox`` | ``failed``.
"""

from __future__ import annotations

from datetime import datetime

from gitops_publisher.core import handles
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.drift import snapshot
from gitops_publisher.core.identity import Identity
from gitops_publisher.core.ports import Drafted, Failed, Outcome, Published
from gitops_publisher.core.state import DONE, PriorPublish, Provenance, Record, State


def start(
    post: DesiredPost,
    previous: Record | None,
    now: datetime,
    provenance: Provenance,
    identity: Identity | None = None,
) -> Record:
    """The intent to publish: recorded before init, so every attempt is counted.

    The record names the TikTok user the account was checked to be (``identity``, from
    pre-flight) and what the attempt sends, both before init: a kill after init leaves a
    record that already says who it posted as and what.

    An earlier publish_id of the address moves to ``history``: a replaced post still exists
    on TikTok, and a failed attempt is worth keeping for support (its log of publish_ids).
    """
    history = list(previous.history) if previous else []
    if previous is not None and previous.publish_id is not None:
        history.append(
            PriorPublish(
                publish_id=previous.publish_id,
                status=previous.status,
                fail_reason=previous.fail_reason,
                post_ids=previous.post_ids,
                url=previous.url,
                published_at=previous.published_at,
            )
        )
    return Record(
        post_id=post.address.post_id,
        account=post.address.account,
        status="initiating",
        fingerprint=post.fingerprint,
        mode=post.mode,
        video=post.video.path,
        open_id=(identity.open_id if identity else None)
        or (previous.open_id if previous else None),
        username=(identity.username if identity else None)
        or (previous.username if previous else None),
        sent=snapshot(post),
        attempts=(previous.attempts if previous else 0) + 1,
        created_at=previous.created_at if previous else now,
        updated_at=now,
        provenance=provenance,
        history=history,
    )


def initialized(record: Record, publish_id: str, open_id: str | None, now: datetime) -> Record:
    """TikTok gave a publish_id: from now on the outcome must be asked, never re-inited."""
    return record.model_copy(
        update={
            "status": "uploading",
            "publish_id": publish_id,
            "open_id": open_id or record.open_id,
            "fail_reason": None,
            "post_ids": [],
            "url": None,
            "published_at": None,
            "updated_at": now,
        }
    )


def uploaded(record: Record, now: datetime) -> Record:
    """Every byte was accepted; TikTok is processing."""
    return record.model_copy(update={"status": "processing", "updated_at": now})


def failed(record: Record, reason: str, now: datetime) -> Record:
    """The attempt ended without a post (TikTok's fail_reason or our own reason)."""
    return record.model_copy(update={"status": "failed", "fail_reason": reason, "updated_at": now})


def settled(record: Record, outcome: Outcome, now: datetime) -> Record:
    """Apply the platform's answer; outcomes still in progress change nothing."""
    if isinstance(outcome, Published):
        return record.model_copy(
            update={
                "status": "published",
                "post_ids": list(outcome.post_ids),
                "url": outcome.url,
                "fail_reason": None,
                "published_at": record.published_at or now,
                "updated_at": now,
            }
        )
    if isinstance(outcome, Drafted):
        return record.model_copy(
            update={
                "status": "inbox",
                "fail_reason": None,
                "published_at": record.published_at or now,
                "updated_at": now,
            }
        )
    if isinstance(outcome, Failed):
        return failed(record, outcome.reason, now)
    return record


def at_rest(record: Record, sealer: handles.Sealer | None) -> Record:
    """``record`` as the state may hold it: no session URI (``core/handles.py``).

    A session of a post that is recorded (published, in the inbox) and every earlier
    attempt's (``history``) is closed: nothing will use it again. An unfinished one is
    sealed with ``sealer`` (None: left as it is, for unit tests of platforms without
    capabilities). TikTok's publish_ids are kept as they are.

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


def closed_sessions(state: State) -> State:
    """``state`` with the sessions of recorded posts and earlier attempts closed (pure).

    What a state written before 2026-12-04 holds in plain: those records are not rewritten by
    a run, so the run's first write closes them all (the serial bumps when any changed).
    """
    resources = {
        address: closed
        for address, record in state.resources.items()
        if (closed := at_rest(record, None)) is not record  # without a sealer: closing only
    }
    if not resources:
        return state
    return state.model_copy(
        update={"resources": {**state.resources, **resources}, "serial": state.serial + 1}
    )


def _closed(prior: PriorPublish) -> PriorPublish:
    if not handles.is_session(prior.publish_id):
        return prior
    return prior.model_copy(update={"publish_id": handles.closed(prior.publish_id)})
