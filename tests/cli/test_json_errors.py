"""``--format json`` answers in JSON on stdout also when the command fails, with counts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import Result

from .projects import CONFIG

GOOD = """\
version: 1
id: good-post
accounts: [brand-us]
video: media/tutorial-part1.mp4
caption: "fine"
"""
BAD = """\
version: 1
id: bad-post
accounts: [brand-us]
video: media/tutorial-part1.mp4
privacy: PUBLIC
captoin: "typo"
"""
Run = Callable[..., Result]


@pytest.mark.parametrize(
    "command",
    [
        ("validate", "--format", "json"),
        ("plan", "--format", "json", "--offline"),
        ("apply", "--sandbox", "--yes", "--format", "json"),
    ],
)
def test_bad_input_gives_a_json_document_with_positions_and_counts(
    make_repo: Callable[..., Any], publisher: Run, command: tuple[str, ...]
) -> None:
    repo = make_repo(
        {
            "publisher.yaml": CONFIG,
            "posts/good.yaml": GOOD,
            "posts/bad.yaml": BAD,
            "posts/x.yaml": "",
        }
    )
    result = publisher("-C", repo.root, *command)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["command"] == command[0] and document["valid"] is False
    assert (document["error_count"], document["warning_count"]) == (2, 1)
    positions = {(d["file"], d["line"], d["field"]) for d in document["diagnostics"]}
    assert ("posts/bad.yaml", 5, "privacy") in positions
    assert ("posts/bad.yaml", 6, "captoin") in positions
    assert document["error"]["message"] == "2 problem(s) in the project's files"
    assert "posts/bad.yaml:5:10 privacy:" in result.stderr  # the text stays on stderr


def test_an_error_without_positions_counts_as_one(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    repo = make_repo({"publisher.yaml": CONFIG, "posts/good.yaml": GOOD})
    result = publisher("-C", repo.root, "plan", "--format", "json", "--target", "nope")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert (document["error_count"], document["diagnostics"]) == (1, [])
    assert "'nope' matches no post" in document["error"]["message"]
    assert "POST_ID@ACCOUNT" in document["error"]["hint"]


def test_validate_json_on_success_has_counts_and_warnings(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    repo = make_repo({"publisher.yaml": CONFIG, "posts/good.yaml": GOOD, "posts/x.yaml": "# later"})
    result = publisher("-C", repo.root, "validate", "--format", "json", "--no-media-checks")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["valid"] is True and "error" not in document
    assert (document["error_count"], document["warning_count"]) == (0, 1)
    assert (document["posts"], document["addresses"]) == (1, 1)
    assert document["diagnostics"][0]["file"] == "posts/x.yaml"


def test_text_format_prints_nothing_on_stdout_on_errors(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    repo = make_repo({"publisher.yaml": CONFIG, "posts/bad.yaml": BAD})
    result = publisher("-C", repo.root, "plan", "--offline")
    assert result.exit_code == 1 and result.stdout == ""
