"""What YouTube answers, as values (reference §2.6, §2.7, §4). Pure: no I/O.

A resumable session is in one of three states, which is all the resume path needs:
:class:`Incomplete` (308: go on from ``offset``), :class:`Completed` (200/201: the video exists,
its id is known; a lost final answer is recovered this way, never by a second upload) and
:class:`Gone` (404/410: the session expired; nothing was published through it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    """The session answered 404 (or 410): expired or dead; a new session is safe."""

    status: int


SessionStatus = Incomplete | Completed | Gone


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
