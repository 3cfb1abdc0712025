"""A bug exits 70, apart from the user's errors (1): one short line, the traceback in a log.

A script or a CI step reads the exit code: 1 says "fix your input, credentials or state",
70 (sysexits.h ``EX_SOFTWARE``) says "report this". The bug is simulated by replacing the
planner's entry point with one that fails as a bug would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_publisher.cli.errors import EXIT_BUG, EXIT_ERROR
from gitops_publisher.cli.main import cli

from .projects import CONFIG


def broken_make_plan(*_args: object, **_kwargs: object) -> None:
    raise ZeroDivisionError("division by zero in the planner")


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-C", str(project), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "publisher.yaml").write_text(CONFIG, encoding="utf-8")
    return root


def test_a_bug_exits_70_with_one_short_line_and_the_traceback_in_a_log(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = tmp_path / "logs"
    monkeypatch.setenv("PUBLISHER_LOG_DIR", str(logs))
    monkeypatch.setattr("gitops_publisher.planning.make_plan", broken_make_plan)
    code, stdout, stderr = run(project, "plan", "--offline")
    assert code == EXIT_BUG == 70
    assert "Error: unexpected ZeroDivisionError; this is a bug in gitops-publisher" in stderr
    assert "please report it" in stderr
    assert "Traceback" not in stdout + stderr
    (log,) = logs.glob("publisher-crash-*.log")
    assert str(log) in stderr
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "division by zero in the planner" in text


def test_a_bug_whose_log_cannot_be_written_still_says_so_briefly(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("PUBLISHER_LOG_DIR", str(blocked / "logs"))
    monkeypatch.setattr("gitops_publisher.planning.make_plan", broken_make_plan)
    code, stdout, stderr = run(project, "plan", "--offline")
    assert code == EXIT_BUG
    assert "this is a bug" in stderr and "could not be written" in stderr
    assert "Traceback" not in stdout + stderr


def test_a_user_error_still_exits_1_and_is_not_called_a_bug(project: Path) -> None:
    (project / "publisher.yaml").write_text("version: 1\naccounts: [not, a, mapping]\n")
    code, stdout, stderr = run(project, "plan", "--offline")
    assert code == EXIT_ERROR == 1
    assert "publisher.yaml" in stderr and "this is a bug" not in stdout + stderr


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "--detailed-exitcode", "--targt", "x@brand-us"),  # a mistyped option
        ("plan", "--detailed-exitcode", "--format", "yaml"),  # a value not among the choices
        ("plna", "--detailed-exitcode"),  # a mistyped command
        ("--bogus", "plan", "--detailed-exitcode"),  # a mistyped global option
        ("state", "mv", "only-one@brand-us"),  # an argument missing
    ],
)
def test_a_mistyped_command_line_exits_1_never_2_which_says_the_plan_has_changes(
    project: Path, args: tuple[str, ...]
) -> None:
    # A CI step reads `plan --detailed-exitcode`'s 2 as "there is something to apply": a typo
    # on the command line is the user's input to fix (1), with click's usage message.
    code, stdout, stderr = run(project, *args)
    assert code == EXIT_ERROR == 1
    assert "Usage: " in stderr and "Error:" in stderr
    assert "Traceback" not in stdout + stderr
