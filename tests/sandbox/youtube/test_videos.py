"""videos.insert metadata rules (§3, §5.3), videos.list progression (§4), channels.list."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import INSERT, SCOPE, YouTubeSandbox, resource, video_bytes

PROCESSING = "status,processingDetails"


def upload(
    yt: YouTubeSandbox, headers: dict[str, str], data: bytes, body: dict[str, Any] | None = None
) -> str:
    uri = yt.session(headers, len(data), body=body)
    final = yt.upload(uri, data)[-1]
    assert final.status_code == 201, final.text
    video_id: str = final.json()["id"]
    return video_id


def reason_of(response: Any) -> str:
    reason: str = response.json()["error"]["errors"][0]["reason"]
    return reason


@pytest.mark.parametrize(
    ("snippet", "status", "reason"),
    [
        ({"title": "x" * 101}, {}, "invalidTitle"),
        ({"title": "a <b>"}, {}, "invalidTitle"),
        ({"title": ""}, {}, "invalidTitle"),
        ({"title": "ok", "description": "é" * 2501}, {}, "invalidDescription"),  # 5002 bytes
        ({"title": "ok", "tags": ["x" * 499, "y"]}, {}, "invalidTags"),  # 499 + 1 + comma
        ({"title": "ok", "tags": ["a b" * 100, "c" * 199]}, {}, "invalidTags"),  # quotes count
        ({"title": "ok", "categoryId": "9999"}, {}, "invalidCategoryId"),
        (
            {"title": "ok"},
            {"privacyStatus": "public", "publishAt": "2030-01-01T00:00:00Z"},
            "invalidPublishAt",
        ),
        ({"title": "ok"}, {"privacyStatus": "private", "publishAt": "soon"}, "invalidPublishAt"),
    ],
)
def test_metadata_errors_come_back_on_the_initiating_post(
    yt: YouTubeSandbox, snippet: dict[str, Any], status: dict[str, Any], reason: str
) -> None:
    response = yt.init(yt.bearer(), 100, body={"snippet": snippet, "status": status})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400 and error["errors"][0]["domain"] == "youtube.video"
    assert error["errors"][0]["reason"] == reason


def test_limits_are_inclusive(yt: YouTubeSandbox) -> None:
    body = {
        "snippet": {"title": "é" * 100, "description": "é" * 2500, "tags": ["x" * 498, "y"]},
        "status": {"privacyStatus": "private", "publishAt": "2030-01-01T00:00:00Z"},
    }
    assert yt.init(yt.bearer(), 100, body=body).status_code == 200


def test_unknown_part_and_missing_part(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    assert reason_of(yt.init(headers, 100, part="snippet,nonsense")) == "unknownPart"
    assert reason_of(yt.init(headers, 100, part="")) == "required"


def test_invalid_license_is_403(yt: YouTubeSandbox) -> None:
    response = yt.init(yt.bearer(), 100, body=resource(license="gpl"))
    assert response.status_code == 403 and reason_of(response) == "forbiddenLicenseSetting"


def test_missing_and_bad_credentials(yt: YouTubeSandbox) -> None:
    missing = yt.init({}, 100)
    assert missing.status_code == 401 and reason_of(missing) == "required"
    bad = yt.init({"Authorization": "Bearer ya29.nope"}, 100)
    assert bad.status_code == 401 and reason_of(bad) == "authError"
    assert bad.json()["error"]["status"] == "UNAUTHENTICATED"


def test_access_token_query_parameter_is_accepted(yt: YouTubeSandbox) -> None:
    token = yt.login()["access_token"]
    response = yt.client.get(
        "/youtube/v3/channels", params={"part": "id", "mine": "true", "access_token": token}
    )
    assert response.status_code == 200


def test_upload_scope_alone_cannot_poll(yt: YouTubeSandbox) -> None:
    headers = yt.bearer(scope=f"{SCOPE}youtube.upload")
    video_id = upload(yt, headers, video_bytes(1000))
    response = yt.client.get(
        "/youtube/v3/videos", params={"part": "status", "id": video_id}, headers=headers
    )
    assert response.status_code == 403 and reason_of(response) == "insufficientPermissions"
    readonly = yt.bearer(scope=f"{SCOPE}youtube.readonly")
    assert yt.init(readonly, 100).status_code == 403


def test_processing_progresses_with_the_clock(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    video_id = upload(yt, headers, video_bytes(5000))
    [item] = yt.list_video(headers, video_id)["items"]
    assert item["status"]["uploadStatus"] == "uploaded"
    details = item["processingDetails"]
    assert details["processingStatus"] == "processing"
    assert set(details["processingProgress"]) == {"partsTotal", "partsProcessed", "timeLeftMs"}
    assert all(isinstance(v, str) for v in details["processingProgress"].values())  # uint64
    yt.clock.advance(10)
    [item] = yt.list_video(headers, video_id)["items"]
    assert item["status"]["uploadStatus"] == "processed"
    assert item["processingDetails"]["processingStatus"] == "succeeded"


def test_list_response_shape_and_unknown_ids(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    video_id = upload(yt, headers, video_bytes(1000))
    body = yt.list_video(headers, f"{video_id},AAAAAAAAAAA", part="snippet,status,contentDetails")
    assert body["kind"] == "youtube#videoListResponse" and "etag" in body
    assert body["pageInfo"]["totalResults"] == 1
    [item] = body["items"]
    assert item["id"] == video_id and item["snippet"]["channelId"].startswith("UC")
    assert "processingDetails" not in item  # not requested
    assert yt.list_video(headers, "AAAAAAAAAAA")["items"] == []


def test_bytes_that_are_not_a_video_fail(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    video_id = upload(yt, headers, b"this is not a video" * 100)
    yt.clock.advance(60)
    status = yt.list_video(headers, video_id)["items"][0]["status"]
    assert status["uploadStatus"] == "failed" and status["failureReason"] == "invalidFile"


def test_scripted_outcomes(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    rejected, stuck = upload(yt, headers, video_bytes(1000)), upload(yt, headers, video_bytes(999))
    scripted = yt.client.post(
        f"/_sandbox/youtube/videos/{rejected}/outcome",
        json={"upload_status": "rejected", "reason": "copyright"},
    )
    assert scripted.status_code == 200
    yt.client.post(f"/_sandbox/youtube/videos/{stuck}/outcome", json={"upload_status": "stuck"})
    bad = yt.client.post(
        f"/_sandbox/youtube/videos/{stuck}/outcome", json={"upload_status": "gone"}
    )
    assert bad.status_code == 400
    yt.clock.advance(86_400)
    headers = yt.bearer()  # the first access token expired meanwhile
    status = yt.list_video(headers, rejected)["items"][0]["status"]
    assert status["uploadStatus"] == "rejected" and status["rejectionReason"] == "copyright"
    item = yt.list_video(headers, stuck)["items"][0]
    assert item["processingDetails"]["processingStatus"] == "processing"


def test_duplicates_are_rejected_when_asked(yt: YouTubeSandbox) -> None:
    yt.set_options(reject_duplicates=True)
    headers = yt.bearer()
    data = video_bytes(2000)
    first, second = upload(yt, headers, data), upload(yt, headers, data)
    yt.clock.advance(60)
    assert yt.list_video(headers, first)["items"][0]["status"]["uploadStatus"] == "processed"
    status = yt.list_video(headers, second)["items"][0]["status"]
    assert (status["uploadStatus"], status["rejectionReason"]) == ("rejected", "duplicate")


def test_privacy_and_scheduled_publishing(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    publish_at = yt.clock.now() + 3600
    from datetime import UTC, datetime

    when = datetime.fromtimestamp(publish_at, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    body = resource(privacyStatus="private", publishAt=when)
    scheduled = upload(yt, headers, video_bytes(1000), body)
    unlisted = upload(yt, headers, video_bytes(1001), resource(privacyStatus="unlisted"))
    yt.clock.advance(60)
    status = yt.list_video(headers, scheduled)["items"][0]["status"]
    assert status["privacyStatus"] == "private" and status["publishAt"].endswith("Z")
    assert yt.list_video(headers, unlisted)["items"][0]["status"]["privacyStatus"] == "unlisted"
    yt.clock.advance(3600)
    headers = yt.bearer()
    status = yt.list_video(headers, scheduled)["items"][0]["status"]
    assert status["privacyStatus"] == "public" and "publishAt" not in status


def test_other_channels_see_only_public_processed_videos(yt: YouTubeSandbox) -> None:
    owner = yt.bearer()
    private = upload(yt, owner, video_bytes(1000), resource(privacyStatus="private"))
    public = upload(yt, owner, video_bytes(1001))
    yt.client.post("/_sandbox/youtube/channels", json={"handle": "@other"})
    other = yt.bearer(sandbox_channel="@other")
    yt.clock.advance(60)
    assert yt.list_video(other, private)["items"] == []
    [item] = yt.list_video(other, public)["items"]
    assert "processingDetails" not in item  # owner only


def test_channels_list_mine(yt: YouTubeSandbox) -> None:
    response = yt.client.get(
        "/youtube/v3/channels",
        params={"part": "snippet,contentDetails", "mine": "true"},
        headers=yt.bearer(),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "youtube#channelListResponse"
    [channel] = body["items"]
    assert (
        channel["kind"] == "youtube#channel"
        and channel["id"].startswith("UC")
        and len(channel["id"]) == 24
    )
    assert channel["snippet"]["customUrl"] == "@sandbox.channel"
    assert channel["contentDetails"]["relatedPlaylists"]["uploads"] == "UU" + channel["id"][2:]


def test_insert_without_the_upload_path_has_no_media(yt: YouTubeSandbox) -> None:
    response = yt.client.post(
        "/youtube/v3/videos", params={"part": "snippet"}, json=resource(), headers=yt.bearer()
    )
    assert response.status_code == 400 and reason_of(response) == "mediaBodyRequired"


def test_media_only_uploads_are_not_emulated(yt: YouTubeSandbox) -> None:
    response = yt.client.post(
        INSERT, params={"part": "snippet", "uploadType": "media"}, headers=yt.bearer()
    )
    assert response.status_code == 400


def test_a_google_account_without_a_channel(yt: YouTubeSandbox) -> None:
    yt.client.post(
        "/_sandbox/youtube/channels", json={"handle": "@nochannel", "has_channel": False}
    )
    headers = yt.bearer(sandbox_channel="@nochannel")
    mine = yt.client.get(
        "/youtube/v3/channels", params={"part": "id", "mine": "true"}, headers=headers
    )
    assert mine.status_code == 200 and mine.json()["items"] == []
    refused = yt.init(headers, 100)
    assert refused.status_code == 401 and reason_of(refused) == "youtubeSignupRequired"
