"""A scripted fake of YouTube's resumable upload and list endpoints for httpx.MockTransport.

It follows the reference's protocol (§2): 200 + ``Location`` on init, 308 with ``Range:
bytes=0-N`` (none when nothing is held), contiguous bytes only, 201 + the video resource on the
last byte, the same final answer replayed to every later PUT, 404 once a session expired.
Faults are scripted by the 1-based number of the PUT they hit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

SESSION = "https://youtube.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id="
RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
TOKEN = "ya29.FAKEACCESSTOKEN"


def envelope(status: int, reason: str, message: str = "m", domain: str = "global") -> bytes:
    item = {"message": message, "domain": domain, "reason": reason}
    return json.dumps({"error": {"code": status, "message": message, "errors": [item]}}).encode()


@dataclass
class Session:
    total: int
    resource: dict[str, Any]
    received: bytearray = field(default_factory=bytearray)
    final: dict[str, Any] | None = None
    expired: bool = False


class FakeYouTube:
    """Init, chunk PUTs, status queries, channels.list and videos.list.

    ``put_faults`` maps a PUT number to: ``"503"``, ``"429"``, ``"401"``, ``"403rate"``,
    ``"403quota"``, ``"drop_before"`` (nothing kept, connection error), ``"drop_after:N"``
    (N bytes of the chunk kept, then the connection drops), ``"keep:N"`` (N bytes kept, 308),
    ``"lose_final"`` (the upload completes, the answer is lost), ``"308_no_range"``.
    ``init_faults`` maps a POST number to ``"503"``, ``"quota"``, ``"timeout"``,
    ``"no_location"``. ``uploads`` is the channel's uploads playlist (playlistItems.list,
    paged by ``maxResults``, the page token an offset).
    """

    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}
        self.requests: list[httpx.Request] = []
        self.put_faults: dict[int, str] = {}
        self.init_faults: dict[int, str] = {}
        self.puts = 0
        self.posts = 0
        self.videos: dict[str, dict[str, Any]] = {}
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.channel_items: list[dict[str, Any]] = [
            {
                "id": "UCabc",
                "snippet": {"title": "Acme", "customUrl": "@acme"},
                "contentDetails": {"relatedPlaylists": {"uploads": "UUabc"}},
            }
        ]
        self.list_status = 200
        # The channel's uploads playlist, newest first (playlistItems.list items); a completed
        # session adds its video at the front, published at ``now``.
        self.uploads: list[dict[str, Any]] = []
        self.now = "2026-12-04T12:00:00Z"
        self.pages: list[str] = []  # the pageToken of each playlistItems.list ("" first)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if request.method == "POST" and path == "/upload/youtube/v3/videos":
            return await self._init(request)
        if request.method == "PUT" and path == "/upload/youtube/v3/videos":
            return await self._put(request)
        if path == "/youtube/v3/channels":
            return httpx.Response(200, json={"items": self.channel_items})
        if path == "/youtube/v3/playlistItems":
            return self._playlist_items(request)
        if path == "/youtube/v3/videos":
            if self.list_status != 200:
                return httpx.Response(
                    self.list_status, content=envelope(self.list_status, "insufficientPermissions")
                )
            if "snippet" in request.url.params.get("part", ""):
                return self._snippets(request.url.params["id"].split(","))
            video_id = request.url.params["id"]
            script = self.statuses.get(video_id)
            if not script:
                return httpx.Response(200, json={"items": []})
            item = script.pop(0) if len(script) > 1 else script[0]
            return httpx.Response(200, json={"items": [{"id": video_id, **item}]})
        return httpx.Response(404)

    async def _init(self, request: httpx.Request) -> httpx.Response:
        self.posts += 1
        fault = self.init_faults.get(self.posts)
        if fault == "503":
            return httpx.Response(503, content=envelope(503, "backendError"))
        if fault == "quota":
            return httpx.Response(
                403, content=envelope(403, "quotaExceeded", "over <a href='x'>quota</a>")
            )
        if fault == "timeout":
            raise httpx.ReadTimeout("lost", request=request)
        body = json.loads(await request.aread())
        upload_id = f"UPLOADID{self.posts:04d}"
        self.sessions[upload_id] = Session(
            total=int(request.headers["x-upload-content-length"]), resource=body
        )
        if fault == "no_location":
            return httpx.Response(200)
        return httpx.Response(200, headers={"Location": SESSION + upload_id})

    def upload_item(
        self, video_id: str, title: str, description: str, published_at: str
    ) -> dict[str, Any]:
        """A playlistItems.list item (``part=snippet,contentDetails``) as YouTube sends it."""
        return {
            "kind": "youtube#playlistItem",
            "id": f"item-{video_id}",
            "snippet": {
                "publishedAt": published_at,
                "title": title,
                "description": description,
                "playlistId": "UUabc",
                "resourceId": {"kind": "youtube#video", "videoId": video_id},
            },
            "contentDetails": {"videoId": video_id, "videoPublishedAt": published_at},
        }

    def _snippets(self, video_ids: list[str]) -> httpx.Response:
        """videos.list ``part=snippet``: the owner's view of the uploaded videos asked for."""
        assert len(video_ids) <= 50
        items = []
        for video_id in video_ids:
            video = self.videos.get(video_id)
            if video is not None:
                snippet = video["resource"].get("snippet", {})
                items.append(
                    {
                        "kind": "youtube#video",
                        "id": video_id,
                        "snippet": {
                            "publishedAt": video["published"],
                            "title": snippet.get("title", ""),
                            "description": snippet.get("description", ""),
                        },
                    }
                )
        return httpx.Response(200, json={"items": items})

    def _playlist_items(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if params.get("playlistId") != "UUabc":
            return httpx.Response(404, content=envelope(404, "playlistNotFound"))
        token = params.get("pageToken", "")
        self.pages.append(token)
        start = int(token or 0)
        size = int(params.get("maxResults", "5"))
        body: dict[str, Any] = {"items": self.uploads[start : start + size]}
        if start + size < len(self.uploads):
            body["nextPageToken"] = str(start + size)
        return httpx.Response(200, json=body)

    def session(self, number: int = 1) -> Session:
        return self.sessions[f"UPLOADID{number:04d}"]

    def _held(self, session: Session) -> dict[str, str]:
        n = len(session.received)
        return {"Range": f"bytes=0-{n - 1}"} if n else {}

    async def _put(self, request: httpx.Request) -> httpx.Response:
        self.puts += 1
        fault = self.put_faults.get(self.puts, "")
        upload_id = parse_qs(urlsplit(str(request.url)).query)["upload_id"][0]
        session = self.sessions.get(upload_id)
        if session is None or session.expired:
            return httpx.Response(404, content=envelope(404, "notFound"))
        if fault == "drop_before":
            raise httpx.ConnectError("refused", request=request)
        body = await request.aread()
        assert int(request.headers["content-length"]) == len(body)
        content_range = request.headers["content-range"]
        if content_range == f"bytes */{session.total}":  # a status query
            assert body == b""
            if fault == "401":
                return httpx.Response(401, content=envelope(401, "authError"))
            if session.final is not None:
                return httpx.Response(201, json=session.final)
            return httpx.Response(308, headers=self._held(session))
        if session.final is not None:
            return httpx.Response(201, json=session.final)
        match = RANGE.fullmatch(content_range)
        assert match, content_range
        first, last, total = map(int, match.groups())
        assert total == session.total and last - first + 1 == len(body)
        if fault in ("503", "429", "401", "403rate", "403quota"):
            reasons = {"503": "backendError", "429": "rateLimitExceeded", "401": "authError"}
            reasons |= {"403rate": "userRateLimitExceeded", "403quota": "quotaExceeded"}
            status = int(fault[:3])
            headers = {"Retry-After": "7"} if fault == "429" else {}
            return httpx.Response(status, content=envelope(status, reasons[fault]), headers=headers)
        if first != len(session.received):  # not contiguous: nothing is taken (§2.5)
            return httpx.Response(308, headers=self._held(session))
        if fault.startswith(("drop_after:", "keep:")):
            kept = int(fault.split(":")[1])
            session.received.extend(body[:kept])
            if fault.startswith("drop_after:"):
                raise httpx.ReadError("connection reset", request=request)
            return httpx.Response(308, headers=self._held(session))
        session.received.extend(body)
        if len(session.received) < session.total:
            if fault == "308_no_range":
                return httpx.Response(308)
            return httpx.Response(308, headers=self._held(session))
        video_id = f"vid{len(self.videos) + 1:08d}"
        resource = {"kind": "youtube#video", "id": video_id, **session.resource}
        resource["status"] = {**resource.get("status", {}), "uploadStatus": "uploaded"}
        self.videos[video_id] = {
            "bytes": bytes(session.received),
            "resource": resource,
            "published": self.now,
        }
        session.final = resource
        snippet = session.resource.get("snippet", {})
        self.uploads.insert(
            0,
            self.upload_item(
                video_id, snippet.get("title", ""), snippet.get("description", ""), self.now
            ),
        )
        if fault == "lose_final":
            raise httpx.ReadTimeout("answer lost", request=request)
        return httpx.Response(201, json=resource)
