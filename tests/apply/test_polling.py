"""When the engine asks TikTok about a finished upload: first at the poll due after the upload."""

import asyncio
from pathlib import Path

from gitops_publisher.apply.engine import Engine
from gitops_publisher.apply.events import Event, Outcome
from gitops_publisher.apply.settle import PollPolicy
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core.plan import Action, Change, Plan
from gitops_publisher.core.state import MemoryStateStore
from gitops_publisher.providers.tiktok.adapter import TikTokProvider
from gitops_publisher.providers.tiktok.api_models import (
    CreatorInfo,
    InitResult,
    PostInfo,
    PublishStatus,
    SourceInfo,
)
from gitops_publisher.providers.tiktok.chunks import ChunkPlan
from gitops_publisher.providers.tiktok.upload import Progress

from .builders import NOW, desired_post

ROUND_TRIP = 0.5  # seconds of the fake clock each status fetch takes


class FakeTime:
    """A clock that only moves when slept on or when a fake call takes time."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class FakeApi:
    """TikTok that finishes processing ``processing`` seconds after the upload completed."""

    def __init__(self, time: FakeTime, processing: float) -> None:
        self.time = time
        self.processing = processing
        self.done_at: float | None = None
        self.polls: list[float] = []

    async def creator_info(self) -> CreatorInfo:
        raise AssertionError("pre-flight is not part of this test")

    async def init_direct(self, post_info: PostInfo, source_info: SourceInfo) -> InitResult:
        return InitResult(publish_id="v_pub_file~1", upload_url="http://127.0.0.1:9/upload")

    async def init_inbox(self, source_info: SourceInfo) -> InitResult:
        raise AssertionError("direct posts only")

    async def upload(
        self,
        upload_url: str,
        path: Path,
        plan: ChunkPlan,
        *,
        content_type: str | None = None,
        on_progress: Progress | None = None,
    ) -> None:
        self.done_at = self.time.now + self.processing

    async def fetch_status(self, publish_id: str) -> PublishStatus:
        self.time.now += ROUND_TRIP
        self.polls.append(self.time.now)
        assert self.done_at is not None
        if self.time.now < self.done_at:
            return PublishStatus(status="PROCESSING_UPLOAD")
        return PublishStatus(status="PUBLISH_COMPLETE")


def _run(
    processing: float, timeout: float = 600.0
) -> tuple[FakeTime, FakeApi, MemoryStateStore, list[Event]]:
    time = FakeTime()
    api = FakeApi(time, processing)
    store = MemoryStateStore()
    events: list[Event] = []
    post = desired_post()
    change = Change(
        address=str(post.address),
        post_id=post.address.post_id,
        account=post.address.account,
        action=Action.CREATE,
        reason="new",
        privacy="SELF_ONLY",
    )
    plan = Plan(created_at=NOW, lineage="l", serial=0, changes=[change])
    engine = Engine(
        box=StateBox(store, store.read()),
        providers={"brand-us": TikTokProvider(api)},
        root=Path("/nonexistent"),
        now=lambda: NOW,
        sleep=time.sleep,
        clock=time.clock,
        emit=events.append,
        poll=PollPolicy(initial=2.0, factor=1.5, timeout=timeout),
    )
    asyncio.run(engine.run(plan, {str(post.address): post}))
    return time, api, store, events


def test_the_first_status_fetch_is_the_poll_due_initial_seconds_after_the_upload() -> None:
    time, api, store, events = _run(processing=2.0)
    # Nothing is fetched as the upload ends (TikTok has only begun processing): one fetch,
    # 2 s after the last byte, when processing is done.
    assert time.sleeps == [2.0]
    assert api.done_at is not None and api.polls == [api.done_at + ROUND_TRIP]
    assert [e.outcome for e in events if hasattr(e, "outcome")] == [Outcome.PUBLISHED]
    assert store.state.resources["teaser@brand-us"].status == "published"


def test_later_polls_keep_the_backoff() -> None:
    time, api, store, _events = _run(processing=4.0)
    assert time.sleeps == [2.0, 3.0]
    assert api.done_at is not None and len(api.polls) == 2
    assert store.state.resources["teaser@brand-us"].status == "published"


def test_a_zero_timeout_still_asks_once() -> None:
    time, api, store, _events = _run(processing=2.0, timeout=0.0)
    assert time.sleeps == [2.0] and len(api.polls) == 1
    assert store.state.resources["teaser@brand-us"].status == "published"
