"""The video id YouTube answers is recorded with ``processing``: no lookup once the session expired.

Over real HTTP against the emulator. YouTube answers the upload's last chunk with the video it
created. A run killed while YouTube processed that video left the record ``processing`` with
only its session; once the session had expired (completed ones do, after about a week) the next
run had to look for the video among the channel's uploads (channels.list, playlistItems.list:
quota, and unclear when two uploads look alike). The id is now written with ``processing``, so
that run asks videos.list about it (1 unit) and records the post, exactly once.
"""

from __future__ import annotations

from pathlib import Path

from gitops_publisher.apply.events import Outcome

from .harness import (
    apply_channels,
    assert_youtube_exactly_once,
    killed_at_first_poll,
    killed_on_processing,
    pending_changes,
    read_state,
    youtube_sessions,
)
from .test_youtube_lookup_window import DAY, SLOW, VIDEO, project


def test_a_run_killed_while_youtube_processes_is_settled_by_its_video_id_after_expiry(
    tmp_path: Path, emulator
) -> None:
    root = project(tmp_path)
    with emulator(youtube=SLOW) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        with killed_on_processing(written=True):  # once durable: YouTube is processing
            apply_channels(root, em, token)
        record = read_state(root).resources["s@studio"]
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        assert record.status == "processing" and record.post_ids == []
        assert record.made_ids == [videos[0]["video_id"]]
        em.clock.jump(2 * DAY)  # processed, and the completed session is gone
        seen = len(em.requests())
        report = apply_channels(root, em, token)
        assert [(r.address, r.outcome) for r in report.results] == [("s@studio", Outcome.PUBLISHED)]
        requests = [r["endpoint"] for r in em.requests()[seen:]]
        assert "youtube_playlist_items_list" not in requests
        assert "youtube_videos_list" in requests
        assert pending_changes(root) == []
        assert apply_channels(root, em, token).results == []  # converged: nothing more
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert len(videos) == 1
    record = read_state(root).resources["s@studio"]
    assert record.post_ids == [videos[0]["video_id"]]
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": VIDEO})


def test_the_video_id_is_durable_before_the_run_goes_on(tmp_path: Path, emulator) -> None:
    """The ``processing`` write that names the video is waited for: a run killed before its
    first poll, with the writes it had not waited for, still leaves the id, so the next run
    after the session expired asks videos.list about it instead of looking among the channel's
    uploads."""
    root = project(tmp_path)
    with emulator(youtube=SLOW) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        with killed_at_first_poll():
            apply_channels(root, em, token)
        record = read_state(root).resources["s@studio"]
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        assert record.status == "processing"
        assert record.made_ids == [videos[0]["video_id"]]
        em.clock.jump(2 * DAY)
        seen = len(em.requests())
        report = apply_channels(root, em, token)
        assert [(r.address, r.outcome) for r in report.results] == [("s@studio", Outcome.PUBLISHED)]
        requests = [r["endpoint"] for r in em.requests()[seen:]]
        assert "youtube_playlist_items_list" not in requests
        assert len(em.get("/_sandbox/youtube/videos")["videos"]) == 1
