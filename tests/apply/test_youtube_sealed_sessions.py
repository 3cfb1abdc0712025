"""No YouTube upload session URI in the state: sealed while it may be needed, closed after.

A session URI is a capability (YouTube reference §2.3), and the state is committed to git.
Against the emulator over real HTTP: the state's bytes never hold a session's ``upload_id``,
mid-upload or after; a run with the key that sealed it resumes from the session's offset; a
run without it (another machine, another ``PUBLISHER_TOKEN_KEY``) cannot ask about the
session nor send the rest, leaves it to the runs that can while it may live, and says which
key it needs; a state
written before 2026-12-04 (a plain URI) still resumes, and is sealed by that run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_publisher.apply.events import Event, Log, Outcome
from gitops_publisher.core import handles
from gitops_publisher.providers.sealing import SessionSealer
from gitops_publisher.providers.token_store import FernetBox

from .harness import (
    Emulator,
    PostSpec,
    apply_channels,
    assert_youtube_exactly_once,
    committed_project,
    pending_changes,
    read_state,
    youtube_sessions,
)
from .test_youtube_resume_emulator import (
    BIG,
    Interrupted,
    big_post_project,
    stopped_after_the_first_chunk,
)

STATE = Path(".publisher") / "state.json"


def session_leaks(root: Path, em: Emulator) -> list[str]:
    """The emulator's upload ids (or a session URI) found anywhere in the state's bytes."""
    text = (root / STATE).read_bytes().decode()
    ids = [u for u in youtube_sessions(em.service.world) if u]
    return [u for u in ids if u in text] + (["upload_id="] if "upload_id=" in text else [])


def resumed_at(events: list[Event]) -> list[str]:
    return [e.message for e in events if isinstance(e, Log) and e.message.startswith("resuming")]


def other_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str) -> None:
    """The runs after this are on another machine: its own token store and key file."""
    monkeypatch.setenv("PUBLISHER_TOKEN_STORE", str(tmp_path / name / "tokens.json"))


def test_the_state_holds_no_session_uri_mid_upload_and_the_rerun_resumes_at_its_offset(
    tmp_path: Path, emulator
) -> None:
    root = big_post_project(tmp_path)
    with emulator(youtube={"processing_base_sec": 0.0}) as em:
        token = stopped_after_the_first_chunk(root, em)
        record = read_state(root).resources["s@studio"]
        assert record.status == "uploading"
        assert handles.is_sealed(record.publish_id or "")
        assert session_leaks(root, em) == []
        events: list[Event] = []
        report = apply_channels(root, em, token, on_event=events.append)
        assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
        assert resumed_at(events) == [f"resuming the upload at byte {16 << 20}"]
        assert session_leaks(root, em) == []
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": BIG})
    assert len(sessions) == 1  # resumed, never started again
    record = read_state(root).resources["s@studio"]
    assert handles.is_closed(record.publish_id or "")  # published: the capability dropped


def test_a_run_without_the_key_file_gives_the_upload_up_once_its_run_has_ended(
    tmp_path: Path, emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload began with this clone's key file, which the next run does not find (another
    user's home, a lost file). The run that began it held this clone's state lock, so it is
    over and nobody can send the rest: the upload is given up, the post made once anew.
    (Another clone's run leaves it pending instead: tests/e2e/test_concurrent_clones.py.)"""
    root = big_post_project(tmp_path)
    with emulator(youtube={"processing_base_sec": 0.0}) as em:
        token = stopped_after_the_first_chunk(root, em)
        sealed = read_state(root).resources["s@studio"]
        other_machine(monkeypatch, tmp_path, "ci")
        report = apply_channels(root, em, token)
        [result] = report.results
        assert result.outcome is Outcome.FAILED
        assert "sealed with the key file of the machine that started it" in result.message
        assert "set PUBLISHER_TOKEN_KEY" in result.message
        record = read_state(root).resources["s@studio"]
        assert (record.status, record.fail_reason) == ("failed", "upload_expired")
        assert record.publish_id == sealed.publish_id  # kept as it was, never opened
        assert pending_changes(root) == ["s@studio:retry"]
        report = apply_channels(root, em, token)
        assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
        assert session_leaks(root, em) == []
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": BIG})
    assert len(sessions) == 2  # the first left unfinished: no video


def test_a_processed_upload_sealed_with_another_key_is_found_or_left_for_that_key(
    tmp_path: Path, emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every byte arrived under CI's ``PUBLISHER_TOKEN_KEY``; a run with another key cannot
    ask the session. Its video is looked for among the channel's uploads by what was sent;
    a record that says nothing of what was sent (written before December 2026) is looked for
    by what the manifest sends now when the post is unchanged since (same fingerprint); when
    it changed, nothing tells its video apart: it is left as it is (the post exists), naming
    the key, until a run with the key records the post. Nothing is uploaded twice."""
    video = "media/tutorial-part1.mp4"
    root = committed_project(
        tmp_path / "repo", [], [PostSpec("s", ["studio"], video=video)], youtube=["studio"]
    )
    key, other = FernetBox.new_key().decode(), FernetBox.new_key().decode()
    with emulator(youtube={"processing_base_sec": 5.0}) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}

        def interrupt_once_uploaded(event: Event) -> None:
            if isinstance(event, Log) and event.message.startswith("uploaded; waiting"):
                raise Interrupted

        monkeypatch.setenv("PUBLISHER_TOKEN_KEY", key)
        with pytest.raises(Interrupted):
            apply_channels(root, em, token, on_event=interrupt_once_uploaded)
        record = read_state(root).resources["s@studio"]
        assert record.status == "processing" and (record.publish_id or "").startswith(
            "sealed:v1:env:"
        )
        # Written before records kept the video id YouTube answered (2026-12-05): the
        # video must be looked for (with the id, it is asked about: test_youtube_video_id).
        assert record.made_ids is not None
        written = json.loads((root / STATE).read_text())
        del written["resources"]["s@studio"]["made_ids"]
        processing = json.dumps(written, indent=2, sort_keys=True)
        (root / STATE).write_text(processing)
        # An older record: no `sent`, and the post changed since (another fingerprint), so
        # nothing tells its video apart among the channel's uploads.
        document = json.loads(processing)
        del document["resources"]["s@studio"]["sent"]
        unchanged = json.dumps(document, indent=2, sort_keys=True)
        document["resources"]["s@studio"]["fingerprint"] = "sha256:" + "0" * 64
        (root / STATE).write_text(json.dumps(document, indent=2, sort_keys=True))
        older = read_state(root).resources["s@studio"]
        monkeypatch.setenv("PUBLISHER_TOKEN_KEY", other)
        for _ in range(2):
            [result] = apply_channels(root, em, token).results
            assert result.outcome is Outcome.FAILED
            assert "sealed with another PUBLISHER_TOKEN_KEY than this run's" in result.message
            assert "Nothing is published again" in result.message
            assert read_state(root).resources["s@studio"] == older  # left as it is
        monkeypatch.delenv("PUBLISHER_TOKEN_KEY")  # no key at all: the same
        [result] = apply_channels(root, em, token).results
        assert "sealed with PUBLISHER_TOKEN_KEY, which is not set here" in result.message
        # The post unchanged since (the record's fingerprint): what it sends now is what was
        # sent, and another key's run finds the video by it.
        (root / STATE).write_text(unchanged)
        monkeypatch.setenv("PUBLISHER_TOKEN_KEY", other)
        [result] = apply_channels(root, em, token).results
        assert result.outcome is Outcome.PUBLISHED
        assert len(em.get("/_sandbox/youtube/videos")["videos"]) == 1
        # With what was sent, another key's run finds the video and records it.
        (root / STATE).write_text(processing)
        monkeypatch.setenv("PUBLISHER_TOKEN_KEY", other)
        report = apply_channels(root, em, token)
        assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
        assert session_leaks(root, em) == []
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert len(sessions) == 1 and [v["upload_status"] for v in videos] == ["processed"]
    record = read_state(root).resources["s@studio"]
    assert (record.status, record.post_ids) == ("published", [videos[0]["video_id"]])
    assert handles.is_closed(record.publish_id or "")


def test_a_plain_session_uri_of_an_older_state_still_resumes_and_is_then_sealed(
    tmp_path: Path, emulator
) -> None:
    """A state written before 2026-12-04 holds the session URI as it is; the run after the
    upgrade resumes from it, and writes it sealed (then closed, once published)."""
    root = big_post_project(tmp_path)
    with emulator(youtube={"processing_base_sec": 0.0}) as em:
        token = stopped_after_the_first_chunk(root, em)
        path = root / STATE
        document = json.loads(path.read_text())
        record = document["resources"]["s@studio"]
        plain = SessionSealer.from_environment().unseal(record["publish_id"])
        assert "upload_id=" in plain
        record["publish_id"] = plain  # as the older version wrote it
        path.write_text(json.dumps(document, indent=2, sort_keys=True))
        written: list[str] = []

        def state_at_each_step(event: Event) -> None:
            written.append(path.read_text())

        events: list[Event] = []
        report = apply_channels(
            root, em, token, on_event=lambda e: (events.append(e), state_at_each_step(e))
        )
        assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
        assert resumed_at(events) == [f"resuming the upload at byte {16 << 20}"]
        assert session_leaks(root, em) == []
        # The first write of the run (all bytes arrived) already held it sealed.
        rewritten = [text for text in written if "sealed:v1:" in text or "closed:v1:" in text]
        assert rewritten and all(plain not in text for text in rewritten)
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert_youtube_exactly_once(root, videos, sessions, {"s@studio": BIG})
