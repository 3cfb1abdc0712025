"""Over a real loopback socket: serve_in_thread and ``publisher sandbox serve``."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from gitops_publisher.sandbox import (
    SANDBOX_CLIENT_KEY,
    SANDBOX_CLIENT_SECRET,
    ManualClock,
    SandboxOptions,
    create_app,
    serve_in_thread,
)
from gitops_publisher.sandbox.youtube import SANDBOX_GOOGLE_CLIENT_ID, SANDBOX_GOOGLE_CLIENT_SECRET

from .conftest import KB, authorize_params, code_form, direct_body, inbox_body, video_bytes


def login(client: httpx.Client) -> str:
    verifier = secrets.token_urlsafe(48)
    challenge = hashlib.sha256(verifier.encode()).hexdigest()
    response = client.get("/v2/auth/authorize/", params=authorize_params(challenge))
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    token = client.post("/v2/oauth/token/", data=code_form(code, verifier))
    access: str = token.json()["access_token"]
    return access


def upload(client: httpx.Client, url: str, data: bytes, chunk: int, count: int) -> list[int]:
    codes = []
    for index in range(count):
        first = index * chunk
        last = len(data) - 1 if index == count - 1 else first + chunk - 1
        response = client.put(
            url,
            content=data[first : last + 1],
            headers={
                "Content-Type": "video/mp4",
                "Content-Range": f"bytes {first}-{last}/{len(data)}",
            },
        )
        codes.append(response.status_code)
    return codes


def test_direct_and_inbox_posts_over_a_real_socket(tmp_path: Path) -> None:
    clock = ManualClock()
    app = create_app(tmp_path / "w", SandboxOptions(mb_bytes=KB), clock)
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url) as client:
        assert base_url.startswith("http://127.0.0.1:")
        headers = {"Authorization": f"Bearer {login(client)}"}
        data = video_bytes(23_456)
        results = {}
        for path, body in (
            ("/v2/post/publish/video/init/", direct_body(23_456, 5_000, 4)),
            ("/v2/post/publish/inbox/video/init/", inbox_body(23_456, 5_000, 4)),
        ):
            init = client.post(path, json=body, headers=headers).json()["data"]
            assert init["upload_url"].startswith(f"{base_url}/upload/video/?upload_id=")
            assert upload(client, init["upload_url"], data, 5_000, 4) == [206, 206, 206, 201]
            results[path] = init["publish_id"]
        clock.advance(60)
        final = [
            client.post(
                "/v2/post/publish/status/fetch/", json={"publish_id": pid}, headers=headers
            ).json()["data"]["status"]
            for pid in results.values()
        ]
        assert final == ["PUBLISH_COMPLETE", "SEND_TO_USER_INBOX"]
        posts = client.get("/_sandbox/posts").json()["posts"]
        assert {p["sha256"] for p in posts} == {hashlib.sha256(data).hexdigest()}


def test_clients_that_parse_the_put_answer_as_json_work(tmp_path: Path) -> None:
    """The two client habits of published TikTok libraries, over a real socket (reference §5).

    One calls ``response.json()`` on the final PUT; the other ``json.loads`` on any non-empty
    answer. Both failed on a text body.
    """
    app = create_app(tmp_path / "w", SandboxOptions(mb_bytes=KB), ManualClock())
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url) as client:
        headers = {"Authorization": f"Bearer {login(client)}"}
        data = video_bytes(12_345)
        init = client.post(
            "/v2/post/publish/video/init/", json=direct_body(12_345, 5_000, 2), headers=headers
        ).json()["data"]
        parsed = []
        for first, last in ((0, 4_999), (5_000, 12_344)):
            response = client.put(
                init["upload_url"],
                content=data[first : last + 1],
                headers={
                    "Content-Type": "video/mp4",
                    "Content-Range": f"bytes {first}-{last}/12345",
                },
            )
            if response.content:
                parsed.append(json.loads(response.content))
        assert [item["error"]["code"] for item in parsed] == ["ok", "ok"]
        assert response.status_code == 201 and response.json()["error"]["code"] == "ok"


def test_dropped_connections_over_a_real_socket(tmp_path: Path) -> None:
    options = SandboxOptions(
        mb_bytes=KB, faults={"creator_info": {"drop_rate": 1}, "upload": {"drop_rate": 1}}
    )
    app = create_app(tmp_path / "w", options, ManualClock())
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url) as client:
        headers = {"Authorization": f"Bearer {login(client)}"}
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post("/v2/post/publish/creator_info/query/", headers=headers)
        init = client.post(
            "/v2/post/publish/video/init/", json=direct_body(6_000), headers=headers
        ).json()["data"]
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
            upload(client, init["upload_url"], video_bytes(6_000), 6_000, 1)
        # The server is still healthy for the next connection.
        assert client.get("/_sandbox/world").status_code == 200


def test_publisher_sandbox_serve_prints_where_everything_is(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gitops_publisher",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--dir",
            str(tmp_path / "w"),
            "--time-scale",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(13)]
        text = "".join(lines)
        base_url = lines[0].split()[-1]
        assert base_url.startswith("http://127.0.0.1:")
        assert f"{base_url}/_sandbox/" in text and SANDBOX_CLIENT_KEY in text
        assert SANDBOX_GOOGLE_CLIENT_ID in text and f"token_uri {base_url}/token" in text
        assert "@sandbox.channel (UC" in text and SANDBOX_GOOGLE_CLIENT_SECRET not in text
        assert "sandbox.creator (public)" in text and SANDBOX_CLIENT_SECRET not in text
        with httpx.Client(base_url=base_url) as client:
            assert (
                client.get("/_sandbox/world").json()["client"]["client_key"] == SANDBOX_CLIENT_KEY
            )
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""


def test_publisher_v_sandbox_serve_logs_each_api_request_without_its_credentials(
    tmp_path: Path,
) -> None:
    # Someone pointing their own client at the emulator wants to see what it received.
    command = [sys.executable, "-m", "gitops_publisher", "-v", "sandbox", "serve"]
    process = subprocess.Popen(
        [*command, "--port", "0", "--dir", str(tmp_path / "w")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().split()[-1]
        with httpx.Client(base_url=base_url) as client:
            access = login(client)
            headers = {"Authorization": f"Bearer {access}"}
            init = client.post(
                "/v2/post/publish/video/init/", json=direct_body(5_000, 5_000, 1), headers=headers
            ).json()["data"]
            url = init["upload_url"]
            assert upload(client, url, video_bytes(5_000), 5_000, 1) == [201]
            client.get("/_sandbox/world")  # the admin routes are not the API's: not logged
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    lines = [line for line in err.splitlines() if " ms" in line]
    assert [line.split()[1:4] for line in lines] == [
        ["GET", "/v2/auth/authorize/?" + lines[0].split("?", 1)[1].split()[0], "302"],
        ["POST", "/v2/oauth/token/", "200"],
        ["POST", "/v2/post/publish/video/init/", "200"],
        ["PUT", "/upload/video/?" + lines[3].split("?", 1)[1].split()[0], "201"],
    ]
    upload_token = parse_qs(urlsplit(url).query)["upload_token"][0]
    assert "upload_token=REDACTED" in lines[3] and "code_challenge=REDACTED" in lines[0]
    assert upload_token not in err and access not in err


def test_a_client_vanishing_mid_chunk_leaves_no_trace(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import socket

    app = create_app(tmp_path / "w", SandboxOptions(mb_bytes=KB), ManualClock())
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url) as client:
        # uvicorn configured its loggers when the server was made; listen to its error log now.
        logging.getLogger("uvicorn.error").addHandler(caplog.handler)
        headers = {"Authorization": f"Bearer {login(client)}"}
        init = client.post(
            "/v2/post/publish/video/init/", json=direct_body(12_345, 5_000, 2), headers=headers
        ).json()["data"]
        target = init["upload_url"][len(base_url) :]
        host, port = base_url[len("http://") :].split(":")
        with socket.create_connection((host, int(port))) as raw:
            raw.sendall(
                f"PUT {target} HTTP/1.1\r\nHost: x\r\nContent-Type: video/mp4\r\n"
                f"Content-Range: bytes 0-4999/12345\r\nContent-Length: 5000\r\n\r\n".encode()
                + b"\x00" * 1000
            )
        for _ in range(1000):  # each poll is a round trip; the server notices the hang-up
            log = client.get("/_sandbox/requests").json()["requests"]
            if [r for r in log if r["endpoint"] == "upload" and r["status"] is not None]:
                break
        data = video_bytes(12_345)
        codes = upload(client, init["upload_url"], data, 5_000, 2)
        assert codes == [206, 201]
        post = client.get("/_sandbox/posts").json()["posts"][0]
        assert post["sha256"] == hashlib.sha256(data).hexdigest()
    logging.getLogger("uvicorn.error").removeHandler(caplog.handler)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # no traceback logged
