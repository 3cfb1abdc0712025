"""An accelerated sandbox restarted over the same world never shows a client an earlier time.

Over a real loopback socket, with a scaled clock reading a real time the test moves (nothing
sleeps): what a client saw before a restart it still sees after (a post it saw published is
not "processing" again, a token it saw expire stays expired, a creator it saw free to post is
not capped again).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from gitops_publisher.sandbox import (
    SandboxOptions,
    SandboxWorld,
    ScaledClock,
    create_app,
    serve_in_thread,
)

from .conftest import KB, authorize_params, code_form, direct_body, video_bytes
from .real_time import SCALE, RealTime

STATUS = "/v2/post/publish/status/fetch/"


@contextmanager
def served(directory: Path, clock: ScaledClock, options: SandboxOptions) -> Iterator[httpx.Client]:
    """One run of the sandbox (a ``sandbox serve`` or an ``apply --sandbox``) on 127.0.0.1."""
    app = create_app(directory, options, clock)
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=10) as client:
        yield client


def login(client: httpx.Client) -> dict[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = hashlib.sha256(verifier.encode()).hexdigest()
    response = client.get("/v2/auth/authorize/", params=authorize_params(challenge))
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    token = client.post("/v2/oauth/token/", data=code_form(code, verifier))
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def publish(client: httpx.Client, headers: dict[str, str]) -> str:
    """Init a direct post of a 4 KB video and upload it in one chunk; its publish_id."""
    init = client.post("/v2/post/publish/video/init/", json=direct_body(4_000), headers=headers)
    data = init.json()["data"]
    put = client.put(
        data["upload_url"],
        content=video_bytes(4_000),
        headers={"Content-Type": "video/mp4", "Content-Range": "bytes 0-3999/4000"},
    )
    assert put.status_code == 201, put.text
    publish_id: str = data["publish_id"]
    return publish_id


def status(client: httpx.Client, headers: dict[str, str], publish_id: str) -> str:
    response = client.post(STATUS, json={"publish_id": publish_id}, headers=headers)
    assert response.status_code == 200, response.text
    value: str = response.json()["data"]["status"]
    return value


def test_a_post_seen_published_is_not_processing_after_a_restart(tmp_path: Path) -> None:
    real, options = RealTime(), SandboxOptions(mb_bytes=KB)
    first = real.clock()
    with served(tmp_path / "w", first, options) as client:
        headers = login(client)
        publish_id = publish(client, headers)
        assert status(client, headers, publish_id) == "PROCESSING_UPLOAD"
        real.elapsed += 1  # a sandbox minute: processing (2 s) is over
        assert status(client, headers, publish_id) == "PUBLISH_COMPLETE"
        seen = first.now()
    real.elapsed += 0.1  # the restart takes 6 sandbox seconds
    second = real.clock()
    with served(tmp_path / "w", second, options) as client:
        assert status(client, headers, publish_id) == "PUBLISH_COMPLETE"
    assert second.now() >= seen


def test_an_expired_token_stays_expired_after_a_restart(tmp_path: Path) -> None:
    real, options = RealTime(), SandboxOptions(mb_bytes=KB, access_token_ttl_sec=30)
    first = real.clock()
    with served(tmp_path / "w", first, options) as client:
        headers = login(client)
        publish_id = publish(client, headers)
        real.elapsed += 1  # 60 s: the 30 s token has expired
        answer = client.post(STATUS, json={"publish_id": publish_id}, headers=headers)
        assert answer.status_code == 401
    real.elapsed += 0.1
    with served(tmp_path / "w", real.clock(), options) as client:
        again = client.post(STATUS, json={"publish_id": publish_id}, headers=headers)
        assert again.status_code == 401 and again.json()["error"]["code"] == "access_token_invalid"


def test_a_creator_seen_free_to_post_is_not_capped_again_after_a_restart(tmp_path: Path) -> None:
    real = RealTime()
    options = SandboxOptions(mb_bytes=KB, daily_post_cap=1, access_token_ttl_sec=200_000)
    with served(tmp_path / "w", real.clock(), options) as client:
        headers = login(client)
        publish(client, headers)
        capped = client.post("/v2/post/publish/creator_info/query/", headers=headers)
        assert capped.json()["error"]["code"] == "spam_risk_too_many_posts"
        real.elapsed += 86_401 / SCALE  # the post leaves the 24-hour window
        free = client.post("/v2/post/publish/creator_info/query/", headers=headers)
        assert free.json()["error"]["code"] == "ok"
    real.elapsed += 0.1
    with served(tmp_path / "w", real.clock(), options) as client:
        again = client.post("/v2/post/publish/creator_info/query/", headers=headers)
        assert again.json()["error"]["code"] == "ok"


def test_a_torn_time_file_reads_as_no_record(tmp_path: Path) -> None:
    real = RealTime()
    SandboxWorld.load_or_create(tmp_path / "w", clock=real.clock())
    (tmp_path / "w" / "time").write_bytes(b"00000001\x00\x00")  # a machine crash mid-write
    clock = real.clock()
    SandboxWorld.load_or_create(tmp_path / "w", clock=clock)
    assert clock.now() == real.wall()  # from world.json's last_time: no jump, no error


def test_a_new_world_does_not_take_a_deleted_worlds_time(tmp_path: Path) -> None:
    real = RealTime()
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "time").write_bytes(b"%024.6f\n" % (real.wall() + 86_400))
    SandboxWorld.load_or_create(tmp_path / "w", clock=real.clock())
    clock = real.clock()
    SandboxWorld.load_or_create(tmp_path / "w", clock=clock)
    assert clock.now() == real.wall()
