"""The YouTube client over httpx.MockTransport: init, resumable transfer, resume, polling."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from gitops_publisher.errors import ProviderError
from gitops_publisher.providers.errors import (
    InitOutcomeUnknown,
    RateLimited,
    TokenRefreshError,
    UploadContended,
    UploadError,
    UploadSessionGone,
)
from gitops_publisher.providers.retry import RetryPolicy
from gitops_publisher.providers.youtube.api_models import Completed, Gone, Incomplete
from gitops_publisher.providers.youtube.client import YouTubeClient, secret_parts
from gitops_publisher.providers.youtube.envelope import YouTubeApiError
from gitops_publisher.providers.youtube.resumable import CHUNK_UNIT, validate_chunk_size

from ..fakes import FakeClock, run
from .fake_youtube import SESSION, FakeYouTube

CHUNK = CHUNK_UNIT  # 256 KiB: the smallest legal chunk keeps the files small
RESOURCE = {"snippet": {"title": "Launch"}, "status": {"privacyStatus": "private"}}


def video(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(os.urandom(size))
    return path


def client(fake: FakeYouTube, clock: FakeClock, **kwargs) -> YouTubeClient:  # type: ignore[no-untyped-def]
    return YouTubeClient(
        None,
        base_url="https://youtube.googleapis.com",
        transport=httpx.MockTransport(fake),
        chunk_size=CHUNK,
        sleep=clock.sleep,
        clock=clock,
        rng=lambda: 0.5,
        retry=RetryPolicy(max_attempts=4, base_delay=1.0, rate_limit_window=60.0),
        **kwargs,
    )


def publish(fake: FakeYouTube, path: Path, clock: FakeClock | None = None) -> tuple[str, Completed]:
    clock = clock or FakeClock()

    async def main() -> tuple[str, Completed]:
        async with client(fake, clock) as c:
            size = path.stat().st_size
            uri = await c.start_upload(RESOURCE, size=size, content_type="video/mp4")
            return uri, await c.upload(uri, path, start_at=0)

    return run(main())


def test_init_returns_the_session_uri_before_any_byte(tmp_path: Path) -> None:
    fake = FakeYouTube()
    seen: list[str] = []

    async def main() -> str:
        async with client(fake, FakeClock(), on_secret=seen.append) as c:
            return await c.start_upload(
                RESOURCE, size=1234, content_type="video/mp4", notify_subscribers=False
            )

    uri = run(main())
    assert uri == SESSION + "UPLOADID0001"
    assert [r.method for r in fake.requests] == ["POST"]  # not one byte sent yet
    post = fake.requests[0]
    assert post.url.params["uploadType"] == "resumable"
    assert post.url.params["part"] == "snippet,status"
    assert post.url.params["notifySubscribers"] == "false"
    assert post.headers["x-upload-content-length"] == "1234"
    assert post.headers["x-upload-content-type"] == "video/mp4"
    assert post.headers["content-type"].startswith("application/json")
    assert fake.session().resource == RESOURCE
    assert seen == [uri, "UPLOADID0001"]  # the capability goes to the redactor first
    assert secret_parts(uri) == (uri, "UPLOADID0001")


def test_a_whole_upload_is_byte_exact_in_256_kib_chunks(tmp_path: Path) -> None:
    path = video(tmp_path, 3 * CHUNK + 1000)
    fake = FakeYouTube()
    _, done = publish(fake, path)
    assert fake.videos[done.video_id]["bytes"] == path.read_bytes()
    puts = [r for r in fake.requests if r.method == "PUT"]
    assert [r.headers["content-range"] for r in puts] == [
        f"bytes 0-{CHUNK - 1}/{3 * CHUNK + 1000}",
        f"bytes {CHUNK}-{2 * CHUNK - 1}/{3 * CHUNK + 1000}",
        f"bytes {2 * CHUNK}-{3 * CHUNK - 1}/{3 * CHUNK + 1000}",
        f"bytes {3 * CHUNK}-{3 * CHUNK + 999}/{3 * CHUNK + 1000}",
    ]
    assert all("content-type" not in r.headers for r in puts)
    assert done.url == f"https://www.youtube.com/shorts/{done.video_id}"


def test_chunk_bodies_are_streamed_not_loaded(tmp_path: Path) -> None:
    path = video(tmp_path, 2 * CHUNK)
    bodies: list[object] = []
    inner = httpx.MockTransport(FakeYouTube())

    class Spy(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "PUT":
                bodies.append(request.stream)  # before anything reads it
            return await inner.handle_async_request(request)

    async def main() -> None:
        async with YouTubeClient(
            None, transport=Spy(), chunk_size=CHUNK, sleep=FakeClock().sleep
        ) as c:
            uri = await c.start_upload(RESOURCE, size=2 * CHUNK, content_type="video/mp4")
            await c.upload(uri, path, start_at=0)

    run(main())
    # An async-iterator body: httpx never holds a chunk as one bytes object.
    assert len(bodies) == 2 and all(not isinstance(b, httpx.ByteStream) for b in bodies)


@pytest.mark.parametrize("bad", [0, -CHUNK, CHUNK + 1, 1000, 100 * 1000 * 1000])
def test_chunk_size_must_be_a_multiple_of_256_kib(bad: int) -> None:
    with pytest.raises(ValueError, match="multiple of 256 KiB"):
        validate_chunk_size(bad)
    with pytest.raises(ValueError):
        YouTubeClient(None, chunk_size=bad)


def test_a_dropped_connection_resumes_from_the_servers_offset(tmp_path: Path) -> None:
    path = video(tmp_path, 3 * CHUNK)
    fake = FakeYouTube()
    fake.put_faults = {2: "drop_after:1000"}  # 1000 bytes of chunk 2 arrive, then a reset
    clock = FakeClock()
    _, done = publish(fake, path, clock)
    assert fake.videos[done.video_id]["bytes"] == path.read_bytes()
    ranges = [r.headers["content-range"] for r in fake.requests if r.method == "PUT"]
    assert ranges[2] == f"bytes */{3 * CHUNK}"  # asked where it stands
    assert ranges[3].startswith(f"bytes {CHUNK + 1000}-")  # and went on mid-chunk
    assert len(clock.sleeps) == 1


def test_a_5xx_queries_the_session_then_resumes(tmp_path: Path) -> None:
    path = video(tmp_path, 2 * CHUNK)
    fake = FakeYouTube()
    fake.put_faults = {2: "503"}
    clock = FakeClock()
    _, done = publish(fake, path, clock)
    assert fake.videos[done.video_id]["bytes"] == path.read_bytes()
    ranges = [r.headers["content-range"] for r in fake.requests if r.method == "PUT"]
    assert ranges == [
        f"bytes 0-{CHUNK - 1}/{2 * CHUNK}",
        f"bytes {CHUNK}-{2 * CHUNK - 1}/{2 * CHUNK}",
        f"bytes */{2 * CHUNK}",
        f"bytes {CHUNK}-{2 * CHUNK - 1}/{2 * CHUNK}",
    ]
    assert clock.sleeps == [0.5]  # backoff: rng 0.5 x base 1.0


def test_a_partial_chunk_on_308_is_resumed_where_the_server_stands(tmp_path: Path) -> None:
    path = video(tmp_path, 2 * CHUNK)
    fake = FakeYouTube()
    fake.put_faults = {1: "keep:5000"}
    _, done = publish(fake, path)
    assert fake.videos[done.video_id]["bytes"] == path.read_bytes()
    ranges = [r.headers["content-range"] for r in fake.requests if r.method == "PUT"]
    assert ranges[1].startswith("bytes 5000-")


def test_a_308_without_range_mid_upload_asks_before_starting_over(tmp_path: Path) -> None:
    path = video(tmp_path, 3 * CHUNK)
    fake = FakeYouTube()
    fake.put_faults = {1: "308_no_range"}
    _, done = publish(fake, path)
    assert fake.videos[done.video_id]["bytes"] == path.read_bytes()
    ranges = [r.headers["content-range"] for r in fake.requests if r.method == "PUT"]
    # Not byte 0 again: the status query said the first chunk is held.
    assert ranges[1] == f"bytes */{3 * CHUNK}"
    assert ranges[2].startswith(f"bytes {CHUNK}-")


def test_rate_limits_are_waited_out_honouring_retry_after(tmp_path: Path) -> None:
    path = video(tmp_path, 2 * CHUNK)
    fake = FakeYouTube()
    fake.put_faults = {1: "429", 3: "403rate"}
    clock = FakeClock()
    _, done = publish(fake, path, clock)
    assert fake.videos[done.video_id]["bytes"] == path.read_bytes()
    assert clock.sleeps == [7.0, 60.0]  # Retry-After, then a whole window


def test_a_401_on_a_chunk_refreshes_then_resumes(tmp_path: Path) -> None:
    path = video(tmp_path, 2 * CHUNK)
    fake = FakeYouTube()
    fake.put_faults = {2: "401"}
    forced: list[bool] = []

    async def headers(force: bool) -> dict[str, str]:
        forced.append(force)
        return {"Authorization": f"Bearer t{len(forced)}"}

    async def main() -> Completed:
        async with client(fake, FakeClock()) as c:
            uri = await c.start_upload(RESOURCE, size=2 * CHUNK, content_type="video/mp4")
            c._bearer = headers  # type: ignore[method-assign]
            return await c.upload(uri, path, start_at=0)

    done = run(main())
    assert fake.videos[done.video_id]["bytes"] == path.read_bytes()
    assert forced == [False, False, True, False]


def test_quota_exceeded_on_a_chunk_stops_the_account(tmp_path: Path) -> None:
    path = video(tmp_path, 2 * CHUNK)
    fake = FakeYouTube()
    fake.put_faults = {1: "403quota"}
    with pytest.raises(YouTubeApiError) as caught:
        publish(fake, path)
    assert caught.value.code == "quotaExceeded" and caught.value.stops_account
    assert "Pacific" in caught.value.hint


def test_transient_failures_give_up_after_the_policy(tmp_path: Path) -> None:
    path = video(tmp_path, 2 * CHUNK)
    fake = FakeYouTube()
    fake.put_faults = {n: "503" for n in range(1, 20)}
    with pytest.raises(UploadError) as caught:
        publish(fake, path)
    assert caught.value.bytes_confirmed == 0
    assert "4 time(s)" in str(caught.value)
    assert "UPLOADID" not in str(caught.value)  # the capability is never in a message


def test_a_session_that_keeps_none_of_the_chunks_is_contended_not_broken(
    tmp_path: Path,
) -> None:
    """Every chunk answered 308 at the same offset: another client is sending into it.

    The engine leaves such a session to that client instead of failing the attempt (a new
    session would be a second video), so the error says which case it is.
    """
    path = video(tmp_path, 2 * CHUNK)
    fake = FakeYouTube()
    fake.put_faults = {n: "keep:0" for n in range(1, 40)}
    with pytest.raises(UploadContended) as caught:
        publish(fake, path)
    assert caught.value.bytes_confirmed == 0 and caught.value.status == 308
    assert "kept none of the chunk sent from byte 0" in str(caught.value)
    assert fake.videos == {}


def test_a_lost_final_answer_is_recovered_without_a_second_upload(tmp_path: Path) -> None:
    path = video(tmp_path, 2 * CHUNK)
    fake = FakeYouTube()
    fake.put_faults = {2: "lose_final"}
    _, done = publish(fake, path)
    assert list(fake.videos) == [done.video_id]  # one video, its id recovered by the replay
    assert fake.posts == 1


def test_an_expired_session_says_nothing_was_published(tmp_path: Path) -> None:
    path = video(tmp_path, 2 * CHUNK)
    fake = FakeYouTube()

    async def main() -> None:
        async with client(fake, FakeClock()) as c:
            uri = await c.start_upload(RESOURCE, size=2 * CHUNK, content_type="video/mp4")
            fake.session().expired = True
            await c.upload(uri, path, start_at=0)

    with pytest.raises(UploadSessionGone) as caught:
        run(main())
    assert caught.value.status == 404 and not fake.videos


def test_session_status_for_the_resume_path(tmp_path: Path) -> None:
    path = video(tmp_path, 3 * CHUNK)
    fake = FakeYouTube()
    fake.put_faults = {2: "drop_after:10"}

    async def main() -> list[object]:
        async with YouTubeClient(
            None,
            transport=httpx.MockTransport(fake),
            chunk_size=CHUNK,
            sleep=FakeClock().sleep,
            retry=RetryPolicy(max_attempts=1),
        ) as yt:
            size = 3 * CHUNK
            uri = await yt.start_upload(RESOURCE, size=size, content_type="video/mp4")
            with pytest.raises(UploadError):  # a run killed mid-chunk, as far as it knows
                await yt.upload(uri, path, start_at=0)
            states: list[object] = [await yt.session_status(uri, size)]
            done = await yt.upload(uri, path)  # resume: asks first, then goes on
            states.append(await yt.session_status(uri, size))
            fake.session().expired = True
            states.append(await yt.session_status(uri, size))
            states.append(done)
            return states

    incomplete, completed, gone, done = run(main())
    assert incomplete == Incomplete(CHUNK + 10)
    assert isinstance(done, Completed) and completed == Completed(done.video_id)
    assert gone == Gone(404)
    assert fake.videos[done.video_id]["bytes"] == path.read_bytes()
    assert len(fake.videos) == 1


@pytest.mark.parametrize("fault", ["503", "timeout"])
def test_init_is_never_sent_twice_when_its_answer_may_be_lost(fault: str) -> None:
    fake = FakeYouTube()
    fake.init_faults = {1: fault}

    async def main() -> None:
        async with client(fake, FakeClock()) as c:
            await c.start_upload(RESOURCE, size=10, content_type="video/mp4")

    with pytest.raises(InitOutcomeUnknown) as caught:
        run(main())
    assert fake.posts == 1
    assert "YouTube" in str(caught.value)


def test_init_refusals_map_to_the_taxonomy() -> None:
    fake = FakeYouTube()
    fake.init_faults = {1: "quota"}

    async def main() -> None:
        async with client(fake, FakeClock()) as c:
            await c.start_upload(RESOURCE, size=10, content_type="video/mp4")

    with pytest.raises(YouTubeApiError) as caught:
        run(main())
    assert caught.value.code == "quotaExceeded" and caught.value.status == 403
    assert "<a" not in str(caught.value) and caught.value.stops_account

    fake = FakeYouTube()
    fake.init_faults = {1: "no_location"}
    with pytest.raises(YouTubeApiError, match="no Location"):
        run(main())


def test_a_rate_limited_init_is_repeated_after_the_wait() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "3"})
        return httpx.Response(200, headers={"Location": SESSION + "X"})

    clock = FakeClock()

    async def main() -> str:
        async with YouTubeClient(
            None, transport=httpx.MockTransport(handler), sleep=clock.sleep
        ) as c:
            return await c.start_upload(RESOURCE, size=10, content_type="video/mp4")

    assert run(main()) == SESSION + "X"
    assert clock.sleeps == [3.0] and len(calls) == 2


def test_rate_limited_is_a_provider_rate_limit() -> None:
    fake = FakeYouTube()
    fake.list_status = 429

    async def main() -> None:
        async with YouTubeClient(
            None,
            transport=httpx.MockTransport(fake),
            sleep=FakeClock().sleep,
            retry=RetryPolicy(max_rate_limit_waits=1),
        ) as c:
            await c.video_status("abc")

    with pytest.raises(RateLimited):
        run(main())


def test_channel_identity() -> None:
    fake = FakeYouTube()

    async def main():  # type: ignore[no-untyped-def]
        async with client(fake, FakeClock()) as c:
            return await c.channel()

    channel = run(main())
    assert (channel.id, channel.handle, channel.title) == ("UCabc", "@acme", "Acme")
    assert fake.requests[0].url.params["mine"] == "true"
    fake.channel_items = []
    with pytest.raises(YouTubeApiError) as caught:
        run(main())
    assert caught.value.code == "youtubeSignupRequired" and caught.value.stops_account


def test_polling_until_processed_with_injected_sleep() -> None:
    fake = FakeYouTube()
    fake.statuses["v1"] = [
        {
            "status": {"uploadStatus": "uploaded"},
            "processingDetails": {"processingStatus": "processing"},
        },
        {
            "status": {"uploadStatus": "uploaded"},
            "processingDetails": {"processingStatus": "processing"},
        },
        {
            "status": {"uploadStatus": "processed", "privacyStatus": "public"},
            "processingDetails": {"processingStatus": "succeeded"},
        },
    ]
    clock = FakeClock()

    async def main():  # type: ignore[no-untyped-def]
        async with client(fake, clock) as c:
            return await c.wait_processed("v1")

    status = run(main())
    assert status.processed and not status.failed
    assert status.url == "https://www.youtube.com/shorts/v1"
    assert clock.sleeps == [5.0, 10.0]
    assert fake.requests[0].url.params["part"] == "status,processingDetails"


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (
            {"status": {"uploadStatus": "rejected", "rejectionReason": "duplicate"}},
            "rejected: duplicate",
        ),
        ({"status": {"uploadStatus": "failed", "failureReason": "codec"}}, "failed: codec"),
        (
            {
                "status": {"uploadStatus": "uploaded"},
                "processingDetails": {
                    "processingStatus": "failed",
                    "processingFailureReason": "transcodeFailed",
                },
            },
            "processing failed: transcodeFailed",
        ),
        (None, "not found"),
    ],
)
def test_polling_stops_on_failure_and_says_why(item: dict | None, reason: str) -> None:
    fake = FakeYouTube()
    if item is not None:
        fake.statuses["v1"] = [item]

    async def main():  # type: ignore[no-untyped-def]
        async with client(fake, FakeClock()) as c:
            return await c.wait_processed("v1")

    status = run(main())
    assert status.failed and status.terminal and status.reason.startswith(reason)


def test_polling_gives_up_at_the_deadline_without_a_verdict() -> None:
    fake = FakeYouTube()
    fake.statuses["v1"] = [{"status": {"uploadStatus": "uploaded"}}]
    clock = FakeClock()

    async def main():  # type: ignore[no-untyped-def]
        async with client(fake, clock) as c:
            return await c.wait_processed("v1", timeout=100)

    status = run(main())
    assert not status.terminal and status.upload_status == "uploaded"
    assert sum(clock.sleeps) <= 100


def test_an_upload_only_token_cannot_poll() -> None:
    fake = FakeYouTube()
    fake.list_status = 403

    async def main() -> None:
        async with client(fake, FakeClock()) as c:
            await c.video_status("v1")

    with pytest.raises(YouTubeApiError) as caught:
        run(main())
    assert caught.value.code == "insufficientPermissions" and "tick" in caught.value.hint


def test_session_ids_in_httpcore_header_logs_are_redacted() -> None:
    import logging

    from gitops_publisher.providers.redact import install_log_redaction, redact_url_secrets

    install_log_redaction()
    headers = (
        "[(b'location', b'http://h/upload/youtube/v3/videos?uploadType=resumable&upload_id=SECRET1"
        "&part=snippet'), (b'x-guploader-uploadid', b'SECRET1')]"
    )
    assert "SECRET1" not in redact_url_secrets(headers)
    for name in ("httpx", "httpcore.http11", "httpcore.http2"):
        record = logging.LogRecord(name, logging.DEBUG, __file__, 1, headers, None, None)
        assert all(f.filter(record) for f in logging.getLogger(name).filters)
        assert "SECRET1" not in record.getMessage()


def test_a_token_endpoint_hiccup_mid_upload_is_waited_out(tmp_path: Path) -> None:
    path = video(tmp_path, 2 * CHUNK)
    fake = FakeYouTube()
    calls: list[bool] = []

    async def headers(force: bool) -> dict[str, str]:
        calls.append(force)
        if len(calls) == 2:
            raise TokenRefreshError("Google could not be reached", transient=True)
        return {}

    async def main() -> Completed:
        async with client(fake, FakeClock()) as c:
            uri = await c.start_upload(RESOURCE, size=2 * CHUNK, content_type="video/mp4")
            c._bearer = headers  # type: ignore[method-assign]
            return await c.upload(uri, path, start_at=0)

    done = run(main())
    assert fake.videos[done.video_id]["bytes"] == path.read_bytes()
    assert len(calls) == 4  # chunk 1, the failed refresh, the status query, chunk 2


def test_a_refused_token_on_a_status_query_is_refreshed_once() -> None:
    fake = FakeYouTube()
    forced: list[bool] = []

    async def headers(force: bool) -> dict[str, str]:
        forced.append(force)
        return {"Authorization": "Bearer x"}

    async def main() -> object:
        async with client(fake, FakeClock()) as c:
            uri = await c.start_upload(RESOURCE, size=CHUNK, content_type="video/mp4")
            c._bearer = headers  # type: ignore[method-assign]
            c._auth = object()  # type: ignore[assignment]
            fake.put_faults = {1: "401"}
            return await c.session_status(uri, CHUNK)

    assert run(main()) == Incomplete(0)
    assert forced == [False, True]


def test_a_recorded_session_uri_is_used_exactly_as_google_gave_it(tmp_path: Path) -> None:
    path = video(tmp_path, 2 * CHUNK)
    fake = FakeYouTube()
    # Google's session URIs may name another host than the API base (reference §2.3).
    other_host = SESSION.replace("youtube.googleapis.com", "www.googleapis.com")

    async def main() -> Completed:
        async with client(fake, FakeClock()) as c:
            await c.start_upload(RESOURCE, size=2 * CHUNK, content_type="video/mp4")
            return await c.upload(other_host + "UPLOADID0001", path)  # a resume: asks first

    run(main())
    puts = [r for r in fake.requests if r.method == "PUT"]
    assert len(puts) == 3 and {str(r.url) for r in puts} == {other_host + "UPLOADID0001"}


def test_the_embedded_sandbox_sends_a_recorded_session_to_its_current_port(
    tmp_path: Path,
) -> None:
    path = video(tmp_path, 2 * CHUNK)
    fake = FakeYouTube()
    seen: list[str] = []
    recorded = "http://127.0.0.1:41111/upload/youtube/v3/videos?uploadType=resumable&upload_id="
    now = "http://127.0.0.1:42222"  # the killed run's port is gone; the session is not

    async def main() -> tuple[object, Completed]:
        async with client(fake, FakeClock(), session_origin=now, on_secret=seen.append) as c:
            await c.start_upload(RESOURCE, size=2 * CHUNK, content_type="video/mp4")
            status = await c.session_status(recorded + "UPLOADID0001", 2 * CHUNK)
            return status, await c.upload(recorded + "UPLOADID0001", path, start_at=0)

    status, done = run(main())
    assert status == Incomplete(0) and done.video_id in fake.videos
    puts = [r.url for r in fake.requests if r.method == "PUT"]
    assert {(u.host, u.port, u.path, u.params["upload_id"]) for u in puts} == {
        ("127.0.0.1", 42222, "/upload/youtube/v3/videos", "UPLOADID0001")
    }
    # The recorded URI and the one used join the redaction set before their first use.
    assert {
        recorded + "UPLOADID0001",
        now + "/upload/youtube/v3/videos?uploadType=resumable&upload_id=UPLOADID0001",
        "UPLOADID0001",
    } <= set(seen)


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:9999/upload/youtube/v3/videos?uploadType=resumable&upload_id=SECRETX1",
        "https://uploads.example.com/upload/youtube/v3/videos?upload_id=SECRETX1",
        "http://www.googleapis.com/upload/youtube/v3/videos?upload_id=SECRETX1",  # not https
        "https://www.googleapis.com/youtube/v3/videos?upload_id=SECRETX1",  # not the upload path
        "https://www.youtube.com/shorts/dQw4w9WgXcQ",  # a video's page, pasted for an id
    ],
)
def test_a_session_uri_elsewhere_than_youtubes_upload_path_gets_no_request(
    tmp_path: Path, uri: str
) -> None:
    # `state import ADDR URI` (or an edited state) named any address: the session requests
    # carry the channel's access token, so they go only to Google's upload path (or the
    # configured API's), never to a host the URI names.
    path = video(tmp_path, CHUNK)
    fake = FakeYouTube()

    async def main() -> list[str]:
        messages = []
        async with client(fake, FakeClock()) as c:
            for call in (c.session_status(uri, CHUNK), c.upload(uri, path, start_at=0)):
                with pytest.raises(ProviderError) as refused:
                    await call
                messages.append(str(refused.value))
        return messages

    messages = run(main())
    assert fake.requests == []
    assert all("is not a YouTube upload session" in m for m in messages), messages
    assert all("SECRET" not in m for m in messages), messages  # the capability is never shown
