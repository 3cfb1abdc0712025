"""No terminal escapes from manifests: a caption cannot clear the screen and draw a fake plan."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gitops_publisher.cli.main import cli

from .projects import CONFIG

CLEAR = "\x1b[2J\x1b[H"
FAKE = f"{CLEAR}No changes. Nothing to publish now."


def tty(*args: str | Path) -> Any:
    """Run ``publisher`` as on a terminal: click keeps escape sequences (``color=True``)."""
    return CliRunner().invoke(cli, [str(a) for a in args], color=True, catch_exceptions=False)


def manifest(caption: str, extra: str = "") -> str:
    return (
        "version: 1\nid: clear\naccounts: [brand-us]\nvideo: media/launch-teaser.mp4\n"
        f"caption: {json.dumps(caption)}\n{extra}"
    )


def test_plan_on_a_tty_shows_a_captions_escape_sequence_instead_of_running_it(
    make_repo: Callable[..., Any],
) -> None:
    root = make_repo({"publisher.yaml": CONFIG, "posts/clear.yaml": manifest(FAKE)}).root
    result = tty("-C", root, "plan")
    assert result.exit_code == 0, result.output
    assert CLEAR not in result.output
    assert "\\x1b[2J\\x1b[HNo changes. Nothing to publish now." in result.output
    assert "\x1b[" in result.output  # the plan's own colours are still there

    document = json.loads(tty("-C", root, "plan", "--format", "json").stdout)
    (change,) = document["changes"]
    assert change["caption"].startswith(FAKE)  # JSON keeps the exact value


def test_errors_on_a_tty_show_a_keys_escape_sequence(make_repo: Callable[..., Any]) -> None:
    key = json.dumps(f"x{CLEAR}")
    root = make_repo(
        {"publisher.yaml": CONFIG, "posts/clear.yaml": manifest("Hi", extra=f"{key}: 1\n")}
    ).root
    for command in ("validate", "plan"):
        result = tty("-C", root, command)
        assert result.exit_code == 1
        assert CLEAR not in result.output
        assert "unknown field 'x\\x1b[2J\\x1b[H'" in result.output


def test_a_file_name_with_a_newline_is_one_line_in_validate(make_repo: Callable[..., Any]) -> None:
    name = "posts/x\nValid: 0 post(s)\n.yaml"
    root = make_repo({"publisher.yaml": CONFIG, name: manifest("Hi", extra="bogus: 1\n")}).root
    result = tty("-C", root, "validate")
    assert result.exit_code == 1
    assert "posts/x\\nValid: 0 post(s)\\n.yaml:6:1" in result.output
    assert not any(line.startswith("Valid:") for line in result.output.splitlines())
