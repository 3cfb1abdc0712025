"""Integration: the YouTube client against the sandbox's YouTube emulator over real HTTP.

Login through Google's installed-app flow (a real loopback listener, the emulator consenting),
then uploads byte-exact, resumes after injected faults, recovers a lost final answer from the
session's replay, and starts a new session after a 404, as the emulator's admin API proves
(sha256 of the assembled bytes, one video per publish).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gitops_publisher.providers.errors import TokenRefreshError, UploadError
from gitops_publisher.providers.retry import RetryPolicy
from gitops_publisher.providers.tokens import TokenSet
from gitops_publisher.providers.youtube.api_models import Completed, Gone, Incomplete
from gitops_publisher.providers.youtube.client import YouTubeClient
from gitops_publisher.providers.youtube.login import login
from gitops_publisher.providers.youtube.oauth import GoogleAuth, GoogleTokenEndpoint
from gitops_publisher.providers.youtube.resumable import CHUNK_UNIT
from gitops_publisher.sandbox import ManualClock, SandboxOptions, create_app, serve_in_thread
from gitops_publisher.sandbox.youtube import SANDBOX_GOOGLE_CLIENT_ID, SANDBOX_GOOGLE_CLIENT_SECRET

from ..fakes import FakeClock, run

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
RESOURCE = {
    "snippet": {"title": "Launch #shorts", "description": "hello", "tags": ["launch"]},
    "status": {"privacyStatus": "public"},
}


@dataclass
class Emulator:
    base_url: str
    admin: httpx.Client
    clock: ManualClock

    def faults(self, faults: dict[str, Any]) -> None:
        assert self.admin.put("/_sandbox/faults", json=faults).status_code == 200

    def options(self, **youtube: Any) -> None:
        response = self.admin.put("/_sandbox/options", json={"youtube": youtube})
        assert response.status_code == 200, response.text

    def videos(self) -> list[dict[str, Any]]:
        return self.admin.get("/_sandbox/youtube/videos").json()["videos"]  # type: ignore[no-any-return]


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    clock = ManualClock()
    app = create_app(tmp_path / "world", SandboxOptions(), clock)
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=10) as admin:
        yield Emulator(base_url, admin, clock)


def video(tmp_path: Path, size: int) -> Path:
    import random

    path = tmp_path / "clip.mp4"
    path.write_bytes((MP4_HEAD + random.Random(size).randbytes(size))[:size])
    return path


def endpoint(emulator: Emulator) -> GoogleTokenEndpoint:
    return GoogleTokenEndpoint(
        SANDBOX_GOOGLE_CLIENT_ID,
        SANDBOX_GOOGLE_CLIENT_SECRET,
        token_url=f"{emulator.base_url}/token",
        revoke_url=f"{emulator.base_url}/revoke",
    )


async def follow(url: str) -> None:
    """The user's browser: the emulator consents and redirects to our loopback listener."""
    async with httpx.AsyncClient(follow_redirects=True, timeout=10) as browser:
        response = await browser.get(url)
        assert response.status_code == 200, response.text


def logged_in(emulator: Emulator) -> TokenSet:
    async def main() -> TokenSet:
        tokens_endpoint = endpoint(emulator)
        try:
            return await login(
                tokens_endpoint,
                auth_url=f"{emulator.base_url}/o/oauth2/v2/auth",
                open_browser=follow,
                timeout=10,
            )
        finally:
            await tokens_endpoint.aclose()

    return run(main())


def client(emulator: Emulator, tokens: TokenSet, **kwargs: Any) -> YouTubeClient:
    auth = GoogleAuth(tokens, endpoint(emulator), persist=lambda new: None)
    kwargs.setdefault("retry", RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=0.05))
    kwargs.setdefault("chunk_size", CHUNK_UNIT)
    return YouTubeClient(auth, base_url=emulator.base_url, sleep=FakeClock().sleep, **kwargs)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_login_and_channel_over_real_http(emulator: Emulator) -> None:
    tokens = logged_in(emulator)
    assert tokens.refresh_token.get_secret_value()
    assert "https://www.googleapis.com/auth/youtube.readonly" in tokens.scopes

    async def main() -> Any:
        async with client(emulator, tokens) as yt:
            return await yt.channel()

    channel = run(main())
    assert channel.id.startswith("UC") and channel.handle.startswith("@")


def test_upload_is_byte_exact_then_processed(emulator: Emulator, tmp_path: Path) -> None:
    path = video(tmp_path, 3 * CHUNK_UNIT + 12345)
    tokens = logged_in(emulator)

    async def main() -> tuple[Completed, Any]:
        async with client(emulator, tokens) as yt:
            uri = await yt.start_upload(
                RESOURCE, size=path.stat().st_size, content_type="video/mp4"
            )
            assert emulator.videos()[0]["byte_count"] == 0  # the URI came before any byte
            done = await yt.upload(uri, path, start_at=0)
            emulator.clock.advance(3600)
            return done, await yt.wait_processed(done.video_id)

    done, status = run(main())
    (seen,) = emulator.videos()
    assert seen["video_id"] == done.video_id and seen["sha256"] == sha256(path)
    assert seen["chunks_received"] == 4
    assert status.processed and status.url == f"https://www.youtube.com/shorts/{done.video_id}"


@pytest.mark.parametrize(
    "faults",
    [
        {"youtube_upload": {"error_rate": 0.4, "error_status": 503}},
        {"youtube_upload": {"drop_rate": 0.3}},
        {"youtube_upload": {"drop_after_rate": 0.3}},
        {"youtube_upload": {"fail_chunk": 2, "error_status": 502}},
    ],
    ids=["5xx", "drop-before", "drop-after", "fail-chunk"],
)
def test_resume_after_injected_faults(
    emulator: Emulator, tmp_path: Path, faults: dict[str, Any]
) -> None:
    path = video(tmp_path, 5 * CHUNK_UNIT + 999)
    tokens = logged_in(emulator)
    emulator.faults(faults)

    async def main() -> Completed:
        async with client(emulator, tokens, retry=RetryPolicy(max_attempts=30, base_delay=0)) as yt:
            uri = await yt.start_upload(
                RESOURCE, size=path.stat().st_size, content_type="video/mp4"
            )
            return await yt.upload(uri, path, start_at=0)

    done = run(main())
    (seen,) = emulator.videos()
    assert seen["video_id"] == done.video_id and seen["sha256"] == sha256(path)


def test_a_lost_final_answer_is_recovered_without_a_second_upload(
    emulator: Emulator, tmp_path: Path
) -> None:
    path = video(tmp_path, 2 * CHUNK_UNIT)
    size = path.stat().st_size
    tokens = logged_in(emulator)

    async def main() -> tuple[Any, ...]:
        one_put = {"retry": RetryPolicy(max_attempts=1), "chunk_size": size}
        async with client(emulator, tokens, **one_put) as yt:
            uri = await yt.start_upload(RESOURCE, size=size, content_type="video/mp4")
            emulator.faults({"youtube_upload": {"drop_after_rate": 1}})
            with pytest.raises(UploadError):  # the video is complete, its answer is lost
                await yt.upload(uri, path, start_at=0)
            emulator.faults({})
            # The next run has only the session URI from the state.
            return await yt.session_status(uri, size), await yt.upload(uri, path)

    status, done = run(main())
    videos = emulator.videos()
    assert len(videos) == 1 and videos[0]["sha256"] == sha256(path)
    assert isinstance(status, Completed) and status.video_id == videos[0]["video_id"]
    assert done.video_id == status.video_id


def test_a_partial_upload_resumes_in_the_next_run(emulator: Emulator, tmp_path: Path) -> None:
    path = video(tmp_path, 4 * CHUNK_UNIT)
    size = path.stat().st_size
    tokens = logged_in(emulator)

    async def main() -> tuple[Any, ...]:
        async with client(emulator, tokens, retry=RetryPolicy(max_attempts=1)) as yt:
            uri = await yt.start_upload(RESOURCE, size=size, content_type="video/mp4")
            emulator.faults({"youtube_upload": {"fail_chunk": 3, "error_status": 500}})
            with pytest.raises(UploadError):
                await yt.upload(uri, path, start_at=0)
            emulator.faults({})
        async with client(emulator, tokens) as later:
            status = await later.session_status(uri, size)
            assert isinstance(status, Incomplete)
            return status, await later.upload(uri, path, start_at=status.offset)

    status, done = run(main())
    assert status == Incomplete(2 * CHUNK_UNIT)
    (seen,) = emulator.videos()
    assert seen["video_id"] == done.video_id and seen["sha256"] == sha256(path)


def test_an_expired_session_means_a_new_one_is_safe(emulator: Emulator, tmp_path: Path) -> None:
    path = video(tmp_path, 2 * CHUNK_UNIT)
    size = path.stat().st_size
    tokens = logged_in(emulator)
    emulator.options(session_ttl_sec=60)

    async def main() -> tuple[Any, ...]:
        async with client(emulator, tokens) as yt:
            old = await yt.start_upload(RESOURCE, size=size, content_type="video/mp4")
            emulator.clock.advance(120)
            gone = await yt.session_status(old, size)
            new = await yt.start_upload(RESOURCE, size=size, content_type="video/mp4")
            return gone, await yt.upload(new, path, start_at=0)

    gone, done = run(main())
    assert isinstance(gone, Gone) and gone.status == 404
    published = [v for v in emulator.videos() if v["video_id"]]
    assert [v["video_id"] for v in published] == [done.video_id]
    assert published[0]["sha256"] == sha256(path)


def test_a_testing_mode_token_dies_after_7_days_with_an_explanation(emulator: Emulator) -> None:
    emulator.options(testing_mode=True)
    tokens = logged_in(emulator)
    emulator.clock.advance(8 * 86400)

    async def main() -> None:
        tokens_endpoint = endpoint(emulator)
        try:
            await tokens_endpoint.refresh(tokens.refresh_token.get_secret_value())
        finally:
            await tokens_endpoint.aclose()

    with pytest.raises(TokenRefreshError) as caught:
        run(main())
    assert caught.value.code == "invalid_grant" and not caught.value.transient
    assert '7 days when the Google Cloud project\'s OAuth consent screen is in "Testing"' in str(
        caught.value
    )
