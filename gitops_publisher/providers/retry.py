"""Retry policy (pure) and the async executor that applies it (design §6.4, style §7).

What is retried, and why:

- connection errors before the request left (``ConnectError``, ``ConnectTimeout``,
  ``PoolTimeout``) and a token refresh that failed transiently: always, the server saw nothing;
- read/write timeouts, dropped connections and 5xx: only for idempotent calls (status fetch,
  creator_info, a chunk PUT, whose double delivery the upload's 416 re-sync absorbs). Init is
  NOT idempotent, each accepted call creates a publish_id, so after such an error the
  executor raises :class:`InitOutcomeUnknown` instead of sending a second init;
- a refusal by a rate limiter (:class:`RateLimited`: TikTok's 429, Google's 429 and
  ``rateLimitExceeded``): the request was refused, so any call may be repeated after waiting
  out the window (``Retry-After`` honoured when present);
- everything else (4xx, refused refresh tokens): never.

Delays use exponential backoff with full jitter: ``uniform(0, min(max_delay, base * 2**n))``.
"""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

from gitops_publisher.errors import ApiError
from gitops_publisher.providers.errors import (
    InitOutcomeUnknown,
    ProviderNetworkError,
    RateLimited,
    TokenRefreshError,
)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
OnRetry = Callable[[int, float, BaseException], None]


class Verdict(enum.Enum):
    """What an error means for a retry."""

    FATAL = "fatal"
    NOT_SENT = "not_sent"  # the server cannot have processed the request
    MAYBE_SENT = "maybe_sent"  # the server may have processed it; only idempotent calls retry
    RATE_LIMITED = "rate_limited"  # refused by the rate limiter; wait out the window


_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def classify(exc: BaseException) -> Verdict:
    """Return what ``exc`` means for retrying the call that raised it."""
    if isinstance(exc, RateLimited):
        return Verdict.RATE_LIMITED
    if isinstance(exc, ApiError):
        return Verdict.MAYBE_SENT if exc.status >= 500 else Verdict.FATAL
    if isinstance(exc, TokenRefreshError):
        return Verdict.NOT_SENT if exc.transient else Verdict.FATAL
    if isinstance(exc, _NOT_SENT):
        return Verdict.NOT_SENT
    if isinstance(exc, httpx.TransportError):
        return Verdict.MAYBE_SENT
    return Verdict.FATAL


@dataclass(frozen=True)
class RetryPolicy:
    """Numbers of the retry policy; all times in seconds of the injected clock.

    Attributes:
        max_attempts: tries in all for transient errors (the first one included).
        base_delay: backoff base; attempt n waits up to ``base_delay * 2**n``.
        max_delay: cap of one backoff delay.
        rate_limit_window: wait after a 429 without Retry-After (TikTok's window is 1 min).
        max_rate_limit_waits: 429s tolerated for one call before giving up.
        max_elapsed: give up on transient errors once this much time has passed (None: never).
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    rate_limit_window: float = 60.0
    max_rate_limit_waits: int = 5
    max_elapsed: float | None = 600.0

    def backoff(self, attempt: int, rng: Callable[[], float]) -> float:
        """Return the full-jitter delay before retry number ``attempt`` (0-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0**attempt)
        return rng() * ceiling

    def rate_limit_delay(self, retry_after: float | None) -> float:
        """Return how long to wait after a 429: Retry-After if given, else a whole window."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.rate_limit_window)
        return self.rate_limit_window


async def call_with_retry(
    op: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    idempotent: bool,
    sleep: Sleep,
    endpoint: str = "",
    rng: Callable[[], float] = random.random,
    clock: Callable[[], float] = time.monotonic,
    on_retry: OnRetry | None = None,
    platform: str = "the server",
) -> T:
    """Await ``op()`` until it succeeds or the policy says stop.

    Args:
        op: builds and sends the request anew on each call (bodies cannot be replayed).
        policy: the numbers.
        idempotent: False for init: a MAYBE_SENT error then raises InitOutcomeUnknown.
        sleep: awaited for every delay (inject a fake in tests).
        endpoint: named in errors and InitOutcomeUnknown.
        rng: returns floats in [0, 1) for the jitter.
        clock: monotonic seconds, for ``max_elapsed``.
        on_retry: called as ``(attempt, delay, error)`` before each wait (for logs/events).
        platform: who answers, in messages ("TikTok", "YouTube").

    Raises:
        InitOutcomeUnknown: a non-idempotent call may have reached the server.
        ProviderNetworkError: network errors outlived the policy (chained to the last one).
        ApiError: a fatal API error, or the last 5xx/429 when the policy gave up.
        TokenRefreshError: the refresh token was refused.
    """
    started = clock()
    failures = 0
    rate_limited = 0
    while True:
        try:
            return await op()
        except Exception as exc:
            verdict = classify(exc)
            if verdict is Verdict.FATAL:
                raise
            if verdict is Verdict.MAYBE_SENT and not idempotent:
                raise InitOutcomeUnknown(
                    f"{endpoint or 'request'}: {_maybe_sent(exc, platform)}; not repeated "
                    "because it is not idempotent",
                    endpoint=endpoint,
                ) from exc
            if verdict is Verdict.RATE_LIMITED:
                rate_limited += 1
                if rate_limited > policy.max_rate_limit_waits:
                    raise
                retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
                delay = policy.rate_limit_delay(retry_after)
            else:
                failures += 1
                out_of_time = (
                    policy.max_elapsed is not None and clock() - started >= policy.max_elapsed
                )
                if failures >= policy.max_attempts or out_of_time:
                    if isinstance(exc, ApiError | TokenRefreshError):
                        raise
                    raise ProviderNetworkError(
                        f"{endpoint or 'request'} failed {failures} time(s): {_describe(exc)}",
                        hint="check the network, or try again later",
                    ) from exc
                delay = policy.backoff(failures - 1, rng)
            if on_retry is not None:
                on_retry(failures + rate_limited, delay, exc)
            await sleep(delay)


def _maybe_sent(exc: BaseException, platform: str) -> str:
    """Why the outcome is unknown: the server answered with an error, or nothing came back."""
    if isinstance(exc, ApiError):
        return (
            f"{platform} answered HTTP {exc.status} ({_describe(exc)}), a server error after which "
            "the request may or may not have been carried out"
        )
    return f"no answer after the request may have reached {platform} ({_describe(exc)})"


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
