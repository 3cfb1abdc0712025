"""Google's installed-app login: loopback redirect, PKCE S256, granted scopes (reference §1.2).

Google's challenge is RFC 7636's S256: the UNPADDED base64url SHA-256 of the verifier (TikTok's
is lowercase hex). The redirect is ``http://127.0.0.1:PORT/`` on a random free port, which a
"Desktop app" client accepts without registration; scopes are joined with SPACES. The browser
half (listener, ``state`` check, a pasted redirect) is ``providers/loopback.py``'s.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Sequence
from typing import Unpack
from urllib.parse import urlencode

from gitops_publisher.errors import AuthError
from gitops_publisher.providers.loopback import BrowserOptions, PkceFlow
from gitops_publisher.providers.tokens import TokenSet
from gitops_publisher.providers.youtube.oauth import (
    DEFAULT_SCOPES,
    GoogleTokenEndpoint,
    missing_permissions,
)

CALLBACK_PATH = "/"


def code_challenge(verifier: str) -> str:
    """Return the S256 challenge: unpadded base64url of SHA-256(ASCII verifier)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


FLOW = PkceFlow("Google", CALLBACK_PATH, code_challenge)


def authorize_url(
    auth_url: str,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    challenge: str,
    scopes: Sequence[str] = DEFAULT_SCOPES,
) -> str:
    """Return the authorize page URL.

    ``access_type=offline`` and ``prompt=consent`` are not in the installed-app table (it says
    refresh tokens are always returned there) but are harmless, and they guard against an
    answer without ``refresh_token`` after a re-consent (reference §8, pitfall 2).
    """
    query = urlencode(
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(scopes),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "access_type": "offline",
            "prompt": "consent",
        }
    )
    return f"{auth_url}?{query}"


async def login(
    endpoint: GoogleTokenEndpoint,
    *,
    auth_url: str,
    scopes: Sequence[str] = DEFAULT_SCOPES,
    **browser: Unpack[BrowserOptions],
) -> TokenSet:
    """Run the installed-app login and return the user's tokens (not yet stored).

    ``browser`` (``open_browser``, ``port``, ``timeout``, ``paste``: :class:`BrowserOptions`)
    meets the user, as TikTok's login does.

    Raises:
        AuthError: the port is taken, the user refused (``access_denied``), the ``state`` came
            back different, no answer within ``timeout``, the code exchange failed
            (:class:`TokenRefreshError`), or the user unticked a permission we need.
    """
    page = functools.partial(authorize_url, auth_url, client_id=endpoint.client_id, scopes=scopes)
    tokens = await FLOW.login(endpoint, page, **browser)
    # Google's answer lists the granted scopes; without the list, trust the consent.
    missing = missing_permissions(tokens.scopes) if tokens.scope else []
    if missing:
        raise AuthError(
            "the login did not grant " + " nor ".join(missing) + "; nothing was stored",
            hint="log in again and leave every permission on Google's consent screen ticked",
        )
    return tokens
