"""Posting endpoints (reference §3, §4, §7, §8): envelope, scopes, limits, caps, status."""

from __future__ import annotations

from typing import Any

import pytest

from gitops_publisher.sandbox import SandboxOptions

from .conftest import KB, Sandbox, direct_body, inbox_body, upload_all, video_bytes

pytestmark = pytest.mark.anyio

CREATOR_INFO = "/v2/post/publish/creator_info/query/"
INIT = "/v2/post/publish/video/init/"
INBOX = "/v2/post/publish/inbox/video/init/"
STATUS = "/v2/post/publish/status/fetch/"
CANCEL = "/v2/post/publish/cancel/"


def error_code(response: Any) -> str:
    code: str = response.json()["error"]["code"]
    return code


async def create(sandbox: Sandbox, **account: Any) -> None:
    response = await sandbox.client.post("/_sandbox/accounts", json=account)
    assert response.status_code == 201, response.text


async def publish(
    sandbox: Sandbox,
    headers: dict[str, str],
    path: str = INIT,
    data: bytes | None = None,
    **post_info: Any,
) -> str:
    data = video_bytes(6_000) if data is None else data
    body = (
        direct_body(len(data), len(data), 1, **post_info) if path == INIT else inbox_body(len(data))
    )
    response = await sandbox.client.post(path, json=body, headers=headers)
    assert response.status_code == 200, response.text
    init = response.json()["data"]
    responses = await upload_all(sandbox.client, init["upload_url"], data, len(data), 1)
    assert responses[-1].status_code == 201
    publish_id: str = init["publish_id"]
    return publish_id


async def status(sandbox: Sandbox, headers: dict[str, str], publish_id: str) -> dict[str, Any]:
    response = await sandbox.client.post(STATUS, json={"publish_id": publish_id}, headers=headers)
    assert response.status_code == 200, response.text
    assert error_code(response) == "ok"
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_creator_info_for_public_and_private_accounts(sandbox: Sandbox) -> None:
    public = await sandbox.client.post(
        CREATOR_INFO, headers=await sandbox.bearer("sandbox.creator")
    )
    body = public.json()
    assert body["error"]["code"] == "ok" and body["error"]["message"] == ""
    assert len(body["error"]["log_id"]) == 34
    data = body["data"]
    assert data["creator_username"] == "sandbox.creator"
    assert data["creator_nickname"] == "Sandbox Creator"
    assert data["privacy_level_options"] == [
        "PUBLIC_TO_EVERYONE",
        "MUTUAL_FOLLOW_FRIENDS",
        "SELF_ONLY",
    ]
    assert data["duet_disabled"] is False and data["max_video_post_duration_sec"] == 600
    avatar = await sandbox.client.get(data["creator_avatar_url"])
    assert avatar.status_code == 200 and avatar.content.startswith(b"\x89PNG")
    private = await sandbox.client.post(
        CREATOR_INFO, headers=await sandbox.bearer("sandbox.private")
    )
    pdata = private.json()["data"]
    assert pdata["privacy_level_options"] == [
        "FOLLOWER_OF_CREATOR",
        "MUTUAL_FOLLOW_FRIENDS",
        "SELF_ONLY",
    ]
    assert pdata["duet_disabled"] is True and pdata["stitch_disabled"] is True


async def test_missing_unknown_and_malformed_tokens_are_401(sandbox: Sandbox) -> None:
    for headers in ({}, {"Authorization": "Bearer act.nope"}, {"Authorization": "Basic abc"}):
        response = await sandbox.client.post(CREATOR_INFO, headers=headers)
        assert response.status_code == 401
        assert error_code(response) == "access_token_invalid"
        assert response.json()["data"] == {}


async def test_scopes_are_checked(sandbox: Sandbox) -> None:
    publish_only = await sandbox.bearer(scope="user.info.basic,video.publish")
    inbox = await sandbox.client.post(INBOX, json=inbox_body(6_000), headers=publish_only)
    assert inbox.status_code == 401 and error_code(inbox) == "scope_not_authorized"
    upload_only = await sandbox.bearer(scope="user.info.basic,video.upload")
    for path, body in ((INIT, direct_body(6_000)), (CREATOR_INFO, {})):
        response = await sandbox.client.post(path, json=body, headers=upload_only)
        assert response.status_code == 401 and error_code(response) == "scope_not_authorized"
    assert (
        await sandbox.client.post(INBOX, json=inbox_body(6_000), headers=upload_only)
    ).status_code == 200


async def test_init_rate_limit_is_a_one_minute_sliding_window(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    codes = []
    for _ in range(7):
        response = await sandbox.client.post(INIT, json=direct_body(6_000), headers=headers)
        codes.append(response.status_code)
        sandbox.clock.advance(5)
    assert codes == [200] * 6 + [429]
    assert "retry-after" not in response.headers
    assert error_code(response) == "rate_limit_exceeded"
    sandbox.clock.advance(26)  # the first request is now 61 s old: one slot frees
    assert (
        await sandbox.client.post(INIT, json=direct_body(6_000), headers=headers)
    ).status_code == 200
    assert (
        await sandbox.client.post(INIT, json=direct_body(6_000), headers=headers)
    ).status_code == 429


async def test_windows_are_per_token_and_per_endpoint(make_sandbox: Any) -> None:
    sandbox = await make_sandbox(
        SandboxOptions(mb_bytes=KB, daily_post_cap=100, retry_after_header=True)
    )
    first, second = await sandbox.bearer(), await sandbox.bearer()
    for _ in range(20):
        assert (await sandbox.client.post(CREATOR_INFO, headers=first)).status_code == 200
    limited = await sandbox.client.post(CREATOR_INFO, headers=first)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "60"
    assert (await sandbox.client.post(CREATOR_INFO, headers=second)).status_code == 200
    assert (
        await sandbox.client.post(INIT, json=direct_body(6_000), headers=first)
    ).status_code == 200


async def test_status_limit_is_30_per_minute(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    publish_id = await publish(sandbox, headers)
    for _ in range(30):
        await status(sandbox, headers, publish_id)
    response = await sandbox.client.post(STATUS, json={"publish_id": publish_id}, headers=headers)
    assert response.status_code == 429


async def test_privacy_level_must_be_one_of_the_options(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer("sandbox.private")
    for privacy in ("PUBLIC_TO_EVERYONE", None, "EVERYONE"):
        response = await sandbox.client.post(
            INIT, json=direct_body(6_000, privacy=privacy), headers=headers
        )
        assert (
            response.status_code == 403 and error_code(response) == "privacy_level_option_mismatch"
        )


async def test_bad_fields_get_invalid_params_with_a_switch_for_the_doc_spelling(
    sandbox: Sandbox,
) -> None:
    headers = await sandbox.bearer()
    too_long = "😀" * 1101  # 2,202 UTF-16 code units although only 1,101 code points
    cases = [
        direct_body(6_000, title=too_long),
        direct_body(6_000, disable_comment="yes"),
        {"source_info": direct_body(6_000)["source_info"]},
        {"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": {"source": "FTP"}},
    ]
    for body in cases:
        response = await sandbox.client.post(INIT, json=body, headers=headers)
        assert response.status_code == 400 and error_code(response) == "invalid_params"
    bad_json = await sandbox.client.post(
        INIT, content=b"{", headers={**headers, "Content-Type": "application/json"}
    )
    assert error_code(bad_json) == "invalid_params"
    form = await sandbox.client.post(INIT, data={"post_info": "x"}, headers=headers)
    assert error_code(form) == "invalid_params"
    sandbox.clock.advance(60)  # the requests above filled the init window
    await sandbox.set_options(invalid_param_code="invalid_param")
    response = await sandbox.client.post(INIT, json=cases[0], headers=headers)
    assert error_code(response) == "invalid_param"
    sandbox.clock.advance(60)  # the six requests above filled the init window
    ok = await sandbox.client.post(
        INIT, json=direct_body(6_000, title="😀" * 1100), headers=headers
    )
    assert ok.status_code == 200


async def test_server_forces_disabled_interactions_off(sandbox: Sandbox) -> None:
    await create(sandbox, username="quiet", comment_disabled=True)
    headers = await sandbox.bearer("quiet")
    await publish(sandbox, headers, disable_comment=False, disable_duet=False, disable_stitch=True)
    [post] = await sandbox.posts()
    assert (post["disable_comment"], post["disable_duet"], post["disable_stitch"]) == (
        True,
        False,
        True,
    )


async def test_direct_post_progression_and_post_id_after_moderation(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    body = direct_body(12_345, 5_000, 2)
    init = (await sandbox.client.post(INIT, json=body, headers=headers)).json()["data"]
    assert init["publish_id"].startswith("v_pub_file~v2-1.")
    assert init["upload_url"].startswith("http://sandbox.test/upload/video/?upload_id=")
    publish_id = init["publish_id"]
    first = await status(sandbox, headers, publish_id)
    assert first == {
        "status": "PROCESSING_UPLOAD",
        "publicaly_available_post_id": [],
        "uploaded_bytes": 0,
    }
    await upload_all(sandbox.client, init["upload_url"], video_bytes(12_345), 5_000, 2)
    assert (await status(sandbox, headers, publish_id))["status"] == "PROCESSING_UPLOAD"
    sandbox.clock.advance(3)  # processing: 2 s + 30 s per GiB
    done = await status(sandbox, headers, publish_id)
    assert done["status"] == "PUBLISH_COMPLETE" and done["publicaly_available_post_id"] == []
    assert done["uploaded_bytes"] == 12_345
    sandbox.clock.advance(10)
    moderated = await status(sandbox, headers, publish_id)
    [post_id] = moderated["publicaly_available_post_id"]
    assert isinstance(post_id, int) and len(str(post_id)) == 19


async def test_self_only_posts_never_get_a_public_id(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    publish_id = await publish(sandbox, headers, privacy="SELF_ONLY")
    sandbox.clock.advance(3_600)
    data = await status(sandbox, headers, publish_id)
    assert data["status"] == "PUBLISH_COMPLETE" and data["publicaly_available_post_id"] == []


async def test_bytes_that_are_not_a_video_fail_the_format_check(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    publish_id = await publish(sandbox, headers, data=b"not a video at all" * 400)
    sandbox.clock.advance(5)
    data = await status(sandbox, headers, publish_id)
    assert data["status"] == "FAILED" and data["fail_reason"] == "file_format_check_failed"


async def test_webm_is_recognised(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    webm = b"\x1a\x45\xdf\xa3" + bytes(6_000)
    publish_id = await publish(sandbox, headers, data=webm)
    sandbox.clock.advance(5)
    assert (await status(sandbox, headers, publish_id))["status"] == "PUBLISH_COMPLETE"


async def test_inbox_flow_sends_to_user_inbox_then_user_posts(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    publish_id = await publish(sandbox, headers, path=INBOX)
    assert publish_id.startswith("v_inbox_file~v2.")
    sandbox.clock.advance(5)
    assert (await status(sandbox, headers, publish_id))["status"] == "SEND_TO_USER_INBOX"
    posted = await sandbox.client.post(
        f"/_sandbox/posts/{publish_id}/post-draft", json={"privacy_level": "PUBLIC_TO_EVERYONE"}
    )
    assert posted.status_code == 200
    sandbox.clock.advance(10)
    data = await status(sandbox, headers, publish_id)
    assert data["status"] == "PUBLISH_COMPLETE" and len(data["publicaly_available_post_id"]) == 1


async def test_a_draft_is_posted_only_with_one_of_the_creators_privacy_options(
    sandbox: Sandbox,
) -> None:
    # The user picks among the privacy options the app offers them (a public account has no
    # FOLLOWER_OF_CREATOR); anything else was stored as the post's privacy as sent.
    headers = await sandbox.bearer()
    publish_id = await publish(sandbox, headers, path=INBOX)
    sandbox.clock.advance(5)
    url = f"/_sandbox/posts/{publish_id}/post-draft"
    for wrong in ("NOPE", "FOLLOWER_OF_CREATOR", 5, ["SELF_ONLY"]):
        refused = await sandbox.client.post(url, json={"privacy_level": wrong})
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["code"] == "invalid_field"
        assert "privacy_level" in refused.json()["error"]["message"]
    [draft] = await sandbox.posts()
    assert draft["status"] == "SEND_TO_USER_INBOX" and draft["privacy"] is None
    posted = await sandbox.client.post(url, json={"privacy_level": "MUTUAL_FOLLOW_FRIENDS"})
    assert posted.status_code == 200 and posted.json()["privacy"] == "MUTUAL_FOLLOW_FRIENDS"


async def test_inbox_ignores_post_info(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    body = {**inbox_body(6_000), "post_info": {"title": "x", "is_aigc": True}}
    assert (await sandbox.client.post(INBOX, json=body, headers=headers)).status_code == 200


async def test_five_pending_drafts_per_24_hours(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    for _ in range(5):
        assert (
            await sandbox.client.post(INBOX, json=inbox_body(6_000), headers=headers)
        ).status_code == 200
        sandbox.clock.advance(11)
    sixth = await sandbox.client.post(INBOX, json=inbox_body(6_000), headers=headers)
    assert sixth.status_code == 403 and error_code(sixth) == "spam_risk_too_many_pending_share"
    sandbox.clock.advance(86_400)
    headers = await sandbox.bearer()  # the access token lived 2 h
    assert (
        await sandbox.client.post(INBOX, json=inbox_body(6_000), headers=headers)
    ).status_code == 200


async def test_daily_post_cap_is_403_at_init_and_200_at_creator_info(make_sandbox: Any) -> None:
    sandbox = await make_sandbox(SandboxOptions(mb_bytes=KB, daily_post_cap=2))
    headers = await sandbox.bearer()
    for _ in range(2):
        assert (
            await sandbox.client.post(INIT, json=direct_body(6_000), headers=headers)
        ).status_code == 200
    third = await sandbox.client.post(INIT, json=direct_body(6_000), headers=headers)
    assert third.status_code == 403 and error_code(third) == "spam_risk_too_many_posts"
    info = await sandbox.client.post(CREATOR_INFO, headers=headers)
    assert info.status_code == 200 and error_code(info) == "spam_risk_too_many_posts"


async def test_banned_user(sandbox: Sandbox) -> None:
    await create(sandbox, username="banned", banned=True)
    headers = await sandbox.bearer("banned")
    info = await sandbox.client.post(CREATOR_INFO, headers=headers)
    assert info.status_code == 200 and error_code(info) == "spam_risk_user_banned_from_posting"
    init = await sandbox.client.post(INIT, json=direct_body(6_000), headers=headers)
    assert init.status_code == 403 and error_code(init) == "spam_risk_user_banned_from_posting"


async def test_unaudited_client_posts_only_to_private_accounts_as_self_only(
    make_sandbox: Any,
) -> None:
    sandbox = await make_sandbox(
        SandboxOptions(mb_bytes=KB, unaudited_client=True, unaudited_user_cap=1)
    )
    public = await sandbox.client.post(
        INIT,
        json=direct_body(6_000, privacy="SELF_ONLY"),
        headers=await sandbox.bearer("sandbox.creator"),
    )
    assert public.status_code == 403
    assert error_code(public) == "unaudited_client_can_only_post_to_private_accounts"
    private_headers = await sandbox.bearer("sandbox.private")
    await publish(sandbox, private_headers, privacy="FOLLOWER_OF_CREATOR")
    [post] = await sandbox.posts()
    assert post["effective_privacy"] == "SELF_ONLY"
    await create(sandbox, username="second", is_private=True)
    second = await sandbox.client.post(
        INIT, json=direct_body(6_000, privacy="SELF_ONLY"), headers=await sandbox.bearer("second")
    )
    assert second.status_code == 403 and error_code(second) == "reached_active_user_cap"


async def test_status_of_unknown_or_foreign_publish_id(sandbox: Sandbox) -> None:
    owner = await sandbox.bearer("sandbox.creator")
    publish_id = await publish(sandbox, owner)
    other = await sandbox.bearer("sandbox.private")
    foreign = await sandbox.client.post(STATUS, json={"publish_id": publish_id}, headers=other)
    assert foreign.status_code == 400
    assert error_code(foreign) == "token_not_authorized_for_specified_publish_id"
    unknown = await sandbox.client.post(
        STATUS, json={"publish_id": "v_pub_file~v2-1.1"}, headers=owner
    )
    assert unknown.status_code == 400 and error_code(unknown) == "invalid_publish_id"


async def test_cancel_an_unfinished_upload_but_not_a_processed_post(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    init = (
        await sandbox.client.post(INIT, json=direct_body(12_345, 5_000, 2), headers=headers)
    ).json()["data"]
    cancelled = await sandbox.client.post(
        CANCEL, json={"publish_id": init["publish_id"]}, headers=headers
    )
    assert cancelled.status_code == 200 and "data" not in cancelled.json()
    assert error_code(cancelled) == "ok"
    data = await status(sandbox, headers, init["publish_id"])
    assert data["status"] == "FAILED" and data["fail_reason"] == "publish_cancelled"
    late_put = await upload_all(sandbox.client, init["upload_url"], video_bytes(12_345), 5_000, 2)
    assert late_put[0].status_code == 404
    done = await publish(sandbox, headers)
    refused = await sandbox.client.post(CANCEL, json={"publish_id": done}, headers=headers)
    assert refused.status_code == 400 and error_code(refused) == "publish_not_cancellable"


async def test_pull_from_url_needs_a_verified_url(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    body = {
        "post_info": {"privacy_level": "SELF_ONLY"},
        "source_info": {"source": "PULL_FROM_URL", "video_url": "https://cdn.example.com/a.mp4"},
    }
    response = await sandbox.client.post(INIT, json=body, headers=headers)
    assert response.status_code == 403 and error_code(response) == "url_ownership_unverified"


async def test_unfinished_upload_fails_after_the_url_expires(sandbox: Sandbox) -> None:
    headers = await sandbox.bearer()
    init = (await sandbox.client.post(INIT, json=direct_body(6_000), headers=headers)).json()[
        "data"
    ]
    sandbox.clock.advance(3_600)
    assert (await status(sandbox, headers, init["publish_id"]))["status"] == "FAILED"


def mp4_with_duration(seconds: int, size: int = 6_000) -> bytes:
    """ftyp + moov/mvhd (version 0, timescale 1000) + padding: enough for the checks."""
    import struct

    ftyp = struct.pack(">I4s4sI4s", 20, b"ftyp", b"isom", 512, b"isom")
    mvhd_body = struct.pack(">B3xIIII", 0, 0, 0, 1000, seconds * 1000) + bytes(80)
    mvhd = struct.pack(">I4s", 8 + len(mvhd_body), b"mvhd") + mvhd_body
    moov = struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd
    head = ftyp + moov
    return head + bytes(size - len(head))


async def test_videos_longer_than_the_creators_maximum_fail_the_duration_check(
    sandbox: Sandbox,
) -> None:
    await create(sandbox, username="short", max_video_post_duration_sec=180)
    headers = await sandbox.bearer("short")
    too_long = await publish(sandbox, headers, data=mp4_with_duration(181))
    fits = await publish(sandbox, headers, data=mp4_with_duration(180))
    sandbox.clock.advance(5)
    failed = await status(sandbox, headers, too_long)
    assert failed["status"] == "FAILED" and failed["fail_reason"] == "duration_check_failed"
    assert (await status(sandbox, headers, fits))["status"] == "PUBLISH_COMPLETE"


async def test_a_real_mp4_file_is_published(sandbox: Sandbox) -> None:
    from pathlib import Path

    real = (Path(__file__).parents[1] / "data" / "media" / "short_2s.mp4").read_bytes()
    headers = await sandbox.bearer()
    publish_id = await publish(sandbox, headers, data=real)
    sandbox.clock.advance(5)
    assert (await status(sandbox, headers, publish_id))["status"] == "PUBLISH_COMPLETE"
