"""The shared API client: what a platform's client gets without writing it again.

A third platform subclasses ``ApiClient`` and keeps only its calls; these tests drive such a
minimal client (``ExampleClient``) and check that TikTok's and YouTube's clients are built on
the same base (same pool settings, same async context, same retry plumbing).
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any, Unpack

import httpx
import pytest

from gitops_publisher.errors import ApiError
from gitops_publisher.providers.api_client import ApiClient, ClientOptions, open_http
from gitops_publisher.providers.errors import InitOutcomeUnknown
from gitops_publisher.providers.retry import RetryPolicy
from gitops_publisher.providers.tiktok import urls
from gitops_publisher.providers.tiktok.client import TikTokClient
from gitops_publisher.providers.tls import shared_tls_context
from gitops_publisher.providers.youtube.client import YouTubeClient

from .fakes import FakeClock, run


class StaticBearer(httpx.Auth):
    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = "Bearer T0KEN"
        yield request


class ExampleClient(ApiClient[httpx.Auth]):
    """What a third platform writes: its name and its calls, nothing else."""

    platform = "Example"

    def __init__(self, auth: httpx.Auth | None, **options: Unpack[ClientOptions]) -> None:
        super().__init__(
            auth, base_url="https://api.example.test", timeout=httpx.Timeout(5), **options
        )

    async def get(self, path: str, *, idempotent: bool = True) -> dict[str, Any]:
        async def send() -> dict[str, Any]:
            response = await self.http.get(path, auth=self._request_auth)
            if response.status_code >= 400:
                raise ApiError("boom", "", "", response.status_code, platform="Example")
            document: dict[str, Any] = response.json()
            return document

        return await self._retry(send, endpoint=path, idempotent=idempotent)


def _client(
    handler: Any, clock: FakeClock, auth: httpx.Auth | None = None, **kw: Any
) -> ExampleClient:
    return ExampleClient(
        auth,
        transport=httpx.MockTransport(handler),
        sleep=clock.sleep,
        clock=clock,
        rng=lambda: 0.5,
        **kw,
    )


def test_a_new_platform_gets_retries_on_the_injected_clock_and_its_name_in_messages() -> None:
    clock = FakeClock()
    seen: list[httpx.Request] = []
    retries: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(503)
        return httpx.Response(200, json={"ok": True})

    async def main() -> tuple[dict[str, Any], bool]:
        async with _client(handler, clock, on_retry=lambda n, d, e: retries.append(n)) as client:
            answer = await client.get("/things")
        return answer, client.http.is_closed

    answer, closed = run(main())
    assert answer == {"ok": True}
    assert closed  # leaving the context closed the pool
    assert len(seen) == 2 and retries == [1] and len(clock.sleeps) == 1  # no real sleeping
    assert seen[0].headers["user-agent"] == "gitops-publisher"
    assert "authorization" not in seen[0].headers  # auth=None: no header at all


def test_a_call_that_may_have_arrived_is_not_repeated_and_names_the_platform() -> None:
    clock = FakeClock()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.ReadError("connection dropped after the request went out")

    async def main() -> None:
        async with _client(handler, clock, auth=StaticBearer()) as client:
            await client.get("/publish", idempotent=False)

    with pytest.raises(InitOutcomeUnknown, match="may have reached Example"):
        run(main())
    assert len(seen) == 1 and clock.sleeps == []
    assert seen[0].headers["authorization"] == "Bearer T0KEN"


def test_the_default_retry_policy_and_the_shared_tls_context() -> None:
    client = ExampleClient(None)
    real = open_http(timeout=5.0)
    try:
        assert isinstance(client.retry, RetryPolicy)
        # No transport handed in: the process's one verified context (tls.py), not a new one.
        pool = real._transport._pool  # type: ignore[attr-defined]
        assert pool._ssl_context is shared_tls_context()
    finally:
        asyncio.run(client.aclose())
        asyncio.run(real.aclose())


@pytest.mark.parametrize("cls", [TikTokClient, YouTubeClient])
def test_both_platforms_clients_are_built_on_the_shared_client(cls: Any) -> None:
    clock = FakeClock()
    client = cls(
        None,
        transport=httpx.MockTransport(lambda r: httpx.Response(200)),
        sleep=clock.sleep,
        clock=clock,
    )
    assert isinstance(client, ApiClient)
    assert client.platform in ("TikTok", "YouTube")
    assert client.http.headers["user-agent"] == "gitops-publisher"
    asyncio.run(client.aclose())
    assert client.http.is_closed


@pytest.mark.parametrize(
    "base", ["https://open.tiktokapis.com", "http://127.0.0.1:8123/", "https://proxy.test/tiktok"]
)
def test_an_api_path_is_joined_as_httpx_joins_it_and_parsed_once(base: str) -> None:
    client = TikTokClient(None, base_url=base, transport=httpx.MockTransport(httpx.Response))
    for path in (urls.CREATOR_INFO, urls.DIRECT_INIT, urls.STATUS_FETCH, urls.CANCEL):
        assert client._url(path) == client.http.build_request("POST", path).url
        assert client._url(path) is client._url(path)  # httpx would parse a str every time
    run(client.aclose())
