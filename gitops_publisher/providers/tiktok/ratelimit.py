"""Client-side sliding-window rate limiter, so a 429 from TikTok is rare (reference §7).

TikTok limits each endpoint per user access token over a 1-minute sliding window (init 6/min,
creator_info 20/min, status 30/min). The limiter keeps, per key (account, endpoint), the
times at which recent requests FINISHED, and lets a new one start only while fewer than
``limit`` requests are finished-within-the-window or still in flight.

Timing from completion (not from start) is what makes this safe without guessing latencies:
TikTok saw each earlier request no later than it answered, and sees the new one no earlier
than it is sent, so a start ``window`` after the earlier completion is a full window after
TikTok's own timestamp. ``margin`` covers clock granularity and the server's ``<`` vs ``<=``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from gitops_publisher.providers.tiktok import urls

# Documented limits per user token (requests per 60 s), by API path.
ENDPOINT_LIMITS: dict[str, int] = {
    "/v2/post/publish/video/init/": 6,
    "/v2/post/publish/inbox/video/init/": 6,
    "/v2/post/publish/content/init/": 6,
    "/v2/post/publish/creator_info/query/": 20,
    "/v2/post/publish/status/fetch/": 30,
}
WINDOW_SECONDS = 60.0
INITS_PER_MINUTE = ENDPOINT_LIMITS[urls.DIRECT_INIT]  # per user token, for the plan's quotas


@dataclass
class _Bucket:
    finished: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    released: asyncio.Event = field(default_factory=asyncio.Event)


class SlidingWindowLimiter:
    """Per-key sliding window over an injected clock and sleep (share one across clients)."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        margin: float = 0.25,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._margin = margin
        self._buckets: dict[Hashable, _Bucket] = {}

    def delay_for(self, key: Hashable, limit: int, window: float = WINDOW_SECONDS) -> float:
        """Return how long a request on ``key`` would wait now.

        0 when it may go, ``inf`` when the window is full of requests still in flight.
        """
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        now = self._clock()
        self._prune(bucket, now, window)
        if len(bucket.finished) + bucket.in_flight < limit:
            return 0.0
        if not bucket.finished:
            return float("inf")
        # The oldest finished request leaves the window first.
        return bucket.finished[0] + window + self._margin - now

    @asynccontextmanager
    async def slot(
        self, key: Hashable, limit: int, window: float = WINDOW_SECONDS
    ) -> AsyncIterator[None]:
        """Wait for a free slot on ``key``, hold it while the request runs, record its end."""
        bucket = self._buckets.setdefault(key, _Bucket())
        while True:
            delay = self.delay_for(key, limit, window)
            if delay <= 0:
                break
            if delay == float("inf"):
                bucket.released.clear()
                await bucket.released.wait()
            else:
                await self._sleep(delay)
        bucket.in_flight += 1
        try:
            yield
        finally:
            bucket.in_flight -= 1
            bucket.finished.append(self._clock())
            bucket.released.set()

    def _prune(self, bucket: _Bucket, now: float, window: float) -> None:
        while bucket.finished and bucket.finished[0] + window + self._margin <= now:
            bucket.finished.popleft()
