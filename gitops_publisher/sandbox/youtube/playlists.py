"""playlistItems.list of a channel's uploads playlist (reference §6, the duplicate check).

A channel's uploads are the playlist ``contentDetails.relatedPlaylists.uploads`` of
channels.list names (``UU`` + the channel id's tail). It lists the channel's videos, newest
first: the uploads whose last byte arrived (a session that never completed made no video).
Its owner sees every one of them; another channel only the public, processed ones, as
videos.list shows them. One quota unit a page, a reading scope, like videos.list.

Paging: ``maxResults`` 0 to 50 (default 5), ``nextPageToken`` / ``prevPageToken`` opaque
tokens naming a position. Deleted videos (videos.delete) are not listed.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gitops_publisher.sandbox.posting import service_of
from gitops_publisher.sandbox.service import SandboxService
from gitops_publisher.sandbox.youtube import quota
from gitops_publisher.sandbox.youtube.auth import READ_SCOPES, authenticate, require_scope
from gitops_publisher.sandbox.youtube.envelope import GoogleApiError
from gitops_publisher.sandbox.youtube.listing import channel_sessions, video_view
from gitops_publisher.sandbox.youtube.metadata import parse_parts
from gitops_publisher.sandbox.youtube.models import Channel, UploadSession
from gitops_publisher.sandbox.youtube.processing import etag_of, rfc3339

PLAYLIST_ITEM_PARTS = frozenset({"id", "snippet", "contentDetails", "status"})
DEFAULT_MAX_RESULTS = 5
MAX_RESULTS = 50
_TOKEN_PREFIX = "EAAa"  # Google's page tokens start so; the rest is opaque to clients


def page_token(position: int) -> str:
    """An opaque token for the page starting at ``position``."""
    encoded = base64.urlsafe_b64encode(f"PT:{position}".encode()).decode().rstrip("=")
    return _TOKEN_PREFIX + encoded


def position_of(token: str) -> int:
    """The position a :func:`page_token` names.

    Raises:
        GoogleApiError: 400 ``invalidPageToken`` for anything else (UNCERTAIN: Google's
            reason for a malformed token).
    """
    body = token.removeprefix(_TOKEN_PREFIX)
    try:
        text = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    kind, _, number = text.partition(":")
    if not token.startswith(_TOKEN_PREFIX) or kind != "PT" or not number.isdigit():
        raise GoogleApiError(
            400,
            "invalidPageToken",
            "The request specifies an invalid page token.",
            "youtube.parameter",
            location="pageToken",
        )
    return int(number)


def _max_results(raw: str | None) -> int:
    """``maxResults``: 0 to 50 (default 5).

    Raises:
        GoogleApiError: 400 ``invalidParameter`` outside that range or not a number.
    """
    if raw is None or raw == "":
        return DEFAULT_MAX_RESULTS
    if not raw.isdigit() or int(raw) > MAX_RESULTS:
        raise GoogleApiError(
            400,
            "invalidParameter",
            f"Invalid value '{raw}'. Values must be within the range: [0, {MAX_RESULTS}]",
            "global",
            location="maxResults",
        )
    return int(raw)


def _owner_of(service: SandboxService, playlist_id: str) -> Channel:
    """The channel whose uploads playlist is ``playlist_id``.

    Raises:
        GoogleApiError: 404 ``playlistNotFound`` (domain ``youtube.playlistItem``).
    """
    for channel in service.world.data.youtube.channels:
        if channel.has_channel and channel.id and channel.uploads_playlist == playlist_id:
            return channel
    raise GoogleApiError(
        404,
        "playlistNotFound",
        "The playlist identified with the request's <code>playlistId</code> parameter cannot "
        "be found.",
        "youtube.playlistItem",
        location="playlistId",
    )


def _item(
    service: SandboxService,
    session: UploadSession,
    channel: Channel,
    playlist_id: str,
    position: int,
    parts: list[str],
    video: dict[str, Any],
) -> dict[str, Any]:
    """The ``youtube#playlistItem`` of one upload (``video``: its videos.list resource)."""
    assert session.video_id is not None
    added = rfc3339(session.upload_completed_at or service.clock.now())
    item: dict[str, Any] = {
        "kind": "youtube#playlistItem",
        "etag": "",
        "id": base64.urlsafe_b64encode(f"{playlist_id}.{session.video_id}".encode())
        .decode()
        .rstrip("="),
    }
    if "snippet" in parts:
        snippet = video["snippet"]
        item["snippet"] = {
            "publishedAt": added,
            "channelId": channel.id,
            "title": snippet["title"],
            "description": snippet["description"],
            "thumbnails": snippet["thumbnails"],
            "channelTitle": channel.title,
            "playlistId": playlist_id,
            "position": position,
            "resourceId": {"kind": "youtube#video", "videoId": session.video_id},
            "videoOwnerChannelTitle": channel.title,
            "videoOwnerChannelId": channel.id,
        }
    if "contentDetails" in parts:
        item["contentDetails"] = {
            "videoId": session.video_id,
            "videoPublishedAt": video["snippet"]["publishedAt"],
        }
    if "status" in parts:
        item["status"] = {"privacyStatus": video["status"]["privacyStatus"]}
    item["etag"] = etag_of(item)
    return item


async def _public(service: SandboxService, session: UploadSession, channel: Channel) -> bool:
    """Whether another channel sees the upload: public and processed (as videos.list)."""
    await service.digests.settle(session)
    status = video_view(service, session, channel, ["status"], owner=False)["status"]
    return bool(status["privacyStatus"] == "public" and status["uploadStatus"] == "processed")


async def playlist_items_list(request: Request) -> Response:
    """``GET /youtube/v3/playlistItems?part=…&playlistId=UU…``: a channel's uploads, newest first.

    Checked in this order: token (401), scope (403), quota (403 ``quotaExceeded``), ``part``,
    ``playlistId`` (400 when absent, 404 ``playlistNotFound`` when unknown), ``maxResults``,
    ``pageToken``.
    """
    service = service_of(request)
    data = service.world.data.youtube
    record, caller = authenticate(service, request)
    require_scope(record, READ_SCOPES)
    quota.charge(data.quota, service.options.youtube, service.clock.now(), "read")
    query = request.query_params
    parts = parse_parts(query.getlist("part"), PLAYLIST_ITEM_PARTS)
    playlist_id = query.get("playlistId", "")
    if not playlist_id:
        raise GoogleApiError(
            400,
            "missingRequiredParameter",
            "No filter selected. Expected one of: playlistId (the sandbox supports "
            "playlistId only).",
            "youtube.parameter",
        )
    channel = _owner_of(service, playlist_id)
    size = _max_results(query.get("maxResults"))
    start = position_of(query["pageToken"]) if query.get("pageToken") else 0
    owner = caller.id == channel.id
    # Newest first; a deleted video is no longer on the channel.
    listed = [s for s in reversed(channel_sessions(service, channel.id)) if s.deleted_at is None]
    if not owner:  # only what videos.list shows another channel: public and processed
        listed = [s for s in listed if await _public(service, s, channel)]
    items = []
    for offset, session in enumerate(listed[start : start + size]):
        await service.digests.settle(session)
        video = video_view(service, session, channel, ["snippet", "status"], owner)
        items.append(_item(service, session, channel, playlist_id, start + offset, parts, video))
    body: dict[str, Any] = {"kind": "youtube#playlistItemListResponse", "etag": ""}
    if start + size < len(listed) and size > 0:
        body["nextPageToken"] = page_token(start + size)
    if start > 0:
        body["prevPageToken"] = page_token(max(0, start - size))
    body["items"] = items
    body["pageInfo"] = {"totalResults": len(listed), "resultsPerPage": size}
    body["etag"] = etag_of(body)
    service.save(durable=False)
    return JSONResponse(body)
