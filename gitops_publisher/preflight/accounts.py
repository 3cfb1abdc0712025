"""The account check of pre-flight: the user behind each token is the account's, and may post.

A fresh check per account through the provider port (``core/ports.py``; TikTok's audit rules
require a creator_info before each post), and the users behind the tokens checked against
``publisher.yaml`` and the state's pins (``core/identity.py``). ``plan``'s creator checks
and ``apply``'s pre-flight both run :func:`checked_accounts`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gitops_publisher.core.identity import AccountCheck, Named, check_accounts
from gitops_publisher.core.ports import AccountReport, Provider
from gitops_publisher.core.state import State

AccountAnswers = dict[str, AccountReport]


async def fetch_accounts(names: Sequence[str], providers: Mapping[str, Provider]) -> AccountAnswers:
    """A fresh check of each account, queried together; refusals are in the reports.

    Raises:
        ProviderError, AuthError: the network or the token failed (not a refusal).
    """
    answers = await asyncio.gather(
        *(providers[name].check_account() for name in names), return_exceptions=True
    )
    out: AccountAnswers = {}
    for name, answer in zip(names, answers, strict=True):
        if isinstance(answer, AccountReport):
            out[name] = answer
        elif isinstance(answer, BaseException):
            raise answer
    return out


@dataclass(frozen=True)
class CheckedAccounts:
    """The accounts checked before plan's checks or apply's pre-flight.

    Attributes:
        allowed: the reports of the accounts that may go on (identity confirmed).
        identities: the identity check (stopped accounts, notices, who each account is).
        credential_notices: every checked account's warnings about its credentials.
    """

    allowed: AccountAnswers
    identities: AccountCheck
    credential_notices: tuple[str, ...] = ()


async def checked_accounts(
    names: Sequence[str],
    providers: Mapping[str, Provider],
    state: State,
    accounts: Mapping[str, Named],
) -> CheckedAccounts:
    """A fresh check per account, and the users behind the tokens checked against the pins.

    The one identity check of plan's account checks and of apply's pre-flight.

    Raises:
        ProviderError, AuthError: as :func:`fetch_accounts`.
    """
    answers = await fetch_accounts(names, providers)
    seen = {name: report.identity for name, report in answers.items()}
    identities = check_accounts(state, accounts, seen)
    allowed = {n: a for n, a in answers.items() if n not in identities.stopped}
    notices = tuple(n for name in sorted(answers) for n in answers[name].notices)
    return CheckedAccounts(allowed, identities, notices)
