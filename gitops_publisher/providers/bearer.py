"""A bearer ``httpx.Auth`` that refreshes its access token early, and once on a rejection.

Shared by the platforms (style §6: OAuth refresh is an ``httpx.Auth`` flow). A platform says
how its endpoint refreshes (:class:`Refresher`) and which answer means "this access token is no
longer valid" (:meth:`RefreshingBearer.token_rejected`).

A refresh is serialised per account (two concurrent refreshes of a rotating token would burn
the chain) and the new :class:`TokenSet` goes to ``persist`` BEFORE anything uses it: if the
process dies right after, the store already holds the only refresh token that still works.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

from gitops_publisher.providers.errors import TokenRefreshError
from gitops_publisher.providers.tokens import REFRESH_EARLY, TokenSet

Persist = Callable[[TokenSet], Awaitable[None] | None]
WallClock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current UTC time (the default wall clock)."""
    return datetime.now(UTC)


class Refresher(Protocol):
    """A platform's token endpoint, as far as refreshing goes."""

    async def refresh(self, refresh_token: str) -> TokenSet:
        """Trade ``refresh_token`` for a new set; raise TokenRefreshError when refused."""
        ...


def json_error(response: httpx.Response) -> Any:
    """Return the ``error`` member of a JSON answer (None when the body has none)."""
    try:
        document = json.loads(response.content)
    except ValueError:
        return None
    return document.get("error") if isinstance(document, dict) else None


class RefreshingBearer(httpx.Auth):
    """Bearer auth that refreshes early, and once when :meth:`token_rejected` says so.

    Args:
        tokens: the current set (``TokenSet.from_refresh_token`` when only that is known).
        endpoint: where refreshes go.
        persist: called with each new set before it is used; may be async. If it raises, the
            error propagates and the set is not used; the next refresh saves it again first.
        now: wall clock.
        refresh_early: refresh when less than this is left on the access token.
        account: the account's name, for the message of a refused refresh.
    """

    requires_response_body = True

    def __init__(
        self,
        tokens: TokenSet,
        endpoint: Refresher,
        *,
        persist: Persist,
        now: WallClock = utc_now,
        refresh_early: timedelta = REFRESH_EARLY,
        account: str = "",
    ) -> None:
        self._account = account
        self._tokens = tokens
        self._endpoint = endpoint
        self._persist = persist
        self._now = now
        self._early = refresh_early
        self._lock = asyncio.Lock()
        self._unsaved: TokenSet | None = None

    @property
    def tokens(self) -> TokenSet:
        """Return the newest TokenSet."""
        return self._tokens

    async def ensure_fresh(self) -> TokenSet:
        """Return a TokenSet whose access token has more than ``refresh_early`` left.

        Raises:
            TokenRefreshError: the refresh failed.
        """
        if self._unsaved is not None or self._tokens.needs_refresh(self._now(), self._early):
            return await self._refresh(self._tokens)
        return self._tokens

    async def force_refresh(self) -> TokenSet:
        """Refresh now whatever the expiry (``publisher auth refresh``)."""
        return await self._refresh(self._tokens)

    async def _refresh(self, stale: TokenSet) -> TokenSet:
        async with self._lock:
            if self._unsaved is None:
                if self._tokens is not stale:  # another request refreshed meanwhile
                    return self._tokens
                refresh_token = stale.refresh_token.get_secret_value()
                try:
                    fresh = await self._endpoint.refresh(refresh_token)
                except TokenRefreshError as exc:
                    if not self._account:
                        raise
                    raise exc.for_account(self._account) from None
                # The user behind a refresh token never changes: an answer that does not say
                # (Google's never does; YouTube's login stamps the channel) keeps who it was.
                if not fresh.open_id and stale.open_id:
                    fresh = fresh.model_copy(update={"open_id": stale.open_id})
                self._unsaved = fresh
            # The old refresh token is dead now: save the new set before anything uses it.
            # If saving fails the set stays pending and the next refresh saves it first.
            outcome = self._persist(self._unsaved)
            if inspect.isawaitable(outcome):
                await outcome
            self._tokens, self._unsaved = self._unsaved, None
            return self._tokens

    def token_rejected(self, response: httpx.Response) -> bool:
        """Whether a 401 ``response`` (body read) says the access token is no longer valid."""
        raise NotImplementedError

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        """Refuse: refreshing needs the async client (the provider is async)."""
        raise RuntimeError("RefreshingAuth works with httpx.AsyncClient only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Send with a fresh token; on a rejected token refresh once and resend."""
        used = await self.ensure_fresh()
        request.headers["Authorization"] = f"Bearer {used.access_token.get_secret_value()}"
        response = yield request
        if response.status_code == 401:
            # A custom async_auth_flow must read the body itself: httpx honours
            # requires_response_body only in its default flows (a socket response is a stream).
            await response.aread()
        if response.status_code == 401 and self.token_rejected(response):
            fresh = await self._refresh(used)
            request.headers["Authorization"] = f"Bearer {fresh.access_token.get_secret_value()}"
            yield request
