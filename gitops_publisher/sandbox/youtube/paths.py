"""Where the YouTube emulator answers: Google's paths on the sandbox host, endpoint names.

No path collides with TikTok's (``/v2/…``, ``/upload/video/``), so one server serves both.
The names address an endpoint in fault specs and the request log (``SandboxOptions.faults``).
"""

from __future__ import annotations

#: (method, path) -> endpoint name. Both the v2 and the v1 authorize path (client-secrets
#: files carry ``/o/oauth2/auth``), the current and the old token path, and the protocol path
#: ``/resumable/upload/…`` of the discovery document.
ENDPOINT_BY_ROUTE: dict[tuple[str, str], str] = {
    ("GET", "/o/oauth2/v2/auth"): "youtube_authorize",
    ("GET", "/o/oauth2/auth"): "youtube_authorize",
    ("POST", "/token"): "youtube_token",
    ("POST", "/o/oauth2/token"): "youtube_token",
    ("POST", "/revoke"): "youtube_revoke",
    ("POST", "/o/oauth2/revoke"): "youtube_revoke",
    ("POST", "/upload/youtube/v3/videos"): "youtube_insert",
    ("POST", "/resumable/upload/youtube/v3/videos"): "youtube_insert",
    ("PUT", "/upload/youtube/v3/videos"): "youtube_upload",
    ("PUT", "/resumable/upload/youtube/v3/videos"): "youtube_upload",
    ("POST", "/youtube/v3/videos"): "youtube_insert",
    ("GET", "/youtube/v3/videos"): "youtube_videos_list",
    ("DELETE", "/youtube/v3/videos"): "youtube_videos_delete",
    ("GET", "/youtube/v3/channels"): "youtube_channels_list",
    ("GET", "/youtube/v3/playlistItems"): "youtube_playlist_items_list",
}

YOUTUBE_ENDPOINTS: tuple[str, ...] = tuple(dict.fromkeys(ENDPOINT_BY_ROUTE.values()))
YOUTUBE_OAUTH_ENDPOINTS = frozenset({"youtube_authorize", "youtube_token", "youtube_revoke"})
