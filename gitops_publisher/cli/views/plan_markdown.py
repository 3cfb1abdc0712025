"""The plan as Markdown, for the pull-request comment and the Action's step summary.

Every value that comes from the project (addresses, captions, paths, reasons quoting them,
warnings and errors) goes through ``gitops_publisher.escape``: it renders as exactly its
characters, opens no HTML, closes no block and pings no one. What each platform shows is
its own (the rows and budget sections of ``plan_text.py``): this module names no platform.

Each change's details block starts with a line of its own,
``<details><summary><code>ADDRESS</code>: …``, and ends with ``</details>``: the Action finds
by it which posts a pull request comment shows whole, the only ones merging approves
(``github/plan_comments.py``; ``tests/github/test_plan_comments.py`` holds it to that).
"""

from __future__ import annotations

from collections.abc import Sequence

from gitops_publisher.cli.views.plan_text import (
    NO_SNAPSHOT,
    budget_sections,
    change_details,
    diff_rows,
    moved_text,
    summary_line,
)
from gitops_publisher.core.plan import SYMBOLS, Action, Change, Plan
from gitops_publisher.errors import Diagnostic
from gitops_publisher.escape import html_text, md_code, md_text
from gitops_publisher.providers.registry import PLATFORMS

_EMOJI: dict[Action, str] = {
    Action.CREATE: "🟢",
    Action.REPLACE: "🟣",
    Action.RETRY: "🟡",
    Action.RESUME: "🔵",
    Action.WAIT: "🕒",
    Action.NOOP: "⚪",
    Action.DRIFT: "🟠",
    Action.ORPHAN: "🔴",
    Action.FAILED: "❌",
    Action.SKIP: "⏭️",
    Action.UNREVIEWED: "⛔",
}


def _drift_details(change: Change) -> list[str]:
    """What changed since a post was published: one table row per field, sent and now."""
    lines = [
        f"<details><summary><code>{html_text(change.address)}</code>: what changed since it was "
        "published</summary>",
        "",
    ]
    rows = diff_rows(change)
    if rows is None:
        lines.append(md_text(NO_SNAPSHOT))
    elif not rows:
        lines.append("No field differs from what was sent.")
    else:
        lines.append("| field | sent | now |")
        lines.append("|---|---|---|")
        lines.extend(
            "| " + " | ".join(md_code(text, cell=True) for text in row) + " |" for row in rows
        )
    lines.extend(["", "</details>"])
    return lines


def render_markdown(
    plan: Plan, *, title: str = "publisher plan", warnings: Sequence[Diagnostic] = ()
) -> str:
    """Render a self-contained Markdown document (no HTML beyond ``<details>``).

    ``title`` is Markdown (callers escape what they put in it); ``warnings`` are the
    project's (media, policy) warnings, shown to the reviewer too.
    """
    lines = [f"### {title}", "", f"**{summary_line(plan)}**", ""]
    if warnings:
        lines.extend(f"> ⚠️ {md_text(w.render())}" for w in warnings)
        lines.append("")
    if plan.errors:
        lines.extend(f"> ❌ **Error:** {md_text(e)}" for e in plan.errors)
        lines.append("")
    if plan.warnings:
        lines.extend(f"> ⚠️ {md_text(w)}" for w in plan.warnings)
        lines.append("")
    shown = [c for c in plan.changes if c.action is not Action.NOOP or c.moved_from]
    if shown:
        lines.append("| | address | action | why |")
        lines.append("|---|---|---|---|")
        for change in shown:
            if change.moved_from:
                lines.append(
                    f"| ➡️ | {md_code(moved_text(change), cell=True)} | moved | previous_ids: "
                    "the record follows the renamed id; nothing is posted for the move |"
                )
            if change.action is Action.NOOP:
                continue
            why = change.reason
            if change.action is Action.WAIT and change.publish_at_local:
                why = f"scheduled for {change.publish_at_local}"
            why = md_text(why)
            if change.repost_of:
                why = f"⚠️ probable rename of {md_code(change.repost_of, cell=True)}: {why}"
            lines.append(
                f"| {_EMOJI[change.action]} | {md_code(change.address, cell=True)} | "
                f"{SYMBOLS[change.action].strip() or ' '} {change.action.value} | {why} |"
            )
        lines.append("")
        for change in shown:
            if change.action in (Action.ORPHAN, Action.NOOP):
                continue
            if change.action is Action.DRIFT:
                lines.extend(_drift_details(change))
                continue
            platform = PLATFORMS[change.provider].title
            summary = f"<code>{html_text(change.address)}</code>: what {platform} will receive"
            lines.append(f"<details><summary>{summary}</summary>")
            lines.append("")
            for label, value in change_details(change, plan.created_at):
                lines.append(f"- **{label}**: {md_text(value)}")
            lines.append("")
            lines.append("</details>")
        lines.append("")
    unchanged = sum(1 for c in plan.changes if c.action is Action.NOOP)
    if unchanged:
        lines.append(f"{unchanged} address(es) published and unchanged.")
        lines.append("")
    for section in budget_sections(plan):
        lines.append(f"**{md_text(section.heading)}**")
        lines.append("")
        lines.extend(f"- {md_code(name)}: {md_text(text)}" for name, text in section.rows)
        lines.append("")
    lines.append(f"<sub>state lineage {md_code(plan.lineage[:8])} serial {plan.serial}</sub>")
    return "\n".join(lines) + "\n"
