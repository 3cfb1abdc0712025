r"""The plan as a reviewer reads it in a terminal: Terraform-like symbols, colour on a TTY.

What a change sends and what the plan uses of a platform's limits are the platform's to say
(:meth:`Platform.change_rows`, :meth:`Platform.budget_section`, found in the registry by the
change's ``provider``): this module names no platform (``tests/cli/test_plan_platforms.py``).

Values from the project (captions, paths, reasons, messages) are shown through
``escape.terminal``: an escape sequence in a caption is printed as ``\x1b[2J``, never run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import click

from gitops_publisher.core import handles
from gitops_publisher.core.drift import QUOTED_FIELDS
from gitops_publisher.core.plan import SYMBOLS, Action, Change, MediaSummary, Plan
from gitops_publisher.core.ports import BudgetSection
from gitops_publisher.escape import terminal
from gitops_publisher.providers.registry import PLATFORMS

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


def change_details(change: Change, now: datetime) -> list[tuple[str, str]]:
    """The label/value rows shown under an acting change.

    The manifest and the video, then what the change's platform receives and when
    (:meth:`Platform.change_rows`, as of ``now``: when the plan was made), then the recorded
    handle, labelled as its platform names it (:attr:`Platform.handle_label`). User text,
    unescaped.
    """
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
    platform = PLATFORMS[change.provider]
    rows.extend(platform.change_rows(change, now))
    if change.publish_id:  # a capability (a session) is shown as ``upload session …abcd``
        shown = handles.shown(change.publish_id)
        rows.append((platform.handle_label, f"{shown} ({change.status})"))
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
    if isinstance(value, str) and name in QUOTED_FIELDS:
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
            for label, value in change_details(change, plan.created_at):
                lines.append(f"      {label:<10} {terminal(value)}")
    if not plan.changes:
        lines.append("  No posts declared under posts/.")
    for section in budget_sections(plan):
        lines.append("")
        lines.append(style(f"{section.heading} (per {section.scope}):", bold=True))
        for name, text in section.rows:
            lines.append(f"  {terminal(name)}: {terminal(text)}")
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


def budget_sections(plan: Plan) -> list[BudgetSection]:
    """What the plan uses of the limits of its changes' platforms, in the registry's order.

    Each such platform's :meth:`Platform.budget_section` (a plan counts only the limits of
    its changes' accounts, so no other platform is asked); one whose limits the plan does
    not use has none.
    """
    providers = {change.provider for change in plan.changes}
    sections = [PLATFORMS[name].budget_section(plan) for name in PLATFORMS if name in providers]
    return [section for section in sections if section is not None]


def summary_line(plan: Plan) -> str:
    """``Plan: 9 to publish, 3 scheduled, 2 unchanged.`` (or the no-change sentence).

    Probable reposts among the creates are said beside their count: apply refuses the whole
    run while one is not allowed (``--allow-repost``), so "9 to publish" alone would promise
    what apply will not do.
    """
    counts = plan.counts()
    parts = [f"{counts[a.value]} {_SUMMARY_WORDS[a]}" for a in Action if a.value in counts]
    reposts = sum(1 for c in plan.changes if c.action is Action.CREATE and c.repost_of)
    if reposts:
        at = list(counts).index(Action.CREATE.value)
        parts[at] += f" ({reposts} a probable repost: apply refuses it without --allow-repost)"
    if plan.moves:
        parts.append(f"{len(plan.moves)} to move")
    if not plan.has_changes:
        return "No changes. Nothing to publish now" + (f" ({', '.join(parts)})." if parts else ".")
    return "Plan: " + ", ".join(parts) + "."


def _plain(text: str, **_: object) -> str:
    return text
