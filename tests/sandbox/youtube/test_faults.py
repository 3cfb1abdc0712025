"""Faults on the YouTube endpoints (5xx, 429, drops before and after handling, session
expiry, a failing chunk), the request log and the admin routes, over a real socket."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import httpx
import pytest

from gitops_publisher.sandbox import SandboxOptions
from gitops_publisher.sandbox.youtube import SANDBOX_GOOGLE_CLIENT_ID, SANDBOX_GOOGLE_CLIENT_SECRET

from .conftest import KIB256, MakeYouTube, YouTubeSandbox, sha256, video_bytes


def wait_until_logged(yt: YouTubeSandbox, endpoint: str, count: int = 1) -> None:
    """Round trips until the server has answered (or noticed the hang-up of) the request."""
    for _ in range(1000):
        log = yt.client.get("/_sandbox/requests").json()["requests"]
        if len([r for r in log if r["endpoint"] == endpoint and r["status"] is not None]) >= count:
            return
    raise AssertionError(f"{endpoint} never finished")


def test_injected_5xx_and_429_use_googles_envelope(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    yt.set_faults({"youtube_insert": {"error_rate": 1, "error_status": 503}})
    failed = yt.init(headers, 100)
    assert failed.status_code == 503
    error = failed.json()["error"]
    assert error["code"] == 503 and error["errors"][0]["reason"] == "backendError"
    yt.set_faults({"youtube_videos_list": {"rate_limit_rate": 1}})
    limited = yt.client.get("/youtube/v3/videos", params={"part": "id", "id": "x"}, headers=headers)
    assert limited.status_code == 429
    item = limited.json()["error"]["errors"][0]
    assert (item["domain"], item["reason"]) == ("usageLimits", "rateLimitExceeded")
    assert not [v for v in yt.videos()]  # the failed init created nothing


def test_token_endpoint_faults_are_flat_oauth_errors(yt: YouTubeSandbox) -> None:
    token = yt.login()["refresh_token"]
    yt.set_faults({"youtube_token": {"error_rate": 1, "error_status": 503}})
    response = yt.refresh(token)
    assert response.status_code == 503 and response.json()["error"] == "temporarily_unavailable"


def test_a_lost_final_answer_is_recovered_by_the_status_query(yt: YouTubeSandbox) -> None:
    data = video_bytes(KIB256 + 100)
    uri = yt.session(yt.bearer(), len(data))
    assert yt.put(uri, data, 0, KIB256 - 1, len(data)).status_code == 308
    yt.set_faults({"youtube_upload": {"drop_after_rate": 1}})
    with pytest.raises(httpx.TransportError):  # reset or closed: both are a drop
        yt.put(uri, data, KIB256, len(data) - 1, len(data))  # handled, then the answer is lost
    yt.set_faults({})
    replay = yt.status(uri, len(data))
    assert replay.status_code == 201
    [video] = yt.videos()
    assert replay.json()["id"] == video["video_id"] and video["sha256"] == sha256(data)


def test_a_dropped_request_is_not_handled(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    yt.set_faults({"youtube_insert": {"drop_rate": 1}})
    with pytest.raises(httpx.TransportError):  # reset or closed: both are a drop
        yt.init(headers, 100)
    assert yt.videos() == []


def test_fail_chunk_fails_the_first_attempt_only(yt: YouTubeSandbox) -> None:
    yt.set_faults({"youtube_upload": {"fail_chunk": 2, "error_status": 502}})
    data = video_bytes(3 * KIB256)
    uri = yt.session(yt.bearer(), len(data))
    assert yt.put(uri, data, 0, KIB256 - 1, len(data)).status_code == 308
    failed = yt.put(uri, data, KIB256, 2 * KIB256 - 1, len(data))
    assert (
        failed.status_code == 502
        and failed.json()["error"]["errors"][0]["reason"] == "backendError"
    )
    assert yt.status(uri, len(data)).headers["range"] == f"bytes=0-{KIB256 - 1}"
    assert yt.put(uri, data, KIB256, 2 * KIB256 - 1, len(data)).status_code == 308
    assert yt.put(uri, data, 2 * KIB256, len(data) - 1, len(data)).status_code == 201
    # The request log says which answer was the injected one (it said no fault at all).
    assert upload_faults(yt) == [
        (308, None),
        (502, "fail_chunk"),
        (308, None),
        (308, None),
        (201, None),
    ]


def upload_faults(yt: YouTubeSandbox) -> list[tuple[int, str | None]]:
    log = yt.client.get("/_sandbox/requests").json()["requests"]
    return [(r["status"], r["fault"]) for r in log if r["endpoint"] == "youtube_upload"]


def test_expired_sessions_fault_answers_404(yt: YouTubeSandbox) -> None:
    data = video_bytes(1000)
    uri = yt.session(yt.bearer(), len(data))
    yt.set_faults({"youtube_upload": {"expire_upload_urls": True}})
    assert yt.put(uri, data, 0, len(data) - 1, len(data)).status_code == 404
    assert upload_faults(yt) == [(404, "expire_upload_urls")]


@pytest.mark.parametrize(
    ("rule", "kept"), [("aligned", KIB256), ("none", 0), ("all", KIB256 + 40_000)]
)
def test_a_body_cut_mid_chunk_keeps_what_the_rule_says(
    make_youtube: MakeYouTube, caplog: pytest.LogCaptureFixture, rule: str, kept: int
) -> None:
    yt = make_youtube()
    yt.set_options(partial_chunks=rule)
    logging.getLogger("uvicorn.error").addHandler(caplog.handler)
    data = video_bytes(4 * KIB256)
    uri = yt.session(yt.bearer(), len(data))
    target = uri[len(yt.base_url) :]
    host, port = yt.base_url[len("http://") :].split(":")
    sent = KIB256 + 40_000
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(
            f"PUT {target} HTTP/1.1\r\nHost: x\r\nContent-Range: bytes 0-{2 * KIB256 - 1}/"
            f"{len(data)}\r\nContent-Length: {2 * KIB256}\r\n\r\n".encode()
            + data[:sent]
        )
    wait_until_logged(yt, "youtube_upload")
    status = yt.status(uri, len(data))
    assert status.headers.get("range") == (f"bytes=0-{kept - 1}" if kept else None)
    for first in range(kept, len(data), KIB256):  # resume from the server's offset
        last = min(first + KIB256, len(data)) - 1
        answer = yt.put(uri, data, first, last, len(data))
    assert answer.status_code == 201
    assert yt.videos()[0]["sha256"] == sha256(data)
    logging.getLogger("uvicorn.error").removeHandler(caplog.handler)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_the_request_log_redacts_session_ids_and_tokens(yt: YouTubeSandbox) -> None:
    data = video_bytes(1000)
    uri = yt.session(yt.bearer(), len(data))
    yt.upload(uri, data)
    log = yt.client.get("/_sandbox/requests").json()["requests"]
    upload_id = uri.split("upload_id=")[1].split("&")[0]
    assert upload_id not in str(log)
    endpoints = {entry["endpoint"] for entry in log}
    assert {"youtube_authorize", "youtube_token", "youtube_insert", "youtube_upload"} <= endpoints


def test_admin_index_and_world_show_youtube(yt: YouTubeSandbox) -> None:
    routes = yt.client.get("/_sandbox/").json()["routes"]
    assert "GET HEAD /_sandbox/youtube/videos" in routes
    assert "POST /_sandbox/youtube/channels" in routes
    world = yt.client.get("/_sandbox/world").json()
    assert world["youtube"]["client"] == {"client_id": SANDBOX_GOOGLE_CLIENT_ID}
    assert SANDBOX_GOOGLE_CLIENT_SECRET not in str(world)
    assert [c["handle"] for c in world["youtube"]["channels"]] == ["@sandbox.channel"]
    duplicate = yt.client.post("/_sandbox/youtube/channels", json={"handle": "@sandbox.channel"})
    assert duplicate.status_code == 409
    not_json = yt.client.post("/_sandbox/youtube/channels", content=b'{"handle": "@x"}')
    assert not_json.status_code == 400  # admin writes need Content-Type: application/json


def test_admin_videos_list_every_insert_with_its_sha256(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    data = video_bytes(KIB256 + 1)
    uri = yt.session(headers, len(data))
    yt.upload(uri, data)
    yt.init(headers, 10)  # started, never finished
    done, pending = yt.videos()
    assert done["sha256"] == sha256(data) and done["byte_count"] == len(data)
    assert done["upload_status"] == "uploaded" and done["channel"] == "@sandbox.channel"
    assert pending["video_id"] is None and pending["sha256"] is None
    assert yt.client.get("/_sandbox/youtube/videos", params={"channel": "@nobody"}).json() == {
        "videos": []
    }
    # As authorize's sandbox_channel: the handle with or without its @, or the channel id
    # (what `serve` prints beside the handle); both used to list nothing.
    for channel in ("sandbox.channel", done["channel_id"]):
        listed = yt.client.get("/_sandbox/youtube/videos", params={"channel": channel})
        assert len(listed.json()["videos"]) == 2, channel


def test_world_file_seeds_channels(make_youtube: MakeYouTube, tmp_path: Path) -> None:
    from gitops_publisher.sandbox import SandboxWorld

    seed = tmp_path / "world.yaml"
    seed.write_text(
        "youtube:\n  channels:\n    - handle: '@brand'\n      refresh_token: 1//seeded\n"
    )
    SandboxWorld.load_or_create(tmp_path / "w", seed_file=seed)
    yt = make_youtube(SandboxOptions(), tmp_path / "w")
    assert yt.refresh("1//seeded").status_code == 200
    assert [
        c["handle"] for c in yt.client.get("/_sandbox/youtube/channels").json()["channels"]
    ] == ["@brand"]
