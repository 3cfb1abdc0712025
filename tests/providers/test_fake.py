"""The fake platform answers as scripted, so engine tests can rely on it."""

import asyncio
from pathlib import Path

import pytest

from gitops_publisher.core.ports import (
    AccountLimits,
    Media,
    NotStarted,
    Processing,
    Published,
    Started,
    Transferring,
    is_settled,
)
from gitops_publisher.errors import ApiError
from gitops_publisher.providers.errors import InitOutcomeUnknown, ProviderNetworkError
from gitops_publisher.providers.fake import FakeProvider, FakeProviders, Script
from tests.apply.builders import desired_post

MEDIA = Media(Path("media/a.mp4"), 1000)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_publish_processes_then_publishes() -> None:
    fake = FakeProvider(default=Script(processing_polls=2))
    started = run(fake.start(desired_post()))
    assert run(fake.outcome(started.handle, 1000)) == Transferring(0, False)
    seen: list[tuple[int, int]] = []
    run(fake.transfer(started, MEDIA, on_progress=lambda s, t: seen.append((s, t))))
    assert seen == [(1000, 1000)]
    assert isinstance(run(fake.outcome(started.handle, 1000)), Processing)
    assert isinstance(run(fake.outcome(started.handle, 1000)), Processing)
    done = run(fake.outcome(started.handle, 1000))
    assert isinstance(done, Published) and is_settled(done) and done.url
    assert fake.published() == [started.handle]
    assert [m for m, _ in fake.calls] == [
        "start",
        "outcome",
        "transfer",
        "outcome",
        "outcome",
        "outcome",
    ]


def test_refusal_creates_nothing_and_lost_answer_creates_one() -> None:
    refusal = ApiError("spam_risk_too_many_posts", "cap", "", 403, stops_account=True)
    fake = FakeProvider(scripts=[Script(refuse=refusal), Script(lose_answer=True)])
    with pytest.raises(ApiError) as refused:
        run(fake.start(desired_post()))
    assert refused.value.stops_account and not fake.publishes
    with pytest.raises(InitOutcomeUnknown):
        run(fake.start(desired_post()))
    assert len(fake.publishes) == 1 and fake.published() == []


def test_drop_then_resume_from_the_reported_offset() -> None:
    fake = FakeProvider(capability=True, default=Script(drop_at=400, resumable=True))
    started = run(fake.start(desired_post()))
    assert started.upload_target is None and started.handle not in fake.label(started.handle)
    with pytest.raises(ProviderNetworkError):
        run(fake.transfer(started, MEDIA))
    answer = run(fake.outcome(started.handle, 1000))
    assert answer == Transferring(400, True)
    run(fake.transfer(Started(started.handle), MEDIA, offset=answer.received))
    assert isinstance(run(fake.outcome(started.handle, 1000)), Published)


def test_a_gone_session_says_nothing_started() -> None:
    fake = FakeProvider(default=Script(drop_at=10, gone=True))
    started = run(fake.start(desired_post()))
    with pytest.raises(ProviderNetworkError):
        run(fake.transfer(started, MEDIA))
    assert isinstance(run(fake.outcome(started.handle, 1000)), NotStarted)


def test_api_error_names_the_platform() -> None:
    assert str(ApiError("quotaExceeded", "no", "", 403, platform="YouTube")).startswith(
        "YouTube error quotaExceeded"
    )
    assert str(ApiError("x", "", "", 400)).startswith("TikTok error x")


def test_fake_accounts_open_and_report() -> None:
    fake = FakeProvider(limits=AccountLimits(max_duration_ms=500))

    async def go() -> None:
        async def sleep(_s: float) -> None:
            return None

        source = FakeProviders({"brand-us": fake})
        async with source.open({}, ["brand-us"], sleep=sleep, clock=lambda: 0.0) as opened:
            report = await opened["brand-us"].check_account()
            problems = opened["brand-us"].post_problems(desired_post(), report, 900)
            assert [p.field for p in problems] == ["video"]

    run(go())
