"""The YouTube adapter through the provider port, over the client and httpx.MockTransport."""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from gitops_publisher.core.desired import DesiredPost, VideoRef
from gitops_publisher.core.ports import (
    Attempt,
    Failed,
    Media,
    NotStarted,
    Processing,
    Provider,
    Published,
    Started,
    Transferring,
)
from gitops_publisher.core.youtube import YouTubeUpload
from gitops_publisher.errors import ApiError
from gitops_publisher.providers.errors import UploadError, UploadSessionGone
from gitops_publisher.providers.retry import RetryPolicy
from gitops_publisher.providers.youtube.adapter import YouTubeProvider
from gitops_publisher.providers.youtube.client import YouTubeClient
from gitops_publisher.providers.youtube.platform import youtube_quotas
from gitops_publisher.providers.youtube.resumable import CHUNK_UNIT
from tests.apply.builders import desired_post

from ..fakes import FakeClock, run
from .fake_youtube import FakeYouTube

RESOURCE = {"snippet": {"title": "Launch", "tags": ["a"]}, "status": {"privacyStatus": "public"}}
SIZE = 2 * CHUNK_UNIT + 100


def post(path: Path) -> DesiredPost:
    return dataclasses.replace(
        desired_post(),
        video=VideoRef("media/a.mp4", "git:abc", SIZE),
        youtube=YouTubeUpload(resource=RESOURCE, notify_subscribers=False),
    )


def media(tmp_path: Path) -> Media:
    path = tmp_path / "a.mp4"
    if not path.exists():
        path.write_bytes(os.urandom(SIZE))
    return Media(path, SIZE, "video/mp4")


def provider(fake: FakeYouTube, attempts: int = 3) -> YouTubeProvider:
    client = YouTubeClient(
        None,
        transport=httpx.MockTransport(fake),
        chunk_size=CHUNK_UNIT,
        sleep=FakeClock().sleep,
        rng=lambda: 0.5,
        retry=RetryPolicy(max_attempts=attempts),
    )
    return YouTubeProvider(client)


def conforms(p: YouTubeProvider) -> Provider:
    return p  # mypy proves the adapter satisfies the port


def test_check_account_is_the_channel_identity() -> None:
    report = run(provider(FakeYouTube()).check_account())
    assert (report.identity.open_id, report.identity.username) == ("UCabc", "@acme")
    assert report.display_name == "Acme" and report.can_post
    assert report.limits.privacy_options == ("public", "unlisted", "private")


def test_an_account_without_a_channel_is_a_refusal_not_an_error() -> None:
    fake = FakeYouTube()
    fake.channel_items = []
    report = run(provider(fake).check_account())
    assert not report.can_post and report.refusal is not None
    assert report.refusal.code == "youtubeSignupRequired"


def test_a_publish_through_the_port(tmp_path: Path) -> None:
    fake = FakeYouTube()
    yt = provider(fake)
    seen_before_bytes: list[int] = []
    made: list[tuple[str, ...]] = []

    async def main() -> object:
        started = await yt.start(post(tmp_path), content_type="video/mp4")
        seen_before_bytes.append(fake.puts)  # the engine records the handle here
        made.append(await yt.transfer(started, media(tmp_path)))
        fake.statuses[next(iter(fake.videos))] = [
            {"status": {"uploadStatus": "uploaded"}},
            {"status": {"uploadStatus": "processed"}},
        ]
        first = await yt.outcome(started.handle, SIZE)
        return started, first, await yt.outcome(started.handle, SIZE)

    started, first, second = run(main())
    assert isinstance(started, Started) and started.upload_target is None
    assert seen_before_bytes == [0]
    post_request = fake.requests[0]
    assert post_request.url.params["notifySubscribers"] == "false"
    assert post_request.headers["x-upload-content-type"] == "video/mp4"
    assert fake.session().resource == RESOURCE
    (video_id,) = fake.videos
    assert fake.videos[video_id]["bytes"] == media(tmp_path).path.read_bytes()
    assert made == [(video_id,)]  # the last chunk's answer names the video (recorded)
    assert first == Processing("uploaded", (video_id,))
    assert second == Published(
        (video_id,), f"https://www.youtube.com/shorts/{video_id}", "processed"
    )
    assert "UPLOADID" not in yt.label(started.handle)  # the capability is never shown


def test_resume_after_a_kill_mid_transfer(tmp_path: Path) -> None:
    fake = FakeYouTube()
    fake.put_faults = {2: "drop_after:700"}

    async def main() -> tuple[object, ...]:
        first_run = provider(fake, attempts=1)
        started = await first_run.start(post(tmp_path))
        with pytest.raises(UploadError):
            await first_run.transfer(started, media(tmp_path))
        # A new run knows only the recorded handle.
        second_run = provider(fake)
        state = await second_run.outcome(started.handle, SIZE)
        assert isinstance(state, Transferring)
        await second_run.transfer(Started(started.handle), media(tmp_path), offset=state.received)
        return state, await second_run.outcome(started.handle, SIZE)

    state, after = run(main())
    assert state == Transferring(CHUNK_UNIT + 700, resumable=True)
    assert isinstance(after, Processing)  # uploaded; videos.list not scripted yet
    assert len(fake.videos) == 1 and fake.posts == 1
    (video,) = fake.videos.values()
    assert video["bytes"] == media(tmp_path).path.read_bytes()


def test_a_lost_final_answer_is_recovered_by_the_next_run(tmp_path: Path) -> None:
    fake = FakeYouTube()
    fake.put_faults = {3: "lose_final", 4: "drop_before", 5: "drop_before"}

    async def main() -> object:
        first_run = provider(fake, attempts=2)
        started = await first_run.start(post(tmp_path))
        with pytest.raises(UploadError):
            await first_run.transfer(started, media(tmp_path))
        (video_id,) = fake.videos
        fake.statuses[video_id] = [{"status": {"uploadStatus": "processed"}}]
        return await provider(fake).outcome(started.handle, SIZE)

    outcome = run(main())
    assert isinstance(outcome, Published) and outcome.post_ids == tuple(fake.videos)
    assert fake.posts == 1  # never a second upload


def test_an_expired_session_is_not_started(tmp_path: Path) -> None:
    fake = FakeYouTube()

    async def main() -> object:
        yt = provider(fake)
        started = await yt.start(post(tmp_path))
        fake.session().expired = True
        with pytest.raises(UploadSessionGone):
            await yt.transfer(started, media(tmp_path))
        return await yt.outcome(started.handle, SIZE)

    outcome = run(main())
    assert isinstance(outcome, NotStarted) and outcome.reason.endswith("it expired")


@pytest.mark.parametrize(
    ("item", "reason", "retryable"),
    [
        ({"uploadStatus": "rejected", "rejectionReason": "duplicate"}, "duplicate", False),
        ({"uploadStatus": "failed", "failureReason": "codec"}, "codec", False),
        ({"uploadStatus": "failed", "failureReason": "uploadAborted"}, "uploadAborted", True),
    ],
)
def test_failures_and_rejections(tmp_path: Path, item: dict, reason: str, retryable: bool) -> None:
    fake = FakeYouTube()

    async def main() -> object:
        yt = provider(fake)
        started = await yt.start(post(tmp_path))
        await yt.transfer(started, media(tmp_path))
        fake.statuses[next(iter(fake.videos))] = [{"status": item}]
        return await yt.outcome(started.handle, SIZE)

    outcome = run(main())
    assert isinstance(outcome, Failed)
    assert (outcome.reason, outcome.retryable) == (reason, retryable)


def test_quota_exceeded_stops_the_account_and_is_remembered(tmp_path: Path) -> None:
    fake = FakeYouTube()
    fake.init_faults = {1: "quota"}

    async def main() -> object:
        yt = provider(fake)
        with pytest.raises(ApiError) as caught:
            await yt.start(post(tmp_path))
        assert caught.value.stops_account
        return await yt.check_account()

    report = run(main())
    assert report.refusal is not None and report.refusal.code == "quotaExceeded"


def test_quotas_follow_the_model() -> None:
    (bucket,) = youtube_quotas()
    assert (bucket.name, bucket.limit, bucket.cost, bucket.scope) == ("uploads", 100, 1, "app")
    (units,) = youtube_quotas("units_1600")
    assert (units.limit, units.cost) == (10_000, 1600)
    (newer,) = youtube_quotas("units_100")
    assert newer.cost == 100


def test_the_initiating_post_names_the_probed_type_else_octet_stream(tmp_path: Path) -> None:
    fake = FakeYouTube()
    yt = provider(fake)

    async def main() -> None:
        await yt.start(post(tmp_path), content_type="video/webm")  # a .mp4 that is WebM
        await yt.start(post(tmp_path))

    run(main())
    sent = [r.headers["x-upload-content-type"] for r in fake.requests if r.method == "POST"]
    assert sent == ["video/webm", "application/octet-stream"]


def test_start_summary_counts_chunks(tmp_path: Path) -> None:
    assert run_summary(tmp_path) == "videos.insert (resumable, 3 chunk(s) of 0.25 MiB)"


def run_summary(tmp_path: Path) -> str:
    return provider(FakeYouTube()).start_summary(post(tmp_path))


def test_a_video_id_handle_is_asked_about_and_a_deleted_one_is_never_uploaded_again(
    tmp_path: Path,
) -> None:
    # `state import ADDR VIDEO_ID` records the video id as the handle (no upload session).
    fake = FakeYouTube()

    async def main() -> tuple[str, object, object]:
        yt = provider(fake)
        await yt.transfer(await yt.start(post(tmp_path)), media(tmp_path))
        (video_id,) = fake.videos
        fake.statuses[video_id] = [{"status": {"uploadStatus": "processed"}}]
        imported = await provider(fake).outcome(video_id, SIZE)  # the import: no attempt
        del fake.videos[video_id], fake.statuses[video_id]  # deleted in YouTube Studio since
        began = datetime(2026, 12, 1, tzinfo=UTC)
        later = await provider(fake).outcome(video_id, SIZE, attempt=Attempt(began))
        return video_id, imported, later

    video_id, imported, later = run(main())
    assert isinstance(imported, Published) and imported.post_ids == (video_id,)
    # When it went up, not when it was imported: the calendar shows it on its own day.
    assert imported.published_at == datetime(2026, 12, 4, 12, tzinfo=UTC)  # the fake's now
    # Not NotStarted: that would upload the post again, beside a video deleted on purpose.
    assert isinstance(later, Failed) and not later.retryable
    assert fake.posts == 1
