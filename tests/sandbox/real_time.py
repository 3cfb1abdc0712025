"""The real time a sandbox's scaled clock reads, moved by a test: restarts "later" without
waiting (tests/sandbox/test_restart_time.py and its YouTube twin)."""

from __future__ import annotations

from gitops_publisher.sandbox import ScaledClock

SCALE = 60.0  # one real second is a sandbox minute


class RealTime:
    """The wall and monotonic time a scaled clock reads, moved by the test."""

    def __init__(self) -> None:
        self.elapsed = 0.0

    def wall(self) -> float:
        return 1_800_000_000.0 + self.elapsed

    def monotonic(self) -> float:
        return self.elapsed

    def clock(self) -> ScaledClock:
        return ScaledClock(SCALE, self.wall, self.monotonic)
