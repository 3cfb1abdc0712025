"""The fake platform's ``publisher auth`` (``core/auth_port.py``), scripted, for unit tests.

:meth:`FakePlatform.auth <gitops_publisher.providers.fake.FakePlatform.auth>` returns its
:class:`FakeAccountAuth`: each account's status is what the test sets (no credentials by
default), a login is completed at once by :attr:`FakeAccountAuth.identity` (checked against
what the account must be, as every platform's login is), and a refresh answers new expiry
times. Nothing is stored anywhere but in the object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from gitops_publisher.core.auth_port import AccountStatus, LoggedIn, Refreshed
from gitops_publisher.core.identity import Expected, Identity, mismatch
from gitops_publisher.errors import AuthError

LOGIN_URL = "https://fake.invalid/authorize"
NOW = datetime(2026, 12, 5, tzinfo=UTC)


@dataclass
class FakeAccountAuth:
    """Scripted account authentication (satisfies ``core.auth_port.AccountAuth``).

    Attributes:
        statuses: account -> its status; an account not in it has no credentials.
        identity: the user who completes every login.
        logins, refreshes: the accounts logged in (with ``for_ci``) and refreshed, in order.
        now: the time its tokens are issued at.
    """

    statuses: dict[str, AccountStatus] = field(default_factory=dict)
    identity: Identity = field(default_factory=lambda: Identity("open-fake", "fake.user"))
    logins: list[tuple[str, bool]] = field(default_factory=list)
    refreshes: list[str] = field(default_factory=list)
    now: datetime = NOW
    id_field: str = "fake_id"
    login_page: str = "Fake"
    callback_path: str = "/callback/"

    def status(self, name: str, pin: Identity | None) -> AccountStatus:
        """:attr:`statuses`' entry, else no credentials (``FAKE_TOKEN``)."""
        return self.statuses.get(name) or AccountStatus(name, None, "FAKE_TOKEN")

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
        """Show the login page, then :attr:`identity` logs in (refused if not ``expect``).

        Raises:
            AuthError: :attr:`identity` is not the account's user; nothing is kept.
        """
        open_browser(f"{LOGIN_URL}?account={name}")
        problem = mismatch(name, expect, self.identity)
        if problem is not None:
            raise AuthError(f"login refused, nothing was stored: {problem}")
        self.logins.append((name, for_ci))
        expires = self.now + timedelta(days=365)
        if not for_ci:
            self.statuses[name] = AccountStatus(
                name,
                "store",
                "FAKE_TOKEN",
                account_id=self.identity.open_id,
                scopes=("post",),
                access_expires_at=self.now + timedelta(days=1),
                refresh_expires=expires,
            )
        return LoggedIn(
            identity=self.identity,
            who=self.identity.describe(),
            scopes=("post",),
            refresh_expires=expires,
            stored_in="memory",
            refresh_token=SecretStr(f"fake-refresh-{name}"),
        )

    async def refresh(self, name: str) -> Refreshed:
        """New expiry times (the refresh token rotates).

        Raises:
            AuthError: the account has no credentials.
        """
        if self.status(name, None).source is None:
            raise AuthError(f"no credentials for account {name}")
        self.refreshes.append(name)
        return Refreshed(
            detail=f"fake_id {self.identity.open_id}",
            access_expires_at=self.now + timedelta(days=1),
            refresh_expires=self.now + timedelta(days=365),
        )
