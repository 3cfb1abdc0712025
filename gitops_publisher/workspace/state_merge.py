"""Pure helpers of the git-branch backend: record diffs, replay on a newer state, messages.

No git here (``git_state.py`` does the git): what a write changed (:func:`diff_records`),
how those changes land on a state another run pushed meanwhile (:func:`replay`, which finds
real conflicts), the commit message, and an incremental serialiser producing exactly
``dump_state``'s bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pydantic_core

from gitops_publisher.core import handles
from gitops_publisher.core.state import ABANDONED_REASONS, DONE, UNKNOWN_OUTCOME, Record, State
from gitops_publisher.errors import StateConflictError

_MESSAGE_LINES = 500  # addresses listed in one commit message (a first import lists 10,000)

Changes = dict[str, Record | None]

_BOOKKEEPING = {"version", "lineage", "serial", "resources"}
#: How a commit message names an envelope field that changed alone.
_ENVELOPE_NAMES = {"endpoints": "endpoint binding", "reviewed": "approvals of reviewed plans"}


def envelope_changes(before: State, after: State) -> dict[str, Any]:
    """The envelope's own fields (``endpoints``, ...) that differ, with their new values."""
    ours, theirs = after.model_dump(exclude=_BOOKKEEPING), before.model_dump(exclude=_BOOKKEEPING)
    return {name: value for name, value in ours.items() if theirs.get(name) != value}


def diff_records(before: State, after: State) -> Changes:
    """Addresses whose record differs between two states: the new record, or None if removed."""
    changes: Changes = {}
    for address, rec in after.resources.items():
        if before.resources.get(address) != rec:
            changes[address] = rec
    for address in before.resources.keys() - after.resources.keys():
        changes[address] = None
    return changes


def replay(
    changes: Mapping[str, Record | None],
    base: State,
    theirs: State,
    envelope: Mapping[str, Any] | None = None,
) -> State:
    """Apply this run's ``changes`` (made on ``base``) to ``theirs``, the remote's newer state.

    Pure. The serial bumps once when anything changes; ``theirs``'s lineage is kept.
    ``envelope`` holds this run's changed envelope fields (:func:`envelope_changes`).

    Raises:
        StateConflictError: an address (or an envelope field, such as the endpoint binding)
            was recorded differently by the other run since ``base`` (except where this run
            holds evidence of an attempt the other run gave up on: :func:`outlives_abandonment`).
    """
    resources = dict(theirs.resources)
    conflicts: list[str] = []
    fields: dict[str, Any] = {}
    theirs_envelope = theirs.model_dump(exclude=_BOOKKEEPING)
    base_envelope = base.model_dump(exclude=_BOOKKEEPING)
    for name, value in sorted((envelope or {}).items()):
        if theirs_envelope.get(name) == value:
            continue
        if theirs_envelope.get(name) != base_envelope.get(name):
            conflicts.append(f"the state's {name}")
            continue
        fields[name] = value
    for address, ours in sorted(changes.items()):
        current = theirs.resources.get(address)
        if current == ours:
            continue
        if current != base.resources.get(address) and not outlives_abandonment(
            base.resources.get(address), current, ours
        ):
            conflicts.append(address)
            continue
        if ours is None:
            resources.pop(address, None)
        else:
            resources[address] = ours
    if conflicts:
        names = ", ".join(conflicts[:5]) + (
            f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else ""
        )
        raise StateConflictError(
            f"another run recorded {names} differently while this run was recording it; "
            "this run stopped without overwriting it",
            hint="two applies acted on the same post: serialise applies (a workflow "
            "`concurrency` group), then run `publisher plan` to see where each post stands",
        )
    if resources == theirs.resources and not fields:
        return theirs
    parsed = State.model_validate({**fields, "lineage": theirs.lineage})  # the fields alone
    update: dict[str, Any] = {name: getattr(parsed, name) for name in fields}
    return theirs.model_copy(update={**update, "resources": resources, "serial": theirs.serial + 1})


def outlives_abandonment(base: Record | None, theirs: Record | None, ours: Record | None) -> bool:
    """Whether this run's record of an attempt overrides the other run's giving it up.

    A run that resumes an attempt it did not start and cannot finish (TikTok's upload URL
    lives only in the run that received it) records it as failed with one of the engine's own
    reasons (:data:`ABANDONED_REASONS`): an inference that nobody will send the rest of the
    bytes. If the run that started it is alive on another machine, it goes on, every byte
    arrives and the platform publishes. Its record of that same attempt (the same
    ``publish_id``, now ``processing`` or beyond) is evidence against the inference: it wins,
    else the state would say "failed, retry" for a post that exists, and the next run would
    post it again. Anything else that both runs changed stays a conflict.
    """
    if base is None or theirs is None or ours is None or base.publish_id is None:
        return False
    # One attempt, whichever form each run keeps its session in (sealed by either, closed).
    same_attempt = handles.same(base.publish_id, theirs.publish_id) and handles.same(
        base.publish_id, ours.publish_id
    )
    gave_up = theirs.status == "failed" and theirs.fail_reason in ABANDONED_REASONS
    platform_verdict = ours.status == "failed" and ours.fail_reason not in ABANDONED_REASONS
    evidence = ours.status in (UNKNOWN_OUTCOME - {"uploading"}) | DONE or platform_verdict
    return same_attempt and base.status in UNKNOWN_OUTCOME and gave_up and evidence


def commit_message(
    changes: Mapping[str, Record | None],
    provenance_url: str | None,
    envelope: Iterable[str] = (),
) -> str:
    """``publisher: record a@x (uploading), b@y (published)`` plus one line per address.

    A write that changed only envelope fields (``envelope``: their names) says which.
    """
    parts = [f"{a} ({r.status if r else 'removed'})" for a, r in sorted(changes.items())]
    if not parts:
        names = [_ENVELOPE_NAMES.get(name, name) for name in sorted(envelope)]
        return f"publisher: update the state's {', '.join(names) or 'envelope'}\n"
    head = ", ".join(parts[:3]) + (f" and {len(parts) - 3} more" if len(parts) > 3 else "")
    lines = [f"publisher: record {head}", ""]
    lines.extend(f"- {part}" for part in parts[:_MESSAGE_LINES])
    if len(parts) > _MESSAGE_LINES:
        lines.append(f"- ... and {len(parts) - _MESSAGE_LINES} more")
    if provenance_url:
        lines.extend(["", f"Run: {provenance_url}"])
    return "\n".join(lines) + "\n"


class StateEncoder:
    """``dump_state``'s exact bytes, re-serialising only the records that changed.

    An apply writes the whole file after every transition; at 10,000 records serialising all
    of them took most of a write. Records are immutable values, so their serialised form is
    cached by identity (the record is kept, so an id cannot be reused while cached).
    """

    def __init__(self) -> None:
        self._cache: dict[int, tuple[Record, bytes]] = {}

    def dump(self, state: State) -> bytes:
        """Serialise ``state`` exactly as :func:`dump_state` does."""
        fresh: dict[int, tuple[Record, bytes]] = {}
        parts: list[bytes] = []
        for address in sorted(state.resources):
            rec = state.resources[address]
            hit = self._cache.get(id(rec))
            if hit is None or hit[0] is not rec:
                body = pydantic_core.to_json(_sorted_keys(rec.model_dump(mode="json")), indent=2)
                hit = (rec, body.replace(b"\n", b"\n    "))
            fresh[id(rec)] = hit
            parts.append(b"    " + pydantic_core.to_json(address) + b": " + hit[1])
        self._cache = fresh
        resources = b"{\n" + b",\n".join(parts) + b"\n  }" if parts else b"{}"
        # The envelope's other fields (version, lineage, serial, endpoints and any added
        # later) are few and small: serialised whole, in the same sorted order as dump_state.
        envelope = _sorted_keys(state.model_dump(mode="json", exclude={"resources"}))
        fields = [
            b"  "
            + pydantic_core.to_json(name)
            + b": "
            + pydantic_core.to_json(value, indent=2).replace(b"\n", b"\n  ")
            for name, value in envelope.items()
        ]
        at = sorted([*envelope, "resources"]).index("resources")
        fields.insert(at, b'  "resources": ' + resources)
        return b"{\n" + b",\n".join(fields) + b"\n}\n"


def _sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted_keys(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value
