"""Hostile requests over a real loopback socket, with raw httpx (issue 11 item 8).

Each answered 500 (or, for a cross-site ``text/plain`` POST, created an account): they must
answer 400, in TikTok's envelope where the route speaks it (the admin routes: in the admin
API's own shape, ``sandbox/admin_errors.py``), and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gitops_publisher.sandbox import ManualClock, SandboxOptions, create_app, serve_in_thread
from gitops_publisher.sandbox.app import sandbox_service

from .conftest import KB, inbox_body, video_bytes
from .test_server import login


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[httpx.Client, Any]]:
    app = create_app(tmp_path / "w", SandboxOptions(mb_bytes=KB), ManualClock())
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url) as client:
        yield client, sandbox_service(app)


def assert_envelope_400(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert body["data"] == {}
    assert body["error"]["code"] == "invalid_params"
    assert body["error"]["log_id"]
    return body


def assert_admin_400(response: httpx.Response, code: str = "invalid_body") -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert body == {"error": {"code": code, "message": body["error"]["message"]}}
    assert body["error"]["message"]
    return body


def start_inbox_upload(client: httpx.Client, size: int) -> tuple[str, str]:
    headers = {"Authorization": f"Bearer {login(client)}"}
    init = client.post("/v2/post/publish/inbox/video/init/", json=inbox_body(size), headers=headers)
    assert init.status_code == 200, init.text
    data = init.json()["data"]
    return data["publish_id"], data["upload_url"]


def put_whole_video(client: httpx.Client, url: str, content_range: bytes) -> httpx.Response:
    """PUT a 1,000-byte video in one chunk with ``content_range`` sent as raw bytes."""
    return client.put(
        url,
        content=video_bytes(1000),
        headers={"Content-Type": "video/mp4", "Content-Range": content_range},
    )


@pytest.mark.parametrize(
    "content_range",
    [
        "bytes \xb2-999/1000".encode("latin-1"),  # a Unicode digit: str.isdigit says yes
        "bytes 0-\u0669\u0669\u0669/1000".encode(),  # Arabic-Indic digits, as UTF-8 bytes
        ("bytes 0-" + "9" * 5000 + "/1000").encode(),  # past int()'s 4,300-digit limit
        ("bytes 0-999/" + "1" * 5000).encode(),
    ],
    ids=["superscript-two", "arabic-indic", "5000-digit-last", "5000-digit-total"],
)
def test_odd_content_ranges_answer_400(
    served: tuple[httpx.Client, Any], content_range: bytes
) -> None:
    client, service = served
    publish_id, url = start_inbox_upload(client, 1000)
    response = put_whole_video(client, url, content_range)
    assert response.status_code == 400, response.text
    error = response.json()["error"]  # TikTok's envelope, as every upload answer
    assert error["code"] == "invalid_file_upload" and error["log_id"]
    assert error["message"].startswith("Content-Range is malformed")
    assert service.world.data.posts[publish_id].next_chunk == 0


@pytest.mark.parametrize("body", [b"{bad", b"[1]", b'"text"', b"\xff\xfe"])
def test_init_with_a_body_that_is_not_a_json_object_answers_400(
    served: tuple[httpx.Client, Any], body: bytes
) -> None:
    client, service = served
    headers = {"Authorization": f"Bearer {login(client)}", "Content-Type": "application/json"}
    for path in ("/v2/post/publish/video/init/", "/v2/post/publish/inbox/video/init/"):
        assert_envelope_400(client.post(path, content=body, headers=headers))
    assert service.world.data.posts == {}


@pytest.mark.parametrize("body", [b"{bad", b"[1]", b"\xff\xfe"])
def test_post_draft_with_a_body_that_is_not_a_json_object_answers_400(
    served: tuple[httpx.Client, Any], body: bytes
) -> None:
    client, service = served
    publish_id, url = start_inbox_upload(client, 1000)
    put = put_whole_video(client, url, b"bytes 0-999/1000")
    assert put.status_code == 201, put.text
    service.clock.advance(120)  # processed: the draft is in the user's inbox
    response = client.post(
        f"/_sandbox/posts/{publish_id}/post-draft",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert_admin_400(response)
    assert service.world.data.posts[publish_id].draft_posted_at is None
    posted = client.post(f"/_sandbox/posts/{publish_id}/post-draft", json={})
    assert posted.status_code == 200, posted.text  # the same draft, asked properly


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/_sandbox/accounts", b'{"username": "mallory"}'),
        ("/_sandbox/clock/advance", b'{"seconds": 3600}'),
    ],
)
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
)
def test_admin_writes_need_json_so_no_web_page_can_make_them(
    served: tuple[httpx.Client, Any], path: str, content: bytes, content_type: str
) -> None:
    # A page in the developer's browser can send these cross-site without a preflight.
    client, service = served
    accounts = {a.username for a in service.world.data.accounts}
    now = service.clock.now()
    headers = {"Content-Type": content_type} if content_type else {}
    body = assert_admin_400(client.post(path, content=content, headers=headers))
    assert "application/json" in body["error"]["message"]
    assert {a.username for a in service.world.data.accounts} == accounts
    assert service.clock.now() == now
    created = client.post("/_sandbox/accounts", json={"username": "mallory"})
    assert created.status_code == 201, created.text  # the same write, as JSON


def test_admin_put_needs_json_too(served: tuple[httpx.Client, Any]) -> None:
    client, service = served
    faults = client.put("/_sandbox/faults", content=b'{"*": {"error_rate": 1}}')
    assert_admin_400(faults)
    assert service.options.faults == {}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{bad", "application/json"),
        (b"[1]", "application/json"),
        (b'{"seconds": 3600}', "text/plain"),
        (b'{"seconds": "soon"}', "application/json"),
        (b'{"seconds": -1}', "application/json"),
        (b'{"seconds": 1e999}', "application/json"),
    ],
)
def test_a_malformed_clock_advance_is_400_before_the_clocks_409(
    tmp_path: Path, content: bytes, content_type: str
) -> None:
    # A real clock cannot be advanced (409), but a request that is wrong whatever the clock
    # says so first: the caller fixes the request before learning about the clock.
    app = create_app(tmp_path / "w", SandboxOptions(mb_bytes=KB))  # the real clock
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url) as client:
        malformed = client.post(
            "/_sandbox/clock/advance", content=content, headers={"Content-Type": content_type}
        )
        assert malformed.json()["error"]["code"] in ("invalid_body", "invalid_field")
        assert_admin_400(malformed, malformed.json()["error"]["code"])
        wellformed = client.post("/_sandbox/clock/advance", json={"seconds": 60})
        assert wellformed.status_code == 409, wellformed.text
        error = wellformed.json()["error"]
        assert error["code"] == "clock_not_manual" and "cannot be advanced" in error["message"]
        assert "publisher sandbox serve --manual-clock" in error["message"]
