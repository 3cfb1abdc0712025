"""The plan's per-account quotas are the platform's (``Platform.quotas``), not the planner's."""

from __future__ import annotations

from datetime import timedelta

from gitops_publisher.core.plan import Plan
from gitops_publisher.core.ports import Quota
from gitops_publisher.core.state import State
from gitops_publisher.providers.fake import FakePlatform
from gitops_publisher.providers.registry import PLATFORMS
from tests.core.test_planner import CONFIG, NOW, desired, make, record, state_of

MINUTE, DAY = timedelta(minutes=1), timedelta(hours=24)


def with_tiktok(platform: FakePlatform, posts: list, state: State | None = None) -> Plan:
    return make(posts, state, platforms={**PLATFORMS, "tiktok": platform})


def test_the_rate_and_the_caps_are_the_platforms() -> None:
    slower = FakePlatform(
        account_quotas=(
            Quota("inits", 3, MINUTE),
            Quota("direct posts", 4, DAY, modes=frozenset({"direct"}), refusal="too_many"),
            Quota("pending drafts", 1, DAY, modes=frozenset({"draft"})),
        ),
        name="tiktok",
        title="Tok",
    )
    posts = [p for i in range(7) for p in desired(f"p{i}", ("brand-us",))]
    (quota,) = with_tiktok(slower, posts).quotas
    assert (quota.inits, quota.min_minutes, quota.daily_cap, quota.draft_cap) == (7, 2, 4, 1)
    assert quota.warnings == [
        "7 direct post(s) plus 0 in the last 24 h exceed the daily cap of 4; the rest will "
        "fail with too_many: spread them with publish_at"
    ]
    drafts = [p for i in range(2) for p in desired(f"d{i}", ("brand-uk",), mode="draft")]
    (quota,) = with_tiktok(slower, drafts).quotas
    assert quota.warnings == ["2 draft(s) plus 0 pending exceed Tok's 1 pending drafts per 24 h"]


def test_a_platform_without_account_quotas_has_no_account_line() -> None:
    app_only = FakePlatform(
        account_quotas=(Quota("uploads", 100, DAY, scope="app"),), name="tiktok"
    )
    assert with_tiktok(app_only, desired()).quotas == []


def test_tiktoks_quota_lines_read_as_before() -> None:
    """TikTok's own quotas give the plan the figures and words it had before they moved."""
    devrel = [p for i in range(4) for p in desired(f"new{i}", ("devrel",))]  # cap 3
    recent = desired("recent", ("devrel",))[0]
    state = state_of(record(recent, published_at=NOW - timedelta(hours=3)))
    (quota,) = make([*devrel, recent], state).quotas
    assert quota.model_dump() == {
        "account": "devrel",
        "timezone": CONFIG.accounts["devrel"].timezone,
        "inits": 4,
        "min_minutes": 0,
        "direct_posts": 4,
        "posted_last_24h": 1,
        "daily_cap": 3,
        "drafts": 0,
        "pending_drafts_24h": 0,
        "draft_cap": 5,
        "warnings": [
            "4 direct post(s) plus 1 in the last 24 h exceed the daily cap of 3; the rest will "
            "fail with spam_risk_too_many_posts: spread them with publish_at"
        ],
    }
    drafts = [p for i in range(6) for p in desired(f"d{i}", ("brand-uk",), mode="draft")]
    (quota,) = make(drafts).quotas
    assert quota.warnings == [
        "6 draft(s) plus 0 pending exceed TikTok's 5 pending drafts per 24 h "
        "(spam_risk_too_many_pending_share)"
    ]


def test_each_account_counts_its_own_publishes_and_recent_posts() -> None:
    """The publishes and the state's posts are counted per account, wherever they are listed."""
    us = [p for i in range(2) for p in desired(f"us{i}", ("brand-us",))]
    devrel = [p for i in range(3) for p in desired(f"dev{i}", ("devrel",))]
    old_us, old_dev = desired("old-us", ("brand-us",))[0], desired("old-dev", ("devrel",))[0]
    state = state_of(
        record(old_dev, published_at=NOW - timedelta(hours=3)),
        record(old_us, published_at=NOW - timedelta(hours=30)),  # outside the day
    )
    quotas = make([*devrel, *us, old_us, old_dev], state).quotas
    assert [(q.account, q.direct_posts, q.posted_last_24h) for q in quotas] == [
        ("brand-us", 2, 0),
        ("devrel", 3, 1),
    ]
    assert [len(q.warnings) for q in quotas] == [0, 1]  # devrel: 3 + 1 over its cap of 3
