"""A channel's uploads: channels.list ``contentDetails`` then playlistItems.list (reference §6).

The check a client makes before it opens a new session for an upload whose old session is
gone: has the old one made a video? So the list is the channel's completed uploads, newest
first, paged, one quota unit a page.
"""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import SCOPE, YouTubeSandbox, resource, video_bytes

ITEMS = "/youtube/v3/playlistItems"


def uploads_playlist(yt: YouTubeSandbox, headers: dict[str, str]) -> str:
    response = yt.client.get(
        "/youtube/v3/channels",
        params={"part": "contentDetails", "mine": "true"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    playlist: str = response.json()["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"]
    return playlist


def upload(yt: YouTubeSandbox, headers: dict[str, str], title: str, **status: Any) -> str:
    body = resource(title, **status)
    body["snippet"]["description"] = f"about {title}"
    data = video_bytes(1000, seed=len(title))
    uri = yt.session(headers, len(data), body=body)
    final = yt.upload(uri, data)[-1]
    assert final.status_code == 201, final.text
    video_id: str = final.json()["id"]
    return video_id


def items(
    yt: YouTubeSandbox, headers: dict[str, str], playlist: str, **params: str
) -> httpx.Response:
    query = {"part": "snippet,contentDetails", "playlistId": playlist, **params}
    return yt.client.get(ITEMS, params=query, headers=headers)


def reason_of(response: httpx.Response) -> str:
    reason: str = response.json()["error"]["errors"][0]["reason"]
    return reason


def test_the_uploads_playlist_lists_completed_uploads_newest_first(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    first = upload(yt, headers, "First")
    yt.clock.advance(60)
    second = upload(yt, headers, "Second", privacyStatus="private")
    yt.session(headers, 500)  # a session that never completed made no video
    playlist = uploads_playlist(yt, headers)
    channel_id = "UC" + playlist[2:]
    response = items(yt, headers, playlist)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "youtube#playlistItemListResponse"
    assert body["pageInfo"] == {"totalResults": 2, "resultsPerPage": 5}
    assert "nextPageToken" not in body and "prevPageToken" not in body
    newest, oldest = body["items"]
    assert newest["kind"] == "youtube#playlistItem" and newest["id"] and newest["etag"]
    snippet = newest["snippet"]
    assert (snippet["title"], snippet["description"]) == ("Second", "about Second")
    assert snippet["resourceId"] == {"kind": "youtube#video", "videoId": second}
    assert (snippet["playlistId"], snippet["position"], snippet["channelId"]) == (
        playlist,
        0,
        channel_id,
    )
    assert newest["contentDetails"]["videoId"] == second
    assert oldest["snippet"]["resourceId"]["videoId"] == first
    assert oldest["snippet"]["position"] == 1
    # publishedAt: when the upload completed (the item was added); the video's own time too.
    video = yt.list_video(headers, first, part="snippet")["items"][0]
    assert oldest["snippet"]["publishedAt"] == video["snippet"]["publishedAt"]
    assert oldest["contentDetails"]["videoPublishedAt"] == video["snippet"]["publishedAt"]
    assert oldest["snippet"]["publishedAt"] < newest["snippet"]["publishedAt"]


def test_parts_are_what_was_asked(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    video_id = upload(yt, headers, "Only")
    playlist = uploads_playlist(yt, headers)
    [item] = items(yt, headers, playlist, part="contentDetails").json()["items"]
    assert "snippet" not in item and item["contentDetails"]["videoId"] == video_id
    [item] = items(yt, headers, playlist, part="snippet").json()["items"]
    assert "contentDetails" not in item and item["snippet"]["resourceId"]["videoId"] == video_id
    [item] = items(yt, headers, playlist, part="status").json()["items"]
    assert item["status"] == {"privacyStatus": "public"}
    assert reason_of(items(yt, headers, playlist, part="")) == "required"
    assert reason_of(items(yt, headers, playlist, part="snippet,player")) == "unknownPart"


def test_pages_of_max_results_follow_the_tokens(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    uploaded = []
    for number in range(7):
        uploaded.append(upload(yt, headers, f"Video {number}"))
        yt.clock.advance(1)
    playlist = uploads_playlist(yt, headers)
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        params = {"maxResults": "3", **({"pageToken": token} if token else {})}
        body = items(yt, headers, playlist, **params).json()
        pages += 1
        assert body["pageInfo"] == {"totalResults": 7, "resultsPerPage": 3}
        assert ("prevPageToken" in body) == (pages > 1)
        seen += [item["contentDetails"]["videoId"] for item in body["items"]]
        token = body.get("nextPageToken", "")
        if not token:
            break
    assert pages == 3 and seen == uploaded[::-1]
    default = items(yt, headers, playlist).json()
    assert len(default["items"]) == 5 and default["nextPageToken"]


def test_max_results_and_page_token_are_checked(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    upload(yt, headers, "One")
    playlist = uploads_playlist(yt, headers)
    assert len(items(yt, headers, playlist, maxResults="50").json()["items"]) == 1
    assert items(yt, headers, playlist, maxResults="0").json()["items"] == []
    for bad in ("51", "-1", "many"):
        response = items(yt, headers, playlist, maxResults=bad)
        assert response.status_code == 400 and reason_of(response) == "invalidParameter"
    response = items(yt, headers, playlist, pageToken="not-a-token")
    assert response.status_code == 400 and reason_of(response) == "invalidPageToken"


def test_unknown_playlist_is_404_playlist_not_found(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    response = items(yt, headers, "UU" + "x" * 22)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["errors"][0]["reason"] == "playlistNotFound"
    assert error["errors"][0]["domain"] == "youtube.playlistItem"
    missing = yt.client.get(ITEMS, params={"part": "snippet"}, headers=headers)
    assert missing.status_code == 400 and reason_of(missing) == "missingRequiredParameter"


def test_credentials_scope_and_quota(yt: YouTubeSandbox) -> None:
    headers = yt.bearer()
    playlist = uploads_playlist(yt, headers)
    before = yt.client.get("/_sandbox/youtube/quota").json()["units"]
    assert items(yt, headers, playlist).status_code == 200
    assert yt.client.get("/_sandbox/youtube/quota").json()["units"] == before + 1
    missing = items(yt, {}, playlist)
    assert missing.status_code == 401 and reason_of(missing) == "required"
    bad = items(yt, {"Authorization": "Bearer ya29.nope"}, playlist)
    assert bad.status_code == 401 and reason_of(bad) == "authError"
    upload_only = yt.bearer(scope=f"{SCOPE}youtube.upload")
    refused = items(yt, upload_only, playlist)
    assert refused.status_code == 403 and reason_of(refused) == "insufficientPermissions"
    yt.set_options(daily_units=before + 1)
    over = items(yt, headers, playlist)
    assert over.status_code == 403 and reason_of(over) == "quotaExceeded"


def test_another_channel_sees_only_public_processed_uploads(yt: YouTubeSandbox) -> None:
    owner = yt.bearer()
    upload(yt, owner, "Private", privacyStatus="private")
    public = upload(yt, owner, "Public")
    playlist = uploads_playlist(yt, owner)
    yt.client.post("/_sandbox/youtube/channels", json={"handle": "@other"})
    other = yt.bearer(sandbox_channel="@other")
    assert items(yt, other, playlist).json()["items"] == []  # still processing
    yt.clock.advance(60)
    listed = [i["contentDetails"]["videoId"] for i in items(yt, other, playlist).json()["items"]]
    assert listed == [public]
    assert len(items(yt, owner, playlist).json()["items"]) == 2


def test_videos_delete_takes_a_video_off_the_lists(yt: YouTubeSandbox) -> None:
    """videos.delete (reference §1.5: not with `youtube.upload` nor `youtube.readonly`; 50
    units): the owner's video is then in no list, and deleting it again is 404."""
    owner = yt.bearer(scope=f"{SCOPE}youtube")
    kept = upload(yt, owner, "Kept")
    gone = upload(yt, owner, "Gone")
    playlist = uploads_playlist(yt, owner)
    read_only = yt.bearer()  # youtube.upload + youtube.readonly
    refused = yt.client.delete("/youtube/v3/videos", params={"id": gone}, headers=read_only)
    assert refused.status_code == 403 and reason_of(refused) == "insufficientPermissions"
    yt.client.post("/_sandbox/youtube/channels", json={"handle": "@other"})
    other = yt.bearer(scope=f"{SCOPE}youtube", sandbox_channel="@other")
    foreign = yt.client.delete("/youtube/v3/videos", params={"id": gone}, headers=other)
    assert foreign.status_code == 403 and reason_of(foreign) == "forbidden"
    units = yt.client.get("/_sandbox/youtube/quota").json()["units"]
    deleted = yt.client.delete("/youtube/v3/videos", params={"id": gone}, headers=owner)
    assert deleted.status_code == 204 and deleted.content == b""
    assert yt.client.get("/_sandbox/youtube/quota").json()["units"] == units + 50
    listed = [i["contentDetails"]["videoId"] for i in items(yt, owner, playlist).json()["items"]]
    assert listed == [kept]
    assert yt.list_video(owner, gone)["items"] == []
    again = yt.client.delete("/youtube/v3/videos", params={"id": gone}, headers=owner)
    assert again.status_code == 404 and reason_of(again) == "videoNotFound"
    missing = yt.client.delete("/youtube/v3/videos", headers=owner)
    assert missing.status_code == 400 and reason_of(missing) == "required"
    [shown] = [v for v in yt.videos() if v["video_id"] == gone]
    assert shown["deleted_at"] is not None
