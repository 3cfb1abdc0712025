"""`publisher show PLANFILE`: a saved plan as text, JSON, Markdown; bad files at JSON pointers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

Run = Callable[..., Result]


def saved_plan(content_repo: Any, publisher: Run, tmp_path: Path) -> tuple[Path, Result]:
    out = tmp_path / "release.plan"
    made = publisher("-C", content_repo.root, "plan", "--offline", "-o", out)
    assert made.exit_code == 0, made.output
    return out, made


def test_show_renders_a_saved_plan_like_plan_did(
    content_repo: Any, publisher: Run, tmp_path: Path
) -> None:
    out, made = saved_plan(content_repo, publisher, tmp_path)
    elsewhere = tmp_path / "elsewhere"  # no project needed: the file says everything
    elsewhere.mkdir()
    text = publisher("-C", elsewhere, "--no-color", "show", out)
    assert text.exit_code == 0, text.output
    assert text.stdout == made.stdout
    as_json = publisher("-C", elsewhere, "show", out, "--format", "json")
    assert json.loads(as_json.stdout) == json.loads(out.read_text(encoding="utf-8"))
    markdown = publisher("-C", elsewhere, "show", out, "--format", "markdown")
    assert markdown.stdout.startswith("### publisher plan\n")
    assert "launch-teaser@brand-us" in markdown.stdout


def test_a_hand_edited_plan_is_explained_at_json_pointers(
    content_repo: Any, publisher: Run, tmp_path: Path
) -> None:
    out, _ = saved_plan(content_repo, publisher, tmp_path)
    document = json.loads(out.read_text(encoding="utf-8"))
    document["changes"][0]["action"] = "publish"
    document["changes"][1]["secret_note"] = "act.1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuV"
    del document["lineage"]
    out.write_text(json.dumps(document), encoding="utf-8")
    for command in (("show", out), ("apply", out, "--sandbox", "--yes")):
        result = publisher("-C", content_repo.root, *command)
        assert result.exit_code == 1, result.output
        err = result.stderr
        assert f"{out} /changes/0/action: must be one of 'create', 'wait'" in err
        assert "/changes/1: Additional properties are not allowed ('secret_note'" in err
        assert f"{out}: 'lineage' is a required property" in err
        assert "act.1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuV" not in result.output
        assert "Traceback" not in result.output


def test_a_plan_naming_a_platform_this_version_does_not_know_is_refused_clearly(
    content_repo: Any, publisher: Run, tmp_path: Path
) -> None:
    """A plan made by a version with another platform (the schema takes any name) is an error."""
    out, _ = saved_plan(content_repo, publisher, tmp_path)
    document = json.loads(out.read_text(encoding="utf-8"))
    document["changes"][1]["provider"] = "instagram"
    address = document["changes"][1]["address"]
    out.write_text(json.dumps(document), encoding="utf-8")
    for command in (
        ("show", out),
        ("show", out, "--format", "markdown"),
        ("apply", out, "--sandbox", "--yes"),
    ):
        result = publisher("-C", content_repo.root, *command)
        assert result.exit_code == 1, result.output
        assert (
            f"{out} /changes/1/provider: platform 'instagram' (of {address}) is not one this "
            "version of gitops-publisher knows (tiktok, youtube)"
        ) in result.stderr
        assert "make the plan again with this version" in result.stderr
        assert "Traceback" not in result.output


def test_a_file_that_is_not_json_is_said_so(publisher: Run, tmp_path: Path) -> None:
    bad = tmp_path / "x.plan"
    bad.write_text("{not json", encoding="utf-8")
    result = publisher("-C", tmp_path, "show", bad)
    assert result.exit_code == 1
    assert f"{bad}:1:2: not valid JSON" in result.stderr
