import os
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_publisher.providers.errors import UploadError, UploadUrlExpired
from gitops_publisher.providers.retry import RetryPolicy
from gitops_publisher.providers.tiktok.chunks import ChunkPlan, plan_chunks
from gitops_publisher.providers.tiktok.upload import (
    server_progress,
    upload_file,
)

from .fakes import FakeClock, run
from .upload_server import FakeUploadServer

URL = "https://open-upload.tiktokapis.com/video/?upload_id=1&upload_token=SECRETUPLOADTOKEN"
POLICY = RetryPolicy(max_attempts=3, base_delay=1.0, max_delay=4.0)


def small_plan(size: int, chunk: int) -> ChunkPlan:
    """A plan with tiny chunks (the uploader does not care about TikTok's minimums)."""
    count = size // chunk
    ranges = [(i * chunk, (i + 1) * chunk - 1) for i in range(count - 1)]
    ranges.append(((count - 1) * chunk, size - 1))
    return ChunkPlan(size, chunk, count, tuple(ranges))


@pytest.fixture
def video(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(os.urandom(1050))
    return path


def upload(server: FakeUploadServer, path: Path, plan: ChunkPlan, **kw: object) -> FakeClock:
    clock = FakeClock()

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as http:
            await upload_file(
                http,
                URL,
                path,
                plan,
                policy=POLICY,
                sleep=clock.sleep,
                rng=lambda: 1.0,
                piece_size=64,
                **{"content_type": "video/mp4", **kw},  # type: ignore[arg-type]
            )

    run(main())
    return clock


def test_headers_ranges_and_bytes_are_exact(video: Path) -> None:
    server = FakeUploadServer(1050)
    progress: list[tuple[int, int]] = []
    upload(server, video, small_plan(1050, 200), on_progress=lambda a, b: progress.append((a, b)))
    assert bytes(server.received) == video.read_bytes()
    assert [r.headers["content-range"] for r in server.requests] == [
        "bytes 0-199/1050",
        "bytes 200-399/1050",
        "bytes 400-599/1050",
        "bytes 600-799/1050",
        "bytes 800-1049/1050",
    ]
    for request in server.requests:
        assert request.headers["content-type"] == "video/mp4"
        assert "authorization" not in request.headers
        assert "transfer-encoding" not in request.headers
        assert str(request.url) == URL  # used verbatim, query included
    assert progress[-1] == (1050, 1050)
    assert all(b == 1050 for _, b in progress)


def test_real_plan_of_a_25_megabyte_file(tmp_path: Path) -> None:
    path = tmp_path / "big.mov"
    size = 25_000_001
    with path.open("wb") as handle:
        handle.truncate(size)
    server = FakeUploadServer(size)
    upload(server, path, plan_chunks(size), content_type="video/quicktime")
    assert server.ranges == [(0, 9_999_999), (10_000_000, 25_000_000)]
    assert server.requests[0].headers["content-type"] == "video/quicktime"
    assert len(server.received) == size


def test_failed_chunk_is_retried_alone(video: Path) -> None:
    server = FakeUploadServer(1050)
    server.faults = {2: "503", 3: "connect_error"}
    clock = upload(server, video, small_plan(1050, 200))
    assert bytes(server.received) == video.read_bytes()
    sent = [r.headers["content-range"] for r in server.requests]
    assert sent[:4] == ["bytes 0-199/1050"] + ["bytes 200-399/1050"] * 3
    assert clock.sleeps == [1.0, 2.0]


@pytest.mark.parametrize("style", ["last_index", "count"])
def test_lost_answer_then_416_resyncs_under_both_readings(video: Path, style: str) -> None:
    server = FakeUploadServer(1050, progress_style=style)
    server.faults = {2: "accept_then_timeout"}
    upload(server, video, small_plan(1050, 200))
    assert bytes(server.received) == video.read_bytes()
    statuses = [r.headers["content-range"] for r in server.requests]
    # chunk 2 sent twice (the second got 416), then the upload went on from chunk 3
    assert statuses[1] == statuses[2] == "bytes 200-399/1050"
    assert statuses[3] == "bytes 400-599/1050"


def test_lost_answer_on_the_final_chunk_ends_cleanly(video: Path) -> None:
    server = FakeUploadServer(1050)
    server.faults = {5: "accept_then_timeout"}
    upload(server, video, small_plan(1050, 200))
    assert bytes(server.received) == video.read_bytes()
    assert len(server.requests) == 6


def test_unusable_416_is_an_upload_error(video: Path) -> None:
    server = FakeUploadServer(1050)
    server.faults = {2: "416_garbage"}
    with pytest.raises(UploadError) as info:
        upload(server, video, small_plan(1050, 200))
    assert info.value.status == 416 and info.value.bytes_confirmed == 200


def test_403_means_the_upload_url_expired(video: Path) -> None:
    server = FakeUploadServer(1050)
    server.faults = {3: "403"}
    with pytest.raises(UploadUrlExpired) as info:
        upload(server, video, small_plan(1050, 200))
    assert info.value.bytes_confirmed == 400
    assert len(server.requests) == 3


def test_404_is_not_retried(video: Path) -> None:
    server = FakeUploadServer(1050)
    server.faults = {1: "404"}
    with pytest.raises(UploadError) as info:
        upload(server, video, small_plan(1050, 200))
    assert info.value.status == 404 and len(server.requests) == 1


def test_5xx_until_exhausted(video: Path) -> None:
    server = FakeUploadServer(1050)
    server.faults = {1: "503", 2: "503", 3: "503"}
    with pytest.raises(UploadError) as info:
        upload(server, video, small_plan(1050, 200))
    assert info.value.status == 503 and "failed 3 time(s)" in str(info.value)
    assert "SECRETUPLOADTOKEN" not in str(info.value)


def test_429_waits_a_window(video: Path) -> None:
    server = FakeUploadServer(1050)
    server.faults = {2: "429"}
    clock = upload(server, video, small_plan(1050, 200))
    assert clock.sleeps == [60.0]
    assert bytes(server.received) == video.read_bytes()


def test_server_progress_readings() -> None:
    plan = small_plan(1050, 200)
    assert server_progress("bytes 0-399/1050", plan) == 400  # last index
    assert server_progress("bytes 0-400/1050", plan) == 400  # count
    assert server_progress("bytes 0-1049/1050", plan) == 1050
    assert server_progress("bytes 0-0/1050", plan) == 0
    assert server_progress("bytes 0-250/1050", plan) is None
    assert server_progress(None, plan) is None


FAULTS = st.sampled_from([None, None, "503", "connect_error", "accept_then_timeout"])


@settings(max_examples=50, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=3000),
    chunk=st.integers(min_value=1, max_value=700),
    faults=st.dictionaries(st.integers(min_value=1, max_value=60), FAULTS, max_size=25),
    style=st.sampled_from(["last_index", "count"]),
)
def test_any_fault_script_ends_byte_exact_or_with_a_typed_error(
    tmp_path_factory: pytest.TempPathFactory,
    size: int,
    chunk: int,
    faults: dict[int, str | None],
    style: str,
) -> None:
    chunk = min(chunk, size)
    path = tmp_path_factory.mktemp("v") / "v.mp4"
    data = os.urandom(size)
    path.write_bytes(data)
    server = FakeUploadServer(size, progress_style=style)
    server.faults = {k: v for k, v in faults.items() if v}
    try:
        upload(server, path, small_plan(size, chunk))
    except UploadError as exc:
        assert exc.bytes_confirmed <= len(server.received)
        assert bytes(server.received) == data[: len(server.received)]
    else:
        assert bytes(server.received) == data
