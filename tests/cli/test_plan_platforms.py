"""The plan views name no platform: what each shows of a platform is the platform's to say.

A change's rows of what it sends (``Platform.change_rows``) and the plan's use of a
platform's limits (``Platform.budget_section``) come from the registry, by the change's
``provider``; a platform registered there is shown with no edit of ``cli/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_publisher.cli.views import plan_markdown, plan_text
from gitops_publisher.cli.views.plan_markdown import render_markdown
from gitops_publisher.cli.views.plan_text import render_text
from gitops_publisher.core.plan import AccountQuota, Plan
from gitops_publisher.core.ports import BudgetSection
from gitops_publisher.providers.fake import FakePlatform
from gitops_publisher.providers.registry import PLATFORMS
from tests.apply.code_scan import platforms_named
from tests.cli.plan_sample import sample_plan


@pytest.mark.parametrize("module", [plan_text, plan_markdown], ids=lambda m: m.__name__)
def test_the_plan_views_name_no_platform_in_their_code(module: object) -> None:
    """Only docstrings and comments may name one, as an example."""
    source = Path(str(getattr(module, "__file__", ""))).read_text(encoding="utf-8")
    assert platforms_named(source) == []


def with_a_fake_account() -> Plan:
    """The sample plan plus one create and one quota line of an account on the fake."""
    sample = sample_plan()
    tiktok = sample.changes[0]  # launch@brand-us
    fake = tiktok.model_copy(
        update={
            "address": "launch@fake-1",
            "account": "fake-1",
            "provider": "fake",
            "caption": "hello\nfake",
            "publish_at_local": "2099-01-10 09:00 UTC (UTC)",
            "media": None,
        }
    )
    quota = AccountQuota(
        account="fake-1",
        timezone="UTC",
        inits=1,
        min_minutes=0,
        direct_posts=1,
        posted_last_24h=2,
        daily_cap=15,
        drafts=0,
        pending_drafts_24h=0,
    )
    return sample.model_copy(
        update={"changes": [fake, *sample.changes], "quotas": [*sample.quotas, quota]}
    )


def test_a_registered_platform_gets_its_rows_and_budget_section_in_the_text_view(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(PLATFORMS, "fake", FakePlatform())
    text = render_text(with_a_fake_account(), color=False)
    fake = text.split("launch@fake-1")[1].split("  + launch@brand-us")[0]
    # Escaped by the view, as every value of the project (the fake's row is plain text).
    assert fake.splitlines()[1:] == [
        "      manifest   posts/launch.yaml",
        "      video      media/a.mp4 (1.2 MB, git:aaaabbbb)",
        "      sends      direct: hello\\nfake",
        "      schedule   2099-01-10 09:00 UTC (UTC)",
    ]
    assert (
        "Fake limits used by this apply (per account):\n  fake-1: 1 start(s) · 3/15 posts in 24 h\n"
    ) in text
    # Its account is the fake's alone: TikTok's section keeps its own two lines.
    assert text.count("fake-1:") == 1
    tiktok = text.split("TikTok limits used by this apply (per account):\n")[1].split("\n\n")[0]
    assert [line.split(":")[0] for line in tiktok.splitlines()] == ["  brand-uk", "  brand-us"]
    # In the registry's order: the fake, registered last, comes after YouTube.
    assert text.index("YouTube quota used") < text.index("Fake limits used")


def test_a_registered_platform_gets_its_rows_and_budget_section_in_the_markdown_view(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(PLATFORMS, "fake", FakePlatform())
    markdown = render_markdown(with_a_fake_account())
    details = markdown.split("<code>launch@fake-1</code>")[1].split("</details>")[0]
    assert details.splitlines() == [
        ": what Fake will receive</summary>",
        "",
        "- **manifest**: posts/launch.yaml",
        "- **video**: media/a.mp4 (1.2 MB, git\\:aaaabbbb)",
        "- **sends**: direct\\: hello ⏎ fake",
        "- **schedule**: 2099-01-10 09\\:00 UTC (UTC)",
        "",
    ]
    assert (
        "**Fake limits used by this apply**\n\n- `fake-1`: 1 start(s) · 3/15 posts in 24 h\n"
    ) in markdown
    assert markdown.count("`fake-1`:") == 1


class Asked(FakePlatform):
    """The fake, counting the plans whose budget section it was asked for."""

    asked: int = 0

    def budget_section(self, plan: Plan) -> BudgetSection | None:
        self.asked += 1
        return super().budget_section(plan)


@pytest.mark.parametrize(
    ("platform", "label"),
    [(FakePlatform(), "handle"), (FakePlatform(handle_label="ticket"), "ticket")],
)
def test_a_changes_handle_row_is_labelled_by_its_platform_not_by_the_handles_form(
    monkeypatch: pytest.MonkeyPatch, platform: FakePlatform, label: str
) -> None:
    """A plain handle of a third platform is not called TikTok's ``publish_id``."""
    monkeypatch.setitem(PLATFORMS, "fake", platform)
    plan = with_a_fake_account()
    fake = plan.changes[0].model_copy(update={"publish_id": "f-123", "status": "PROCESSING"})
    plan = plan.model_copy(update={"changes": [fake, *plan.changes[1:]]})
    text = render_text(plan, color=False).split("launch@fake-1")[1].split("  + launch@")[0]
    assert text.splitlines()[-1] == f"      {label:<10} f-123 (PROCESSING)"
    markdown = render_markdown(plan).split("<code>launch@fake-1</code>")[1]
    assert f"- **{label}**: f-123 (PROCESSING)" in markdown.split("</details>")[0]


def test_only_the_platforms_of_the_plans_changes_are_asked_for_a_budget_section(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A platform with no change in the plan is not asked: a TikTok plan runs no YouTube code."""
    fake = Asked()
    monkeypatch.setitem(PLATFORMS, "fake", fake)
    plan = sample_plan()  # no account of the fake
    text, markdown = render_text(plan, color=False), render_markdown(plan)
    assert fake.asked == 0 and "Fake" not in text + markdown
    render_text(with_a_fake_account(), color=False)
    assert fake.asked == 1
