"""Per-(token, endpoint) sliding windows (reference §7: 1-minute sliding window, HTTP 429)."""

from __future__ import annotations

from collections import deque


class SlidingWindowLimiter:
    """Counts admitted requests per key over the last ``window`` seconds.

    UNCERTAIN (reference §7 is silent): only admitted requests count; a request refused with
    429 does not extend the client's wait.
    """

    def __init__(self) -> None:
        """Start with no history."""
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def admit(self, key: tuple[str, str], limit: int, window: float, now: float) -> float | None:
        """Record a request if under ``limit``; else return seconds until a slot frees."""
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) >= limit:
            return max(0.0, hits[0] + window - now)
        hits.append(now)
        return None
