import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from gitops_publisher.errors import ApiError
from gitops_publisher.providers.errors import InitOutcomeUnknown
from gitops_publisher.providers.retry import RetryPolicy
from gitops_publisher.providers.tiktok.api_models import PostInfo, SourceInfo
from gitops_publisher.providers.tiktok.client import TikTokClient, parse_retry_after

from .fakes import FakeClock, run

TOKEN = "act.TESTACCESSTOKEN123"
SOURCE = SourceInfo.file_upload(50_000_123, 10_000_000, 5)
Handler = Callable[[httpx.Request], httpx.Response]


class StaticBearer(httpx.Auth):
    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        request.headers["Authorization"] = f"Bearer {TOKEN}"
        yield request


def ok(data: dict[str, object] | None = None, status: int = 200) -> httpx.Response:
    body: dict[str, object] = {"error": {"code": "ok", "message": "", "log_id": "L0"}}
    if data is not None:
        body["data"] = data
    return httpx.Response(status, json=body)


def err(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"data": {}, "error": {"code": code, "message": f"msg {code}", "log_id": "LOG7"}}
    return httpx.Response(status, json=body, headers=headers)


class Recorder:
    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def bodies(self) -> list[dict[str, object]]:
        return [json.loads(r.content) for r in self.requests]


def call(recorder: Recorder, fn: Callable[[TikTokClient], object], clock: FakeClock | None = None):  # type: ignore[no-untyped-def]
    clock = clock or FakeClock()

    async def main():  # type: ignore[no-untyped-def]
        async with TikTokClient(
            StaticBearer(),
            base_url="https://api.test",
            transport=httpx.MockTransport(recorder),
            account="brand-us",
            sleep=clock.sleep,
            clock=clock,
            rng=lambda: 1.0,
            retry=RetryPolicy(max_attempts=3, base_delay=1.0),
        ) as client:
            return await fn(client)  # type: ignore[misc]

    return run(main())


def test_creator_info_parsed_and_authorized() -> None:
    rec = Recorder(
        ok(
            {
                "creator_nickname": "Brand",
                "privacy_level_options": ["SELF_ONLY"],
                "max_video_post_duration_sec": 300,
                "new_field": 1,
            }
        )
    )
    info = call(rec, lambda c: c.creator_info())
    assert info.creator_nickname == "Brand" and info.max_video_post_duration_sec == 300
    request = rec.requests[0]
    assert request.url == "https://api.test/v2/post/publish/creator_info/query/"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json; charset=UTF-8"


def test_creator_info_spam_risk_with_http_200_is_an_error() -> None:
    rec = Recorder(err(200, "spam_risk_too_many_posts"))
    with pytest.raises(ApiError) as info:
        call(rec, lambda c: c.creator_info())
    assert (info.value.code, info.value.log_id, info.value.status) == (
        "spam_risk_too_many_posts",
        "LOG7",
        200,
    )
    assert len(rec.requests) == 1


def test_direct_init_body_and_result() -> None:
    rec = Recorder(ok({"publish_id": "v_pub_file~v2-1.1", "upload_url": "https://up.test/?t=1"}))
    post = PostInfo(privacy_level="SELF_ONLY", title="Hi #tag", disable_duet=True)
    result = call(rec, lambda c: c.init_direct(post, SOURCE))
    assert result.publish_id == "v_pub_file~v2-1.1" and result.upload_url == "https://up.test/?t=1"
    body = rec.bodies()[0]
    assert body == {
        "post_info": {
            "privacy_level": "SELF_ONLY",
            "title": "Hi #tag",
            "disable_duet": True,
            "disable_stitch": False,
            "disable_comment": False,
            "brand_content_toggle": False,
            "brand_organic_toggle": False,
            "is_aigc": False,
        },
        "source_info": {
            "source": "FILE_UPLOAD",
            "video_size": 50_000_123,
            "chunk_size": 10_000_000,
            "total_chunk_count": 5,
        },
    }
    assert rec.requests[0].url.path == "/v2/post/publish/video/init/"


def test_inbox_init_sends_only_source_info() -> None:
    rec = Recorder(ok({"publish_id": "v_inbox_file~v2.9", "upload_url": "https://up.test/"}))
    result = call(rec, lambda c: c.init_inbox(SOURCE))
    assert result.publish_id == "v_inbox_file~v2.9"
    assert list(rec.bodies()[0]) == ["source_info"]
    assert rec.requests[0].url.path == "/v2/post/publish/inbox/video/init/"


@pytest.mark.parametrize(
    "answer",
    [err(500, "internal_error"), httpx.ReadTimeout("lost"), httpx.RemoteProtocolError("dropped")],
)
def test_init_never_sent_twice_when_it_may_have_arrived(answer: object) -> None:
    rec = Recorder(answer, ok({"publish_id": "second"}))  # type: ignore[arg-type]
    with pytest.raises(InitOutcomeUnknown):
        call(rec, lambda c: c.init_inbox(SOURCE))
    assert len(rec.requests) == 1


def test_init_retried_after_connect_error_and_429() -> None:
    clock = FakeClock()
    rec = Recorder(
        httpx.ConnectError("refused"),
        err(429, "rate_limit_exceeded"),
        ok({"publish_id": "p", "upload_url": "u"}),
    )
    assert call(rec, lambda c: c.init_inbox(SOURCE), clock).publish_id == "p"
    assert len(rec.requests) == 3
    assert clock.sleeps == [1.0, 60.0]


def test_429_honours_retry_after() -> None:
    clock = FakeClock()
    rec = Recorder(err(429, "rate_limit_exceeded", {"Retry-After": "12"}), ok({"status": "FAILED"}))
    call(rec, lambda c: c.fetch_status("p"), clock)
    assert clock.sleeps == [12.0]
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT") is None


@pytest.mark.parametrize("code", ["invalid_param", "invalid_params"])
def test_invalid_param_not_retried(code: str) -> None:
    rec = Recorder(err(400, code))
    with pytest.raises(ApiError) as info:
        call(rec, lambda c: c.init_direct(PostInfo(privacy_level="SELF_ONLY"), SOURCE))
    assert info.value.code == code and "msg" in info.value.api_message
    assert len(rec.requests) == 1


def test_status_retried_on_5xx_and_ids_exact() -> None:
    raw = (
        b'{"data":{"status":"PUBLISH_COMPLETE","publicaly_available_post_id":'
        b'[7339876543210987654],"uploaded_bytes":50000123},"error":{"code":"ok"}}'
    )
    rec = Recorder(err(503, "internal_error"), httpx.Response(200, content=raw))
    status = call(rec, lambda c: c.fetch_status("v_pub_file~v2-1.1"))
    assert status.post_ids == ["7339876543210987654"]
    assert rec.bodies() == [{"publish_id": "v_pub_file~v2-1.1"}] * 2


def test_status_invalid_publish_id() -> None:
    rec = Recorder(err(400, "invalid_publish_id"))
    with pytest.raises(ApiError) as info:
        call(rec, lambda c: c.fetch_status("nope"))
    assert info.value.code == "invalid_publish_id"


def test_cancel_without_data() -> None:
    rec = Recorder(ok())
    assert call(rec, lambda c: c.cancel("p")) is None
    assert rec.requests[0].url.path == "/v2/post/publish/cancel/"


def test_seventh_init_in_a_minute_waits_client_side() -> None:
    clock = FakeClock(start=0.0)
    rec = Recorder(ok({"publish_id": "p", "upload_url": "u"}))

    async def seven(c: TikTokClient) -> None:
        for _ in range(7):
            await c.init_inbox(SOURCE)

    call(rec, seven, clock)
    assert len(rec.requests) == 7
    assert clock.sleeps and 60.0 <= sum(clock.sleeps) <= 61.0


def test_httpx_request_log_lines_do_not_carry_the_upload_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from gitops_publisher.providers.tiktok.chunks import ChunkPlan

    caplog.set_level(logging.INFO, logger="httpx")
    rec = Recorder(httpx.Response(201))

    async def put(c: TikTokClient) -> None:
        path = Path(tempfile.mkdtemp()) / "v.mp4"
        path.write_bytes(b"x" * 10)
        await c.upload(
            "https://up.test/video/?upload_id=1&upload_token=UPSECRET",
            path,
            ChunkPlan(10, 10, 1, ((0, 9),)),
            content_type="video/mp4",
        )

    call(rec, put)
    assert "upload_token=***" in caplog.text and "UPSECRET" not in caplog.text
