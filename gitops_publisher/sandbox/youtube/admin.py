"""YouTube's introspection and control routes under ``/_sandbox/youtube/`` (never Google paths).

Nothing here returns a token value or a session URI (a capability), except ``POST channels``,
which hands out the new channel's initial refresh token exactly once.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gitops_publisher.sandbox.admin import admin_json, invalid_field
from gitops_publisher.sandbox.admin_errors import AdminError
from gitops_publisher.sandbox.posting import service_of
from gitops_publisher.sandbox.service import SandboxService
from gitops_publisher.sandbox.youtube.listing import channel_sessions
from gitops_publisher.sandbox.youtube.models import Channel, UploadSession
from gitops_publisher.sandbox.youtube.processing import effective_privacy, state_at
from gitops_publisher.sandbox.youtube.quota import pacific_day

_FAILURES = {"codec", "conversion", "emptyFile", "invalidFile", "tooSmall", "uploadAborted"}
_REJECTIONS = {
    "claim",
    "copyright",
    "duplicate",
    "inappropriate",
    "legal",
    "length",
    "termsOfUse",
    "trademark",
    "uploaderAccountClosed",
    "uploaderAccountSuspended",
}


def video_view(session: UploadSession, service: SandboxService) -> dict[str, Any]:
    """One accepted insert (session) as the admin API shows it."""
    snippet = session.resource.get("snippet", {})
    status = session.resource.get("status", {})
    view: dict[str, Any] = {
        "video_id": session.video_id,
        "channel": session.handle,
        "channel_id": session.channel_id,
        "title": snippet.get("title"),
        "description": snippet.get("description"),
        "tags": snippet.get("tags", []),
        "category_id": snippet.get("categoryId"),
        "default_language": snippet.get("defaultLanguage"),
        "privacy": status.get("privacyStatus"),
        "publish_at": status.get("publishAt"),
        "made_for_kids": status.get("selfDeclaredMadeForKids"),
        "contains_synthetic_media": status.get("containsSyntheticMedia"),
        "notify_subscribers": session.notify_subscribers,
        "content_type": session.content_type,
        "total": session.total,
        "byte_count": session.received_bytes,
        "chunks_received": session.chunks_accepted,
        "sha256": session.sha256,
        "created_at": session.created_at,
        "upload_completed_at": session.upload_completed_at,
        "deleted_at": session.deleted_at,
        "upload_status": None,
        "processing_status": None,
        "failure_reason": None,
        "rejection_reason": None,
        "effective_privacy": None,
    }
    if session.upload_completed_at is not None:
        now = service.clock.now()
        options = service.options.youtube
        state = state_at(session, now, options, channel_sessions(service, session.channel_id))
        view.update(
            upload_status=state["uploadStatus"],
            processing_status=state["processingStatus"],
            failure_reason=state.get("failureReason"),
            rejection_reason=state.get("rejectionReason"),
            effective_privacy=effective_privacy(session, state, now, options)[0],
        )
    return view


async def list_videos(request: Request) -> Response:
    """``GET /_sandbox/youtube/videos[?channel=@handle]``: every insert the sandbox accepted.

    ``channel`` names the channel as authorize's ``sandbox_channel`` does: its handle, with
    or without the ``@``, or its id.
    """
    service = service_of(request)
    wanted = request.query_params.get("channel")
    handle = None if wanted is None else "@" + wanted.removeprefix("@")
    chosen = [
        session
        for session in service.world.data.youtube.sessions.values()
        if handle is None
        or session.handle.lower() == handle.lower()
        or session.channel_id == wanted
    ]
    for session in chosen:  # every listed sha256 is the assembled bytes' (sandbox/digest.py)
        await service.digests.settle(session)
    return JSONResponse({"videos": [video_view(session, service) for session in chosen]})


async def create_channel(request: Request) -> Response:
    """``POST /_sandbox/youtube/channels``: add a channel; answers its refresh token once.

    Raises:
        AdminError: 400 ``invalid_body`` or ``invalid_field``, 409 ``already_exists``.
    """
    service = service_of(request)
    try:
        channel = Channel.model_validate(await admin_json(request))
        token = service.world.add_channel(channel, service.options.youtube.testing_mode)
    except ValidationError as exc:
        raise invalid_field(exc) from exc
    except ValueError as exc:
        if "exists" in str(exc):
            raise AdminError(409, "already_exists", str(exc)) from exc
        raise AdminError(400, "invalid_field", str(exc)) from exc
    service.save()
    created = service.world.find_channel(channel.handle)
    assert created is not None
    view = created.model_dump(exclude={"refresh_token"})
    return JSONResponse({"channel": view, "refresh_token": token}, status_code=201)


async def script_outcome(request: Request) -> Response:
    """``POST /_sandbox/youtube/videos/{video_id}/outcome``: how its processing ends.

    Body: ``{"upload_status": "failed", "reason": "codec"}``, ``{"upload_status":
    "rejected", "reason": "duplicate"}``, ``{"upload_status": "processed"}`` or
    ``{"upload_status": "stuck"}`` (processing never ends, pitfall 8 of the reference).

    Raises:
        AdminError: 404 ``not_found`` (no video of that id), 400 ``invalid_body`` or
            ``invalid_field``.
    """
    service = service_of(request)
    video_id = request.path_params["video_id"]
    session = next(
        (s for s in service.world.data.youtube.sessions.values() if s.video_id == video_id), None
    )
    if session is None:
        raise AdminError(404, "not_found", "no video with this id")
    body = await admin_json(request)
    status, reason = body.get("upload_status"), body.get("reason")
    if status == "failed" and reason in _FAILURES or status == "rejected" and reason in _REJECTIONS:
        session.outcome = {"uploadStatus": str(status), "reason": str(reason)}
    elif status in ("processed", "stuck") and reason is None:
        session.outcome = {"uploadStatus": str(status)}
    else:
        raise AdminError(
            400,
            "invalid_field",
            f"upload_status must be failed (reason in {sorted(_FAILURES)}), rejected (reason "
            f"in {sorted(_REJECTIONS)}), processed or stuck",
        )
    service.save()
    return JSONResponse(video_view(session, service))


async def quota_route(request: Request) -> Response:
    """``GET /_sandbox/youtube/quota``: today's usage (Pacific day) and the limits."""
    service = service_of(request)
    options = service.options.youtube
    quota = service.world.data.youtube.quota
    today = pacific_day(service.clock.now())
    used = quota if quota.day == today else None
    return JSONResponse(
        {
            "day": today,
            "model": options.quota_model,
            "units": used.units if used else 0,
            "uploads": used.uploads if used else 0,
            "daily_units": options.daily_units,
            "daily_uploads": options.daily_uploads,
        }
    )


async def list_channels(request: Request) -> Response:
    """``GET /_sandbox/youtube/channels``: the channels, without tokens."""
    data = service_of(request).world.data.youtube
    channels = [channel.model_dump(exclude={"refresh_token"}) for channel in data.channels]
    return JSONResponse({"channels": channels, "client_id": data.client.client_id})


YOUTUBE_ADMIN_ROUTES = [
    Route("/_sandbox/youtube/videos", list_videos, methods=["GET"]),
    Route("/_sandbox/youtube/videos/{video_id}/outcome", script_outcome, methods=["POST"]),
    Route("/_sandbox/youtube/channels", list_channels, methods=["GET"]),
    Route("/_sandbox/youtube/channels", create_channel, methods=["POST"]),
    Route("/_sandbox/youtube/quota", quota_route, methods=["GET"]),
]
