"""Clocks for the sandbox: real, scaled (accelerated) and manual.

Every time-dependent rule of the emulator (rate-limit windows, token and upload-URL expiry,
processing and moderation delays, injected latency) reads :meth:`Clock.now` and waits through
:meth:`Clock.sleep`, so tests can run an hour of TikTok time in milliseconds.

Times are epoch seconds (floats) so that records persisted by one server process stay
meaningful for the next one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import anyio


@runtime_checkable
class Clock(Protocol):
    """What the sandbox needs from time."""

    def now(self) -> float:
        """Return the current time in epoch seconds."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...


class RealClock:
    """Wall-clock time; sleeping really waits."""

    def now(self) -> float:
        """Return ``time.time()``."""
        return time.time()

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` real seconds."""
        if seconds > 0:
            await anyio.sleep(seconds)


class ScaledClock:
    """Time that runs ``time_scale`` times faster than the wall clock.

    It starts at the real time when created; after that one real second is ``time_scale``
    sandbox seconds. A world loaded with this clock moves it forward to the latest time the
    world has seen (:meth:`advance_to`), so sandbox time never goes back across restarts.
    """

    def __init__(
        self,
        time_scale: float,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create a clock running ``time_scale`` times faster than real time.

        ``wall`` and ``monotonic`` are the real time it reads (tests pass their own, to
        restart a sandbox "later" without waiting).

        Raises:
            ValueError: when ``time_scale`` is not a positive finite number (an infinite
                one would make every time infinite, which ``world.json`` cannot hold).
        """
        if not (math.isfinite(time_scale) and time_scale > 0):
            raise ValueError("time_scale must be a positive finite number")
        self.time_scale = time_scale
        self._monotonic = monotonic
        self._origin_wall = wall()
        self._origin_mono = monotonic()
        self._offset = 0.0

    def now(self) -> float:
        """Return the scaled time."""
        return (
            self._origin_wall
            + self._offset
            + (self._monotonic() - self._origin_mono) * self.time_scale
        )

    def advance_to(self, moment: float) -> None:
        """Jump forward to ``moment`` if it is ahead (never back).

        A world remembers the latest sandbox time it saw; a new process's scaled clock starts
        from real time, which may be behind it, and would make earlier posts look unfinished.
        """
        ahead = moment - self.now()
        if ahead > 0:
            self._offset += ahead

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` sandbox seconds, i.e. ``seconds / time_scale`` real seconds."""
        if seconds > 0:
            await anyio.sleep(seconds / self.time_scale)


class ManualClock:
    """Time that moves only when told to: tests, and ``publisher sandbox serve --manual-clock``.

    ``sleep`` advances the clock by the requested amount and returns at once, so injected
    latency shows up in timestamps without slowing the test. Served, it moves by
    ``POST /_sandbox/clock/advance`` (and by injected latency); see :func:`manual_clock`.
    """

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        """Start at ``start`` epoch seconds (default: a fixed date in 2027)."""
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the current manual time."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` and return the new time.

        Raises:
            ValueError: when ``seconds`` is negative (time never goes back).
        """
        if seconds < 0:
            raise ValueError("a manual clock cannot go back in time")
        with self._lock:
            self._now += seconds
            return self._now

    def advance_to(self, moment: float) -> None:
        """Jump forward to ``moment`` if it is ahead (never back), as a loaded world asks."""
        with self._lock:
            self._now = max(self._now, moment)

    async def sleep(self, seconds: float) -> None:
        """Advance by ``seconds`` and yield to the event loop once."""
        if seconds > 0:
            self.advance(seconds)
        await anyio.sleep(0)


def clock_for_scale(time_scale: float) -> Clock:
    """Return the clock of ``publisher sandbox serve --time-scale``: scaled, at 1 too.

    At scale 1 it runs as the wall clock does, but a world loaded with it moves it forward
    to the time the world reached (:meth:`ScaledClock.advance_to`): served at real speed
    after an accelerated run (``apply --sandbox`` with a time scale), the world's posts do not
    go back to "processing". A :class:`RealClock` cannot move forward.
    """
    return ScaledClock(time_scale)


def manual_clock(world_time: float, wall: Callable[[], float] = time.time) -> ManualClock:
    """Return the clock of ``publisher sandbox serve --manual-clock``.

    It stands where the world's time stands (``world_time``, the latest sandbox time the
    world answered at: ``world.resume_time``), so a restarted server resumes exactly there:
    with a manual clock, time moves only when told, the server's downtime included. A world
    with no time yet (a new one) starts at the real time ``wall`` reads.
    """
    return ManualClock(world_time if world_time > 0 else wall())
