"""What a post was sent with, and what changed since: the field-level diff of ``drift`` (pure).

A record keeps :class:`~gitops_publisher.core.state.Sent` from the moment of init; a plan's
drift change lists each field whose manifest value differs from it, like ``terraform plan``.
Field names are the manifest's (``interactions.duet``, not TikTok's ``disable_duet``), so a
reviewer knows what to edit. Records written before ``sent`` existed have no snapshot: the
diff is then None and the renderers say so, rather than guessing from the fingerprint.
"""

from __future__ import annotations

from typing import Any

from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.plan import FieldChange
from gitops_publisher.core.state import Sent, SentDisclosure, SentInteractions


def snapshot(post: DesiredPost) -> Sent:
    """What an attempt to publish ``post`` sends (read back from its TikTok ``post_info``)."""
    info = post.post_info
    if post.youtube is not None:
        return Sent(
            mode=post.mode,
            video_id=post.video.content_id,
            video_size=post.video.size,
            youtube=post.youtube.request(),
        )
    if not info:  # a draft (inbox) sends the video alone
        return Sent(mode=post.mode, video_id=post.video.content_id, video_size=post.video.size)
    return Sent(
        mode=post.mode,
        video_id=post.video.content_id,
        video_size=post.video.size,
        caption=info.get("title", ""),
        privacy=info.get("privacy_level"),
        # Absent keys take TikTok's defaults (api_models.PostInfo): false.
        interactions=SentInteractions(
            comments=not info.get("disable_comment", False),
            duet=not info.get("disable_duet", False),
            stitch=not info.get("disable_stitch", False),
        ),
        disclosure=SentDisclosure(
            brand_content=info.get("brand_content_toggle", False),
            brand_organic=info.get("brand_organic_toggle", False),
            ai_generated=info.get("is_aigc", False),
        ),
        cover_timestamp_ms=info.get("video_cover_timestamp_ms"),
    )


def attempt_sent(recorded: Sent | None, post: DesiredPost) -> Sent:
    """What an attempt recorded with ``recorded`` sent, ``post`` still having its fingerprint.

    ``recorded``, unless the record is older than what records keep: without ``sent``
    (written before December 2026), or a YouTube one without what videos.insert received
    (``sent.youtube``, before 2026-12-04). Then what ``post`` sends now (:func:`snapshot`),
    which its unchanged fingerprint says is what was sent.
    """
    now = snapshot(post)
    if recorded is None or (recorded.youtube is None and now.youtube is not None):
        return now
    return recorded


#: The fields whose values a diff shows in quotes: free text and the video's path.
QUOTED_FIELDS = frozenset({"caption", "video", "youtube.title", "youtube.description"})

#: YouTube's sent fields under the manifest's names (``youtube.title``), in reading order.
_YOUTUBE_FIELDS = (
    ("title", "snippet", "title"),
    ("description", "snippet", "description"),
    ("tags", "snippet", "tags"),
    ("category", "snippet", "categoryId"),
    ("default_language", "snippet", "defaultLanguage"),
    ("privacy", "status", "privacyStatus"),
    ("publish_at", "status", "publishAt"),
    ("made_for_kids", "status", "selfDeclaredMadeForKids"),
    ("contains_synthetic_media", "status", "containsSyntheticMedia"),
)


def _flat_youtube(sent: Sent, request: dict[str, Any]) -> dict[str, Any]:
    """``{"youtube.title": ...}``: what YouTube received, under the manifest's names."""
    out: dict[str, Any] = {
        "video": sent.video_id,
        "video_size": sent.video_size,
    }
    resource = request.get("resource", {})
    for name, part, key in _YOUTUBE_FIELDS:
        value = resource.get(part, {}).get(key)
        out[f"youtube.{name}"] = ", ".join(value) if isinstance(value, list) else value
    out["youtube.notify_subscribers"] = request.get("notifySubscribers")
    return out


def _flat(sent: Sent) -> dict[str, Any]:
    """``{"caption": ..., "interactions.duet": ...}`` in the order a reviewer reads them."""
    if sent.youtube is not None:
        return _flat_youtube(sent, sent.youtube)
    out: dict[str, Any] = {
        "mode": sent.mode,
        "video": sent.video_id,
        "video_size": sent.video_size,
        "caption": sent.caption,
        "privacy": sent.privacy,
    }
    for name in ("comments", "duet", "stitch"):
        out[f"interactions.{name}"] = (
            getattr(sent.interactions, name) if sent.interactions else None
        )
    for name in ("brand_content", "brand_organic", "ai_generated"):
        out[f"disclosure.{name}"] = getattr(sent.disclosure, name) if sent.disclosure else None
    out["cover_timestamp_ms"] = sent.cover_timestamp_ms
    return out


def diff(sent: Sent | None, post: DesiredPost) -> list[FieldChange] | None:
    """The fields of ``post`` that differ from what was ``sent``; None without a snapshot."""
    if sent is None:
        return None
    before, after = _flat(sent), _flat(snapshot(post))
    names = [*before, *(name for name in after if name not in before)]
    return [
        FieldChange(field=name, before=before.get(name), after=after.get(name))
        for name in names
        if before.get(name) != after.get(name)
    ]
