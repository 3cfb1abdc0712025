"""One ``publisher apply``: pre-flight, publish, record, under the caller's state lock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from gitops_publisher.apply.engine import Engine
from gitops_publisher.apply.events import Emit, Log, Result
from gitops_publisher.apply.pipeline import Limits
from gitops_publisher.apply.settle import PollPolicy
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core.models import AccountConfig
from gitops_publisher.core.plan import PUBLISHING, Action, Plan
from gitops_publisher.core.ports import LookupBudget, Providers
from gitops_publisher.core.state import Provenance
from gitops_publisher.errors import PreflightError
from gitops_publisher.planning import Planned
from gitops_publisher.preflight.accounts import checked_accounts
from gitops_publisher.preflight.publish import account_problems, media_problems
from gitops_publisher.providers.registry import PLATFORMS, rules_named


@dataclass
class ApplyReport:
    """What one apply did."""

    plan: Plan
    results: list[Result] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no result failed."""
        return all(
            r.outcome.value in ("published", "scheduled", "inbox", "pending") for r in self.results
        )


def execute(
    planned: Planned,
    providers: Providers,
    *,
    emit: Emit,
    origin: Provenance | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ApplyReport:
    """Pre-flight then publish ``planned.plan``; the caller holds the state lock.

    ``providers`` (built by ``gitops_publisher/compose.py``) opens each account's platform.
    ``origin`` (commit, pull request, CI run) is read by the caller, at the edge: each record
    this run writes carries it, with the plan's hash and the id of the state lock the caller
    holds (``StateStore.held_lock``; what it proves: ``apply/inflight.py``).

    Every account with something to do is checked first to be the platform user
    ``publisher.yaml`` and its pin say (``core/identity.py``); an account that is not is
    stopped (each of its changes "not attempted", naming both users) and the others go on.

    Raises:
        PreflightError: a video or a creator check failed; nothing was posted.
        AuthError: an account has no usable credentials; nothing was posted.
    """
    plan = planned.plan
    project = planned.project
    root = project.root
    posts = {str(p.address): p for p in project.posts}
    media = media_problems(project.videos, plan.changes, posts, project.providers)
    if media.problems:
        broken = rules_named(media.platforms, "rules")
        raise PreflightError(media.problems, f"videos break {broken}")
    scale = providers.time_scale

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds / scale)

    start = time.monotonic()

    def clock() -> float:
        return (time.monotonic() - start) * scale

    accounts = planned.project.config.accounts

    async def run() -> list[Result]:
        names = sorted(
            {c.account for c in plan.changes if c.action in PUBLISHING}
            | {c.account for c in plan.changes if c.action.value == "resume"}
        )
        async with providers.open(
            planned.project.config.accounts, names, sleep=sleep, clock=clock
        ) as opened:
            checked = await checked_accounts(
                names,
                opened,
                planned.state,
                planned.project.config.accounts,
            )
            identities = checked.identities
            for notice in identities.notices:
                emit(Log("", f"warning: {notice}", "warning"))
            _ready, account_issues = account_problems(
                plan.changes, posts, checked.allowed, media.durations, opened
            )
            if account_issues:
                raise PreflightError(account_issues, "account checks failed")
            # What looking for forgotten posts may spend, by account: each platform's own
            # (accounts drawing on one quota share a budget).
            budgets: dict[str, LookupBudget] = {}
            for kind in sorted({accounts[name].provider for name in names}):
                budgets.update(PLATFORMS[kind].lookup_budgets(plan))
            # A platform whose handles are never sessions has its records put as they are.
            plain = (n for n in names if PLATFORMS[accounts[n].provider].sealed_handles is None)
            engine = Engine(
                box=StateBox(
                    planned.store,
                    planned.state,
                    sealer=providers.sealer,
                    plain_accounts=frozenset(plain),
                ),
                providers=opened,
                root=root,
                now=now,
                sleep=sleep,
                emit=emit,
                # The lock this run holds, stamped on each attempt it starts: a later run
                # holding it knows this one has ended (apply/inflight.py).
                provenance=(origin or Provenance()).model_copy(
                    update={"plan_hash": plan.plan_hash(), "lock": planned.store.held_lock()}
                ),
                identities=identities.seen,
                stopped=identities.stopped,
                poll=PollPolicy(),
                clock=clock,
                reviewed=planned.reviewed,
                content_types=media.content_types,
                limits={name: pipeline_limits(accounts[name]) for name in names},
                upload_lifetimes={
                    name: PLATFORMS[accounts[name].provider].upload_target_lifetime
                    for name in names
                },
                sealed_lifetimes={
                    name: PLATFORMS[accounts[name].provider].sealed_handle_lifetime
                    for name in names
                },
                time_scale=scale,
                budgets=budgets,
                pending_notes={
                    name: PLATFORMS[accounts[name].provider].pending_note for name in names
                },
            )
            count = sum(1 for c in plan.changes if c.action in PUBLISHING)
            resumes = sum(1 for c in plan.changes if c.action is Action.RESUME)
            doing = [f"{count} post(s) to publish"] if count or not resumes else []
            if resumes:  # asked about first: an apply of resumes alone is not "0 to publish"
                doing.append(f"{resumes} to resume" if doing else f"{resumes} post(s) to resume")
            emit(Log("", f"applying: {', '.join(doing)}"))
            results = await engine.run(plan, posts)
            shared = {id(budget): budget for budget in budgets.values()}  # each budget once
            for budget in shared.values():
                if budget.spent and budget.report:
                    emit(Log("", f"{budget.report} took {budget.spent} unit(s)"))
            return results

    return ApplyReport(plan, asyncio.run(run()))


def pipeline_limits(config: AccountConfig) -> Limits:
    """An account's pipeline limits: its ``in_flight`` setting and its platform's limits."""
    platform = PLATFORMS[config.provider]
    return Limits(
        in_flight=config.in_flight,
        quotas=platform.quotas(config),
        outcome_rate=platform.outcome_rate(),
    )
