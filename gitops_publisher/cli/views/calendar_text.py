"""The calendar for a terminal: per account (in its zone), per day, in time order."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

import click

from gitops_publisher.core.calendar import Calendar, Entry
from gitops_publisher.escape import terminal

_COLOURS = {
    "scheduled": "cyan",
    "published": "green",
    "draft": "blue",
    "replaced": "white",
    "skipped": "yellow",
    "missed": "red",
    "failed": "red",
}
#: What became of a post whose publish window closed (the plan's skip, or its refusal).
_CLOSED = {
    "skipped": "not published (on_missed: skip)",
    "missed": "apply refuses it (on_missed: fail)",
}


DRAFT_AHEAD = "draft: to the creator's TikTok inbox, not posted"


def _short(text: str, width: int = 60) -> str:
    # One line, and no terminal control sequence from a caption reaches the terminal.
    one_line = terminal(" ".join(text.split()))
    return one_line if len(one_line) <= width else one_line[: width - 1] + "…"


def _line(entry: Entry) -> list[str]:
    tail = terminal(entry.url or "")
    if entry.window_end is not None:
        end = entry.window_end.astimezone(zoneinfo.ZoneInfo(entry.timezone))
        tail = f"window until {end:%Y-%m-%d %H:%M %Z}, then {entry.on_missed or 'publish'}"
        if entry.kind in _CLOSED:
            tail = f"window closed {end:%Y-%m-%d %H:%M %Z}: {_CLOSED[entry.kind]}"
    if entry.kind == "failed":
        tail = terminal(entry.reason or "rejected")
    if entry.mode == "draft" and entry.kind not in ("draft", "failed"):  # nothing public yet
        tail = " · ".join(t for t in (DRAFT_AHEAD, tail) if t)
    rows = [f"{entry.kind:<9}  {entry.post_id}  {tail}".rstrip()]
    if entry.caption:
        rows.append(f'"{_short(entry.caption)}"')
    return rows


def render_calendar_text(calendar: Calendar, *, color: bool | None = None) -> str:
    """Render ``calendar``; ``color=None`` lets click decide (TTY)."""
    style: Callable[..., str] = click.style if color is not False else _plain
    lines: list[str] = []
    for account, tz in calendar.timezones.items():
        mine = [e for e in calendar.entries if e.account == account]
        if not mine:
            continue
        lines.append(style(f"{account} ({tz})", bold=True))
        day = None
        for entry in mine:
            if entry.day != day:
                day = entry.day
                lines.append(f"  {day:%Y-%m-%d %a}")
            first, *more = _line(entry)
            time = entry.local_time.ljust(9)
            lines.append(f"    {time}  " + style(first, fg=_COLOURS[entry.kind]))
            lines.extend(f"    {'':9}  {row}" for row in more)
    if not calendar.entries:
        lines.append("No scheduled or published posts in this range.")
    if calendar.unscheduled:
        names = ", ".join(calendar.unscheduled[:5]) + (
            " …" if len(calendar.unscheduled) > 5 else ""
        )
        lines.append(
            f"{len(calendar.unscheduled)} address(es) have no publish_at and are not published "
            f"yet: the next apply publishes them ({names})."
        )
    return "\n".join(lines)


def _plain(text: str, **_: object) -> str:
    return text
