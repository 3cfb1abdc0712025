"""Fixtures for the sandbox conformance tests: raw httpx against the emulator, no client code.

Everything here is written from shared/reference/tiktok-content-posting-api.md.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from gitops_publisher.sandbox import (
    SANDBOX_CLIENT_KEY,
    SANDBOX_CLIENT_SECRET,
    ManualClock,
    SandboxOptions,
    create_app,
)
from gitops_publisher.sandbox.options import RATE_LIMITED

REDIRECT_URI = "http://127.0.0.1:53682/callback/"
ALL_SCOPES = "user.info.basic,video.publish,video.upload"
KB = 1000  # tests run with mb_bytes=KB: "5 MB" = 5,000 bytes, so bodies stay tiny
#: ``SandboxOptions.rate_limits`` without any limit (a partial map keeps the defaults).
UNLIMITED: dict[str, int | None] = dict.fromkeys(RATE_LIMITED)
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def authorize_params(challenge: str, **extra: str) -> dict[str, str]:
    """The authorize query of the reference for every scope, PKCE S256; ``extra`` overrides."""
    return {
        "client_key": SANDBOX_CLIENT_KEY,
        "scope": ALL_SCOPES,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "state": "abc",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def code_form(code: str, verifier: str, **extra: str) -> dict[str, str]:
    """The token request exchanging an authorization ``code``; ``extra`` overrides."""
    return {
        "client_key": SANDBOX_CLIENT_KEY,
        "client_secret": SANDBOX_CLIENT_SECRET,
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        **extra,
    }


@dataclass
class Sandbox:
    app: Starlette
    client: httpx.AsyncClient
    clock: ManualClock
    directory: Path

    async def set_options(self, **changes: Any) -> None:
        response = await self.client.put("/_sandbox/options", json=changes)
        assert response.status_code == 200, response.text

    async def login(self, account: str | None = None, scope: str = ALL_SCOPES) -> dict[str, Any]:
        """Desktop OAuth with PKCE exactly as the reference describes; returns the token body."""
        verifier = secrets.token_urlsafe(48)
        params = authorize_params(hashlib.sha256(verifier.encode()).hexdigest(), scope=scope)
        if account:
            params["sandbox_account"] = account
        response = await self.client.get("/v2/auth/authorize/", params=params)
        assert response.status_code == 302, response.text
        callback = parse_qs(urlsplit(response.headers["location"]).query)
        token = await self.client.post(
            "/v2/oauth/token/", data=code_form(callback["code"][0], verifier)
        )
        assert token.status_code == 200, token.text
        body: dict[str, Any] = token.json()
        return body

    async def bearer(self, account: str | None = None, scope: str = ALL_SCOPES) -> dict[str, str]:
        token = await self.login(account, scope)
        return {"Authorization": f"Bearer {token['access_token']}"}

    async def posts(self) -> list[dict[str, Any]]:
        response = await self.client.get("/_sandbox/posts")
        result: list[dict[str, Any]] = response.json()["posts"]
        return result


MakeSandbox = Callable[..., Any]


@pytest.fixture
async def make_sandbox(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Callable[..., Any]]:
    clients: list[httpx.AsyncClient] = []

    async def make(options: SandboxOptions | None = None, directory: Path | None = None) -> Sandbox:
        directory = directory or tmp_path / "world"
        app = create_app(directory, options or SandboxOptions(mb_bytes=KB), clock)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test"
        )
        clients.append(client)
        return Sandbox(app, client, clock, directory)

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def sandbox(make_sandbox: Callable[..., Any]) -> Sandbox:
    result: Sandbox = await make_sandbox()
    return result


def direct_body(
    video_size: int,
    chunk_size: int | None = None,
    count: int | None = None,
    privacy: str = "PUBLIC_TO_EVERYONE",
    **post_info: Any,
) -> dict[str, Any]:
    chunk_size = chunk_size or video_size
    count = count if count is not None else max(1, video_size // chunk_size)
    return {
        "post_info": {"privacy_level": privacy, "title": "hello #sandbox", **post_info},
        "source_info": {
            "source": "FILE_UPLOAD",
            "video_size": video_size,
            "chunk_size": chunk_size,
            "total_chunk_count": count,
        },
    }


def inbox_body(
    video_size: int, chunk_size: int | None = None, count: int | None = None
) -> dict[str, Any]:
    body = direct_body(video_size, chunk_size, count)
    return {"source_info": body["source_info"]}


def video_bytes(size: int) -> bytes:
    """A body that passes the sandbox's container sniffing (an ``ftyp`` box first)."""
    return (MP4_HEAD + bytes(range(256)) * (size // 256 + 1))[:size]


async def upload_all(
    client: httpx.AsyncClient, upload_url: str, data: bytes, chunk_size: int, count: int
) -> list[httpx.Response]:
    """Upload ``data`` as the reference says: floor count, last chunk takes the rest."""
    responses = []
    for index in range(count):
        first = index * chunk_size
        last = len(data) - 1 if index == count - 1 else first + chunk_size - 1
        responses.append(await put_chunk(client, upload_url, data, first, last))
    return responses


async def put_chunk(
    client: httpx.AsyncClient, upload_url: str, data: bytes, first: int, last: int
) -> httpx.Response:
    """PUT bytes ``first``..``last`` (inclusive) of ``data`` as one video/mp4 chunk."""
    return await client.put(
        upload_url,
        content=data[first : last + 1],
        headers={"Content-Type": "video/mp4", "Content-Range": f"bytes {first}-{last}/{len(data)}"},
    )
