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

import pytest

from gitops_publisher.apply.events import Outcome
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core.state import Record

from .harness import (
    PostSpec,
    apply_channels,
    assert_youtube_exactly_once,
    committed_project,
    pending_changes,
    read_state,
    youtube_sessions,
)

HOUR = 3_600.0
DAY = 24 * HOUR
VIDEO = "media/tutorial-part1.mp4"
# Sessions (completed ones too) live a day; a video takes half a day to process.
SLOW = {"completed_sessions_expire": True, "session_ttl_sec": DAY, "processing_base_sec": DAY / 2}


class Killed(BaseException):
    """SIGKILL: nothing after this line of the run happens (no state write either)."""


def test_a_run_killed_while_youtube_processes_is_settled_by_its_video_id_after_expiry(
    tmp_path: Path, emulator
) -> None:
    root = committed_project(
        tmp_path / "repo", [], [PostSpec("s", ["studio"], video=VIDEO)], youtube=["studio"]
    )
    with emulator(youtube=SLOW) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        mp = pytest.MonkeyPatch()
        put = StateBox.put

        async def dying_put(self: StateBox, record: Record, *, wait: bool = True) -> None:
            await put(self, record, wait=wait if record.status != "processing" else True)
            if record.status == "processing":
                raise Killed  # once ``processing`` is durable: YouTube is processing

        mp.setattr(StateBox, "put", dying_put)
        try:
            with pytest.raises(Killed):
                apply_channels(root, em, token)
        finally:
            mp.undo()
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
