"""What status/fetch reports for a post at a given time (reference §3.5), as pure functions.

Progression for FILE_UPLOAD: ``PROCESSING_UPLOAD`` while chunks arrive and while the video is
"processed" (``processing_base_sec`` + ``processing_sec_per_gib`` per GiB after the last
chunk), then ``FAILED``/``file_format_check_failed`` if the bytes are not a video, else
``PUBLISH_COMPLETE`` (direct) or ``SEND_TO_USER_INBOX`` (inbox). A public direct post gets its
``publicaly_available_post_id`` after a further ``moderation_sec``.
"""

from __future__ import annotations

from typing import Any

from gitops_publisher.sandbox.models import PostRecord
from gitops_publisher.sandbox.options import SandboxOptions

GIB = 1024**3
HEAD_BYTES = 16
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


def looks_like_video(head: bytes) -> bool:
    """True for an MP4/MOV (``ftyp`` box first) or WebM/Matroska (EBML magic) header.

    UNCERTAIN: old QuickTime files may start with another atom (``moov``, ``wide``); the
    documented containers are MP4, WebM and MOV and we accept only these two signatures.
    """
    return head[4:8] == b"ftyp" or head[:4] == _EBML_MAGIC


def processing_done_at(post: PostRecord, options: SandboxOptions) -> float | None:
    """When processing of a fully uploaded post ends (None while the upload is incomplete)."""
    if post.upload_completed_at is None:
        return None
    return (
        post.upload_completed_at
        + options.processing_base_sec
        + options.processing_sec_per_gib * post.video_size / GIB
    )


def status_at(post: PostRecord, now: float, options: SandboxOptions) -> dict[str, Any]:
    """Return the ``data`` of status/fetch for ``post`` at time ``now``."""
    if post.source == "PULL_FROM_URL":
        return _pull_status(post, now, options)
    data: dict[str, Any] = {
        "publicaly_available_post_id": [],
        "uploaded_bytes": post.received_bytes,
    }
    done = processing_done_at(post, options)
    if post.cancelled_at is not None:
        return {"status": "FAILED", "fail_reason": "publish_cancelled", **data}
    if done is None:
        if post.upload_expires_at is not None and now >= post.upload_expires_at:
            # UNCERTAIN: no fail_reason is documented for an upload left unfinished past the
            # upload_url's hour; "internal" (retryable) is the closest documented value.
            return {"status": "FAILED", "fail_reason": "internal", **data}
        return {"status": "PROCESSING_UPLOAD", **data}
    if now < done:
        return {"status": "PROCESSING_UPLOAD", **data}
    if not post.is_video:
        return {"status": "FAILED", "fail_reason": "file_format_check_failed", **data}
    if post.duration_sec is not None and post.duration_sec > post.max_duration_sec:
        # Reference §6: each creator's max_video_post_duration_sec applies.
        return {"status": "FAILED", "fail_reason": "duration_check_failed", **data}
    if post.mode == "inbox" and post.draft_posted_at is None:
        return {"status": "SEND_TO_USER_INBOX", **data}
    published_at = post.draft_posted_at if post.mode == "inbox" else done
    assert published_at is not None
    if (
        post.effective_privacy == "PUBLIC_TO_EVERYONE"
        and now >= published_at + options.moderation_sec
    ):
        data["publicaly_available_post_id"] = [post.post_id]
    return {"status": "PUBLISH_COMPLETE", **data}


def _pull_status(post: PostRecord, now: float, options: SandboxOptions) -> dict[str, Any]:
    data: dict[str, Any] = {"publicaly_available_post_id": [], "downloaded_bytes": 0}
    if post.cancelled_at is not None:
        return {"status": "FAILED", "fail_reason": "publish_cancelled", **data}
    if now < post.created_at + options.pull_download_sec:
        return {"status": "PROCESSING_DOWNLOAD", **data}
    # The sandbox never reaches the network, so every pull ends as a failed download.
    return {"status": "FAILED", "fail_reason": "video_pull_failed", **data}


def is_cancellable(post: PostRecord, now: float, options: SandboxOptions) -> bool:
    """Cancel is best effort for downloads still running (reference §3.6).

    UNCERTAIN: for FILE_UPLOAD the reference only says processing posts cannot be cancelled;
    we allow cancelling an upload whose chunks have not all arrived.
    """
    status = status_at(post, now, options)["status"]
    if post.source == "PULL_FROM_URL":
        return bool(status == "PROCESSING_DOWNLOAD")
    return status == "PROCESSING_UPLOAD" and post.upload_completed_at is None


def is_pending(post: PostRecord, now: float, options: SandboxOptions) -> bool:
    """True while a post is neither failed nor complete (counts against the caps)."""
    return status_at(post, now, options)["status"] not in ("FAILED", "PUBLISH_COMPLETE")


def counts_against_daily_cap(post: PostRecord, now: float, options: SandboxOptions) -> bool:
    """A direct post counts toward the 24 h cap unless it failed.

    UNCERTAIN: the reference says "posts per creator per 24 h"; we count direct inits made in
    the last 24 h that have not failed.
    """
    return post.mode == "direct" and status_at(post, now, options)["status"] != "FAILED"
