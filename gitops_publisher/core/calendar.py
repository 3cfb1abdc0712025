"""The posting calendar: every scheduled and published post, per account and day.

:func:`build_calendar` is pure: it reads the desired posts (manifests) and the state (what was
published) and returns a :class:`Calendar` value that the CLI renders as text, JSON or an
iCalendar file. Times are instants (aware, UTC); each entry names its account's time zone,
in which its day is counted and shown.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gitops_publisher.core import handles
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.models import AccountConfig
from gitops_publisher.core.state import DONE, State
from gitops_publisher.core.youtube import youtube_publish_at

CALENDAR_FORMAT_VERSION = 1

Kind = Literal["scheduled", "published", "draft", "replaced", "skipped", "missed", "failed"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Entry(_Model):
    """One post on one account at one time."""

    address: str
    post_id: str
    account: str
    timezone: str = Field(description="the account's IANA zone; day and local time are in it")
    kind: Kind = Field(
        description="scheduled: publish_at ahead or not yet published; published: live; "
        "draft: sent to the creator's inbox; replaced: an earlier publish (--replace); "
        "skipped: its publish window closed and on_missed: skip, so it is never published "
        "(the plan's skip); missed: its window closed and on_missed: fail, so apply refuses "
        "it until publish_at/not_after or on_missed change; failed: the platform rejected "
        "its last attempt for good and nothing changed since (the plan's failed: `reason`), "
        "so nothing is published until the post is fixed or --replace"
    )
    at: AwareDatetime = Field(description="publish_at, or when it was published (UTC)")
    day: date = Field(description="the day of `at` in the account's time zone")
    local_time: str = Field(description="`at` in the account's zone, e.g. '09:00 CET'")
    mode: Literal["direct", "draft"] = Field(
        "direct",
        description="draft: TikTok's inbox (the creator finishes and posts it in the app, so "
        "nothing goes public at `at`); direct: posted",
    )
    window_end: AwareDatetime | None = Field(None, description="not_after: the window's end")
    on_missed: str | None = None
    caption: str | None = None
    url: str | None = None
    publish_id: str | None = Field(
        None,
        description="the attempt's handle as outputs show it: TikTok's publish_id as is, a "
        "YouTube upload session (a capability) as 'upload session …abcd'",
    )
    manifest: str | None = None
    reason: str | None = Field(None, description="failed: why, as the plan says it")


class Calendar(_Model):
    """Entries in time order, with the range asked for."""

    format_version: int = CALENDAR_FORMAT_VERSION
    generated_at: AwareDatetime
    start: date | None = Field(None, description="first day shown (in each account's zone)")
    end: date | None = Field(None, description="last day shown (in each account's zone)")
    timezones: dict[str, str] = Field(description="account -> IANA zone")
    entries: list[Entry]
    unscheduled: list[str] = Field(
        default_factory=list,
        description="addresses neither published nor scheduled: the next apply publishes them",
    )


def build_calendar(
    desired: Sequence[DesiredPost],
    state: State,
    accounts: Mapping[str, AccountConfig],
    now: datetime,
    *,
    start: date | None = None,
    end: date | None = None,
    rejected: Mapping[str, str] | None = None,
) -> Calendar:
    """Every scheduled and published post between ``start`` and ``end`` (inclusive days).

    A day is counted in the account's time zone, so one instant may fall on different days
    for two accounts. Pure: ``now`` is stamped on the result and tells which publish windows
    have closed (``skipped``, ``missed``) and which YouTube videos are public yet.
    ``rejected``: address -> reason, the recorded posts the plan for ``now`` leaves
    ``failed`` (which failures a platform retries is its own to say: the plan's rule, not
    one of the calendar's), shown ``failed`` at their last attempt rather than scheduled.
    """
    rejected = rejected or {}
    zones = {name: account.timezone for name, account in accounts.items()}
    by_address = {str(post.address): post for post in desired}
    entries: list[Entry] = []

    def add(post_id: str, account: str, kind: Kind, at: datetime, **fields: object) -> None:
        if isinstance(closes := fields.get("window_end"), datetime):
            fields["window_end"] = closes.astimezone(UTC)
        tz = zones.get(account, "UTC")
        local = at.astimezone(zoneinfo.ZoneInfo(tz))
        if (start is None or local.date() >= start) and (end is None or local.date() <= end):
            entries.append(
                Entry.model_validate(
                    {
                        "address": f"{post_id}@{account}",
                        "post_id": post_id,
                        "account": account,
                        "timezone": tz,
                        "kind": kind,
                        "at": at.astimezone(UTC),  # instants in UTC, whatever the manifest wrote
                        "day": local.date(),
                        "local_time": f"{local:%H:%M %Z}",
                        **fields,
                    }
                )
            )

    unscheduled = []
    for address, post in by_address.items():
        record = state.resources.get(address)
        if record is not None and record.status in DONE:
            continue  # shown from the state below
        # A closed window is what the plan decides for it (core/planner.py), not a schedule.
        closed = post.window_passed(now) and post.on_missed != "publish"
        kind: Kind = (
            ("skipped" if post.on_missed == "skip" else "missed") if closed else "scheduled"
        )
        at = post.publish_at or (post.not_after if closed else None)
        reason = rejected.get(address) if record is not None and not closed else None
        if reason is not None and record is not None:
            kind, at = "failed", record.updated_at  # its last attempt, never published
        if at is None:
            unscheduled.append(address)
            continue
        add(
            post.address.post_id,
            post.address.account,
            kind,
            at,
            window_end=post.not_after,
            on_missed=post.on_missed if post.not_after is not None else None,
            caption=post.caption if post.mode == "direct" else None,
            mode="draft" if post.mode == "draft" and post.youtube is None else "direct",
            manifest=post.manifest_file,
            reason=reason,
        )
    for address, record in state.resources.items():
        known = by_address.get(address)
        for prior in record.history:
            if prior.status in DONE and prior.published_at is not None:
                add(
                    record.post_id,
                    record.account,
                    "replaced",
                    prior.published_at,
                    url=prior.url,
                    publish_id=handles.shown(prior.publish_id) if prior.publish_id else None,
                )
        if record.status not in DONE:
            continue
        # The manifest's caption only if it is still what was published (not drifted);
        # else the caption the record says was sent (records before December 2026: none).
        same = known is not None and known.fingerprint == record.fingerprint
        caption: str | None
        if same and known is not None and known.mode == "direct":
            caption = known.caption
        else:
            caption = record.sent.caption if record.sent is not None else None
        kind = "published" if record.status == "published" else "draft"
        at = record.published_at or record.updated_at
        public_at = youtube_publish_at(record)  # YouTube keeps it private until then
        if public_at is not None:
            # A publishAt already passed at the upload made it public once processed, when it
            # was recorded: not days before it existed.
            kind, at = ("scheduled" if public_at > now else "published"), max(public_at, at)
        add(
            record.post_id,
            record.account,
            kind,
            at,
            caption=caption,
            mode=record.mode,
            url=record.url,
            publish_id=handles.shown(record.publish_id) if record.publish_id else None,
            manifest=known.manifest_file if known is not None else None,
        )
    entries.sort(key=lambda e: (e.at, e.account, e.post_id))
    return Calendar(
        generated_at=now,
        start=start,
        end=end,
        timezones=dict(sorted(zones.items())),
        entries=entries,
        unscheduled=sorted(unscheduled),
    )
