"""Integration: the provider against the emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from gitops_publisher.providers.errors import (
    InitOutcomeUnknown,
    TokenRefreshError,
    UploadUrlExpired,
)
from gitops_publisher.providers.retry import RetryPolicy
from gitops_publisher.providers.tiktok.api_models import PostInfo, SourceInfo
from gitops_publisher.providers.tiktok.auth import RefreshingAuth, TokenEndpoint
from gitops_publisher.providers.tiktok.chunks import plan_chunks
from gitops_publisher.providers.tiktok.client import TikTokClient
from gitops_publisher.providers.tokens import TokenSet
from gitops_publisher.sandbox import (
    SANDBOX_CLIENT_KEY,
    SANDBOX_CLIENT_SECRET,
    ManualClock,
    SandboxOptions,
    create_app,
    sandbox_service,
    serve_in_thread,
)

from .fakes import run

T = TypeVar("T")


@dataclass
class Emulator:
    base_url: str
    clock: ManualClock
    refresh_token: str
    saved: list[TokenSet] = field(default_factory=list)
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(max_attempts=8))

    def wall(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), UTC)

    def admin(self, method: str, path: str, **kw: Any) -> Any:
        response = httpx.request(method, self.base_url + path, **kw)
        assert response.status_code < 300, response.text
        return response.json()

    def posts(self) -> list[dict[str, Any]]:
        return self.admin("GET", "/_sandbox/posts")["posts"]  # type: ignore[no-any-return]

    def requests(self) -> list[dict[str, Any]]:
        return self.admin("GET", "/_sandbox/requests")["requests"]  # type: ignore[no-any-return]

    def with_client(
        self, fn: Callable[[TikTokClient], Awaitable[T]], tokens: TokenSet | None = None
    ) -> T:
        async def main() -> T:
            endpoint = TokenEndpoint(
                SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET, base_url=self.base_url, now=self.wall
            )
            self.auth = RefreshingAuth(
                tokens or TokenSet.from_refresh_token(self.refresh_token),
                endpoint,
                persist=self.saved.append,
                now=self.wall,
            )
            try:
                async with TikTokClient(
                    self.auth,
                    base_url=self.base_url,
                    account="brand-us",
                    sleep=self.clock.sleep,
                    clock=self.clock.now,
                    retry=self.retry,
                ) as client:
                    return await fn(client)
            finally:
                await endpoint.aclose()

        return run(main())


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    clock = ManualClock()
    app = create_app(tmp_path / "world", SandboxOptions(seed=7, processing_base_sec=1), clock)
    token = sandbox_service(app).world.ensure_account("brand-us")
    with serve_in_thread(app) as base_url:
        yield Emulator(base_url, clock, token)


def make_video(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
        remaining = size - 24
        while remaining:
            block = os.urandom(min(remaining, 1 << 20))
            handle.write(block)
            remaining -= len(block)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


POST = PostInfo(privacy_level="SELF_ONLY", title="hello #sandbox")


def publish(em: Emulator, video: Path, progress: list[int] | None = None) -> dict[str, Any]:
    plan = plan_chunks(video.stat().st_size)

    async def flow(client: TikTokClient) -> dict[str, Any]:
        info = await client.creator_info()
        assert "SELF_ONLY" in info.privacy_level_options
        source = SourceInfo.file_upload(plan.video_size, plan.chunk_size, plan.total_chunk_count)
        init = await client.init_direct(POST, source)
        assert init.upload_url
        on_progress = None if progress is None else (lambda a, b: progress.append(a))
        await client.upload(
            init.upload_url, video, plan, content_type="video/mp4", on_progress=on_progress
        )
        for _ in range(60):
            status = await client.fetch_status(init.publish_id)
            if status.is_terminal:
                return {"publish_id": init.publish_id, "status": status}
            await em.clock.sleep(5)
        raise AssertionError("never finished")

    return em.with_client(flow)


def test_direct_post_end_to_end(emulator: Emulator, tmp_path: Path) -> None:
    video = make_video(tmp_path / "a.mp4", 300_000)
    result = publish(emulator, video)
    assert result["status"].status == "PUBLISH_COMPLETE"
    [post] = emulator.posts()
    assert post["publish_id"] == result["publish_id"]
    assert post["sha256"] == sha256(video) and post["title"] == "hello #sandbox"
    assert emulator.saved and emulator.saved[-1].open_id  # rotated token persisted


def test_multi_chunk_upload_with_a_failing_chunk_and_lost_answers(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.admin(
        "PUT", "/_sandbox/faults", json={"upload": {"fail_chunk": 2, "drop_after_rate": 0.3}}
    )
    video = make_video(tmp_path / "b.mp4", 25_000_001)
    progress: list[int] = []
    result = publish(emulator, video, progress)
    assert result["status"].status in ("PUBLISH_COMPLETE", "SEND_TO_USER_INBOX")
    [post] = emulator.posts()
    assert post["sha256"] == sha256(video)
    assert (post["chunk_size"], post["total_chunk_count"]) == (10_000_000, 2)
    assert progress[-1] == 25_000_001
    uploads = [r for r in emulator.requests() if r["endpoint"] == "upload"]
    assert any(r["fault"] == "drop_after" for r in uploads)
    assert any(r["status"] == 500 for r in uploads)  # chunk 2's first attempt


def test_progress_reported_as_last_index_also_resyncs(emulator: Emulator, tmp_path: Path) -> None:
    emulator.admin("PUT", "/_sandbox/options", json={"progress_range_last_index": True})
    emulator.admin("PUT", "/_sandbox/faults", json={"upload": {"drop_after_rate": 0.4}})
    video = make_video(tmp_path / "c.mp4", 25_000_001)
    publish(emulator, video)
    assert emulator.posts()[0]["sha256"] == sha256(video)
    uploads = [r for r in emulator.requests() if r["endpoint"] == "upload"]
    assert any(r["status"] == 416 for r in uploads)  # the resend of an accepted chunk


def test_lost_init_answer_is_never_a_second_init(emulator: Emulator) -> None:
    emulator.admin("PUT", "/_sandbox/faults", json={"video_init": {"drop_after_rate": 1.0}})
    source = SourceInfo.file_upload(300_000, 300_000, 1)
    with pytest.raises(InitOutcomeUnknown):
        emulator.with_client(lambda c: c.init_direct(POST, source))
    assert len(emulator.posts()) == 1  # TikTok made exactly one publish_id


def test_expired_upload_url(emulator: Emulator, tmp_path: Path) -> None:
    emulator.admin("PUT", "/_sandbox/faults", json={"upload": {"expire_upload_urls": True}})
    with pytest.raises(UploadUrlExpired):
        publish(emulator, make_video(tmp_path / "d.mp4", 300_000))


def test_client_side_window_avoids_429_on_seven_inits(emulator: Emulator) -> None:
    emulator.retry = RetryPolicy(max_rate_limit_waits=0)  # a 429 would fail the test
    source = SourceInfo.file_upload(300_000, 300_000, 1)
    start = emulator.clock.now()

    async def seven(client: TikTokClient) -> None:
        for _ in range(7):
            await client.init_direct(POST, source)

    emulator.with_client(seven)
    assert len(emulator.posts()) == 7
    assert emulator.clock.now() - start >= 60


def test_429_storm_is_waited_out(emulator: Emulator) -> None:
    emulator.admin("PUT", "/_sandbox/faults", json={"status": {"rate_limit_rate": 0.5}})
    source = SourceInfo.file_upload(300_000, 300_000, 1)

    async def flow(client: TikTokClient) -> int:
        init = await client.init_direct(POST, source)
        for _ in range(10):
            await client.fetch_status(init.publish_id)
        return 10

    start = emulator.clock.now()
    assert emulator.with_client(flow) == 10
    assert emulator.clock.now() - start >= 60  # at least one window waited


def test_token_expiry_and_rotation_mid_run(emulator: Emulator) -> None:
    emulator.admin("PUT", "/_sandbox/options", json={"access_token_ttl_sec": 900})

    async def flow(client: TikTokClient) -> None:
        await client.creator_info()
        await emulator.clock.sleep(700)  # 200 s left: under the 5 min margin
        await client.creator_info()
        await emulator.clock.sleep(1000)  # expired outright
        await client.creator_info()

    emulator.with_client(flow)
    refresh_tokens = [t.refresh_token.get_secret_value() for t in emulator.saved]
    assert len(refresh_tokens) == 3 and len(set(refresh_tokens)) == 3

    async def reuse(_: TikTokClient) -> None:
        endpoint = TokenEndpoint(
            SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET, base_url=emulator.base_url
        )
        try:
            await endpoint.refresh(refresh_tokens[0])  # rotated away: dead
        finally:
            await endpoint.aclose()

    with pytest.raises(TokenRefreshError) as info:
        emulator.with_client(reuse)
    assert info.value.code == "invalid_grant"


def test_oauth_errors_with_http_200(emulator: Emulator) -> None:
    emulator.admin("PUT", "/_sandbox/options", json={"oauth_errors_http_200": True})
    with pytest.raises(TokenRefreshError) as info:
        emulator.with_client(lambda c: c.creator_info(), TokenSet.from_refresh_token("rft.bogus"))
    assert info.value.code == "invalid_grant"
