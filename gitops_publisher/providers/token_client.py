"""What every platform's OAuth token client shares: the form posts, the code exchange, errors.

A token endpoint takes the app's client credentials and a form (RFC 6749 §4.1.3, §6) and
answers with tokens. TikTok and Google send the same forms; what differs stays explicit in
each platform's subclass (``providers/tiktok/auth.py``, ``providers/youtube/oauth.py``):

- the name of the client's id in the form (TikTok ``client_key``, Google ``client_id``);
- whether a refresh rotates the refresh token (TikTok: a new one in every answer, the old one
  dead at once; Google: none in the answer, the one used stays valid): :meth:`token_set`;
- the error envelope and which refusals are transient: :meth:`answer`;
- revocation (TikTok sends the client's credentials, Google only the token).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, TypedDict

import httpx

from gitops_publisher.providers.api_client import open_http
from gitops_publisher.providers.bearer import Persist, RefreshingBearer, WallClock, utc_now
from gitops_publisher.providers.errors import TokenRefreshError
from gitops_publisher.providers.tokens import TokenSet


class TokenClientOptions(TypedDict, total=False):
    """The keyword arguments every token client takes (see :class:`OAuthTokenClient`)."""

    transport: httpx.AsyncBaseTransport | None
    now: WallClock
    timeout: float


class OAuthTokenClient:
    """A platform's token endpoint with the app's client credentials (passed in, not read).

    Args:
        client_id: the app's client id (TikTok's client key).
        client_secret: the app's client secret.
        token_url: the token endpoint (a path when ``base_url`` is given).
        base_url: the host ``token_url`` is relative to ("" when it is absolute).
        transport: httpx transport for tests.
        now: wall clock, to turn ``expires_in`` into instants.
        timeout: seconds.
    """

    platform: ClassVar[str] = ""
    """Who answers, in messages ("TikTok", "Google")."""
    client_id_field: ClassVar[str] = "client_id"
    """The form field that carries the client's id."""
    headers: ClassVar[dict[str, str]] = {}
    """Extra headers of every form post."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        token_url: str,
        base_url: str = "",
        transport: httpx.AsyncBaseTransport | None = None,
        now: WallClock = utc_now,
        timeout: float = 30.0,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self._token_url = token_url
        self._now = now
        self._http = open_http(base_url=base_url, transport=transport, timeout=timeout)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def refresh(self, refresh_token: str) -> TokenSet:
        """Trade ``refresh_token`` for a new TokenSet (see :meth:`token_set` for rotation).

        Raises:
            TokenRefreshError: refused or unreachable (``transient`` when worth retrying).
        """
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        data = await self._post(self._token_url, form, "refresh")
        return self._tokens(data, "refresh", refresh_token)

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
        data = await self._post(self._token_url, form, "code exchange")
        return self._tokens(data, "code exchange", "")

    def token_set(self, data: dict[str, Any], now: datetime, used: str) -> TokenSet:
        """Build the TokenSet of a token answer at ``now``; ``used``: the refresh token sent.

        Raises:
            ValueError: the answer lacks what the platform always sends.
        """
        raise NotImplementedError

    def answer(self, response: httpx.Response, what: str) -> dict[str, Any]:
        """Return the JSON object of a successful answer to ``what`` ("refresh"...).

        Raises:
            TokenRefreshError: the platform refused (its error envelope, read).
        """
        raise NotImplementedError

    def _tokens(self, data: dict[str, Any], what: str, used: str) -> TokenSet:
        try:
            return self.token_set(data, self._now(), used)
        except ValueError as exc:
            raise TokenRefreshError(f"token {what}: {exc}", code="malformed_response") from None

    async def _post(
        self, url: str, form: dict[str, str], what: str, *, with_client: bool = True
    ) -> dict[str, Any]:
        body = (
            {self.client_id_field: self.client_id, "client_secret": self._client_secret, **form}
            if with_client
            else form
        )
        try:
            response = await self._http.post(url, data=body, headers=self.headers or None)
        except httpx.TransportError as exc:
            raise TokenRefreshError(
                f"token {what}: {self.platform} could not be reached ({type(exc).__name__})",
                transient=True,
            ) from exc
        return self.answer(response, what)


async def refresh_now(
    bearer: type[RefreshingBearer],
    tokens: TokenSet,
    endpoint: OAuthTokenClient,
    *,
    persist: Persist,
    account: str,
) -> TokenSet:
    """Refresh ``tokens`` now, whatever their expiry (``publisher auth refresh``).

    ``bearer`` is the platform's flow (it says which 401 means "refresh"); ``persist`` saves
    the new set before it is returned, where the old one came from; ``endpoint`` is closed
    afterwards, whatever happened.

    Raises:
        TokenRefreshError: the platform refused or could not be reached (names ``account``).
        Exception: whatever ``persist`` raises (the new set is then not returned).
    """
    try:
        flow = bearer(tokens, endpoint, persist=persist, account=account)
        return await flow.force_refresh()
    finally:
        await endpoint.aclose()
