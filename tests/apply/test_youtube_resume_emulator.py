"""A YouTube upload resumed days later, over real HTTP against the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_publisher.apply.events import Event, Log, Outcome

from .harness import (
    PostSpec,
    apply_channels,
    committed_project,
    pending_changes,
    read_state,
    sha256_file,
    upload_id,
)

DAY = 86_400.0


class Interrupted(BaseException):
    """Ctrl-C in the middle of the run."""


def test_a_completed_session_expired_before_the_rerun_is_not_uploaded_again(
    tmp_path: Path, emulator
) -> None:
    """Every byte arrived and the run stopped while YouTube processed the video (Ctrl-C, a
    kill, or polling that ran out of time); the next run comes after the completed session
    expired (YouTube reference §6; ``completed_sessions_expire``: its status query answers
    404). The state says YouTube had every byte: the video exists. Before 2026-12-04 the
    rerun recorded it ``upload_expired`` ("no post was made") and the one after uploaded the
    video again: two videos for one address.
    """
    video = "media/tutorial-part1.mp4"
    root = committed_project(
        tmp_path / "repo", [], [PostSpec("s", ["studio"], video=video)], youtube=["studio"]
    )
    with emulator(youtube={"completed_sessions_expire": True, "session_ttl_sec": DAY}) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}

        def interrupt_once_uploaded(event: Event) -> None:
            if isinstance(event, Log) and event.message.startswith("uploaded; waiting"):
                raise Interrupted

        with pytest.raises(Interrupted):
            apply_channels(root, em, token, on_event=interrupt_once_uploaded)
        record = read_state(root).resources["s@studio"]
        assert record.status == "processing"
        em.clock.jump(2 * DAY)  # the session (and its replayed answer) is gone
        for _ in range(2):
            report = apply_channels(root, em, token)
            assert read_state(root).resources["s@studio"] == record  # left as it is
            assert pending_changes(root) == ["s@studio:resume"]
            assert [(r.address, r.outcome) for r in report.results] == [
                ("s@studio", Outcome.FAILED)
            ]
            assert "not published again" in report.results[0].message
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = em.service.world.data.youtube.sessions
    # One upload ever, and the state holds its session (the one place its video is known).
    assert [(v["channel"], v["sha256"]) for v in videos] == [("@studio", sha256_file(root / video))]
    assert list(sessions) == [upload_id(record.publish_id or "")]
