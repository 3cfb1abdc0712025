"""Fixtures for the YouTube conformance tests: raw httpx over real HTTP on 127.0.0.1.

Everything here is written from docs/reference/youtube-data-api.md, not from the emulator's
code: the requests are the ones the reference says Google's clients send.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from gitops_publisher.sandbox import ManualClock, SandboxOptions, create_app, serve_in_thread
from gitops_publisher.sandbox.youtube import SANDBOX_GOOGLE_CLIENT_ID, SANDBOX_GOOGLE_CLIENT_SECRET

SCOPE = "https://www.googleapis.com/auth/"
UPLOAD_AND_READ = f"{SCOPE}youtube.upload {SCOPE}youtube.readonly"
REDIRECT_URI = "http://127.0.0.1:53682/"
KIB256 = 256 * 1024
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
INSERT = "/upload/youtube/v3/videos"


def s256(verifier: str) -> str:
    """RFC 7636 S256: unpadded base64url of the SHA-256 (reference §1.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def video_bytes(size: int, seed: int = 0) -> bytes:
    """Bytes that start like an MP4 (``ftyp`` box), then seeded noise."""
    import random

    return (MP4_HEAD + random.Random(seed).randbytes(size))[:size]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def resource(title: str = "Launch #shorts", **status: Any) -> dict[str, Any]:
    return {
        "snippet": {"title": title, "description": "hello", "tags": ["launch"], "categoryId": "22"},
        "status": {"privacyStatus": "public", **status},
    }


@dataclass
class YouTubeSandbox:
    """One served emulator: an httpx client on its real socket, its clock and directory."""

    client: httpx.Client
    base_url: str
    clock: ManualClock
    directory: Path

    def authorize(self, scope: str = UPLOAD_AND_READ, **extra: str) -> tuple[str, str]:
        """Run the consent step; return (code, verifier)."""
        verifier = secrets.token_urlsafe(64)
        params = {
            "client_id": SANDBOX_GOOGLE_CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": scope,
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
            "state": "xyz",
            "access_type": "offline",
            **extra,
        }
        response = self.client.get("/o/oauth2/v2/auth", params=params)
        assert response.status_code == 302, response.text
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert query["state"] == ["xyz"]
        return query["code"][0], verifier

    def exchange(self, code: str, verifier: str, **extra: str) -> httpx.Response:
        form = {
            "client_id": SANDBOX_GOOGLE_CLIENT_ID,
            "client_secret": SANDBOX_GOOGLE_CLIENT_SECRET,
            "code": code,
            "code_verifier": verifier,
            "grant_type": "authorization_code",
            "redirect_uri": REDIRECT_URI,
            **extra,
        }
        return self.client.post("/token", data=form)

    def refresh(self, refresh_token: str) -> httpx.Response:
        return self.client.post(
            "/token",
            data={
                "client_id": SANDBOX_GOOGLE_CLIENT_ID,
                "client_secret": SANDBOX_GOOGLE_CLIENT_SECRET,
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
            },
        )

    def login(self, scope: str = UPLOAD_AND_READ, **extra: str) -> dict[str, Any]:
        code, verifier = self.authorize(scope, **extra)
        response = self.exchange(code, verifier)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def bearer(self, scope: str = UPLOAD_AND_READ, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.login(scope, **extra)['access_token']}"}

    def init(
        self,
        headers: dict[str, str],
        size: int | None,
        body: dict[str, Any] | None = None,
        part: str = "snippet,status",
    ) -> httpx.Response:
        """The initiating POST exactly as googleapiclient sends it (reference §2.2)."""
        extra = {"X-Upload-Content-Type": "video/mp4"}
        if size is not None:
            extra["X-Upload-Content-Length"] = str(size)
        return self.client.post(
            INSERT,
            params={
                "part": part,
                "notifySubscribers": "false",
                "alt": "json",
                "uploadType": "resumable",
            },
            json=body if body is not None else resource(),
            headers={**headers, **extra},
        )

    def session(self, headers: dict[str, str], size: int, **kwargs: Any) -> str:
        response = self.init(headers, size, **kwargs)
        assert response.status_code == 200, response.text
        return response.headers["location"]

    def put(self, uri: str, data: bytes, first: int, last: int, total: int | str) -> httpx.Response:
        """One chunk PUT: Content-Range and Content-Length, no Content-Type (googleapiclient)."""
        return self.client.put(
            uri,
            content=data[first : last + 1],
            headers={"Content-Range": f"bytes {first}-{last}/{total}"},
        )

    def status(self, uri: str, total: int | str) -> httpx.Response:
        """The status query: empty PUT with ``Content-Range: bytes */TOTAL`` (reference §2.6)."""
        return self.client.put(uri, content=b"", headers={"Content-Range": f"bytes */{total}"})

    def upload(self, uri: str, data: bytes, chunk: int = KIB256) -> list[httpx.Response]:
        answers = []
        for first in range(0, len(data), chunk):
            last = min(first + chunk, len(data)) - 1
            answers.append(self.put(uri, data, first, last, len(data)))
        return answers

    def set_options(self, **youtube: Any) -> None:
        response = self.client.put("/_sandbox/options", json={"youtube": youtube})
        assert response.status_code == 200, response.text

    def set_faults(self, faults: dict[str, Any]) -> None:
        response = self.client.put("/_sandbox/faults", json=faults)
        assert response.status_code == 200, response.text

    def videos(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.client.get("/_sandbox/youtube/videos").json()["videos"]
        return result

    def list_video(
        self, headers: dict[str, str], video_id: str, part: str = "status,processingDetails"
    ) -> dict[str, Any]:
        response = self.client.get(
            "/youtube/v3/videos", params={"part": part, "id": video_id}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


MakeYouTube = Callable[..., YouTubeSandbox]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_youtube(tmp_path: Path, clock: ManualClock) -> Iterator[MakeYouTube]:
    """Serve an emulator on 127.0.0.1 (several may run; each stops at the end of the test)."""
    stack: list[Any] = []

    def make(
        options: SandboxOptions | None = None, directory: Path | None = None
    ) -> YouTubeSandbox:
        directory = directory or tmp_path / "world"
        app = create_app(directory, options or SandboxOptions(), clock)
        context = serve_in_thread(app)
        base_url = context.__enter__()
        client = httpx.Client(base_url=base_url, timeout=10)
        stack.append((context, client))
        return YouTubeSandbox(client, base_url, clock, directory)

    yield make
    for context, client in reversed(stack):
        client.close()
        context.__exit__(None, None, None)


@pytest.fixture
def yt(make_youtube: MakeYouTube) -> YouTubeSandbox:
    return make_youtube()
