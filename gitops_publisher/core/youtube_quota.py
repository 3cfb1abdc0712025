"""YouTube's API quota against what a plan uploads, per Google Cloud project (pure).

The quota belongs to the project of the OAuth client, not to a channel, so channels sharing a
client (the same ``client_id_env``) share it. Reference §5.1: since 2026-06-01 an upload takes
one of the 100 daily ``videos.insert`` calls of its own bucket; before, 1,600 of the 10,000
daily units (``youtube.quota.model: units`` in ``publisher.yaml``). Every other call costs
units: one ``channels.list`` per channel when it is checked, one ``videos.list`` per status
poll (the number of polls is not known in advance: the plan counts one), and a resume's
lookup of an expired session's video among the channel's uploads (``channels.list``, then
``playlistItems.list`` a page of 50 at a time, and ``videos.list`` re-reading the uploads
listed with another title: :data:`LOOKUP_UNITS` or more). The day ends at
midnight Pacific Time.

This module is the one home of those costs: the plan counts them (:func:`youtube_quotas`) and
apply spends from the same figures (:func:`lookup_budgets`: what resumes may spend on
lookups without taking the units the plan's uploads need).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta

from gitops_publisher.core.models import AccountConfig, YouTubeAccount, YouTubeQuotaModel
from gitops_publisher.core.plan import PUBLISHING, Action, Change, YouTubeQuota
from gitops_publisher.core.ports import LookupBudget
from gitops_publisher.core.state import Record, State

PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")
LIST_UNITS = 1
"""One call of channels.list, playlistItems.list or videos.list (reference §5.1)."""
LOOKUP_UNITS = 3 * LIST_UNITS
"""What one lookup of an expired session's video is counted to cost, by the plan and by apply
alike: channels.list (the uploads playlist), one page of playlistItems.list, and the
videos.list re-reading the uploads listed with another title (any other upload since the
attempt began). The plan counts it for each resume whose record does not hold its video's
id (``lookup_units``); apply holds it of the budget before the lookup's first call
(``providers/youtube/lookup.py``), so that a plan without a warning is a plan whose lookups
all begin. A lookup that cannot hold it is not begun, so that lookups running at once do not
each spend part of the units and all stop halfway; what it does not use goes back. Each
further page, and each videos.list re-reading 50 more listed videos, costs one unit more."""


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
    """Each Google project's quota used by the plan's uploads and resumes, with warnings.

    ``uploads_today`` counts the videos.insert calls the state's records of the project's
    channels may have made since midnight Pacific (:func:`uploads_since`).

    What a resume is counted to cost is an assumption, the plan cannot know it before apply
    asks: each resume of a YouTube attempt whose record does not hold its video's id is
    counted as if its upload session had expired (or its final answer were lost with it), so
    that apply lists the channel's uploads to find its video: :data:`LOOKUP_UNITS`
    (``lookup_units``; what apply holds before the lookup begins), and one videos.list
    reading the video found (as for a session still alive: its status query costs no unit,
    reading its video one). A record that holds the id (``made_ids``) is counted that one
    videos.list alone: apply asks about the id; only if YouTube no longer lists the video
    (deleted since) does it look, from what the day has left like any lookup. A channel that
    uploaded more than 50 videos since the attempt began costs a unit more a page, and more
    than 50 uploads listed with another title a unit for each 50 more read again. A resume
    never calls videos.insert in the same apply: one that finds nothing is recorded failed,
    and the next run's plan counts its new upload (a retry) as an upload like any other.
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
        resumed = [c for c in changes if c.account in names and c.action is Action.RESUME]
        resumes = len(resumed)
        # A record holding its video's id (``made_ids``) is settled by a videos.list of it,
        # whether its session still answers or not: no lookup (the one videos.list is
        # counted with every resume below). Only a video deleted since makes it look.
        blind = sum(1 for c in resumed if not _video_known(state.resources.get(c.address)))
        if not uploads and not resumes:
            continue
        acting = PUBLISHING | {Action.RESUME}
        checked = len({c.account for c in changes if c.account in names and c.action in acting})
        today = sum(uploads_since(r, start) for r in state.resources.values() if r.account in names)
        per_upload = settings.upload_units if settings.model == "units" else 0
        lookups = blind * LOOKUP_UNITS
        units = (checked + uploads + resumes) * LIST_UNITS + uploads * per_upload + lookups
        # What the day spent, as far as the state can tell: each upload's insert (model
        # units) and its first videos.list. Not the lookups of earlier runs the same day: a
        # lookup leaves no trace of its own in a record (a video found is recorded as when
        # the session answers, none found as any upload given up, ``upload_expired``; one
        # unclear or over budget leaves the record as it was, and the next run looks
        # again), and what it cost depends on the pages it listed. Counting them would take
        # a new record (the units spent, per project and day) that the state does not have;
        # ``units_per_day`` set lower keeps a margin for them (docs/youtube.md §5). Nor the
        # channel checks and further polls of earlier runs, nor other tools' calls.
        spent = today * (LIST_UNITS + per_upload)
        quota = YouTubeQuota(
            client=client,
            accounts=[n for n in names if any(c.account == n for c in changes)],
            model=settings.model,
            uploads=uploads,
            uploads_today=today,
            resumes=resumes,
            upload_limit=settings.uploads_per_day if settings.model == "uploads" else None,
            units=units,
            lookup_units=lookups,
            units_today=spent,
            unit_limit=settings.units_per_day,
            resets_at=end,
        )
        out.append(quota.model_copy(update={"warnings": _warnings(quota, spent)}))
    return out


def looked_for(quota: YouTubeQuota) -> int:
    """How many of ``quota``'s resumes are counted a lookup of their video."""
    return quota.lookup_units // LOOKUP_UNITS


def _video_known(record: Record | None) -> bool:
    return record is not None and bool(record.made_ids)


def uploads_since(record: Record, start: datetime) -> int:
    """The videos.insert calls ``record``'s attempts may have made since ``start``.

    Every attempt calls videos.insert once (refused calls count too, reference §5.1). A
    record unchanged since ``start`` made none; a record first attempted since (its
    ``created_at``) made each of its ``attempts`` since. Any other record, begun on an earlier
    day and changed since, counts each attempt whose handle was recorded since (``began_at``,
    its own and each of its ``history``), and its last attempt if it has no handle (its insert
    refused, or its answer lost: it was tried since, as its record changed). What this
    cannot see: an earlier attempt of today refused before it had a handle (``history``
    keeps only attempts with one), and attempts archived before their times were kept
    (records written before 2026-12-05); each counts none.
    """
    if record.updated_at < start:
        return 0
    if record.created_at >= start:
        return max(record.attempts, 1)  # 0 only in a record written by hand
    earlier = sum(1 for h in record.history if h.began_at is not None and h.began_at >= start)
    if record.began_at is None:
        # No handle (initiating, or refused at its start), or a record from before began_at
        # was kept: its last change, since ``start``, is its attempt's.
        return earlier + 1
    return earlier + (1 if record.began_at >= start else 0)


def lookup_budgets(quotas: Sequence[YouTubeQuota]) -> dict[str, LookupBudget]:
    """What each channel's resumes may spend on lookups in this apply, by account.

    A project's channels share one budget: its units a day, less what the state says the day
    spent (:attr:`YouTubeQuota.units_today`) and what the plan counted for everything but
    lookups (its uploads, their first polls, the channel checks), so that lookups never take
    the units the reviewed uploads need. Apply charges each call of a lookup to it before the
    call is sent, page by page; a lookup that does not fit is not made (the attempt is left
    as it is for a run after the reset). Its :attr:`~LookupBudget.report` names the
    project, for the apply's closing line on the units its lookups took.
    """
    out: dict[str, LookupBudget] = {}
    for quota in quotas:
        others = quota.units - quota.lookup_units
        budget = LookupBudget(
            quota.unit_limit - quota.units_today - others,
            about=f"the YouTube project of {quota.client} ({quota.unit_limit:,} units a day, "
            f"at least {quota.units_today:,} spent since midnight Pacific, {others:,} kept for "
            f"this apply's uploads and checks; it resets at {quota.resets_at:%Y-%m-%d %H:%M %Z})",
            report=f"YouTube project of {quota.client}: looking for the videos of expired "
            "upload sessions",
        )
        for account in quota.accounts:
            out[account] = budget
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
        resumed = (
            f" ({quota.lookup_units} of them to look for the videos of {looked_for(quota)} "
            "resumed upload(s) among the channel's uploads)"
            if quota.lookup_units
            else ""
        )
        out.append(
            f"YouTube project of {quota.client}: this apply needs at least {quota.units} units"
            f"{resumed} and at least {spent_units} were spent since midnight Pacific, over its "
            f"{quota.unit_limit} a day; the rest fail with quotaExceeded until {reset}"
            + (
                " (resumes whose lookup does not fit are left as they are until then)"
                if quota.lookup_units
                else ""
            )
        )
    return out
