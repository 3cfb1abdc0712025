"""The calendar's pure core: days counted in each account's zone, scheduled and published."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from gitops_publisher.core.calendar import build_calendar
from gitops_publisher.core.desired import VideoRef, resolve_post
from gitops_publisher.core.models import Config, PostManifest
from gitops_publisher.core.state import PriorPublish, Record, State

CONFIG = Config.model_validate(
    {
        "version": 1,
        "accounts": {
            "brand-us": {"refresh_token_env": "T_US", "timezone": "America/New_York"},
            "brand-uk": {"refresh_token_env": "T_UK", "timezone": "Europe/London"},
        },
        "defaults": {"privacy": "SELF_ONLY"},
    }
)
NOW = datetime(2026, 11, 20, tzinfo=UTC)
VIDEO = VideoRef("media/a.mp4", "git:aaaa", 1000)


def desired(**fields: Any) -> list[Any]:
    base = {"accounts": ["brand-us", "brand-uk"], "video": "media/a.mp4"}
    posts, problems = resolve_post(
        PostManifest.model_validate(base | fields), CONFIG, "posts/a.yaml", VIDEO
    )
    assert problems == []
    return posts


def published(post: Any, at: datetime, **fields: Any) -> Record:
    values = {
        "post_id": post.address.post_id,
        "account": post.address.account,
        "status": "published",
        "fingerprint": post.fingerprint,
        "mode": "direct",
        "video": "media/a.mp4",
        "publish_id": f"v_pub~{post.address}",
        "url": f"https://www.tiktok.com/@x/video/{post.address.post_id}",
        "created_at": at,
        "updated_at": at,
        "published_at": at,
    }
    return Record.model_validate(values | fields)


def test_one_instant_falls_on_each_account_day_in_its_own_zone() -> None:
    posts = desired(
        id="late",
        caption="Late show",
        publish_at="2026-12-02T03:30:00Z",
        not_after="2026-12-02T05:00:00Z",
        on_missed="skip",
    )
    calendar = build_calendar(posts, State(), CONFIG.accounts, NOW)
    days = {e.account: (e.day, e.local_time, e.kind) for e in calendar.entries}
    assert days == {
        "brand-us": (date(2026, 12, 1), "22:30 EST", "scheduled"),
        "brand-uk": (date(2026, 12, 2), "03:30 GMT", "scheduled"),
    }
    entry = calendar.entries[0]
    assert entry.window_end == datetime(2026, 12, 2, 5, tzinfo=UTC)
    assert (entry.on_missed, entry.caption, entry.manifest) == ("skip", "Late show", "posts/a.yaml")
    # --from/--to count days in each account's zone: 1 December keeps only New York's
    only = build_calendar(
        posts, State(), CONFIG.accounts, NOW, start=date(2026, 12, 1), end=date(2026, 12, 1)
    )
    assert [e.account for e in only.entries] == ["brand-us"]


def test_published_posts_come_from_the_state_with_their_url_and_earlier_publishes() -> None:
    us, uk = desired(id="teaser", caption="Hi")
    at = datetime(2026, 11, 10, 14, 2, tzinfo=UTC)
    prior = PriorPublish(
        publish_id="v_old", status="published", url="https://t/old", published_at=NOW.replace(day=1)
    )
    state = State().with_record(published(us, at, history=[prior]))
    state = state.with_record(published(uk, at, fingerprint="sha256:edited-since"))
    calendar = build_calendar([us, uk], state, CONFIG.accounts, NOW)
    rows = [(e.address, e.kind, e.url, e.caption) for e in calendar.entries]
    assert rows == [
        ("teaser@brand-us", "replaced", "https://t/old", None),
        ("teaser@brand-uk", "published", "https://www.tiktok.com/@x/video/teaser", None),
        ("teaser@brand-us", "published", "https://www.tiktok.com/@x/video/teaser", "Hi"),
    ]  # the edited manifest's caption is not what was published: none is shown


def test_a_drifted_or_orphaned_post_shows_the_caption_its_record_says_was_sent() -> None:
    us, uk = desired(id="teaser", caption="Now edited")
    at = datetime(2026, 11, 10, 14, 2, tzinfo=UTC)
    sent = {"mode": "direct", "video_id": "git:aaaa", "video_size": 1000, "caption": "As sent"}
    state = State().with_record(published(us, at, fingerprint="sha256:edited-since", sent=sent))
    state = state.with_record(published(uk, at, post_id="gone", sent=sent))  # no manifest
    calendar = build_calendar([us], state, CONFIG.accounts, NOW)
    rows = [(e.address, e.caption) for e in calendar.entries]
    assert rows == [("gone@brand-uk", "As sent"), ("teaser@brand-us", "As sent")]


def test_a_post_without_publish_at_is_listed_as_unscheduled() -> None:
    calendar = build_calendar(desired(id="now"), State(), CONFIG.accounts, NOW)
    assert calendar.entries == []
    assert calendar.unscheduled == ["now@brand-uk", "now@brand-us"]


def test_the_text_view_shows_control_characters_of_a_caption_visibly() -> None:
    from gitops_publisher.cli.views.calendar_text import render_calendar_text

    posts = desired(id="x", caption="Hi \x1b[2J there", publish_at="2026-12-02T12:00:00Z")
    text = render_calendar_text(build_calendar(posts, State(), CONFIG.accounts, NOW), color=False)
    assert "\x1b" not in text and '"Hi \\x1b[2J there"' in text


def test_a_post_whose_window_passed_is_shown_as_the_plan_decides_not_as_scheduled() -> None:
    from gitops_publisher.cli.views.calendar_ics import render_ics
    from gitops_publisher.cli.views.calendar_text import render_calendar_text
    from gitops_publisher.core.planner import plan

    window = {"publish_at": "2026-12-12T15:00:00Z", "not_after": "2026-12-12T17:00:00Z"}
    skipped = desired(id="flash", caption="Sale", on_missed="skip", **window)
    refused = desired(id="promo", caption="Promo", on_missed="fail", **window)
    late = desired(id="late", caption="Late", on_missed="publish", **window)
    after = datetime(2026, 12, 12, 17, 30, tzinfo=UTC)
    posts = [*skipped, *refused, *late]
    changes = plan(posts, State(), after, accounts=CONFIG.accounts).changes
    actions = {c.address: c.action.value for c in changes}
    calendar = build_calendar(posts, State(), CONFIG.accounts, after)
    kinds = {e.address: e.kind for e in calendar.entries}
    assert {a: kinds[a] for a in sorted(kinds) if a.endswith("@brand-us")} == {
        "flash@brand-us": "skipped",  # the plan's skip: never published
        "late@brand-us": "scheduled",  # the plan publishes it late, at the next apply
        "promo@brand-us": "missed",  # the plan refuses it (on_missed: fail)
    }
    assert (actions["flash@brand-us"], actions["promo@brand-us"]) == ("skip", "failed")
    text = render_calendar_text(calendar, color=False)
    assert (
        "skipped    flash  window closed 2026-12-12 12:00 EST: not published (on_missed: skip)"
        in text
    )
    assert (
        "missed     promo  window closed 2026-12-12 12:00 EST: apply refuses it (on_missed: fail)"
        in text
    )
    ics = render_ics(calendar)
    flash = ics[ics.index("UID:flash@brand-us") :].split("END:VEVENT")[0]
    assert "STATUS:CANCELLED" in flash
    assert "UID:flash@brand-us/scheduled@gitops-publisher" in flash  # the same event, cancelled
    # a window without publish_at, closed: skipped at its end, not "the next apply publishes"
    bare = desired(id="bare", caption="B", not_after="2026-12-12T17:00:00Z", on_missed="skip")
    closed = build_calendar(bare, State(), CONFIG.accounts, after)
    assert closed.unscheduled == []
    assert {(e.kind, e.at) for e in closed.entries} == {
        ("skipped", after.replace(hour=17, minute=0))
    }
    # before the window closes, the same posts are scheduled as ever
    before = build_calendar(posts, State(), CONFIG.accounts, datetime(2026, 12, 12, 16, tzinfo=UTC))
    assert {e.kind for e in before.entries} == {"scheduled"}


def test_json_times_are_in_utc_as_the_schema_says_whatever_offset_the_manifest_wrote() -> None:
    posts = desired(
        id="tokyo",
        caption="Hi",
        publish_at="2026-12-19T00:30:00+09:00",  # 18 December in London and New York
        not_after={"at": "2026-12-19 02:00", "tz": "Asia/Tokyo"},
    )
    calendar = build_calendar(posts, State(), CONFIG.accounts, NOW)
    document = json.loads(calendar.model_dump_json())
    rows = {(e["day"], e["at"], e["window_end"]) for e in document["entries"]}
    assert rows == {("2026-12-18", "2026-12-18T15:30:00Z", "2026-12-18T17:00:00Z")}


def test_a_scheduled_draft_says_it_goes_to_the_inbox_not_that_it_is_posted() -> None:
    from gitops_publisher.cli.views.calendar_ics import render_ics
    from gitops_publisher.cli.views.calendar_text import render_calendar_text

    posts = desired(id="bts", caption="Hi", mode="draft", publish_at="2026-12-11T15:00:00Z")
    calendar = build_calendar(posts, State(), CONFIG.accounts, NOW)
    assert {(e.kind, e.mode) for e in calendar.entries} == {("scheduled", "draft")}
    text = render_calendar_text(calendar, color=False)
    assert "10:00 EST  scheduled  bts  draft: to the creator's TikTok inbox, not posted" in text
    assert "draft: sent to the creator's TikTok inbox at this time" in render_ics(calendar)
    direct = build_calendar(
        desired(id="d", caption="x", publish_at="2026-12-11T15:00:00Z"),
        State(),
        CONFIG.accounts,
        NOW,
    )
    assert {e.mode for e in direct.entries} == {"direct"}


def test_a_post_the_platform_rejected_for_good_shows_failed_as_the_plan_decides() -> None:
    # It showed as scheduled at a past time (or "the next apply publishes it") while the plan
    # said failed: nothing is published until the post is fixed.
    from gitops_publisher.cli.views.calendar_ics import render_ics
    from gitops_publisher.cli.views.calendar_text import render_calendar_text
    from gitops_publisher.core.plan import Action
    from gitops_publisher.core.planner import plan
    from gitops_publisher.providers.registry import PLATFORMS

    at = datetime(2026, 11, 19, 9, 5, tzinfo=UTC)
    uk, us = sorted(desired(id="reel", publish_at="2026-11-19T09:00:00Z"), key=lambda p: str(p))
    (now_post,) = [p for p in desired(id="now") if p.address.account == "brand-us"]

    def failed(post: Any, reason: str) -> Record:
        return published(post, at, status="failed", fail_reason=reason, url=None, published_at=None)

    state = State()
    for record in (
        failed(us, "picture_size_check_failed"),  # TikTok's rejection for good
        failed(uk, "internal"),  # retryable: the next apply tries again
        failed(now_post, "picture_size_check_failed"),  # no publish_at
    ):
        state = state.with_record(record)
    posts = [uk, us, now_post]
    planned = plan(posts, state, NOW, accounts=CONFIG.accounts, platforms=PLATFORMS)
    rejected = {c.address: c.reason for c in planned.changes if c.action is Action.FAILED}
    calendar = build_calendar(posts, state, CONFIG.accounts, NOW, rejected=rejected)

    kinds = {e.address: (e.kind, e.at) for e in calendar.entries}
    assert kinds["reel@brand-us"] == ("failed", at)
    assert kinds["now@brand-us"] == ("failed", at)
    assert kinds["reel@brand-uk"][0] == "scheduled"
    assert calendar.unscheduled == []
    (entry,) = [e for e in calendar.entries if e.address == "reel@brand-us"]
    assert entry.reason is not None and "picture_size_check_failed" in entry.reason
    assert f"failed     reel  {entry.reason}" in render_calendar_text(calendar, color=False)
    ics = render_ics(calendar)
    event = ics.split("UID:reel@brand-us/scheduled@gitops-publisher")[1].split("END:VEVENT")[0]
    assert "STATUS:CANCELLED" in event
