"""How the plan shows YouTube: what videos.insert receives, and each Google project's quota.

Rows of plain text for :meth:`YouTubePlatform.change_rows` and
:meth:`YouTubePlatform.budget_section`; the plan views (``cli/views/``) escape and style
them. Pure.
"""

from __future__ import annotations

from datetime import datetime

from gitops_publisher.core.plan import Change, Plan, YouTubeQuota, YouTubeRequest, window_text
from gitops_publisher.core.ports import BudgetSection
from gitops_publisher.core.youtube import category_name
from gitops_publisher.core.youtube_limits import tags_length, title_length
from gitops_publisher.core.youtube_quota import PACIFIC, looked_for


def change_rows(change: Change, now: datetime) -> list[tuple[str, str]]:
    """What videos.insert receives; the schedule, which YouTube keeps when it has publishAt.

    A publishAt already passed at ``now`` (a late post) schedules nothing: YouTube makes
    the video public as soon as it has processed it (reference §3, ``status.publishAt``).
    """
    passed = change.publish_at is not None and change.publish_at <= now
    rows = request_rows(change.youtube, passed=passed) if change.youtube is not None else []
    if change.publish_at_local:
        scheduled = change.youtube is not None and "publishAt" in change.youtube.resource["status"]
        if not scheduled:
            schedule = change.publish_at_local
        elif passed:
            schedule = (
                f"{change.publish_at_local}: passed; uploaded now, public once YouTube has "
                "processed it (private + a past publishAt)"
            )
        else:
            schedule = (
                f"{change.publish_at_local}: uploaded now, YouTube makes it public then "
                "(private + publishAt)"
            )
        rows.append(("schedule", schedule))
    if (window := window_text(change)) is not None:
        rows.append(("window", window))
    return rows


def request_rows(request: YouTubeRequest, *, passed: bool = False) -> list[tuple[str, str]]:
    """The rows of what YouTube receives: snippet, status, and what came from the caption.

    ``passed``: the publishAt had passed when the plan was made (public once processed).
    """
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
    if "publishAt" in status and passed:
        privacy = (
            f"private, publishAt {status['publishAt']} has passed: public once YouTube has "
            "processed it"
        )
    elif "publishAt" in status:
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


def budget_section(plan: Plan) -> BudgetSection | None:
    """The quota each Google project's channels use in this apply (None: no project)."""
    if not plan.youtube_quotas:
        return None
    rows = tuple((q.client, quota_text(q)) for q in plan.youtube_quotas)
    return BudgetSection("YouTube quota used by this apply", "Google project", rows)


def quota_text(quota: YouTubeQuota) -> str:
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
    # Resumes without their video's id are counted as lookups of it (core/youtube_quota.py):
    # say so.
    lookups = (
        f" ({quota.lookup_units:,} to look for the videos of {looked_for(quota)} resumed upload(s))"
        if quota.lookup_units
        else ""
    )
    # What the day spent is what the state's uploads did, at least: lookups of earlier runs
    # and other tools' calls are not in the state (core/youtube_quota.py).
    units = f"≥{quota.units:,} + ≥{quota.units_today:,} today of {quota.unit_limit:,} units/day"
    return f"{uploads} · {units}{lookups} ({quota.model} model) · {reset} · {channels}"
