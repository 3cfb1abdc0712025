"""The pure planner: one action per address, never a second publish of a recorded post."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_publisher.core.desired import DesiredPost, VideoRef, resolve_post
from gitops_publisher.core.models import Config, PostManifest
from gitops_publisher.core.plan import ACTING, PUBLISHING, Action, Plan
from gitops_publisher.core.planner import plan
from gitops_publisher.core.state import Record, State
from gitops_publisher.errors import AddressError
from gitops_publisher.providers.fake import FakePlatform
from gitops_publisher.providers.registry import PLATFORMS

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CONFIG = Config.model_validate(
    {
        "version": 1,
        "accounts": {
            "brand-us": {"refresh_token_env": "TOKEN_US", "timezone": "America/New_York"},
            "brand-uk": {"refresh_token_env": "TOKEN_UK", "timezone": "Europe/London"},
            "devrel": {"refresh_token_env": "TOKEN_DEVREL", "daily_post_cap": 3},
        },
        "defaults": {"privacy": "SELF_ONLY"},
    }
)
ACCOUNTS = tuple(CONFIG.accounts)


def desired(
    post_id: str = "launch",
    accounts: tuple[str, ...] = ("brand-us",),
    *,
    file: str | None = None,
    video_id: str = "git:aaaa",
    **fields: Any,
) -> list[DesiredPost]:
    manifest = PostManifest.model_validate(
        {"id": post_id, "accounts": list(accounts), "video": "media/a.mp4", **fields}
    )
    video = VideoRef("media/a.mp4", video_id, 1_000)
    posts, problems = resolve_post(manifest, CONFIG, file or f"posts/{post_id}.yaml", video)
    assert problems == []
    return posts


def record(post: DesiredPost | str, status: str = "published", **changes: Any) -> Record:
    if isinstance(post, str):
        post_id, account = post.split("@")
        fingerprint, mode = "sha256:gone", "direct"
    else:
        post_id, account = post.address.post_id, post.address.account
        fingerprint, mode = post.fingerprint, post.mode
    fields: dict[str, Any] = {
        "post_id": post_id,
        "account": account,
        "status": status,
        "fingerprint": fingerprint,
        "mode": mode,
        "video": "media/a.mp4",
        "publish_id": "v_pub_file~1",
        "created_at": NOW - timedelta(days=2),
        "updated_at": NOW - timedelta(days=2),
        "published_at": NOW - timedelta(days=2) if status in ("published", "inbox") else None,
    }
    fields.update(changes)
    return Record.model_validate(fields)


def state_of(*records: Record) -> State:
    state = State(lineage="00000000-0000-4000-8000-000000000000")
    for each in records:
        state = state.with_record(each)
    return state


def make(posts: list[DesiredPost], state: State | None = None, **options: Any) -> Plan:
    options.setdefault("accounts", CONFIG.accounts)
    options.setdefault("platforms", PLATFORMS)  # as planning.py hands them in
    return plan(posts, state or State(), options.pop("now", NOW), **options)


def actions(result: Plan) -> dict[str, Action]:
    return {change.address: change.action for change in result.changes}


def only(result: Plan) -> Any:
    assert len(result.changes) == 1
    return result.changes[0]


# --- the actions ------------------------------------------------------------------------------


def test_a_new_post_is_created_and_the_change_shows_what_tiktok_receives() -> None:
    change = only(make(desired(caption="Hello 🚀", privacy="PUBLIC_TO_EVERYONE")))
    assert change.action is Action.CREATE
    assert change.reason == "new post"
    assert change.caption == "Hello 🚀"
    assert change.caption_utf16 == 8  # the rocket counts 2
    assert change.privacy == "PUBLIC_TO_EVERYONE"
    assert change.post_info["title"] == "Hello 🚀"
    assert change.post_info["privacy_level"] == "PUBLIC_TO_EVERYONE"
    assert change.manifest == "posts/launch.yaml"


def test_a_future_post_waits_and_shows_the_schedule_in_the_accounts_timezone() -> None:
    posts = desired(accounts=("brand-us", "brand-uk"), publish_at="2026-12-01T14:00:00Z")
    result = make(posts)
    assert set(actions(result).values()) == {Action.WAIT}
    local = {c.account: c.publish_at_local for c in result.changes}
    assert local == {
        "brand-us": "2026-12-01 09:00 EST (America/New_York)",
        "brand-uk": "2026-12-01 14:00 GMT (Europe/London)",
    }
    assert not result.has_changes
    assert result.quotas == []  # waiting uses no init


def test_a_post_whose_time_has_come_is_created() -> None:
    change = only(make(desired(publish_at="2026-11-25T11:59:00Z")))
    assert (change.action, change.reason) == (Action.CREATE, "due: its publish time has come")


@pytest.mark.parametrize("status", ["uploading", "processing"])
def test_an_unknown_outcome_is_resumed_before_anything_else(status: str) -> None:
    (post,) = desired(caption="changed since")
    stale = record(post, status, fingerprint="sha256:older", publish_id="v_pub_file~7")
    for replacing in (frozenset(), frozenset({"launch@brand-us"})):
        change = only(make([post], state_of(stale), replace=replacing))
        assert change.action is Action.RESUME  # even --replace must first ask TikTok
        assert "v_pub_file~7" in change.reason
        assert change.publish_id == "v_pub_file~7"


def test_an_init_that_never_recorded_a_publish_id_is_retried() -> None:
    (post,) = desired()
    change = only(make([post], state_of(record(post, "initiating", publish_id=None))))
    assert change.action is Action.RETRY
    assert "no byte was sent" in change.reason


def test_a_retryable_failure_is_retried() -> None:
    (post,) = desired()
    failed = record(post, "failed", fail_reason="internal")
    change = only(make([post], state_of(failed)))
    assert change.action is Action.RETRY
    assert "internal" in change.reason


def test_whether_a_platform_reason_is_retryable_is_the_platforms_to_say() -> None:
    (post,) = desired()
    failed = state_of(record(post, "failed", fail_reason="internal"))
    nothing_retryable = {"tiktok": FakePlatform(name="tiktok")}
    assert only(make([post], failed, platforms=nothing_retryable)).action is Action.FAILED
    flaky = {"tiktok": FakePlatform(retryable_reasons=frozenset({"internal"}), name="tiktok")}
    assert only(make([post], failed, platforms=flaky)).action is Action.RETRY


@pytest.mark.parametrize("reason", ["upload_failed", "upload_expired", "init_failed"])
def test_an_attempt_the_engine_abandoned_is_retried_on_any_platform(reason: str) -> None:
    (post,) = desired()
    failed = state_of(record(post, "failed", fail_reason=reason))
    change = only(make([post], failed, platforms={"tiktok": FakePlatform(name="tiktok")}))
    assert change.action is Action.RETRY and reason in change.reason


def test_a_final_rejection_stays_failed_until_the_manifest_changes() -> None:
    (post,) = desired()
    rejected = record(post, "failed", fail_reason="picture_size_check_failed")
    result = make([post], state_of(rejected))
    assert only(result).action is Action.FAILED
    assert not result.has_changes
    assert any("picture_size_check_failed" in w for w in result.warnings)

    (edited,) = desired(video_id="git:bbbb")  # a new video: worth another try
    assert only(make([edited], state_of(rejected))).action is Action.RETRY


def test_a_final_rejection_can_be_replaced() -> None:
    (post,) = desired()
    rejected = record(post, "failed", fail_reason="picture_size_check_failed")
    result = make([post], state_of(rejected), replace=frozenset({"launch"}))
    assert only(result).action is Action.REPLACE


@pytest.mark.parametrize(("mode", "status"), [("direct", "published"), ("draft", "inbox")])
def test_a_recorded_unchanged_post_is_a_noop(mode: str, status: str) -> None:
    (post,) = desired(mode=mode)
    result = make([post], state_of(record(post, status)))
    assert only(result).action is Action.NOOP
    assert not result.has_changes
    assert result.warnings == []


def test_a_published_post_that_changed_is_drift_and_nothing_is_done() -> None:
    (published,) = desired(caption="first words")
    (edited,) = desired(caption="second thoughts")
    result = make([edited], state_of(record(published)))
    change = only(result)
    assert change.action is Action.DRIFT
    assert change.recorded_fingerprint == published.fingerprint != change.fingerprint
    assert not result.has_changes  # TikTok cannot edit: apply does nothing
    assert any("TikTok posts are never edited" in w for w in result.warnings)


def test_replace_publishes_a_published_post_anew() -> None:
    posts = desired(accounts=("brand-us", "brand-uk"))
    state = state_of(*(record(p) for p in posts))
    result = make(posts, state, replace=frozenset({"launch@brand-uk"}))
    assert actions(result) == {"launch@brand-uk": Action.REPLACE, "launch@brand-us": Action.NOOP}
    assert result.has_changes
    assert result.replace == ["launch@brand-uk"]


def test_a_bare_post_id_selects_every_account() -> None:
    posts = desired(accounts=("brand-us", "brand-uk"))
    state = state_of(*(record(p) for p in posts))
    result = make(posts, state, replace=frozenset({"launch"}))
    assert set(actions(result).values()) == {Action.REPLACE}


def test_a_record_without_manifest_is_an_orphan() -> None:
    result = make([], state_of(record("gone@brand-us")))
    change = only(result)
    assert change.action is Action.ORPHAN
    assert "state rm" in change.reason
    assert not result.has_changes
    assert any(w.startswith("gone@brand-us:") for w in result.warnings)


def test_an_orphan_with_an_unknown_outcome_is_resumed() -> None:
    orphan = record("gone@brand-us", "processing", publish_id="v_pub_file~9")
    change = only(make([], state_of(orphan)))
    assert change.action is Action.RESUME
    assert "v_pub_file~9" in change.reason


# --- missed publish windows -------------------------------------------------------------------

MISSED = {"publish_at": "2026-11-20T09:00:00Z", "not_after": "2026-11-21T09:00:00Z"}


def test_a_missed_window_is_skipped_with_on_missed_skip() -> None:
    result = make(desired(on_missed="skip", **MISSED))
    assert only(result).action is Action.SKIP
    assert not result.has_changes
    assert result.errors == []


def test_a_missed_window_is_published_late_with_on_missed_publish() -> None:
    change = only(make(desired(on_missed="publish", **MISSED)))
    assert change.action is Action.CREATE
    assert change.reason.startswith("late")


def test_a_missed_window_is_an_error_with_on_missed_fail() -> None:
    result = make(desired(on_missed="fail", **MISSED))
    assert only(result).action is Action.FAILED
    assert result.errors and result.errors[0].startswith("launch@brand-us:")


def test_on_missed_comes_from_the_defaults_when_the_manifest_is_silent() -> None:
    # CONFIG's defaults leave on_missed at "publish"
    assert only(make(desired(**MISSED))).action is Action.CREATE


def test_a_window_that_passed_does_not_matter_once_published() -> None:
    (post,) = desired(on_missed="fail", **MISSED)
    result = make([post], state_of(record(post)))
    assert only(result).action is Action.NOOP
    assert result.errors == []


def test_a_publish_at_years_in_the_past_is_published_with_a_warning() -> None:
    result = make(desired(publish_at="2023-11-25T09:00:00Z"))
    change = only(result)
    assert change.action is Action.CREATE
    assert change.reason.startswith("late: publish_at was 3 years ago")
    assert [w for w in result.warnings if "publish_at was 3 years ago" in w] == [
        f"launch@brand-us: {change.reason}"
    ]


def test_a_publish_at_a_few_hours_late_is_simply_due() -> None:
    result = make(desired(publish_at="2026-11-25T01:00:00Z"))
    assert only(result).reason == "due: its publish time has come"
    assert result.warnings == []


def test_inside_the_window_a_post_is_simply_due() -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    change = only(make(desired(on_missed="skip", **MISSED), now=now))
    assert change.action is Action.CREATE


@pytest.mark.parametrize(
    ("last", "on_missed", "expected"),
    [
        ({"status": "failed", "fail_reason": "internal"}, "skip", Action.SKIP),
        ({"status": "failed", "fail_reason": "internal"}, "fail", Action.FAILED),
        ({"status": "failed", "fail_reason": "internal"}, "publish", Action.RETRY),
        ({"status": "initiating", "publish_id": None}, "skip", Action.SKIP),
        ({"status": "initiating", "publish_id": None}, "publish", Action.RETRY),
    ],
)
def test_a_new_attempt_after_the_window_closed_follows_on_missed(
    last: dict[str, Any], on_missed: str, expected: Action
) -> None:
    # A retryable failure (or an init that sent nothing) inside the window was retried the
    # day after it closed, published late although on_missed said skip.
    (post,) = desired(on_missed=on_missed, **MISSED)
    status = last.pop("status")
    change = only(make([post], state_of(record(post, status, **last))))
    assert change.action is expected
    if expected is not Action.RETRY:
        assert f"on_missed: {on_missed}" in change.reason


def test_inside_the_window_a_failed_attempt_is_retried_whatever_on_missed_says() -> None:
    (post,) = desired(on_missed="skip", **MISSED)
    failed = state_of(record(post, "failed", fail_reason="internal"))
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert only(make([post], failed, now=now)).action is Action.RETRY


# --- targets and replace selectors ------------------------------------------------------------


def test_targets_limit_the_plan_but_not_its_fingerprints() -> None:
    posts = desired("a", ("brand-us", "brand-uk")) + desired("b")
    state = state_of(record("gone@brand-us"), record("gone@devrel"))
    result = make(posts, state, targets=frozenset({"a@brand-uk", "gone"}))
    assert sorted(actions(result)) == ["a@brand-uk", "gone@brand-us", "gone@devrel"]
    # a saved plan pins every manifest's fingerprint, targeted or not
    assert sorted(result.fingerprints) == ["a@brand-uk", "a@brand-us", "b@brand-us"]
    assert result.targets == ["a@brand-uk", "gone"]


def test_targets_warn_that_the_plan_is_partial() -> None:
    posts = desired("a") + desired("b")
    result = make(posts, targets=frozenset({"a"}))
    assert result.warnings == [
        "partial plan: only a (--target); other posts are neither shown nor applied. "
        "Use it for exceptions, not routinely"
    ]
    assert not any("partial" in w for w in make(posts).warnings)


def test_replace_of_a_post_not_yet_published_is_said_to_do_nothing() -> None:
    posts = desired(accounts=("brand-us", "brand-uk"))
    result = make(posts, state_of(record(posts[0])), replace=frozenset({"launch"}))
    assert actions(result) == {"launch@brand-uk": Action.CREATE, "launch@brand-us": Action.REPLACE}
    assert result.warnings == [
        "launch@brand-uk: --replace has no effect: nothing published to replace (create: new post)"
    ]


@pytest.mark.parametrize("option", ["targets", "replace"])
@pytest.mark.parametrize("selector", ["nope", "launch@nope", "nope@brand-us"])
def test_an_unknown_selector_is_an_address_error(option: str, selector: str) -> None:
    with pytest.raises(AddressError, match=selector) as caught:
        make(desired(), **{option: frozenset({selector})})
    assert "POST_ID@ACCOUNT" in caught.value.hint


def test_a_selector_may_name_an_orphan() -> None:
    result = make([], state_of(record("gone@brand-us")), targets=frozenset({"gone@brand-us"}))
    assert actions(result) == {"gone@brand-us": Action.ORPHAN}


# --- quotas -----------------------------------------------------------------------------------


def test_quotas_count_inits_per_account_and_the_minutes_they_need() -> None:
    posts = [p for i in range(7) for p in desired(f"p{i}", ("brand-us",))]
    posts += desired("later", ("brand-us",), publish_at="2027-01-01T00:00:00Z")
    result = make(posts)
    (quota,) = result.quotas
    assert (quota.account, quota.inits, quota.direct_posts, quota.min_minutes) == (
        "brand-us",
        7,  # the waiting post uses no init
        7,
        1,  # 6 inits per minute: the 7th waits for the next minute
    )
    assert quota.timezone == "America/New_York"
    assert quota.warnings == []


def test_a_plan_over_the_daily_cap_warns_counting_the_last_24_hours() -> None:
    posts = [p for i in range(2) for p in desired(f"new{i}", ("devrel",))]  # devrel cap: 3
    recent = desired("recent", ("devrel",))[0]
    old = desired("old", ("devrel",))[0]
    state = state_of(
        record(recent, published_at=NOW - timedelta(hours=3)),
        record(old, published_at=NOW - timedelta(hours=30)),
    )
    result = make([*posts, recent, old], state)
    (quota,) = result.quotas
    assert (quota.direct_posts, quota.posted_last_24h, quota.daily_cap) == (2, 1, 3)
    assert quota.warnings == []

    more = [p for i in range(3) for p in desired(f"new{i}", ("devrel",))]
    result = make([*more, recent, old], state)
    (quota,) = result.quotas
    assert len(quota.warnings) == 1
    assert "exceed the daily cap of 3" in quota.warnings[0]
    assert any(w.startswith("devrel: ") and "daily cap" in w for w in result.warnings)


def test_more_than_five_pending_drafts_warn() -> None:
    drafts = [p for i in range(4) for p in desired(f"d{i}", ("brand-uk",), mode="draft")]
    pending = [desired(f"pending{i}", ("brand-uk",), mode="draft")[0] for i in range(2)]
    state = state_of(*(record(p, "inbox", published_at=NOW - timedelta(hours=1)) for p in pending))
    result = make([*drafts, *pending], state)
    (quota,) = result.quotas
    assert (quota.drafts, quota.pending_drafts_24h, quota.draft_cap) == (4, 2, 5)
    assert any("pending drafts" in w for w in quota.warnings)


# --- properties -------------------------------------------------------------------------------

POST_IDS = [f"post-{i}" for i in range(6)]
STATUSES = ["initiating", "uploading", "processing", "published", "inbox", "failed"]
RECORDED_PUBLISH = {"published", "inbox", "uploading", "processing"}


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[DesiredPost], State, frozenset[str]]:
    posts: list[DesiredPost] = []
    for post_id in draw(st.lists(st.sampled_from(POST_IDS), unique=True, max_size=5)):
        fields: dict[str, Any] = {
            "caption": draw(st.sampled_from(["", "hi #a", "hello 🚀 @friend"])),
            "mode": draw(st.sampled_from(["direct", "draft"])),
            "on_missed": draw(st.sampled_from(["skip", "publish", "fail"])),
        }
        offset = draw(st.none() | st.integers(-3, 3))
        if offset is not None:
            fields["publish_at"] = NOW + timedelta(days=offset, hours=1)
            if draw(st.booleans()):
                fields["not_after"] = fields["publish_at"] + timedelta(days=1)
        accounts = draw(st.lists(st.sampled_from(ACCOUNTS), unique=True, min_size=1))
        video_id = draw(st.sampled_from(["git:aaaa", "git:bbbb"]))
        posts += desired(post_id, tuple(accounts), video_id=video_id, **fields)
    candidates = [str(p.address) for p in posts] + ["gone@brand-us", "gone@devrel"]
    records = []
    for address in draw(st.lists(st.sampled_from(candidates), unique=True)):
        status = draw(st.sampled_from(STATUSES))
        match = next((p for p in posts if str(p.address) == address), None)
        base = record(match if match and draw(st.booleans()) else address, status)
        reason = draw(st.sampled_from(["internal", "picture_size_check_failed"]))
        records.append(
            base.model_copy(update={"fail_reason": reason if status == "failed" else None})
        )
    known = [str(p.address) for p in posts] + [r.address for r in records]
    replacing = draw(st.lists(st.sampled_from(known), unique=True, max_size=2)) if known else []
    return posts, state_of(*records), frozenset(replacing)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_every_address_gets_exactly_one_action(
    scenario: tuple[list[DesiredPost], State, frozenset[str]],
) -> None:
    posts, state, replacing = scenario
    result = make(posts, state, replace=replacing)
    addresses = [change.address for change in result.changes]
    assert len(addresses) == len(set(addresses))
    assert set(addresses) == {str(p.address) for p in posts} | set(state.resources)
    assert result.has_changes == any(c.action in ACTING for c in result.changes)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_a_recorded_publish_is_never_planned_as_create(
    scenario: tuple[list[DesiredPost], State, frozenset[str]],
) -> None:
    posts, state, replacing = scenario
    for change in make(posts, state, replace=replacing).changes:
        recorded = state.resources.get(change.address)
        if recorded is None or recorded.status not in RECORDED_PUBLISH:
            continue
        assert change.action is not Action.CREATE
        if recorded.status in ("uploading", "processing"):
            assert change.action is Action.RESUME
        elif change.address not in replacing and change.address.split("@")[0] not in replacing:
            assert change.action not in PUBLISHING


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_plans_are_stable_under_file_renames_and_input_order(
    scenario: tuple[list[DesiredPost], State, frozenset[str]], shuffler: random.Random
) -> None:
    posts, state, replacing = scenario
    moved = [replace(p, manifest_file=f"posts/moved/{p.manifest_file[6:]}") for p in posts]
    shuffler.shuffle(moved)
    records = list(state.resources.values())
    shuffler.shuffle(records)
    reordered = State(
        lineage=state.lineage, serial=state.serial, resources={r.address: r for r in records}
    )
    before = make(posts, state, replace=replacing)
    after = make(moved, reordered, replace=replacing)
    assert after.fingerprints == before.fingerprints
    assert after.quotas == before.quotas
    assert after.warnings == before.warnings
    assert after.plan_hash() == before.plan_hash()
    strip = {"manifest"}
    assert [c.model_dump(exclude=strip) for c in after.changes] == [
        c.model_dump(exclude=strip) for c in before.changes
    ]


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(["posts/a.yaml", "posts/deep/er/b.yml", "launch.yaml"]))
def test_a_fingerprint_does_not_depend_on_the_manifest_file(file: str) -> None:
    assert [p.fingerprint for p in desired(file=file)] == [
        p.fingerprint for p in desired(file="posts/launch.yaml")
    ]


def test_each_posts_address_is_made_text_a_few_times_not_once_per_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The planner keeps each post's address text (the key of the state's records, of the
    # plan's fingerprints, of moves) instead of formatting it again at every use: 11 times
    # a post until 2026-12-04 (one of them for --replace's warnings), now twice: in the list
    # it plans from and in the change.
    from gitops_publisher.core.address import Address

    posts = [post for n in range(20) for post in desired(f"post-{n}", ACCOUNTS)]
    made: list[str] = []
    text = Address.__str__
    monkeypatch.setattr(Address, "__str__", lambda self: made.append("x") or text(self))
    result = make(posts, state_of(record(posts[0])))
    assert len(result.changes) == len(posts) == 60
    assert len(made) <= 2 * len(posts)


def test_a_project_without_youtube_channels_leaves_youtube_s_checks_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The Google projects' quota and testing mode belong to YouTube channels: a TikTok-only
    # project's changes are not handed to them (they answered "nothing" after looking).
    import gitops_publisher.core.planner as planner

    def unexpected(*_args: object, **_kwargs: object) -> list[str]:
        raise AssertionError("a TikTok-only plan looked at YouTube's checks")

    monkeypatch.setattr(planner, "youtube_quotas", unexpected)
    monkeypatch.setattr(planner, "_testing_mode_warnings", unexpected)
    result = make(desired(accounts=ACCOUNTS))
    assert result.youtube_quotas == [] and len(result.changes) == 3


def test_a_publish_at_one_day_late_says_one_day_and_a_draft_goes_to_the_inbox() -> None:
    # NOW is 2026-11-25 12:00 UTC: a day and a half after this publish_at
    change = only(make(desired(publish_at="2026-11-24T00:00:00Z")))
    assert change.reason.startswith(
        "late: publish_at was 1 day ago and there is no not_after, so it is published now"
    )
    draft = only(make(desired(publish_at="2026-11-24T00:00:00Z", mode="draft")))
    assert draft.reason.startswith(
        "late: publish_at was 1 day ago and there is no not_after, so it is sent to the "
        "creator's inbox now"
    )


@pytest.mark.parametrize(
    ("status", "reason"),
    [("failed", "picture_size_check_failed"), ("failed", "upload_failed"), ("initiating", None)],
)
def test_a_new_attempt_waits_for_a_publish_at_moved_into_the_future(
    status: str, reason: str | None
) -> None:
    """A rejected post, fixed and rescheduled for next week, goes out next week, not now:
    a retry is a publish like a create, and a publish_at ahead makes it wait."""
    (before,) = desired(caption="First try", publish_at="2026-11-24T14:00:00Z")
    failed = record(before, status, fail_reason=reason)
    (fixed,) = desired(caption="Fixed", publish_at="2026-12-01T14:00:00Z")  # NOW + 6 days
    change = only(make([fixed], state_of(failed)))
    assert (change.action, change.publish_at_local) == (
        Action.WAIT,
        "2026-12-01 09:00 EST (America/New_York)",
    )
    assert change.reason.startswith("scheduled; the last attempt")
    # once it is due, the new attempt goes ahead as before
    later = only(make([fixed], state_of(failed), now=datetime(2026, 12, 1, 14, 1, tzinfo=UTC)))
    assert later.action is Action.RETRY
