"""OAuth token endpoint and the refreshing ``httpx.Auth`` flow (reference §1.2, design §7).

TikTok rotates refresh tokens on every refresh and the old one dies at once (newest docs).
So a refresh is serialised per account and the new :class:`TokenSet` is saved before anything
uses it (``providers/bearer.py``, shared with YouTube, does both).

A refresh whose answer is lost after TikTok processed it cannot be recovered by anyone (the
old token is dead, the new one never arrived): the next attempt gets ``invalid_grant`` and the
user must log in again. Retrying a transient failure is still right: it costs nothing more.
"""

from __future__ import annotations

import httpx

from gitops_publisher.errors import ApiError
from gitops_publisher.providers.bearer import (
    Persist,
    RefreshingBearer,
    WallClock,
    json_error,
    utc_now,
)
from gitops_publisher.providers.errors import TokenRefreshError
from gitops_publisher.providers.tiktok import urls
from gitops_publisher.providers.tiktok.envelope import ACCESS_TOKEN_INVALID, parse_oauth_response
from gitops_publisher.providers.tls import shared_tls_context
from gitops_publisher.providers.tokens import TokenSet

__all__ = ["Persist", "RefreshingAuth", "TokenEndpoint", "WallClock", "utc_now"]

TRANSIENT_OAUTH_CODES = frozenset({"server_error", "temporarily_unavailable"})


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


class RefreshingAuth(RefreshingBearer):
    """TikTok's bearer auth: a 401 ``access_token_invalid`` refreshes once (reference §1.4)."""

    def token_rejected(self, response: httpx.Response) -> bool:
        """Whether TikTok's 401 names the access token (``error.code`` or a flat error)."""
        error = json_error(response)
        code = error.get("code") if isinstance(error, dict) else error
        return str(code or "") == ACCESS_TOKEN_INVALID
