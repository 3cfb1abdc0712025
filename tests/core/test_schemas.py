"""The committed JSON Schemas: current, valid, and agreeing with the models on real documents."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gitops_publisher.core.schemas import (
    REGENERATE,
    SCHEMA_NAMES,
    build_schema,
    render_schema,
    stale_schemas,
    write_schemas,
)
from gitops_publisher.core.state import Record, State
from gitops_publisher.workspace import yamlio
from gitops_publisher.workspace.state_file import FileStateStore

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "schema"
EXAMPLES = ROOT / "examples"
GOLDEN_STATE = ROOT / "tests" / "golden" / "state" / "v2.json"
HEADER = re.compile(r"^# yaml-language-server: \$schema=(?P<path>\S+)$")


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def errors(name: str, document: Any) -> list[str]:
    return [error.message for error in validator(name).iter_errors(document)]


def test_committed_schemas_are_current() -> None:
    stale = stale_schemas(SCHEMA_DIR)
    assert stale == [], f"schema/{stale} out of date with the models: run `{REGENERATE}`"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_each_schema_is_a_valid_2020_12_schema_with_id_and_title(name: str) -> None:
    schema = build_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert list(schema)[:5] == ["$schema", "$id", "$comment", "title", "description"]
    assert re.fullmatch(rf"urn:gitops-publisher:schema:{name}:v\d+", schema["$id"])
    assert schema["title"].startswith("gitops-publisher ")
    assert REGENERATE in schema["$comment"]


def test_rendering_is_deterministic_and_writing_is_idempotent(tmp_path: Path) -> None:
    assert [render_schema(n) for n in SCHEMA_NAMES] == [render_schema(n) for n in SCHEMA_NAMES]
    paths = write_schemas(tmp_path)
    assert [p.name for p in paths] == [f"{n}.schema.json" for n in SCHEMA_NAMES]
    stamps = [p.stat().st_mtime_ns for p in paths]
    write_schemas(tmp_path)
    assert [p.stat().st_mtime_ns for p in paths] == stamps  # unchanged files not rewritten
    assert stale_schemas(tmp_path) == []
    (tmp_path / "post.schema.json").write_text("{}", encoding="utf-8")
    (tmp_path / "plan.schema.json").unlink()
    assert stale_schemas(tmp_path) == ["post.schema.json", "plan.schema.json"]


# --- the examples -----------------------------------------------------------------------------

EXAMPLE_YAML = sorted([EXAMPLES / "publisher.yaml", *(EXAMPLES / "posts").rglob("*.yaml")])


@pytest.mark.parametrize("path", EXAMPLE_YAML, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_every_example_validates_against_its_schema(path: Path) -> None:
    name = "config" if path.name == "publisher.yaml" else "post"
    documents = yamlio.load_documents(path.read_text(encoding="utf-8"))
    assert documents
    for document in documents:
        assert errors(name, document) == []


@pytest.mark.parametrize("path", EXAMPLE_YAML, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_every_example_points_its_editor_at_the_right_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = HEADER.match(first)
    assert match, f"{path.name}: first line should be a yaml-language-server $schema header"
    target = (path.parent / match["path"]).resolve()
    name = "config" if path.name == "publisher.yaml" else "post"
    assert target == SCHEMA_DIR / f"{name}.schema.json"


# --- the schema says what the model says ------------------------------------------------------

POST = {"id": "launch", "accounts": ["brand-us"], "video": "media/a.mp4"}


@pytest.mark.parametrize(
    "change",
    [
        {"captoin": "typo"},
        {"id": "Not A Slug"},
        {"accounts": []},
        {"privacy": "PUBLIC"},
        {"publish_at": "2026-12-01T09:00:00"},  # no zone
        {"cover_timestamp_ms": -1},
        {"interactions": {"comment": True}},
        {"version": 2},
    ],
)
def test_the_post_schema_refuses_what_the_model_refuses(change: dict[str, Any]) -> None:
    assert errors("post", POST) == []
    assert errors("post", POST | change) != []


def test_zoned_times_pass_the_post_schema() -> None:
    for value in ("2026-12-01T09:00:00Z", "2026-12-01T09:00:00-05:00", "2026-12-01T09:00:00+0530"):
        assert errors("post", POST | {"publish_at": value}) == []


def test_the_config_schema_refuses_bad_account_names_and_env_names() -> None:
    good = {"version": 1, "accounts": {"brand-us": {"refresh_token_env": "TOKEN_US"}}}
    assert errors("config", good) == []
    for accounts in (
        {"Brand US": {"refresh_token_env": "T"}},
        {"brand-us": {"refresh_token_env": "token"}},
        {},
    ):
        assert errors("config", good | {"accounts": accounts}) != []
    assert errors("config", {"accounts": good["accounts"]}) != []  # version is required


# --- state documents --------------------------------------------------------------------------


def test_a_written_state_and_the_golden_state_validate(tmp_path: Path) -> None:
    when = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    state = State().with_record(
        Record(
            post_id="launch",
            account="brand-us",
            status="published",
            fingerprint="sha256:" + "a" * 64,
            mode="direct",
            video="media/launch.mp4",
            publish_id="v_pub_file~1",
            post_ids=["7300000000000000001"],
            created_at=when,
            updated_at=when,
            published_at=when,
        )
    )
    path = tmp_path / "state.json"
    FileStateStore(path).write(state)
    assert errors("state", json.loads(path.read_text(encoding="utf-8"))) == []
    assert errors("state", json.loads(GOLDEN_STATE.read_text(encoding="utf-8"))) == []
    assert errors("state", {"version": 1, "lineage": "x", "serial": 0, "resources": {}, "x": 1})


def test_not_after_says_that_on_missed_decides_and_publishes_late_by_default() -> None:
    # The planner publishes a post past its not_after unless on_missed says otherwise: an
    # editor's tooltip saying "do not publish after this time" promised the opposite.
    properties = json.loads((SCHEMA_DIR / "post.schema.json").read_text())["properties"]
    not_after = properties["not_after"]["description"]
    assert "on_missed decides" in not_after and "published late" in not_after
    assert "publish (late; the default" in properties["on_missed"]["description"]
