"""``publisher state list | show | rm`` against a real project directory and state file."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gitops_publisher.cli import state_cmd
from gitops_publisher.cli.main import cli
from gitops_publisher.workspace.locking import LockInfo
from gitops_publisher.workspace.state_file import FileStateStore, load_state

GOLDEN = Path(__file__).parent.parent / "golden" / "state" / "v1.json"

CONFIG = """\
version: 1
accounts:
  brand-us:
    refresh_token_env: TIKTOK_REFRESH_TOKEN_BRAND_US
  brand-uk:
    refresh_token_env: TIKTOK_REFRESH_TOKEN_BRAND_UK
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "publisher.yaml").write_text(CONFIG)
    (tmp_path / ".publisher").mkdir()
    shutil.copyfile(GOLDEN, tmp_path / ".publisher" / "state.json")
    return tmp_path


def state_file(project: Path) -> Path:
    return project / ".publisher" / "state.json"


def run(project: Path, *args: str, input: str | None = None) -> Result:
    runner = CliRunner()
    return runner.invoke(
        cli, ["-C", str(project), "state", *args], input=input, catch_exceptions=False
    )


def assert_clean_failure(result: Result) -> None:
    assert result.exit_code == 1
    assert "Traceback" not in result.output


# --- list -------------------------------------------------------------------------------------


def test_list_prints_an_aligned_table_sorted_by_address(project: Path) -> None:
    result = run(project, "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ADDRESS", "STATUS", "PUBLISH_ID", "UPDATED"]
    assert [line.split()[0] for line in lines[1:]] == [
        "behind-the-scenes@brand-us",
        "cafe-story@brand-uk",
        "launch-teaser@brand-uk",
        "launch-teaser@brand-us",
    ]
    assert lines[2].split()[1:3] == ["initiating", "-"]
    assert lines[3].endswith("2026-11-20 14:00:05 UTC")  # -05:00 in the file, shown in UTC
    assert len({line.index(line.split()[1]) for line in lines}) == 1  # STATUS column aligned
    assert "4 record(s)" in result.stderr and "serial 4" in result.stderr


def test_list_filters_by_post_or_address(project: Path) -> None:
    by_post = run(project, "list", "launch-teaser")
    assert [ln.split()[0] for ln in by_post.stdout.splitlines()[1:]] == [
        "launch-teaser@brand-uk",
        "launch-teaser@brand-us",
    ]
    by_address = run(project, "list", "cafe-story@brand-uk", "--format", "json")
    document = json.loads(by_address.stdout)
    assert [r["address"] for r in document["resources"]] == ["cafe-story@brand-uk"]


def test_list_json_is_versioned_and_complete(project: Path) -> None:
    result = run(project, "list", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["format_version"] == 1
    assert document["serial"] == 4
    assert document["lineage"] == "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    published = document["resources"][-1]
    assert published["address"] == "launch-teaser@brand-us"
    assert published["url"] == "https://www.tiktok.com/@brandus/video/7311234567890123456"
    assert published["publish_id"] == "v_pub_file~v2-1.7294872910293847"


def test_list_without_a_state_file_is_empty_and_creates_nothing(project: Path) -> None:
    shutil.rmtree(project / ".publisher")
    result = run(project, "list")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "0 record(s)" in result.stderr
    assert not (project / ".publisher").exists()


def test_sandbox_reads_its_own_state(project: Path) -> None:
    result = CliRunner().invoke(
        cli, ["-C", str(project), "--sandbox", "state", "list"], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert result.stdout == ""
    assert ".publisher/sandbox/state.json" in result.stderr


def test_an_empty_state_points_at_the_sandbox_records_a_new_user_has(project: Path) -> None:
    # The README's first runs publish to --sandbox only: `state list` then finds no record in
    # the real state, and says where the sandbox's records are, and how to list them.
    sandbox = project / ".publisher" / "sandbox"
    sandbox.mkdir()
    state_file(project).rename(sandbox / "state.json")
    result = run(project, "list")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "0 record(s) in" in result.stderr and ".publisher/state.json" in result.stderr
    assert "`publisher state list --sandbox`" in result.stderr
    shown = run(project, "show", "launch-teaser@brand-us")
    assert_clean_failure(shown)
    assert "`publisher state list --sandbox`" in shown.stderr
    in_sandbox = run(project, "show", "--sandbox", "launch-teaser@brand-u")
    assert_clean_failure(in_sandbox)
    assert "run `publisher state list --sandbox`" in in_sandbox.stderr
    real = run(project, "list", "--sandbox")
    assert "--sandbox" not in real.stderr.replace(".publisher/sandbox/", "")  # no pointer there


def test_sandbox_is_accepted_after_the_state_subcommand(project: Path) -> None:
    for args in (["list", "--sandbox"], ["list", "--sandbox", "--format", "json"]):
        result = run(project, *args)
        assert result.exit_code == 0, result.output
        assert ".publisher/sandbox/state.json" in result.output
    shown = run(project, "show", "--sandbox", "launch-teaser@brand-us")
    assert_clean_failure(shown)
    assert ".publisher/sandbox/state.json" in shown.stderr


def test_git_branch_backend_outside_a_repository_is_refused_clearly(project: Path) -> None:
    (project / "publisher.yaml").write_text(CONFIG + "state: {backend: git-branch}\n")
    result = run(project, "list")
    assert_clean_failure(result)
    assert "git-branch state backend needs a git repository" in result.stderr


def test_missing_config_is_a_config_error(tmp_path: Path) -> None:
    result = run(tmp_path, "list")
    assert_clean_failure(result)
    assert "no publisher.yaml" in result.stderr


def test_corrupt_state_is_reported_with_the_file(project: Path) -> None:
    state_file(project).write_text("{not json")
    result = run(project, "list")
    assert_clean_failure(result)
    assert "state.json is corrupt: not valid JSON" in result.stderr
    assert "restore" in result.stderr


# --- show -------------------------------------------------------------------------------------


def test_show_prints_the_record_as_json(project: Path) -> None:
    result = run(project, "show", "launch-teaser@brand-us")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["address"] == "launch-teaser@brand-us"
    assert shown["status"] == "published"
    assert shown["provenance"]["pull_request"] == 42
    assert shown["post_ids"] == ["7311234567890123456"]


def test_show_unknown_address_suggests_close_ones(project: Path) -> None:
    result = run(project, "show", "launch-teaser@brand-u")
    assert_clean_failure(result)
    assert "no record of launch-teaser@brand-u" in result.stderr
    assert "did you mean launch-teaser@brand-us" in result.stderr


def test_show_malformed_address_explains_the_form(project: Path) -> None:
    result = run(project, "show", "launch-teaser")
    assert_clean_failure(result)
    assert "is not an address" in result.stderr and "POST_ID@ACCOUNT" in result.stderr


# --- rm ---------------------------------------------------------------------------------------


def test_rm_with_yes_forgets_the_record_and_keeps_a_backup(project: Path) -> None:
    result = run(project, "rm", "--yes", "behind-the-scenes@brand-us")
    assert result.exit_code == 0
    after = load_state(state_file(project).read_bytes(), source="state")
    assert "behind-the-scenes@brand-us" not in after.resources
    assert len(after.resources) == 3 and after.serial == 5
    store = FileStateStore(state_file(project))
    assert store.backup_path.read_bytes() == GOLDEN.read_bytes()
    assert not store.lock_path.exists()
    assert "TikTok keeps the posts" in result.stderr
    assert "publishes it again" in result.stderr
    assert str(store.backup_path) in result.stderr


def test_rm_accepts_a_bare_post_id_like_target_does(project: Path) -> None:
    result = run(project, "rm", "--yes", "launch-teaser")
    assert result.exit_code == 0, result.output
    assert "launch-teaser@brand-uk" in result.stderr and "launch-teaser@brand-us" in result.stderr
    assert "Forgot 2 record(s)" in result.stderr
    left = set(load_state(state_file(project).read_bytes(), source="state").resources)
    assert left == {"behind-the-scenes@brand-us", "cafe-story@brand-uk"}


def test_rm_of_a_bare_post_id_with_no_record_is_refused(project: Path) -> None:
    result = run(project, "rm", "--yes", "five")
    assert_clean_failure(result)
    assert "no record of post five on any account" in result.stderr
    assert len(load_state(state_file(project).read_bytes(), source="state").resources) == 4


def test_rm_of_a_mistyped_post_id_suggests_it_and_the_listing_of_this_state(
    project: Path,
) -> None:
    sandbox = project / ".publisher" / "sandbox"
    sandbox.mkdir()
    shutil.copyfile(GOLDEN, sandbox / "state.json")
    result = CliRunner().invoke(
        cli,
        ["-C", str(project), "--sandbox", "state", "rm", "--yes", "launch-teasr"],
        catch_exceptions=False,
    )
    assert_clean_failure(result)
    assert "did you mean launch-teaser?" in result.stderr
    assert "`publisher state list --sandbox`" in result.stderr  # the state it looked in


def test_rm_without_yes_and_without_a_terminal_is_refused(project: Path) -> None:
    result = run(project, "rm", "launch-teaser@brand-us")
    assert_clean_failure(result)
    assert "refusing to remove state records without confirmation" in result.stderr
    assert "--yes" in result.stderr
    assert state_file(project).read_bytes() == GOLDEN.read_bytes()
    assert not FileStateStore(state_file(project)).backup_path.exists()


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_cmd, "_stdin_is_interactive", lambda: True)


@pytest.mark.usefixtures("terminal")
def test_rm_asks_and_proceeds_on_yes(project: Path) -> None:
    result = run(project, "rm", "cafe-story@brand-uk", "launch-teaser@brand-us", input="y\n")
    assert result.exit_code == 0
    assert "Forget these records?" in result.stderr
    after = load_state(state_file(project).read_bytes(), source="state")
    assert sorted(after.resources) == ["behind-the-scenes@brand-us", "launch-teaser@brand-uk"]
    assert after.serial == 6


@pytest.mark.usefixtures("terminal")
def test_rm_answered_no_changes_nothing(project: Path) -> None:
    result = run(project, "rm", "launch-teaser@brand-us", input="n\n")
    assert result.exit_code == 1
    assert "nothing was removed" in result.stderr
    assert state_file(project).read_bytes() == GOLDEN.read_bytes()


def test_rm_warns_about_a_record_whose_outcome_is_unknown(project: Path) -> None:
    result = run(project, "rm", "--yes", "launch-teaser@brand-uk")
    assert result.exit_code == 0
    assert "launch-teaser@brand-uk may still be publishing" in result.stderr


def test_rm_with_one_unknown_address_removes_nothing(project: Path) -> None:
    result = run(project, "rm", "--yes", "launch-teaser@brand-us", "ghost@brand-us")
    assert_clean_failure(result)
    assert "no record of ghost@brand-us" in result.stderr
    assert state_file(project).read_bytes() == GOLDEN.read_bytes()


def test_rm_while_another_run_holds_the_lock_is_refused(project: Path) -> None:
    with FileStateStore(state_file(project)).lock(purpose="publisher apply"):
        result = run(project, "rm", "--yes", "launch-teaser@brand-us")
    assert_clean_failure(result)
    assert "is locked by `publisher apply`" in result.stderr
    assert state_file(project).read_bytes() == GOLDEN.read_bytes()


def test_rm_twice_the_same_address_counts_once(project: Path) -> None:
    result = run(project, "rm", "--yes", "cafe-story@brand-uk", "cafe-story@brand-uk")
    assert result.exit_code == 0
    assert "Forgot 1 record(s)" in result.stderr
    assert load_state(state_file(project).read_bytes(), source="state").serial == 5


def test_rm_takes_over_a_lock_left_by_a_dead_process_and_says_so(project: Path) -> None:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait(timeout=30)
    left = LockInfo(finished.pid, socket.gethostname(), "publisher apply", datetime.now(UTC))
    store = FileStateStore(state_file(project))
    store.lock_path.write_bytes(left.to_bytes())
    result = run(project, "rm", "--yes", "cafe-story@brand-uk")
    assert result.exit_code == 0
    assert "took over a stale lock" in result.stderr and f"pid {finished.pid}" in result.stderr
    assert not store.lock_path.exists()


# --- mv ---------------------------------------------------------------------------------------


def test_mv_moves_the_record_bumps_the_serial_and_keeps_a_backup(project: Path) -> None:
    before = load_state(GOLDEN.read_bytes(), source="golden")
    result = run(project, "mv", "launch-teaser@brand-us", "teaser-2026@brand-us")
    assert result.exit_code == 0, result.output
    assert "Moved launch-teaser@brand-us -> teaser-2026@brand-us" in result.stderr
    after = load_state(state_file(project).read_bytes(), source="state")
    assert after.serial == before.serial + 1
    assert "launch-teaser@brand-us" not in after.resources
    moved = after.resources["teaser-2026@brand-us"]
    old = before.resources["launch-teaser@brand-us"]
    assert moved == old.model_copy(update={"post_id": "teaser-2026"})
    assert FileStateStore(state_file(project)).backup_path.read_bytes() == GOLDEN.read_bytes()
    assert after.endpoints["tiktok"].api_url == "https://open.tiktokapis.com"  # bound by it


def test_mv_to_an_occupied_address_is_refused(project: Path) -> None:
    result = run(project, "mv", "launch-teaser@brand-us", "behind-the-scenes@brand-us")
    assert_clean_failure(result)
    assert "behind-the-scenes@brand-us is already recorded" in result.stderr
    assert state_file(project).read_bytes() == GOLDEN.read_bytes()


def test_mv_onto_itself_moves_nothing_and_never_says_to_rm_it(project: Path) -> None:
    # "remove the wrong one with `publisher state rm` first" forgot the only record of the
    # post, whose next apply published it again.
    result = run(project, "mv", "launch-teaser@brand-us", "launch-teaser@brand-us")
    assert_clean_failure(result)
    assert "cannot move launch-teaser@brand-us onto itself" in result.stderr
    assert "state rm" not in result.stderr
    assert state_file(project).read_bytes() == GOLDEN.read_bytes()


def test_mv_while_another_run_holds_the_lock_is_refused(project: Path) -> None:
    with FileStateStore(state_file(project)).lock(purpose="publisher apply"):
        result = run(project, "mv", "launch-teaser@brand-us", "teaser-2026@brand-us")
    assert_clean_failure(result)
    assert "is locked by `publisher apply`" in result.stderr
    assert state_file(project).read_bytes() == GOLDEN.read_bytes()


def test_mv_of_a_malformed_address_explains_the_form(project: Path) -> None:
    result = run(project, "mv", "launch-teaser", "teaser-2026@brand-us")
    assert_clean_failure(result)
    assert "is not an address" in result.stderr


SESSION = (
    "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=SECRETxyz9"
)


def _with_youtube_session(project: Path) -> None:
    """Give the published record a YouTube-shaped handle: a session URI, a capability."""
    path = state_file(project)
    text = path.read_text().replace("v_pub_file~v2-1.7294872910293847", SESSION)
    path.write_text(text)


@pytest.mark.parametrize(
    "args", [("list",), ("list", "--format", "json"), ("show", "launch-teaser@brand-us")]
)
def test_a_session_uri_handle_is_never_printed(project: Path, args: tuple[str, ...]) -> None:
    _with_youtube_session(project)
    result = run(project, *args)
    assert result.exit_code == 0, result.output
    assert "SECRETxyz9" not in result.output
    assert "upload session" in result.output
    assert "xyz9" in result.output


def test_mv_to_an_address_no_manifest_declares_warns_and_suggests(project: Path) -> None:
    # Allowed (the manifest may be renamed next), but a typo went unnoticed until the plan
    # showed an orphan and a create of the same video.
    (project / "posts").mkdir()
    (project / "media").mkdir()
    (project / "media" / "teaser.mp4").write_bytes(b"\0" * 100)  # read only to identify it
    (project / "posts" / "teaser.yaml").write_text(
        "version: 1\nid: teaser-2026\naccounts: [brand-us]\nvideo: media/teaser.mp4\n"
        "privacy: SELF_ONLY\n"
    )
    typo = run(project, "mv", "launch-teaser@brand-us", "teaser-2062@brand-us")
    assert typo.exit_code == 0, typo.output
    assert "warning: no manifest declares teaser-2062@brand-us yet" in typo.stderr
    assert "did you mean teaser-2026@brand-us?" in typo.stderr

    right = run(project, "mv", "teaser-2062@brand-us", "teaser-2026@brand-us")
    assert right.exit_code == 0, right.output
    assert "warning" not in right.stderr
