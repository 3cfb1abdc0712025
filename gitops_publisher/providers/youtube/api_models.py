"""What YouTube answers, as values (reference §2.6, §2.7, §4). Pure: no I/O.

A resumable session is in one of three states, which is all the resume path needs:
:class:`Incomplete` (308: go on from ``offset``), :class:`Completed` (200/201: the video exists,
its id is known; a lost final answer is recovered this way, never by a second upload) and
:class:`Gone` (404/410: the session expired; it no longer says whether it made a video, which
the channel's uploads, :class:`Upload`, then tell).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gitops_publisher.providers.youtube.envelope import YouTubeApiError
from gitops_publisher.providers.youtube.urls import shorts_url

# status.uploadStatus values after which nothing changes any more (reference §4).
UPLOAD_TERMINAL = frozenset({"processed", "failed", "rejected", "deleted"})
# processingDetails.processingStatus values that end processing without success.
PROCESSING_FAILED = frozenset({"failed", "terminated"})


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Channel:
    """The channel behind a token (channels.list ``mine=true``).

    Attributes:
        id: the channel id (``UC...``), the stable identity.
        handle: ``snippet.customUrl`` (``@acme``) or "" when the channel has none.
        title: the channel's name.
    """

    id: str
    handle: str = ""
    title: str = ""

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Channel:
        """Build from one ``items[]`` entry of channels.list.

        Raises:
            YouTubeApiError: ``malformed_response`` when the entry has no id.
        """
        snippet = _object(item.get("snippet"))
        channel_id = item.get("id")
        if not isinstance(channel_id, str) or not channel_id:
            raise YouTubeApiError("malformed_response", "channels.list item without id", 200)
        return cls(
            id=channel_id,
            handle=str(snippet.get("customUrl") or ""),
            title=str(snippet.get("title") or ""),
        )


@dataclass(frozen=True)
class Incomplete:
    """The session holds the first ``offset`` bytes (308, with or without ``Range``)."""

    offset: int


@dataclass(frozen=True)
class Completed:
    """The upload completed: the video's id and the resource the final answer carried."""

    video_id: str
    resource: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def url(self) -> str:
        """The Shorts URL of the video."""
        return shorts_url(self.video_id)

    @classmethod
    def from_resource(cls, status: int, resource: dict[str, Any]) -> Completed:
        """Build from the final answer's video resource.

        Raises:
            YouTubeApiError: ``malformed_response`` when it has no ``id``.
        """
        video_id = resource.get("id")
        if not isinstance(video_id, str) or not video_id:
            raise YouTubeApiError(
                "malformed_response", "the final upload answer has no video id", status
            )
        return cls(video_id=video_id, resource=resource)


@dataclass(frozen=True)
class Gone:
    """The session answered 404 (or 410): expired or dead.

    A new session is safe only if this one never completed: a completed session expires too
    (reference §6), so the channel's uploads are asked first (:class:`Upload`).
    """

    status: int


SessionStatus = Incomplete | Completed | Gone


@dataclass(frozen=True)
class Upload:
    """One video of a channel's uploads playlist (playlistItems.list, reference §6).

    Attributes:
        video_id: ``snippet.resourceId.videoId`` (or ``contentDetails.videoId``).
        title: the video's title, as the insert set it.
        description: its description.
        published_at: ``snippet.publishedAt``, when it joined the uploads playlist: its
            upload (aware, UTC).
        channel_id: ``snippet.channelId``, the channel it belongs to ("" when not said).
    """

    video_id: str
    title: str
    description: str
    published_at: datetime
    channel_id: str = ""

    @classmethod
    def from_item(cls, item: Any) -> Upload:
        """Build from one ``items[]`` entry of playlistItems.list or of videos.list.

        playlistItems.list: ``part=snippet,contentDetails``; videos.list: ``part=snippet``
        (``kind: youtube#video``, its ``id`` the video's).

        Raises:
            YouTubeApiError: ``malformed_response`` for an entry without a video id, a
                title or a publishing time: an upload that cannot be told apart must not be
                skipped (it may be the one looked for).
        """
        entry = _object(item)
        snippet = _object(entry.get("snippet"))
        details = _object(entry.get("contentDetails"))
        video_id = (
            entry.get("id")
            if entry.get("kind") == "youtube#video"
            else _object(snippet.get("resourceId")).get("videoId") or details.get("videoId")
        )
        title = snippet.get("title")
        description = snippet.get("description", "")
        published = _rfc3339(snippet.get("publishedAt") or details.get("videoPublishedAt"))
        if (
            not isinstance(video_id, str)
            or not video_id
            or not isinstance(title, str)
            or not isinstance(description, str)
            or published is None
        ):
            raise YouTubeApiError(
                "malformed_response",
                "a playlistItems.list or videos.list item without a video id, title or publishedAt",
                200,
            )
        channel = snippet.get("channelId")
        return cls(
            video_id, title, description, published, channel if isinstance(channel, str) else ""
        )


@dataclass(frozen=True)
class UploadsPage:
    """One page of a channel's uploads, newest first, and the token of the next (or None)."""

    uploads: tuple[Upload, ...]
    next_page: str | None = None

    @classmethod
    def from_list(cls, document: dict[str, Any]) -> UploadsPage:
        """Build from a playlistItems.list answer.

        Raises:
            YouTubeApiError: ``malformed_response`` (see :meth:`Upload.from_item`).
        """
        items = document.get("items")
        token = document.get("nextPageToken")
        return cls(
            tuple(Upload.from_item(i) for i in (items if isinstance(items, list) else [])),
            token if isinstance(token, str) and token else None,
        )


def _rfc3339(value: Any) -> datetime | None:
    """``2026-12-03T10:00:00Z`` (fractions and offsets too) as an aware time, or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


@dataclass(frozen=True)
class VideoStatus:
    """A video's state from videos.list ``part=status,processingDetails``.

    Attributes:
        video_id: the id asked about.
        found: False when videos.list answered ``items: []`` (unknown, deleted, not visible).
        upload_status: ``uploaded``, ``processed``, ``failed``, ``rejected``, ``deleted``.
        failure_reason: ``status.failureReason`` when failed (``codec``...).
        rejection_reason: ``status.rejectionReason`` when rejected (``duplicate``...).
        privacy_status: ``public``, ``unlisted``, ``private``.
        processing_status: ``processing``, ``succeeded``, ``failed``, ``terminated`` or "".
        processing_failure_reason: ``processingFailureReason`` when processing failed.
    """

    video_id: str
    found: bool = True
    upload_status: str = ""
    failure_reason: str = ""
    rejection_reason: str = ""
    privacy_status: str = ""
    processing_status: str = ""
    processing_failure_reason: str = ""

    @classmethod
    def from_list(cls, video_id: str, document: dict[str, Any]) -> VideoStatus:
        """Build from a videos.list answer (the item whose id is ``video_id``)."""
        items = document.get("items")
        item = next(
            (
                i
                for i in (items if isinstance(items, list) else [])
                if isinstance(i, dict) and i.get("id") == video_id
            ),
            None,
        )
        if item is None:
            return cls(video_id=video_id, found=False)
        status = _object(item.get("status"))
        details = _object(item.get("processingDetails"))
        return cls(
            video_id=video_id,
            upload_status=str(status.get("uploadStatus") or ""),
            failure_reason=str(status.get("failureReason") or ""),
            rejection_reason=str(status.get("rejectionReason") or ""),
            privacy_status=str(status.get("privacyStatus") or ""),
            processing_status=str(details.get("processingStatus") or ""),
            processing_failure_reason=str(details.get("processingFailureReason") or ""),
        )

    @property
    def processed(self) -> bool:
        """Whether YouTube finished processing the video successfully."""
        return self.upload_status == "processed"

    @property
    def failed(self) -> bool:
        """Whether the video will never play: failed, rejected, deleted, or gone from the list."""
        return (
            not self.found
            or self.upload_status in UPLOAD_TERMINAL - {"processed"}
            or (not self.processed and self.processing_status in PROCESSING_FAILED)
        )

    @property
    def terminal(self) -> bool:
        """Whether polling can stop."""
        return self.processed or self.failed

    @property
    def reason(self) -> str:
        """Why it failed, as YouTube words it (``rejected: duplicate``), or ""."""
        if not self.found:
            return "not found: videos.list does not list it (deleted or not visible)"
        if self.upload_status == "failed":
            return f"failed: {self.failure_reason or 'no reason given'}"
        if self.upload_status in ("rejected", "deleted"):
            return f"{self.upload_status}: {self.rejection_reason or 'no reason given'}"
        if self.processing_status in PROCESSING_FAILED and not self.processed:
            detail = self.processing_failure_reason or "no reason given"
            return f"processing {self.processing_status}: {detail}"
        return ""

    @property
    def url(self) -> str:
        """The Shorts URL of the video."""
        return shorts_url(self.video_id)
