"""Google's and YouTube's hosts and paths (reference §1.1, §2.1), with environment overrides.

The API base serves both the metadata calls (``/youtube/v3/...``) and the upload path
(``/upload/youtube/v3/videos``): Google answers both on ``youtube.googleapis.com`` (the host
google-api-python-client and the Go client use) and on ``www.googleapis.com`` (the docs'), and
the emulator answers both on one port. The OAuth pages are full URLs, because Google puts them
on two other hosts (``accounts.google.com``, ``oauth2.googleapis.com``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

DEFAULT_API_URL = "https://youtube.googleapis.com"
DEFAULT_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"
DEFAULT_REVOKE_URL = "https://oauth2.googleapis.com/revoke"

API_URL_ENV = "PUBLISHER_YOUTUBE_API_URL"
AUTH_URL_ENV = "PUBLISHER_GOOGLE_AUTH_URL"
TOKEN_URL_ENV = "PUBLISHER_GOOGLE_TOKEN_URL"
REVOKE_URL_ENV = "PUBLISHER_GOOGLE_REVOKE_URL"
# Defaults of an account's ``client_id_env`` / ``client_secret_env`` (a Desktop app client).
CLIENT_ID_ENV = "YOUTUBE_CLIENT_ID"
CLIENT_SECRET_ENV = "YOUTUBE_CLIENT_SECRET"

UPLOAD_VIDEOS = "/upload/youtube/v3/videos"
# Where Google's resumable session URIs live (reference §2.3: the initiating POST's Location
# names either host, whichever the POST went to): session requests carry the channel's
# access token, so they go nowhere else (besides the configured API's own origin).
GOOGLE_UPLOAD_HOSTS = ("www.googleapis.com", "youtube.googleapis.com")
VIDEOS = "/youtube/v3/videos"
CHANNELS = "/youtube/v3/channels"
PLAYLIST_ITEMS = "/youtube/v3/playlistItems"

SCOPE_PREFIX = "https://www.googleapis.com/auth/"


def _get(env: Mapping[str, str] | None, name: str, default: str) -> str:
    env = os.environ if env is None else env
    return (env.get(name) or default).rstrip("/")


def api_url(env: Mapping[str, str] | None = None) -> str:
    """Return the API base URL: ``PUBLISHER_YOUTUBE_API_URL`` or Google's, without a final /."""
    return _get(env, API_URL_ENV, DEFAULT_API_URL)


def auth_url(env: Mapping[str, str] | None = None) -> str:
    """Return the authorize page: ``PUBLISHER_GOOGLE_AUTH_URL`` or Google's."""
    return _get(env, AUTH_URL_ENV, DEFAULT_AUTH_URL)


def token_url(env: Mapping[str, str] | None = None) -> str:
    """Return the token endpoint: ``PUBLISHER_GOOGLE_TOKEN_URL`` or Google's."""
    return _get(env, TOKEN_URL_ENV, DEFAULT_TOKEN_URL)


def revoke_url(env: Mapping[str, str] | None = None) -> str:
    """Return the revoke endpoint: ``PUBLISHER_GOOGLE_REVOKE_URL`` or Google's."""
    return _get(env, REVOKE_URL_ENV, DEFAULT_REVOKE_URL)


def shorts_url(video_id: str) -> str:
    """Return the Shorts player URL of a video (reference §4)."""
    return f"https://www.youtube.com/shorts/{video_id}"
