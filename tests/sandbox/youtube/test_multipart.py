"""``uploadType=multipart`` inserts (reference §2.9): metadata and media in one POST."""

from __future__ import annotations

import json
from typing import Any

import httpx

from .conftest import INSERT, YouTubeSandbox, resource, sha256, video_bytes


def related(boundary: str, metadata: dict[str, Any], media: bytes, media_type: str) -> bytes:
    """A ``multipart/related`` body as Google's clients write it (RFC 2387)."""
    return (
        f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".encode()
        + json.dumps(metadata).encode()
        + f"\r\n--{boundary}\r\nContent-Type: {media_type}\r\n\r\n".encode()
        + media
        + f"\r\n--{boundary}--\r\n".encode()
    )


def post(yt: YouTubeSandbox, headers: dict[str, str], body: bytes, boundary: str) -> httpx.Response:
    return yt.client.post(
        INSERT,
        params={"uploadType": "multipart", "part": "snippet,status"},
        content=body,
        headers={**headers, "Content-Type": f'multipart/related; boundary="{boundary}"'},
    )


def test_a_multipart_insert_creates_the_video_at_once(yt: YouTubeSandbox) -> None:
    # Media holding CRLFs and the boundary's prefix must come through byte for byte.
    media = video_bytes(5000) + b"\r\n--not-the-boundary\r\n\r\n" + video_bytes(700, seed=2)
    response = post(yt, yt.bearer(), related("==b1==", resource(), media, "video/mp4"), "==b1==")
    assert response.status_code == 200, response.text
    video = response.json()
    assert video["kind"] == "youtube#video" and video["status"]["uploadStatus"] == "uploaded"
    [listed] = yt.videos()
    assert listed["video_id"] == video["id"] and listed["sha256"] == sha256(media)


def test_multipart_inserts_pass_the_same_checks(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    bad_title = related("b", {"snippet": {"title": "<x>"}}, b"123", "video/mp4")
    refused = post(yt, headers, bad_title, "b")
    assert refused.status_code == 400
    assert refused.json()["error"]["errors"][0]["reason"] == "invalidTitle"
    bad_type = post(yt, headers, related("b", resource(), b"123", "image/png"), "b")
    assert bad_type.status_code == 400
    one_part = b"--b\r\nContent-Type: application/json\r\n\r\n{}\r\n--b--\r\n"
    assert post(yt, headers, one_part, "b").status_code == 400
    assert post(yt, {}, related("b", resource(), b"1", "video/mp4"), "b").status_code == 401
    assert yt.videos() == []


def test_an_empty_media_part_is_refused_as_such(yt: YouTubeSandbox) -> None:
    # It was refused as "X-Upload-Content-Length is invalid", a header the client never sent.
    refused = post(yt, yt.bearer(), related("b", resource(), b"", "video/mp4"), "b")
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "The media part is empty."
    yt.set_options(max_video_bytes=1000)
    large = post(yt, yt.bearer(), related("b", resource(), video_bytes(2000), "video/mp4"), "b")
    assert (
        large.status_code == 400 and "larger than the maximum" in large.json()["error"]["message"]
    )
    assert yt.videos() == []


def test_multipart_bodies_over_the_limit_are_413(yt: YouTubeSandbox) -> None:
    yt.set_options(multipart_max_bytes=1000)
    body = related("b", resource(), video_bytes(2000), "video/mp4")
    assert post(yt, yt.bearer(), body, "b").status_code == 413
