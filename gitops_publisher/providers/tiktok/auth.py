"""OAuth token endpoint and the refreshing ``httpx.Auth`` flow (reference §1.2, design §7).

TikTok rotates refresh tokens on every refresh and the old one dies at once (newest docs).
So a refresh is serialised per account (two concurrent refreshes would burn the chain) and
the new :class:`TokenSet` goes to ``persist`` BEFORE anything uses it: if the process dies
right after, the store already holds the only refresh token that still works.

A refresh whose answer is lost after TikTok processed it cannot be recovered by anyone (the
old token is dead, the new one never arrived): the next attempt gets ``invalid_grant`` and the
user must log in again. Retrying a transient failure is still right: it costs nothing more.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from datetime import UTC, datetime, timedelta

import httpx

from gitops_publisher.errors import ApiError
from gitops_publisher.providers.errors import TokenRefreshError
from gitops_publisher.providers.tiktok import urls
from gitops_publisher.providers.tiktok.envelope import ACCESS_TOKEN_INVALID, parse_oauth_response
from gitops_publisher.providers.tiktok.tls import shared_tls_context
from gitops_publisher.providers.tiktok.tokens import REFRESH_EARLY, TokenSet

TRANSIENT_OAUTH_CODES = frozenset({"server_error", "temporarily_unavailable"})
Persist = Callable[[TokenSet], Awaitable[None] | None]
WallClock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current UTC time (the default wall clock)."""
    return datetime.now(UTC)


class TokenEndpoint:
    """``POST {api}/v2/oauth/token/`` with the app's credentials (passed in, not read here).

    Args:
        client_key: the app's client key (``TIKTOK_CLIENT_KEY``).
        client_secret: the app's client secret (``TIKTOK_CLIENT_SECRET``).
        base_url: API host; default ``PUBLISHER_TIKTOK_API_URL`` or TikTok's.
        transport: httpx transport for tests.
        now: wall clock, to turn ``expires_in`` into instants.
    """

    def __init__(
        self,
        client_key: str,
        client_secret: str,
        *,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        now: WallClock = utc_now,
        timeout: float = 30.0,
    ) -> None:
        self._client_key = client_key
        self._client_secret = client_secret
        self._now = now
        self._http = httpx.AsyncClient(
            base_url=base_url or urls.api_url(),
            transport=transport,
            timeout=timeout,
            verify=shared_tls_context() if transport is None else True,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def refresh(self, refresh_token: str) -> TokenSet:
        """Trade ``refresh_token`` for a new TokenSet (with a NEW refresh token).

        Raises:
            TokenRefreshError: ``transient`` for network errors, 5xx, ``server_error`` and
                ``temporarily_unavailable``; otherwise (``invalid_grant``...) log in again.
        """
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return await self._token_request(form, "refresh")

    async def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        """Trade an authorization code (desktop flow, PKCE) for tokens.

        Raises:
            TokenRefreshError: as :meth:`refresh`.
        """
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        return await self._token_request(form, "code exchange")

    async def revoke(self, access_token: str) -> None:
        """Revoke the user's grant (``POST /v2/oauth/revoke/``).

        Raises:
            TokenRefreshError: TikTok refused or could not be reached.
        """
        await self._post(urls.OAUTH_REVOKE, {"token": access_token}, "revoke")

    async def _token_request(self, form: dict[str, str], what: str) -> TokenSet:
        data = await self._post(urls.OAUTH_TOKEN, form, what)
        try:
            return TokenSet.from_token_response(data, self._now())
        except ValueError as exc:
            raise TokenRefreshError(f"token {what}: {exc}", code="malformed_response") from None

    async def _post(self, path: str, form: dict[str, str], what: str) -> dict[str, object]:
        body = {"client_key": self._client_key, "client_secret": self._client_secret, **form}
        headers = {"Cache-Control": "no-cache"}
        try:
            response = await self._http.post(path, data=body, headers=headers)
        except httpx.TransportError as exc:
            raise TokenRefreshError(
                f"token {what}: TikTok could not be reached ({type(exc).__name__})",
                transient=True,
            ) from exc
        try:
            return parse_oauth_response(response.status_code, response.content, response.headers)
        except ApiError as exc:
            transient = exc.status >= 500 or exc.code in TRANSIENT_OAUTH_CODES
            raise TokenRefreshError(
                f"token {what} refused: {exc.code}"
                + (f" ({exc.api_message})" if exc.api_message else "")
                + (f" [log_id {exc.log_id}]" if exc.log_id else ""),
                code=exc.code,
                log_id=exc.log_id,
                transient=transient,
            ) from None


def _error_code(response: httpx.Response) -> str:
    try:
        document = json.loads(response.content)
    except ValueError:
        return ""
    if not isinstance(document, dict):
        return ""
    error = document.get("error")
    if isinstance(error, dict):
        return str(error.get("code") or "")
    return str(error or "")


class RefreshingAuth(httpx.Auth):
    """Bearer auth that refreshes early and once on 401 ``access_token_invalid``.

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
        endpoint: TokenEndpoint,
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
                    self._unsaved = await self._endpoint.refresh(refresh_token)
                except TokenRefreshError as exc:
                    if not self._account:
                        raise
                    raise exc.for_account(self._account) from None
            # The old refresh token is dead now: save the new set before anything uses it.
            # If saving fails the set stays pending and the next refresh saves it first.
            outcome = self._persist(self._unsaved)
            if inspect.isawaitable(outcome):
                await outcome
            self._tokens, self._unsaved = self._unsaved, None
            return self._tokens

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        """Refuse: refreshing needs the async client (the provider is async)."""
        raise RuntimeError("RefreshingAuth works with httpx.AsyncClient only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Send with a fresh token; on 401 ``access_token_invalid`` refresh once and resend."""
        used = await self.ensure_fresh()
        request.headers["Authorization"] = f"Bearer {used.access_token.get_secret_value()}"
        response = yield request
        if response.status_code == 401:
            # A custom async_auth_flow must read the body itself: httpx honours
            # requires_response_body only in its default flows (a socket response is a stream).
            await response.aread()
        if response.status_code == 401 and _error_code(response) == ACCESS_TOKEN_INVALID:
            fresh = await self._refresh(used)
            request.headers["Authorization"] = f"Bearer {fresh.access_token.get_secret_value()}"
            yield request
