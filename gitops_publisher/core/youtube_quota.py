"""YouTube's API quota against what a plan uploads, per Google Cloud project (pure).

The quota belongs to the project of the OAuth client, not to a channel, so channels sharing a
client (the same ``client_id_env``) share it. Reference §5.1: since 2026-06-01 an upload takes
one of the 100 daily ``videos.insert`` calls of its own bucket; before, 1,600 of the 10,000
daily units (``youtube.quota.model: units`` in ``publisher.yaml``). Every other call costs
units: one ``channels.list`` per channel when it is checked, one ``videos.list`` per status
poll (the number of polls is not known in advance: the plan counts one). The day ends at
midnight Pacific Time.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta

from gitops_publisher.core.models import AccountConfig, YouTubeAccount, YouTubeQuotaModel
from gitops_publisher.core.plan import PUBLISHING, Change, YouTubeQuota
from gitops_publisher.core.state import State

PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")


def quota_day(now: datetime) -> tuple[datetime, datetime]:
    """The quota day holding ``now``: from the last midnight Pacific Time to the next."""
    local = now.astimezone(PACIFIC)
    start = datetime.combine(local.date(), time(), tzinfo=PACIFIC)
    end = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=PACIFIC)
    return start, end


def youtube_quotas(
    changes: Sequence[Change],
    state: State,
    now: datetime,
    accounts: Mapping[str, AccountConfig],
    settings: YouTubeQuotaModel,
) -> list[YouTubeQuota]:
    """Each Google project's quota used by the plan's uploads, with warnings when exceeded.

    ``uploads_today`` counts the state's records of the project's channels first attempted
    or published since midnight Pacific: every attempt called videos.insert once.
    """
    projects: dict[str, list[str]] = {}
    for name, config in sorted(accounts.items()):
        if isinstance(config, YouTubeAccount):
            projects.setdefault(config.client_id_env, []).append(name)
    if not projects:
        return []
    start, end = quota_day(now)
    out = []
    for client, names in projects.items():
        uploads = sum(1 for c in changes if c.account in names and c.action in PUBLISHING)
        if not uploads:
            continue
        checked = len({c.account for c in changes if c.account in names and c.action in PUBLISHING})
        today = sum(
            1
            for r in state.resources.values()
            if r.account in names
            and (r.created_at >= start or (r.published_at is not None and r.published_at >= start))
        )
        per_upload = settings.upload_units if settings.model == "units" else 0
        units = checked + uploads * (1 + per_upload)
        spent = today * (1 + per_upload)
        quota = YouTubeQuota(
            client=client,
            accounts=[n for n in names if any(c.account == n for c in changes)],
            model=settings.model,
            uploads=uploads,
            uploads_today=today,
            upload_limit=settings.uploads_per_day if settings.model == "uploads" else None,
            units=units,
            unit_limit=settings.units_per_day,
            resets_at=end,
        )
        out.append(quota.model_copy(update={"warnings": _warnings(quota, spent)}))
    return out


def _warnings(quota: YouTubeQuota, spent_units: int) -> list[str]:
    """What will fail with ``quotaExceeded`` if the plan is applied before the reset."""
    reset = f"{quota.resets_at:%Y-%m-%d %H:%M %Z}"
    out = []
    used = quota.uploads + quota.uploads_today
    if quota.upload_limit is not None and used > quota.upload_limit:
        out.append(
            f"YouTube project of {quota.client}: {quota.uploads} upload(s) now and "
            f"{quota.uploads_today} since midnight Pacific exceed its {quota.upload_limit} "
            f"videos.insert calls a day; the rest fail with quotaExceeded until {reset} "
            "(apply part now with --target, or ask Google for more quota)"
        )
    if quota.units + spent_units > quota.unit_limit:
        out.append(
            f"YouTube project of {quota.client}: this apply needs at least {quota.units} units "
            f"and {spent_units} were spent since midnight Pacific, over its {quota.unit_limit} "
            f"a day; the rest fail with quotaExceeded until {reset}"
        )
    return out
