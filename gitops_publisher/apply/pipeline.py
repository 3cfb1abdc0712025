"""An account's queue as a pipeline: several publishes in flight, paced by the platform's limits.

A publish spends most of its time waiting for the platform (the start's round trip, the
transfer, then processing: TikTok takes seconds for a short video and about a minute for a
gigabyte), so an account's posts run concurrently rather than one after another, within:

* **in flight**: at most ``in_flight`` publishes of the account between admission and their
  outcome (the account's ``in_flight`` in ``publisher.yaml``; 1 is one after another);
* **starts**: the platform's rate quotas (``Quota.is_rate``: TikTok's 6 inits per sliding
  minute) space the starts, timed from each start's end like the adapters' limiters; a cap
  (TikTok's daily posts, 5 pending drafts) is counted from the state's records of its window
  plus this run's starts, and once it looks used up the next start goes alone (no other start
  of the account in progress), so the platform's refusal stops the account exactly as it did
  when the queue was a line. Where the platform's cap is lower than the count assumes (an
  app of the creator's posted too, a creator with a smaller cap), the starts in flight may
  be refused together; each refusal is an account's, recorded as retryable (nothing was
  created: the next run publishes the post once). The engine never refuses
  on its own count (other apps post for the same creator; caps vary per creator);
* **bytes**: the transfers of one account in progress hold at most ``transfer_budget`` bytes
  (64 MiB), except that one transfer always may run. Memory is not what this bounds (a
  transfer reads its file a piece at a time, about 1 MiB whatever the video's size); the
  link is: concurrent transfers share the uplink, and TikTok's upload URL is valid for one
  hour from the init, so two large transfers must not both be slowed into expiry. The bytes
  are reserved BEFORE the start (a start whose transfer then waited would spend its hour);
* **outcome questions**: the polls of the account's publishes in flight go out together,
  concurrently, sharing the platform's outcome rate (TikTok: status/fetch, 30 per sliding
  minute), so several in flight never make the adapter's limiter or a 429 wait.

All waits are on the engine's injected clock and sleep; a stop (``stop``) wakes them.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gitops_publisher.core.ports import Quota, Rate
from gitops_publisher.core.state import Record

TRANSFER_BUDGET = 64 * 1024 * 1024
"""Bytes of one account's transfers in progress at once (one transfer may always run)."""
MARGIN = 0.25
"""Seconds added to each window, like the adapters' limiters (clock granularity, ``<=``)."""


class Stopped(Exception):
    """The account stopped before this change's start was sent: it is not attempted."""


@dataclass(frozen=True)
class Limits:
    """What paces one account's pipeline (``apply/run.py`` builds it from config and port).

    Attributes:
        in_flight: publishes of the account in flight at once (1: one after another).
        quotas: the platform's quotas of the account (``Platform.quotas``).
        outcome_rate: how often the account may ask for outcomes (``Platform.outcome_rate``).
        transfer_budget: bytes of the account's transfers in progress at once.
    """

    in_flight: int = 1
    quotas: tuple[Quota, ...] = ()
    outcome_rate: Rate | None = None
    transfer_budget: int = TRANSFER_BUDGET


def used_before(quota: Quota, account: str, records: Iterable[Record], now: datetime) -> int:
    """What this project's records used of ``quota`` in its window before now.

    A record counts once it published (``published``) or reached the creator's inbox
    (``inbox``) within the window, in a mode the quota counts.
    """
    return sum(
        quota.cost
        for r in records
        if r.account == account
        and r.status in ("published", "inbox")
        and r.published_at is not None
        and now - r.published_at < quota.window
        and quota.counts(r.mode)
    )


@dataclass
class _Window:
    """One sliding window: when recent calls finished, and how many are in progress."""

    limit: int
    seconds: float
    finished: deque[float] = field(default_factory=deque)
    running: int = 0

    def delay(self, now: float) -> float:
        """Seconds until one more call may begin (0: now; inf: when a running one ends)."""
        while self.finished and self.finished[0] + self.seconds + MARGIN <= now:
            self.finished.popleft()
        if len(self.finished) + self.running < self.limit:
            return 0.0
        if not self.finished:
            return math.inf
        return self.finished[0] + self.seconds + MARGIN - now


@dataclass
class _Cap:
    quota: Quota
    used: int
    warned: bool = False

    def exhausted(self) -> bool:
        return self.used + self.quota.cost > self.quota.limit


class Lane:
    """One account's pipeline: its slots, bytes, start windows, caps and outcome window.

    Args:
        limits: the account's limits.
        used: what each cap (by quota name) had used before this run (:func:`used_before`).
        clock: monotonic seconds on the scale of ``sleep`` (the engine's).
        sleep: the engine's sleep.
        warn: told, once per cap, that the cap looks used up.
    """

    def __init__(
        self,
        limits: Limits,
        used: dict[str, int],
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        warn: Callable[[str], None],
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._warn = warn
        account_quotas = [q for q in limits.quotas if q.scope == "account"]
        self._rates = [
            (q, _Window(q.limit, q.window.total_seconds())) for q in account_quotas if q.is_rate
        ]
        self._caps = [_Cap(q, used.get(q.name, 0)) for q in account_quotas if not q.is_rate]
        rate = limits.outcome_rate
        self._outcomes = _Window(rate.calls, rate.window.total_seconds()) if rate else None
        self._start_lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._flying = 0
        self._bytes = 0
        self._starting = 0
        self.stopped: str | None = None

    # -- waking
    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _nap(self, changed: asyncio.Event, delay: float) -> None:
        """Until ``changed`` is set (a slot freed, a stop) or ``delay`` seconds passed."""
        tasks: set[asyncio.Future[Any]] = {asyncio.ensure_future(changed.wait())}
        if delay != math.inf:
            tasks.add(asyncio.ensure_future(self._sleep(delay)))
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()

    def stop(self, reason: str) -> None:
        """Stop the account: nothing more starts (the first reason stays)."""
        if self.stopped is None:
            self.stopped = reason
        self._notify()

    # -- in flight and bytes
    async def admit(self) -> None:
        """Wait for a slot among the account's publishes in flight.

        Raises:
            Stopped: the account stopped meanwhile.
        """
        while True:
            changed = self._changed
            if self.stopped is not None:
                raise Stopped(self.stopped)
            if self._flying < max(1, self.limits.in_flight):
                self._flying += 1
                return
            await self._nap(changed, math.inf)

    def done(self) -> None:
        """A publish of the account is over (its slot is free)."""
        self._flying -= 1
        self._notify()

    async def reserve(self, size: int, *, stoppable: bool = True) -> None:
        """Wait until ``size`` more bytes fit the transfer budget (or no transfer runs).

        Raises:
            Stopped: the account stopped meanwhile (only when ``stoppable``).
        """
        while True:
            changed = self._changed
            if stoppable and self.stopped is not None:
                raise Stopped(self.stopped)
            if self._bytes == 0 or self._bytes + size <= self.limits.transfer_budget:
                self._bytes += size
                return
            await self._nap(changed, math.inf)

    def release(self, size: int) -> None:
        """``size`` reserved bytes are transferred (or will not be)."""
        self._bytes -= size
        self._notify()

    # -- starts
    @asynccontextmanager
    async def starting(self, mode: str) -> AsyncIterator[None]:
        """Hold one start of a ``mode`` publish: starts go in order, paced and capped.

        Raises:
            Stopped: the account stopped before this start could be sent.
        """
        async with self._start_lock:
            while True:
                changed = self._changed
                if self.stopped is not None:
                    raise Stopped(self.stopped)
                delay = self._start_delay(mode)
                if delay <= 0:
                    break
                await self._nap(changed, delay)
            windows = [w for q, w in self._rates if q.counts(mode)]
            for window in windows:
                window.running += 1
            for cap in self._caps:
                if cap.quota.counts(mode):
                    cap.used += cap.quota.cost
            self._starting += 1
        try:
            yield
        finally:
            ended = self._clock()
            for window in windows:
                window.running -= 1
                window.finished.append(ended)
            self._starting -= 1
            self._notify()

    def _start_delay(self, mode: str) -> float:
        now = self._clock()
        delay = max((w.delay(now) for q, w in self._rates if q.counts(mode)), default=0.0)
        for cap in self._caps:
            if not cap.quota.counts(mode) or not cap.exhausted():
                continue
            if not cap.warned:
                cap.warned = True
                self._warn(
                    f"{cap.quota.name}: {cap.used} of {cap.quota.limit} used in the window by "
                    "this project's records and this run; the next starts go one at a time "
                    "and the platform decides"
                )
            if self._starting:
                delay = math.inf
        return delay

    # -- outcomes
    @asynccontextmanager
    async def asking(self) -> AsyncIterator[None]:
        """Hold one outcome question within the account's outcome rate."""
        window = self._outcomes
        if window is None:
            yield
            return
        while True:
            changed = self._changed
            delay = window.delay(self._clock())
            if delay <= 0:
                break
            await self._nap(changed, delay)
        window.running += 1
        try:
            yield
        finally:
            window.running -= 1
            window.finished.append(self._clock())
            self._notify()


@dataclass
class Ticket:
    """One change's place in its account's pipeline: its slot and the bytes it holds."""

    lane: Lane
    size: int = 0

    async def reserve(self, size: int, *, stoppable: bool = True) -> None:
        """Hold ``size`` bytes of the budget for a transfer (nothing if already held)."""
        if self.size == 0 and size > 0:
            await self.lane.reserve(size, stoppable=stoppable)
            self.size = size

    def landed(self) -> None:
        """The transfer is over: give its bytes back."""
        if self.size:
            self.lane.release(self.size)
            self.size = 0

    def close(self) -> None:
        """The change is over: its bytes and its slot go back."""
        self.landed()
        self.lane.done()
