"""The account check of pre-flight: the user behind each token is the account's, and may post.

A fresh creator_info per account (TikTok's audit rules require it before each post), and the
users behind the tokens checked against ``publisher.yaml`` and the state's pins
(``core/identity.py``). ``plan``'s creator checks and ``apply``'s pre-flight both run
:func:`checked_creators`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from gitops_publisher.core.identity import AccountCheck, Identity, Named, check_accounts
from gitops_publisher.core.state import State
from gitops_publisher.errors import ApiError
from gitops_publisher.providers.tiktok.api_models import CreatorInfo


class CreatorApi(Protocol):
    """What the account check needs of an account's client (the engine's AccountApi has it)."""

    async def creator_info(self) -> CreatorInfo:
        """Fresh posting options of the creator."""
        ...


CreatorAnswers = dict[str, CreatorInfo | ApiError]


async def fetch_creators(names: Sequence[str], apis: Mapping[str, CreatorApi]) -> CreatorAnswers:
    """A fresh creator_info per account, queried together; TikTok's refusals are kept.

    Raises:
        ProviderError, AuthError: the network or the token failed (not a refusal).
    """
    answers = await asyncio.gather(
        *(apis[name].creator_info() for name in names), return_exceptions=True
    )
    out: CreatorAnswers = {}
    for name, answer in zip(names, answers, strict=True):
        if isinstance(answer, CreatorInfo | ApiError):
            out[name] = answer
        elif isinstance(answer, BaseException):
            raise answer
    return out


def seen_identities(answers: CreatorAnswers, open_ids: Mapping[str, str]) -> dict[str, Identity]:
    """The user behind each account's token: its open_id and creator_info's handle."""
    return {
        name: Identity(
            open_ids.get(name, ""),
            answer.creator_username if isinstance(answer, CreatorInfo) else "",
        )
        for name, answer in answers.items()
    }


async def checked_creators(
    names: Sequence[str],
    apis: Mapping[str, CreatorApi],
    auths: Mapping[str, Any],
    state: State,
    accounts: Mapping[str, Named],
) -> tuple[CreatorAnswers, AccountCheck]:
    """Fresh creator_info per account, and the users behind the tokens checked against the pins.

    The one identity check of plan's creator checks and of apply's pre-flight. Returns the
    answers of the accounts that may go on and the check (stopped accounts, notices).

    Raises:
        ProviderError, AuthError: as :func:`fetch_creators`.
    """
    answers = await fetch_creators(names, apis)
    open_ids = {name: auth.tokens.open_id for name, auth in auths.items()}
    identities = check_accounts(state, accounts, seen_identities(answers, open_ids))
    allowed = {n: a for n, a in answers.items() if n not in identities.stopped}
    return allowed, identities


