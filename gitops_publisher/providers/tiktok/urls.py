"""TikTok's hosts and paths (reference §1, §3), with the environment overrides of design §3."""

from __future__ import annotations

import os
from collections.abc import Mapping

DEFAULT_API_URL = "https://open.tiktokapis.com"
DEFAULT_AUTH_URL = "https://www.tiktok.com"

CREATOR_INFO = "/v2/post/publish/creator_info/query/"
DIRECT_INIT = "/v2/post/publish/video/init/"
INBOX_INIT = "/v2/post/publish/inbox/video/init/"
STATUS_FETCH = "/v2/post/publish/status/fetch/"
CANCEL = "/v2/post/publish/cancel/"
OAUTH_TOKEN = "/v2/oauth/token/"
OAUTH_REVOKE = "/v2/oauth/revoke/"
AUTHORIZE = "/v2/auth/authorize/"


API_URL_ENV = "PUBLISHER_TIKTOK_API_URL"


def api_url(env: Mapping[str, str] | None = None) -> str:
    """Return the API base URL: ``PUBLISHER_TIKTOK_API_URL`` or TikTok's, without a final /."""
    env = os.environ if env is None else env
    return (env.get(API_URL_ENV) or DEFAULT_API_URL).rstrip("/")


def auth_url(env: Mapping[str, str] | None = None) -> str:
    """Return the authorize-page host: ``PUBLISHER_TIKTOK_AUTH_URL`` or TikTok's."""
    env = os.environ if env is None else env
    return (env.get("PUBLISHER_TIKTOK_AUTH_URL") or DEFAULT_AUTH_URL).rstrip("/")
