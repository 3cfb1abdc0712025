"""The local TikTok and YouTube API + OAuth emulators ("the sandbox"), on one host.

Built from ``docs/reference/tiktok-content-posting-api.md`` and
``docs/reference/youtube-data-api.md`` only. May import no other package of
gitops-publisher: never the client code (``gitops_publisher.providers``; the
``sandbox-apart`` contract in ``pyproject.toml`` checks it), so it cannot agree with the
client by sharing its mistakes. Typical uses::

    world = SandboxWorld.load_or_create(project / ".publisher/sandbox")
    refresh_token = world.ensure_account("brand-us")      # TikTok
    google_refresh_token = world.ensure_channel("@brand")  # YouTube
    app = create_app(project / ".publisher/sandbox")
    with serve_in_thread(app) as base_url:        # or httpx.ASGITransport(app=app)
        ...

See docs/sandbox.md for the world file format, the admin routes and the fault options.
"""

from gitops_publisher.sandbox.app import create_app, sandbox_service
from gitops_publisher.sandbox.clock import Clock, ManualClock, RealClock, ScaledClock
from gitops_publisher.sandbox.models import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET, Account
from gitops_publisher.sandbox.options import ENDPOINTS, FaultSpec, SandboxOptions
from gitops_publisher.sandbox.server import serve_in_thread
from gitops_publisher.sandbox.world import SandboxWorld, WorldFileError
from gitops_publisher.sandbox.youtube import (
    SANDBOX_GOOGLE_CLIENT_ID,
    SANDBOX_GOOGLE_CLIENT_SECRET,
    Channel,
    YouTubeOptions,
)

__all__ = [
    "ENDPOINTS",
    "SANDBOX_CLIENT_KEY",
    "SANDBOX_CLIENT_SECRET",
    "SANDBOX_GOOGLE_CLIENT_ID",
    "SANDBOX_GOOGLE_CLIENT_SECRET",
    "Account",
    "Channel",
    "Clock",
    "FaultSpec",
    "ManualClock",
    "RealClock",
    "SandboxOptions",
    "SandboxWorld",
    "ScaledClock",
    "WorldFileError",
    "YouTubeOptions",
    "create_app",
    "sandbox_service",
    "serve_in_thread",
]
