"""What the plan shows of TikTok's limits comes from their one home (``ratelimit.py``)."""

from __future__ import annotations

import pytest

from gitops_publisher.core.models import TikTokAccount
from gitops_publisher.core.plan import AccountQuota
from gitops_publisher.providers.tiktok import plan_view, ratelimit, urls
from gitops_publisher.providers.tiktok.platform import TikTokPlatform

QUOTA = AccountQuota(
    account="brand-us",
    timezone="UTC",
    inits=2,
    min_minutes=0,
    direct_posts=1,
    posted_last_24h=0,
    daily_cap=15,
    drafts=0,
    pending_drafts_24h=0,
)


def test_the_init_rate_shown_is_the_limiters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a number of the view's own: a changed limit shows as it is."""
    assert "2 init(s) at 6/min (≥0 min)" in plan_view.quota_text(QUOTA)
    monkeypatch.setattr(plan_view, "INITS_PER_MINUTE", 4)
    assert "2 init(s) at 4/min (≥0 min)" in plan_view.quota_text(QUOTA)


def test_the_plan_counts_inits_against_the_rate_it_shows() -> None:
    assert ratelimit.INITS_PER_MINUTE == ratelimit.ENDPOINT_LIMITS[urls.DIRECT_INIT]
    account = TikTokAccount.model_validate({"refresh_token_env": "TOKEN_US"})
    inits = [q for q in TikTokPlatform().quotas(account) if q.name == "inits"]
    assert [q.limit for q in inits] == [ratelimit.INITS_PER_MINUTE]
