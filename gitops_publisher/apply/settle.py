"""After the upload: poll the platform until a post settles, then record and report it.

A platform processes a video after accepting its last byte and reports the result only when
asked (the port's ``outcome``), so the engine polls with exponential backoff
(:class:`PollPolicy`, on the engine's injected clock and sleep) up to a total time. After a
transfer of this run nothing is asked at once (processing has only just begun: the engine
settles from :data:`UPLOADED`): the first question is the poll due ``PollPolicy.initial``
after the last byte. A post still processing when the time runs out stays ``processing`` in
the state and the next run asks again (``resume``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime

from gitops_publisher.apply import records
from gitops_publisher.apply.events import Outcome, Result
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core.plan import Change
from gitops_publisher.core.ports import (
    Drafted,
    Failed,
    Processing,
    Provider,
    Published,
    Transferring,
    is_settled,
)
from gitops_publisher.core.ports import Outcome as Answer
from gitops_publisher.core.state import Record

PendingNote = Callable[[Record, datetime], str | None]
"""Why a published record's post is not visible yet at a time (``Platform.pending_note``)."""

UPLOADED = Processing("processing")
"""What the engine knows when a transfer returns, before asking: the platform holds every
byte and is processing them (:meth:`~gitops_publisher.core.ports.Provider.transfer`'s
contract). The status word is the engine's, not the platform's: the first poll, due
:attr:`PollPolicy.initial` after the last byte, asks the platform."""


@dataclass
class PollPolicy:
    """Outcome polling: exponential backoff up to a total time (in the engine's clock)."""

    initial: float = 2.0
    factor: float = 1.5
    maximum: float = 20.0
    timeout: float = 600.0
    moderation_wait: float = 60.0


@dataclass(frozen=True)
class Settler:
    """Waits for the platform to settle a handle and records the outcome in the state.

    Attributes:
        box: the state and its store.
        now: the wall clock for records.
        sleep: waits between polls (scaled in tests and in the sandbox).
        clock: monotonic seconds on the same scale as ``sleep`` (times the first poll).
        poll: the polling policy.
        gate: held around each question (the account's outcome rate, shared by the polls
            of its publishes in flight: ``Lane.asking``); None: ask at once.
        pending: why a published post is not visible yet (the account's platform's
            ``Platform.pending_note``); None: it is once published.
    """

    box: StateBox
    now: Callable[[], datetime]
    sleep: Callable[[float], Awaitable[None]]
    clock: Callable[[], float]
    poll: PollPolicy
    gate: Callable[[], AbstractAsyncContextManager[None]] | None = None
    pending: PendingNote | None = None

    async def settle(
        self,
        provider: Provider,
        change: Change,
        record: Record,
        answer: Answer,
        *,
        size: int,
        since: float | None = None,
    ) -> Result:
        """Poll until ``answer`` is settled (or time runs out) and record the outcome.

        ``answer`` is the platform's last answer, or :data:`UPLOADED` right after a
        transfer (asked at least once, whatever the timeout). ``since`` (on :attr:`clock`)
        is when processing began; the first poll is then due ``poll.initial`` after it
        rather than after ``answer`` was received. ``size`` is the video's bytes (the
        platform's answer tells a partial upload by it).

        Raises:
            ProviderError: asking the platform failed.
            StateError: the outcome could not be recorded.
        """
        handle = record.publish_id
        assert handle is not None
        ask = _Asker(provider, handle, size, change.privacy, self.gate)
        record, answer = await self._until_processed(ask, record, answer, since)
        answer = await self._until_post_ids(ask, answer)
        record = records.settled(record, answer, self.now())
        # Nothing depends on the outcome being durable before the queue's next post (whose
        # first write carries it anyway); a kill before that leaves a resume, which asks again.
        await self.box.put(record, wait=False)
        return outcome(change, record, answer, provider, self.pending)

    async def _until_processed(
        self, ask: _Asker, record: Record, answer: Answer, since: float | None
    ) -> tuple[Record, Answer]:
        delay, waited = self.poll.initial, 0.0
        head_start = 0.0 if since is None else min(max(0.0, self.clock() - since), delay)
        unasked = answer is UPLOADED
        record = await self._named(record, answer)
        while not is_settled(answer) and (waited < self.poll.timeout or unasked):
            unasked = False
            await self.sleep(delay - head_start)
            waited, head_start = waited + delay, 0.0
            delay = min(delay * self.poll.factor, self.poll.maximum)
            answer = await ask()
            record = await self._named(record, answer)
            if record.status == "uploading" and not isinstance(answer, Transferring):
                record = records.uploaded(record, self.now())
                await self.box.put(record, wait=False)
        return record, answer

    async def _named(self, record: Record, answer: Answer) -> Record:
        """Record the ids the platform gave a post it still processes, as soon as it does.

        A later run then asks about them, even once the platform has forgotten the handle
        (YouTube: a live session's answer names the video; the session expires after
        about a week). Written before the next poll, not after the post settles.
        """
        if not isinstance(answer, Processing) or not answer.post_ids:
            return record
        if record.status == "uploading":  # a resume: the platform holds every byte
            record = records.uploaded(record, self.now())
        named = records.named(record, answer.post_ids)
        await self.box.put(named)  # unchanged: no write
        return named

    async def _until_post_ids(self, ask: _Asker, answer: Answer) -> Answer:
        # Some posts get their ids only after moderation (TikTok: public posts, usually under
        # a minute); wait a little for them so the summary can show the URL, without holding
        # the queue long.
        waited = 0.0
        while (
            isinstance(answer, Published)
            and answer.ids_pending
            and waited < self.poll.moderation_wait
        ):
            await self.sleep(self.poll.maximum)
            waited += self.poll.maximum
            answer = await ask()
        return answer


@dataclass(frozen=True)
class _Asker:
    """One handle's outcome question, asked again at each poll."""

    provider: Provider
    handle: str
    size: int
    privacy: str | None
    gate: Callable[[], AbstractAsyncContextManager[None]] | None = None

    async def __call__(self) -> Answer:
        async with nullcontext() if self.gate is None else self.gate():
            return await self.provider.outcome(self.handle, self.size, privacy=self.privacy)


def outcome(
    change: Change,
    record: Record,
    answer: Answer,
    provider: Provider,
    pending: PendingNote | None = None,
) -> Result:
    """The result to report for ``record`` once settling is over (``answer``: the last one).

    ``pending``: why a published post is not visible yet (YouTube: scheduled for its
    ``publishAt``), asked at the time it was recorded published; such a post is reported
    ``scheduled``, private until then.
    """
    action = change.action.value
    shown = provider.label(record.publish_id) if record.publish_id else None
    scheduled = (
        pending(record, record.published_at or record.updated_at)
        if pending is not None and record.status == "published"
        else None
    )
    if scheduled is not None:
        return Result(
            change.address,
            action,
            Outcome.SCHEDULED,
            shown,
            record.url,
            message=f"{scheduled}; private until then",
        )
    if record.status == "published":
        note = answer.note if isinstance(answer, Published) else ""
        return Result(
            change.address,
            action,
            Outcome.PUBLISHED,
            shown,
            record.url,
            message="" if record.url else note,
        )
    if record.status == "inbox":
        return Result(
            change.address,
            action,
            Outcome.INBOX,
            shown,
            message=f"sent to the creator's inbox; they finish it in the {provider.title} app",
        )
    if record.status == "failed":
        return Result(
            change.address,
            action,
            Outcome.FAILED,
            shown,
            message=f"{provider.title}: {record.fail_reason}",
        )
    status = "" if isinstance(answer, Published | Drafted | Failed) else _word(answer)
    return Result(
        change.address,
        action,
        Outcome.PENDING,
        shown,
        message=f"still {status} at {provider.title}; the next run asks again",
    )


def _word(answer: Answer) -> str:
    """The platform's own word for an unsettled answer."""
    return getattr(answer, "status", "") or getattr(answer, "reason", "")
