"""Creator checks at plan time, so a pull request fails instead of a publish (issue: pre-flight).

When credentials are at hand (``--sandbox``, or the app's key and an account's token: the
composition root, ``compose.reviewed_plan``, decides), ``plan`` checks each account through the
provider port (TikTok: a fresh creator_info; YouTube: channels.list ``mine=true``) and the
posts it would publish: the user (channel) behind the token is the account's
(``core/identity.py``; a mismatch is a plan error for that account), the creator can post
now, the privacy level is offered, disabled interactions, maximum duration.
Without credentials (a fork's pull request has no secrets) the checks are skipped with a
notice. Refresh tokens that expire within 14 days are warned about.

The accounts' providers come from the caller (the composition builds them from the config,
the credentials and the sandbox), so pre-flight imports nothing of ``apply/``; the plan
comes as :class:`PlanToCheck`, what the checks read of ``planning.Planned`` (two layers up,
so named here by its shape, not imported).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.models import Config
from gitops_publisher.core.plan import PUBLISHING, Change, Plan
from gitops_publisher.core.ports import Providers
from gitops_publisher.core.state import State
from gitops_publisher.errors import AuthError, Diagnostic, ProviderError
from gitops_publisher.preflight.accounts import checked_accounts
from gitops_publisher.preflight.publish import account_problems, media_problems, refusal
from gitops_publisher.preflight.videos import VideoCatalog


class ProjectToCheck(Protocol):
    """What the checks read of the loaded project (``workspace.project.Project``)."""

    @property
    def config(self) -> Config: ...  # noqa: D102
    @property
    def posts(self) -> Sequence[DesiredPost]: ...  # noqa: D102
    @property
    def videos(self) -> VideoCatalog: ...  # noqa: D102
    @property
    def providers(self) -> Mapping[str, str]: ...  # noqa: D102


class PlanToCheck(Protocol):
    """What the checks read of a plan and what it was made from (``planning.Planned``)."""

    @property
    def project(self) -> ProjectToCheck: ...  # noqa: D102
    @property
    def state(self) -> State: ...  # noqa: D102
    @property
    def plan(self) -> Plan: ...  # noqa: D102


@dataclass
class CreatorCheck:
    """What the creator checks found."""

    problems: list[Diagnostic] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def creator_changes(planned: PlanToCheck) -> tuple[list[Change], list[str]]:
    """The changes plan's checks look at (publishes) and their accounts, sorted.

    Every platform's: a YouTube channel is checked as a TikTok user is (identity first).
    """
    changes = [c for c in planned.plan.changes if c.action in PUBLISHING]
    return changes, sorted({c.account for c in changes})


def check_creators(
    planned: PlanToCheck, providers: Providers, names: Sequence[str]
) -> CreatorCheck:
    """Check what ``planned.plan`` would publish on ``names`` through ``providers``.

    ``names`` are the accounts with credentials here (see the module doc); an account of
    ``names`` with nothing to publish in the plan (its posts have problems: see
    ``planning.plan_despite_problems``) has its identity checked and whether it can post
    now. A failure to run the checks is a notice, not an error.
    """
    result = CreatorCheck()
    project = planned.project
    changes = [c for c in creator_changes(planned)[0] if c.account in names]
    posts = {str(p.address): p for p in project.posts}
    media = media_problems(project.videos, changes, posts, project.providers)

    async def query() -> None:
        async with providers.open(project.config.accounts, names) as opened:
            checked = await checked_accounts(names, opened, planned.state, project.config.accounts)
            result.notices.extend(checked.identities.notices)
            for name, message in sorted(checked.identities.stopped.items()):
                result.problems.append(
                    Diagnostic(f"account {name}", None, None, "identity", message)
                )
            _ready, problems = account_problems(
                changes, posts, checked.allowed, media.durations, opened
            )
            result.problems.extend(problems)
            idle = sorted(set(checked.allowed) - {c.account for c in changes})
            found = (refusal(name, checked.allowed[name], opened[name]) for name in idle)
            result.problems.extend(problem for problem in found if problem is not None)
            result.notices.extend(checked.credential_notices)

    try:
        asyncio.run(query())
    except (AuthError, ProviderError) as exc:
        result.notices.append(f"account checks could not run: {exc}")
    return result


def with_problems(plan: Plan, checked: CreatorCheck) -> Plan:
    """``plan`` with the checks' problems added as plan errors."""
    if not checked.problems:
        return plan
    errors = [*plan.errors, *(d.render() for d in checked.problems)]
    return plan.model_copy(update={"errors": errors})
