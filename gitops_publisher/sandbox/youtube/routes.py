"""The YouTube emulator's routes (Google paths, see :mod:`.paths`) and their error handlers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gitops_publisher.sandbox.youtube import listing, oauth, playlists, resumable
from gitops_publisher.sandbox.youtube.envelope import (
    GoogleApiError,
    GoogleOAuthError,
    google_error,
    oauth_error,
)

YOUTUBE_ROUTES = [
    Route("/o/oauth2/v2/auth", oauth.authorize, methods=["GET"]),
    Route("/o/oauth2/auth", oauth.authorize, methods=["GET"]),
    Route("/token", oauth.token, methods=["POST"]),
    Route("/o/oauth2/token", oauth.token, methods=["POST"]),
    Route("/revoke", oauth.revoke, methods=["POST"]),
    Route("/o/oauth2/revoke", oauth.revoke, methods=["POST"]),
    Route("/upload/youtube/v3/videos", resumable.insert, methods=["POST"]),
    Route("/upload/youtube/v3/videos", resumable.session_put, methods=["PUT"]),
    Route("/resumable/upload/youtube/v3/videos", resumable.insert, methods=["POST"]),
    Route("/resumable/upload/youtube/v3/videos", resumable.session_put, methods=["PUT"]),
    Route("/youtube/v3/videos", listing.videos_list, methods=["GET"]),
    Route("/youtube/v3/videos", listing.insert_without_media, methods=["POST"]),
    Route("/youtube/v3/videos", listing.videos_delete, methods=["DELETE"]),
    Route("/youtube/v3/channels", listing.channels_list, methods=["GET"]),
    Route("/youtube/v3/playlistItems", playlists.playlist_items_list, methods=["GET"]),
]


async def on_google_api_error(request: Request, exc: Exception) -> Response:
    """Answer a :class:`GoogleApiError` in Google's envelope."""
    assert isinstance(exc, GoogleApiError)
    return google_error(exc)


async def on_google_oauth_error(request: Request, exc: Exception) -> Response:
    """Answer a :class:`GoogleOAuthError` in Google's flat OAuth shape."""
    assert isinstance(exc, GoogleOAuthError)
    return oauth_error(exc)


YOUTUBE_EXCEPTION_HANDLERS = {
    GoogleApiError: on_google_api_error,
    GoogleOAuthError: on_google_oauth_error,
}
