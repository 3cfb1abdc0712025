"""A partial ``rate_limits`` merges into the map it updates; null removes one limit.

Before, ``PUT /_sandbox/options`` with ``{"rate_limits": {"status": 5}}`` (or an options file
saying so) replaced the whole map: init, inbox init and creator_info silently lost their
limits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitops_publisher.sandbox import SandboxOptions
from gitops_publisher.sandbox.world import read_options_file

from .conftest import KB, Sandbox

pytestmark = pytest.mark.anyio

CREATOR_INFO = "/v2/post/publish/creator_info/query/"
STATUS = "/v2/post/publish/status/fetch/"
DEFAULTS = {"video_init": 6, "inbox_init": 6, "creator_info": 20, "status": 30}


async def answers(sandbox: Sandbox, path: str, headers: dict[str, str], n: int) -> list[int]:
    body = {"publish_id": "v_pub_file~v2-1.1"} if path == STATUS else None
    return [
        (await sandbox.client.post(path, headers=headers, json=body)).status_code for _ in range(n)
    ]


async def put_limits(sandbox: Sandbox, limits: Any) -> dict[str, Any]:
    response = await sandbox.client.put("/_sandbox/options", json={"rate_limits": limits})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["rate_limits"]
    return result


async def test_a_partial_update_keeps_the_other_endpoints_limits(sandbox: Sandbox) -> None:
    assert await put_limits(sandbox, {"status": 2}) == {**DEFAULTS, "status": 2}
    assert await put_limits(sandbox, {"creator_info": 3}) == {
        **DEFAULTS,
        "status": 2,
        "creator_info": 3,
    }
    read = (await sandbox.client.get("/_sandbox/options")).json()["rate_limits"]
    assert read == {**DEFAULTS, "status": 2, "creator_info": 3}
    headers = await sandbox.bearer()
    assert await answers(sandbox, STATUS, headers, 3) == [400, 400, 429]  # no such publish_id
    assert await answers(sandbox, CREATOR_INFO, headers, 4) == [200, 200, 200, 429]


async def test_null_removes_one_limit_and_a_null_map_all(sandbox: Sandbox) -> None:
    assert await put_limits(sandbox, {"creator_info": None}) == {**DEFAULTS, "creator_info": None}
    headers = await sandbox.bearer()
    assert set(await answers(sandbox, CREATOR_INFO, headers, 25)) == {200}  # 20 was the limit
    assert await put_limits(sandbox, {"creator_info": 20}) == DEFAULTS  # set back
    assert await put_limits(sandbox, None) == dict.fromkeys(DEFAULTS)
    assert await put_limits(sandbox, {}) == dict.fromkeys(DEFAULTS)  # an empty update: no change


async def test_a_refused_update_changes_no_limit(sandbox: Sandbox) -> None:
    await put_limits(sandbox, {"status": 2})
    refused = await sandbox.client.put(
        "/_sandbox/options", json={"rate_limits": {"creator_info": 1, "stauts": 1}}
    )
    assert refused.status_code == 400 and "stauts" in refused.json()["error"]["message"]
    read = (await sandbox.client.get("/_sandbox/options")).json()["rate_limits"]
    assert read == {**DEFAULTS, "status": 2}


def test_an_options_file_with_some_limits_keeps_the_defaults_of_the_others(
    tmp_path: Path,
) -> None:
    # What `publisher sandbox serve --options` and PUBLISHER_SANDBOX_OPTIONS read.
    path = tmp_path / "options.yaml"
    path.write_text("mb_bytes: 1000\nrate_limits:\n  status: 5\n  video_init: null\n")
    options = read_options_file(path)
    assert options.rate_limits == {**DEFAULTS, "status": 5, "video_init": None}
    path.write_text("rate_limits: null\n")
    assert read_options_file(path).rate_limits == dict.fromkeys(DEFAULTS)
    assert SandboxOptions(rate_limits={"inbox_init": 1}).rate_limits == {
        **DEFAULTS,
        "inbox_init": 1,
    }


def test_options_with_a_removed_limit_read_back_the_same() -> None:
    # A GET of the options, saved as an options file, gives the same options again: the
    # removed limit is written as null, not left out (which would mean "the default").
    options = SandboxOptions(mb_bytes=KB, rate_limits={"status": None})
    dumped = options.model_dump(mode="json")
    assert dumped["rate_limits"]["status"] is None
    assert SandboxOptions.model_validate(dumped) == options
