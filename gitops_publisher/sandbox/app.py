"""Assembly of the sandbox ASGI app: routes, error handlers, the fault/log layer.

One app serves both platforms: TikTok's paths (``/v2/…``, ``/upload/video/``) and YouTube's
Google paths (``sandbox/youtube/paths.py``) do not collide. TikTok paths are matched exactly,
trailing slash included (UNCERTAIN: whether TikTok redirects or accepts paths without it; a
client should use the documented paths).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from gitops_publisher.sandbox import oauth, posting, publish_status, upload
from gitops_publisher.sandbox.admin import ADMIN_ROUTES
from gitops_publisher.sandbox.admin_errors import (
    AdminError,
    on_admin_error,
    on_http_exception,
    on_server_error,
)
from gitops_publisher.sandbox.clock import Clock, RealClock
from gitops_publisher.sandbox.envelope import ApiError, OAuthError, api_error, oauth_error
from gitops_publisher.sandbox.faults import SandboxLayer
from gitops_publisher.sandbox.options import SandboxOptions
from gitops_publisher.sandbox.service import SandboxService
from gitops_publisher.sandbox.world import SandboxWorld, SaveBatch
from gitops_publisher.sandbox.youtube.admin import YOUTUBE_ADMIN_ROUTES
from gitops_publisher.sandbox.youtube.resumable import resume_sessions
from gitops_publisher.sandbox.youtube.routes import YOUTUBE_EXCEPTION_HANDLERS, YOUTUBE_ROUTES

TIKTOK_ROUTES = [
    Route("/v2/auth/authorize/", oauth.authorize, methods=["GET"]),
    Route("/v2/oauth/token/", oauth.token, methods=["POST"]),
    Route("/v2/oauth/revoke/", oauth.revoke, methods=["POST"]),
    Route("/v2/post/publish/creator_info/query/", posting.creator_info, methods=["POST"]),
    Route("/v2/post/publish/video/init/", posting.video_init, methods=["POST"]),
    Route("/v2/post/publish/inbox/video/init/", posting.inbox_init, methods=["POST"]),
    Route("/v2/post/publish/status/fetch/", publish_status.status_fetch, methods=["POST"]),
    Route("/v2/post/publish/cancel/", publish_status.cancel, methods=["POST"]),
    Route("/upload/video/", upload.upload_chunk, methods=["PUT"]),
]


async def _on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return api_error(exc, posting.service_of(request).log_id())


async def _on_disconnect(request: Request, exc: Exception) -> Response:
    # The client went away mid-body (the upload route has already dropped the partial chunk);
    # nobody will read this answer, but returning one keeps uvicorn from logging a traceback.
    return Response(status_code=400)


async def _on_oauth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    service = posting.service_of(request)
    return oauth_error(exc, service.log_id(), service.options)


class SandboxApp(Starlette):
    """Starlette with the sandbox layer outermost, so it sees the server's own ``send``."""

    sandbox_layer: SandboxLayer
    save_batch: SaveBatch

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Enter through the fault/log layer, then Starlette's stack."""
        await self.sandbox_layer(scope, receive, send)

    async def _starlette_call(self, scope: Any, receive: Any, send: Any) -> None:
        # The routes' world saves are batched; an answer leaves only once its change is on
        # disk, and a request that sends none (dropped after handling) still waits for it.
        # It leaves only once the time it was given at is on disk too (a read saves nothing
        # else): a restarted sandbox never answers from an earlier time (world.keep_time).
        batch = self.save_batch
        token = batch.begin()

        async def send_saved(message: Any) -> None:
            if message["type"] == "http.response.start":
                await batch.settle()
                batch.world.keep_time()
            await send(message)

        try:
            await super().__call__(scope, receive, send_saved)
        finally:
            batch.end(token)
            await batch.settle()


def create_app(
    world_dir: Path, options: SandboxOptions | None = None, clock: Clock | None = None
) -> Starlette:
    """Build the sandbox for the world stored in ``world_dir`` (created with defaults if new).

    Raises:
        WorldFileError: ``world_dir`` holds a corrupt ``world.json``.
    """
    clock = clock or RealClock()
    world = SandboxWorld.load_or_create(Path(world_dir), clock=clock)
    service = SandboxService(world, options or SandboxOptions(), clock)
    upload.resume_uploads(service)
    resume_sessions(service)
    app = SandboxApp(
        routes=[*TIKTOK_ROUTES, *YOUTUBE_ROUTES, *ADMIN_ROUTES, *YOUTUBE_ADMIN_ROUTES],
        exception_handlers={
            ApiError: _on_api_error,
            OAuthError: _on_oauth_error,
            ClientDisconnect: _on_disconnect,
            **YOUTUBE_EXCEPTION_HANDLERS,
            AdminError: on_admin_error,  # the admin API's one error shape (admin_errors.py)
            HTTPException: on_http_exception,
            Exception: on_server_error,
        },
    )
    app.router.redirect_slashes = False
    app.state.sandbox = service
    app.sandbox_layer = SandboxLayer(app._starlette_call, service)
    app.save_batch = world.batch
    return app


def sandbox_service(app: Starlette) -> SandboxService:
    """Return the live service (world, options, clock) behind an app from :func:`create_app`."""
    service: SandboxService = app.state.sandbox
    return service
