"""A YouTube upload resumed days later, over real HTTP against the emulator."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from gitops_publisher.apply.events import Event, Log, Outcome, UploadProgress
from gitops_publisher.core import handles
from gitops_publisher.errors import PublisherError

from .harness import (
    MEDIA,
    Emulator,
    PostSpec,
    apply_channels,
    assert_youtube_exactly_once,
    committed_project,
    padded_mp4,
    pending_changes,
    read_state,
    youtube_sessions,
)

DAY = 86_400.0
BIG = "media/big.mp4"
BIG_SIZE = 20_000_000  # a 16 MiB chunk, then the rest


class Interrupted(BaseException):
    """Ctrl-C in the middle of the run."""


def after_the_first_chunk() -> Callable[[Event], None]:
    """Interrupts the run once YouTube confirmed the first 16 MiB chunk (its 308 answer).

    Progress reaches 16 MiB twice: as the chunk's last piece leaves, then when the session
    confirms it. The second time no request is in flight, so what the session holds (the
    whole first chunk) does not depend on when the server notices the client is gone.
    """
    seen = 0

    def interrupt(event: Event) -> None:
        nonlocal seen
        if isinstance(event, UploadProgress) and event.sent == 16 << 20:
            seen += 1
            if seen == 2:
                raise Interrupted

    return interrupt


def big_post_project(tmp_path: Path, *others: PostSpec) -> Path:
    """A channel ``studio`` whose post ``s`` has a 20 MB video (``others`` beside it)."""
    return committed_project(
        tmp_path / "repo",
        [],
        [PostSpec("s", ["studio"], video=BIG), *others],
        big={BIG: BIG_SIZE},
        youtube=["studio"],
    )


def stopped_after_the_first_chunk(root: Path, em: Emulator) -> dict[str, str]:
    """Log ``studio`` in, run until YouTube confirmed ``s``'s first chunk, stop (Ctrl-C).

    Returns the channel's refresh tokens, for the runs after.
    """
    token = {"studio": em.service.world.ensure_channel("@studio")}
    with pytest.raises(Interrupted):
        apply_channels(root, em, token, on_event=after_the_first_chunk())
    return token


def test_a_completed_session_expired_before_the_rerun_is_not_uploaded_again(
    tmp_path: Path, emulator
) -> None:
    """Every byte arrived and the run stopped while YouTube processed the video (Ctrl-C, a
    kill, or polling that ran out of time); the next run comes after the completed session
    expired (YouTube reference §6; ``completed_sessions_expire``: its status query answers
    404). The state says YouTube had every byte: the video exists. Before 2026-12-04 the
    rerun recorded it ``upload_expired`` ("no post was made") and the one after uploaded the
    video again: two videos for one address. Since, the video is found among the channel's
    uploads (``test_youtube_lost_final.py``; before that it was left failed, "find the post
    on the account", at every run) and recorded, once.
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
        report = apply_channels(root, em, token)
        assert [(r.address, r.outcome) for r in report.results] == [("s@studio", Outcome.PUBLISHED)]
        assert pending_changes(root) == []
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    # One upload ever, recorded with its session (kept in the state) and its video.
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": video})


def test_a_video_replaced_mid_upload_is_not_spliced_into_the_recorded_session(
    tmp_path: Path, emulator
) -> None:
    """The run stops after the first 16 MiB chunk; the video file is then replaced by
    another of the same size (re-exported). Before 2026-12-04 the rerun sent the rest of the
    new file into the recorded session and YouTube published a video made of both. Now the
    rerun leaves that session unfinished (nothing is published through it) and the next run
    uploads the new video, once.
    """
    root = big_post_project(tmp_path)
    with emulator(youtube={"processing_base_sec": 0.0}) as em:
        token = stopped_after_the_first_chunk(root, em)
        assert read_state(root).resources["s@studio"].status == "uploading"
        replaced = root / BIG
        replaced.write_bytes(padded_mp4(MEDIA / "tutorial-part1.mp4", BIG_SIZE, seed=7))
        # Exported a while after the commit (a rewrite within the second git indexed it is
        # seen too: tests/workspace/test_project.py).
        later = replaced.stat().st_mtime + 5
        os.utime(replaced, (later, later))
        report = apply_channels(root, em, token)
        record = read_state(root).resources["s@studio"]
        assert (record.status, record.fail_reason) == ("failed", "upload_failed")
        assert [(r.outcome, r.message.split(",")[0]) for r in report.results] == [
            (Outcome.FAILED, "the video changed since this upload began")
        ]
        assert pending_changes(root) == ["s@studio:retry"]
        report = apply_channels(root, em, token)
        assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": BIG})  # the new bytes
    assert len(sessions) == 2  # the first left unfinished: no video


def test_a_flaky_youtube_with_several_uploads_in_flight_converges_to_one_video_each(
    tmp_path: Path, emulator
) -> None:
    """Proves for YouTube what the flaky TikTok test proves for TikTok: five uploads of one
    channel in flight at once (two of them in several chunks) through 5xx, dropped
    connections and lost answers on every Google endpoint (an initiating POST that opened a
    session whose URI never arrived, chunks whose answer was lost), each later run going on
    from what the last one left: one video per post, byte-exact, each recorded.
    """
    videos = {
        **{
            f"s{i}": ("media/tutorial-part1.mp4", "media/customer-story.mp4")[i % 2]
            for i in range(3)
        },
        "b0": BIG,
        "b1": "media/big2.mp4",
    }
    root = committed_project(
        tmp_path / "repo",
        [],
        [PostSpec(name, ["studio"], video=path) for name, path in videos.items()],
        big={BIG: BIG_SIZE, "media/big2.mp4": BIG_SIZE + 1_000_000},
        youtube=["studio"],
    )
    flaky = {"error_rate": 0.15, "drop_rate": 0.1}
    with emulator(scale=2000.0, seed=3, youtube={"processing_base_sec": 0.0}) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        em.set_faults(
            {
                "youtube_token": flaky,
                "youtube_channels_list": flaky,
                "youtube_insert": {**flaky, "drop_after_rate": 0.2},
                "youtube_upload": {**flaky, "drop_after_rate": 0.15},
                "youtube_videos_list": {**flaky, "drop_after_rate": 0.1},
            }
        )
        for _ in range(12):
            if not pending_changes(root):
                break
            with contextlib.suppress(PublisherError):  # a pre-flight that failed: exit 1
                apply_channels(root, em, token)
        assert pending_changes(root) == []
        faults = {(r["endpoint"], r["fault"]) for r in em.requests() if r["fault"]}
        listed = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    # An initiating POST's answer and a chunk's answer were lost, among other faults.
    assert {("youtube_insert", "drop_after"), ("youtube_upload", "drop_after")} <= faults
    assert len(sessions) > len(videos)  # a session whose URI never arrived: no video
    assert_youtube_exactly_once(
        root, listed, sessions, {f"{name}@studio": path for name, path in videos.items()}
    )


def test_a_post_renamed_while_its_upload_is_unfinished_goes_on_with_the_same_session(
    tmp_path: Path, emulator
) -> None:
    """Proves what the rename tests (published records) do not: the run stops after the first
    16 MiB chunk, then the post is renamed (``previous_ids``). The next run moves the record
    with its unfinished session and sends the rest into that session under the new address:
    one session, one video, recorded once, the old address gone.
    """
    root = big_post_project(tmp_path)
    with emulator(youtube={"processing_base_sec": 0.0}) as em:
        token = stopped_after_the_first_chunk(root, em)
        before = read_state(root).resources["s@studio"]
        assert before.status == "uploading"
        manifest = root / "posts" / "s.yaml"
        renamed = manifest.read_text("utf-8").replace("id: s\n", "id: s2\nprevious_ids: [s]\n")
        manifest.write_text(renamed, "utf-8")
        assert pending_changes(root) == ["s2@studio:resume"]
        report = apply_channels(root, em, token)
        assert [(r.address, r.outcome) for r in report.results] == [
            ("s2@studio", Outcome.PUBLISHED)
        ]
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    state = read_state(root)
    assert sorted(state.resources) == ["s2@studio"]
    assert handles.same(state.resources["s2@studio"].publish_id, before.publish_id)  # one session
    assert len(sessions) == 1
    assert_youtube_exactly_once(root, videos, sessions, {"s2@studio": BIG})


def test_a_post_deleted_while_its_upload_is_unfinished_ends_that_upload_not_the_run(
    tmp_path: Path, emulator
) -> None:
    """The run stops after the first 16 MiB chunk of one post; its manifest and video are
    then deleted. The next run asks about the recorded session (its outcome is unknown) and
    finds bytes missing that no file can give: before 2026-12-04 it opened the missing file
    anyway, and the error ended that run and every later one (the other posts included). Now
    that upload is given up (nothing was published through it) and the other post goes on.
    """
    root = big_post_project(tmp_path, PostSpec("t", ["studio"]))
    with emulator(youtube={"processing_base_sec": 0.0}) as em:
        token = stopped_after_the_first_chunk(root, em)
        assert read_state(root).resources["s@studio"].status == "uploading"
        (root / BIG).unlink()
        (root / "posts" / "s.yaml").unlink()
        report = apply_channels(root, em, token)
        results = {r.address: r for r in report.results}
        assert results["s@studio"].outcome is Outcome.FAILED
        # (t@studio may have been anywhere when the first run stopped: it is done now.)
        assert read_state(root).resources["t@studio"].status == "published"
        message = results["s@studio"].message
        assert message.startswith(f"{BIG} is gone or changed")
        assert message.endswith("no manifest declares the post any more")
        record = read_state(root).resources["s@studio"]
        assert (record.status, record.fail_reason) == ("failed", "upload_failed")
        assert pending_changes(root) == []  # an orphan now: nothing more is done
        videos = em.get("/_sandbox/youtube/videos")["videos"]
    assert [v["total"] for v in videos if v["video_id"] is not None] == [
        (root / "media" / "tutorial-part1.mp4").stat().st_size
    ]


def test_a_video_moved_while_its_upload_is_unfinished_is_sent_on_from_its_new_path(
    tmp_path: Path, emulator
) -> None:
    """The same bytes under another name (the manifest's ``video:`` follows the move): the
    rest goes into the recorded session from the new path. Before 2026-12-04 the rerun read
    the recorded path and stopped with an error, every run.
    """
    root = big_post_project(tmp_path)
    with emulator(youtube={"processing_base_sec": 0.0}) as em:
        token = stopped_after_the_first_chunk(root, em)
        before = read_state(root).resources["s@studio"]
        (root / BIG).rename(root / "media" / "final.mp4")
        manifest = root / "posts" / "s.yaml"
        manifest.write_text(
            manifest.read_text("utf-8").replace(BIG, "media/final.mp4"), encoding="utf-8"
        )
        report = apply_channels(root, em, token)
        assert [(r.address, r.outcome) for r in report.results] == [("s@studio", Outcome.PUBLISHED)]
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert handles.same(read_state(root).resources["s@studio"].publish_id, before.publish_id)
    assert len(sessions) == 1
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": "media/final.mp4"})
