"""The local YouTube Data API v3 + Google OAuth emulator, served beside TikTok's.

Built from ``docs/reference/youtube-data-api.md`` only; like the rest of the sandbox it imports
nothing from the client code (``gitops_publisher.providers``). It shares the sandbox's clock,
fault layer, world persistence, admin routes and server: ``create_app`` serves both platforms.

    world = SandboxWorld.load_or_create(directory)
    refresh_token = world.ensure_channel("@brand")       # a Google refresh token for it
    app = create_app(directory)                          # TikTok + YouTube on one host

See docs/sandbox.md ("YouTube") for the endpoints, the admin routes and the options.
"""

from gitops_publisher.sandbox.youtube.models import (
    SANDBOX_GOOGLE_CLIENT_ID,
    SANDBOX_GOOGLE_CLIENT_SECRET,
    YOUTUBE_SCOPES,
    Channel,
)
from gitops_publisher.sandbox.youtube.options import YouTubeOptions

__all__ = [
    "SANDBOX_GOOGLE_CLIENT_ID",
    "SANDBOX_GOOGLE_CLIENT_SECRET",
    "YOUTUBE_SCOPES",
    "Channel",
    "YouTubeOptions",
]
