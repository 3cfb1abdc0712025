"""The apply engine: run a plan's acting changes, one queue per account, exactly once.

Accounts run concurrently (platforms limit per user token); inside an account, changes run
one after another, resumes first. Every transition is written to the state before the next
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
from datetime import datetime
from pathlib import Path

from gitops_publisher.apply import records
from gitops_publisher.apply.events import Emit, Log, Outcome, Result, UploadProgress
from gitops_publisher.apply.settle import PollPolicy, Settler
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.identity import Identity
from gitops_publisher.core.plan import ACTING, PUBLISHING, Action, Change, Plan
from gitops_publisher.core.ports import (
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
from gitops_publisher.errors import ApiError, AuthError, ProviderError
from gitops_publisher.providers.errors import (
    InitOutcomeUnknown,
    NoUploadTarget,
    ProviderNetworkError,
    RateLimited,
    UploadError,
    UploadUrlExpired,
)


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
        provenance: stamped on every record this run writes.
        poll: status polling policy.
        reviewed: when set, address -> fingerprint of what merged pull requests' plans
            showed: any other publish is not attempted, whatever the plan says (design §12).
        identities: the platform user each account was checked to be (recorded at start).
        stopped: accounts that must not act, with why (an identity mismatch).
        content_types: the upload's Content-Type of each video, by content id, from the
            container pre-flight probed (never from the file's suffix).
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
            gathered = await asyncio.gather(*runs)
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
        results: list[Result] = []
        stopped: str | None = self.stopped.get(account)
        if stopped is not None:
            self.emit(Log("", f"{account}: stopped: {stopped}", "error"))
        for change in queue:
            if stopped is not None:
                results.append(
                    Result(
                        change.address, change.action.value, Outcome.NOT_ATTEMPTED, message=stopped
                    )
                )
                continue
            try:
                if change.action is Action.RESUME:
                    result = await self._resume(change)
                else:
                    result = await self._publish(change, posts[change.address])
            except AuthError as exc:
                stopped = f"not attempted: {account} cannot authenticate ({exc})"
                result = Result(
                    change.address, change.action.value, Outcome.FAILED, message=str(exc)
                )
            except ProviderError as exc:
                if exc.stops_account:
                    code = exc.code if isinstance(exc, ApiError) else type(exc).__name__
                    stopped = f"not attempted after {code} on {account}"
                result = Result(
                    change.address, change.action.value, Outcome.FAILED, message=str(exc)
                )
            results.append(result)
            self.emit(result)
        return results

    def _record(self, address: str) -> Record | None:
        return self.box.state.resources.get(address)

    async def _resume(self, change: Change) -> Result:
        record = self._record(change.address)
        if record is None or record.publish_id is None:  # planned from an older state
            return Result(change.address, "resume", Outcome.FAILED, message="nothing to resume")
        provider = self.providers[change.account]
        handle = record.publish_id
        shown = provider.label(handle)
        self.emit(Log(change.address, f"asking {provider.title} about {shown}"))
        size = self._video_size(record)
        answer = await provider.outcome(handle, size, privacy=change.privacy)
        if record.status == "uploading" and isinstance(answer, Transferring):
            if answer.resumable:
                content_id = record.sent.video_id if record.sent else ""
                media = Media(self.root / record.video, size, self.content_types.get(content_id))
                self.emit(Log(change.address, f"resuming the upload at byte {answer.received}"))
                return await self._transfer(
                    change, provider, record, Started(handle), media, offset=answer.received
                )
            # TikTok's upload_url lives only in the run that received it (it is a credential
            # and never stored), so an upload interrupted mid-way can never complete: nobody
            # else can send its bytes, and nothing is published without them.
            return await self._abandon(
                change,
                record,
                shown,
                "upload_failed",
                "the interrupted upload cannot complete; the next run publishes it again "
                "(no post was made)",
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
        return await self._settle(change, provider, record, answer, size)

    async def _abandon(
        self, change: Change, record: Record, shown: str, reason: str, message: str
    ) -> Result:
        """A resumed attempt that published nothing and never will: failed, retried later."""
        await self.box.put(records.failed(record, reason, self.now()))
        return Result(change.address, "resume", Outcome.FAILED, shown, message=message)

    def _video_size(self, record: Record) -> int:
        try:
            return (self.root / record.video).stat().st_size
        except OSError:
            return 1 << 62

    async def _publish(self, change: Change, post: DesiredPost, *, renewals: int = 1) -> Result:
        provider = self.providers[change.account]
        record, started = await self._start(provider, change, post)
        self.emit(Log(change.address, f"publish_id {provider.label(started.handle)}; uploading"))
        media = Media(
            self.root / post.video.path,
            post.video.size,
            self.content_types.get(post.video.content_id),
        )
        return await self._transfer(
            change, provider, record, started, media, post=post, renewals=renewals
        )

    async def _transfer(
        self,
        change: Change,
        provider: Provider,
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
        upload target expired with nothing published; a resumed transfer may not.
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
            await self.box.put(records.failed(record, "upload_failed", self.now()))
            raise
        except UploadUrlExpired:
            return await self._upload_expired(
                change, provider, record, started.handle, media, post if renewals > 0 else None
            )
        except (UploadError, ProviderNetworkError) as exc:
            return await self._upload_failed(change, provider, record, started.handle, media, exc)
        # The platform started processing when it accepted the last byte: the first poll is
        # due ``poll.initial`` from now, and the state write and the first question below
        # count towards that wait instead of delaying it.
        uploaded_at = self.clock()
        record = records.uploaded(record, self.now())
        await self.box.put(record, wait=False)  # no call depends on it: resume asks again
        self.emit(Log(change.address, f"uploaded; waiting for {provider.title} to process it"))
        answer = await provider.outcome(started.handle, media.size, privacy=change.privacy)
        return await self._settle(change, provider, record, answer, media.size, since=uploaded_at)

    async def _start(
        self, provider: Provider, change: Change, post: DesiredPost
    ) -> tuple[Record, Started]:
        """Record the attempt, start it, and make the handle durable (write-ahead).

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
        record: Record,
        handle: str,
        media: Media,
        post: DesiredPost | None,
    ) -> Result:
        """The upload target expired: a new start only once the platform says nothing posted."""
        answer = await provider.outcome(handle, media.size, privacy=change.privacy)
        if not isinstance(answer, Failed | Transferring | NotStarted):
            # Every byte arrived (the last answer was lost, then the target expired): the
            # platform is processing or has published it. A new start would post it twice.
            record = records.uploaded(record, self.now())
            await self.box.put(record, wait=False)
            return await self._settle(change, provider, record, answer, media.size)
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
        return await self._publish(change, post, renewals=0)

    async def _upload_failed(
        self,
        change: Change,
        provider: Provider,
        record: Record,
        handle: str,
        media: Media,
        exc: Exception,
    ) -> Result:
        """The transfer gave up: failed if the platform lacks bytes, else it has them: settle."""
        answer = await provider.outcome(handle, media.size, privacy=change.privacy)
        if isinstance(answer, Transferring | NotStarted):
            await self.box.put(records.failed(record, "upload_failed", self.now()))
            return Result(
                change.address,
                change.action.value,
                Outcome.FAILED,
                provider.label(handle),
                message=f"upload failed ({exc}); nothing was published; the next run retries",
            )
        return await self._settle(change, provider, record, answer, media.size)

    async def _settle(
        self,
        change: Change,
        provider: Provider,
        record: Record,
        answer: Answer,
        size: int,
        *,
        since: float | None = None,
    ) -> Result:
        settler = Settler(self.box, self.now, self.sleep, self.clock, self.poll)
        return await settler.settle(provider, change, record, answer, size=size, since=since)
