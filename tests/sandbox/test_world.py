"""The world: default, world files, the Python API for --sandbox, persistence across restarts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from gitops_publisher.sandbox import (
    SANDBOX_CLIENT_KEY,
    SANDBOX_CLIENT_SECRET,
    SandboxWorld,
    WorldFileError,
)

from .conftest import Sandbox, direct_body, video_bytes

pytestmark = pytest.mark.anyio

TOKEN = "/v2/oauth/token/"
CREATOR_INFO = "/v2/post/publish/creator_info/query/"


async def refresh(
    sandbox: Sandbox,
    refresh_token: str,
    client_key: str = SANDBOX_CLIENT_KEY,
    client_secret: str = SANDBOX_CLIENT_SECRET,
) -> Any:
    return await sandbox.client.post(
        TOKEN,
        data={
            "client_key": client_key,
            "client_secret": client_secret,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        },
    )


def test_default_world_without_a_file(tmp_path: Path) -> None:
    world = SandboxWorld.load_or_create(tmp_path / "w")
    assert world.data.client.client_key == SANDBOX_CLIENT_KEY
    assert [(a.username, a.is_private) for a in world.data.accounts] == [
        ("sandbox.creator", False),
        ("sandbox.private", True),
    ]
    assert (tmp_path / "w" / "world.json").exists()
    assert list((tmp_path / "w").glob(".world.*")) == []  # no temp file left behind


async def test_ensure_account_gives_a_working_refresh_token_every_time(
    tmp_path: Path, make_sandbox: Any
) -> None:
    directory = tmp_path / "project" / ".publisher" / "sandbox"
    world = SandboxWorld.load_or_create(directory)
    first = world.ensure_account("brand-us")
    second = world.ensure_account("brand-us")
    assert first != second and first.startswith("rft.")
    assert [a.username for a in world.data.accounts].count("brand-us") == 1
    assert first not in (directory / "world.json").read_text()  # only hashes are stored
    sandbox = await make_sandbox(directory=directory)
    for token in (first, second):
        response = await refresh(sandbox, token)
        assert response.status_code == 200, response.text
    info = await sandbox.client.post(
        CREATOR_INFO, headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )
    assert info.json()["data"]["creator_username"] == "brand-us"


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
async def test_world_file_seeds_app_and_accounts(
    tmp_path: Path, make_sandbox: Any, suffix: str
) -> None:
    seed = {
        "client": {
            "client_key": "sbcustomkey",
            "client_secret": "custom-secret",
            "redirect_uris": ["http://localhost:*/cb/"],
        },
        "accounts": [
            {
                "username": "alice",
                "nickname": "Alice",
                "is_private": True,
                "comment_disabled": True,
                "max_video_post_duration_sec": 180,
                "refresh_token": "rft.alice-initial-token",
                "scopes": ["user.info.basic", "video.upload"],
            },
        ],
    }
    path = tmp_path / f"world{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(seed))
    else:
        from ruamel.yaml import YAML

        with path.open("w") as handle:
            YAML(typ="safe").dump(seed, handle)
    directory = tmp_path / "w"
    SandboxWorld.load_or_create(directory, seed_file=path)
    assert "rft.alice-initial-token" not in (directory / "world.json").read_text()
    sandbox = await make_sandbox(directory=directory)
    wrong_app = await refresh(sandbox, "rft.alice-initial-token")
    assert wrong_app.json()["error"] == "invalid_client"
    token = await refresh(sandbox, "rft.alice-initial-token", "sbcustomkey", "custom-secret")
    assert token.status_code == 200 and token.json()["scope"] == "user.info.basic,video.upload"
    world = (await sandbox.client.get("/_sandbox/world")).json()
    [alice] = world["accounts"]
    assert alice["privacy_level_options"] == [
        "FOLLOWER_OF_CREATOR",
        "MUTUAL_FOLLOW_FRIENDS",
        "SELF_ONLY",
    ]
    assert alice["max_video_post_duration_sec"] == 180 and "refresh_token" not in alice


def test_bad_world_files_are_reported(tmp_path: Path) -> None:
    cases = {
        "list.yaml": "- a\n- b\n",
        "syntax.json": "{",
        "field.yaml": "accounts:\n  - {username: bob, is_private: maybe}\n",
        "extra.yaml": "accounts:\n  - {username: bob, colour: red}\n",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(WorldFileError, match=name):
            SandboxWorld.load_or_create(tmp_path / f"w-{name}", seed_file=path)


async def test_restarted_server_meets_the_same_world(tmp_path: Path, make_sandbox: Any) -> None:
    directory = tmp_path / "w"
    first = await make_sandbox(directory=directory)
    token = await first.login()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    init = (
        await first.client.post(
            "/v2/post/publish/video/init/", json=direct_body(12_345, 5_000, 2), headers=headers
        )
    ).json()["data"]
    body = video_bytes(12_345)
    put_headers = {"Content-Type": "video/mp4", "Content-Range": "bytes 0-4999/12345"}
    partial = await first.client.put(init["upload_url"], content=body[:5_000], headers=put_headers)
    assert partial.status_code == 206
    # A crash in the middle of the second chunk leaves part of it in the part file.
    [part] = (directory / "uploads").glob("*.part")
    with part.open("ab") as handle:
        handle.write(b"half of chunk two")
    # Restart: a new app on the same directory; the upload continues where it stopped.
    second = await make_sandbox(directory=directory)
    rest = await second.client.put(
        init["upload_url"].replace("http://sandbox.test", ""),
        content=body[5_000:],
        headers={"Content-Type": "video/mp4", "Content-Range": "bytes 5000-12344/12345"},
    )
    assert rest.status_code == 201
    [post] = await second.posts()
    assert post["sha256"] == hashlib.sha256(body).hexdigest()
    status = await second.client.post(
        "/v2/post/publish/status/fetch/", json={"publish_id": init["publish_id"]}, headers=headers
    )
    assert status.json()["error"]["code"] == "ok"  # the access token survived the restart
    reuse = await refresh(second, token["refresh_token"])
    assert reuse.status_code == 200
    again = await refresh(second, token["refresh_token"])
    assert again.json()["error"] == "invalid_grant"


async def test_admin_creates_accounts(sandbox: Sandbox) -> None:
    created = await sandbox.client.post("/_sandbox/accounts", json={"username": "carol"})
    assert created.status_code == 201
    refresh_token = created.json()["refresh_token"]
    assert (await refresh(sandbox, refresh_token)).status_code == 200
    duplicate = await sandbox.client.post("/_sandbox/accounts", json={"username": "carol"})
    assert duplicate.status_code == 409
    invalid = await sandbox.client.post("/_sandbox/accounts", json={"username": ""})
    assert invalid.status_code == 400


async def test_a_digest_left_unrecorded_by_a_stopped_server_is_recorded_at_restart(
    tmp_path: Path, make_sandbox: Any
) -> None:
    directory = tmp_path / "w"
    first = await make_sandbox(directory=directory)
    headers = await first.bearer()
    body = video_bytes(12_345)
    init = (
        await first.client.post(
            "/v2/post/publish/video/init/", json=direct_body(12_345, 5_000, 2), headers=headers
        )
    ).json()["data"]
    put_headers = {"Content-Type": "video/mp4", "Content-Range": "bytes 0-4999/12345"}
    await first.client.put(init["upload_url"], content=body[:5_000], headers=put_headers)
    put_headers["Content-Range"] = "bytes 5000-12344/12345"
    done = await first.client.put(init["upload_url"], content=body[5_000:], headers=put_headers)
    assert done.status_code == 201
    # The server stopped after the final chunk was saved, before the digest (computed off the
    # ingest path) was recorded: the world has no sha256 and the part file is still there.
    world = SandboxWorld.load_or_create(directory)
    post = world.data.posts[init["publish_id"]]
    post.sha256 = None
    world.save()
    (directory / "uploads" / f"{post.upload_id}.part").write_bytes(body)
    second = await make_sandbox(directory=directory)
    [listed] = await second.posts()
    assert listed["sha256"] == hashlib.sha256(body).hexdigest()
    assert list((directory / "uploads").glob("*.part")) == []
    reloaded = SandboxWorld.load_or_create(directory).data.posts[init["publish_id"]]
    assert reloaded.sha256 == listed["sha256"]
