"""The calendar as an iCalendar file (RFC 5545) that a team subscribes to.

Written by hand, because the format needs little: content lines end in CRLF and are folded at
75 octets without splitting a UTF-8 character (§3.1); TEXT values escape backslash, semicolon,
comma and newline (§3.3.11). Times are written in UTC (``…Z``, §3.3.5 form #2), which every
calendar application shows in its viewer's zone without the VTIMEZONE blocks a named zone
would need; the account's own local time is in each event's summary and description.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime

from gitops_publisher.core.calendar import Calendar, Entry

PRODID = "-//gitops-publisher//publisher calendar//EN"
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

_STATUS = {
    "scheduled": "TENTATIVE",
    "published": "CONFIRMED",
    "draft": "CONFIRMED",
    "skipped": "CANCELLED",
    "missed": "CANCELLED",
    "failed": "CANCELLED",
}


def escape_text(value: str) -> str:
    """A TEXT value (§3.3.11): backslash, ``;``, ``,`` and newlines escaped, controls dropped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return _CONTROL.sub("", value)


def fold(line: str) -> str:
    """Fold one content line into 75-octet pieces joined by CRLF and a space (§3.1)."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with the space
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _utc(when: datetime) -> str:
    return f"{when.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _event(entry: Entry, stamp: str) -> list[str]:
    summary = f"{entry.post_id} on {entry.account} ({entry.kind}, {entry.local_time})"
    details = [
        f"{entry.kind} on {entry.account} at {entry.day} {entry.local_time} ({entry.timezone})"
    ]
    if entry.mode == "draft" and entry.kind != "draft":
        details.append(
            "draft: sent to the creator's TikTok inbox at this time, where they finish and "
            "post it; nothing goes public then"
        )
    if entry.window_end is not None:
        end = entry.window_end.astimezone(zoneinfo.ZoneInfo(entry.timezone))
        details.append(
            f"publish window until {end:%Y-%m-%d %H:%M %Z}, then {entry.on_missed or 'publish'}"
        )
    if entry.reason:
        details.append(f"failed: {entry.reason}")
    if entry.caption:
        details.append(f"caption: {entry.caption}")
    if entry.url:
        details.append(f"url: {entry.url}")
    if entry.manifest:
        details.append(f"manifest: {entry.manifest}")
    # As outputs show it (core/calendar.py). A closed window keeps the scheduled event's
    # UID, so a subscribed calendar shows that event cancelled rather than a new one.
    attempt = entry.publish_id or (
        "scheduled" if entry.kind in ("skipped", "missed", "failed") else entry.kind
    )
    uid = f"{entry.address}/{attempt}@gitops-publisher"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{_utc(entry.at)}",
    ]
    if entry.window_end is not None and entry.window_end > entry.at:
        lines.append(f"DTEND:{_utc(entry.window_end)}")
    lines += [
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(chr(10).join(details))}",
        f"CATEGORIES:{escape_text(entry.account)}",
        "TRANSP:TRANSPARENT",
    ]
    if entry.kind in _STATUS:
        lines.append(f"STATUS:{_STATUS[entry.kind]}")
    if entry.url and not _CONTROL.search(entry.url) and " " not in entry.url:
        lines.append(f"URL:{entry.url}")
    lines.append("END:VEVENT")
    return lines


def render_ics(calendar: Calendar, *, name: str = "publisher") -> str:
    """The whole calendar as one VCALENDAR, CRLF line endings, folded."""
    stamp = _utc(calendar.generated_at)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for entry in calendar.entries:
        lines.extend(_event(entry, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
