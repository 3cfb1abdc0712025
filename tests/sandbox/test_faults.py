"""Seeded fault injection, the request log and the admin control routes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from gitops_publisher.sandbox import (
    SANDBOX_CLIENT_KEY,
    SANDBOX_CLIENT_SECRET,
    FaultSpec,
    SandboxOptions,
)

from .conftest import KB, UNLIMITED, Sandbox, direct_body, upload_all, video_bytes

pytestmark = pytest.mark.anyio

CREATOR_INFO = "/v2/post/publish/creator_info/query/"
INIT = "/v2/post/publish/video/init/"


async def statuses(sandbox: Sandbox, headers: dict[str, str], n: int) -> list[int]:
    return [
        (await sandbox.client.post(CREATOR_INFO, headers=headers)).status_code for _ in range(n)
    ]


async def test_error_rate_is_seeded_and_reproducible(make_sandbox: Any, tmp_path: Any) -> None:
    faults = {"creator_info": FaultSpec(error_rate=0.5)}
    runs = []
    for name in ("a", "b"):
        options = SandboxOptions(mb_bytes=KB, seed=7, faults=faults, rate_limits=UNLIMITED)
        sandbox = await make_sandbox(options, tmp_path / name)
        runs.append(await statuses(sandbox, await sandbox.bearer(), 12))
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 500}


async def test_injected_5xx_bodies_follow_each_endpoint_family(make_sandbox: Any) -> None:
    sandbox = await make_sandbox(SandboxOptions(mb_bytes=KB))
    headers = await sandbox.bearer()
    await sandbox.client.put("/_sandbox/faults", json={"*": {"error_rate": 1, "error_status": 503}})
    api = await sandbox.client.post(CREATOR_INFO, headers=headers)
    assert api.status_code == 503 and api.json()["error"]["code"] == "internal_error"
    oauth = await sandbox.client.post(
        "/v2/oauth/token/",
        data={
            "client_key": SANDBOX_CLIENT_KEY,
            "client_secret": SANDBOX_CLIENT_SECRET,
            "grant_type": "client_credentials",
        },
    )
    assert oauth.status_code == 503 and oauth.json()["error"] == "temporarily_unavailable"


async def test_forced_429(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    await sandbox.client.put("/_sandbox/faults", json={"creator_info": {"rate_limit_rate": 1}})
    response = await sandbox.client.post(CREATOR_INFO, headers=headers)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limit_exceeded"


async def test_dropped_connection_in_process_looks_like_a_server_disconnect(
    sandbox: Sandbox,
) -> None:
    headers = await sandbox.bearer()
    await sandbox.client.put("/_sandbox/faults", json={"video_init": {"drop_rate": 1}})
    with pytest.raises(httpx.RemoteProtocolError):
        await sandbox.client.post(INIT, json=direct_body(6_000), headers=headers)
    assert await sandbox.posts() == []


async def test_lost_response_after_a_successful_init(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    await sandbox.client.put("/_sandbox/faults", json={"video_init": {"drop_after_rate": 1}})
    with pytest.raises(httpx.RemoteProtocolError):
        await sandbox.client.post(INIT, json=direct_body(6_000), headers=headers)
    [post] = await sandbox.posts()  # the init happened although the client never heard
    assert post["status"] == "PROCESSING_UPLOAD"
    [entry] = [
        r
        for r in (await sandbox.client.get("/_sandbox/requests")).json()["requests"]
        if r["endpoint"] == "video_init"
    ]
    assert entry["fault"] == "drop_after" and entry["status"] == 200


async def test_latency_runs_on_the_injected_clock(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    await sandbox.client.put("/_sandbox/faults", json={"creator_info": {"latency_sec": 30}})
    before = sandbox.clock.now()
    assert (await sandbox.client.post(CREATOR_INFO, headers=headers)).status_code == 200
    assert sandbox.clock.now() - before == 30


async def test_fault_admin_validates_input(sandbox: Sandbox) -> None:
    unknown = await sandbox.client.put("/_sandbox/faults", json={"nope": {}})
    assert unknown.status_code == 400
    bad = await sandbox.client.put("/_sandbox/faults", json={"upload": {"error_rate": 2}})
    assert bad.status_code == 400
    good = await sandbox.client.put("/_sandbox/faults", json={"status": {"error_rate": 0.25}})
    assert good.json()["status"]["error_rate"] == 0.25
    assert (await sandbox.client.get("/_sandbox/faults")).json()["status"]["error_rate"] == 0.25
    bad_option = await sandbox.client.put("/_sandbox/options", json={"daily_post_cap": -1})
    assert bad_option.status_code == 400


@pytest.mark.parametrize(
    "change",
    [
        {"faults": {"youtube-upload": {"error_rate": 1}}},  # a typo injected nothing
        {"rate_limits": {"stauts": 2}},  # a typo limited nothing
        {"rate_limits": {"cancel": 2}},  # not a rate-limited endpoint
        {"rate_limits": {"status": -1}},
    ],
)
async def test_options_name_only_endpoints_that_exist(
    sandbox: Sandbox, change: dict[str, Any]
) -> None:
    before = (await sandbox.client.get("/_sandbox/options")).json()
    refused = await sandbox.client.put("/_sandbox/options", json=change)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_field" and next(iter(change)) in error["message"]
    assert (await sandbox.client.get("/_sandbox/options")).json() == before
    assert SandboxOptions(faults={"*": FaultSpec(), "youtube_upload": FaultSpec()}).faults


async def test_request_log_never_holds_credentials(sandbox: Sandbox) -> None:
    token = await sandbox.login()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    init = (await sandbox.client.post(INIT, json=direct_body(6_000), headers=headers)).json()[
        "data"
    ]
    await upload_all(sandbox.client, init["upload_url"], video_bytes(6_000), 6_000, 1)
    log = (await sandbox.client.get("/_sandbox/requests")).json()["requests"]
    assert [r["endpoint"] for r in log] == ["authorize", "token", "video_init", "upload"]
    assert [r["status"] for r in log] == [302, 200, 200, 201]
    text = json.dumps(log)
    upload_token = init["upload_url"].split("upload_token=")[1]
    for secret in (
        token["access_token"],
        token["refresh_token"],
        upload_token,
        SANDBOX_CLIENT_SECRET,
        "Bearer",
    ):
        assert secret not in text
    world = (await sandbox.client.get("/_sandbox/world")).text
    assert SANDBOX_CLIENT_SECRET not in world and "rft." not in world


async def test_clock_advance_route(sandbox: Sandbox) -> None:
    before = (await sandbox.client.get("/_sandbox/clock")).json()["now"]
    response = await sandbox.client.post("/_sandbox/clock/advance", json={"seconds": 90})
    assert response.json()["now"] == before + 90
    assert (
        await sandbox.client.post("/_sandbox/clock/advance", json={"seconds": -1})
    ).status_code == 400
