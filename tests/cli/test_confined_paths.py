"""Paths the repository's content names stay inside it: the state file and its backup and lock,
publisher.yaml, every manifest and every directory walked (design §10; issue 11 item 5).

Each case is a pull request's attack as a real command run: the outside file must be neither
read into the output nor written, and the error names the file and what to do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gitops_publisher.cli.main import cli
from gitops_publisher.workspace.locking import hold_lock

from .test_state_cmd import CONFIG, GOLDEN


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)


def assert_clean_refusal(result: Result) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "this is a bug" not in result.output


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory beside the project, holding a state file someone wants to be used."""
    directory = tmp_path / "outside"
    directory.mkdir()
    shutil.copyfile(GOLDEN, directory / "evil.json")
    return directory


def project_with(tmp_path: Path, state: str) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "publisher.yaml").write_text(CONFIG + state)
    return project


def test_state_path_with_dotdot_writes_nothing_outside(tmp_path: Path, outside: Path) -> None:
    project = project_with(tmp_path, "state: {path: ../outside/evil.json}\n")
    before = sorted(p.name for p in outside.iterdir())
    result = run(project, "state", "rm", "--yes", "launch-teaser@brand-us")
    assert_clean_refusal(result)
    assert "publisher.yaml state.path:" in result.output
    assert "'..' is not allowed" in result.output
    assert sorted(p.name for p in outside.iterdir()) == before  # no backup, lock or temp file
    assert (outside / "evil.json").read_bytes() == GOLDEN.read_bytes()


def test_absolute_state_path_is_refused(tmp_path: Path, outside: Path) -> None:
    project = project_with(tmp_path, f"state: {{path: '{outside / 'evil.json'}'}}\n")
    result = run(project, "state", "list")
    assert_clean_refusal(result)
    assert "not absolute" in result.output
    assert "launch-teaser" not in result.output  # the outside state was not read


def test_state_directory_symlinked_outside_is_refused(tmp_path: Path, outside: Path) -> None:
    project = project_with(tmp_path, "state: {path: .publisher/evil.json}\n")
    (project / ".publisher").symlink_to(outside)
    for args in (["state", "list"], ["state", "rm", "--yes", "launch-teaser@brand-us"]):
        result = run(project, *args)
        assert_clean_refusal(result)
        assert ".publisher is a symlink to" in result.output
        assert "outside the repository" in result.output
        assert "replace the symlink" in result.output
        assert "launch-teaser" not in result.output
    assert sorted(p.name for p in outside.iterdir()) == ["evil.json"]


def test_sandbox_state_symlinked_outside_is_refused(tmp_path: Path, outside: Path) -> None:
    project = project_with(tmp_path, "")
    (project / ".publisher").symlink_to(outside)
    result = run(project, "--sandbox", "state", "list")
    assert_clean_refusal(result)
    assert ".publisher is a symlink to" in result.output
    assert sorted(p.name for p in outside.iterdir()) == ["evil.json"]


def test_state_path_inside_through_an_inner_symlink_still_works(tmp_path: Path) -> None:
    project = project_with(tmp_path, "state: {path: records/state.json}\n")
    (project / "real-records").mkdir()
    shutil.copyfile(GOLDEN, project / "real-records" / "state.json")
    (project / "records").symlink_to("real-records")
    result = run(project, "state", "list")
    assert result.exit_code == 0, result.output
    assert "launch-teaser@brand-us" in result.output


def without_write_override(argv: list[str]) -> list[str]:
    """``argv`` run so that directory permissions bind: as root, without CAP_DAC_OVERRIDE.

    Tests run as root in CI, and root writes into a ``0555`` directory; ``setpriv`` drops
    the capabilities that allow it, so the kernel refuses the write as it would for a user.
    """
    if os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:  # pragma: no cover - util-linux is on every CI image we use
        pytest.skip("running as root without setpriv: cannot make a directory read-only")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *argv]


def test_read_only_state_directory_is_a_clean_error(tmp_path: Path) -> None:
    # issue 11 item 7: the PermissionError of the lock file became "this is a bug".
    project = project_with(tmp_path, "")
    state_dir = project / ".publisher"
    state_dir.mkdir()
    shutil.copyfile(GOLDEN, state_dir / "state.json")
    before = (state_dir / "state.json").read_bytes()
    state_dir.chmod(0o555)
    try:
        argv = [sys.executable, "-m", "gitops_publisher", "-C", str(project)]
        result = subprocess.run(
            without_write_override([*argv, "state", "rm", "--yes", "launch-teaser@brand-us"]),
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
            check=False,
            env={**os.environ, "PUBLISHER_LOG_DIR": str(tmp_path / "logs")},
        )
    finally:
        state_dir.chmod(0o755)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "this is a bug" not in output and "Traceback" not in output
    assert "cannot lock the state" in output and "Permission denied" in output
    assert f"make {state_dir} writable" in output
    assert (state_dir / "state.json").read_bytes() == before
    assert sorted(p.name for p in state_dir.iterdir()) == ["state.json"]


def test_lock_in_an_unwritable_place_raises_state_error() -> None:
    from datetime import UTC, datetime

    from gitops_publisher.errors import StateError

    # /proc refuses file creation for every user, root included: a real PermissionError.
    with pytest.raises(StateError, match="cannot lock the state x: creating") as caught:
        with hold_lock(
            Path("/proc/publisher-test.lock"),
            purpose="test",
            what="the state x",
            clock=lambda: datetime(2026, 12, 1, tzinfo=UTC),
            notify=print,
        ):
            pass  # pragma: no cover - never reached
    assert "writable" in caught.value.hint
