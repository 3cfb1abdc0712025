"""Google OAuth 2.0 for an installed app: token endpoint, scopes, bearer auth (reference §1).

Differences from TikTok that matter here:

- Google does NOT rotate refresh tokens: a refresh answer has no ``refresh_token`` and the one
  we hold stays valid (google-auth keeps it the same way). Nothing can be lost by a refresh
  whose answer goes missing, and a CI secret never goes stale by being used.
- Refresh tokens still die: revoked, unused for six months, beyond 100 live ones per account
  and client, and after **7 days** when the project's OAuth consent screen is in "Testing"
  publishing status (YouTube scopes are not in the exempt set, reference §1.4). Google then
  answers ``invalid_grant``; :class:`GoogleTokenEndpoint` says all of that in its error.
- ``youtube.upload`` alone cannot read a video back (videos.list accepts ``youtube.readonly``,
  ``youtube``, ``youtube.force-ssl``, ``youtubepartner``, reference §1.5), so the login asks
  for ``youtube.upload`` AND ``youtube.readonly``, and checks that the user left both ticked
  (granular consent lets them untick one).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from gitops_publisher.providers.bearer import RefreshingBearer, WallClock, json_error, utc_now
from gitops_publisher.providers.errors import TokenRefreshError
from gitops_publisher.providers.tls import shared_tls_context
from gitops_publisher.providers.tokens import TokenSet
from gitops_publisher.providers.youtube import urls
from gitops_publisher.providers.youtube.envelope import google_error

UPLOAD_SCOPE = urls.SCOPE_PREFIX + "youtube.upload"
READONLY_SCOPE = urls.SCOPE_PREFIX + "youtube.readonly"
DEFAULT_SCOPES = (UPLOAD_SCOPE, READONLY_SCOPE)
_BROAD = {urls.SCOPE_PREFIX + s for s in ("youtube", "youtube.force-ssl", "youtubepartner")}
CAN_UPLOAD = frozenset({UPLOAD_SCOPE, *_BROAD})  # videos.insert
CAN_READ = frozenset({READONLY_SCOPE, *_BROAD})  # videos.list, channels.list
# google-auth retries the token call on these (reference §1.3).
TRANSIENT_OAUTH_CODES = frozenset({"internal_failure", "server_error", "temporarily_unavailable"})
TRANSIENT_STATUSES = frozenset({408, 429})

INVALID_GRANT_ON_REFRESH = (
    "Google ends a refresh token after 7 days when the Google Cloud project's OAuth consent "
    'screen is in "Testing" publishing status (set it to "In production" to stop that, see '
    "docs/youtube.md), after six months unused, when access was revoked, or beyond 100 live "
    "tokens per Google account and OAuth client"
)


def missing_permissions(scopes: Iterable[str]) -> list[str]:
    """Return what the granted ``scopes`` do not allow, in words (empty: all is there)."""
    granted = set(scopes)
    missing = []
    if not granted & CAN_UPLOAD:
        missing.append(f"uploading videos ({UPLOAD_SCOPE})")
    if not granted & CAN_READ:
        missing.append(f"reading the videos' processing status ({READONLY_SCOPE})")
    return missing


def token_set(data: dict[str, Any], now: Any, *, refresh_token: str = "") -> TokenSet:
    """Build a TokenSet from Google's token answer at ``now``.

    A refresh answer carries no ``refresh_token``: ``refresh_token`` (the one just used) is
    kept. ``refresh_token_expires_in`` is only sent for time-based access.

    Raises:
        ValueError: no ``access_token``, no numeric ``expires_in``, or no refresh token at all.
    """
    access = data.get("access_token")
    expires_in = data.get("expires_in")
    sent = data.get("refresh_token")
    refresh = sent if isinstance(sent, str) and sent else refresh_token
    if not isinstance(access, str) or not access:
        raise ValueError("the token answer has no access_token")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
        raise ValueError("the token answer has no numeric expires_in")
    if not refresh:
        raise ValueError("the token answer has no refresh_token")
    refresh_in = data.get("refresh_token_expires_in")
    refresh_at = (
        now + timedelta(seconds=float(refresh_in))
        if isinstance(refresh_in, int | float) and not isinstance(refresh_in, bool)
        else None
    )
    return TokenSet(
        access_token=SecretStr(access),
        access_expires_at=now + timedelta(seconds=float(expires_in)),
        refresh_token=SecretStr(refresh),
        refresh_expires_at=refresh_at,
        scope=str(data.get("scope") or ""),
    )


class GoogleTokenEndpoint:
    """Google's token and revoke endpoints with a Desktop app's client id and secret.

    Args:
        client_id: ``GOOGLE_CLIENT_ID`` (``....apps.googleusercontent.com``).
        client_secret: ``GOOGLE_CLIENT_SECRET`` (a Desktop client's secret is not secret in the
            OAuth sense, but it is still kept out of every output).
        token_url: the token endpoint; default ``PUBLISHER_GOOGLE_TOKEN_URL`` or Google's.
        revoke_url: the revoke endpoint; default ``PUBLISHER_GOOGLE_REVOKE_URL`` or Google's.
        transport: httpx transport for tests.
        now: wall clock, to turn ``expires_in`` into instants.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        token_url: str | None = None,
        revoke_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        now: WallClock = utc_now,
        timeout: float = 30.0,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self._token_url = token_url or urls.token_url()
        self._revoke_url = revoke_url or urls.revoke_url()
        self._now = now
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=timeout,
            verify=shared_tls_context() if transport is None else True,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def refresh(self, refresh_token: str) -> TokenSet:
        """Trade ``refresh_token`` for a new access token; the refresh token stays the same.

        Raises:
            TokenRefreshError: ``transient`` for network errors, 5xx, 408/429 and Google's
                transient codes; ``invalid_grant`` with the reasons a refresh token dies
                (the 7-day expiry of apps in testing first); otherwise log in again.
        """
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        data = await self._post(self._token_url, form, "refresh")
        return self._tokens(data, "refresh", refresh_token)

    async def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        """Trade an authorization code (installed-app flow, PKCE) for tokens.

        Raises:
            TokenRefreshError: as :meth:`refresh` (``invalid_grant`` here: the code was used,
                expired, or the verifier does not match).
        """
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        data = await self._post(self._token_url, form, "code exchange")
        return self._tokens(data, "code exchange", "")

    async def revoke(self, token: str) -> None:
        """Revoke a token (an access token's revocation also revokes its refresh token).

        Raises:
            TokenRefreshError: Google refused or could not be reached.
        """
        await self._post(self._revoke_url, {"token": token}, "revoke", with_client=False)

    def _tokens(self, data: dict[str, Any], what: str, refresh_token: str) -> TokenSet:
        try:
            return token_set(data, self._now(), refresh_token=refresh_token)
        except ValueError as exc:
            raise TokenRefreshError(f"token {what}: {exc}", code="malformed_response") from None

    async def _post(
        self, url: str, form: dict[str, str], what: str, *, with_client: bool = True
    ) -> dict[str, Any]:
        body = (
            {"client_id": self.client_id, "client_secret": self._client_secret, **form}
            if with_client
            else form
        )
        try:
            response = await self._http.post(url, data=body)
        except httpx.TransportError as exc:
            raise TokenRefreshError(
                f"token {what}: Google could not be reached ({type(exc).__name__})",
                transient=True,
            ) from exc
        if 200 <= response.status_code < 300:
            if not response.content.strip():
                return {}  # revoke answers an empty 200
            try:
                document = json.loads(response.content)
            except (ValueError, UnicodeDecodeError):
                document = None
            if isinstance(document, dict) and not document.get("error"):
                return document
        raise self._refused(response, what)

    def _refused(self, response: httpx.Response, what: str) -> TokenRefreshError:
        status = response.status_code
        error = google_error(status, response.content, response.headers)
        code = error.code
        transient = status >= 500 or status in TRANSIENT_STATUSES or code in TRANSIENT_OAUTH_CODES
        text = f"token {what} refused by Google: {code}" + (
            f" ({error.api_message})" if error.api_message else ""
        )
        if code == "invalid_grant" and what == "refresh":
            text += f". {INVALID_GRANT_ON_REFRESH}"
        elif code == "invalid_grant":
            text += ". The code is single-use and short-lived, and must match the PKCE verifier"
        elif code in ("invalid_client", "unauthorized_client"):
            text += (
                f". Check the OAuth client id and secret ({urls.CLIENT_ID_ENV} and "
                f"{urls.CLIENT_SECRET_ENV} unless the account names other variables): they "
                'must be a Google Cloud OAuth client of type "Desktop app"'
            )
        return TokenRefreshError(text, code=code, transient=transient)


class GoogleAuth(RefreshingBearer):
    """Bearer auth for YouTube calls: refreshes early, and once when Google answers 401.

    Every 401 from the Data API is about the credentials (``authError`` with
    ``WWW-Authenticate: Bearer error="invalid_token"``, reference §5.2), except
    ``youtubeSignupRequired`` (an account without a channel), which no refresh can fix.
    """

    def token_rejected(self, response: httpx.Response) -> bool:
        """Whether the 401 ``response`` is one a new access token may fix."""
        error = json_error(response)
        reasons = error.get("errors") if isinstance(error, dict) else None
        first = reasons[0] if isinstance(reasons, list) and reasons else {}
        return not (isinstance(first, dict) and first.get("reason") == "youtubeSignupRequired")
