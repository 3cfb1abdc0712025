"""YouTube's emulator restarted over the same world never shows a client an earlier time.

Over a real loopback socket, with a scaled clock reading a real time the test moves (nothing
sleeps): a video seen processed, or public at its ``publishAt``, stays so after a restart; a
token seen expired stays expired; an upload session seen expired stays gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx

from gitops_publisher.sandbox import SandboxOptions, ScaledClock, create_app, serve_in_thread
from gitops_publisher.sandbox.youtube.options import YouTubeOptions

from ..real_time import RealTime
from .conftest import YouTubeSandbox, resource, video_bytes


@contextmanager
def served(
    directory: Path, clock: ScaledClock, options: SandboxOptions | None = None
) -> Iterator[YouTubeSandbox]:
    """One run of the sandbox (a ``sandbox serve`` or an ``apply --sandbox``) on 127.0.0.1."""
    app = create_app(directory, options or SandboxOptions(), clock)
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=10) as client:
        yield YouTubeSandbox(client, base_url, clock, directory)  # type: ignore[arg-type]


def uploaded(yt: YouTubeSandbox, headers: dict[str, str], body: object = None) -> str:
    data = video_bytes(1000)
    uri = yt.session(headers, len(data), **({"body": body} if body else {}))
    final = yt.upload(uri, data)[-1]
    assert final.status_code == 201, final.text
    video_id: str = final.json()["id"]
    return video_id


def status_of(yt: YouTubeSandbox, headers: dict[str, str], video_id: str) -> dict[str, str]:
    status: dict[str, str] = yt.list_video(headers, video_id)["items"][0]["status"]
    return status


def test_a_video_seen_processed_is_not_processing_after_a_restart(tmp_path: Path) -> None:
    real = RealTime()
    first = real.clock()
    with served(tmp_path / "w", first) as yt:
        headers = yt.bearer()
        video_id = uploaded(yt, headers)
        assert status_of(yt, headers, video_id)["uploadStatus"] == "uploaded"
        real.elapsed += 1  # a sandbox minute: processing (5 s) is over
        assert status_of(yt, headers, video_id)["uploadStatus"] == "processed"
        seen = first.now()
    real.elapsed += 0.1
    second = real.clock()
    with served(tmp_path / "w", second) as yt:
        assert status_of(yt, headers, video_id)["uploadStatus"] == "processed"
    assert second.now() >= seen


def test_a_video_seen_public_at_its_publish_at_stays_public_after_a_restart(
    tmp_path: Path,
) -> None:
    real = RealTime()
    first = real.clock()
    with served(tmp_path / "w", first) as yt:
        headers = yt.bearer()
        when = datetime.fromtimestamp(first.now() + 600, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        video_id = uploaded(yt, headers, resource(privacyStatus="private", publishAt=when))
        real.elapsed += 5  # 300 s: processed, still scheduled
        assert status_of(yt, headers, video_id)["privacyStatus"] == "private"
        real.elapsed += 5.1  # 606 s: past publishAt
        assert status_of(yt, headers, video_id)["privacyStatus"] == "public"
    real.elapsed += 0.1
    with served(tmp_path / "w", real.clock()) as yt:
        assert status_of(yt, headers, video_id)["privacyStatus"] == "public"


def test_an_expired_token_stays_expired_after_a_restart(tmp_path: Path) -> None:
    real = RealTime()
    options = SandboxOptions(youtube=YouTubeOptions(access_token_ttl_sec=30))
    with served(tmp_path / "w", real.clock(), options) as yt:
        headers = yt.bearer()
        query = {"part": "id", "id": uploaded(yt, headers)}
        real.elapsed += 1  # 60 s: the 30 s token has expired
        answer = yt.client.get("/youtube/v3/videos", params=query, headers=headers)
        assert answer.status_code == 401
    real.elapsed += 0.1
    with served(tmp_path / "w", real.clock(), options) as yt:
        again = yt.client.get("/youtube/v3/videos", params=query, headers=headers)
        assert again.status_code == 401


def test_an_upload_session_seen_expired_stays_gone_after_a_restart(tmp_path: Path) -> None:
    real = RealTime()
    options = SandboxOptions(youtube=YouTubeOptions(session_ttl_sec=30))
    with served(tmp_path / "w", real.clock(), options) as yt:
        headers = yt.bearer()
        uri = yt.session(headers, 1000).removeprefix(yt.base_url)  # the next run's port differs
        assert yt.status(uri, 1000).status_code == 308
        real.elapsed += 1  # 60 s: the 30 s session has expired
        assert yt.status(uri, 1000).status_code == 404
    real.elapsed += 0.1
    with served(tmp_path / "w", real.clock(), options) as yt:
        assert yt.status(uri, 1000).status_code == 404
