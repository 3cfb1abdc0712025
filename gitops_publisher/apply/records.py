"""Pure state transitions of one address during apply (no I/O).

Each function returns a new :class:`Record`; the engine writes the state after every one of
them, so a kill at any moment leaves a state from which a rerun converges:

``initiating`` (intent, attempts+1) -> ``uploading`` (the platform's handle, TikTok's
publish_id, recorded BEFORE the first byte: the write-ahead rule) -> ``processing`` (all bytes
accepted; with the post's ids when the platform names them before settling it, ``made_ids``)
-> ``published`` | ``inbox`` | ``failed``. What the state keeps of a session URI
is ``core/sessions.py``'s (:func:`~gitops_publisher.core.sessions.at_rest`), shared by every
write of the state.
"""

from __future__ import annotations

from datetime import datetime

from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.drift import snapshot
from gitops_publisher.core.identity import Identity
from gitops_publisher.core.ports import Drafted, Failed, Outcome, Processing, Published
from gitops_publisher.core.state import Provenance, Record


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
    prior = previous.as_prior() if previous is not None else None
    if prior is not None:
        history.append(prior)
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
    """TikTok gave a publish_id: from now on the outcome must be asked, never re-inited.

    ``now`` is also when the attempt began (``began_at``), which the later transitions keep:
    a platform that forgets the handle looks for its post from then (:func:`began`).
    """
    return record.model_copy(
        update={
            "status": "uploading",
            "publish_id": publish_id,
            "open_id": open_id or record.open_id,
            "fail_reason": None,
            "post_ids": [],
            "made_ids": None,
            "url": None,
            "published_at": None,
            "updated_at": now,
            "began_at": now,
        }
    )


def began(record: Record) -> datetime:
    """When ``record``'s attempt began, as far as the record proves it: no post of it is older.

    Its ``began_at`` (the handle recorded, before the first byte). A record written before
    records kept it: an ``uploading`` one's ``updated_at``, written with the handle and by no
    later write while it stays so; any other's ``created_at`` (the address's first attempt,
    so maybe long before): its ``updated_at`` may be a later run's, one that found the
    upload processing and wrote so, hours or days after the video was made.
    """
    if record.began_at is not None:
        return record.began_at
    return record.updated_at if record.status == "uploading" else record.created_at


def uploaded(record: Record, now: datetime, post_ids: tuple[str, ...] = ()) -> Record:
    """Every byte was accepted; the platform is processing.

    ``post_ids``: the post's ids when the platform named them with the last byte (YouTube:
    the video id), recorded with ``processing`` (:func:`named`).
    """
    return named(record.model_copy(update={"status": "processing", "updated_at": now}), post_ids)


def named(record: Record, post_ids: tuple[str, ...]) -> Record:
    """``record`` with the ids the platform gave its post before settling it (``made_ids``).

    Written as soon as they are known, so that a later run asks about them even once the
    handle is forgotten (YouTube's session expires, completed or not). No ids: as it is.
    """
    if not post_ids or record.made_ids == list(post_ids):
        return record
    return record.model_copy(update={"made_ids": list(post_ids)})


def failed(record: Record, reason: str, now: datetime) -> Record:
    """The attempt ended without a post (TikTok's fail_reason or our own reason)."""
    return record.model_copy(
        update={"status": "failed", "fail_reason": reason, "made_ids": None, "updated_at": now}
    )


def settled(record: Record, outcome: Outcome, now: datetime) -> Record:
    """Apply the platform's answer; outcomes still in progress change nothing but their ids.

    An unsettled answer's ids are kept (:func:`named`); a settled one's are ``post_ids``
    (``made_ids`` goes).
    """
    if isinstance(outcome, Processing):
        return named(record, outcome.post_ids)
    if isinstance(outcome, Published):
        return record.model_copy(
            update={
                "status": "published",
                "post_ids": list(outcome.post_ids),
                "made_ids": None,
                "url": outcome.url,
                "fail_reason": None,
                "published_at": record.published_at or outcome.published_at or now,
                "updated_at": now,
            }
        )
    if isinstance(outcome, Drafted):
        return record.model_copy(
            update={
                "status": "inbox",
                "made_ids": None,
                "fail_reason": None,
                "published_at": record.published_at or now,
                "updated_at": now,
            }
        )
    if isinstance(outcome, Failed):
        return failed(record, outcome.reason, now)
    return record
