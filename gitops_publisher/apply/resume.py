"""Resuming a recorded attempt: ask its platform, then go on with it, settle it or give it up.

A rerun plans ``resume`` for every record whose outcome is unknown (``uploading``,
``processing``). Its platform is asked about the handle; what it answers, with what the state
says of the attempt, decides: send the rest of a resumable upload (only of the very video it
began with), settle what the platform has, give up what never published and never will (the
next run publishes the post again), or leave it as it is, pending or failed with what to do,
whenever publishing again could make a second post: another run may still be sending it, the
platform had every byte, or several posts may be the one it made.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gitops_publisher.apply import inflight, records
from gitops_publisher.apply.events import Log, Outcome, Result
from gitops_publisher.apply.pipeline import Ticket
from gitops_publisher.apply.publish import Publishing
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.plan import Change
from gitops_publisher.core.ports import (
    Media,
    NotStarted,
    Provider,
    Started,
    Transferring,
)
from gitops_publisher.core.state import Record
from gitops_publisher.errors import SealError
from gitops_publisher.providers.errors import LookupOverBudget, OutcomeUnclear


async def resume(
    steps: Publishing, change: Change, ticket: Ticket, post: DesiredPost | None
) -> Result:
    """Ask the platform about a recorded attempt; go on with it, settle it or give it up.

    ``post``: the address's post as the manifests declare it now (None: no longer
    declared); a transfer goes on only with the very video the attempt began with.
    """
    record = steps.record(change.address)
    if record is None or record.publish_id is None:  # planned from an older state
        return Result(change.address, "resume", Outcome.FAILED, message="nothing to resume")
    provider = steps.providers[change.account]
    try:
        record = steps.box.unsealed(record)
        sealed: SealError | None = None
    except SealError as exc:
        # Sealed with a key this run has not: the session is unknown to it, and the
        # platform is asked as about one that expired (YouTube looks for its video among
        # the channel's uploads); if none, below decides: a processed upload is left as
        # it is, an unfinished one to the runs with the key while it may live.
        sealed = exc
    handle = record.publish_id
    assert handle is not None
    shown = provider.label(handle)
    steps.emit(Log(change.address, f"asking {provider.title} about {shown}"))
    if sealed is not None:
        steps.emit(Log(change.address, f"{sealed}: {sealed.hint}", "warning"))
    # The size the platform was told at the start (the file may have changed since).
    size = record.sent.video_size if record.sent else _video_size(steps, record)
    try:
        answer = await steps.ask(ticket, change, record, handle, size, post)
    except OutcomeUnclear as exc:
        if sealed is None:
            raise
        # The run with the key can still ask the session itself: say which key.
        raise OutcomeUnclear(
            f"{exc} ({sealed}; {sealed.hint} and the session itself answers)",
            candidates=exc.candidates,
            compared=exc.compared,
            rivals=exc.rivals,
        ) from exc
    except LookupOverBudget as exc:
        return Result(
            change.address,
            "resume",
            Outcome.PENDING,
            shown,
            message=f"{exc}: the record is left as it is (nothing was decided or uploaded), "
            "and a run after the reset looks for it",
        )
    if record.status == "uploading" and isinstance(answer, Transferring):
        if answer.resumable:
            return await _send_rest(
                steps, change, ticket, provider, record, handle, shown, answer, post, size
            )
        # TikTok's upload_url lives only in the run that received it (it is a credential
        # and never stored): nobody else can send the missing bytes. That run may still
        # be alive elsewhere and uploading (two clones applying at once): the attempt is
        # left alone until it is known to be over (inflight.py), else a later run would
        # publish the post again while that upload completes.
        until = steps.undecided_until(record, steps.upload_lifetimes.get(change.account))
        if until is not None:
            return _in_flight_elsewhere(change, provider.title, shown, answer, until)
        return await _abandon(
            steps,
            change,
            record,
            shown,
            "upload_failed",
            "the interrupted upload cannot complete; the next run publishes it again "
            "(no post was made)",
        )
    if isinstance(answer, NotStarted) and record.status == "processing":
        # The platform accepted every byte (recorded before any outcome was asked): the
        # post exists, whatever the handle answers now (YouTube: a completed session
        # expires after days, reference §6). Publishing again would post it twice.
        return _forgotten(change, record, provider.title, shown, answer, sealed)
    if isinstance(answer, NotStarted) and sealed is not None:
        # Only a run with the key can send the rest, and it may be sending it now (a
        # laptop and CI applying at once): left alone while the handle may live, as long as
        # its platform says a sealed handle does (Platform.sealed_handle_lifetime). One
        # that states none gives no time after which nobody can be sending: such an upload
        # is never given up on time alone, only once the run that started it is known to
        # have ended (this run holds the lock it was started under). Waiting leaves a post
        # pending (a run with the key, or `state rm`, settles it); giving up an upload that
        # another run is completing would let the next run publish the post twice.
        lifetime = steps.sealed_lifetimes.get(change.account)
        if lifetime is None and not inflight.started_by_ended_run(record, steps.provenance.lock):
            return _sealed_elsewhere(change, provider.title, shown, sealed, None)
        until = steps.undecided_until(record, lifetime)
        if until is not None:
            return _sealed_elsewhere(change, provider.title, shown, sealed, until)
        return await _abandon(
            steps,
            change,
            record,
            shown,
            "upload_expired",
            f"{sealed}, so this run cannot send the rest of it, and its session has "
            "expired since (or the run that began it has ended): the unfinished upload is "
            "given up, and the next run publishes the post again (nothing was published "
            f"through it). To resume such uploads instead, {sealed.hint}",
        )
    if isinstance(answer, NotStarted):
        return await _abandon(
            steps,
            change,
            record,
            shown,
            "upload_expired",
            f"{provider.title} holds nothing for it ({answer.reason or 'expired'}); the "
            "next run publishes it again (no post was made)",
        )
    return await steps.settle(change, provider, ticket, record, answer, size)


async def _send_rest(
    steps: Publishing,
    change: Change,
    ticket: Ticket,
    provider: Provider,
    record: Record,
    handle: str,
    shown: str,
    answer: Transferring,
    post: DesiredPost | None,
    size: int,
) -> Result:
    """Send the rest of a resumable upload, if it is still the video it began with."""
    media = _resumable_media(steps, record, post, size)
    if isinstance(media, str):
        # Sending the rest of another video would make a video of neither (or be
        # refused): the session is not sent on. It is given up only once no run can be
        # sending it (or the post is gone): a run of another clone may still be
        # completing it, and giving it up would let the next run publish the post
        # again meanwhile.
        if post is None or inflight.started_by_ended_run(record, steps.provenance.lock):
            return await _abandon(
                steps,
                change,
                record,
                shown,
                "upload_failed",
                f"{media}, so its unfinished upload is not completed (nothing was "
                "published through it); "
                + (
                    "the next run uploads the video as it is now"
                    if post is not None
                    else "no manifest declares the post any more"
                ),
            )
        return _changed_elsewhere(change, provider.title, shown, media)
    steps.emit(Log(change.address, f"resuming the upload at byte {answer.received}"))
    await ticket.reserve(size - answer.received, stoppable=False)
    return await steps.transfer(
        change,
        provider,
        ticket,
        record,
        Started(handle),
        media,
        offset=answer.received,
    )


async def _abandon(
    steps: Publishing, change: Change, record: Record, shown: str, reason: str, message: str
) -> Result:
    """A resumed attempt that published nothing and never will: failed, retried later."""
    await steps.box.put(records.failed(record, reason, steps.now()))
    return Result(change.address, "resume", Outcome.FAILED, shown, message=message)


def _resumable_media(
    steps: Publishing, record: Record, post: DesiredPost | None, size: int
) -> Media | str:
    """The very video an unfinished attempt began with, or why it cannot be sent on."""
    sent = record.sent
    path = record.video
    if sent is not None and post is not None:
        if post.video.content_id != sent.video_id:
            return "the video changed since this upload began"
        path = post.video.path  # the same content, wherever it is now
    try:
        there = (steps.root / path).stat().st_size == size
    except OSError:
        there = False
    if not there:
        return f"{path} is gone or changed since this upload began"
    content_type = steps.content_types.get(sent.video_id if sent else "")
    return Media(steps.root / path, size, content_type)


def _video_size(steps: Publishing, record: Record) -> int:
    try:
        return (steps.root / record.video).stat().st_size
    except OSError:
        return 1 << 62


def _in_flight_elsewhere(
    change: Change, title: str, shown: str, answer: Transferring, until: datetime
) -> Result:
    """An unfinished upload that another run may still be sending: left as it is, pending."""
    when = until.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Result(
        change.address,
        "resume",
        Outcome.PENDING,
        shown,
        message=f"{title} has {answer.received} byte(s) of it and only the run that started "
        "it can send the rest: another run may still be uploading it, so it is left as it "
        f"is until {when} (its upload window, plus a margin for clocks); a run after that "
        "gives it up if it is still unfinished, and the next one publishes it again",
    )


def _sealed_elsewhere(
    change: Change, title: str, shown: str, sealed: SealError, until: datetime | None
) -> Result:
    """An unfinished upload whose session another key sealed: left to the runs with it.

    ``until``: when a run may give it up (None: its platform states no lifetime for it, so
    only a run that knows the one that began it has ended does).
    """
    if until is None:
        wait = (
            f"it is left as it is ({title} states no lifetime for it, so no run gives it up on "
            "time alone; a run in the clone that began it does, once that run has ended)"
        )
    else:
        when = until.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        wait = (
            f"it is left as it is until {when} (the session's lifetime, plus a margin for "
            "clocks); a run after that gives it up and the next one publishes the post again"
        )
    return Result(
        change.address,
        "resume",
        Outcome.PENDING,
        shown,
        message=f"{sealed}, so only a run with that key can send the rest of it, and one may "
        f"be sending it now: {wait}. To go on with it now, {sealed.hint}; if no run can be "
        f"sending it (that key is lost), `publisher state rm {change.address}` lets the next "
        "run publish the post anew",
    )


def _changed_elsewhere(change: Change, title: str, shown: str, why: str) -> Result:
    """An unfinished upload whose video changed, that another run may still be sending."""
    return Result(
        change.address,
        "resume",
        Outcome.PENDING,
        shown,
        message=f"{why}, so this run does not send on its unfinished upload; the run that "
        "began it may still be sending it (another clone or machine), so it is left as it "
        "is. A run in the clone that began it gives it up at once, and so does a run once "
        f"{title} has expired the unfinished upload; the next run then uploads the video as "
        "it is now",
    )


def _forgotten(
    change: Change,
    record: Record,
    title: str,
    shown: str,
    answer: NotStarted,
    sealed: SealError | None = None,
) -> Result:
    """A handle the platform no longer knows although it had every byte: left as it is.

    ``sealed``: this run could not open the handle at all (another key sealed it); the run
    that has the key can still ask, so the message says which key.
    """
    when = record.updated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if sealed is not None:
        return Result(
            change.address,
            "resume",
            Outcome.FAILED,
            shown,
            message=f"{sealed}, so this run cannot ask {title} about it; {title} had received "
            f"every byte of the video by {when}, so the post was made: it is not published "
            f"again, and the record is left as it is. {sealed.hint[:1].upper()}"
            f"{sealed.hint[1:]}: the next run then records the post",
        )
    return Result(
        change.address,
        "resume",
        Outcome.FAILED,
        shown,
        message=f"{title} no longer answers for it ({answer.reason or 'expired'}), but it had "
        f"received every byte of the video by {when}, so the post was made: it is not "
        "published again, and the record is left as it is. Find the post on the account; "
        f"only if it is not there, `publisher state rm {change.address}` lets the next run "
        "publish it anew",
    )


def unclear(
    change: Change, provider: Provider, record: Record | None, exc: OutcomeUnclear
) -> Result:
    """A forgotten handle that several posts may be: left as it is, the user decides."""
    handle = record.publish_id if record is not None else None
    if exc.rivals:
        # One post, and another unsettled attempt of the account sent the same: taking it
        # for one of them could record it twice and leave the other post unmade.
        others = ", ".join(exc.rivals)
        what = (
            f"look at it on {provider.title}. If the upload of {others} still answers, a "
            "run records it there and the next one decides this one by itself; otherwise "
            "`publisher state rm` the address whose upload did not make it (the next run "
            "publishes that post anew) and the next run records the video for the other"
        )
    elif exc.compared:
        what = (
            f"delete the extra one(s) on {provider.title} (the next run records the one left), "
            f"or `publisher state rm {change.address}` to forget this attempt (the next run "
            "then publishes the post anew, beside them)"
        )
    else:
        # Nothing to compare them with: one left alone is not taken either. What the
        # attempt sent is the manifest as it was then (its fingerprint is the record's).
        what = (
            f"look at them on {provider.title}. If one is this post's, put the post's "
            "manifest back as it was when this upload began (git log shows it): the next run "
            "then compares what it sends with them and records the one that matches (change "
            "the manifest again after: the plan shows the drift). If none is, `publisher "
            f"state rm {change.address}` forgets this attempt and the next run publishes the "
            "post anew"
        )
    return Result(
        change.address,
        change.action.value,
        Outcome.FAILED,
        provider.label(handle) if handle else None,
        message=f"{exc}. Nothing is published again and the record is left as it is: {what}",
    )
