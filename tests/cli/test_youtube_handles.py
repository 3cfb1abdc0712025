"""A YouTube upload session URI is a capability: no plan, plan file or message may carry it.

The state keeps it (the next run resumes from it); plans show ``upload session …abcd`` and
keep its digest, which ``apply PLANFILE`` checks against the state's session.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from tests.cli.test_youtube_manifests import CHANNEL, CONFIG, project

Run = Callable[..., Result]
SECRET = "SeSsIoNsEcReT42xyz9"
SESSION = (
    "http://127.0.0.1:9/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status"
    f"&upload_id={SECRET}"
)


def state_path(root: Path) -> Path:
    return root / ".publisher" / "sandbox" / "state.json"


def interrupted(make_repo: Callable[..., Any], publisher: Run) -> Path:
    """A project whose YouTube record is an upload cut off mid-way (its session recorded)."""
    root = project(make_repo, CONFIG.replace(f"    channel_id: {CHANNEL}\n", ""))
    first = publisher("-C", root, "apply", "--sandbox", "--yes")
    assert first.exit_code == 0, first.output
    set_session(root, SESSION)
    return root


def set_session(root: Path, session: str) -> None:
    """Make the YouTube record an interrupted upload into ``session`` (serial unchanged)."""
    path = state_path(root)
    state = json.loads(path.read_text())
    record = state["resources"]["launch@acme-yt"]
    record.update(status="uploading", publish_id=session, url=None, post_ids=[])
    record["published_at"] = None
    path.write_text(json.dumps(state, indent=2))


def test_no_plan_format_and_no_plan_file_carries_the_session_uri(
    make_repo: Callable[..., Any], publisher: Run, tmp_path: Path
) -> None:
    root = interrupted(make_repo, publisher)
    saved = tmp_path / "reviewed.plan.json"
    outputs = []
    for fmt in ("text", "json", "markdown"):
        result = publisher("-C", root, "plan", "--sandbox", "--format", fmt, "-o", saved)
        assert result.exit_code == 0, result.output
        outputs += [result.output, saved.read_text()]
        outputs += [publisher("show", saved, "--format", fmt).output]
    for output in outputs:
        assert SECRET not in output and "upload_id=" not in output
    document = json.loads(publisher("-C", root, "plan", "--sandbox", "--format", "json").stdout)
    (change,) = [c for c in document["changes"] if c["address"] == "launch@acme-yt"]
    assert change["action"] == "resume"
    assert change["publish_id"] == "upload session …xyz9"
    assert change["handle_digest"].startswith("sha256:")
    assert "upload session …xyz9" in change["reason"]


def test_a_tiktok_publish_id_is_still_shown_and_has_no_digest(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    root = interrupted(make_repo, publisher)
    document = json.loads(publisher("-C", root, "plan", "--sandbox", "--format", "json").stdout)
    (change,) = [c for c in document["changes"] if c["address"] == "launch@brand-us"]
    recorded = json.loads(state_path(root).read_text())["resources"]["launch@brand-us"]
    assert change["publish_id"] == recorded["publish_id"] and change["handle_digest"] is None


def test_apply_of_a_saved_plan_refuses_another_session_than_the_one_reviewed(
    make_repo: Callable[..., Any], publisher: Run, tmp_path: Path
) -> None:
    root = interrupted(make_repo, publisher)
    saved = tmp_path / "reviewed.plan.json"
    assert publisher("-C", root, "plan", "--sandbox", "-o", saved).exit_code == 0
    # Same serial, same tail, another session: only the digest tells them apart.
    set_session(root, SESSION.replace(SECRET, "AnOtHeRsEsSiOn0xyz9"))
    before = state_path(root).read_text()
    result = publisher("-C", root, "apply", "--sandbox", saved)
    assert result.exit_code == 1, result.output
    assert "the state's publish attempts differ from those the plan was saved with" in (
        result.output
    )
    assert "launch@acme-yt" in result.output and SECRET not in result.output
    assert state_path(root).read_text() == before  # nothing asked, nothing recorded


def test_state_show_and_import_never_print_a_session_uri(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    root = interrupted(make_repo, publisher)
    path = state_path(root)
    state = json.loads(path.read_text())
    earlier = {"publish_id": SESSION.replace(SECRET, "EaRlIeRsEsSiOnabcd"), "status": "failed"}
    state["resources"]["launch@acme-yt"]["history"] = [earlier]
    path.write_text(json.dumps(state, indent=2))
    shown = publisher("-C", root, "--sandbox", "state", "show", "launch@acme-yt")
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.stdout)
    assert document["publish_id"] == "upload session …xyz9"
    assert document["history"][0]["publish_id"] == "upload session …abcd"
    assert "upload_id" not in shown.output
    again = publisher("-C", root, "--sandbox", "state", "import", "launch@acme-yt", "x")
    assert again.exit_code == 1
    assert "already recorded (uploading, upload session …xyz9)" in again.output
    assert SECRET not in again.output


def test_a_bug_mid_upload_writes_a_crash_log_without_the_session_uri_or_a_token(
    make_repo: Callable[..., Any],
    publisher: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The crash log asks to be attached to a (public) bug report: a bug whose text quotes
    # the session it was handed must not put the capability (nor a token) in it.
    from gitops_publisher.providers.youtube.client import YouTubeClient

    seen: list[str] = []

    async def broken_upload(self: YouTubeClient, session_uri: str, *_a: Any, **_k: Any) -> None:
        seen.append(session_uri)
        raise RuntimeError(f"no transfer prepared for {session_uri}")

    monkeypatch.setattr(YouTubeClient, "upload", broken_upload)
    logs = tmp_path / "crash-logs"
    monkeypatch.setenv("PUBLISHER_LOG_DIR", str(logs))
    root = project(make_repo, CONFIG.replace(f"    channel_id: {CHANNEL}\n", ""))
    result = publisher("-C", root, "apply", "--sandbox", "--yes")
    assert result.exit_code == 70, result.output
    (log,) = logs.glob("publisher-crash-*.log")
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "no transfer prepared for ***" in text
    assert "upload_id=" not in text
    (session,) = seen
    store = json.loads((root / ".publisher" / "sandbox" / "token-store.json").read_text())
    tokens = [
        entry[kind]
        for per_api in store["tokens"].values()
        for entry in per_api.values()
        for kind in ("access_token", "refresh_token")
    ]
    upload_id = session.rsplit("upload_id=", 1)[1].split("&")[0]
    leaked = [n for n, s in enumerate([session, upload_id, *tokens]) if s in text + result.output]
    assert not leaked  # indexes only: the values are not printed by a failing assertion


def test_a_plan_saved_before_the_session_was_sealed_still_applies_and_seals_it(
    make_repo: Callable[..., Any], publisher: Run, tmp_path: Path
) -> None:
    """The state of an older version holds the session URI as it is; a plan reviewed then
    keeps its digest, which the sealed session keeps too: the plan applies, and the state
    is written with the session sealed. A plan made after the seal refers to it alike."""
    root = interrupted(make_repo, publisher)
    saved = tmp_path / "reviewed.plan.json"
    assert publisher("-C", root, "plan", "--sandbox", "-o", saved).exit_code == 0
    result = publisher("-C", root, "apply", "--sandbox", saved)
    assert "publish attempts differ" not in result.output and "changed since" not in result.output
    assert "[launch@acme-yt] asking YouTube about upload session …xyz9" in result.output
    assert "applying: 1 post(s) to resume\n" in result.output  # not "0 post(s) to publish"
    state = state_path(root).read_text()
    assert SECRET not in state and "upload_id" not in state
    record = json.loads(state)["resources"]["launch@acme-yt"]
    # The emulator does not know this session: its video is looked for among the channel's
    # uploads (the first apply's is found), else the attempt fails; either way, no URI.
    assert record["publish_id"].startswith(("sealed:v1:local:xyz9:", "closed:v1:xyz9:"))
    (before,) = [
        c for c in json.loads(saved.read_text())["changes"] if c["address"] == ("launch@acme-yt")
    ]
    document = json.loads(publisher("-C", root, "plan", "--sandbox", "--format", "json").stdout)
    (after,) = [c for c in document["changes"] if c["address"] == "launch@acme-yt"]
    assert after["handle_digest"] == before["handle_digest"]
    assert after["publish_id"] == before["publish_id"] == "upload session …xyz9"
