"""OAuth token endpoint and the refreshing ``httpx.Auth`` flow (reference §1.2, design §7).

TikTok rotates refresh tokens on every refresh and the old one dies at once (newest docs).
So a refresh is serialised per account and the new :class:`TokenSet` is saved before anything
uses it (``providers/bearer.py``, shared with YouTube, does both).

A refresh whose answer is lost after TikTok processed it cannot be recovered by anyone (the
old token is dead, the new one never arrived): the next attempt gets ``invalid_grant`` and the
user must log in again. Retrying a transient failure is still right: it costs nothing more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Unpack

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
from gitops_publisher.providers.token_client import OAuthTokenClient, TokenClientOptions
from gitops_publisher.providers.tokens import TokenSet

__all__ = ["Persist", "RefreshingAuth", "TokenEndpoint", "WallClock", "utc_now"]

TRANSIENT_OAUTH_CODES = frozenset({"server_error", "temporarily_unavailable"})


class TokenEndpoint(OAuthTokenClient):
    """``POST {api}/v2/oauth/token/`` with the app's credentials (passed in, not read here).

    The form posts and the code exchange are :class:`OAuthTokenClient`'s; TikTok's own are the
    ``client_key`` field, rotation (:meth:`token_set`), its envelope and revocation.

    Args:
        client_key: the app's client key (``TIKTOK_CLIENT_KEY``).
        client_secret: the app's client secret (``TIKTOK_CLIENT_SECRET``).
        base_url: API host; default ``PUBLISHER_TIKTOK_API_URL`` or TikTok's.
        transport: httpx transport for tests.
        now: wall clock, to turn ``expires_in`` into instants.
    """

    platform = "TikTok"
    client_id_field = "client_key"
    headers = {"Cache-Control": "no-cache"}

    def __init__(
        self,
        client_key: str,
        client_secret: str,
        *,
        base_url: str | None = None,
        **options: Unpack[TokenClientOptions],
    ) -> None:
        super().__init__(
            client_key,
            client_secret,
            token_url=urls.OAUTH_TOKEN,
            base_url=base_url or urls.api_url(),
            **options,
        )

    async def revoke(self, access_token: str) -> None:
        """Revoke the user's grant (``POST /v2/oauth/revoke/``).

        Raises:
            TokenRefreshError: TikTok refused or could not be reached.
        """
        await self._post(urls.OAUTH_REVOKE, {"token": access_token}, "revoke")

    def token_set(self, data: dict[str, Any], now: datetime, used: str) -> TokenSet:
        """TikTok rotates: every answer carries a NEW refresh token, and ``used`` is dead.

        Raises:
            ValueError: no access token, no refresh token or no ``expires_in``.
        """
        return TokenSet.from_token_response(data, now)

    def answer(self, response: httpx.Response, what: str) -> dict[str, Any]:
        """Return the token answer; TikTok's flat or nested error becomes TokenRefreshError.

        Raises:
            TokenRefreshError: ``transient`` for 5xx, ``server_error`` and
                ``temporarily_unavailable``; otherwise (``invalid_grant``...) log in again.
        """
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
