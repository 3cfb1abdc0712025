"""videos.list, videos.delete and channels.list (reference §4, §1.5), and the body reader.

Both cost one quota unit and need a reading scope (``youtube.upload`` alone cannot poll).
Unknown, foreign private or unfinished video ids are simply absent: ``200`` with ``items: []``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gitops_publisher.sandbox.posting import service_of
from gitops_publisher.sandbox.service import SandboxService
from gitops_publisher.sandbox.youtube import grants, quota
from gitops_publisher.sandbox.youtube.auth import (
    DELETE_SCOPES,
    READ_SCOPES,
    UPLOAD_SCOPES,
    authenticate,
    require_scope,
)
from gitops_publisher.sandbox.youtube.envelope import GoogleApiError
from gitops_publisher.sandbox.youtube.metadata import INSERT_PARTS, parse_parts
from gitops_publisher.sandbox.youtube.models import Channel, UploadSession
from gitops_publisher.sandbox.youtube.processing import etag_of, rfc3339, video_resource

MAX_JSON_BODY = 1_000_000
CHANNEL_PARTS = frozenset(
    {"id", "snippet", "contentDetails", "statistics", "status", "brandingSettings"}
)


async def read_json_body(request: Request) -> dict[str, Any]:
    """A small JSON object body (``{}`` when empty); any JSON Content-Type is fine.

    Raises:
        GoogleApiError: 400 ``parseError`` for a body that is not a JSON object.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_JSON_BODY:
            raise GoogleApiError(400, "parseError", "The request body is too large.", "global")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise GoogleApiError(400, "parseError", "Parse Error", "global") from exc
    if not isinstance(body, dict):
        raise GoogleApiError(400, "parseError", "Parse Error", "global")
    return body


def channel_sessions(service: SandboxService, channel_id: str) -> list[UploadSession]:
    """The completed uploads of a channel in completion order (for duplicate detection)."""
    completed = [
        session
        for session in service.world.data.youtube.sessions.values()
        if session.channel_id == channel_id and session.upload_completed_at is not None
    ]
    return sorted(completed, key=lambda session: session.upload_completed_at or 0.0)


def video_view(
    service: SandboxService,
    session: UploadSession,
    channel: Channel,
    parts: list[str],
    owner: bool = True,
) -> dict[str, Any]:
    """The video resource of ``session`` now, with ``parts``."""
    return video_resource(
        session,
        channel,
        parts,
        service.clock.now(),
        service.options.youtube,
        channel_sessions(service, channel.id),
        owner,
    )


def _list_response(kind: str, items: list[dict[str, Any]]) -> JSONResponse:
    body: dict[str, Any] = {
        "kind": kind,
        "etag": etag_of(items),
        "items": items,
        "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
    }
    return JSONResponse(body)


async def videos_list(request: Request) -> Response:
    """``GET /youtube/v3/videos?part=…&id=a,b``: videos by id, as their owner sees them."""
    service = service_of(request)
    data = service.world.data.youtube
    record, channel = authenticate(service, request)
    require_scope(record, READ_SCOPES)
    quota.charge(data.quota, service.options.youtube, service.clock.now(), "read")
    parts = parse_parts(request.query_params.getlist("part"), INSERT_PARTS)
    ids = [i.strip() for v in request.query_params.getlist("id") for i in v.split(",") if i.strip()]
    if not ids:
        raise GoogleApiError(
            400,
            "missingRequiredParameter",
            "No filter selected. Expected one of: id (the sandbox supports id only).",
            "youtube.parameter",
        )
    by_video = {
        s.video_id: s
        for s in data.sessions.values()
        if s.video_id is not None and s.deleted_at is None
    }
    items = []
    for video_id in ids:
        session = by_video.get(video_id)
        if session is None:
            continue
        await service.digests.settle(session)
        owner_channel = grants.find_channel(data, channel_id=session.channel_id)
        if owner_channel is None:
            continue
        owner = owner_channel.id == channel.id
        view = video_view(service, session, owner_channel, [*parts, "status"], owner)
        if not owner and (
            view["status"]["privacyStatus"] != "public"
            or view["status"]["uploadStatus"] != "processed"
        ):
            continue
        if "status" not in parts:
            view = video_view(service, session, owner_channel, parts, owner)
        items.append(view)
    service.save(durable=False)
    return _list_response("youtube#videoListResponse", items)


def channel_resource(channel: Channel, parts: list[str]) -> dict[str, Any]:
    """The ``youtube#channel`` resource of ``channel`` with ``parts``."""
    item: dict[str, Any] = {"kind": "youtube#channel", "etag": "", "id": channel.id}
    if "snippet" in parts:
        item["snippet"] = {
            "title": channel.title,
            "description": channel.description,
            "customUrl": channel.handle.lower(),
            "publishedAt": rfc3339(channel.created_at),
            "thumbnails": {
                "default": {"url": "https://yt3.ggpht.com/sandbox", "width": 88, "height": 88}
            },
            "localized": {"title": channel.title, "description": channel.description},
        }
    if "contentDetails" in parts:
        item["contentDetails"] = {
            "relatedPlaylists": {"likes": "", "uploads": channel.uploads_playlist}
        }
    if "status" in parts:
        item["status"] = {
            "privacyStatus": "public",
            "isLinked": True,
            "longUploadsStatus": "allowed",
        }
    item["etag"] = etag_of(item)
    return item


async def channels_list(request: Request) -> Response:
    """``GET /youtube/v3/channels?part=…&mine=true`` (or ``id=``, ``forHandle=``)."""
    service = service_of(request)
    data = service.world.data.youtube
    record, channel = authenticate(service, request)
    require_scope(record, READ_SCOPES)
    quota.charge(data.quota, service.options.youtube, service.clock.now(), "read")
    parts = parse_parts(request.query_params.getlist("part"), CHANNEL_PARTS)
    query = request.query_params
    chosen: list[Channel] = []
    if query.get("mine", "").lower() == "true":
        chosen = [channel] if channel.has_channel else []
    elif query.get("id"):
        ids = query["id"].split(",")
        chosen = [c for c in data.channels if c.id in ids and c.has_channel]
    elif query.get("forHandle"):
        handle = (
            query["forHandle"] if query["forHandle"].startswith("@") else "@" + query["forHandle"]
        )
        found = grants.find_channel(data, handle=handle)
        chosen = [found] if found and found.has_channel else []
    else:
        raise GoogleApiError(
            400,
            "missingRequiredParameter",
            "No filter selected. Expected one of: mine, id, forHandle.",
            "youtube.parameter",
        )
    service.save(durable=False)
    return _list_response(
        "youtube#channelListResponse", [channel_resource(c, parts) for c in chosen]
    )


async def videos_delete(request: Request) -> Response:
    """``DELETE /youtube/v3/videos?id=…``: its owner deletes a video (204; 50 quota units).

    It is then absent from videos.list and the uploads playlist, as YouTube's deleted videos
    are. Checked in this order: token (401), scope (403 ``insufficientPermissions``: not
    ``youtube.upload`` nor ``youtube.readonly``), quota, ``id`` (400), the video (404
    ``videoNotFound``), its owner (403 ``forbidden``).
    """
    service = service_of(request)
    data = service.world.data.youtube
    record, channel = authenticate(service, request)
    require_scope(record, DELETE_SCOPES)
    quota.charge(data.quota, service.options.youtube, service.clock.now(), "delete")
    video_id = request.query_params.get("id", "")
    if not video_id:
        raise GoogleApiError(400, "required", "Required parameter: id", "global", location="id")
    session = next(
        (s for s in data.sessions.values() if s.video_id == video_id and s.deleted_at is None),
        None,
    )
    if session is None:
        raise GoogleApiError(
            404,
            "videoNotFound",
            "The video that you are trying to delete cannot be found.",
            "youtube.video",
            location="id",
        )
    if session.channel_id != channel.id:
        raise GoogleApiError(
            403,
            "forbidden",
            "The video that you are trying to delete cannot be deleted. The request might not "
            "be properly authorized.",
            "youtube.video",
        )
    session.deleted_at = service.clock.now()
    service.save()
    return Response(status_code=204)


async def insert_without_media(request: Request) -> Response:
    """``POST /youtube/v3/videos``: an insert without the upload path has no media.

    Raises:
        GoogleApiError: 400 ``mediaBodyRequired`` (after auth and scope checks).
    """
    service = service_of(request)
    record, _ = authenticate(service, request)
    require_scope(record, UPLOAD_SCOPES)
    raise GoogleApiError(
        400,
        "mediaBodyRequired",
        "The request does not include the video content.",
        "youtube.video",
    )
