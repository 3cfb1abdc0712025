"""Status fetch and cancel (reference §3.5, §3.6)."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response

from gitops_publisher.sandbox.envelope import ApiError, api_ok
from gitops_publisher.sandbox.models import PostRecord
from gitops_publisher.sandbox.posting import read_json, service_of
from gitops_publisher.sandbox.processing import is_cancellable, status_at
from gitops_publisher.sandbox.service import SandboxService


async def _lookup(
    request: Request, service: SandboxService, open_id: str, key: str, scopes: Sequence[str]
) -> PostRecord:
    body = await read_json(request, service)
    publish_id = body.get("publish_id")
    if not isinstance(publish_id, str) or not publish_id:
        raise ApiError(400, "invalid_publish_id", "The publish_id is missing or invalid.")
    post = service.world.data.posts.get(publish_id)
    if post is None:
        raise ApiError(400, "invalid_publish_id", "The publish_id does not exist.")
    if post.open_id != open_id:
        raise ApiError(
            400,
            "token_not_authorized_for_specified_publish_id",
            "The access token cannot read this publish_id.",
        )
    return post


async def status_fetch(request: Request) -> Response:
    """``POST /v2/post/publish/status/fetch/`` (reference §3.5)."""
    service = service_of(request)
    key, record, account = service.authenticate(request)
    service.rate_limit(key, "status")
    service.require_scope(record, "video.upload", "video.publish")
    post = await _lookup(request, service, record.open_id, key, record.scopes)
    await service.digests.settle(post)  # part of "processing": see sandbox/digest.py
    return api_ok(status_at(post, service.clock.now(), service.options), service.log_id())


async def cancel(request: Request) -> Response:
    """``POST /v2/post/publish/cancel/`` (reference §3.6); success has no ``data``."""
    service = service_of(request)
    key, record, account = service.authenticate(request)
    service.require_scope(record, "video.upload", "video.publish")
    post = await _lookup(request, service, record.open_id, key, record.scopes)
    now = service.clock.now()
    if not is_cancellable(post, now, service.options):
        raise ApiError(400, "publish_not_cancellable", "The publish can no longer be cancelled.")
    post.cancelled_at = now
    if post.upload_id is not None:
        (service.world.uploads_dir / f"{post.upload_id}.part").unlink(missing_ok=True)
    service.save()
    return api_ok(None, service.log_id())
