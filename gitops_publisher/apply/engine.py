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
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from gitops_publisher.apply.events import Log, Outcome, Result
from gitops_publisher.apply.pipeline import Lane, Limits, Stopped, Ticket, used_before
from gitops_publisher.apply.publish import Publishing
from gitops_publisher.apply.resume import resume, unclear
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.plan import ACTING, PUBLISHING, Action, Change, Plan
from gitops_publisher.core.reviewed import NOT_REVIEWED, is_approved
from gitops_publisher.errors import ApiError, AuthError, ProviderError, PublisherError
from gitops_publisher.providers.errors import (
    OutcomeUnclear,
)

T = TypeVar("T")


@dataclass
class Engine(Publishing):
    """Runs one apply. Everything with side effects is injected.

    The engine is the run's :class:`~.publish.Publishing` (its collaborators, documented
    there, and one post's steps), scheduling the changes of every account.

    Attributes:
        reviewed: when set, address -> fingerprint of what merged pull requests' plans
            showed: any other publish is not attempted, whatever the plan says (design §12).
        stopped: accounts that must not act, with why (an identity mismatch).
        limits: each account's pipeline limits (in flight, quotas, outcome rate); an
            account without runs one publish at a time, unpaced (its adapter's limiter
            still guards the platform's rate limits).
    """

    reviewed: Mapping[str, str] | None = None
    stopped: Mapping[str, str] = field(default_factory=dict)
    limits: Mapping[str, Limits] = field(default_factory=dict)

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
                result = await resume(self, change, ticket, posts.get(change.address))
            else:
                result = await self.publish(change, posts[change.address], ticket)
        except Stopped as exc:
            return _not_attempted(change, str(exc))
        except AuthError as exc:
            lane.stop(f"not attempted: {account} cannot authenticate ({exc})")
            result = Result(change.address, change.action.value, Outcome.FAILED, message=_said(exc))
        except OutcomeUnclear as exc:
            record = self.record(change.address)
            result = unclear(change, self.providers[account], record, exc)
        except ProviderError as exc:
            if exc.stops_account:
                code = exc.code if isinstance(exc, ApiError) else type(exc).__name__
                lane.stop(f"not attempted after {code} on {account}")
            result = Result(change.address, change.action.value, Outcome.FAILED, message=_said(exc))
        except BaseException as exc:  # a state write failed, a bug: nothing more starts
            lane.stop(f"not attempted after {type(exc).__name__}")
            raise
        finally:
            ticket.close()
        self.emit(result)
        return result


def _said(exc: PublisherError) -> str:
    """A refusal and what to do about it (``quotaExceeded``: when it resets), for the result."""
    return f"{str(exc).rstrip('.')}: {exc.hint}" if exc.hint else str(exc)


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
