"""End to end: the real ``publisher`` command in a temporary git repository.

Most runs go through click's CliRunner (in-process, ``catch_exceptions=False``); a few are
true subprocesses of the installed command. The embedded sandbox's own files are the truth
the state is checked against.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

from apply.harness import DONE_AT_TIKTOK, SecretScan, run_publisher, sha256_file
from click.testing import CliRunner

from gitops_publisher.cli import apply_cmd
from gitops_publisher.cli.main import cli
from gitops_publisher.sandbox.models import WorldData

SANDBOX = Path(".publisher") / "sandbox"


def sandbox_truth(root: Path) -> dict[str, dict]:
    data = WorldData.model_validate_json((root / SANDBOX / "world" / "world.json").read_bytes())
    return {p.publish_id: p.model_dump() for p in data.posts.values()}


def youtube_truth(root: Path) -> dict[str, dict]:
    """The YouTube emulator's finished uploads by video id."""
    data = WorldData.model_validate_json((root / SANDBOX / "world" / "world.json").read_bytes())
    sessions = data.youtube.sessions.values()
    return {s.video_id: s.model_dump() for s in sessions if s.video_id is not None}


def sandbox_state(root: Path) -> dict:
    return json.loads((root / SANDBOX / "state.json").read_text())


def check_state_matches_sandbox(root: Path) -> dict:
    state = sandbox_state(root)
    truth, videos = sandbox_truth(root), youtube_truth(root)
    for address, record in state["resources"].items():
        if record["status"] in ("published", "inbox") and record["account"] == "acme-shorts":
            (video_id,) = record["post_ids"]  # the YouTube channel of examples/publisher.yaml
            video = videos[video_id]
            assert video["sha256"] == sha256_file(root / record["video"]), address
            assert (video["handle"], video["channel_id"]) == (record["username"], record["open_id"])
        elif record["status"] in ("published", "inbox"):
            post = truth[record["publish_id"]]
            assert post["sha256"] == sha256_file(root / record["video"]), address
            # The sandbox user is the account's configured username (examples/publisher.yaml).
            assert (post["username"], post["open_id"]) == (record["username"], record["open_id"])
    # each published address has one completed upload at the sandbox
    recorded = {r["publish_id"] for r in state["resources"].values()}
    complete = [p for p in truth.values() if p["upload_completed_at"] is not None]
    assert {p["publish_id"] for p in complete} <= recorded
    recorded_videos = {i for r in state["resources"].values() for i in r.get("post_ids") or []}
    assert set(videos) <= recorded_videos  # every finished YouTube upload is recorded
    return state


def test_validate_plan_apply_twice_publishes_once(content_repo, cli):
    root = content_repo.root
    assert cli(root, "validate").exit_code == 0
    plan = cli(root, "plan", "--sandbox", "--detailed-exitcode")
    assert plan.exit_code == 2, plan.output
    assert "to publish" in plan.output
    first = cli(root, "apply", "--sandbox", "--yes")
    assert first.exit_code == 0, first.output
    assert "published" in first.output
    state = check_state_matches_sandbox(root)
    done = [a for a, r in state["resources"].items() if r["status"] in DONE_AT_TIKTOK.values()]
    assert len(done) >= 5
    uploads = len(sandbox_truth(root))
    second = cli(root, "apply", "--sandbox", "--yes")
    assert second.exit_code == 0
    assert "Nothing to publish now" in second.output, first.output + second.output
    assert second.output.count("Nothing to publish now") == 1, second.output  # said once
    assert len(sandbox_truth(root)) == uploads  # no init at all
    assert sandbox_state(root)["serial"] == state["serial"]
    again = cli(root, "plan", "--sandbox", "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_saved_plan_applies_and_a_stale_one_is_refused(content_repo, cli, tmp_path):
    root = content_repo.root
    empty_state_plan = tmp_path / "empty.plan"
    assert cli(root, "plan", "--sandbox", "-o", str(empty_state_plan)).exit_code == 0
    target = cli(root, "apply", "--sandbox", "--yes", "--target", "tutorial-part1@devrel")
    assert target.exit_code == 0, target.output
    # Saved before the state's first write: not "another state", the same one written since.
    written_since = cli(root, "apply", "--sandbox", str(empty_state_plan))
    assert written_since.exit_code == 1
    assert "the state changed since the plan was saved (serial 0 -> " in written_since.output
    assert "another state" not in written_since.output
    saved = tmp_path / "reviewed.plan"
    assert cli(root, "plan", "--sandbox", "-o", str(saved)).exit_code == 0
    stale = tmp_path / "stale.plan"
    stale.write_bytes(saved.read_bytes())
    applied = cli(root, "apply", "--sandbox", str(saved))
    assert applied.exit_code == 0, applied.output
    before = (root / SANDBOX / "state.json").read_bytes()
    refused = cli(root, "apply", "--sandbox", str(stale))
    assert refused.exit_code == 1
    assert "state changed since the plan was saved" in refused.output
    assert (root / SANDBOX / "state.json").read_bytes() == before
    check_state_matches_sandbox(root)


def test_the_command_a_saved_plan_suggests_applies_it(content_repo, publisher, tmp_path):
    # `plan --sandbox -o FILE` said "run `publisher apply FILE`": pasted as it is, that apply
    # left out --sandbox (and -C, --shard) and was refused as a plan of another state.
    root = content_repo.root
    saved = tmp_path / "reviewed plan.json"
    args = ("-C", str(root), "plan", "--sandbox", "--shard", "1/1", "-o", str(saved))
    planned = publisher(*args)
    assert planned.exit_code == 0, planned.output
    (suggested,) = re.findall(r"run `publisher ([^`]+)` to apply exactly it", planned.stderr)
    applied = publisher(*shlex.split(suggested))
    assert applied.exit_code == 0, applied.output
    assert "published" in applied.output and "Nothing to publish" not in applied.output


def test_apply_on_a_terminal_asks_names_the_sandbox_and_a_no_publishes_nothing(
    content_repo, monkeypatch
):
    # A newcomer's first apply without --yes: the question must not read as if real TikTok
    # and YouTube were about to get the posts, and "no" must say what it left undone.
    monkeypatch.setattr(apply_cmd, "_interactive", lambda: True)
    root = content_repo.root
    declined = CliRunner().invoke(cli, ["-C", str(root), "apply", "--sandbox"], input="n\n")
    assert declined.exit_code == 1
    assert "Publish these posts to the TikTok and YouTube sandbox?" in declined.output
    assert "Apply cancelled: nothing was published" in declined.output
    assert "Aborted!" not in declined.output
    assert not (root / SANDBOX / "state.json").exists() or not sandbox_state(root)["resources"]


def test_saved_plan_refused_when_a_manifest_changed(content_repo, cli, tmp_path):
    root = content_repo.root
    saved = tmp_path / "reviewed.plan"
    assert cli(root, "plan", "--sandbox", "-o", str(saved)).exit_code == 0
    part1 = root / "posts" / "tutorials" / "part1.yaml"
    part1.write_text(part1.read_text().replace("part 1", "part one"))
    refused = cli(root, "apply", "--sandbox", str(saved))
    assert refused.exit_code == 1
    assert "changed since the plan was saved" in refused.output
    assert "tutorial-part1" in refused.output
    assert not (root / SANDBOX / "world" / "world.json").exists() or not sandbox_truth(root)


def test_bad_input_posts_nothing_and_leaves_state_untouched(content_repo, cli):
    root = content_repo.root
    assert cli(root, "apply", "--sandbox", "--yes").exit_code == 0
    state_before = (root / SANDBOX / "state.json").read_bytes()
    posts_before = len(sandbox_truth(root))
    (root / "posts" / "new.yaml").write_text(
        "version: 1\nid: new-post\naccounts: [brand-us]\nvideo: media/launch-teaser.mp4\n"
        "caption: hi\nprivacy: EVERYONE\n"
    )
    bad = cli(root, "apply", "--sandbox", "--yes")
    assert bad.exit_code == 1
    assert "posts/new.yaml" in bad.output and "privacy" in bad.output
    assert (root / SANDBOX / "state.json").read_bytes() == state_before
    assert len(sandbox_truth(root)) == posts_before


def test_a_video_breaking_tiktok_rules_stops_before_any_post(content_repo, cli):
    root = content_repo.root
    (root / "media" / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 5000)
    (root / "posts" / "broken.yaml").write_text(
        "version: 1\nid: broken\naccounts: [devrel]\nvideo: media/broken.mp4\ncaption: x\n"
    )
    result = cli(root, "apply", "--sandbox", "--yes")
    assert result.exit_code == 1
    assert "nothing was posted" in result.output
    world = root / SANDBOX / "world" / "world.json"
    assert not world.exists() or not sandbox_truth(root)
    assert not (root / SANDBOX / "state.json").exists() or not sandbox_state(root)["resources"]


def run_command(root: Path, *args: str, scan: SecretScan) -> subprocess.CompletedProcess[str]:
    done = run_publisher(root, *args, env={**os.environ, "NO_COLOR": "1"})
    scan.add_output(f"subprocess {' '.join(args)} stdout", done.stdout)
    scan.add_output(f"subprocess {' '.join(args)} stderr", done.stderr)
    return done


def test_real_command_apply_sandbox_twice_and_exit_codes(content_repo, scan):
    root = content_repo.root
    plan = run_command(root, "plan", "--sandbox", "--detailed-exitcode", scan=scan)
    assert plan.returncode == 2, plan.stderr
    first = run_command(root, "apply", "--sandbox", "--yes", scan=scan)
    assert first.returncode == 0, first.stderr
    assert (root / SANDBOX / "token-store.json").exists()
    scan.harvest(root / SANDBOX / "token-store.json")
    second = run_command(root, "apply", "--sandbox", "--yes", scan=scan)
    assert second.returncode == 0
    assert "Nothing to publish now" in second.stdout
    assert run_command(root, "plan", "--sandbox", "--detailed-exitcode", scan=scan).returncode == 0
    check_state_matches_sandbox(root)
    no_tty = run_command(root, "apply", "--sandbox", scan=scan)  # nothing to do: no prompt needed
    assert no_tty.returncode == 0


def test_a_sandbox_world_that_cannot_be_read_is_reported_not_a_crash(
    content_repo, cli, monkeypatch
):
    monkeypatch.setenv("PUBLISHER_SANDBOX_TIME_SCALE", "200")
    root = content_repo.root
    world = root / SANDBOX / "world"
    world.mkdir(parents=True)
    (world / "world.json").write_text("not json")  # a hand edit, a full disk
    refused = cli(root, "apply", "--sandbox", "--yes")
    # It was "unexpected WorldFileError; this is a bug" (exit 70, a crash log).
    assert refused.exit_code == 1, refused.output
    assert "corrupt sandbox world" in refused.output and "delete" in refused.output
    assert "not json" not in refused.output  # the file's content is never quoted (its secret)
    assert (world / "world.json").read_text() == "not json"  # left for the user to look at
    assert not (root / SANDBOX / "state.json").exists()


def test_a_sandbox_run_refuses_a_world_another_process_serves(content_repo, cli, monkeypatch):
    from gitops_publisher.compose import serving_world

    monkeypatch.setenv("PUBLISHER_SANDBOX_TIME_SCALE", "200")
    root = content_repo.root
    with serving_world(root / SANDBOX / "world"):  # `publisher sandbox serve` of the project
        refused = cli(root, "apply", "--sandbox", "--yes")
        assert refused.exit_code == 1 and "Traceback" not in refused.output, refused.output
        assert "another process" in refused.output and "sandbox serve" in refused.output
        assert not (root / SANDBOX / "state.json").exists()  # nothing was published
        assert not (root / SANDBOX / "world" / "world.json").exists()  # nor written
    assert cli(root, "apply", "--sandbox", "--yes").exit_code == 0  # once it is free


def test_the_embedded_sandbox_refuses_a_time_scale_that_is_not_a_positive_number(
    content_repo, cli, monkeypatch
):
    root = content_repo.root
    for scale in ("inf", "fast", "0"):
        monkeypatch.setenv("PUBLISHER_SANDBOX_TIME_SCALE", scale)
        refused = cli(root, "apply", "--sandbox", "--yes")
        assert refused.exit_code == 1 and "Traceback" not in refused.output, refused.output
        assert "PUBLISHER_SANDBOX_TIME_SCALE" in refused.output
        assert not (root / SANDBOX / "state.json").exists()  # nothing was published
    # An infinite scale used to write the world with null times: it must still be readable.
    monkeypatch.setenv("PUBLISHER_SANDBOX_TIME_SCALE", "200")
    assert cli(root, "apply", "--sandbox", "--yes").exit_code == 0
    assert sandbox_truth(root)


def test_the_embedded_sandbox_takes_options_from_the_environment(
    content_repo, cli, tmp_path, monkeypatch
):
    root = content_repo.root
    options = tmp_path / "options.yaml"
    options.write_text("youtube:\n  quota_model: nonsense\n")
    monkeypatch.setenv("PUBLISHER_SANDBOX_OPTIONS", str(options))
    refused = cli(root, "apply", "--sandbox", "--yes")
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "youtube.quota_model" in refused.output and "PUBLISHER_SANDBOX_OPTIONS" in refused.output
    assert not (root / SANDBOX / "state.json").exists()  # nothing was published
    # Every upload session is gone (404): nothing reaches YouTube, TikTok publishes.
    options.write_text('{"faults": {"youtube_upload": {"expire_upload_urls": true}}}')
    applied = cli(root, "apply", "--sandbox", "--yes")
    assert applied.exit_code == 1, applied.output
    state = sandbox_state(root)["resources"]
    youtube = [r for r in state.values() if r["account"] == "acme-shorts"]
    assert youtube and all(r["status"] == "failed" for r in youtube), youtube
    assert not youtube_truth(root)  # no video
    assert any(r["status"] == "published" for r in state.values())


def test_a_fault_for_an_endpoint_the_sandbox_does_not_have_is_refused(
    content_repo, cli, tmp_path, monkeypatch
):
    # A misspelt endpoint name injected nothing and said nothing: the run "tested" no fault.
    root = content_repo.root
    options = tmp_path / "options.json"
    options.write_text('{"faults": {"youtube_videos_insert": {"error_rate": 1.0}}}')
    monkeypatch.setenv("PUBLISHER_SANDBOX_OPTIONS", str(options))
    refused = cli(root, "apply", "--sandbox", "--yes")
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "unknown endpoints ['youtube_videos_insert']" in refused.output
    assert "'youtube_insert'" in refused.output  # the names it knows
    assert not (root / SANDBOX / "state.json").exists()  # nothing was published


def test_an_init_without_answer_says_what_the_next_plan_shows(
    content_repo, cli, tmp_path, monkeypatch
):
    root = content_repo.root
    options = tmp_path / "options.json"
    options.write_text('{"faults": {"youtube_insert": {"error_rate": 1.0, "error_status": 503}}}')
    monkeypatch.setenv("PUBLISHER_SANDBOX_OPTIONS", str(options))
    applied = cli(root, "apply", "--sandbox", "--yes")
    assert applied.exit_code == 1, applied.output
    assert "`publisher plan` shows it to retry (publish again)" in applied.output
    monkeypatch.delenv("PUBLISHER_SANDBOX_OPTIONS")
    planned = json.loads(cli(root, "plan", "--sandbox", "--format", "json").stdout)
    youtube = [c for c in planned["changes"] if c["account"] == "acme-shorts"]
    assert youtube and all(c["action"] == "retry" for c in youtube), youtube
