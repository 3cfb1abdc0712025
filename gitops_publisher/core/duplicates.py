"""One address recorded in several state files: which copy is better informed, what differs.

A project that starts sharding (``apply --shard K/N``) keeps its earlier records in the base
file, and a shard's apply writes the records it changes into its own file: the same address
can then be recorded twice (the base's copy older), or more often after N changed. Reading
merges them (``workspace/state_shards.py``) and ``publisher state migrate`` keeps one copy
per address, both by the rule here. Pure.

The rule never forgets an attempt: a copy's attempt that the kept copy does not know of
goes into the kept copy's ``history`` (a post it may have made still exists on the platform:
TikTok cannot delete one). For one attempt in both copies, a recorded outcome beats an
unknown one, whatever their times: a copy saying ``published`` (or a platform's ``failed``)
is evidence the other has not seen, as the git backend's replay also holds
(``workspace/state_merge.outlives_abandonment``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

from gitops_publisher.core import handles
from gitops_publisher.core.state import ABANDONED_REASONS, DONE, PriorPublish, Record
from gitops_publisher.escape import terminal


def _knowledge(status: str, fail_reason: str | None) -> int:
    """How much a copy knows of its attempt's outcome: 2 settled, 1 bytes all sent, 0 not."""
    if status in DONE or (status == "failed" and fail_reason not in ABANDONED_REASONS):
        return 2
    return 1 if status == "processing" else 0


def better_informed(copies: Sequence[Record]) -> Record:
    """The one record to keep for an address recorded in every one of ``copies``.

    ``copies`` come first-preferred first (ties keep the earlier one); all are of one address.
    Identical copies are one record. Copies of one attempt (the same handle, in any of its
    forms): the one that knows its outcome, else the newest. Copies of different attempts:
    the one that started after the other (it lists the other's handle in its history, or
    else the newest), with every attempt of the other kept in its history.

    Raises:
        ValueError: no copy, or copies of different addresses.
    """
    if not copies or len({copy.address for copy in copies}) != 1:
        raise ValueError("better_informed needs copies of one address")
    return reduce(_better, copies)


def _better(one: Record, other: Record) -> Record:
    if one == other:
        return one
    if handles.same(one.publish_id, other.publish_id):
        keep = max((one, other), key=lambda r: (_knowledge(r.status, r.fail_reason), r.updated_at))
        drop = other if keep is one else one
        return _with_history(keep, drop.history)
    if _knows(one, other.publish_id):
        later, earlier = one, other
    elif _knows(other, one.publish_id):
        later, earlier = other, one
    else:
        later, earlier = (other, one) if other.updated_at > one.updated_at else (one, other)
    return _with_history(later, [*earlier.history, *_as_prior(earlier)])


def _knows(record: Record, handle: str | None) -> bool:
    return handle is not None and any(handles.same(p.publish_id, handle) for p in record.history)


def _as_prior(record: Record) -> list[PriorPublish]:
    """The record's own attempt as a history entry (none when it never got a handle)."""
    prior = record.as_prior()
    return [] if prior is None else [prior]


def _with_history(keep: Record, extra: Sequence[PriorPublish]) -> Record:
    """``keep`` with the attempts of ``extra`` it lacks (or knows less of) in its history."""
    history = list(keep.history)
    for prior in extra:
        if handles.same(prior.publish_id, keep.publish_id):
            continue  # the kept copy's own attempt
        at = next(
            (i for i, p in enumerate(history) if handles.same(p.publish_id, prior.publish_id)), None
        )
        if at is None:
            history.append(prior)
        elif _knowledge(prior.status, prior.fail_reason) > _knowledge(
            history[at].status, history[at].fail_reason
        ):
            history[at] = prior
    if history == keep.history:
        return keep
    return keep.model_copy(update={"history": history})


def differences(one: Record, other: Record) -> list[str]:
    """What differs between two copies of an address: ``status processing / published``.

    Handles are shown as outputs show them (``core/handles.py``: never a session URI); free
    text from a state file (a fail reason, a URL) is escaped for a terminal.
    """
    shown: list[tuple[str, object, object]] = [
        ("status", one.status, other.status),
        ("publish_id", _handle(one.publish_id), _handle(other.publish_id)),
        ("fail_reason", one.fail_reason, other.fail_reason),
        ("url", one.url, other.url),
        ("post_ids", ",".join(one.post_ids), ",".join(other.post_ids)),
        ("fingerprint", one.fingerprint, other.fingerprint),
        ("attempts", one.attempts, other.attempts),
        ("history", f"{len(one.history)} earlier", f"{len(other.history)} earlier"),
        ("updated_at", one.updated_at.isoformat(), other.updated_at.isoformat()),
    ]
    if one == other:
        return []
    found = [f"{name} {_text(a)} / {_text(b)}" for name, a, b in shown if a != b]
    return found or ["provenance or what was sent"]


def _text(value: object) -> str:
    return "-" if value in (None, "") else terminal(str(value))


def _handle(handle: str | None) -> str:
    return handles.shown(handle) if handle else "-"
