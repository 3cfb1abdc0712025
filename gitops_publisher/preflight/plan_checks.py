"""Creator checks at plan time, so a pull request fails instead of a publish (issue: pre-flight).

When credentials are at hand (``--sandbox``, or the app's key and an account's token), ``plan``
asks TikTok for each account's fresh creator_info and checks the posts it would publish: the
user behind the token is the account's (``core/identity.py``; a mismatch is a plan error for
that account), the creator can post now, the privacy level is offered, disabled
interactions, maximum duration.
Without credentials (a fork's pull request has no secrets) the checks are skipped with a
notice. Refresh tokens that expire within 14 days are warned about.

The accounts' clients come from the caller (``connect``: the composition builds them from the
config, the credentials and the sandbox), so pre-flight imports nothing of ``apply/``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from gitops_publisher.core.plan import PUBLISHING, Plan
from gitops_publisher.errors import AuthError, Diagnostic, ProviderError
from gitops_publisher.planning import Planned
from gitops_publisher.preflight.accounts import CreatorApi, checked_creators
from gitops_publisher.preflight.publish import creator_problems, media_problems


class OpenedAccounts(Protocol):
    """The accounts' clients for the checks (``apply.runtime.AccountClients`` is one)."""

    @property
    def clients(self) -> Mapping[str, CreatorApi]:
        """A client per account name."""
        ...

    @property
    def auths(self) -> Mapping[str, Any]:
        """Per account name, its refreshing auth (``.tokens``: the token set in use)."""
        ...


#: Opens the named accounts' clients on a connection.
OpenAccounts = Callable[[Sequence[str]], AbstractAsyncContextManager[OpenedAccounts]]
#: Connects (``--sandbox`` starts the embedded emulator here) and gives the opener; its errors
#: (missing app credentials, an undecryptable token file) fail the plan.
Connect = Callable[[], AbstractContextManager[OpenAccounts]]


@dataclass
class CreatorCheck:
    """What the creator checks found."""

    problems: list[Diagnostic] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def _has_credentials(planned: Planned, names: list[str]) -> tuple[list[str], list[str]]:
    """Split ``names`` into accounts with tokens here and those without (nothing decrypted)."""
    from gitops_publisher.providers.tiktok import urls
    from gitops_publisher.providers.tiktok.credentials import AccountTokens
    from gitops_publisher.providers.token_store import TokenStore

    tokens = AccountTokens(planned.project.config.accounts, urls.api_url(), TokenStore())
    ready = [name for name in names if tokens.has_credentials(name)]
    return ready, [name for name in names if name not in ready]


def check_creators(planned: Planned, *, sandbox: bool, connect: Connect) -> CreatorCheck:
    """Run the creator checks for what ``planned.plan`` would publish (see module doc)."""
    result = CreatorCheck()
    youtube = {p.address.account for p in planned.project.posts if p.provider == "youtube"}
    changes = [
        c for c in planned.plan.changes if c.action in PUBLISHING and c.account not in youtube
    ]
    names = sorted({c.account for c in changes})
    if not names:
        return result
    if not sandbox:
        if not (os.environ.get("TIKTOK_CLIENT_KEY") and os.environ.get("TIKTOK_CLIENT_SECRET")):
            result.notices.append(
                "creator checks skipped: no TikTok app credentials here (as on pull requests "
                "from forks); apply checks again before posting"
            )
            return result
        names, missing = _has_credentials(planned, names)
        for name in missing:
            result.notices.append(f"creator checks skipped for {name}: no token for it here")
        changes = [c for c in changes if c.account in names]
        if not names:
            return result
    project = planned.project
    posts = {str(p.address): p for p in project.posts}
    media = media_problems(project.videos, changes, posts, project.providers)

    with connect() as open_accounts:

        async def query() -> None:
            async with open_accounts(names) as clients:
                allowed, identities = await checked_creators(
                    names,
                    clients.clients,
                    clients.auths,
                    planned.state,
                    project.config.accounts,
                )
                result.notices.extend(identities.notices)
                for name, message in sorted(identities.stopped.items()):
                    result.problems.append(
                        Diagnostic(f"account {name}", None, None, "identity", message)
                    )
                _creators, problems = creator_problems(changes, posts, allowed, media.durations)
                result.problems.extend(problems)
                from gitops_publisher.providers.token_store import (
                    refresh_expiry_warnings,
                )

                tokens = {name: auth.tokens for name, auth in clients.auths.items()}
                for warning in refresh_expiry_warnings(tokens, datetime.now(UTC)):
                    result.notices.append(warning.message)

        try:
            asyncio.run(query())
        except (AuthError, ProviderError) as exc:
            result.notices.append(f"creator checks could not run: {exc}")
    return result


def reviewed_plan(
    planned: Planned,
    *,
    sandbox: bool,
    offline: bool,
    connect: Connect,
) -> tuple[Plan, list[str]]:
    """``planned.plan`` with the creator checks' problems added as plan errors, and notices.

    The one place ``publisher plan`` and the GitHub Action both go through, so a pull
    request fails exactly where a local plan would. ``connect`` is called only when there is
    something to check (so ``--sandbox`` starts no server for a plan without changes).
    """
    plan = planned.plan
    if offline:
        return plan, ["creator checks skipped: offline (no network)"] if plan.has_changes else []
    if not plan.has_changes:
        return plan, []
    checked = check_creators(planned, sandbox=sandbox, connect=connect)
    if checked.problems:
        errors = [*plan.errors, *(d.render() for d in checked.problems)]
        plan = plan.model_copy(update={"errors": errors})
    return plan, checked.notices
