"""The resumable upload protocol exactly as the reference states it (§2), over real HTTP."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .conftest import (
    INSERT,
    KIB256,
    MakeYouTube,
    YouTubeSandbox,
    resource,
    sha256,
    video_bytes,
)

DAY = 86_400


def test_init_answers_200_location_and_an_empty_body(yt: YouTubeSandbox) -> None:
    response = yt.init(yt.bearer(), 1000)
    assert response.status_code == 200 and response.content == b""
    location = response.headers["location"]
    parts = urlsplit(location)
    assert location.startswith(yt.base_url + INSERT + "?")
    query = parse_qs(parts.query)
    assert query["uploadType"] == ["resumable"]
    assert query["upload_id"] == [response.headers["x-guploader-uploadid"]]


def test_part_may_be_repeated_and_system_parameters_are_ignored(yt: YouTubeSandbox) -> None:
    response = yt.client.post(
        INSERT + "?uploadType=resumable&part=snippet&part=status&prettyPrint=false&fields=id",
        json=resource(),
        headers={
            **yt.bearer(),
            "X-Upload-Content-Length": "10",
            "X-Upload-Content-Type": "video/*",
        },
    )
    assert response.status_code == 200


def test_chunks_get_308_with_range_then_201_with_the_video(yt: YouTubeSandbox) -> None:
    data = video_bytes(2 * KIB256 + 1000)
    uri = yt.session(yt.bearer(), len(data))
    nothing = yt.status(uri, len(data))
    assert nothing.status_code == 308 and "range" not in nothing.headers  # nothing received
    first, second, last = yt.upload(uri, data)
    assert first.status_code == 308 and first.headers["range"] == f"bytes=0-{KIB256 - 1}"
    assert second.status_code == 308 and second.headers["range"] == f"bytes=0-{2 * KIB256 - 1}"
    assert last.status_code == 201
    video = last.json()
    assert video["kind"] == "youtube#video" and len(video["id"]) == 11
    assert video["snippet"]["title"] == "Launch #shorts"
    assert video["status"]["uploadStatus"] == "uploaded"
    assert video["status"]["privacyStatus"] == "public"
    [listed] = yt.videos()
    assert listed["sha256"] == sha256(data) and listed["video_id"] == video["id"]


def test_a_completed_session_replays_its_final_answer(yt: YouTubeSandbox) -> None:
    data = video_bytes(KIB256 + 5)
    uri = yt.session(yt.bearer(), len(data))
    final = yt.upload(uri, data)[-1]
    yt.clock.advance(3 * DAY)  # processing moved on; the replay is still the original answer
    replay = yt.status(uri, len(data))
    assert (replay.status_code, replay.content) == (final.status_code, final.content)
    again = yt.put(uri, data, KIB256, len(data) - 1, len(data))  # a re-sent last chunk
    assert (again.status_code, again.content) == (final.status_code, final.content)
    assert len(yt.videos()) == 1


def test_the_whole_file_in_one_put_without_content_range(yt: YouTubeSandbox) -> None:
    data = video_bytes(3000)
    uri = yt.session(yt.bearer(), len(data))
    response = yt.client.put(uri, content=data, headers={"Content-Type": "video/mp4"})
    assert response.status_code == 201
    assert yt.videos()[0]["sha256"] == sha256(data)


def test_status_query_reports_progress_between_chunks(yt: YouTubeSandbox) -> None:
    data = video_bytes(3 * KIB256)
    uri = yt.session(yt.bearer(), len(data))
    yt.put(uri, data, 0, KIB256 - 1, len(data))
    status = yt.status(uri, len(data))
    assert status.status_code == 308 and status.headers["range"] == f"bytes=0-{KIB256 - 1}"
    assert status.headers["content-length"] == "0"


def test_non_final_chunks_must_be_multiples_of_256_kib(yt: YouTubeSandbox) -> None:
    data = video_bytes(3 * KIB256)
    uri = yt.session(yt.bearer(), len(data))
    refused = yt.put(uri, data, 0, 100_000 - 1, len(data))
    assert refused.status_code == 400
    assert "range" not in yt.status(uri, len(data)).headers
    assert yt.put(uri, data, 0, 2 * KIB256 - 1, len(data)).status_code == 308
    assert yt.put(uri, data, 2 * KIB256, len(data) - 1, len(data)).status_code == 201


def test_persist_aligned_keeps_the_aligned_prefix(yt: YouTubeSandbox) -> None:
    yt.set_options(chunk_rule="persist_aligned")
    data = video_bytes(3 * KIB256)
    uri = yt.session(yt.bearer(), len(data))
    response = yt.put(uri, data, 0, KIB256 + 999, len(data))
    assert response.status_code == 308 and response.headers["range"] == f"bytes=0-{KIB256 - 1}"


def test_gaps_and_overlaps_store_nothing(yt: YouTubeSandbox) -> None:
    data = video_bytes(4 * KIB256)
    uri = yt.session(yt.bearer(), len(data))
    yt.put(uri, data, 0, KIB256 - 1, len(data))
    gap = yt.put(uri, data, 2 * KIB256, 3 * KIB256 - 1, len(data))
    assert gap.status_code == 308 and gap.headers["range"] == f"bytes=0-{KIB256 - 1}"
    overlap = yt.put(uri, data, 0, 2 * KIB256 - 1, len(data))
    assert overlap.status_code == 308 and overlap.headers["range"] == f"bytes=0-{KIB256 - 1}"
    for first in range(KIB256, len(data), KIB256):
        last_answer = yt.put(uri, data, first, first + KIB256 - 1, len(data))
    assert last_answer.status_code == 201
    assert yt.videos()[0]["sha256"] == sha256(data)


def test_unknown_total_then_the_final_chunk_names_it(yt: YouTubeSandbox) -> None:
    data = video_bytes(KIB256 + 77)
    uri = yt.session(yt.bearer(), None)  # no X-Upload-Content-Length
    first = yt.put(uri, data, 0, KIB256 - 1, "*")
    assert first.status_code == 308
    assert yt.status(uri, "*").headers["range"] == f"bytes=0-{KIB256 - 1}"
    assert yt.put(uri, data, KIB256, len(data) - 1, len(data)).status_code == 201


def test_an_unknown_total_in_a_chunk_means_the_size_declared_before(yt: YouTubeSandbox) -> None:
    # X-Upload-Content-Length said 1000: a "/*" chunk cannot store bytes past it (the session
    # was left holding 262,144 bytes of a 1,000-byte upload, never to complete).
    data = video_bytes(KIB256)
    uri = yt.session(yt.bearer(), 1000)
    beyond = yt.put(uri, data, 0, KIB256 - 1, "*")
    assert beyond.status_code == 400
    assert "range" not in yt.status(uri, 1000).headers  # nothing stored
    # ... and a "/*" chunk that reaches the declared size completes the upload.
    small = video_bytes(1000)
    assert yt.put(uri, small, 0, 999, "*").status_code == 201
    assert yt.videos()[0]["sha256"] == sha256(small)


def test_malformed_or_inconsistent_ranges_are_400(yt: YouTubeSandbox) -> None:
    data = video_bytes(KIB256 * 2)
    uri = yt.session(yt.bearer(), len(data))
    bad = yt.client.put(uri, content=b"x", headers={"Content-Range": "bytes 0--1/0"})
    assert bad.status_code == 400 and bad.text == "Failed to parse Content-Range header."
    other_total = yt.put(uri, data, 0, KIB256 - 1, len(data) + 1)
    assert other_total.status_code == 400


def test_unknown_and_expired_sessions_are_404(yt: YouTubeSandbox) -> None:
    data = video_bytes(KIB256 * 2)
    uri = yt.session(yt.bearer(), len(data))
    yt.put(uri, data, 0, KIB256 - 1, len(data))
    unknown = yt.status(uri.replace("upload_id=", "upload_id=x"), len(data))
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == 404
    yt.clock.advance(7 * DAY + 1)
    expired = yt.status(uri, len(data))
    assert expired.status_code == 404


def test_completed_sessions_may_expire_when_asked(yt: YouTubeSandbox) -> None:
    yt.set_options(completed_sessions_expire=True)
    data = video_bytes(1000)
    uri = yt.session(yt.bearer(), len(data))
    assert yt.upload(uri, data)[-1].status_code == 201
    yt.clock.advance(7 * DAY + 1)
    assert yt.status(uri, len(data)).status_code == 404


def test_final_status_200_switch(yt: YouTubeSandbox) -> None:
    yt.set_options(final_status=200)
    data = video_bytes(1000)
    uri = yt.session(yt.bearer(), len(data))
    assert yt.upload(uri, data)[-1].status_code == 200


def test_session_puts_need_no_authorization_unless_strict(yt: YouTubeSandbox) -> None:
    data = video_bytes(1000)
    uri = yt.session(yt.bearer(), len(data))
    yt.clock.advance(2 * 3600)  # the access token expired mid-upload: the session goes on
    assert yt.upload(uri, data)[-1].status_code == 201
    yt.set_options(strict_session_auth=True)
    uri = yt.session(yt.bearer(), len(data))
    assert yt.upload(uri, data)[-1].status_code == 401


def test_an_upload_resumes_after_a_server_restart(
    make_youtube: MakeYouTube, tmp_path: Path
) -> None:
    first = make_youtube(directory=tmp_path / "w")
    data = video_bytes(3 * KIB256 + 10)
    uri = first.session(first.bearer(), len(data))
    first.put(uri, data, 0, 2 * KIB256 - 1, len(data))
    second = make_youtube(directory=tmp_path / "w")
    uri = uri.replace(first.base_url, second.base_url)
    status = second.status(uri, len(data))
    assert status.headers["range"] == f"bytes=0-{2 * KIB256 - 1}"
    assert second.put(uri, data, 2 * KIB256, len(data) - 1, len(data)).status_code == 201
    assert second.videos()[0]["sha256"] == sha256(data)


def test_expired_sessions_may_answer_410(yt: YouTubeSandbox) -> None:
    yt.set_options(expired_session_status=410)
    data = video_bytes(KIB256 * 2)
    uri = yt.session(yt.bearer(), len(data))
    yt.clock.advance(7 * DAY + 1)
    assert yt.status(uri, len(data)).status_code == 410
    unknown = yt.status(uri.replace("upload_id=", "upload_id=x"), len(data))
    assert unknown.status_code == 404  # never existed: still 404


def test_a_digest_lost_to_a_crash_is_computed_at_startup(
    make_youtube: MakeYouTube, tmp_path: Path
) -> None:
    import json

    first = make_youtube(directory=tmp_path / "w")
    data = video_bytes(KIB256 + 3)
    uri = first.session(first.bearer(), len(data))
    first.upload(uri, data)
    assert first.videos()[0]["sha256"] == sha256(data)
    # As if the server died after the last byte, before recording the digest: the part file
    # is still there and world.json has no sha256.
    world_file = tmp_path / "w" / "world.json"
    world = json.loads(world_file.read_text())
    [(upload_id, session)] = world["youtube"]["sessions"].items()
    session["sha256"] = None
    world_file.write_text(json.dumps(world))
    (tmp_path / "w" / "uploads" / f"{upload_id}.part").write_bytes(data)
    second = make_youtube(directory=tmp_path / "w")
    # Recorded at startup, before anyone asks (sandbox/digest.py settle_interrupted).
    saved = json.loads(world_file.read_text())["youtube"]["sessions"][upload_id]
    assert saved["sha256"] == sha256(data)
    assert not (tmp_path / "w" / "uploads" / f"{upload_id}.part").exists()
    assert second.videos()[0]["sha256"] == sha256(data)
