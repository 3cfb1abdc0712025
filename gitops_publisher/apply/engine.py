"""The apply engine: run a plan's acting changes, one queue per account, exactly once.

Accounts run concurrently (platforms limit per user token); inside an account, changes are a
pipeline (``pipeline.py``): resumes first, then the publishes in order, several in flight at
once within the account's ``in_flight`` setting and the platform's limits, each publish's
steps in order. Every transition is written to the state before the next
call that depends on it (``records.py``), in particular the platform's handle (TikTok's
publish_id) before the first byte. What a rerun does with any state this leaves is the
planner's business: ``resume`` asks the platform, ``retry`` starts over only where no byte
was sent or the platform said no.

The engine talks to each account's platform only through the provider port
(``core/ports.py``). The state writes (group-committed) are :mod:`statebox`'s; waiting for
the platform to settle a post after its upload, and reporting the outcome, is :mod:`settle`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from gitops_publisher.apply import inflight, records
from gitops_publisher.apply.events import Emit, Log, Outcome, Result, UploadProgress
from gitops_publisher.apply.pipeline import Lane, Limits, Stopped, Ticket, used_before
from gitops_publisher.apply.settle import UPLOADED, PollPolicy, Settler
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core import handles
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.identity import Identity
from gitops_publisher.core.plan import ACTING, PUBLISHING, Action, Change, Plan
from gitops_publisher.core.ports import (
    Attempt,
    Failed,
    Media,
    NotStarted,
    Provider,
    Started,
    Transferring,
)
from gitops_publisher.core.ports import Outcome as Answer
from gitops_publisher.core.reviewed import NOT_REVIEWED, is_approved
from gitops_publisher.core.state import Provenance, Record
from gitops_publisher.errors import ApiError, AuthError, ProviderError, SealError
from gitops_publisher.providers.errors import (
    InitOutcomeUnknown,
    NoUploadTarget,
    OutcomeUnclear,
    ProviderNetworkError,
    RateLimited,
    UploadContended,
    UploadError,
    UploadUrlExpired,
)

T = TypeVar("T")


@dataclass
class Engine:
    """Runs one apply. Everything with side effects is injected.

    Attributes:
        box: the state and its store.
        providers: each account's platform, through the port.
        root: the project directory (videos are relative to it).
        now: the wall clock for records.
        sleep: waits between polls (scaled in tests and in the sandbox).
        clock: monotonic seconds on the same scale as ``sleep`` (times the first poll).
        emit: receives events.
        provenance: stamped on every record this run writes. Its ``lock`` is the id of the
            exclusive state lock this run holds (``StateStore.held_lock``; None: none that
            proves anything): an attempt stamped with it was started by a run that has ended.
        poll: status polling policy.
        reviewed: when set, address -> fingerprint of what merged pull requests' plans
            showed: any other publish is not attempted, whatever the plan says (design §12).
        identities: the platform user each account was checked to be (recorded at start).
        stopped: accounts that must not act, with why (an identity mismatch).
        content_types: the upload's Content-Type of each video, by content id, from the
            container pre-flight probed (never from the file's suffix).
        limits: each account's pipeline limits (in flight, quotas, outcome rate); an
            account without runs one publish at a time, unpaced (its adapter's limiter
            still guards the platform's rate limits).
        upload_lifetimes: each account's platform's upload target lifetime
            (``Platform.upload_target_lifetime``): how long a transfer that another run
            started, and only it can continue, may still complete. An account without one
            (None) has no such targets: an unfinished transfer is given up at once.
        time_scale: how much faster than real time the platforms' clocks run (the
            embedded sandbox), for their upload windows.
    """

    box: StateBox
    providers: Mapping[str, Provider]
    root: Path
    now: Callable[[], datetime]
    sleep: Callable[[float], Awaitable[None]]
    emit: Emit
    provenance: Provenance = field(default_factory=Provenance)
    poll: PollPolicy = field(default_factory=PollPolicy)
    clock: Callable[[], float] = time.monotonic
    reviewed: Mapping[str, str] | None = None
    identities: Mapping[str, Identity] = field(default_factory=dict)
    stopped: Mapping[str, str] = field(default_factory=dict)
    content_types: Mapping[str, str] = field(default_factory=dict)
    limits: Mapping[str, Limits] = field(default_factory=dict)
    upload_lifetimes: Mapping[str, timedelta | None] = field(default_factory=dict)
    time_scale: float = 1.0

    async def run(self, plan: Plan, posts: Mapping[str, DesiredPost]) -> list[Result]:
        """Execute every acting change of ``plan``; return one result per change."""
        queues: dict[str, list[Change]] = {}
        refused: list[Result] = []
        for change in plan.changes:
            if self._unreviewed(change):
                refused.append(
                    Result(
                        change.address,
                        change.action.value,
                        Outcome.NOT_ATTEMPTED,
                        message=NOT_REVIEWED,
                    )
                )
                self.emit(refused[-1])
            elif change.action in ACTING:
                queues.setdefault(change.account, []).append(change)
        for queue in queues.values():
            queue.sort(key=lambda c: (c.action is not Action.RESUME, c.post_id))
        runs = [self._run_account(name, queue, posts) for name, queue in sorted(queues.items())]
        results: list[Result] = []
        try:
            gathered = await _all_or_none(runs)
        except BaseException:
            with contextlib.suppress(Exception):  # the first error is the one to report
                await self.box.flush()
            raise
        await self.box.flush()  # outcomes put without waiting are durable before we return
        for account_results in gathered:
            results.extend(account_results)
        return refused + results

    def _unreviewed(self, change: Change) -> bool:
        """A publish outside the reviewed set (when there is one)."""
        if self.reviewed is None or change.action not in PUBLISHING:
            return False
        return not is_approved(change, self.reviewed)

    async def _run_account(
        self, account: str, queue: Sequence[Change], posts: Mapping[str, DesiredPost]
    ) -> list[Result]:
        """Admit the account's changes in order into its pipeline; results in queue order."""
        stopped: str | None = self.stopped.get(account)
        if stopped is not None:
            self.emit(Log("", f"{account}: stopped: {stopped}", "error"))
            return [_not_attempted(change, stopped) for change in queue]
        lane = self._lane(account)
        runs: list[asyncio.Future[Result]] = []
        try:
            for change in queue:
                runs.append(await self._admitted(account, change, posts, lane))
        except BaseException:  # cancelled (Ctrl-C): so are the changes already running
            for run in runs:
                run.cancel()
            await asyncio.gather(*runs, return_exceptions=True)
            raise
        return await _all_or_none(runs)

    async def _admitted(
        self, account: str, change: Change, posts: Mapping[str, DesiredPost], lane: Lane
    ) -> asyncio.Future[Result]:
        """Wait for ``change``'s place in the account's pipeline, then run it."""
        ticket = Ticket(lane)
        try:
            await lane.admit()
        except Stopped as exc:
            return asyncio.ensure_future(_ready(_not_attempted(change, str(exc))))
        try:
            if change.action is not Action.RESUME:
                # Before the start: an upload target's clock runs from the start.
                await ticket.reserve(posts[change.address].video.size)
        except BaseException as exc:
            ticket.close()
            if not isinstance(exc, Stopped):
                raise
            return asyncio.ensure_future(_ready(_not_attempted(change, str(exc))))
        return asyncio.ensure_future(self._run_change(account, change, posts, ticket))

    def _lane(self, account: str) -> Lane:
        limits = self.limits.get(account) or Limits()
        now = self.now()
        records = list(self.box.state.resources.values())
        used = {q.name: used_before(q, account, records, now) for q in limits.quotas}
        return Lane(
            limits,
            used,
            clock=self.clock,
            sleep=self.sleep,
            warn=lambda text: self.emit(Log("", f"{account}: {text}", "warning")),
        )

    async def _run_change(
        self,
        account: str,
        change: Change,
        posts: Mapping[str, DesiredPost],
        ticket: Ticket,
    ) -> Result:
        """One change through the pipeline; a stop of the account reaches the others."""
        lane = ticket.lane
        try:
            if change.action is Action.RESUME:
                result = await self._resume(change, ticket, posts.get(change.address))
            else:
                result = await self._publish(change, posts[change.address], ticket)
        except Stopped as exc:
            return _not_attempted(change, str(exc))
        except AuthError as exc:
            lane.stop(f"not attempted: {account} cannot authenticate ({exc})")
            result = Result(change.address, change.action.value, Outcome.FAILED, message=str(exc))
        except OutcomeUnclear as exc:
            result = _unclear(change, self.providers[account], self._record(change.address), exc)
        except ProviderError as exc:
            if exc.stops_account:
                code = exc.code if isinstance(exc, ApiError) else type(exc).__name__
                lane.stop(f"not attempted after {code} on {account}")
            result = Result(change.address, change.action.value, Outcome.FAILED, message=str(exc))
        except BaseException as exc:  # a state write failed, a bug: nothing more starts
            lane.stop(f"not attempted after {type(exc).__name__}")
            raise
        finally:
            ticket.close()
        self.emit(result)
        return result

    def _record(self, address: str) -> Record | None:
        return self.box.state.resources.get(address)

    def _attempt(self, record: Record) -> Attempt:
        """``record``'s attempt, for a platform that must find its post without the handle.

        Every post id the state holds belongs to another attempt: a record asked about is
        ``uploading`` or ``processing``, whose own ids are empty until it is settled.
        """
        known = frozenset(
            post_id
            for other in self.box.state.resources.values()
            for post_id in [*other.post_ids, *(p for h in other.history for p in h.post_ids)]
        )
        return Attempt(began=record.updated_at, sent=record.sent, known=known)

    async def _resume(self, change: Change, ticket: Ticket, post: DesiredPost | None) -> Result:
        """Ask the platform about a recorded attempt; go on with it, settle it or give it up.

        ``post``: the address's post as the manifests declare it now (None: no longer
        declared); a transfer goes on only with the very video the attempt began with.
        """
        record = self._record(change.address)
        if record is None or record.publish_id is None:  # planned from an older state
            return Result(change.address, "resume", Outcome.FAILED, message="nothing to resume")
        provider = self.providers[change.account]
        try:
            record = self.box.unsealed(record)
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
        self.emit(Log(change.address, f"asking {provider.title} about {shown}"))
        if sealed is not None:
            self.emit(Log(change.address, f"{sealed}: {sealed.hint}", "warning"))
        # The size the platform was told at the start (the file may have changed since).
        size = record.sent.video_size if record.sent else self._video_size(record)
        answer = await _ask(ticket, provider, handle, size, change.privacy, self._attempt(record))
        if record.status == "uploading" and isinstance(answer, Transferring):
            if answer.resumable:
                return await self._send_rest(
                    change, ticket, provider, record, handle, shown, answer, post, size
                )
            # TikTok's upload_url lives only in the run that received it (it is a credential
            # and never stored): nobody else can send the missing bytes. That run may still
            # be alive elsewhere and uploading (two clones applying at once): the attempt is
            # left alone until it is known to be over (inflight.py), else a later run would
            # publish the post again while that upload completes.
            until = inflight.undecided_until(
                record,
                self.upload_lifetimes.get(change.account),
                held_lock=self.provenance.lock,
                now=self.now(),
                time_scale=self.time_scale,
            )
            if until is not None:
                return _in_flight_elsewhere(change, provider.title, shown, answer, until)
            return await self._abandon(
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
            # laptop and CI applying at once): left alone while the session may live.
            until = inflight.undecided_until(
                record,
                inflight.SEALED_SESSION_LIFETIME,
                held_lock=self.provenance.lock,
                now=self.now(),
                time_scale=self.time_scale,
            )
            if until is not None:
                return _sealed_elsewhere(change, shown, sealed, until)
            return await self._abandon(
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
            return await self._abandon(
                change,
                record,
                shown,
                "upload_expired",
                f"{provider.title} holds nothing for it ({answer.reason or 'expired'}); the "
                "next run publishes it again (no post was made)",
            )
        return await self._settle(change, provider, ticket, record, answer, size)

    async def _send_rest(
        self,
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
        media = self._resumable_media(record, post, size)
        if isinstance(media, str):
            # Sending the rest of another video would make a video of neither (or be
            # refused): the session is not sent on. It is given up only once no run can be
            # sending it (or the post is gone): a run of another clone may still be
            # completing it, and giving it up would let the next run publish the post
            # again meanwhile.
            if post is None or inflight.started_by_ended_run(record, self.provenance.lock):
                return await self._abandon(
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
        self.emit(Log(change.address, f"resuming the upload at byte {answer.received}"))
        await ticket.reserve(size - answer.received, stoppable=False)
        return await self._transfer(
            change,
            provider,
            ticket,
            record,
            Started(handle),
            media,
            offset=answer.received,
        )

    async def _abandon(
        self, change: Change, record: Record, shown: str, reason: str, message: str
    ) -> Result:
        """A resumed attempt that published nothing and never will: failed, retried later."""
        await self.box.put(records.failed(record, reason, self.now()))
        return Result(change.address, "resume", Outcome.FAILED, shown, message=message)

    def _resumable_media(self, record: Record, post: DesiredPost | None, size: int) -> Media | str:
        """The very video an unfinished attempt began with, or why it cannot be sent on."""
        sent = record.sent
        path = record.video
        if sent is not None and post is not None:
            if post.video.content_id != sent.video_id:
                return "the video changed since this upload began"
            path = post.video.path  # the same content, wherever it is now
        try:
            there = (self.root / path).stat().st_size == size
        except OSError:
            there = False
        if not there:
            return f"{path} is gone or changed since this upload began"
        content_type = self.content_types.get(sent.video_id if sent else "")
        return Media(self.root / path, size, content_type)

    def _video_size(self, record: Record) -> int:
        try:
            return (self.root / record.video).stat().st_size
        except OSError:
            return 1 << 62

    async def _publish(
        self, change: Change, post: DesiredPost, ticket: Ticket, *, renewals: int = 1
    ) -> Result:
        provider = self.providers[change.account]
        await ticket.reserve(post.video.size)  # held already, unless a renewal
        async with ticket.lane.starting(post.mode):
            record, started = await self._start(provider, change, post)
        shown = handles.named(started.handle, provider.label(started.handle))
        self.emit(Log(change.address, f"{shown}; uploading"))
        media = Media(
            self.root / post.video.path,
            post.video.size,
            self.content_types.get(post.video.content_id),
        )
        return await self._transfer(
            change, provider, ticket, record, started, media, post=post, renewals=renewals
        )

    async def _transfer(
        self,
        change: Change,
        provider: Provider,
        ticket: Ticket,
        record: Record,
        started: Started,
        media: Media,
        *,
        offset: int = 0,
        post: DesiredPost | None = None,
        renewals: int = 0,
    ) -> Result:
        """Send the bytes of a recorded handle, then settle (or handle the transfer's end).

        ``post`` and ``renewals``: a publish of this run may start again (once) when the
        upload target expired with nothing published; a resumed transfer may not. The
        ticket's bytes go back to the account's budget when the transfer ends, whatever way.
        """
        try:
            await provider.transfer(
                started,
                media,
                offset=offset,
                on_progress=lambda sent, total: self.emit(
                    UploadProgress(change.address, sent, total)
                ),
            )
        except NoUploadTarget:
            ticket.landed()
            await self.box.put(records.failed(record, "upload_failed", self.now()))
            raise
        except UploadUrlExpired:
            ticket.landed()
            return await self._upload_expired(
                change,
                provider,
                ticket,
                record,
                started.handle,
                media,
                post if renewals > 0 else None,
            )
        except (UploadError, ProviderNetworkError) as exc:
            ticket.landed()
            return await self._upload_failed(
                change, provider, ticket, record, started.handle, media, exc
            )
        ticket.landed()
        # The platform started processing when it accepted the last byte (``transfer``
        # returned: it holds every byte), so there is nothing to ask yet: the first question
        # is the poll due ``poll.initial`` from now, and the state write counts towards that
        # wait instead of delaying it. (Asking at once hardly ever settles a post, which
        # takes the platform seconds to process, and costs one of the account's outcome
        # questions per post: TikTok allows 30 status fetches a minute per user token.)
        uploaded_at = self.clock()
        record = records.uploaded(record, self.now())
        await self.box.put(record, wait=False)  # no call depends on it: resume asks again
        self.emit(Log(change.address, f"uploaded; waiting for {provider.title} to process it"))
        return await self._settle(
            change, provider, ticket, record, UPLOADED, media.size, since=uploaded_at
        )

    async def _start(
        self, provider: Provider, change: Change, post: DesiredPost
    ) -> tuple[Record, Started]:
        """Record the attempt, start it, and make the handle durable (write-ahead).

        The caller holds the account's start slot (``Lane.starting``), so the intent is
        recorded only once the start may be sent.

        Raises:
            InitOutcomeUnknown, RateLimited: the record stays "initiating" (no byte was sent,
                so the next run's retry is safe).
            ApiError: the platform refused the start (recorded as failed with its code).
        """
        record = records.start(
            post,
            self._record(change.address),
            self.now(),
            self.provenance,
            self.identities.get(change.account),
        )
        await self.box.put(record)
        self.emit(Log(change.address, provider.start_summary(post)))
        try:
            started = await provider.start(
                post, content_type=self.content_types.get(post.video.content_id)
            )
        except (InitOutcomeUnknown, RateLimited):
            # Stays "initiating": no byte was sent, so the next run's retry is safe. A 429
            # that outlived the client's waits is a refusal, not a verdict on the post.
            raise
        except ApiError as exc:
            await self.box.put(records.failed(record, exc.code, self.now()))
            raise
        record = records.initialized(record, started.handle, None, self.now())
        await self.box.put(record)  # write-ahead: the handle is durable before the first byte
        return record, started

    async def _upload_expired(
        self,
        change: Change,
        provider: Provider,
        ticket: Ticket,
        record: Record,
        handle: str,
        media: Media,
        post: DesiredPost | None,
    ) -> Result:
        """The upload target expired: a new start only once the platform says nothing posted."""
        answer = await _ask(
            ticket, provider, handle, media.size, change.privacy, self._attempt(record)
        )
        if not isinstance(answer, Failed | Transferring | NotStarted):
            # Every byte arrived (the last answer was lost, then the target expired): the
            # platform is processing or has published it. A new start would post it twice.
            record = records.uploaded(record, self.now())
            await self.box.put(record, wait=False)
            return await self._settle(change, provider, ticket, record, answer, media.size)
        await self.box.put(records.failed(record, "upload_expired", self.now()))
        shown = provider.label(handle)
        if post is None:
            return Result(
                change.address,
                change.action.value,
                Outcome.FAILED,
                shown,
                message="the upload URL expired again; nothing was published; the next run retries",
            )
        self.emit(Log(change.address, "upload URL expired and nothing was published; new init"))
        return await self._publish(change, post, ticket, renewals=0)

    async def _upload_failed(
        self,
        change: Change,
        provider: Provider,
        ticket: Ticket,
        record: Record,
        handle: str,
        media: Media,
        exc: Exception,
    ) -> Result:
        """The transfer gave up: failed if the platform lacks bytes, else it has them: settle.

        A session another client is sending into (:class:`UploadContended`: two runs on one
        recorded, resumable session) is left to that client, as it is: failing it would make
        the next run start again while the other upload completes, two posts.
        """
        answer = await _ask(
            ticket, provider, handle, media.size, change.privacy, self._attempt(record)
        )
        if isinstance(answer, Transferring) and isinstance(exc, UploadContended):
            return Result(
                change.address,
                change.action.value,
                Outcome.PENDING,
                provider.label(handle),
                message=f"{provider.title} is receiving this upload from another client: "
                "another run is sending it into the same session, so it is left as it is (no "
                f"post was made yet); the next run asks {provider.title} again and records "
                "the post once that upload completes",
            )
        if isinstance(answer, Transferring | NotStarted):
            await self.box.put(records.failed(record, "upload_failed", self.now()))
            return Result(
                change.address,
                change.action.value,
                Outcome.FAILED,
                provider.label(handle),
                message=f"upload failed ({exc}); nothing was published; the next run retries",
            )
        return await self._settle(change, provider, ticket, record, answer, media.size)

    async def _settle(
        self,
        change: Change,
        provider: Provider,
        ticket: Ticket,
        record: Record,
        answer: Answer,
        size: int,
        *,
        since: float | None = None,
    ) -> Result:
        settler = Settler(self.box, self.now, self.sleep, self.clock, self.poll, ticket.lane.asking)
        return await settler.settle(provider, change, record, answer, size=size, since=since)


async def _ask(
    ticket: Ticket,
    provider: Provider,
    handle: str,
    size: int,
    privacy: str | None,
    attempt: Attempt,
) -> Answer:
    """The platform's outcome of ``handle``, within the account's outcome rate.

    ``attempt``: the record's attempt, for a platform that has forgotten the handle (a
    YouTube session expires, completed or not) to find the post it may have made.
    """
    async with ticket.lane.asking():
        return await provider.outcome(handle, size, privacy=privacy, attempt=attempt)


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


def _sealed_elsewhere(change: Change, shown: str, sealed: SealError, until: datetime) -> Result:
    """An unfinished upload whose session another key sealed: left to the runs with it."""
    when = until.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Result(
        change.address,
        "resume",
        Outcome.PENDING,
        shown,
        message=f"{sealed}, so only a run with that key can send the rest of it, and one may "
        f"be sending it now: it is left as it is until {when} (the session's lifetime, plus "
        f"a margin for clocks); a run after that gives it up and the next one publishes the "
        f"post again. To go on with it now, {sealed.hint}; if no run can be sending it (that "
        f"key is lost), `publisher state rm {change.address}` lets the next run publish the "
        "post anew",
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


def _unclear(
    change: Change, provider: Provider, record: Record | None, exc: OutcomeUnclear
) -> Result:
    """A forgotten handle that several posts may be: left as it is, the user decides."""
    handle = record.publish_id if record is not None else None
    return Result(
        change.address,
        change.action.value,
        Outcome.FAILED,
        provider.label(handle) if handle else None,
        message=f"{exc}. Nothing is published again and the record is left as it is: delete "
        f"the extra one(s) on {provider.title} (the next run records the one left), or `publisher "
        f"state rm {change.address}` to forget this attempt (the next run then publishes the "
        "post anew, beside them)",
    )


def _not_attempted(change: Change, why: str) -> Result:
    return Result(change.address, change.action.value, Outcome.NOT_ATTEMPTED, message=why)


async def _ready(result: T) -> T:
    return result


async def _all_or_none(runs: Sequence[Awaitable[T]]) -> list[T]:
    """Await every run; on the first error (or a cancellation) cancel the rest, then raise.

    ``asyncio.gather`` alone would leave the other runs publishing while the error goes up
    (a failed state write must stop everything at once, design §5).
    """
    tasks = [asyncio.ensure_future(run) for run in runs]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
