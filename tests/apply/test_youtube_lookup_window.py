"""An expired session's video is looked for since its attempt began, not since its last write.

Over real HTTP against the emulator. A run killed right after YouTube's final answer leaves
the record ``uploading``; a later run, while the session still answers, finds the video
processing and records ``processing`` at its own time, then ends before the video is
processed (killed, or its polls time out and it reports the post pending). Once the session
has expired, the run after looked for the video among the channel's uploads since that later
write (less 15 minutes): the video, uploaded hours before, was not among them, and the post,
published, ended FAILED ("no longer answers for it", find it by hand). The lookup now starts
when the attempt's session was recorded, which every later write of the record keeps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gitops_publisher.apply.events import Outcome
from gitops_publisher.core.state import Record

from .harness import (
    Emulator,
    PostSpec,
    apply_channels,
    assert_youtube_exactly_once,
    committed_project,
    killed_on_processing,
    pending_changes,
    read_state,
    youtube_sessions,
)

HOUR = 3_600.0
DAY = 24 * HOUR
VIDEO = "media/tutorial-part1.mp4"
# Sessions (completed ones too) live a day; a video takes half a day to process.
SLOW = {"completed_sessions_expire": True, "session_ttl_sec": DAY, "processing_base_sec": DAY / 2}


def project(tmp_path: Path) -> Path:
    return committed_project(
        tmp_path / "repo", [], [PostSpec("s", ["studio"], video=VIDEO)], youtube=["studio"]
    )


def later(seconds: float) -> Callable[[], datetime]:
    """The wall clock of a run that many seconds later (its records' times)."""
    return lambda: datetime.now(UTC) + timedelta(seconds=seconds)


def uploaded_then_lost(root: Path, em: Emulator, token: dict[str, str]) -> Record:
    """A run killed right after YouTube's final answer: the record says ``uploading``."""
    with killed_on_processing(written=False):
        apply_channels(root, em, token)
    record = read_state(root).resources["s@studio"]
    assert record.status == "uploading"
    assert len(em.get("/_sandbox/youtube/videos")["videos"]) == 1
    return record


def resumed_into_processing_and_killed(
    root: Path, em: Emulator, token: dict[str, str], first: Record, *, hours: float
) -> Record:
    """Run 2, ``hours`` later, finds the video processing, records so, and is killed."""
    em.clock.jump(hours * HOUR)  # the session still answers: the video is processing
    with killed_on_processing(written=True):
        apply_channels(root, em, token, now=later(hours * HOUR))
    second = read_state(root).resources["s@studio"]
    assert second.status == "processing"
    assert second.updated_at - first.updated_at > timedelta(hours=hours - 1)  # run 2's time
    return second


def published_once_after_the_session_expired(
    root: Path, em: Emulator, token: dict[str, str], first: Record, *, hours: float
) -> None:
    """The session's day passes: the next run finds the video and records it, once.

    Run 2 recorded the video id its session answered (``made_ids``), which the next run would
    ask about without a lookup (``test_youtube_video_id.py``): it is taken out, as a record
    written before 2026-12-05 lacks it, so that the video is looked for.
    """
    path = root / ".publisher" / "state.json"
    document = json.loads(path.read_text())
    assert document["resources"]["s@studio"].pop("made_ids")
    path.write_text(json.dumps(document, indent=2, sort_keys=True))
    em.clock.jump(2 * DAY)
    seen = len(em.requests())
    report = apply_channels(root, em, token, now=later(hours * HOUR + 2 * DAY))
    assert "youtube_playlist_items_list" in [r["endpoint"] for r in em.requests()[seen:]]
    assert [(r.address, r.outcome, r.message) for r in report.results] == [
        ("s@studio", Outcome.PUBLISHED, "")
    ]
    record = read_state(root).resources["s@studio"]
    assert record.status == "published"
    assert record.began_at == first.began_at  # every write of the attempt kept it (or none)
    assert pending_changes(root) == []
    assert apply_channels(root, em, token).results == []  # converged: nothing more


def test_a_resume_killed_after_recording_processing_still_finds_the_video_later(
    tmp_path: Path, emulator
) -> None:
    """Run 2 (two hours later) writes ``processing`` at its own time and is killed."""
    root = project(tmp_path)
    with emulator(youtube=SLOW) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        first = uploaded_then_lost(root, em, token)
        assert first.began_at is not None and first.began_at == first.updated_at
        second = resumed_into_processing_and_killed(root, em, token, first, hours=2)
        assert second.began_at == first.began_at
        published_once_after_the_session_expired(root, em, token, first, hours=2)
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert len(videos) == 1
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": VIDEO})


def test_a_resume_left_pending_while_youtube_processes_still_finds_the_video_later(
    tmp_path: Path, emulator
) -> None:
    """Run 2 (six hours later) records ``processing``, polls until its timeout, and reports
    the post pending: an ordinary run, nothing killed."""
    root = project(tmp_path)
    # Its polls (10 sandbox minutes) take 0.6 s at 1000x; the video processes for most of
    # the session's day, so a slow machine's seconds (minutes of sandbox time) change nothing.
    with emulator(scale=1000.0, youtube={**SLOW, "processing_base_sec": 0.9 * DAY}) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        first = uploaded_then_lost(root, em, token)
        em.clock.jump(6 * HOUR)
        report = apply_channels(root, em, token, now=later(6 * HOUR))
        assert [(r.address, r.outcome) for r in report.results] == [("s@studio", Outcome.PENDING)]
        second = read_state(root).resources["s@studio"]
        assert second.status == "processing"
        assert second.updated_at - first.updated_at > timedelta(hours=5)
        published_once_after_the_session_expired(root, em, token, first, hours=6)
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert len(videos) == 1
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": VIDEO})


def test_a_processing_record_written_before_began_at_still_finds_the_video_later(
    tmp_path: Path, emulator
) -> None:
    """A record written before records kept when their attempt began (``began_at``) cannot
    say whether its ``processing`` time is the last byte's or a later run's: its video is
    looked for since the record was created (its first attempt: this one)."""
    root = project(tmp_path)
    with emulator(youtube=SLOW) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        uploaded_then_lost(root, em, token)
        resumed_into_processing_and_killed(
            root, em, token, read_state(root).resources["s@studio"], hours=2
        )
        path = root / ".publisher" / "state.json"
        document = json.loads(path.read_text())
        del document["resources"]["s@studio"]["began_at"]
        path.write_text(json.dumps(document, indent=2, sort_keys=True))
        older = read_state(root).resources["s@studio"]
        assert older.began_at is None and older.status == "processing"
        published_once_after_the_session_expired(root, em, token, older, hours=2)
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert len(videos) == 1
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": VIDEO})
