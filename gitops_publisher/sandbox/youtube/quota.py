"""Quota of the sandbox's one API project (reference §5.1), counted per Pacific-time day.

Models (``YouTubeOptions.quota_model``): ``buckets`` (since 2026-06-01: videos.insert has its
own bucket of ``daily_uploads`` calls, everything else shares ``daily_units``); ``units_1600``
(before 2025-12-04: an insert costs 1600 of the units) and ``units_100`` (2025-12-04 to
2026-05-31: 100 units). videos.list, channels.list and playlistItems.list cost 1 unit,
videos.delete 50.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from gitops_publisher.sandbox.youtube.envelope import quota_exceeded
from gitops_publisher.sandbox.youtube.models import QuotaDay
from gitops_publisher.sandbox.youtube.options import YouTubeOptions

PACIFIC = ZoneInfo("America/Los_Angeles")
_INSERT_UNITS = {"units_1600": 1600, "units_100": 100}
_UNITS = {"read": 1, "delete": 50}


def pacific_day(now: float) -> str:
    """The quota day of ``now``: "Daily quotas reset at midnight Pacific Time"."""
    return datetime.fromtimestamp(now, PACIFIC).date().isoformat()


def charge(
    quota: QuotaDay,
    options: YouTubeOptions,
    now: float,
    call: Literal["insert", "read", "delete"],
) -> None:
    """Charge one call to today's quota (starting a new day when the day changed).

    Raises:
        GoogleApiError: 403 ``quotaExceeded`` when the call does not fit; nothing is charged.
    """
    day = pacific_day(now)
    if quota.day != day:
        quota.day, quota.units, quota.uploads = day, 0, 0
    if call == "insert" and options.quota_model == "buckets":
        if quota.uploads + 1 > options.daily_uploads:
            raise quota_exceeded()
        quota.uploads += 1
        return
    cost = _INSERT_UNITS[options.quota_model] if call == "insert" else _UNITS[call]
    if quota.units + cost > options.daily_units:
        raise quota_exceeded()
    quota.units += cost
    if call == "insert":
        quota.uploads += 1
