"""One change's calls to its platform, start to settle: what the engine runs for each post.

A publish records its intent, starts (the handle is written before the first byte), sends
the bytes and settles; when the upload target expires with nothing published it starts once
more, and when the transfer gives up it asks the platform whether every byte arrived before
calling it failed. A resume (``resume.py``) asks about a recorded attempt and goes on
through the same :meth:`Publishing.transfer` and :meth:`Publishing.settle`. Which changes run
when, and how many at once, is the engine's (``engine.py``) and the pipeline's.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from gitops_publisher.apply import inflight, records
from gitops_publisher.apply.events import Emit, Log, Outcome, Result, UploadGauge
from gitops_publisher.apply.pipeline import Ticket
from gitops_publisher.apply.settle import UPLOADED, PendingNote, PollPolicy, Settler
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core import handles
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.drift import attempt_sent
from gitops_publisher.core.identity import Identity
from gitops_publisher.core.plan import Change
from gitops_publisher.core.ports import (
    Attempt,
    Failed,
    LookupBudget,
    Media,
    NotStarted,
    Provider,
    Started,
    Transferring,
)
from gitops_publisher.core.ports import Outcome as Answer
from gitops_publisher.core.state import UNKNOWN_OUTCOME, Provenance, Record
from gitops_publisher.errors import ApiError
from gitops_publisher.providers.errors import (
    InitOutcomeUnknown,
    NoUploadTarget,
    ProviderNetworkError,
    RateLimited,
    UploadContended,
    UploadError,
    UploadUrlExpired,
)


@dataclass
class Publishing:
    """The run's collaborators a change needs, and its steps (the engine is one).

    Attributes:
        box: the state and its store.
        providers: each account's platform, through the port.
        root: the project directory (videos are relative to it).
        now: the wall clock for records.
        sleep: waits between polls (scaled in tests and in the sandbox).
        emit: receives events.
        provenance: stamped on every record this run writes. Its ``lock`` is the id of the
            exclusive state lock this run holds (``StateStore.held_lock``; None: none that
            proves anything): an attempt stamped with it was started by a run that has ended.
        poll: status polling policy.
        clock: monotonic seconds on the same scale as ``sleep`` (times the first poll).
        identities: the platform user each account was checked to be (recorded at start).
        content_types: the upload's Content-Type of each video, by content id, from the
            container pre-flight probed (never from the file's suffix).
        upload_lifetimes: each account's platform's upload target lifetime
            (``Platform.upload_target_lifetime``): how long a transfer that another run
            started, and only it can continue, may still complete. An account without one
            (None) has no such targets: an unfinished transfer is given up at once.
        sealed_lifetimes: each account's platform's sealed handle lifetime
            (``Platform.sealed_handle_lifetime``): how long an upload whose handle another
            key sealed may still take bytes from the runs with that key. An account without
            one (None) has no known lifetime: such an upload is never given up on time alone
            (``apply/resume.py``).
        time_scale: how much faster than real time the platforms' clocks run (the
            embedded sandbox), for their upload windows.
        budgets: what each account's attempts may spend looking for forgotten posts (its
            platform's ``Platform.lookup_budgets``; accounts drawing on one quota share one).
        pending_notes: why a published post of each account is not visible yet (its
            platform's ``Platform.pending_note``): such a post is reported ``scheduled``.
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
    identities: Mapping[str, Identity] = field(default_factory=dict)
    content_types: Mapping[str, str] = field(default_factory=dict)
    upload_lifetimes: Mapping[str, timedelta | None] = field(default_factory=dict)
    sealed_lifetimes: Mapping[str, timedelta | None] = field(default_factory=dict)
    time_scale: float = 1.0
    budgets: Mapping[str, LookupBudget] = field(default_factory=dict)
    pending_notes: Mapping[str, PendingNote] = field(default_factory=dict)
    _gauges: dict[str, UploadGauge] = field(default_factory=dict, init=False, repr=False)

    def record(self, address: str) -> Record | None:
        """The state's record of ``address`` now (None: never attempted)."""
        return self.box.state.resources.get(address)

    async def ask(
        self,
        ticket: Ticket,
        change: Change,
        record: Record,
        handle: str,
        size: int,
        post: DesiredPost | None = None,
    ) -> Answer:
        """The platform's outcome of ``record``'s ``handle``, within the account's outcome rate.

        The record's attempt goes with it, for a platform that has forgotten the handle (a
        YouTube session expires, completed or not) to find the post it may have made;
        ``post``: the address's post as declared now (:meth:`attempt`).
        """
        provider = self.providers[change.account]
        async with ticket.lane.asking():
            return await provider.outcome(
                handle, size, privacy=change.privacy, attempt=self.attempt(record, post)
            )

    def undecided_until(self, record: Record, lifetime: timedelta | None) -> datetime | None:
        """:func:`.inflight.undecided_until` of ``record``, for this run (its lock, clocks)."""
        return inflight.undecided_until(
            record,
            lifetime,
            held_lock=self.provenance.lock,
            now=self.now(),
            time_scale=self.time_scale,
        )

    def attempt(self, record: Record, post: DesiredPost | None = None) -> Attempt:
        """``record``'s attempt, for a platform that must find its post without the handle.

        Every post id the state holds belongs to another attempt: a record asked about is
        ``uploading`` or ``processing``, whose own ids are empty until it is settled (the
        ids its platform named meanwhile, ``made_ids``, go as :attr:`Attempt.made`). A record
        written before records kept all they keep of ``sent`` (``core/drift.py``:
        ``attempt_sent``) says what it sent only through its fingerprint: when ``post``
        (declared now) has the same one, what the post sends now is what the attempt sent;
        otherwise it goes without (the platform then cannot compare).
        """
        known = frozenset(
            post_id
            for address, other in self.box.state.resources.items()
            for post_id in [
                *other.post_ids,
                *(other.made_ids or () if address != record.address else ()),
                *(p for h in other.history for p in h.post_ids),
            ]
        )
        sent = record.sent
        if post is not None and post.fingerprint == record.fingerprint:
            sent = attempt_sent(sent, post)
        budget = self.budgets.get(record.account)
        # The account's other attempts still unsettled may have made the post found.
        rivals = tuple(
            (address, other.sent)
            for address, other in sorted(self.box.state.resources.items())
            if other.account == record.account
            and other.status in UNKNOWN_OUTCOME
            and address != record.address
        )
        return Attempt(
            began=records.began(record),
            sent=sent,
            known=known,
            budget=budget,
            rivals=rivals,
            made=tuple(record.made_ids or ()),
        )

    async def publish(
        self, change: Change, post: DesiredPost, ticket: Ticket, *, renewals: int = 1
    ) -> Result:
        """Start ``post`` (the handle recorded before any byte), send it, settle it.

        ``renewals``: how many more times it may start again when the upload target expires
        with nothing published.
        """
        provider = self.providers[change.account]
        await ticket.reserve(post.video.size)  # held already, unless a renewal
        async with ticket.lane.starting(post.mode):
            record, started = await self.start(provider, change, post)
        shown = handles.named(started.handle, provider.label(started.handle))
        self.emit(Log(change.address, f"{shown}; uploading"))
        media = Media(
            self.root / post.video.path,
            post.video.size,
            self.content_types.get(post.video.content_id),
        )
        return await self.transfer(
            change, provider, ticket, record, started, media, post=post, renewals=renewals
        )

    async def transfer(
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
        Its progress events never go back, across this run's transfers of the address too (a
        new start after an expired target): :class:`~.events.UploadGauge`.
        """
        gauge = self._gauges.setdefault(change.address, UploadGauge(change.address))
        try:
            made = await provider.transfer(
                started,
                media,
                offset=offset,
                on_progress=lambda sent, total: self.emit(gauge.at(sent, total)),
            )
        except NoUploadTarget:
            ticket.landed()
            await self.box.put(records.failed(record, "upload_failed", self.now()))
            raise
        except UploadUrlExpired:
            ticket.landed()
            return await self.upload_expired(
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
            return await self.upload_failed(
                change, provider, ticket, record, started.handle, media, exc
            )
        ticket.landed()
        # The platform started processing when it accepted the last byte (``transfer``
        # returned: it holds every byte), so there is nothing to ask yet: the first question
        # is the poll due ``poll.initial`` from now, and the state write counts towards that
        # wait instead of delaying it. (Asking at once hardly ever settles a post, which
        # takes the platform seconds to process, and costs one of the account's outcome
        # questions per post: TikTok allows 30 status fetches a minute per user token.)
        # The post's ids, when the last byte's answer named them (YouTube's video id), are
        # written with ``processing``, and that write is waited for: a later run asks about
        # them, even once the platform has forgotten the handle, instead of looking for the
        # post among the account's (quota, and unclear when two uploads look alike). Without
        # ids no call waits for it: a resume asks the handle again. Either way the write
        # counts towards the first poll's wait (``since``), so it delays no post.
        uploaded_at = self.clock()
        record = records.uploaded(record, self.now(), made)
        await self.box.put(record, wait=bool(made))
        self.emit(Log(change.address, f"uploaded; waiting for {provider.title} to process it"))
        return await self.settle(
            change, provider, ticket, record, UPLOADED, media.size, since=uploaded_at
        )

    async def start(
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
            self.record(change.address),
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

    async def upload_expired(
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
        answer = await self.ask(ticket, change, record, handle, media.size)
        if not isinstance(answer, Failed | Transferring | NotStarted):
            # Every byte arrived (the last answer was lost, then the target expired): the
            # platform is processing or has published it. A new start would post it twice.
            record = records.uploaded(record, self.now())
            await self.box.put(record, wait=False)
            return await self.settle(change, provider, ticket, record, answer, media.size)
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
        return await self.publish(change, post, ticket, renewals=0)

    async def upload_failed(
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
        answer = await self.ask(ticket, change, record, handle, media.size)
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
        return await self.settle(change, provider, ticket, record, answer, media.size)

    async def settle(
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
        """Wait for the platform to settle ``answer``'s post, within the account's rate."""
        settler = Settler(
            self.box,
            self.now,
            self.sleep,
            self.clock,
            self.poll,
            ticket.lane.asking,
            self.pending_notes.get(change.account),
        )
        return await settler.settle(provider, change, record, answer, size=size, since=since)
