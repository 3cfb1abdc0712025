"""The account port: what ``publisher auth`` needs of a platform, in its own words (pure).

``publisher auth login|status|refresh`` (``cli/auth_cmd.py``) looks an account's
``provider:`` up in the registry and opens that :class:`~gitops_publisher.core.ports.Platform`'s
:meth:`~gitops_publisher.core.ports.Platform.auth` for the command: an :class:`AccountAuth`,
which logs an account in through the browser, reads its token status (no network) and
refreshes it. The command prints the answers and names no platform: what differs (the id
that never changes, how long a refresh token lives, what a token minted for CI is good for)
comes in them. Each platform implements it in ``providers/<platform>/account_auth.py``; the
fake platform's is ``providers/fake_auth.py``.

No answer holds a token, except the refresh token of a login (:attr:`LoggedIn.refresh_token`),
which the command prints alone on stdout when asked to mint one for a CI secret.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from pydantic import SecretStr

from gitops_publisher.core.identity import Expected, Identity
from gitops_publisher.errors import AuthError

if TYPE_CHECKING:
    from gitops_publisher.core.models import AccountConfig

CredentialSource = Literal["env", "writeback", "kept", "store"]
"""Where an account's tokens came from: its ``refresh_token_env`` variable, the encrypted
write-back of a rotation (seeded from it), a rotation kept in the local store (seeded from
it), or the local store of ``auth login``."""

_A = TypeVar("_A")


def account_named(accounts: Mapping[str, _A], name: str) -> _A:
    """The config of account ``name``.

    Raises:
        AuthError: no such account in publisher.yaml (the message lists those there are).
    """
    if name not in accounts:
        known = ", ".join(sorted(accounts)) or "none"
        raise AuthError(f"no account {name!r} in publisher.yaml (accounts: {known})")
    return accounts[name]


def when(moment: datetime | None) -> str:
    """``2026-12-05 14:03 UTC``, or ``unknown``: how ``publisher auth`` shows a time."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "unknown"


@dataclass(frozen=True)
class NoExpiryDate:
    """A refresh token the platform gives no expiry date, only rules (Google's).

    Attributes:
        rule: when it dies, in a sentence (``does not expire by itself (until revoked...)``).
        short: the same in a table cell (``never``).
    """

    rule: str
    short: str = "never"


RefreshExpiry = datetime | NoExpiryDate | None
"""When a refresh token expires: a date, the platform's rules, or None (unknown)."""


@dataclass(frozen=True)
class AccountStatus:
    """What ``auth status`` shows of an account, read without the network: never a token.

    Attributes:
        account: the account's name in ``publisher.yaml``.
        source: where its tokens come from (None: it has none).
        env_var: its ``refresh_token_env``.
        account_id: the platform's id that never changes (TikTok's open_id from the token; a
            YouTube channel id as configured, else as its login saw it (kept with the token),
            else as pinned, ``UC... (pinned)``); "" unknown.
        unknown_id: what the status says when ``account_id`` is unknown.
        unknown_id_short: the same in a table cell.
        scopes: what the tokens allow.
        access_expires_at: when the access token expires (None: unknown, or none yet).
        refresh_expires: when the refresh token expires.
        warnings: about its tokens (a refresh token that expires within days).
        notices: about the account's app, said even without tokens (YouTube's testing mode).
    """

    account: str
    source: CredentialSource | None
    env_var: str
    account_id: str = ""
    unknown_id: str = "unknown"
    unknown_id_short: str = "-"
    scopes: tuple[str, ...] = ()
    access_expires_at: datetime | None = None
    refresh_expires: RefreshExpiry = None
    warnings: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoggedIn:
    """An account logged in: who it is, what its tokens allow, where they went.

    Attributes:
        identity: the user (channel) behind the new token, checked against ``expect``.
        who: how messages name them (``@acme (open_id 1a2b...)``, a channel's title too).
        scopes: what the tokens allow.
        refresh_expires: when the refresh token expires.
        stored_in: where the tokens are kept (not used by a login for CI).
        refresh_token: the new refresh token: printed only by a login for CI, alone on stdout.
        ci_detail: what the line of a login for CI says after ``who`` (`` (scopes: ...)``).
        ci_note: lines of a login for CI on what the platform does with the token (rotates
            it at each refresh, or keeps it) and so where to use it.
    """

    identity: Identity
    who: str
    scopes: tuple[str, ...]
    refresh_expires: RefreshExpiry
    stored_in: str
    refresh_token: SecretStr
    ci_detail: str = ""
    ci_note: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refreshed:
    """An account's tokens refreshed now.

    Attributes:
        detail: what the line says of it in parentheses (``open_id 1a2b...``).
        access_expires_at: when the new access token expires.
        refresh_expires: when the refresh token expires.
        rotated: the refresh token is a new one (its expiry is shown); False: the same one.
    """

    detail: str
    access_expires_at: datetime | None
    refresh_expires: RefreshExpiry = None
    rotated: bool = True


@dataclass(frozen=True)
class AuthOpening:
    """What ``publisher auth`` hands :meth:`Platform.auth` for one command.

    Attributes:
        project_dir: the project (its encrypted write-back of rotated tokens lives there).
        accounts: the config's accounts; the platform answers for its own.
        warn: told what the user should know that is no error (a rotated token that could
            not be written back where it came from).
        writeback: ``writeback(api_url)``: the project's encrypted write-back of rotated
            tokens for that API, restored from the state branch and mirrored there, as apply
            opens it (``workspace/token_sync.py``), or None without ``PUBLISHER_TOKEN_KEY``.
            None here: the command writes nothing back (a login, which keeps its tokens in
            the local store), and a platform that rotates tokens uses its local file alone.
    """

    project_dir: Path
    accounts: Mapping[str, AccountConfig]
    warn: Callable[[str], None]
    writeback: Callable[[str], object] | None = None


class AccountAuth(Protocol):
    """One platform's ``publisher auth``, opened for one command.

    Attributes:
        id_field: the id that never changes, as ``publisher.yaml`` names it (``open_id``,
            ``channel_id``): the status' label and the table's column.
        login_page: whose login page the browser shows (``TikTok``, ``Google``).
        callback_path: the path of the login's redirect (``/callback/``), for the user who
            pastes it back from a browser on another machine.
    """

    id_field: str
    login_page: str
    callback_path: str

    def status(self, name: str, pin: Identity | None) -> AccountStatus:
        """The account's token status, from where its tokens are (no network).

        ``pin``: the identity the account first published as, if any (the state's).

        Raises:
            AuthError: a token file cannot be read.
        """
        ...

    async def login(
        self,
        name: str,
        *,
        expect: Expected,
        for_ci: bool,
        open_browser: Callable[[str], None],
        port: int,
        paste: Callable[[], Awaitable[str | None]],
    ) -> LoggedIn:
        """Log the account in through the browser and check who it is; keep the tokens.

        The user who completes the login must be the one ``expect`` names; anyone else is
        refused and nothing is stored. ``for_ci``: the refresh token is minted for a CI
        secret, and not kept here in a form a command here would use (a platform that
        rotates refresh tokens would retire the secret by using it).

        Raises:
            AuthError: missing app credentials, the login failed, or another user logged in.
            ProviderError: the platform could not be reached for the identity check.
        """
        ...

    async def refresh(self, name: str) -> Refreshed:
        """Refresh the account's tokens now and keep them where they came from (first).

        Raises:
            AuthError: no tokens, missing app credentials, or the platform refused.
        """
        ...
