"""TikTok Login Kit desktop flow: PKCE, a random state, a loopback listener (reference §1.1).

TikTok's desktop PKCE differs from RFC 7636: the challenge is the LOWERCASE HEX SHA-256 of the
verifier, not base64url (TikTok's Android SDK agrees). The redirect URI is
``http://127.0.0.1:PORT/callback/``, registered in the app with a fixed or wildcard port. The
browser half (listener, state check, a pasted redirect) is ``providers/loopback.py``'s.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import Unpack
from urllib.parse import urlencode

from gitops_publisher.providers.loopback import (
    BrowserOptions,
    Opener,
    Paste,
    PkceFlow,
    new_code_verifier,
    pasted_callback,
)
from gitops_publisher.providers.tiktok import urls
from gitops_publisher.providers.tiktok.auth import TokenEndpoint
from gitops_publisher.providers.tokens import TokenSet

__all__ = [
    "DEFAULT_SCOPES",
    "Opener",
    "Paste",
    "authorize_url",
    "code_challenge",
    "login",
    "new_code_verifier",
    "pasted_callback",
]

DEFAULT_SCOPES = ("user.info.basic", "video.publish", "video.upload")
CALLBACK_PATH = "/callback/"


def code_challenge(verifier: str) -> str:
    """Return TikTok's desktop challenge: lowercase hex SHA-256 of the verifier."""
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()


FLOW = PkceFlow("TikTok", CALLBACK_PATH, code_challenge)


def authorize_url(
    auth_base: str,
    *,
    client_key: str,
    redirect_uri: str,
    state: str,
    challenge: str,
    scopes: Sequence[str] = DEFAULT_SCOPES,
) -> str:
    """Return the authorize page URL (scopes joined with commas, as TikTok wants)."""
    query = urlencode(
        {
            "client_key": client_key,
            "scope": ",".join(scopes),
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{auth_base.rstrip('/')}{urls.AUTHORIZE}?{query}"


async def login(
    endpoint: TokenEndpoint,
    *,
    client_key: str,
    auth_base: str,
    scopes: Sequence[str] = DEFAULT_SCOPES,
    **browser: Unpack[BrowserOptions],
) -> TokenSet:
    """Run the desktop login and return the user's tokens (not yet stored).

    ``browser`` (``open_browser``, ``port``, ``timeout``, ``paste``: :class:`BrowserOptions`)
    meets the user. With ``paste``, the redirect may also come as the pasted redirect URL;
    whichever of the listener and the paste answers first is used (same ``state`` check).

    Raises:
        AuthError: the port is taken, the user refused (``access_denied``...), the ``state``
            came back different (a forged redirect), no answer within ``timeout``, or the
            code exchange failed (:class:`TokenRefreshError`).
    """
    page = functools.partial(authorize_url, auth_base, client_key=client_key, scopes=scopes)
    return await FLOW.login(endpoint, page, **browser)
