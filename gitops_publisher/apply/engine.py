"""The apply engine: run a plan's acting changes, one queue per account, exactly once.

Accounts run concurrently (TikTok's limits are per user token); inside an account, changes
run one after another, resumes first. Every transition is written to the state before the
next network call that depends on it (``records.py``), in particular the publish_id before
the first chunk. What a rerun does with any state this leaves is the planner's business:
``resume`` asks TikTok, ``retry`` starts over only where no byte was sent or TikTok said no.

The state writes (group-committed) are :mod:`statebox`'s; waiting for TikTok to settle a post
after its upload, and reporting the outcome, is :mod:`settle`'s.
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
from gitops_publisher.apply.settle import PollPolicy, Settler
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.identity import Identity
from gitops_publisher.core.plan import ACTING, PUBLISHING, Action, Change, Plan
from gitops_publisher.core.reviewed import NOT_REVIEWED, is_approved
from gitops_publisher.core.state import Provenance, Record
from gitops_publisher.errors import ApiError, AuthError, ProviderError
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
        """PUT every chunk, sent as ``content_type`` (the container the probe found)."""
        ...

    async def fetch_status(self, publish_id: str) -> PublishStatus:
        """The publish_id's processing status."""
        ...


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
        reviewed: when set, address -> fingerprint of what merged pull requests' plans
            showed: any other publish is not attempted, whatever the plan says (design §12).
        identities: the TikTok user each account was checked to be (recorded at init).
        stopped: accounts that must not act, with why (an identity mismatch).
        content_types: the upload's Content-Type of each video, by content id, from the
            container pre-flight probed (never from the file's suffix).
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
        record, init, chunks = await self._init(api, change, post)
        self.emit(Log(change.address, f"publish_id {init.publish_id}; uploading"))
        assert init.upload_url is not None
        try:
            await api.upload(
                init.upload_url,
                self.root / post.video.path,
                chunks,
                content_type=self.content_types.get(post.video.content_id),
                on_progress=lambda sent, total: self.emit(
                    UploadProgress(change.address, sent, total)
                ),
            )
        except UploadUrlExpired:
            return await self._upload_expired(change, post, record, init.publish_id, renewals)
        except (UploadError, ProviderNetworkError) as exc:
            return await self._upload_failed(change, post, record, init.publish_id, exc)
        # TikTok started processing when it accepted the last chunk: the first poll is due
        # ``poll.initial`` from now, and the state write and the first status fetch below
        # count towards that wait instead of delaying it.
        uploaded_at = self.clock()
        record = records.uploaded(record, self.now())
        await self.box.put(record, wait=False)  # no call depends on it: resume asks TikTok
        self.emit(Log(change.address, "uploaded; waiting for TikTok to process it"))
        status = await api.fetch_status(init.publish_id)
        return await self._settle(change, record, status, since=uploaded_at)

    async def _init(
        self, api: AccountApi, change: Change, post: DesiredPost
    ) -> tuple[Record, InitResult, ChunkPlan]:
        """Record the attempt, init at TikTok, and make the publish_id durable (write-ahead).

        Raises:
            InitOutcomeUnknown, RateLimited: the record stays "initiating" (no byte was sent,
                so the next run's retry is safe).
            ApiError: TikTok refused the init (recorded as failed with its code).
            ProviderError: the answer had no upload_url (recorded as failed).
        """
        record = records.start(
            post,
            self._record(change.address),
            self.now(),
            self.provenance,
            self.identities.get(change.account),
        )
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
        return record, init, chunks

    async def _upload_expired(
        self, change: Change, post: DesiredPost, record: Record, publish_id: str, renewals: int
    ) -> Result:
        """The upload URL expired (403): a new init only once TikTok says nothing was posted."""
        api = self.apis[change.account]
        status = await api.fetch_status(publish_id)
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
                publish_id,
                message="the upload URL expired again; nothing was published; the next run retries",
            )
        self.emit(Log(change.address, "upload URL expired and nothing was published; new init"))
        return await self._publish(change, post, renewals=renewals - 1)

    async def _upload_failed(
        self, change: Change, post: DesiredPost, record: Record, publish_id: str, exc: Exception
    ) -> Result:
        """Chunks kept failing: failed if TikTok lacks bytes, else it has them all: settle."""
        status = await self.apis[change.account].fetch_status(publish_id)
        if (
            status.status == records.PROCESSING_UPLOAD
            and (status.uploaded_bytes or 0) < post.video.size
        ):
            await self.box.put(records.failed(record, "upload_failed", self.now()))
            return Result(
                change.address,
                change.action.value,
                Outcome.FAILED,
                publish_id,
                message=f"upload failed ({exc}); nothing was published; the next run retries",
            )
        return await self._settle(change, record, status)

    async def _settle(
        self, change: Change, record: Record, status: PublishStatus, *, since: float | None = None
    ) -> Result:
        creator = self.creators.get(change.account)
        settler = Settler(self.box, self.now, self.sleep, self.clock, self.poll)
        return await settler.settle(
            self.apis[change.account],
            change,
            record,
            status,
            username=creator.creator_username if creator else None,
            since=since,
        )
