"""``publisher schema``: print one schema, all of them, or write the files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from gitops_publisher.core.schemas import SCHEMA_NAMES

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"


def test_one_schema_prints_exactly_the_committed_file(publisher: Callable[..., Result]) -> None:
    for name in SCHEMA_NAMES:
        result = publisher("schema", "--name", name)
        assert result.exit_code == 0
        assert result.stdout == (SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8")


def test_without_a_name_all_schemas_print_as_one_json_object(
    publisher: Callable[..., Result],
) -> None:
    result = publisher("schema")
    assert result.exit_code == 0
    everything = json.loads(result.stdout)
    assert list(everything) == list(SCHEMA_NAMES)
    assert everything["plan"]["title"].startswith("gitops-publisher plan")


def test_write_creates_the_files(publisher: Callable[..., Result], tmp_path: Path) -> None:
    result = publisher("schema", "--write", tmp_path / "out")
    assert result.exit_code == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(f"{n}.schema.json" for n in SCHEMA_NAMES)
    assert result.stdout.count("wrote ") == len(SCHEMA_NAMES)

    only = publisher("schema", "--name", "post", "--write", tmp_path / "one")
    assert only.exit_code == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["post.schema.json"]


def test_an_unwritable_target_is_a_clean_error(
    publisher: Callable[..., Result], tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    result = publisher("schema", "--write", blocker / "sub")
    assert result.exit_code == 1
    assert "cannot write the schemas" in result.stderr
    assert "Traceback" not in result.output


def test_an_unknown_name_is_a_usage_error_exit_1(publisher: Callable[..., Result]) -> None:
    result = publisher("schema", "--name", "manifest")
    assert result.exit_code == 1  # the user's input, as every error (2 means "changes")
    assert "config" in result.stderr and "post" in result.stderr
