"""Hostile or broken requests to the YouTube endpoints: a clear 4xx, never a 500, nothing stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import INSERT, KIB256, YouTubeSandbox, video_bytes


@pytest.mark.parametrize(
    "content_range",
    [
        "bytes \xb2-999/1000".encode("latin-1"),  # a Unicode digit
        b"bytes 0-99999999999999999999999/1000",  # more digits than any size
        b"bytes 5-2/1000",  # backwards
        b"bytes 0-1000/1000",  # past the end
        b"bytes=0-999/1000",  # the Range syntax, not Content-Range's
        b"items 0-999/1000",
    ],
)
def test_bad_content_ranges_are_400(yt: YouTubeSandbox, content_range: bytes) -> None:
    uri = yt.session(yt.bearer(), 1000)
    response = yt.client.put(
        uri, content=video_bytes(1000), headers={"Content-Range": content_range}
    )
    assert response.status_code == 400
    assert "range" not in yt.status(uri, 1000).headers


def test_a_body_longer_or_shorter_than_its_range_is_400(yt: YouTubeSandbox) -> None:
    uri = yt.session(yt.bearer(), 2 * KIB256)
    data = video_bytes(2 * KIB256)
    longer = yt.client.put(
        uri, content=data, headers={"Content-Range": f"bytes 0-{KIB256 - 1}/{2 * KIB256}"}
    )
    assert longer.status_code == 400
    assert "range" not in yt.status(uri, 2 * KIB256).headers


@pytest.mark.parametrize(
    ("headers", "content"),
    [
        ({"Content-Type": "application/json"}, b"{not json"),
        ({"Content-Type": "application/json"}, b"[1, 2]"),
        ({"Content-Type": "application/json"}, b"x" * 1_000_001),
        ({"X-Upload-Content-Length": "-5"}, b"{}"),
        ({"X-Upload-Content-Length": "\u0661\u0662".encode()}, b"{}"),  # Arabic-Indic digits
        ({"X-Upload-Content-Type": "text/html"}, b"{}"),
    ],
)
def test_bad_initiating_posts_are_400(
    yt: YouTubeSandbox, headers: dict[str, Any], content: bytes
) -> None:
    response = yt.client.post(
        INSERT,
        params={"uploadType": "resumable", "part": "snippet"},
        content=content,
        headers={**yt.bearer(), **headers},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == 400
    assert yt.videos() == []


def test_token_endpoint_refusals(yt: YouTubeSandbox) -> None:
    bad = yt.client.post("/token", data={"grant_type": "password"})
    assert bad.status_code == 401  # no client: invalid_client before anything else
    from gitops_publisher.sandbox import SANDBOX_GOOGLE_CLIENT_ID, SANDBOX_GOOGLE_CLIENT_SECRET

    client = {"client_id": SANDBOX_GOOGLE_CLIENT_ID, "client_secret": SANDBOX_GOOGLE_CLIENT_SECRET}
    unsupported = yt.client.post("/token", data={**client, "grant_type": "password"})
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"
    missing = yt.client.post("/token", data={**client, "grant_type": "refresh_token"})
    assert missing.json()["error"] == "invalid_request"
    huge = yt.client.post("/token", content=b"a=" + b"x" * 70_000)
    assert huge.status_code == 400


def test_a_session_uri_is_not_a_guessable_number(yt: YouTubeSandbox) -> None:
    uri = yt.session(yt.bearer(), 1000)
    upload_id = httpx.URL(uri).params["upload_id"]
    assert len(upload_id) > 60
