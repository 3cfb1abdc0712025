"""Which user or channel an account is: the configured identity, the pin, and the check (pure).

``publisher auth login --account acme-main`` links whatever user completes the login, and a
token of the wrong user would publish to the wrong profile, for good (TikTok cannot delete
posts). So every login, every plan with credentials and every apply checks the user behind
the token against:

* the identity ``publisher.yaml`` names (``username``: the TikTok handle, which creator_info
  returns as ``creator_username``; and/or ``open_id``), and
* the account's **pin**: the open_id of its newest state record that has one. Records carry
  the open_id and handle from the moment of init, so the first identity that published for
  an account is pinned (trust on first use) and any later change stops that account.

The pin lives in the records, not in a field of the state envelope, because records are what
the state backends already merge: the git-branch backend replays records per address when two
runs race, and per-shard state files are merged per address. A pin in the envelope would need
its own merge in each, and a pin can never disagree with the records it protects. A
deliberate move of an account to another TikTok user is a reviewed change of ``open_id`` in
``publisher.yaml``: a configured open_id is what the account is, whatever older records say.

YouTube accounts work the same way with their own words: ``handle`` (the channel's @handle)
and ``channel_id`` (``UC...``, the id that never changes, pinned like an open_id). Records
keep a platform's id in ``open_id`` and its handle in ``username`` whatever the platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from gitops_publisher.core.state import State


@dataclass(frozen=True)
class Platform:
    """How a platform names an identity, for messages that say what to write where."""

    name: str  # TikTok
    id_field: str  # the config key of the id that never changes: open_id
    handle_field: str  # the config key of the handle: username
    who: str  # what an account is on it: user


TIKTOK = Platform("TikTok", "open_id", "username", "user")
YOUTUBE = Platform("YouTube", "channel_id", "handle", "channel")
PLATFORMS: dict[str, Platform] = {"tiktok": TIKTOK, "youtube": YOUTUBE}


class Named(Protocol):
    """An account's config as far as identity goes (``AccountConfig``)."""

    @property
    def provider(self) -> str:
        """The platform (``tiktok``, ``youtube``)."""
        ...

    @property
    def identity_handle(self) -> str | None:
        """The handle it must be (TikTok ``username``, YouTube ``handle``)."""
        ...

    @property
    def identity_id(self) -> str | None:
        """The id it must be (TikTok ``open_id``, YouTube ``channel_id``)."""
        ...


def handle(name: str | None) -> str:
    """``@Acme.Main`` -> ``acme.main``: TikTok handles are case-insensitive, ``@`` optional."""
    return (name or "").strip().removeprefix("@").lower()


@dataclass(frozen=True)
class Identity:
    """A user (or channel) as seen or pinned: either part may be empty when unknown.

    ``open_id`` is the platform's id that never changes (a YouTube channel id).
    """

    open_id: str = ""
    username: str = ""

    def describe(self, platform: Platform = TIKTOK) -> str:
        """``@acme (open_id 1a2b...)`` for messages (``channel_id UC...`` on YouTube)."""
        who = f"@{handle(self.username)}" if self.username else "an unknown handle"
        return f"{who} ({platform.id_field} {self.open_id or 'unknown'})"


@dataclass(frozen=True)
class Expected:
    """What an account must be: from ``publisher.yaml`` and from its pin."""

    username: str = ""
    open_id: str = ""
    pin: Identity | None = None
    platform: Platform = TIKTOK

    @property
    def configured(self) -> bool:
        """Whether ``publisher.yaml`` names the account's identity."""
        return bool(self.username or self.open_id)


def pinned(state: State, account: str) -> Identity | None:
    """The account's pin: the open_id and handle of its newest record that has an open_id."""
    best = None
    for record in state.resources.values():
        if record.account != account or not record.open_id:
            continue
        if best is None or record.created_at > best.created_at:
            best = record
    if best is None or best.open_id is None:
        return None
    return Identity(best.open_id, best.username or "")


def expected(
    state: State,
    account: str,
    username: str | None,
    open_id: str | None,
    platform: Platform = TIKTOK,
) -> Expected:
    """What ``account`` must be, given its configured handle and id and ``state``."""
    return Expected(handle(username), open_id or "", pinned(state, account), platform)


def expected_of(state: State, account: str, config: Named | None) -> Expected:
    """What ``account`` must be, given its config (None: an account publisher.yaml lacks)."""
    if config is None:
        return expected(state, account, None, None)
    return expected(
        state,
        account,
        config.identity_handle,
        config.identity_id,
        PLATFORMS.get(config.provider, TIKTOK),
    )


def mismatch(account: str, want: Expected, seen: Identity) -> str | None:
    """Why ``seen`` is not ``account``'s user, or None when it is (or nothing says otherwise).

    A configured id (open_id, channel_id) is authoritative and replaces the pin (it is how an
    account is moved to another user on purpose); otherwise a pinned id must match. A
    configured handle must match the handle seen whenever one was seen.
    """
    p = want.platform
    fix = f"log in as the right {p.who} (`publisher auth login --account {account}`)"
    seen_text = seen.describe(p)
    if want.open_id:
        if seen.open_id and seen.open_id != want.open_id:
            return (
                f"account {account} is {p.id_field} {want.open_id} in publisher.yaml, but its "
                f"token belongs to {seen_text}: {fix}, or correct {p.id_field} in publisher.yaml"
            )
    elif want.pin is not None and seen.open_id and seen.open_id != want.pin.open_id:
        return (
            f"account {account} is pinned to {want.pin.describe(p)} (the {p.who} it first "
            f"published as), but its token belongs to {seen_text}: {fix}; to move the account "
            f"to this {p.who} on purpose, set its {p.id_field} in publisher.yaml"
        )
    if want.username and seen.username and handle(seen.username) != want.username:
        return (
            f"account {account} is @{want.username} in publisher.yaml, but its token belongs "
            f"to {seen_text}: {fix}, or correct {p.handle_field} in publisher.yaml"
        )
    return None


def unconfigured_notice(account: str, want: Expected, seen: Identity) -> str | None:
    """The warning for an account ``publisher.yaml`` does not name (trust on first use)."""
    if want.configured:
        return None
    p = want.platform
    name = handle(seen.username) if seen.username else "HANDLE"
    suggestion = f"{p.handle_field}: {name}"
    if want.pin is None:
        return (
            f"account {account} names no {p.name} identity in publisher.yaml: it will be "
            f"pinned to {seen.describe(p)} when it first publishes; add `{suggestion}` under it"
        )
    return (
        f"account {account} names no {p.name} identity in publisher.yaml (pinned to "
        f"{want.pin.describe(p)}); add `{suggestion}` under it"
    )


@dataclass
class AccountCheck:
    """The identity check of several accounts before anything is sent for them.

    Attributes:
        seen: account -> the user behind its token (recorded on every record it writes).
        stopped: account -> why it must not go on (a mismatch); other accounts go on.
        notices: warnings for accounts ``publisher.yaml`` does not name.
    """

    seen: dict[str, Identity] = field(default_factory=dict)
    stopped: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def check_accounts(
    state: State, accounts: Mapping[str, Named], seen: Mapping[str, Identity]
) -> AccountCheck:
    """Check each account's ``seen`` user against its configured identity and its pin."""
    result = AccountCheck()
    for name, who in sorted(seen.items()):
        want = expected_of(state, name, accounts.get(name))
        problem = mismatch(name, want, who)
        if problem is not None:
            result.stopped[name] = problem
            continue
        result.seen[name] = who
        notice = unconfigured_notice(name, want, who)
        if notice is not None:
            result.notices.append(notice)
    return result
