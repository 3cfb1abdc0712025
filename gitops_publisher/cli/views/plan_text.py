r"""The plan as a reviewer reads it in a terminal: Terraform-like symbols, colour on a TTY.

Values from the project (captions, paths, reasons, messages) are shown through
``escape.terminal``: an escape sequence in a caption is printed as ``\x1b[2J``, never run.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from gitops_publisher.core import handles
from gitops_publisher.core.plan import (
    SYMBOLS,
    AccountQuota,
    Action,
    Change,
    MediaSummary,
    Plan,
    YouTubeQuota,
    YouTubeRequest,
)
from gitops_publisher.core.youtube import category_name
from gitops_publisher.core.youtube_limits import tags_length, title_length
from gitops_publisher.core.youtube_quota import PACIFIC
from gitops_publisher.escape import terminal

_COLOURS: dict[Action, str] = {
    Action.CREATE: "green",
    Action.REPLACE: "magenta",
    Action.RETRY: "yellow",
    Action.RESUME: "cyan",
    Action.WAIT: "blue",
    Action.DRIFT: "yellow",
    Action.ORPHAN: "red",
    Action.FAILED: "red",
    Action.SKIP: "bright_black",
    Action.UNREVIEWED: "red",
    Action.NOOP: "bright_black",
}

_SUMMARY_WORDS: dict[Action, str] = {
    Action.CREATE: "to publish",
    Action.REPLACE: "to replace",
    Action.RETRY: "to retry",
    Action.RESUME: "to resume",
    Action.WAIT: "scheduled",
    Action.NOOP: "unchanged",
    Action.DRIFT: "drifted",
    Action.ORPHAN: "orphaned",
    Action.FAILED: "failed",
    Action.SKIP: "skipped",
    Action.UNREVIEWED: "not reviewed",
}


def human_size(size: int | None) -> str:
    """``1.2 MB`` style sizes (decimal units)."""
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def media_text(media: MediaSummary) -> str:
    """``5.0 s · 540x960 · h264/aac · 30 fps · 158.2 KB · 1 chunk``: what the video is."""
    audio = media.audio_codec or "no audio"
    fps = f"{media.fps:g} fps" if media.fps is not None else "fps unknown"
    chunks = f"{media.chunk_count} chunk" + ("" if media.chunk_count == 1 else "s")
    if media.chunk_count > 1:
        chunks += f" of {human_size(media.chunk_size)}"
    return (
        f"{media.duration_ms / 1000:.1f} s · {media.width}x{media.height} · "
        f"{media.video_codec}/{audio} · {fps} · {human_size(media.size)} · {chunks}"
    )


def interactions_text(post_info: dict[str, object]) -> str:
    """``comments on · duet off · stitch off`` from TikTok's negated flags."""
    parts = []
    for name, key in (
        ("comments", "disable_comment"),
        ("duet", "disable_duet"),
        ("stitch", "disable_stitch"),
    ):
        parts.append(f"{name} {'off' if post_info.get(key) else 'on'}")
    return " · ".join(parts)


def disclosure_text(post_info: dict[str, object]) -> str:
    """Which disclosure toggles are on, or ``none``."""
    labels = [
        label
        for key, label in (
            ("brand_content_toggle", "paid partnership"),
            ("brand_organic_toggle", "own brand"),
            ("is_aigc", "AI-generated"),
        )
        if post_info.get(key)
    ]
    return ", ".join(labels) or "none"


def change_details(change: Change) -> list[tuple[str, str]]:
    """The label/value rows shown under an acting change."""
    rows: list[tuple[str, str]] = []
    if change.manifest:
        rows.append(("manifest", change.manifest))
    if change.video:
        short = (change.video_id or "")[:12]
        if change.media is not None:  # its size is in the media row
            rows.append(("video", f"{change.video} ({short})"))
            rows.append(("media", media_text(change.media)))
        else:
            rows.append(("video", f"{change.video} ({human_size(change.video_size)}, {short})"))
    if change.youtube is not None:
        rows.extend(youtube_rows(change.youtube))
    elif change.mode == "draft":
        rows.append(("mode", "draft: sent to the creator's TikTok inbox; they post it in the app"))
    elif change.mode == "direct":
        caption = change.caption or ""
        shown = caption.replace("\n", "⏎ ")
        rows.append(("caption", f'"{shown}" ({change.caption_utf16}/2200 UTF-16)'))
        rows.append(("privacy", f"{change.privacy} · {interactions_text(change.post_info)}"))
        cover = change.post_info.get("video_cover_timestamp_ms")
        if cover is not None:
            rows.append(("cover", f"frame at {int(str(cover)) / 1000:.1f} s"))
        rows.append(("disclosure", disclosure_text(change.post_info)))
    if change.publish_at_local:
        scheduled = change.youtube is not None and "publishAt" in change.youtube.resource["status"]
        rows.append(
            (
                "schedule",
                f"{change.publish_at_local}: uploaded now, YouTube makes it public then "
                "(private + publishAt)"
                if scheduled
                else change.publish_at_local,
            )
        )
    if change.publish_id:  # YouTube's handle is a session, shown as ``upload session …abcd``
        label = "session" if handles.is_session(change.publish_id) else "publish_id"
        rows.append((label, f"{handles.shown(change.publish_id)} ({change.status})"))
    return rows


def youtube_rows(request: YouTubeRequest) -> list[tuple[str, str]]:
    """The rows of what YouTube receives: snippet, status, and what came from the caption."""
    snippet, status = request.resource["snippet"], request.resource["status"]

    def origin(name: str) -> str:
        return ", from the caption" if name in request.derived else ""

    title = str(snippet["title"])
    rows = [("title", f'"{title}" ({title_length(title)}/100{origin("title")})')]
    description = str(snippet.get("description", ""))
    size = len(description.encode("utf-8"))
    shown = description.replace("\n", "⏎ ")
    rows.append(("descr.", f'"{shown}" ({size}/5000 bytes{origin("description")})'))
    tags = [str(tag) for tag in snippet.get("tags", [])]
    if tags:
        joined = ", ".join(tags)
        rows.append(("tags", f"{joined} ({tags_length(tags)}/500{origin('tags')})"))
    privacy = str(status["privacyStatus"])
    if "publishAt" in status:
        privacy = f"private until {status['publishAt']}, then public (YouTube's scheduling)"
    rows.append(("privacy", privacy))
    kids = status.get("selfDeclaredMadeForKids")
    synthetic = status.get("containsSyntheticMedia")
    details = [
        "made for kids: " + ("channel default" if kids is None else "yes" if kids else "no"),
        "altered/synthetic: "
        + ("not declared" if synthetic is None else "yes" if synthetic else "no"),
        "subscribers notified" if request.notify_subscribers else "subscribers not notified",
    ]
    if "categoryId" in snippet:
        details.insert(
            0, f"category {snippet['categoryId']} ({category_name(snippet['categoryId'])})"
        )
    if "defaultLanguage" in snippet:
        details.append(f"language {snippet['defaultLanguage']}")
    rows.append(("youtube", " · ".join(details)))
    return rows


NO_SNAPSHOT = (
    "what was sent is not recorded (the record predates December 2026): the fingerprint "
    "shows a change, but not which field"
)


def _value(name: str, value: str | int | bool | None) -> str:
    """One side of a diff row as a reviewer reads it."""
    if value is None:
        return "(not sent)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if name == "video_size" and isinstance(value, int):
        return f"{human_size(value)} ({value} bytes)"
    if name == "cover_timestamp_ms" and isinstance(value, int):
        return f"{value} ms"
    if isinstance(value, str) and name in (
        "caption",
        "video",
        "youtube.title",
        "youtube.description",
    ):
        return '"' + value.replace("\n", "⏎ ") + '"'
    return str(value)


def diff_rows(change: Change) -> list[tuple[str, str, str]] | None:
    """A drift's ``(field, sent, now)`` rows; None when the record kept no snapshot.

    The values are user text (a caption): each renderer escapes them for where it shows them.
    """
    if change.diff is None:
        return None
    return [(d.field, _value(d.field, d.before), _value(d.field, d.after)) for d in change.diff]


def _diff_lines(change: Change) -> list[str]:
    rows = diff_rows(change)
    if rows is None:
        return [f"      {NO_SNAPSHOT}"]
    if not rows:
        return ["      no field differs from what was sent (the fingerprint's format changed)"]
    width = max(len(name) for name, _, _ in rows)
    return [
        f"      ~ {name.ljust(width)}  {terminal(before)} -> {terminal(after)}"
        for name, before, after in rows
    ]


def render_text(plan: Plan, *, color: bool | None = None, detailed: bool = True) -> str:
    """Render the plan for a terminal; ``color=None`` lets click decide (TTY)."""
    style: Callable[..., str] = click.style if color is not False else _plain
    lines: list[str] = []
    width = max((len(c.address) for c in plan.changes), default=10)
    for change in plan.changes:
        if change.moved_from:
            lines.append(style(f"  → {moved_text(change)}", fg="cyan", bold=True))
        colour = _COLOURS[change.action]
        head = (
            f"  {SYMBOLS[change.action]} {change.address.ljust(width)}  {change.action.value:<8} "
        )
        tail = change.reason
        if change.action is Action.WAIT and change.publish_at_local:
            tail = f"scheduled for {change.publish_at_local}"
        if change.repost_of:
            tail += f" (probable rename of {change.repost_of}: see the warning below)"
        lines.append(style(head, fg=colour, bold=change.action is not Action.NOOP) + terminal(tail))
        if detailed and change.action is Action.DRIFT:
            if change.manifest:
                lines.append(f"      {'manifest':<10} {terminal(change.manifest)}")
            lines.extend(_diff_lines(change))
        elif detailed and change.action not in (Action.NOOP, Action.ORPHAN):
            for label, value in change_details(change):
                lines.append(f"      {label:<10} {terminal(value)}")
    if not plan.changes:
        lines.append("  No posts declared under posts/.")
    if plan.quotas:
        lines.append("")
        lines.append(style("TikTok limits used by this apply (per account):", bold=True))
        for quota in plan.quotas:
            lines.append(f"  {terminal(quota.account)}: {quota_text(quota)}")
    if plan.youtube_quotas:
        lines.append("")
        lines.append(style("YouTube quota used by this apply (per Google project):", bold=True))
        for google in plan.youtube_quotas:
            lines.append(f"  {terminal(google.client)}: {youtube_quota_text(google)}")
    for warning in plan.warnings:
        lines.append(style("Warning: ", fg="yellow", bold=True) + terminal(warning))
    for error in plan.errors:
        lines.append(style("Error: ", fg="red", bold=True) + terminal(error))
    lines.append("")
    lines.append(style(summary_line(plan), bold=True))
    return "\n".join(lines)


def moved_text(change: Change) -> str:
    """``hiring@acme -> hiring-2026@acme (moved)``: a record that follows a renamed id."""
    return f"{change.moved_from} -> {change.address} (moved)"


def quota_text(quota: AccountQuota) -> str:
    """One account's use of TikTok's limits in this apply."""
    posts = quota.direct_posts + quota.posted_last_24h
    drafts = quota.drafts + quota.pending_drafts_24h
    return (
        f"{quota.inits} init(s) at 6/min (≥{quota.min_minutes} min) · "
        f"{posts}/{quota.daily_cap} direct posts in 24 h · "
        f"{drafts}/{quota.draft_cap} pending drafts"
    )


def youtube_quota_text(quota: YouTubeQuota) -> str:
    """One Google project's quota used by this apply, and what the day already used."""
    # In Pacific time whatever the value's own zone (a saved plan keeps only the offset).
    reset = f"resets {quota.resets_at.astimezone(PACIFIC):%Y-%m-%d %H:%M %Z}"
    channels = ", ".join(quota.accounts)
    if quota.upload_limit is not None:
        uploads = (
            f"{quota.uploads} upload(s) + {quota.uploads_today} today of "
            f"{quota.upload_limit} videos.insert calls/day"
        )
    else:
        uploads = f"{quota.uploads} upload(s) + {quota.uploads_today} today, in units"
    # Resumes are counted as lookups of their videos (core/youtube_quota.py): say so.
    lookups = (
        f" ({quota.lookup_units:,} to look for the videos of {quota.resumes} resumed upload(s))"
        if quota.resumes
        else ""
    )
    # What the day spent is what the state's uploads did, at least: lookups of earlier runs
    # and other tools' calls are not in the state (core/youtube_quota.py).
    units = f"≥{quota.units:,} + ≥{quota.units_today:,} today of {quota.unit_limit:,} units/day"
    return f"{uploads} · {units}{lookups} ({quota.model} model) · {reset} · {channels}"


def summary_line(plan: Plan) -> str:
    """``Plan: 9 to publish, 3 scheduled, 2 unchanged.`` (or the no-change sentence)."""
    counts = plan.counts()
    parts = [f"{counts[a.value]} {_SUMMARY_WORDS[a]}" for a in Action if a.value in counts]
    if plan.moves:
        parts.append(f"{len(plan.moves)} to move")
    if not plan.has_changes:
        return "No changes. Nothing to publish now" + (f" ({', '.join(parts)})." if parts else ".")
    return "Plan: " + ", ".join(parts) + "."


def _plain(text: str, **_: object) -> str:
    return text
