"""What videos.list reports for an uploaded video at a given time (reference §4), pure functions.

After the last byte: ``uploadStatus`` ``uploaded`` and ``processingStatus`` ``processing`` for
``processing_base_sec`` + ``processing_sec_per_gib`` per GiB, then ``processed`` /
``succeeded``; or, when scripted (``outcome``) or detected, ``failed`` (bytes that are not a
video: ``invalidFile``) or ``rejected`` (``duplicate`` with ``reject_duplicates``). A private
video with a ``publishAt`` in the past reads ``public`` once processed (reference §3).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from gitops_publisher.sandbox.youtube.metadata import parse_time
from gitops_publisher.sandbox.youtube.models import Channel, UploadSession
from gitops_publisher.sandbox.youtube.options import YouTubeOptions

GIB = 1024**3
PARTS_TOTAL = 1000


def rfc3339(moment: float) -> str:
    """Epoch seconds as Google writes times: ``2026-12-03T10:00:00Z``."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def processing_done_at(session: UploadSession, options: YouTubeOptions) -> float | None:
    """When processing of a completed upload ends (None before completion)."""
    if session.upload_completed_at is None:
        return None
    return (
        session.upload_completed_at
        + options.processing_base_sec
        + options.processing_sec_per_gib * (session.total or 0) / GIB
    )


def outcome_of(
    session: UploadSession, earlier: list[UploadSession], options: YouTubeOptions
) -> dict[str, str]:
    """The end state of processing: scripted, detected (not a video, duplicate) or processed.

    ``earlier``: the channel's completed uploads in completion order (for
    ``reject_duplicates``: the same bytes as one completed before are a duplicate).
    """
    if session.outcome is not None:
        return session.outcome
    if session.is_video is False:
        return {"uploadStatus": "failed", "reason": "invalidFile"}
    if options.reject_duplicates and session.sha256 is not None:
        for other in earlier:
            if other.upload_id == session.upload_id:
                break
            if other.sha256 == session.sha256 and (other.outcome or {}).get("uploadStatus") not in (
                "failed",
                "rejected",
            ):
                return {"uploadStatus": "rejected", "reason": "duplicate"}
    return {"uploadStatus": "processed"}


def state_at(
    session: UploadSession, now: float, options: YouTubeOptions, earlier: list[UploadSession]
) -> dict[str, Any]:
    """``status`` and ``processingDetails`` facts of a completed upload at ``now``."""
    done = processing_done_at(session, options)
    assert done is not None, "only completed uploads are videos"
    outcome = outcome_of(session, earlier, options)
    if now < done or outcome["uploadStatus"] == "stuck":
        start = session.upload_completed_at or now
        span = max(done - start, 1e-9)
        fraction = min(1.0, max(0.0, (now - start) / span))
        if outcome["uploadStatus"] == "stuck":
            fraction = min(fraction, 0.5)
        return {
            "uploadStatus": "uploaded",
            "processingStatus": "processing",
            "processingProgress": {
                "partsTotal": str(PARTS_TOTAL),
                "partsProcessed": str(int(fraction * PARTS_TOTAL)),
                "timeLeftMs": str(max(0, int((done - now) * 1000))),
            },
        }
    state: dict[str, Any] = {"uploadStatus": outcome["uploadStatus"]}
    if outcome["uploadStatus"] == "failed":
        state["failureReason"] = outcome.get("reason", "conversion")
        state["processingStatus"] = "failed"
        state["processingFailureReason"] = "transcodeFailed"
    elif outcome["uploadStatus"] == "rejected":
        state["rejectionReason"] = outcome.get("reason", "termsOfUse")
        state["processingStatus"] = "succeeded"
    else:
        state["processingStatus"] = "succeeded"
    return state


def effective_privacy(
    session: UploadSession, state: dict[str, Any], now: float, options: YouTubeOptions
) -> tuple[str, str | None]:
    """(privacyStatus, publishAt still pending) as videos.list shows them."""
    status = session.resource.get("status", {})
    privacy = str(status.get("privacyStatus", "public"))
    publish_at = status.get("publishAt")
    if options.legacy_unverified_lock:
        return "private", None
    if publish_at is not None and state["uploadStatus"] == "processed":
        moment = parse_time(publish_at)
        if moment is not None and now >= moment.timestamp():
            return "public", None  # scheduled publishing happened (UNCERTAIN: publishAt cleared)
    return privacy, publish_at


def _duration(seconds: float | None) -> str:
    total = int(round(seconds or 0))
    minutes, secs = divmod(total, 60)
    return f"PT{minutes}M{secs}S" if minutes else f"PT{secs}S"


def video_resource(
    session: UploadSession,
    channel: Channel,
    parts: list[str],
    now: float,
    options: YouTubeOptions,
    earlier: list[UploadSession],
    owner: bool = True,
) -> dict[str, Any]:
    """The ``youtube#video`` resource of a completed upload, with the requested ``parts``.

    ``processingDetails``, ``fileDetails`` and ``status.selfDeclaredMadeForKids`` are shown to
    the owner only (reference §3, §4).
    """
    assert session.video_id is not None
    state = state_at(session, now, options, earlier)
    privacy, publish_at = effective_privacy(session, state, now, options)
    sent_snippet = session.resource.get("snippet", {})
    sent_status = session.resource.get("status", {})
    item: dict[str, Any] = {"kind": "youtube#video", "etag": "", "id": session.video_id}
    if "snippet" in parts:
        snippet: dict[str, Any] = {
            "publishedAt": rfc3339(session.upload_completed_at or now),
            "channelId": channel.id,
            "title": sent_snippet.get("title", ""),
            "description": sent_snippet.get("description", ""),
            "thumbnails": {
                "default": {
                    "url": f"https://i.ytimg.com/vi/{session.video_id}/default.jpg",
                    "width": 120,
                    "height": 90,
                }
            },
            "channelTitle": channel.title,
            "categoryId": sent_snippet.get("categoryId", "22"),
            "liveBroadcastContent": "none",
            "localized": {
                "title": sent_snippet.get("title", ""),
                "description": sent_snippet.get("description", ""),
            },
        }
        for key in ("tags", "defaultLanguage", "defaultAudioLanguage"):
            if key in sent_snippet:
                snippet[key] = sent_snippet[key]
        item["snippet"] = snippet
    if "status" in parts:
        status: dict[str, Any] = {
            "uploadStatus": state["uploadStatus"],
            "privacyStatus": privacy,
            "license": sent_status.get("license", "youtube"),
            "embeddable": sent_status.get("embeddable", True),
            "publicStatsViewable": sent_status.get("publicStatsViewable", True),
            "madeForKids": bool(sent_status.get("selfDeclaredMadeForKids", False)),
        }
        for key in ("failureReason", "rejectionReason"):
            if key in state:
                status[key] = state[key]
        if publish_at is not None:
            status["publishAt"] = publish_at
        if owner and "selfDeclaredMadeForKids" in sent_status:
            status["selfDeclaredMadeForKids"] = sent_status["selfDeclaredMadeForKids"]
        if "containsSyntheticMedia" in sent_status:
            status["containsSyntheticMedia"] = sent_status["containsSyntheticMedia"]
        item["status"] = status
    if "processingDetails" in parts and owner:
        details: dict[str, Any] = {"processingStatus": state["processingStatus"]}
        if "processingProgress" in state:
            details["processingProgress"] = state["processingProgress"]
        if "processingFailureReason" in state:
            details["processingFailureReason"] = state["processingFailureReason"]
        available = "available" if state["processingStatus"] == "succeeded" else "notAvailable"
        for key in (
            "fileDetailsAvailability",
            "processingIssuesAvailability",
            "thumbnailsAvailability",
        ):
            details[key] = available
        item["processingDetails"] = details
    if "contentDetails" in parts:
        item["contentDetails"] = {
            "duration": _duration(session.duration_sec),
            "dimension": "2d",
            "definition": "hd",
            "caption": "false",
            "licensedContent": False,
            "projection": "rectangular",
        }
    if "fileDetails" in parts and owner:
        item["fileDetails"] = {"fileSize": str(session.total or 0), "fileType": "video"}
    if "recordingDetails" in parts and "recordingDetails" in session.resource:
        item["recordingDetails"] = session.resource["recordingDetails"]
    if "localizations" in parts and "localizations" in session.resource:
        item["localizations"] = session.resource["localizations"]
    item["etag"] = etag_of(item)
    return item


def etag_of(value: Any) -> str:
    """A stable etag for a resource or response (27 url-safe characters like Google's)."""
    digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
    return digest[:27]
