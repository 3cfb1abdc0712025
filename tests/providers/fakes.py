"""Real fakes shared by the provider tests: a virtual clock whose sleep advances time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class FakeClock:
    """Monotonic seconds plus a wall clock; ``sleep`` advances both without waiting."""

    def __init__(self, start: float = 1000.0, wall: datetime | None = None) -> None:
        self.now = start
        self.wall0 = wall or datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
        self.start = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return self.wall0 + timedelta(seconds=self.now - self.start)

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)
