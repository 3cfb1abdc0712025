"""An account's queue as a pipeline, on the fake platform and a virtual clock.

Every test runs the real planner and engine against :class:`FakeProvider`, whose calls take
virtual seconds (``takes``), so several publishes of one account are really in flight at
once; time moves only when every task waits, to the earliest sleeper's due time. The state
box's writes run inline (a synchronous executor), so time never moves during a write.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from gitops_publisher.apply.engine import Engine
from gitops_publisher.apply.events import Event, Log, Outcome, Result
from gitops_publisher.apply.pipeline import Limits
from gitops_publisher.apply.settle import PollPolicy
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core.address import Address
from gitops_publisher.core.desired import DesiredPost, VideoRef
from gitops_publisher.core.planner import plan
from gitops_publisher.core.ports import Quota, Rate
from gitops_publisher.core.state import MemoryStateStore, Record
from gitops_publisher.errors import ApiError
from gitops_publisher.providers.fake import FakeProvider, FakeSealer, Script

from .builders import NOW, desired_post

T = TypeVar("T")
SIZE = 1000
MINUTE = timedelta(minutes=1)
DAY = timedelta(hours=24)


class Killed(BaseException):
    """The process dies here (SIGKILL): nothing after this line of the run happens."""


class InlineExecutor(ThreadPoolExecutor):
    """Runs ``asyncio.to_thread`` work at once, so a state write takes no (virtual) time."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the awaiting task, as a thread would
            future.set_exception(exc)
        return future


class VirtualTime:
    """Monotonic seconds that move only when every task waits; sleepers wake in due order."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._count += 1
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), self._count, future))
        await future

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        async def main() -> T:
            asyncio.get_running_loop().set_default_executor(InlineExecutor())
            task = asyncio.ensure_future(coro)
            while not task.done():
                for _ in range(50):  # let every runnable task run until it waits
                    await asyncio.sleep(0)
                if task.done():
                    break
                while self._sleepers and self._sleepers[0][2].cancelled():
                    heapq.heappop(self._sleepers)
                assert self._sleepers, "every task waits and nobody sleeps: a deadlock"
                due, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, due)
                future.set_result(None)
            return task.result()

        return asyncio.run(main())


def post(number: int, *, mode: str = "direct", size: int = SIZE) -> DesiredPost:
    base = desired_post(f"p{number:02d}")
    return DesiredPost(
        **{
            **base.__dict__,
            "address": Address(f"p{number:02d}", "brand-us"),
            "mode": mode,
            "video": VideoRef("media/a.mp4", "git:abc", size),
        }
    )


class Pipeline:
    """One account on the fake platform, its state, and runs of apply on virtual time."""

    def __init__(self, root: Path, fake: FakeProvider, limits: Limits) -> None:
        self.root = root
        (root / "media").mkdir(parents=True, exist_ok=True)
        (root / "media" / "a.mp4").write_bytes(b"\0" * SIZE)
        self.fake = fake
        self.limits = limits
        self.store = MemoryStateStore()
        self.time = VirtualTime()
        fake.clock = self.time
        fake.sleep = self.time.sleep
        self.events: list[tuple[float, Event]] = []
        self.sealer = FakeSealer()  # this machine's key: every run of the pipeline has it

    def record(self, number: int) -> Record:
        return self.store.state.resources[f"p{number:02d}@brand-us"]

    def apply(self, posts: Sequence[DesiredPost]) -> list[Result]:
        planned = plan(posts, self.store.read(), NOW, accounts={})
        engine = Engine(
            box=StateBox(self.store, self.store.read(), sealer=self.sealer),
            providers={"brand-us": self.fake},
            root=self.root,
            now=lambda: NOW + timedelta(seconds=self.time.now),
            sleep=self.time.sleep,
            clock=self.time,
            emit=lambda event: self.events.append((self.time.now, event)),
            poll=PollPolicy(initial=2, factor=1, maximum=2, timeout=60, moderation_wait=0),
            limits={"brand-us": self.limits},
        )
        by_address = {str(p.address): p for p in posts}
        return self.time.run(engine.run(planned, by_address))

    def starts(self) -> list[float]:
        """When each start call began (virtual seconds), in order."""
        return [at for method, _, at in self.fake.times if method == "start"]

    def most_in_flight(self) -> int:
        """The most publishes between their start call and their reported result at once."""
        moments = [(at, 1) for at in self.starts()]
        moments += [(at, -1) for at, e in self.events if isinstance(e, Result) and e.publish_id]
        flying = most = 0
        for _, step in sorted(moments, key=lambda m: (m[0], m[1])):
            flying += step
            most = max(most, flying)
        return most


def outcomes(results: Sequence[Result]) -> list[tuple[str, Outcome]]:
    return [(r.address, r.outcome) for r in results]


def slow_fake(**kwargs: Any) -> FakeProvider:
    """Each start takes 1 s, each transfer 3 s, each outcome question 0.5 s."""
    return FakeProvider(takes={"start": 1.0, "transfer": 3.0, "outcome": 0.5}, **kwargs)


def test_starts_go_as_fast_as_the_sliding_window_allows(tmp_path: Path) -> None:
    world = Pipeline(
        tmp_path, slow_fake(), Limits(in_flight=10, quotas=(Quota("starts", 6, MINUTE),))
    )
    results = world.apply([post(n) for n in range(10)])
    assert {o for _, o in outcomes(results)} == {Outcome.PUBLISHED}
    starts = world.starts()
    # Six at once, not one after another's outcome; the seventh once the first start's end
    # (1 s) is a window (60 s, plus the limiters' 0.25 s margin) behind it.
    assert starts[:6] == [0.0] * 6
    assert starts[6:] == [61.25] * 4
    assert len(world.fake.published()) == 10


def test_in_flight_is_a_ceiling_and_one_is_one_after_another(tmp_path: Path) -> None:
    three = Pipeline(tmp_path / "three", slow_fake(), Limits(in_flight=3))
    assert {o for _, o in outcomes(three.apply([post(n) for n in range(8)]))} == {Outcome.PUBLISHED}
    assert three.most_in_flight() == 3
    assert three.fake.most_busy["transfer"] == 3

    one = Pipeline(tmp_path / "one", slow_fake(), Limits(in_flight=1))
    results = one.apply([post(n) for n in range(4)])
    assert [o for _, o in outcomes(results)] == [Outcome.PUBLISHED] * 4
    assert one.most_in_flight() == 1
    # Today's line: each start after the previous outcome (start 1 s, transfer 3 s, the first
    # question 2 s after the last byte, ask 0.5 s).
    assert [b - a for a, b in zip(one.starts(), one.starts()[1:], strict=False)] == [6.5] * 3


def test_the_first_outcome_question_is_the_poll_due_initial_seconds_after_the_last_byte(
    tmp_path: Path,
) -> None:
    # p00 is done at once, p01 after one poll; polls every 2 s (``poll.initial``).
    fake = slow_fake(scripts=[Script(), Script(processing_polls=1)])
    world = Pipeline(tmp_path, fake, Limits(in_flight=2))
    results = world.apply([post(0), post(1)])
    assert [o for _, o in outcomes(results)] == [Outcome.PUBLISHED] * 2
    for handle, questions in (("fake_pub~1", 1), ("fake_pub~2", 2)):
        [transfer] = [at for m, h, at in fake.times if m == "transfer" and h == handle]
        last_byte = transfer + 3.0  # a transfer takes 3 s
        asked = [at - last_byte for m, h, at in fake.times if m == "outcome" and h == handle]
        # Nothing asked as the transfer returns: the platform has only begun processing.
        assert asked == [2.0, 4.5][:questions]  # the second: 2 s after the first's answer


def test_results_come_back_in_queue_order_whatever_finished_first(tmp_path: Path) -> None:
    fake = slow_fake(scripts=[Script(processing_polls=4)])  # p00 processes longest
    world = Pipeline(tmp_path, fake, Limits(in_flight=4))
    results = world.apply([post(n) for n in range(4)])
    assert [a for a, _ in outcomes(results)] == [f"p{n:02d}@brand-us" for n in range(4)]
    emitted = [e.address for _, e in world.events if isinstance(e, Result)]
    assert emitted[-1] == "p00@brand-us"  # the events came as they happened


def test_the_transfer_budget_keeps_large_videos_one_at_a_time(tmp_path: Path) -> None:
    two = Pipeline(tmp_path / "two", slow_fake(), Limits(in_flight=5, transfer_budget=2 * SIZE))
    two.apply([post(n) for n in range(5)])
    assert two.fake.most_busy["transfer"] == 2
    one = Pipeline(tmp_path / "one", slow_fake(), Limits(in_flight=5, transfer_budget=SIZE // 2))
    results = one.apply([post(n) for n in range(5)])
    assert [o for _, o in outcomes(results)] == [Outcome.PUBLISHED] * 5
    # Bigger than the budget: still sent (one may always run), but never two at once, and
    # each start waits for the bytes (an upload URL's hour runs from its start).
    assert one.fake.most_busy["transfer"] == 1
    assert one.fake.most_busy["start"] == 1


def test_outcome_questions_share_the_accounts_status_rate(tmp_path: Path) -> None:
    fake = slow_fake(default=Script(processing_polls=2))
    world = Pipeline(tmp_path, fake, Limits(in_flight=5, outcome_rate=Rate(4, MINUTE)))
    results = world.apply([post(n) for n in range(5)])
    assert [o for _, o in outcomes(results)] == [Outcome.PUBLISHED] * 5
    asked = sorted(at for method, _, at in fake.times if method == "outcome")
    assert len(asked) == 15  # 3 questions each: none lost, none extra
    for i, at in enumerate(asked[4:], start=4):  # never 5 within a window
        assert at - asked[i - 4] >= 60.0


def test_a_cap_used_up_sends_the_next_start_alone_and_its_refusal_stops_the_rest(
    tmp_path: Path,
) -> None:
    stopper = ApiError("spam_risk_too_many_posts", "cap", "", 403, stops_account=True)
    fake = slow_fake(scripts=[Script(), Script(), Script(refuse=stopper)])
    world = Pipeline(tmp_path, fake, Limits(in_flight=5, quotas=(Quota("posts", 3, DAY),)))
    world.store.write(world.store.state.with_record(published_record(99)))  # 1 of 3 used
    results = world.apply([post(n) for n in range(5)])
    assert outcomes(results) == [
        ("p00@brand-us", Outcome.PUBLISHED),
        ("p01@brand-us", Outcome.PUBLISHED),
        ("p02@brand-us", Outcome.FAILED),
        ("p03@brand-us", Outcome.NOT_ATTEMPTED),
        ("p04@brand-us", Outcome.NOT_ATTEMPTED),
    ]
    # Two starts fit the cap and went together; the third went alone, after them.
    assert world.starts() == [0.0, 0.0, 1.0]
    assert fake.count("start") == 3
    assert world.record(2).status == "failed"
    assert "p03@brand-us" not in world.store.state.resources  # no intent: never started
    warnings = [e.message for _, e in world.events if isinstance(e, Log) and e.level == "warning"]
    assert warnings == [
        "brand-us: posts: 3 of 3 used in the window by this project's records and this run; "
        "the next starts go one at a time and the platform decides"
    ]


def test_a_stop_reaches_the_starts_still_waiting_for_the_window(tmp_path: Path) -> None:
    stopper = ApiError("access_token_invalid", "gone", "", 401, stops_account=True)
    fake = slow_fake(scripts=[Script(), Script(refuse=stopper)])
    world = Pipeline(tmp_path, fake, Limits(in_flight=5, quotas=(Quota("starts", 2, MINUTE),)))
    results = world.apply([post(n) for n in range(5)])
    assert outcomes(results) == [
        ("p00@brand-us", Outcome.PUBLISHED),
        ("p01@brand-us", Outcome.FAILED),
        ("p02@brand-us", Outcome.NOT_ATTEMPTED),
        ("p03@brand-us", Outcome.NOT_ATTEMPTED),
        ("p04@brand-us", Outcome.NOT_ATTEMPTED),
    ]
    assert results[2].message == "not attempted after access_token_invalid on brand-us"
    assert fake.count("start") == 2
    assert sorted(world.store.state.resources) == ["p00@brand-us", "p01@brand-us"]
    # The waiting starts were told at once, not after the window they were waiting for.
    assert world.time.now < 60


def test_one_failure_loses_none_of_the_records_completed_around_it(tmp_path: Path) -> None:
    refusal = ApiError("privacy_level_option_mismatch", "no", "", 403)
    fake = slow_fake(
        scripts=[Script(), Script(refuse=refusal), Script(drop_at=400, gone=True), Script()]
    )
    world = Pipeline(tmp_path, fake, Limits(in_flight=4))
    results = world.apply([post(n) for n in range(4)])
    assert [o for _, o in outcomes(results)] == [
        Outcome.PUBLISHED,
        Outcome.FAILED,
        Outcome.FAILED,
        Outcome.PUBLISHED,
    ]
    assert fake.most_busy["transfer"] == 3  # the three transfers ran together
    stored = world.store.read().resources
    assert [stored[f"p{n:02d}@brand-us"].status for n in range(4)] == [
        "published",
        "failed",
        "failed",
        "published",
    ]
    assert stored["p01@brand-us"].fail_reason == "privacy_level_option_mismatch"
    assert stored["p02@brand-us"].fail_reason == "upload_failed"
    assert sorted(r.publish_id or "" for r in stored.values() if r.status == "published") == (
        sorted(fake.published())
    )


def test_killed_with_several_in_flight_every_post_is_published_once(tmp_path: Path) -> None:
    fake = slow_fake()
    world = Pipeline(tmp_path, fake, Limits(in_flight=5))
    posts = [post(n) for n in range(5)]

    calls_at_kill: list[int] = []

    def kill_in_the_third_transfer(method: str, handle: str) -> None:
        if method == "transfer" and fake.count("transfer") == 3:
            calls_at_kill.append(len(fake.calls))
            raise Killed

    fake.on_call = kill_in_the_third_transfer
    with pytest.raises(Killed):
        world.apply(posts)
    assert calls_at_kill == [len(fake.calls)]  # the other publishes stopped with it
    # Every handle the platform gave is in the state before its first byte.
    handles = {r.publish_id for r in world.store.state.resources.values()}
    assert {h for h, p in fake.publishes.items() if p.transfers} <= handles
    fake.on_call = None
    for _ in range(3):  # resume what can be resumed, retry what cannot
        world.apply(posts)
    stored = world.store.read().resources
    assert {r.status for r in stored.values()} == {"published"}
    published = fake.published()
    assert len(published) == 5 == len({stored[a].publish_id for a in stored})
    assert {stored[a].publish_id for a in stored} == set(published)


def published_record(number: int) -> Record:
    """A direct post of this account published an hour before the run."""
    return Record(
        post_id=f"p{number:02d}",
        account="brand-us",
        status="published",
        fingerprint="sha256:old",
        mode="direct",
        video="media/a.mp4",
        publish_id=f"old~{number}",
        created_at=NOW - timedelta(hours=1),
        updated_at=NOW - timedelta(hours=1),
        published_at=NOW - timedelta(hours=1),
    )
