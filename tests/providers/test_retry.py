import httpx
import pytest

from gitops_publisher.errors import ApiError
from gitops_publisher.providers.errors import (
    InitOutcomeUnknown,
    ProviderNetworkError,
    RateLimited,
    TokenRefreshError,
)
from gitops_publisher.providers.retry import RetryPolicy, Verdict, call_with_retry, classify

from .fakes import FakeClock, run

POLICY = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=8.0, max_elapsed=None)


class Script:
    """An operation that raises the scripted errors in turn, then returns 'done'."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def go(op: Script, clock: FakeClock, *, idempotent: bool, policy: RetryPolicy = POLICY) -> str:
    return run(
        call_with_retry(
            op,
            policy=policy,
            idempotent=idempotent,
            sleep=clock.sleep,
            rng=lambda: 0.5,
            clock=clock,
            endpoint="/v2/post/publish/video/init/",
            platform="TikTok",
        )
    )


def api(status: int, code: str = "internal_error") -> ApiError:
    return ApiError(code, "m", "log", status)


def test_classification() -> None:
    assert classify(httpx.ConnectError("x")) is Verdict.NOT_SENT
    assert classify(httpx.PoolTimeout("x")) is Verdict.NOT_SENT
    assert classify(httpx.ReadTimeout("x")) is Verdict.MAYBE_SENT
    assert classify(httpx.RemoteProtocolError("x")) is Verdict.MAYBE_SENT
    assert classify(api(503)) is Verdict.MAYBE_SENT
    assert classify(api(400, "invalid_params")) is Verdict.FATAL
    assert classify(RateLimited("rate_limit_exceeded", "", "", 429, None)) is Verdict.RATE_LIMITED
    assert classify(TokenRefreshError("x", transient=True)) is Verdict.NOT_SENT
    assert classify(TokenRefreshError("x", code="invalid_grant")) is Verdict.FATAL
    assert classify(ValueError("bug")) is Verdict.FATAL


def test_full_jitter_backoff_is_capped() -> None:
    assert POLICY.backoff(0, lambda: 1.0) == 1.0
    assert POLICY.backoff(2, lambda: 0.5) == 2.0
    assert POLICY.backoff(10, lambda: 1.0) == 8.0
    assert POLICY.backoff(3, lambda: 0.0) == 0.0


def test_idempotent_call_retries_5xx_and_timeouts_with_backoff() -> None:
    clock = FakeClock()
    op = Script(api(502), httpx.ReadTimeout("slow"), httpx.ConnectError("refused"))
    assert go(op, clock, idempotent=True) == "done"
    assert op.calls == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_init_is_not_repeated_after_a_read_timeout() -> None:
    op = Script(httpx.ReadTimeout("lost"))
    with pytest.raises(InitOutcomeUnknown) as info:
        go(op, FakeClock(), idempotent=False)
    assert op.calls == 1
    assert info.value.endpoint == "/v2/post/publish/video/init/"


def test_init_is_not_repeated_after_a_5xx() -> None:
    op = Script(api(503))
    with pytest.raises(InitOutcomeUnknown) as info:
        go(op, FakeClock(), idempotent=False)
    assert op.calls == 1
    # TikTok did answer: the message must not say that no answer came
    assert "TikTok answered HTTP 503" in str(info.value)
    assert "no answer" not in str(info.value)


def test_a_lost_init_answer_is_described_as_no_answer() -> None:
    with pytest.raises(InitOutcomeUnknown) as info:
        go(Script(httpx.ReadTimeout("lost")), FakeClock(), idempotent=False)
    assert "no answer after the request may have reached TikTok" in str(info.value)


def test_init_is_repeated_after_a_connect_error() -> None:
    op = Script(httpx.ConnectError("refused"), TokenRefreshError("net", transient=True))
    assert go(op, FakeClock(), idempotent=False) == "done"
    assert op.calls == 3


def test_429_waits_the_window_or_retry_after() -> None:
    clock = FakeClock()
    op = Script(
        RateLimited("rate_limit_exceeded", "", "", 429, None),
        RateLimited("rate_limit_exceeded", "", "", 429, 7.0),
    )
    assert go(op, clock, idempotent=False) == "done"
    assert clock.sleeps == [60.0, 7.0]


def test_429_storm_gives_up_with_the_api_error() -> None:
    errors = [RateLimited("rate_limit_exceeded", "", "", 429, None) for _ in range(10)]
    with pytest.raises(RateLimited):
        go(Script(*errors), FakeClock(), idempotent=True)


def test_fatal_errors_are_not_retried() -> None:
    op = Script(api(403, "privacy_level_option_mismatch"))
    with pytest.raises(ApiError) as info:
        go(op, FakeClock(), idempotent=True)
    assert op.calls == 1 and info.value.code == "privacy_level_option_mismatch"


def test_network_errors_exhaust_into_provider_network_error() -> None:
    op = Script(*[httpx.ConnectError("refused") for _ in range(10)])
    with pytest.raises(ProviderNetworkError) as info:
        go(op, FakeClock(), idempotent=True)
    assert op.calls == 4
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_5xx_exhausted_keeps_the_api_error() -> None:
    op = Script(*[api(503) for _ in range(10)])
    with pytest.raises(ApiError) as info:
        go(op, FakeClock(), idempotent=True)
    assert info.value.status == 503


def test_max_elapsed_stops_early() -> None:
    policy = RetryPolicy(max_attempts=100, base_delay=10.0, max_delay=10.0, max_elapsed=25.0)
    op = Script(*[httpx.ConnectError("refused") for _ in range(100)])
    clock = FakeClock()
    with pytest.raises(ProviderNetworkError):
        go(op, clock, idempotent=True, policy=policy)
    assert op.calls == 6  # 0, 5, 10, 15, 20, 25 seconds
