import asyncio

from gitops_publisher.providers.tiktok.ratelimit import SlidingWindowLimiter

from .fakes import FakeClock, run


def test_seventh_init_waits_for_the_first_to_leave_the_window() -> None:
    clock = FakeClock(start=0.0)
    limiter = SlidingWindowLimiter(clock=clock, sleep=clock.sleep, margin=0.5)
    starts: list[float] = []

    async def main() -> None:
        for _ in range(8):
            async with limiter.slot(("acct", "init"), 6):
                starts.append(clock())
                clock.advance(1.0)  # each request takes 1 s

    run(main())
    assert starts[:6] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    # the first finished at 1.0: the 7th starts a window + margin later
    assert starts[6] == 61.5
    assert starts[7] == 62.5


def test_no_window_ever_holds_more_than_the_limit() -> None:
    clock = FakeClock(start=0.0)
    limiter = SlidingWindowLimiter(clock=clock, sleep=clock.sleep, margin=0.0)
    spans: list[tuple[float, float]] = []

    async def request() -> None:
        async with limiter.slot("k", 30):
            start = clock()
            await clock.sleep(0.3)
            spans.append((start, clock()))

    async def main() -> None:
        await asyncio.gather(*(request() for _ in range(100)))

    run(main())
    assert len(spans) == 100
    starts = sorted(s for s, _ in spans)
    for i, start in enumerate(starts):
        # requests the server could count within 60 s before this one arrives
        in_window = [s for s in starts[: i + 1] if s > start - 60.0]
        assert len(in_window) <= 30


def test_keys_are_independent() -> None:
    clock = FakeClock(start=0.0)
    limiter = SlidingWindowLimiter(clock=clock, sleep=clock.sleep)

    async def main() -> None:
        for account in ("a", "b"):
            for _ in range(6):
                async with limiter.slot((account, "init"), 6):
                    pass

    run(main())
    assert clock.sleeps == []
    assert limiter.delay_for(("a", "init"), 6) > 59
    assert limiter.delay_for(("c", "init"), 6) == 0
