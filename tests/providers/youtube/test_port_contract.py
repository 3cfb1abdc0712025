"""The YouTube adapter keeps the provider port's contract, against the emulator over real HTTP."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from gitops_publisher.core.desired import DesiredPost, VideoRef
from gitops_publisher.core.ports import Media, Published
from gitops_publisher.core.youtube import YouTubeUpload
from gitops_publisher.providers.youtube.adapter import YouTubeProvider
from gitops_publisher.providers.youtube.platform import YOUTUBE
from tests.apply.builders import desired_post

from .. import port_contract as contract
from ..fakes import run
from .test_emulator import RESOURCE, Emulator, client, emulator, logged_in, video

__all__ = ["emulator"]  # the fixture, re-used


def desired(path: Path) -> DesiredPost:
    return dataclasses.replace(
        desired_post(),
        video=VideoRef(str(path), "git:0", path.stat().st_size),
        youtube=YouTubeUpload(resource=RESOURCE, notify_subscribers=False),
    )


def test_youtube_keeps_the_contract(emulator: Emulator, tmp_path: Path) -> None:
    path = video(tmp_path, 700_000)  # three 256 KiB chunks
    tokens = logged_in(emulator)

    async def sleep(seconds: float) -> None:
        emulator.clock.advance(seconds)  # the platform's processing moves with the engine's waits

    async def main() -> None:
        async with client(emulator, tokens) as yt:
            provider = YouTubeProvider(yt)
            report = await contract.check_account(provider)
            assert report.identity.open_id.startswith("UC")
            media = Media(path, path.stat().st_size, "video/mp4")
            started, answer = await contract.check_publish(provider, desired(path), media, sleep)
            assert provider.label(started.handle) != started.handle  # a capability: never shown
            contract.check_capability_handles_are_named(YOUTUBE, started.handle)
            assert isinstance(answer, Published) and answer.url
            await contract.check_outcome_is_repeatable(provider, started.handle, media.size)

    run(main())
    (seen,) = emulator.videos()
    assert seen["byte_count"] == path.stat().st_size
