"""Integration: the YouTube adapter through the port, against the emulator over real HTTP.

Driven the way the engine drives a provider: check the account, start (the handle is recorded
before any byte), transfer, ask the outcome until it settles; and the resume paths of a later
run that knows only the recorded handle.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from gitops_publisher.core.desired import DesiredPost, VideoRef
from gitops_publisher.core.ports import (
    Media,
    NotStarted,
    Outcome,
    Processing,
    Published,
    Started,
    Transferring,
)
from gitops_publisher.core.youtube import YouTubeUpload
from gitops_publisher.providers.errors import UploadError
from gitops_publisher.providers.retry import RetryPolicy
from gitops_publisher.providers.youtube.adapter import YouTubeProvider
from gitops_publisher.providers.youtube.resumable import CHUNK_UNIT
from tests.apply.builders import desired_post

from ..fakes import run
from .test_emulator import RESOURCE, Emulator, client, emulator, logged_in, sha256, video

__all__ = ["emulator"]  # the fixture, re-used

SIZE = 3 * CHUNK_UNIT + 777


def post(path: Path) -> DesiredPost:
    return dataclasses.replace(
        desired_post(),
        video=VideoRef(str(path), "git:0", path.stat().st_size),
        youtube=YouTubeUpload(resource=RESOURCE, notify_subscribers=False),
    )


async def settle(provider: YouTubeProvider, emulator: Emulator, handle: str) -> Outcome:
    """Poll as the engine does, the emulator's clock moving with each wait."""
    answer = await provider.outcome(handle, SIZE)
    for _ in range(30):
        if not isinstance(answer, Processing):
            break
        emulator.clock.advance(10)
        answer = await provider.outcome(handle, SIZE)
    return answer


def test_a_publish_through_the_port(emulator: Emulator, tmp_path: Path) -> None:
    path = video(tmp_path, SIZE)
    tokens = logged_in(emulator)

    async def main() -> tuple[Any, ...]:
        async with client(emulator, tokens) as yt:
            provider = YouTubeProvider(yt)
            report = await provider.check_account()
            started = await provider.start(post(path))
            before = await provider.outcome(started.handle, SIZE)
            sent: list[int] = []
            await provider.transfer(
                started, Media(path, SIZE, "video/mp4"), on_progress=lambda n, t: sent.append(n)
            )
            answer = await settle(provider, emulator, started.handle)
            again = await provider.outcome(started.handle, SIZE)
            return report, started, before, sent, answer, again, provider.label(started.handle)

    report, started, before, sent, answer, again, label = run(main())
    assert report.can_post and report.identity.open_id.startswith("UC")
    assert before == Transferring(0, resumable=True)  # the handle came before any byte
    assert sent[-1] == SIZE
    (seen,) = emulator.videos()
    assert seen["sha256"] == sha256(path) and seen["notify_subscribers"] is False
    assert (
        answer
        == again
        == Published(
            (seen["video_id"],), f"https://www.youtube.com/shorts/{seen['video_id']}", "processed"
        )
    )
    assert "upload_id" not in label and started.handle not in label


def test_the_next_run_resumes_from_the_recorded_handle(emulator: Emulator, tmp_path: Path) -> None:
    path = video(tmp_path, SIZE)
    tokens = logged_in(emulator)

    async def main() -> tuple[Any, ...]:
        async with client(emulator, tokens, retry=RetryPolicy(max_attempts=1)) as yt:
            handle = (await YouTubeProvider(yt).start(post(path))).handle
            emulator.faults({"youtube_upload": {"fail_chunk": 2, "error_status": 503}})
            with pytest.raises(UploadError):  # this run is killed here, as far as it knows
                await YouTubeProvider(yt).transfer(Started(handle), Media(path, SIZE))
            emulator.faults({})
        async with client(emulator, tokens) as yt:
            later = YouTubeProvider(yt)
            state = await later.outcome(handle, SIZE)
            assert isinstance(state, Transferring) and state.resumable
            await later.transfer(Started(handle), Media(path, SIZE), offset=state.received)
            return state, await settle(later, emulator, handle)

    state, answer = run(main())
    assert state.received == CHUNK_UNIT
    (seen,) = emulator.videos()
    assert seen["sha256"] == sha256(path) and isinstance(answer, Published)


def test_an_expired_session_is_not_started(emulator: Emulator, tmp_path: Path) -> None:
    path = video(tmp_path, SIZE)
    tokens = logged_in(emulator)
    emulator.options(session_ttl_sec=60)

    async def main() -> Outcome:
        async with client(emulator, tokens) as yt:
            handle = (await YouTubeProvider(yt).start(post(path))).handle
            emulator.clock.advance(120)
            return await YouTubeProvider(yt).outcome(handle, SIZE)

    assert isinstance(run(main()), NotStarted)
    assert not [v for v in emulator.videos() if v["video_id"]]
