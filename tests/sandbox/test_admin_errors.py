"""Every refusal of the admin API in one shape, over a real loopback socket.

The admin routes (``/_sandbox/...``) are the emulator's own: their refusals were
``{"error": "message"}``, a body that was not a JSON object got TikTok's envelope, and an
unknown admin path Starlette's plain text, so a client could not read them one way. Now each
is ``{"error": {"code", "message"}}`` with the HTTP status the code implies, and the
platforms' paths keep their own envelopes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gitops_publisher.sandbox import ManualClock, SandboxOptions, create_app, serve_in_thread
from gitops_publisher.sandbox.admin_errors import ADMIN_ERROR_CODES
from gitops_publisher.sandbox.app import sandbox_service

from .conftest import KB
from .test_hostile_requests import start_inbox_upload

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"

JSON = {"Content-Type": "application/json"}

# (method, path, body, Content-Type, status, code)
REFUSALS: list[tuple[str, str, bytes | None, str | None, int, str]] = [
    ("GET", "/_sandbox/nothing-here", None, None, 404, "not_found"),
    ("GET", "/_sandbox", None, None, 404, "not_found"),
    ("DELETE", "/_sandbox/posts", None, None, 405, "method_not_allowed"),
    ("GET", "/_sandbox/clock/advance", None, None, 405, "method_not_allowed"),
    ("POST", "/_sandbox/accounts", b'{"username": "x"}', "text/plain", 400, "invalid_body"),
    ("POST", "/_sandbox/accounts", b"{bad", "application/json", 400, "invalid_body"),
    ("PUT", "/_sandbox/options", b"[1]", "application/json", 400, "invalid_body"),
    ("POST", "/_sandbox/accounts", b'{"usernme": "x"}', "application/json", 400, "invalid_field"),
    (
        "POST",
        "/_sandbox/accounts",
        b'{"username": "sandbox.creator"}',
        "application/json",
        409,
        "already_exists",
    ),
    (
        "PUT",
        "/_sandbox/options",
        b'{"daily_post_cap": -1}',
        "application/json",
        400,
        "invalid_field",
    ),
    ("PUT", "/_sandbox/options", b'{"colour": "red"}', "application/json", 400, "invalid_field"),
    ("PUT", "/_sandbox/faults", b'{"nope": {}}', "application/json", 400, "invalid_field"),
    (
        "PUT",
        "/_sandbox/faults",
        b'{"upload": {"error_rate": 2}}',
        "application/json",
        400,
        "invalid_field",
    ),
    (
        "POST",
        "/_sandbox/clock/advance",
        b'{"seconds": -1}',
        "application/json",
        400,
        "invalid_field",
    ),
    (
        "POST",
        "/_sandbox/posts/v_inbox_file~v2.1/post-draft",
        b"{}",
        "application/json",
        404,
        "not_found",
    ),
    ("POST", "/_sandbox/youtube/videos/nope/outcome", b"{}", "application/json", 404, "not_found"),
    ("POST", "/_sandbox/youtube/channels", b"{}", "application/json", 400, "invalid_field"),
    (
        "POST",
        "/_sandbox/youtube/channels",
        b'{"handle": "@sandbox.channel"}',
        "application/json",
        409,
        "already_exists",
    ),
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[httpx.Client, Any]]:
    app = create_app(tmp_path / "w", SandboxOptions(mb_bytes=KB), ManualClock())
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url) as client:
        yield client, sandbox_service(app)


def admin_refusal(response: httpx.Response, status: int, code: str) -> str:
    """Assert the admin shape, exactly, and return its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json", response.headers
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, body
    message: str = body["error"]["message"]
    assert isinstance(message, str) and message
    return message


def test_every_admin_refusal_has_one_shape_with_a_code_and_a_message(
    served: tuple[httpx.Client, Any],
) -> None:
    client, service = served
    seen = set()
    for method, path, content, content_type, status, code in REFUSALS:
        headers = {"Content-Type": content_type} if content_type else {}
        response = client.request(method, path, content=content, headers=headers)
        admin_refusal(response, status, code)
        seen.add(code)
    # The draft of an upload still missing its bytes is not in the user's inbox yet.
    publish_id, _ = start_inbox_upload(client, 1000)
    early = client.post(f"/_sandbox/posts/{publish_id}/post-draft", json={})
    admin_refusal(early, 409, "not_in_inbox")
    seen.add("not_in_inbox")
    # 405 says which methods the route takes; nothing was changed by any refusal.
    assert "GET" in client.delete("/_sandbox/posts").json()["error"]["message"]
    assert [a.username for a in service.world.data.accounts] == [
        "sandbox.creator",
        "sandbox.private",
    ]
    assert service.options == SandboxOptions(mb_bytes=KB) and service.options.faults == {}
    assert seen | {"clock_not_manual", "internal_error"} == set(ADMIN_ERROR_CODES)


def test_advancing_a_clock_that_runs_by_itself_says_how_to_get_a_manual_one(
    tmp_path: Path,
) -> None:
    app = create_app(tmp_path / "w", SandboxOptions(mb_bytes=KB))  # the real clock
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url) as client:
        refused = client.post("/_sandbox/clock/advance", json={"seconds": 60})
        message = admin_refusal(refused, 409, "clock_not_manual")
    assert "publisher sandbox serve --manual-clock" in message


def test_a_failure_of_the_emulator_on_an_admin_route_is_in_the_admin_shape(
    served: tuple[httpx.Client, Any], caplog: pytest.LogCaptureFixture
) -> None:
    client, service = served

    def broken() -> dict[str, Any]:
        raise RuntimeError("a bug, with a detail that must not be shown")

    service.world.public_view = broken
    message = admin_refusal(client.get("/_sandbox/world"), 500, "internal_error")
    assert "RuntimeError" in message and "detail" not in message


def test_the_platforms_paths_keep_their_own_envelopes(served: tuple[httpx.Client, Any]) -> None:
    client, _ = served
    tiktok = client.post("/v2/post/publish/video/init/", json={})
    assert tiktok.status_code == 401
    assert tiktok.json()["data"] == {} and tiktok.json()["error"]["code"] == "access_token_invalid"
    oauth = client.post("/v2/oauth/token/", data={"grant_type": "refresh_token"})
    assert isinstance(oauth.json()["error"], str) and "error_description" in oauth.json()
    google = client.get("/youtube/v3/videos", params={"part": "id", "id": "x"})
    assert google.status_code == 401 and google.json()["error"]["code"] == 401
    assert google.json()["error"]["errors"][0]["reason"] == "required"
    nowhere = client.get("/v2/nothing-here/")  # no platform's path: Starlette's plain text
    assert nowhere.status_code == 404 and nowhere.text == "Not Found"
    wrong_method = client.get("/v2/post/publish/video/init/")
    assert wrong_method.status_code == 405 and wrong_method.text == "Method Not Allowed"


def test_the_docs_list_every_admin_error_code() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("### Admin errors") :]
    section = section[: section.index("\n#", 1)]  # up to the next heading
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE))
    assert documented == set(ADMIN_ERROR_CODES)
