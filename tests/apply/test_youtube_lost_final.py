"""An upload whose session expired before the run after: the channel's uploads say what it made.

Over real HTTP against the emulator. YouTube forgets an upload session after about a week,
completed or not, and videos.insert has no idempotency key (reference §6): a run killed
right after YouTube's final answer, before the state said ``processing``, left the record
``uploading``; a rerun after the session expired took its 404 for an upload that never
completed, and the run after uploaded the video again. Now the rerun finds the video among
the channel's uploads (channels.list, then playlistItems.list) and records it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from gitops_publisher.apply.events import Event, Log, Outcome
from gitops_publisher.core.state import Record
from gitops_publisher.sandbox import SANDBOX_GOOGLE_CLIENT_ID, SANDBOX_GOOGLE_CLIENT_SECRET

from .harness import (
    Emulator,
    Killed,
    PostSpec,
    apply_channels,
    assert_youtube_exactly_once,
    committed_project,
    killed_on_processing,
    lose_settled_writes,
    pending_changes,
    read_state,
    sha256_file,
    youtube_sessions,
)

DAY = 86_400.0
VIDEO = "media/tutorial-part1.mp4"
EXPIRING = {"completed_sessions_expire": True, "session_ttl_sec": DAY, "processing_base_sec": 0.0}


def project(tmp_path: Path) -> Path:
    return committed_project(
        tmp_path / "repo", [], [PostSpec("s", ["studio"], video=VIDEO)], youtube=["studio"]
    )


def killed_after_the_final_answer(root: Path, em: Emulator, token: dict[str, str]) -> Record:
    """One run killed right after YouTube's 201, then the session's week passes."""
    with killed_on_processing(written=False):
        apply_channels(root, em, token)
    record = read_state(root).resources["s@studio"]
    assert record.status == "uploading"
    assert [v["video_id"] is not None for v in em.get("/_sandbox/youtube/videos")["videos"]] == [
        True
    ]
    em.clock.jump(2 * DAY)  # the completed session (and its replayed answer) is gone
    return record


def test_a_run_killed_after_youtubes_final_answer_is_not_uploaded_again_after_the_session_expired(
    tmp_path: Path, emulator
) -> None:
    root = project(tmp_path)
    with emulator(youtube=EXPIRING) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        killed_after_the_final_answer(root, em, token)
        units = em.get("/_sandbox/youtube/quota")["units"]
        report = apply_channels(root, em, token)
        assert [(r.address, r.outcome) for r in report.results] == [("s@studio", Outcome.PUBLISHED)]
        assert pending_changes(root) == []
        assert apply_channels(root, em, token).results == []  # converged: nothing more
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
        requests = [r["endpoint"] for r in em.requests()]
        # channels.list for the uploads playlist, one page of playlistItems.list, videos.list
        # (and the pre-flight's channels.list): the quota a resume of an expired session costs.
        assert em.get("/_sandbox/youtube/quota")["units"] - units >= 3
    assert "youtube_playlist_items_list" in requests
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": VIDEO})


def bearer(em: Emulator, refresh_token: str) -> dict[str, str]:
    """The channel's own access, as YouTube Studio or another script would have it."""
    tokens = httpx.post(
        em.base_url + "/token",
        data={
            "client_id": SANDBOX_GOOGLE_CLIENT_ID,
            "client_secret": SANDBOX_GOOGLE_CLIENT_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        },
        timeout=10,
    ).json()
    em.scan.secrets.add(tokens["access_token"])
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def upload_by_hand(em: Emulator, refresh_token: str, resource: dict[str, Any], data: bytes) -> str:
    """An upload made outside the tool (YouTube Studio, another script): its video id."""
    headers = bearer(em, refresh_token)
    with httpx.Client(base_url=em.base_url, timeout=10) as client:
        started = client.post(
            "/upload/youtube/v3/videos",
            params={"uploadType": "resumable", "part": "snippet,status"},
            json=resource,
            headers={**headers, "X-Upload-Content-Length": str(len(data))},
        )
        assert started.status_code == 200, started.text
        done = client.put(started.headers["location"], content=data)
        assert done.status_code == 201, done.text
        video_id: str = done.json()["id"]
        return video_id


def test_two_videos_that_may_be_the_attempts_are_named_and_nothing_is_uploaded(
    tmp_path: Path, emulator
) -> None:
    """Besides the attempt's video, the channel got another with the same title and
    description since the attempt began (uploaded by hand). Which one the expired session
    made is unknown: the run guesses nothing and uploads nothing, names both, and the record
    stays to be resumed once someone decided.
    """
    root = project(tmp_path)
    with emulator(youtube=EXPIRING) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        record = killed_after_the_final_answer(root, em, token)
        assert record.sent is not None and record.sent.youtube is not None
        by_hand = upload_by_hand(
            em, token["studio"], record.sent.youtube["resource"], (root / VIDEO).read_bytes()
        )
        [ours] = [
            v["video_id"]
            for v in em.get("/_sandbox/youtube/videos")["videos"]
            if v["video_id"] != by_hand
        ]
        for _ in range(2):
            report = apply_channels(root, em, token)
            [result] = report.results
            assert (result.address, result.outcome) == ("s@studio", Outcome.FAILED)
            assert ours in result.message and by_hand in result.message
            assert "publisher state rm s@studio" in result.message
            assert read_state(root).resources["s@studio"] == record  # left as it is
            assert pending_changes(root) == ["s@studio:resume"]
        assert len(em.get("/_sandbox/youtube/videos")["videos"]) == 2  # nothing uploaded
        # As the message says: the extra one deleted (videos.delete, as YouTube Studio does),
        # the next run records the one left.
        deleted = httpx.delete(
            em.base_url + "/youtube/v3/videos",
            params={"id": by_hand},
            headers=bearer(em, token["studio"]),
            timeout=10,
        )
        assert deleted.status_code == 204, deleted.text
        report = apply_channels(root, em, token)
        assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
        assert read_state(root).resources["s@studio"].post_ids == [ours]
        assert pending_changes(root) == []
        assert len(em.get("/_sandbox/youtube/videos")["videos"]) == 2  # nothing uploaded


def test_an_expired_session_without_a_video_is_uploaded_anew_once(tmp_path: Path, emulator) -> None:
    """The session expired before its last byte: no upload on the channel matches, so the
    attempt made nothing and a new session uploads the video, once."""
    root = project(tmp_path)
    with emulator(youtube={**EXPIRING, "completed_sessions_expire": False}) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}

        def killed_as_bytes_go(event: Event) -> None:
            if isinstance(event, Log) and "uploading" in event.message:
                raise Killed

        with pytest.raises(Killed):
            apply_channels(root, em, token, on_event=killed_as_bytes_go)
        assert read_state(root).resources["s@studio"].status == "uploading"
        em.clock.jump(2 * DAY)
        first = apply_channels(root, em, token)
        assert [r.outcome for r in first.results] == [Outcome.FAILED]
        assert read_state(root).resources["s@studio"].fail_reason == "upload_expired"
        second = apply_channels(root, em, token)
        assert [r.outcome for r in second.results] == [Outcome.PUBLISHED]
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": VIDEO})


def from_before_sent(root: Path) -> Record:
    """The state's record as a state written before records kept ``sent`` holds it."""
    path = root / ".publisher" / "state.json"
    document = json.loads(path.read_text())
    del document["resources"]["s@studio"]["sent"]
    path.write_text(json.dumps(document, indent=2, sort_keys=True))
    older = read_state(root).resources["s@studio"]
    assert older.sent is None
    return older


def test_a_record_from_before_sent_of_an_unchanged_post_finds_its_video_after_the_session_expired(
    tmp_path: Path, emulator
) -> None:
    """An older record says what its upload sent only by its fingerprint: the post unchanged
    since, what it sends now is what was sent, and the one video with that title and
    description is the session's: recorded, not uploaded again."""
    root = project(tmp_path)
    with emulator(youtube=EXPIRING) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        killed_after_the_final_answer(root, em, token)
        from_before_sent(root)
        report = apply_channels(root, em, token)
        assert [(r.address, r.outcome) for r in report.results] == [("s@studio", Outcome.PUBLISHED)]
        assert pending_changes(root) == []
        assert apply_channels(root, em, token).results == []
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert len(videos) == 1
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": VIDEO})


def test_a_record_from_before_sent_of_a_changed_post_is_left_until_someone_decides(
    tmp_path: Path, emulator
) -> None:
    """The post changed since the attempt began: what was sent is unknown, so the video
    uploaded since cannot be told apart from any other, and uploading again could make a
    second one. Nothing is uploaded; the message says what to check and what to run. Put
    back as it was, the manifest says what was sent, and the video is recorded."""
    root = project(tmp_path)
    manifest = root / "posts" / "s.yaml"
    with emulator(youtube=EXPIRING) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        killed_after_the_final_answer(root, em, token)
        older = from_before_sent(root)
        [video] = [v["video_id"] for v in em.get("/_sandbox/youtube/videos")["videos"]]
        as_sent = manifest.read_text()
        manifest.write_text(as_sent.replace('caption: "s #test"', 'caption: "s, edited #test"'))
        for _ in range(2):
            [result] = apply_channels(root, em, token).results
            assert (result.address, result.outcome) == ("s@studio", Outcome.FAILED)
            assert video in result.message
            assert "written before records kept what an upload sent" in result.message
            assert "put the post's manifest back as it was when this upload began" in (
                result.message
            )
            assert "publisher state rm s@studio" in result.message
            assert read_state(root).resources["s@studio"] == older  # left as it is
            assert pending_changes(root) == ["s@studio:resume"]
        assert len(em.get("/_sandbox/youtube/videos")["videos"]) == 1  # nothing uploaded
        manifest.write_text(as_sent)  # as the message says
        report = apply_channels(root, em, token)
        assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
        assert read_state(root).resources["s@studio"].post_ids == [video]
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": VIDEO})


def test_a_record_whose_sent_lacks_youtubes_fields_finds_its_video_by_the_unchanged_post(
    tmp_path: Path, emulator
) -> None:
    """A YouTube record written before records kept what videos.insert received (``sent``
    without ``youtube``: the first YouTube records, 2026-12-04) has no title to compare, as
    a record without ``sent`` has none: the post unchanged since, what it sends now is what
    was sent, and its one video is recorded. It was answered as a changed post's is: every
    upload since a candidate, and the manifest to put back, which could not help (the next
    run had no title to compare either), so it stayed unclear until `state rm` let the
    next run upload it a second time."""
    root = project(tmp_path)
    with emulator(youtube=EXPIRING) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        killed_after_the_final_answer(root, em, token)
        path = root / ".publisher" / "state.json"
        document = json.loads(path.read_text())
        del document["resources"]["s@studio"]["sent"]["youtube"]
        path.write_text(json.dumps(document, indent=2, sort_keys=True))
        older = read_state(root).resources["s@studio"]
        assert older.sent is not None and older.sent.youtube is None
        report = apply_channels(root, em, token)
        assert [(r.address, r.outcome) for r in report.results] == [("s@studio", Outcome.PUBLISHED)]
        assert pending_changes(root) == []
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert len(videos) == 1
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": VIDEO})


def test_two_unfinished_uploads_sent_alike_do_not_both_take_the_one_video_found(
    tmp_path: Path, emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two posts of one channel sent with the same title and description (the same caption,
    two videos), both recorded ``uploading`` and their sessions expired since: the channel
    holds one video with that text (b's; a's is gone). Matched on the text alone it was each
    attempt's one match, so a was recorded with b's video (or, after b took it, a run
    published b again beside it) and a's post was never made. Which attempt made it is
    unknown: nothing is recorded or uploaded, and both are named; once the user forgets the
    attempt that made nothing (`publisher state rm a@studio`), the next run records b's and
    publishes a, each once."""
    part1, part2 = "media/tutorial-part1.mp4", "media/tutorial-part2.mp4"
    specs = [PostSpec("a", ["studio"], video=part1), PostSpec("b", ["studio"], video=part2)]
    same = {
        f"posts/{spec.id}.yaml": spec.yaml().replace(f'"{spec.id} #test"', '"Daily clip #test"')
        for spec in specs
    }
    root = committed_project(tmp_path / "repo", [], specs, files=same, youtube=["studio"])
    with emulator(youtube=EXPIRING) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        with monkeypatch.context() as patched:
            lose_settled_writes(patched)
            apply_channels(root, em, token)
        assert {r.status for r in read_state(root).resources.values()} == {"uploading"}
        sha = {v["sha256"]: v["video_id"] for v in em.get("/_sandbox/youtube/videos")["videos"]}
        a_video, b_video = sha[sha256_file(root / part1)], sha[sha256_file(root / part2)]
        deleted = httpx.delete(
            em.base_url + "/youtube/v3/videos",
            params={"id": a_video},
            headers=bearer(em, token["studio"]),
            timeout=10,
        )
        assert deleted.status_code == 204, deleted.text
        em.clock.jump(2 * DAY)  # both completed sessions are gone

        report = apply_channels(root, em, token)
        state = read_state(root)
        assert b_video not in state.resources["a@studio"].post_ids
        for result in report.results:
            assert result.outcome is Outcome.FAILED, (result.address, result.message)
            assert b_video in result.message
        assert sorted(pending_changes(root)) == ["a@studio:resume", "b@studio:resume"]
        assert len(em.get("/_sandbox/youtube/videos")["videos"]) == 2  # nothing uploaded

        # As the message says: the attempt that made nothing forgotten, the next run
        # records the other's video and publishes the forgotten post anew.
        path = root / ".publisher" / "state.json"
        document = json.loads(path.read_text())
        del document["resources"]["a@studio"]
        path.write_text(json.dumps(document, indent=2, sort_keys=True))
        later = apply_channels(root, em, token)
        assert sorted((r.address, r.outcome) for r in later.results) == [
            ("a@studio", Outcome.PUBLISHED),
            ("b@studio", Outcome.PUBLISHED),
        ]
        assert read_state(root).resources["b@studio"].post_ids == [b_video]
        assert apply_channels(root, em, token).results == []
        videos = [
            v for v in em.get("/_sandbox/youtube/videos")["videos"] if v["video_id"] != a_video
        ]
        sessions = youtube_sessions(em.service.world)
    del sessions[next(u for u, v in sessions.items() if v == a_video)]
    assert_youtube_exactly_once(root, videos, sessions, {"a@studio": part1, "b@studio": part2})
