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
from datetime import datetime, timedelta
from typing import Any, Unpack

import httpx
from pydantic import SecretStr

from gitops_publisher.providers.bearer import RefreshingBearer, json_error
from gitops_publisher.providers.errors import TokenRefreshError
from gitops_publisher.providers.token_client import OAuthTokenClient, TokenClientOptions
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


class GoogleTokenEndpoint(OAuthTokenClient):
    """Google's token and revoke endpoints with a Desktop app's client id and secret.

    The form posts and the code exchange are :class:`OAuthTokenClient`'s; Google's own are
    refresh tokens that do not rotate (:meth:`token_set`), its errors (:meth:`answer`, with
    what ``invalid_grant`` means) and revocation.

    Args:
        client_id: ``GOOGLE_CLIENT_ID`` (``....apps.googleusercontent.com``).
        client_secret: ``GOOGLE_CLIENT_SECRET`` (a Desktop client's secret is not secret in the
            OAuth sense, but it is still kept out of every output).
        token_url: the token endpoint; default ``PUBLISHER_GOOGLE_TOKEN_URL`` or Google's.
        revoke_url: the revoke endpoint; default ``PUBLISHER_GOOGLE_REVOKE_URL`` or Google's.
        transport: httpx transport for tests.
        now: wall clock, to turn ``expires_in`` into instants.
    """

    platform = "Google"

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        token_url: str | None = None,
        revoke_url: str | None = None,
        **options: Unpack[TokenClientOptions],
    ) -> None:
        super().__init__(
            client_id, client_secret, token_url=token_url or urls.token_url(), **options
        )
        self._revoke_url = revoke_url or urls.revoke_url()

    async def revoke(self, token: str) -> None:
        """Revoke a token (an access token's revocation also revokes its refresh token).

        Raises:
            TokenRefreshError: Google refused or could not be reached.
        """
        await self._post(self._revoke_url, {"token": token}, "revoke", with_client=False)

    def token_set(self, data: dict[str, Any], now: datetime, used: str) -> TokenSet:
        """Google does not rotate: a refresh answer has no refresh token and ``used`` stays.

        Raises:
            ValueError: see :func:`token_set`.
        """
        return token_set(data, now, refresh_token=used)

    def answer(self, response: httpx.Response, what: str) -> dict[str, Any]:
        """Return Google's JSON answer (an empty 200 to a revoke: ``{}``).

        Raises:
            TokenRefreshError: ``transient`` for 5xx, 408/429 and Google's transient codes;
                ``invalid_grant`` with the reasons a refresh token dies (the 7-day expiry of
                apps in testing first); otherwise log in again.
        """
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
