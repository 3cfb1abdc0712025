"""Workflow commands: escaped as GitHub documents, and off around untrusted text."""

from __future__ import annotations

import io

from gitops_publisher.errors import Diagnostic
from gitops_publisher.github.commands import (
    annotation,
    command,
    escape_data,
    escape_property,
    step_annotations,
    stopped,
)

from .runner_log import commands

EVIL = "posts/x\n::error title=Security review::approved\n.yaml"


def test_data_and_properties_are_escaped_as_github_documents() -> None:
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = command("warning", f"bad {EVIL}", file="a,b:c.yaml", line=3, col=None, title="")
    assert line == (
        "::warning file=a%2Cb%3Ac.yaml,line=3::bad posts/x%0A::error title=Security "
        "review::approved%0A.yaml"
    )
    (run,) = commands(line + "\n")
    assert run.name == "warning"
    assert run.data == f"bad {EVIL}"
    assert run.properties == {"file": "a,b:c.yaml", "line": "3"}


def test_annotation_places_a_diagnostic_on_the_diff() -> None:
    diag = Diagnostic("posts/launch.yaml", 7, 3, "caption", "too long: 2,301 UTF-16 units")
    (run,) = commands(annotation(diag, directory="sites/team-b") + "\n")
    assert run.name == "error"
    assert run.properties == {
        "file": "sites/team-b/posts/launch.yaml",
        "line": "7",
        "col": "3",
        "title": "gitops-publisher",
    }
    assert run.data == "caption: too long: 2,301 UTF-16 units"
    warning = Diagnostic("posts/a.yaml", None, None, "", "cover past the end", "warning")
    (run,) = commands(annotation(warning) + "\n")
    assert (run.name, run.properties["file"], run.data) == (
        "warning",
        "posts/a.yaml",
        "cover past the end",
    )
    assert "line" not in run.properties


def test_an_evil_file_name_is_one_annotation_and_shows_its_newlines() -> None:
    diag = Diagnostic(EVIL, 1, 1, "", "unknown field 'x'")
    ran = commands(annotation(diag) + "\n")
    assert [c.name for c in ran] == ["error"]
    assert ran[0].properties["file"] == "posts/x\\n::error title=Security review::approved\\n.yaml"


def test_nothing_inside_a_stopped_block_runs() -> None:
    out = io.StringIO()
    out.write("::notice::before\n")
    with stopped(out):
        out.write(f"{EVIL}\n::add-mask::x\n  ::set-output name=a::b\r::error::cr\n")
    out.write("::notice::after\n")
    log = out.getvalue()
    assert [(c.name, c.data) for c in commands(log)] == [
        ("notice", "before"),
        ("notice", "after"),
    ]
    tokens = [line for line in log.splitlines() if line.startswith("::stop-commands::")]
    assert len(tokens) == 1 and len(tokens[0]) > len("::stop-commands::") + 32


def test_each_stopped_block_has_its_own_token() -> None:
    first, second = io.StringIO(), io.StringIO()
    with stopped(first):
        pass
    with stopped(second):
        pass
    assert first.getvalue() != second.getvalue()


def test_the_oracle_sees_what_an_unescaped_log_would_run() -> None:
    assert [c.name for c in commands(f"Error: {EVIL}\n")] == ["error"]


def test_past_ten_of_a_kind_the_last_annotation_shown_says_how_many_more_the_log_has() -> None:
    # GitHub shows 10 error and 10 warning annotations per step and drops the rest silently:
    # a reviewer who fixed the ten shown would take the pull request for clean.
    errors = [Diagnostic("posts/a.yaml", n, 1, "caption", f"problem {n}") for n in range(1, 26)]
    warnings = [Diagnostic("posts/b.yaml", n, 1, "", f"note {n}", "warning") for n in (1, 2)]
    lines = step_annotations([errors[0], *warnings, *errors[1:]], directory="site")
    error_lines = [line for line in lines if line.startswith("::error")]
    assert len(error_lines) == 10
    assert [line.rsplit("::", 1)[1] for line in error_lines[:9]] == [
        f"caption: problem {n}" for n in range(1, 10)
    ]
    assert error_lines[-1].startswith("::error title=gitops-publisher::… and 16 more error(s)")
    assert "the step's log lists every one" in error_lines[-1]
    assert lines[1].startswith("::warning file=site/posts/b.yaml,line=1")  # in their order
    assert len([line for line in lines if line.startswith("::warning")]) == 2
    assert step_annotations(errors[:10]) == [annotation(d) for d in errors[:10]]
