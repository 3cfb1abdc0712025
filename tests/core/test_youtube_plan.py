"""Planning YouTube targets: YouTube's own scheduling, its quota per Google project, Shorts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gitops_publisher.core.desired import DesiredPost, VideoRef, resolve_post
from gitops_publisher.core.models import Config, PostManifest, YouTubeQuotaModel
from gitops_publisher.core.plan import Action, MediaSummary, Plan
from gitops_publisher.core.planner import plan
from gitops_publisher.core.state import PriorPublish, Record, State
from gitops_publisher.core.youtube import not_a_short
from gitops_publisher.core.youtube_quota import (
    LIST_UNITS,
    LOOKUP_UNITS,
    lookup_budgets,
    quota_day,
    uploads_since,
)
from gitops_publisher.providers.registry import PLATFORMS

NOW = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)  # 12:00 in California
CONFIG = Config.model_validate(
    {
        "version": 1,
        "accounts": {
            "brand-us": {"refresh_token_env": "TOKEN_US"},
            "shorts-a": {"provider": "youtube", "refresh_token_env": "YT_A"},
            "shorts-b": {"provider": "youtube", "refresh_token_env": "YT_B"},
            "shorts-c": {
                "provider": "youtube",
                "refresh_token_env": "YT_C",
                "client_id_env": "OTHER_GOOGLE_CLIENT_ID",
            },
        },
        "defaults": {"privacy": "SELF_ONLY", "youtube": {"privacy": "public"}},
    }
)
VIDEO = VideoRef("media/a.mp4", "git:aaaa", 1000)


def desired(post_id: str = "launch", *accounts: str, **fields: Any) -> list[DesiredPost]:
    manifest = PostManifest.model_validate(
        {
            "id": post_id,
            "accounts": list(accounts or ("brand-us", "shorts-a")),
            "video": VIDEO.path,
            "caption": "Launch #shorts",
            **fields,
        }
    )
    posts, problems = resolve_post(manifest, CONFIG, f"posts/{post_id}.yaml", VIDEO)
    assert problems == []
    return posts


def make(posts: list[DesiredPost], state: State | None = None, **options: Any) -> Plan:
    options.setdefault("platforms", PLATFORMS)  # as planning.py hands them in
    return plan(
        posts, state or State(), options.pop("now", NOW), accounts=CONFIG.accounts, **options
    )


def published(address: str, when: datetime) -> Record:
    post_id, account = address.split("@")
    return Record.model_validate(
        {
            "post_id": post_id,
            "account": account,
            "status": "published",
            "fingerprint": "sha256:x",
            "mode": "direct",
            "video": "media/older.mp4",
            "publish_id": "https://upload.example/session",
            "created_at": when,
            "updated_at": when,
            "published_at": when,
        }
    )


# --- publish_at: YouTube schedules it -----------------------------------------------------------


def test_a_future_publish_at_uploads_to_youtube_now_and_waits_on_tiktok() -> None:
    later = NOW + timedelta(days=3)
    result = make(desired(publish_at=later, youtube={"privacy": "private"}))
    changes = {c.account: c for c in result.changes}
    assert changes["brand-us"].action is Action.WAIT
    youtube = changes["shorts-a"]
    assert youtube.action is Action.CREATE
    assert youtube.reason.startswith("scheduled by YouTube")
    assert youtube.youtube is not None
    assert youtube.youtube.resource["status"] == {
        "privacyStatus": "private",
        "publishAt": "2026-12-07T20:00:00Z",
    }


def test_a_past_publish_at_follows_the_publish_window_rules_as_on_tiktok() -> None:
    earlier = NOW - timedelta(hours=1)
    fields = {"publish_at": earlier, "youtube": {"privacy": "private"}}
    result = make(desired(**fields))
    assert {c.action for c in result.changes} == {Action.CREATE}
    skipped = make(desired(**fields, not_after=earlier + timedelta(minutes=30), on_missed="skip"))
    assert {c.action for c in skipped.changes} == {Action.SKIP}


# --- the quota -------------------------------------------------------------------------------


def test_the_quota_day_ends_at_midnight_pacific_time_in_summer_and_winter() -> None:
    start, end = quota_day(NOW)
    assert (start.isoformat(), end.isoformat()) == (
        "2026-12-04T00:00:00-08:00",
        "2026-12-05T00:00:00-08:00",
    )
    start, end = quota_day(datetime(2026, 7, 1, 6, 59, tzinfo=UTC))  # 23:59 PDT
    assert (start.isoformat(), end.isoformat()) == (
        "2026-06-30T00:00:00-07:00",
        "2026-07-01T00:00:00-07:00",
    )


def test_uploads_count_per_google_project_with_what_the_day_already_used() -> None:
    posts = desired("a", "shorts-a", "shorts-b", "shorts-c", "brand-us") + desired("b", "shorts-a")
    state = State().with_record(published("old@shorts-b", NOW - timedelta(hours=2)))
    state = state.with_record(published("older@shorts-a", NOW - timedelta(hours=13)))  # yesterday
    result = make(posts, state)
    quotas = {q.client: q for q in result.youtube_quotas}
    main = quotas["YOUTUBE_CLIENT_ID"]
    assert (main.accounts, main.uploads, main.uploads_today) == (["shorts-a", "shorts-b"], 3, 1)
    assert (main.upload_limit, main.units, main.unit_limit) == (100, 2 + 3, 10_000)
    assert main.resets_at.isoformat() == "2026-12-05T00:00:00-08:00"
    other = quotas["OTHER_GOOGLE_CLIENT_ID"]
    assert (other.accounts, other.uploads, other.uploads_today) == (["shorts-c"], 1, 0)
    assert [w for w in result.warnings if w.startswith("YouTube")] == []
    assert [q.account for q in result.quotas] == ["brand-us"]  # TikTok's limits: TikTok only


def test_uploads_today_count_retries_made_today_whenever_the_record_began() -> None:
    """Each attempt calls videos.insert once. A record keeps when it was first attempted
    (``created_at``) and last changed (``updated_at``): a retry today of a record begun days
    ago changed it today, and every attempt of a record begun today was made today."""
    days_ago = NOW - timedelta(days=3)
    retried = published("retried@shorts-a", days_ago).model_copy(
        update={"status": "failed", "published_at": None, "attempts": 2, "updated_at": NOW}
    )
    resumable = published("resumable@shorts-b", days_ago).model_copy(
        update={"status": "uploading", "published_at": None, "attempts": 3}
    )
    resumable = resumable.model_copy(update={"updated_at": NOW - timedelta(hours=1)})
    twice = published("twice@shorts-a", NOW - timedelta(hours=2)).model_copy(
        update={"status": "failed", "published_at": None, "attempts": 2}
    )
    untouched = published("untouched@shorts-a", days_ago).model_copy(
        update={"status": "failed", "published_at": None, "attempts": 2}
    )
    state = State()
    for record in (retried, resumable, twice, untouched):
        state = state.with_record(record)
    (quota,) = [q for q in make(desired("a", "shorts-a"), state).youtube_quotas]
    assert quota.uploads_today == 1 + 1 + 2
    assert quota.units_today == quota.uploads_today  # a videos.list each


def test_uploads_today_count_each_attempt_whose_handle_was_recorded_today() -> None:
    """A record begun days ago keeps when each of its attempts got its handle (``began_at``,
    archived with it in ``history``): two retries today are two uploads today, and an upload
    begun before midnight Pacific and settled after it is none of today's."""
    days_ago = NOW - timedelta(days=3)
    midnight = NOW - timedelta(hours=12)  # NOW is noon in California

    def prior(began: datetime) -> PriorPublish:
        return PriorPublish(publish_id="https://upload.example/s", status="failed", began_at=began)

    retried = published("retried@shorts-a", days_ago).model_copy(
        update={
            "attempts": 3,
            "history": [prior(days_ago), prior(NOW - timedelta(hours=3))],
            "began_at": NOW - timedelta(hours=1),
            "updated_at": NOW - timedelta(minutes=30),
        }
    )
    overnight = published("overnight@shorts-a", midnight - timedelta(minutes=10)).model_copy(
        update={"began_at": midnight - timedelta(minutes=10), "updated_at": NOW}
    )
    refused = published("refused@shorts-a", days_ago).model_copy(
        update={
            "status": "failed",
            "published_at": None,
            "attempts": 2,
            "history": [prior(days_ago)],
            "updated_at": NOW - timedelta(hours=2),
        }
    )
    start, _ = quota_day(NOW)
    # retried: this morning's failed attempt and the last one; refused: its start today.
    assert [uploads_since(r, start) for r in (retried, overnight, refused)] == [2, 0, 1]
    state = State()
    for record in (retried, overnight, refused):
        state = state.with_record(record)
    (quota,) = make(desired("a", "shorts-a"), state).youtube_quotas
    assert quota.uploads_today == 3


def test_more_uploads_than_the_bucket_holds_warn_before_anything_is_sent() -> None:
    posts = [p for i in range(3) for p in desired(f"p{i}", "shorts-a")]
    result = make(posts, youtube_quota=YouTubeQuotaModel(uploads_per_day=2))
    (warning,) = result.warnings
    assert warning.startswith(
        "YouTube project of YOUTUBE_CLIENT_ID: 3 upload(s) now and 0 since midnight Pacific "
        "exceed its 2 videos.insert calls a day; the rest fail with quotaExceeded until "
        "2026-12-05 00:00 PST"
    )


def test_the_older_units_model_charges_1600_units_an_upload() -> None:
    posts = [p for i in range(6) for p in desired(f"p{i}", "shorts-a")]
    settings = YouTubeQuotaModel(model="units")
    result = make(posts, youtube_quota=settings)
    (quota,) = result.youtube_quotas
    assert (quota.model, quota.upload_limit, quota.units) == ("units", None, 1 + 6 * 1601)
    assert result.warnings == []  # 9,607 of 10,000
    state = State().with_record(published("old@shorts-a", NOW - timedelta(hours=1)))
    result = make(posts, state, youtube_quota=settings)
    (warning,) = [w for w in result.warnings if w.startswith("YouTube")]
    assert "needs at least 9607 units and at least 1601 were spent since midnight" in warning


def test_the_plan_shows_the_units_the_day_spent_as_far_as_the_state_knows() -> None:
    """The text (and the Markdown, which uses it) shows the units the state's uploads since
    midnight Pacific spent beside this apply's, as at least: lookups of earlier runs and other
    tools' calls are not in the state. The warning says so too."""
    from gitops_publisher.providers.youtube.plan_view import quota_text as youtube_quota_text

    posts = [p for i in range(6) for p in desired(f"p{i}", "shorts-a")]
    state = State().with_record(published("old@shorts-a", NOW - timedelta(hours=1)))
    result = make(posts, state, youtube_quota=YouTubeQuotaModel(model="units"))
    (quota,) = result.youtube_quotas
    assert "≥9,607 + ≥1,601 today of 10,000 units/day" in youtube_quota_text(quota)
    (warning,) = [w for w in result.warnings if w.startswith("YouTube")]
    assert "needs at least 9607 units and at least 1601 were spent since midnight Pacific" in (
        warning
    )
    (fresh,) = make(desired("a", "shorts-a")).youtube_quotas
    assert "≥2 + ≥0 today of 10,000 units/day" in youtube_quota_text(fresh)


def unfinished(address: str, began: datetime) -> Record:
    """A YouTube upload a run began and never saw end (its session may have expired since)."""
    return published(address, began).model_copy(
        update={
            "status": "uploading",
            "published_at": None,
            "publish_id": "https://youtube.googleapis.com/upload/youtube/v3/videos"
            "?uploadType=resumable&upload_id=AEnB2Uabcd",
        }
    )


def test_resumes_count_the_lookup_of_their_video_and_warn_when_it_does_not_fit() -> None:
    """Each resume is counted as after an expired session: channels.list and a page of
    playlistItems.list to find its video, then videos.list to read it; no new upload."""
    posts = desired("a", "shorts-a") + desired("b", "shorts-b") + desired("c", "shorts-a")
    state = State()
    for address in ("a@shorts-a", "b@shorts-b"):
        state = state.with_record(unfinished(address, NOW - timedelta(days=9)))
    result = make(posts, state)
    (quota,) = result.youtube_quotas
    assert (quota.uploads, quota.resumes, quota.lookup_units) == (1, 2, 2 * LOOKUP_UNITS)
    # channels.list for both channels, videos.list for the upload and each resume, lookups.
    assert quota.units == 2 + (1 + 2) + 6
    assert quota.uploads_today == 0  # the resumed ones were uploaded days ago
    assert [w for w in result.warnings if w.startswith("YouTube")] == []
    tight = make(posts, state, youtube_quota=YouTubeQuotaModel(units_per_day=8))
    (warning,) = [w for w in tight.warnings if w.startswith("YouTube")]
    assert (
        "this apply needs at least 11 units (6 of them to look for the videos of 2 resumed "
        "upload(s) among the channel's uploads) and at least 0 were spent since midnight "
        "Pacific, over its 8 a day" in warning
    )
    assert "resumes whose lookup does not fit are left as they are" in warning
    from gitops_publisher.providers.youtube.plan_view import quota_text as youtube_quota_text

    assert "≥11 + ≥0 today of 8 units/day (6 to look for the videos of 2 resumed upload(s))" in (
        youtube_quota_text(tight.youtube_quotas[0])
    )


def test_at_the_edge_of_the_days_units_every_resume_can_hold_what_its_lookup_holds() -> None:
    """The plan counts a lookup as what apply holds before it begins one (channels.list, a
    page, a videos.list re-reading the other uploads): with exactly the units the plan
    counts, it warns of nothing, and the budget apply gets lets every lookup begin; one
    unit less, it warns."""
    posts = desired("a", "shorts-a") + desired("b", "shorts-b") + desired("c", "shorts-a")
    state = State()
    for address in ("a@shorts-a", "b@shorts-b"):
        state = state.with_record(unfinished(address, NOW - timedelta(days=9)))
    (counted,) = make(posts, state).youtube_quotas
    # channels.list, a page of playlistItems.list, a videos.list re-read: for each resume.
    assert counted.lookup_units == counted.resumes * 3 * LIST_UNITS
    edge = make(posts, state, youtube_quota=YouTubeQuotaModel(units_per_day=counted.units))
    assert [w for w in edge.warnings if w.startswith("YouTube")] == []
    budget = lookup_budgets(edge.youtube_quotas)["shorts-a"]
    assert [budget.take(LOOKUP_UNITS) for _ in range(counted.resumes)] == [True, True]
    assert budget.left == 0
    short = make(posts, state, youtube_quota=YouTubeQuotaModel(units_per_day=counted.units - 1))
    assert [w for w in short.warnings if w.startswith("YouTube")] != []


def test_a_resume_whose_record_holds_its_video_id_is_counted_no_lookup() -> None:
    """A record that holds the video YouTube answered (``made_ids``) is settled by one
    videos.list of that id, session or not: the plan counts no lookup for it, and says
    "to look for" only of the resumes that need one."""
    from gitops_publisher.providers.youtube.plan_view import quota_text as youtube_quota_text

    posts = desired("a", "shorts-a") + desired("b", "shorts-b")
    known = unfinished("a@shorts-a", NOW - timedelta(days=9)).model_copy(
        update={"status": "processing", "made_ids": ["vid-a"]}
    )
    state = State().with_record(known)
    (quota,) = make(posts, state).youtube_quotas
    assert (quota.uploads, quota.resumes, quota.lookup_units) == (1, 1, 0)
    # channels.list for both channels, videos.list for the upload and the resume.
    assert quota.units == 2 + 1 + 1
    assert "to look for" not in youtube_quota_text(quota)
    state = state.with_record(unfinished("b@shorts-b", NOW - timedelta(days=9)))
    (quota,) = make(desired("a", "shorts-a") + desired("b", "shorts-b"), state).youtube_quotas
    assert (quota.resumes, quota.lookup_units) == (2, LOOKUP_UNITS)
    assert "(3 to look for the videos of 1 resumed upload(s))" in youtube_quota_text(quota)
    tight = make(posts, state, youtube_quota=YouTubeQuotaModel(units_per_day=4))
    (warning,) = [w for w in tight.warnings if w.startswith("YouTube")]
    assert "needs at least 7 units (3 of them to look for the videos of 1 resumed" in warning


def test_a_channel_that_only_resumes_has_its_quota_counted() -> None:
    state = State().with_record(unfinished("a@shorts-c", NOW - timedelta(days=9)))
    (quota,) = make(desired("a", "shorts-c"), state).youtube_quotas
    assert (quota.client, quota.accounts) == ("OTHER_GOOGLE_CLIENT_ID", ["shorts-c"])
    assert (quota.uploads, quota.resumes, quota.units) == (0, 1, 1 + 1 + 3)


def test_lookups_may_spend_what_the_day_leaves_beside_the_plans_other_calls() -> None:
    posts = desired("a", "shorts-a", "shorts-c") + desired("b", "shorts-b")
    state = State().with_record(unfinished("a@shorts-a", NOW - timedelta(days=9)))
    state = state.with_record(unfinished("a@shorts-c", NOW - timedelta(days=9)))
    state = state.with_record(published("old@shorts-b", NOW - timedelta(hours=1)))
    settings = YouTubeQuotaModel(model="units", upload_units=100, units_per_day=300)
    quotas = {q.client: q for q in make(posts, state, youtube_quota=settings).youtube_quotas}
    main = quotas["YOUTUBE_CLIENT_ID"]
    # today: one upload (100 + its videos.list); this apply: two checks, one upload (100 +
    # 1), a resume's read; its lookup is left to what remains.
    assert (main.units_today, main.units, main.lookup_units) == (101, 2 + 101 + 1 + 3, 3)
    budgets = lookup_budgets(list(quotas.values()))
    assert budgets["shorts-a"] is budgets["shorts-b"]  # one Google project, one budget
    assert budgets["shorts-a"].left == 300 - 101 - 104
    # A lower bound: the lookups of earlier runs and other tools' calls are not recorded.
    assert (
        "the YouTube project of YOUTUBE_CLIENT_ID (300 units a day, at least 101 spent since "
        "midnight Pacific, 104 kept for this apply's uploads and checks;"
    ) in budgets["shorts-a"].about
    other = budgets["shorts-c"]
    assert other is not budgets["shorts-a"] and other.left == 300 - 0 - 2
    assert other.take(298) and not other.take(1) and (other.left, other.spent) == (0, 298)
    other.give_back(8)
    assert (other.left, other.spent) == (8, 290)


def test_the_config_names_the_model() -> None:
    config = Config.model_validate(
        {
            "version": 1,
            "accounts": {"a": {"refresh_token_env": "T"}},
            "youtube": {"quota": {"model": "units"}},
        }
    )
    assert config.youtube.quota.model == "units" and config.youtube.quota.upload_units == 1600
    assert (
        Config.model_validate(
            {"version": 1, "accounts": {"a": {"refresh_token_env": "T"}}}
        ).youtube.quota.model
        == "uploads"
    )


# --- Shorts ------------------------------------------------------------------------------------


def media(width: int, height: int, seconds: float) -> dict[str, MediaSummary]:
    return {
        VIDEO.content_id: MediaSummary(
            container="mp4",
            video_codec="h264",
            width=width,
            height=height,
            duration_ms=int(seconds * 1000),
            size=1000,
            chunk_size=1000,
            chunk_count=1,
        )
    }


@pytest.mark.parametrize(
    ("width", "height", "seconds", "warned"),
    [
        (1080, 1920, 60, None),
        (1080, 1080, 180, None),  # square, exactly three minutes
        (1920, 1080, 30, "it is landscape (1920x1080)"),
        (1080, 1920, 180.5, "it lasts 180.5 s"),
        (1920, 1080, 240, "it is landscape (1920x1080) and it lasts 240.0 s"),
    ],
)
def test_a_video_that_will_not_be_a_short_is_warned_about(
    width: int, height: int, seconds: float, warned: str | None
) -> None:
    result = make(desired(), media=media(width, height, seconds))
    youtube = [w for w in result.warnings if w.startswith("launch@shorts-a")]
    if warned is None:
        assert youtube == [] and not_a_short(width, height, int(seconds * 1000)) is None
    else:
        assert youtube == [
            f"launch@shorts-a: YouTube will publish a regular video, not a Short: {warned}; "
            "Shorts are square or vertical and at most 3 minutes long"
        ]
    assert not [w for w in result.warnings if w.startswith("launch@brand-us")]  # TikTok: none


# --- drift ------------------------------------------------------------------------------------


def test_a_published_youtube_post_edited_since_drifts_with_the_youtube_fields_that_changed() -> (
    None
):
    from gitops_publisher.core.drift import snapshot

    (before,) = desired("launch", "shorts-a", youtube={"tags": ["a", "b"]})
    record = published("launch@shorts-a", NOW - timedelta(days=1)).model_copy(
        update={"fingerprint": before.fingerprint, "sent": snapshot(before)}
    )
    state = State().with_record(record)
    assert {c.action for c in make([before], state).changes} == {Action.NOOP}
    (after,) = desired(
        "launch", "shorts-a", caption="New title", youtube={"tags": ["a"], "privacy": "unlisted"}
    )
    (change,) = make([after], state).changes
    assert change.action is Action.DRIFT
    assert [(d.field, d.before, d.after) for d in change.diff or []] == [
        ("youtube.title", "Launch #shorts", "New title"),
        ("youtube.description", "Launch #shorts", "New title"),
        ("youtube.tags", "a, b", "a"),
        ("youtube.privacy", "public", "unlisted"),
    ]
    assert "youtube" not in snapshot(desired("launch", "brand-us")[0]).model_dump(mode="json")


def test_a_saved_plan_shows_the_quota_reset_as_the_plan_did() -> None:
    from gitops_publisher.providers.youtube.plan_view import quota_text as youtube_quota_text

    (quota,) = make(desired("launch", "shorts-a")).youtube_quotas
    saved = type(quota).model_validate_json(quota.model_dump_json())  # the offset only
    assert youtube_quota_text(saved) == youtube_quota_text(quota)
    assert "resets 2026-12-05 00:00 PST" in youtube_quota_text(saved)


def test_a_resume_names_the_session_shortened_and_asks_youtube() -> None:
    session = (
        "https://youtube.googleapis.com/upload/youtube/v3/videos?uploadType=resumable"
        "&upload_id=AEnB2Usecretxyz9"
    )
    record = published("launch@shorts-a", NOW).model_copy(
        update={"status": "uploading", "publish_id": session}
    )
    changes = {
        c.address: c for c in make(desired(), State(resources={"launch@shorts-a": record})).changes
    }
    change = changes["launch@shorts-a"]
    assert change.action is Action.RESUME
    # The session URI is a capability: the plan (text, JSON, saved) never carries it.
    assert "upload_id" not in change.reason and "secretxyz" not in change.reason
    assert "upload session …xyz9" in change.reason and "ask YouTube" in change.reason
