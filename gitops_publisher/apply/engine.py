"""The apply engine: run a plan's acting changes, one queue per account, exactly once.

Accounts run concurrently (TikTok's limits are per user token); inside an account, changes
run one after another, resumes first. Every transition is written to the state before the
next network call that depends on it (``records.py``), in particular the publish_id before
the first chunk. What a rerun does with any state this leaves is the planner's business:
``resume`` asks TikTok, ``retry`` starts over only where no byte was sent or TikTok said no.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from gitops_publisher.apply import records
from gitops_publisher.apply.events import Emit, Log, Outcome, Result, UploadProgress
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.plan import ACTING, Action, Change, Plan
from gitops_publisher.core.state import Provenance, Record, State, StateStore
from gitops_publisher.errors import (
    ApiError,
    AuthError,
    ProviderError,
    StateConflictError,
    StateError,
)
from gitops_publisher.providers.errors import (
    InitOutcomeUnknown,
    ProviderNetworkError,
    RateLimited,
    UploadError,
    UploadUrlExpired,
)
from gitops_publisher.providers.tiktok.api_models import (
    CreatorInfo,
    InitResult,
    PostInfo,
    PublishStatus,
    SourceInfo,
)
from gitops_publisher.providers.tiktok.chunks import ChunkPlan, plan_chunks
from gitops_publisher.providers.tiktok.upload import Progress

# Init answers after which nothing else in this account's queue can succeed now.
ACCOUNT_STOPPERS = frozenset(
    {
        "spam_risk_user_banned_from_posting",
        "reached_active_user_cap",
        "spam_risk_too_many_posts",
        "spam_risk_too_many_pending_share",
        "scope_not_authorized",
        "access_token_invalid",
        "unaudited_client_can_only_post_to_private_accounts",
    }
)


class AccountApi(Protocol):
    """What the engine needs from a provider, per account (TikTokClient satisfies it)."""

    async def creator_info(self) -> CreatorInfo:
        """Fresh posting options of the creator."""
        ...

    async def init_direct(self, post_info: PostInfo, source_info: SourceInfo) -> InitResult:
        """Start a direct post."""
        ...

    async def init_inbox(self, source_info: SourceInfo) -> InitResult:
        """Start an inbox draft."""
        ...

    async def upload(
        self,
        upload_url: str,
        path: Path,
        plan: ChunkPlan,
        *,
        content_type: str | None = None,
        on_progress: Progress | None = None,
    ) -> None:
        """PUT every chunk."""
        ...

    async def fetch_status(self, publish_id: str) -> PublishStatus:
        """The publish_id's processing status."""
        ...


@dataclass
class PollPolicy:
    """Status polling: exponential backoff up to a total time (in the engine's clock)."""

    initial: float = 2.0
    factor: float = 1.5
    maximum: float = 20.0
    timeout: float = 600.0
    moderation_wait: float = 60.0


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
    """

    store: StateStore
    state: State
    writes: int = 0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _durable_serial: int | None = None
    _background: set[asyncio.Task[None]] = field(default_factory=set)

    async def put(self, record: Record, *, wait: bool = True) -> None:
        """Record a transition; return once it is durable (the store writes atomically).

        With ``wait=False`` return at once and write in the background (see :meth:`flush`).

        Raises:
            StateConflictError: another run recorded this address differently.
            StateError: the state could not be written; nothing more may be published.
        """
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
        task.add_done_callback(self._background.discard)

    async def flush(self) -> None:
        """Wait for the background writes; raise the first one's error.

        Raises:
            StateError: a background write failed.
        """
        while self._background:
            await asyncio.gather(*list(self._background))

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
                detail = (
                    f"publish_id {record.publish_id}" if record.publish_id else "no publish_id yet"
                )
                raise StateError(
                    f"could not record {record.address} ({record.status}, {detail}): {exc}",
                    hint=f"fix the state file, then `publisher state import {record.address} "
                    f"{record.publish_id}` if a publish_id is shown, before any new apply"
                    if record.publish_id
                    else "fix the state file, then run `publisher plan`",
                ) from exc
            self._durable_serial = snapshot.serial
            self.writes += 1


@dataclass
class Engine:
    """Runs one apply. Everything with side effects is injected.

    Attributes:
        box: the state and its store.
        apis: one :class:`AccountApi` per account name.
        creators: creator_info per account from pre-flight (username for post URLs).
        root: the project directory (videos are relative to it).
        now: the wall clock for records.
        sleep: waits between polls (scaled in tests and in the sandbox).
        clock: monotonic seconds on the same scale as ``sleep`` (times the first poll).
        emit: receives events.
        provenance: stamped on every record this run writes.
        poll: status polling policy.
    """

    box: StateBox
    apis: Mapping[str, AccountApi]
    creators: Mapping[str, CreatorInfo]
    root: Path
    now: Callable[[], datetime]
    sleep: Callable[[float], Awaitable[None]]
    emit: Emit
    provenance: Provenance = field(default_factory=Provenance)
    poll: PollPolicy = field(default_factory=PollPolicy)
    clock: Callable[[], float] = time.monotonic

    async def run(self, plan: Plan, posts: Mapping[str, DesiredPost]) -> list[Result]:
        """Execute every acting change of ``plan``; return one result per change."""
        queues: dict[str, list[Change]] = {}
        for change in plan.changes:
            if change.action in ACTING:
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
        return results

    async def _run_account(
        self, account: str, queue: Sequence[Change], posts: Mapping[str, DesiredPost]
    ) -> list[Result]:
        results: list[Result] = []
        stopped: str | None = None
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
            except ApiError as exc:
                if exc.code in ACCOUNT_STOPPERS:
                    stopped = f"not attempted after {exc.code} on {account}"
                result = Result(
                    change.address, change.action.value, Outcome.FAILED, message=str(exc)
                )
            except ProviderError as exc:
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
        self.emit(Log(change.address, f"asking TikTok about {record.publish_id}"))
        status = await self.apis[change.account].fetch_status(record.publish_id)
        if record.status == "uploading" and status.status == records.PROCESSING_UPLOAD:
            # The upload_url lives only in the run that received it (it is a credential and
            # never stored), so an upload interrupted mid-way can never complete: nobody
            # else can send its bytes, and TikTok publishes nothing without them.
            if (status.uploaded_bytes or 0) < self._video_size(record):
                await self.box.put(records.failed(record, "upload_failed", self.now()))
                return Result(
                    change.address,
                    "resume",
                    Outcome.FAILED,
                    record.publish_id,
                    message="the interrupted upload cannot complete; the next run publishes it "
                    "again (no post was made)",
                )
        return await self._settle(change, record, status)

    def _video_size(self, record: Record) -> int:
        try:
            return (self.root / record.video).stat().st_size
        except OSError:
            return 1 << 62

    async def _publish(self, change: Change, post: DesiredPost, *, renewals: int = 1) -> Result:
        api = self.apis[change.account]
        record = records.start(post, self._record(change.address), self.now(), self.provenance)
        await self.box.put(record)
        chunks = plan_chunks(post.video.size)
        source = SourceInfo.file_upload(
            post.video.size, chunks.chunk_size, chunks.total_chunk_count
        )
        self.emit(Log(change.address, f"init ({post.mode}, {chunks.total_chunk_count} chunk(s))"))
        try:
            if post.mode == "direct":
                init = await api.init_direct(PostInfo.model_validate(post.post_info), source)
            else:
                init = await api.init_inbox(source)
        except (InitOutcomeUnknown, RateLimited):
            # Stays "initiating": no byte was sent, so the next run's retry is safe. A 429
            # that outlived the client's waits is a refusal, not a verdict on the post.
            raise
        except ApiError as exc:
            await self.box.put(records.failed(record, exc.code, self.now()))
            raise
        record = records.initialized(record, init.publish_id, None, self.now())
        await self.box.put(record)  # write-ahead: publish_id durable before the first chunk
        if init.upload_url is None:
            await self.box.put(records.failed(record, "upload_failed", self.now()))
            raise ProviderError("TikTok's init answer had no upload_url for FILE_UPLOAD")
        self.emit(Log(change.address, f"publish_id {init.publish_id}; uploading"))
        try:
            await api.upload(
                init.upload_url,
                self.root / post.video.path,
                chunks,
                on_progress=lambda sent, total: self.emit(
                    UploadProgress(change.address, sent, total)
                ),
            )
        except UploadUrlExpired:
            status = await api.fetch_status(init.publish_id)
            incomplete = status.status == records.FAILED or (
                status.status == records.PROCESSING_UPLOAD
                and (status.uploaded_bytes or 0) < post.video.size
            )
            if not incomplete:
                # Every byte arrived (the last answer was lost, then the URL expired): TikTok
                # is processing or has published it. A new init would post it twice.
                record = records.uploaded(record, self.now())
                await self.box.put(record, wait=False)
                return await self._settle(change, record, status)
            await self.box.put(records.failed(record, "upload_expired", self.now()))
            if renewals <= 0:
                return Result(
                    change.address,
                    change.action.value,
                    Outcome.FAILED,
                    init.publish_id,
                    message="the upload URL expired again; nothing was published; the next "
                    "run retries",
                )
            self.emit(Log(change.address, "upload URL expired and nothing was published; new init"))
            return await self._publish(change, post, renewals=renewals - 1)
        except (UploadError, ProviderNetworkError) as exc:
            status = await api.fetch_status(init.publish_id)
            if (
                status.status == records.PROCESSING_UPLOAD
                and (status.uploaded_bytes or 0) < post.video.size
            ):
                await self.box.put(records.failed(record, "upload_failed", self.now()))
                return Result(
                    change.address,
                    change.action.value,
                    Outcome.FAILED,
                    init.publish_id,
                    message=f"upload failed ({exc}); nothing was published; the next run retries",
                )
            return await self._settle(change, record, status)
        # TikTok started processing when it accepted the last chunk: the first poll is due
        # ``poll.initial`` from now, and the state write and the first status fetch below
        # count towards that wait instead of delaying it.
        uploaded_at = self.clock()
        record = records.uploaded(record, self.now())
        await self.box.put(record, wait=False)  # no call depends on it: resume asks TikTok
        self.emit(Log(change.address, "uploaded; waiting for TikTok to process it"))
        status = await api.fetch_status(init.publish_id)
        return await self._settle(change, record, status, since=uploaded_at)

    async def _settle(
        self,
        change: Change,
        record: Record,
        status: PublishStatus,
        *,
        wait: bool = True,
        since: float | None = None,
    ) -> Result:
        """Poll until ``status`` is terminal (or time runs out) and record the outcome.

        ``since`` (on :attr:`clock`) is when processing began; the first poll is then due
        ``poll.initial`` after it rather than after ``status`` was fetched.
        """
        api = self.apis[change.account]
        publish_id = record.publish_id
        assert publish_id is not None
        delay, waited = self.poll.initial, 0.0
        head_start = 0.0 if since is None else min(max(0.0, self.clock() - since), delay)
        while wait and not status.is_terminal and waited < self.poll.timeout:
            await self.sleep(delay - head_start)
            waited, head_start = waited + delay, 0.0
            delay = min(delay * self.poll.factor, self.poll.maximum)
            status = await api.fetch_status(publish_id)
            if record.status == "uploading" and status.status != records.PROCESSING_UPLOAD:
                record = records.uploaded(record, self.now())
                await self.box.put(record, wait=False)
        # Public posts get their post ids only after moderation (usually < 1 min); wait a
        # little for them so the summary can show the URL, without holding the queue long.
        waited = 0.0
        while (
            wait
            and status.status == records.PUBLISH_COMPLETE
            and not status.post_ids
            and change.privacy == "PUBLIC_TO_EVERYONE"
            and waited < self.poll.moderation_wait
        ):
            await self.sleep(self.poll.maximum)
            waited += self.poll.maximum
            status = await api.fetch_status(publish_id)
        creator = self.creators.get(change.account)
        username = creator.creator_username if creator else None
        record = records.from_status(
            record, status.status, status.fail_reason, status.post_ids, username, self.now()
        )
        # Nothing depends on the outcome being durable before the queue's next post (whose
        # first write carries it anyway); a kill before that leaves a resume, which asks TikTok.
        await self.box.put(record, wait=False)
        action = change.action.value
        if record.status == "published":
            return Result(change.address, action, Outcome.PUBLISHED, record.publish_id, record.url)
        if record.status == "inbox":
            return Result(
                change.address,
                action,
                Outcome.INBOX,
                record.publish_id,
                message="sent to the creator's inbox; they finish it in the TikTok app",
            )
        if record.status == "failed":
            return Result(
                change.address,
                action,
                Outcome.FAILED,
                record.publish_id,
                message=f"TikTok: {record.fail_reason}",
            )
        return Result(
            change.address,
            action,
            Outcome.PENDING,
            record.publish_id,
            message=f"still {status.status} at TikTok; the next run asks again",
        )
