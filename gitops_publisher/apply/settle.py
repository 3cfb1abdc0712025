"""After the upload: poll TikTok until a post settles, then record and report its outcome.

TikTok processes a video after accepting its last chunk and reports the result only through
the status endpoint, so the engine polls with exponential backoff (:class:`PollPolicy`, on
the engine's injected clock and sleep) up to a total time. A post still processing when the
time runs out stays ``processing`` in the state and the next run asks again (``resume``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from gitops_publisher.apply import records
from gitops_publisher.apply.events import Outcome, Result
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core.plan import Change
from gitops_publisher.core.state import Record
from gitops_publisher.providers.tiktok.api_models import PublishStatus


@dataclass
class PollPolicy:
    """Status polling: exponential backoff up to a total time (in the engine's clock)."""

    initial: float = 2.0
    factor: float = 1.5
    maximum: float = 20.0
    timeout: float = 600.0
    moderation_wait: float = 60.0


class StatusApi(Protocol):
    """The one provider call settling needs (every :class:`AccountApi` has it)."""

    async def fetch_status(self, publish_id: str) -> PublishStatus:
        """The publish_id's processing status."""
        ...


@dataclass(frozen=True)
class Settler:
    """Waits for TikTok to settle a publish_id and records the outcome in the state.

    Attributes:
        box: the state and its store.
        now: the wall clock for records.
        sleep: waits between polls (scaled in tests and in the sandbox).
        clock: monotonic seconds on the same scale as ``sleep`` (times the first poll).
        poll: the polling policy.
    """

    box: StateBox
    now: Callable[[], datetime]
    sleep: Callable[[float], Awaitable[None]]
    clock: Callable[[], float]
    poll: PollPolicy

    async def settle(
        self,
        api: StatusApi,
        change: Change,
        record: Record,
        status: PublishStatus,
        *,
        username: str | None,
        since: float | None = None,
    ) -> Result:
        """Poll until ``status`` is terminal (or time runs out) and record the outcome.

        ``since`` (on :attr:`clock`) is when processing began; the first poll is then due
        ``poll.initial`` after it rather than after ``status`` was fetched. ``username`` (the
        creator's) builds the post URL.

        Raises:
            ProviderError: a status fetch failed.
            StateError: the outcome could not be recorded.
        """
        publish_id = record.publish_id
        assert publish_id is not None
        record, status = await self._until_processed(api, publish_id, record, status, since)
        if change.privacy == "PUBLIC_TO_EVERYONE":
            status = await self._until_post_ids(api, publish_id, status)
        record = records.from_status(
            record, status.status, status.fail_reason, status.post_ids, username, self.now()
        )
        # Nothing depends on the outcome being durable before the queue's next post (whose
        # first write carries it anyway); a kill before that leaves a resume, which asks TikTok.
        await self.box.put(record, wait=False)
        return outcome(change, record, status)

    async def _until_processed(
        self,
        api: StatusApi,
        publish_id: str,
        record: Record,
        status: PublishStatus,
        since: float | None,
    ) -> tuple[Record, PublishStatus]:
        delay, waited = self.poll.initial, 0.0
        head_start = 0.0 if since is None else min(max(0.0, self.clock() - since), delay)
        while not status.is_terminal and waited < self.poll.timeout:
            await self.sleep(delay - head_start)
            waited, head_start = waited + delay, 0.0
            delay = min(delay * self.poll.factor, self.poll.maximum)
            status = await api.fetch_status(publish_id)
            if record.status == "uploading" and status.status != records.PROCESSING_UPLOAD:
                record = records.uploaded(record, self.now())
                await self.box.put(record, wait=False)
        return record, status

    async def _until_post_ids(
        self, api: StatusApi, publish_id: str, status: PublishStatus
    ) -> PublishStatus:
        # Public posts get their post ids only after moderation (usually < 1 min); wait a
        # little for them so the summary can show the URL, without holding the queue long.
        waited = 0.0
        while (
            status.status == records.PUBLISH_COMPLETE
            and not status.post_ids
            and waited < self.poll.moderation_wait
        ):
            await self.sleep(self.poll.maximum)
            waited += self.poll.maximum
            status = await api.fetch_status(publish_id)
        return status


def _no_url(privacy: str | None) -> str:
    """Why a published post has no URL (TikTok returns post ids for public posts only)."""
    if privacy and privacy != "PUBLIC_TO_EVERYONE":
        return (
            f"no public URL: TikTok gives a post id only for posts public to everyone, and this "
            f"one is {privacy}; the creator finds it on their profile"
        )
    return (
        "no URL yet: TikTok had not given the post id when polling stopped (moderation can "
        "take longer); the creator finds it on their profile"
    )


def outcome(change: Change, record: Record, status: PublishStatus) -> Result:
    """The result to report for ``record`` once settling is over (``status`` is TikTok's last)."""
    action = change.action.value
    if record.status == "published":
        return Result(
            change.address,
            action,
            Outcome.PUBLISHED,
            record.publish_id,
            record.url,
            message="" if record.url else _no_url(change.privacy),
        )
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
