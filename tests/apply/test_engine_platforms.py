"""The engine names no platform: what is a platform's own reaches it through the port.

``apply/`` takes each account's provider from the composition root and asks the registry's
``Platform`` for the rest: its quotas, outcome rate, upload target lifetime and sealed
handle lifetime (``Platform.sealed_handle_lifetime``: YouTube's sessions, a week), what
looking for forgotten posts may spend (``Platform.lookup_budgets``: YouTube's Google project
units, and the words of the closing line on what they took) and why a published post is not
visible yet (``Platform.pending_note``). A new platform gets them without an edit of
``apply/``, whose code names none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitops_publisher import apply
from gitops_publisher.apply.events import Event, Log, Outcome
from gitops_publisher.apply.inflight import CLOCK_SKEW
from gitops_publisher.apply.run import execute
from gitops_publisher.core.ports import Attempt, LookupBudget
from gitops_publisher.core.ports import Outcome as Answer
from gitops_publisher.planning import make_plan
from gitops_publisher.providers.fake import FakePlatform, FakeProvider, FakeProviders, Script
from gitops_publisher.providers.registry import PLATFORMS

from .code_scan import platforms_named
from .harness import Killed, PostSpec, lose_settled_writes, read_state

FAST = 1e9  # the engine's waits (polls) scaled to nothing: no test sleeps for real time


def test_the_check_sees_code_and_not_documentation() -> None:
    source = '''
"""Module docstring: TikTok."""
from gitops_publisher.core.youtube_quota import lookup_budgets  # a comment: YouTube

LIFETIME = 7
"""An attribute's docstring: Google."""


def tiktok_only(google: int, *, budgets=lookup_budgets) -> str:
    """A function's docstring: YouTube."""
    print(f"YouTube project of {google}")
    return plan.youtube_quotas(key=1, google_project=2)
'''
    assert sorted(platforms_named(source)) == [
        "YouTube project of ",
        "gitops_publisher.core.youtube_quota",
        "google",
        "google",
        "google_project",
        "tiktok_only",
        "youtube_quotas",
    ]


def test_the_engine_names_no_platform_in_its_code() -> None:
    """Only docstrings and comments of ``apply/`` may name one, as an example."""
    files = sorted(Path(apply.__file__).parent.glob("*.py"))
    assert len(files) > 10
    named = {
        f.name: found for f in files if (found := platforms_named(f.read_text(encoding="utf-8")))
    }
    assert named == {}


@dataclass
class LookingProvider(FakeProvider):
    """A fake account whose platform forgets handles: each answer about an attempt first
    charges :attr:`units` to the attempt's lookup budget (as YouTube's lookup of an
    expired session's video lists the channel's uploads)."""

    units: int = 2

    async def outcome(
        self,
        handle: str,
        size: int,
        *,
        privacy: str | None = None,
        attempt: Attempt | None = None,
    ) -> Answer:
        if attempt is not None and attempt.budget is not None:
            assert attempt.budget.take(self.units)
        return await super().outcome(handle, size, privacy=privacy, attempt=attempt)


def test_a_platforms_lookup_budget_and_its_report_reach_the_engine(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fake platform in TikTok's place gives a budget shared by two accounts: each
    resume's attempt carries it, and the closing line says what it took, in the
    platform's words, once for the two."""
    accounts = ["brand-uk", "brand-us"]
    root = project(accounts, [PostSpec("launch", accounts)])
    shared = LookupBudget(10, about="the fake quota", report="Fake quota: looking for lost posts")
    fake = FakePlatform(budgets=dict.fromkeys(accounts, shared))
    monkeypatch.setitem(PLATFORMS, "tiktok", fake)
    provider = LookingProvider()
    providers = FakeProviders(dict.fromkeys(accounts, provider), time_scale=FAST)
    with monkeypatch.context() as patched:
        lose_settled_writes(patched)
        execute(make_plan(root, sandbox=False), providers, emit=lambda _e: None)
    assert {r.status for r in read_state(root).resources.values()} == {"uploading"}
    assert shared.spent == 0  # the run that uploaded knew its handles: nothing looked for

    events: list[Event] = []
    planned = make_plan(root, sandbox=False)
    report = execute(planned, providers, emit=events.append)

    assert [(r.address, r.outcome) for r in report.results] == [
        ("launch@brand-uk", Outcome.PUBLISHED),
        ("launch@brand-us", Outcome.PUBLISHED),
    ]
    assert fake.budget_plans[-1] is planned.plan
    asked = [attempt for _handle, attempt in provider.attempts if attempt is not None]
    assert len(asked) == 2 and all(a.budget is shared for a in asked)
    assert shared.spent == 4 and shared.left == 6
    closing = [e.message for e in events if isinstance(e, Log) and "lost posts" in e.message]
    assert closing == ["Fake quota: looking for lost posts took 4 unit(s)"]


def test_a_platforms_budget_without_spending_or_words_is_not_reported(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(["brand-us"], [PostSpec("launch", ["brand-us"])])
    silent = LookupBudget(10)  # no words of its own
    monkeypatch.setitem(PLATFORMS, "tiktok", FakePlatform(budgets={"brand-us": silent}))
    provider = LookingProvider()
    providers = FakeProviders({"brand-us": provider}, time_scale=FAST)
    with monkeypatch.context() as patched:
        lose_settled_writes(patched)
        execute(make_plan(root, sandbox=False), providers, emit=lambda _e: None)
    events: list[Event] = []
    execute(make_plan(root, sandbox=False), providers, emit=events.append)
    assert silent.spent == 2
    assert not [e for e in events if isinstance(e, Log) and "unit(s)" in e.message]


@pytest.mark.parametrize(
    ("visible_at", "outcome", "message"),
    [
        (None, Outcome.PUBLISHED, ""),
        (
            datetime(2100, 1, 1, tzinfo=UTC),
            Outcome.SCHEDULED,
            "scheduled by Fake for 2100; private until then",
        ),
    ],
    ids=["visible", "not-yet"],
)
def test_a_platforms_pending_note_makes_a_published_post_scheduled(
    project: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    visible_at: datetime | None,
    outcome: Outcome,
    message: str,
) -> None:
    """Why a published post is not visible yet is its platform's to say (YouTube: its
    publishAt), and the engine reports such a post scheduled, private until then."""
    root = project(["brand-us"], [PostSpec("launch", ["brand-us"])])
    fake = FakePlatform(pending="scheduled by Fake for 2100", visible_at=visible_at)
    monkeypatch.setitem(PLATFORMS, "tiktok", fake)
    providers = FakeProviders({"brand-us": FakeProvider()}, time_scale=FAST)
    report = execute(make_plan(root, sandbox=False), providers, emit=lambda _e: None)
    (result,) = report.results
    assert (result.outcome, result.message) == (outcome, message)
    assert {r.status for r in read_state(root).resources.values()} == {"published"}


def test_a_platforms_sealed_handle_lifetime_reaches_the_engine(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """How long an upload another key sealed is left to the runs with that key is its
    platform's to say (YouTube: a week), handed to the engine per account."""
    root = project(["brand-us"], [PostSpec("launch", ["brand-us"])])
    lifetime = timedelta(hours=2)
    provider = FakeProvider(capability=True, default=Script(resumable=True))
    platform = FakePlatform(provider, sealed_handle_lifetime=lifetime)  # its handles sealed
    monkeypatch.setitem(PLATFORMS, "tiktok", platform)

    def killed(method: str, _handle: str) -> None:
        if method == "transfer":
            raise Killed

    provider.on_call = killed
    began = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(Killed):  # the run that began it, on a machine with its own key
        execute(
            make_plan(root, sandbox=False),
            FakeProviders({"brand-us": provider}),
            emit=lambda _e: None,
            now=lambda: began,
        )
    provider.on_call = None
    assert read_state(root).resources["launch@brand-us"].status == "uploading"
    other_key = FakeProviders({"brand-us": provider})  # another machine: another key
    outcomes = []
    for after in (timedelta(minutes=-1), timedelta(minutes=1)):
        at = began + lifetime + CLOCK_SKEW + after
        report = execute(
            make_plan(root, sandbox=False), other_key, emit=lambda _e: None, now=lambda at=at: at
        )
        outcomes += [r.outcome for r in report.results]
    assert outcomes == [Outcome.PENDING, Outcome.FAILED]
    record = read_state(root).resources["launch@brand-us"]
    assert (record.status, record.fail_reason) == ("failed", "upload_expired")
    assert provider.count("start") == 1
