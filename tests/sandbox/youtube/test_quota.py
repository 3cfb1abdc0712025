"""Quota buckets (§5.1, current and older models) and the per-channel upload limit (§5.3)."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import YouTubeSandbox, video_bytes

DAY = 86_400


def error_of(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def test_uploads_bucket_then_quota_exceeded_until_pacific_midnight(yt: YouTubeSandbox) -> None:
    yt.set_options(daily_uploads=2)
    headers = yt.bearer()
    assert [yt.init(headers, 100).status_code for _ in range(2)] == [200, 200]
    refused = yt.init(headers, 100)
    assert refused.status_code == 403
    error = error_of(refused)
    assert error["errors"][0] == {
        "message": error["message"],
        "domain": "youtube.quota",
        "reason": "quotaExceeded",
    }
    assert "status" not in error and "<a href" in error["message"]  # verbatim shape, §5.2
    # Reads use the 10,000-unit pool, not the uploads bucket.
    mine = {"part": "id", "mine": "true"}
    assert yt.client.get("/youtube/v3/channels", params=mine, headers=headers).status_code == 200
    quota = yt.client.get("/_sandbox/youtube/quota").json()
    assert (quota["uploads"], quota["units"]) == (2, 1)
    yt.clock.advance(DAY)
    assert yt.init(yt.bearer(), 100).status_code == 200


def test_legacy_1600_unit_model(yt: YouTubeSandbox) -> None:
    yt.set_options(quota_model="units_1600")
    headers = yt.bearer()
    codes = [yt.init(headers, 100).status_code for _ in range(7)]
    assert codes == [200] * 6 + [403]  # 6 x 1600 = 9600 of 10,000
    mine = {"part": "id", "mine": "true"}
    for _ in range(400):
        yt.client.get("/youtube/v3/channels", params=mine, headers=headers)
    assert yt.client.get("/youtube/v3/channels", params=mine, headers=headers).status_code == 403


def test_units_100_model(yt: YouTubeSandbox) -> None:
    yt.set_options(quota_model="units_100", daily_units=250)
    headers = yt.bearer()
    assert [yt.init(headers, 100).status_code for _ in range(3)] == [200, 200, 403]


def test_channel_upload_limit_is_400_upload_limit_exceeded(yt: YouTubeSandbox) -> None:
    yt.client.post(
        "/_sandbox/youtube/channels", json={"handle": "@capped", "daily_upload_limit": 1}
    )
    headers = yt.bearer(sandbox_channel="@capped")
    data = video_bytes(1000)
    uri = yt.session(headers, len(data))
    assert yt.upload(uri, data)[-1].status_code == 201
    refused = yt.init(headers, 100)
    assert refused.status_code == 400
    assert error_of(refused)["errors"][0]["reason"] == "uploadLimitExceeded"
    assert error_of(refused)["errors"][0]["domain"] == "youtube.video"
    assert yt.init(yt.bearer(), 100).status_code == 200  # other channels are not capped
    yt.clock.advance(DAY)
    assert yt.init(yt.bearer(sandbox_channel="@capped"), 100).status_code == 200
