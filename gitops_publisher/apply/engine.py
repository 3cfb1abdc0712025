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
(``core/ports.py``). One publish's steps (start, transfer, settle) are :mod:`publish`'s, a
recorded attempt's resume is :mod:`resume`'s, the state writes (group-committed)
:mod:`statebox`'s, and waiting for the platform to settle a post after its upload, and
reporting the outcome, :mod:`settle`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from gitops_publisher.apply.events import Emit, Log, Outcome, Result
from gitops_publisher.apply.pipeline import Lane, Limits, Stopped, Ticket, used_before
from gitops_publisher.apply.publish import Publishing
from gitops_publisher.apply.resume import resume, unclear
from gitops_publisher.apply.settle import PollPolicy
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.identity import Identity
from gitops_publisher.core.plan import ACTING, PUBLISHING, Action, Change, Plan
from gitops_publisher.core.ports import (
    Provider,
)
from gitops_publisher.core.reviewed import NOT_REVIEWED, is_approved
from gitops_publisher.core.state import Provenance
from gitops_publisher.errors import ApiError, AuthError, ProviderError
from gitops_publisher.providers.errors import (
    OutcomeUnclear,
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

    _steps: Publishing = field(init=False, repr=False)

    async def run(self, plan: Plan, posts: Mapping[str, DesiredPost]) -> list[Result]:
        """Execute every acting change of ``plan``; return one result per change."""
        self._steps = Publishing(
            box=self.box,
            providers=self.providers,
            root=self.root,
            now=self.now,
            sleep=self.sleep,
            emit=self.emit,
            provenance=self.provenance,
            poll=self.poll,
            clock=self.clock,
            identities=self.identities,
            content_types=self.content_types,
            upload_lifetimes=self.upload_lifetimes,
            time_scale=self.time_scale,
        )
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
                result = await resume(self._steps, change, ticket, posts.get(change.address))
            else:
                result = await self._steps.publish(change, posts[change.address], ticket)
        except Stopped as exc:
            return _not_attempted(change, str(exc))
        except AuthError as exc:
            lane.stop(f"not attempted: {account} cannot authenticate ({exc})")
            result = Result(change.address, change.action.value, Outcome.FAILED, message=str(exc))
        except OutcomeUnclear as exc:
            record = self._steps.record(change.address)
            result = unclear(change, self.providers[account], record, exc)
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
