"""How the plan shows TikTok: what a change sends at init, and the plan's use of its limits.

Rows of plain text for :meth:`TikTokPlatform.change_rows` and
:meth:`TikTokPlatform.budget_section`; the plan views (``cli/views/``) escape and style
them. Pure.
"""

from __future__ import annotations

from gitops_publisher.core.plan import AccountQuota, Change, Plan, window_text
from gitops_publisher.core.ports import BudgetSection
from gitops_publisher.providers.tiktok.ratelimit import INITS_PER_MINUTE

DRAFT = "draft: sent to the creator's TikTok inbox; they post it in the app"


def change_rows(change: Change) -> list[tuple[str, str]]:
    """A draft's mode, or a direct post's caption, privacy, cover and disclosure; its schedule."""
    rows: list[tuple[str, str]] = []
    if change.mode == "draft":
        rows.append(("mode", DRAFT))
    elif change.mode == "direct":
        caption = change.caption or ""
        shown = caption.replace("\n", "⏎ ")
        rows.append(("caption", f'"{shown}" ({change.caption_utf16}/2200 UTF-16)'))
        rows.append(("privacy", f"{change.privacy} · {interactions_text(change.post_info)}"))
        cover = change.post_info.get("video_cover_timestamp_ms")
        if cover is not None:
            rows.append(("cover", f"frame at {int(str(cover)) / 1000:.1f} s"))
        rows.append(("disclosure", disclosure_text(change.post_info)))
    if change.publish_at_local:  # the publisher itself waits for it (the plan's ``wait``)
        rows.append(("schedule", change.publish_at_local))
    if (window := window_text(change)) is not None:
        rows.append(("window", window))
    return rows


def interactions_text(post_info: dict[str, object]) -> str:
    """``comments on · duet off · stitch off`` from TikTok's negated flags."""
    parts = []
    for name, key in (
        ("comments", "disable_comment"),
        ("duet", "disable_duet"),
        ("stitch", "disable_stitch"),
    ):
        parts.append(f"{name} {'off' if post_info.get(key) else 'on'}")
    return " · ".join(parts)


def disclosure_text(post_info: dict[str, object]) -> str:
    """Which disclosure toggles are on, or ``none``."""
    labels = [
        label
        for key, label in (
            ("brand_content_toggle", "paid partnership"),
            ("brand_organic_toggle", "own brand"),
            ("is_aigc", "AI-generated"),
        )
        if post_info.get(key)
    ]
    return ", ".join(labels) or "none"


def budget_section(plan: Plan, provider: str) -> BudgetSection | None:
    """The plan's per-account limits of ``provider``'s accounts (None: no account publishes)."""
    mine = {c.account for c in plan.changes if c.provider == provider}
    rows = tuple((q.account, quota_text(q)) for q in plan.quotas if q.account in mine)
    if not rows:
        return None
    return BudgetSection("TikTok limits used by this apply", "account", rows)


def quota_text(quota: AccountQuota) -> str:
    """One account's use of TikTok's limits in this apply."""
    posts = quota.direct_posts + quota.posted_last_24h
    drafts = quota.drafts + quota.pending_drafts_24h
    return (
        f"{quota.inits} init(s) at {INITS_PER_MINUTE}/min (≥{quota.min_minutes} min) · "
        f"{posts}/{quota.daily_cap} direct posts in 24 h · "
        f"{drafts}/{quota.draft_cap} pending drafts"
    )
