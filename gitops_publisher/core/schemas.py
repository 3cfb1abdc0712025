"""JSON Schemas generated from the pydantic models: one source of truth for every document.

``schema/*.schema.json`` is the output of :func:`write_schemas` and is committed, so editors
validate and complete manifests (``# yaml-language-server: $schema=...``) and machines can check
plan and state documents; a test fails when the committed files are stale.

* ``config`` and ``post`` describe what a user writes (pydantic's *validation* view: optional
  fields may be left out).
* ``state``, ``plan`` and ``calendar`` describe what the tool writes (the *serialization* view).

Output is deterministic: the same models always give byte-identical files (fixed top-level key
order, the models' field order below it), so regenerating never makes a spurious diff. ``$id``
values are URNs (``urn:gitops-publisher:schema:post:v1``): names, not places. No URL serves these
files, and a made-up domain would invite a fetch that fails; editors find the files by path
instead (``publisher init`` writes them into the content repository, see workspace/scaffold.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import core_schema

from gitops_publisher.core.calendar import CALENDAR_FORMAT_VERSION, Calendar
from gitops_publisher.core.models import Config, PostManifest
from gitops_publisher.core.plan import PLAN_FORMAT_VERSION, Plan
from gitops_publisher.core.state import STATE_VERSION, State

SchemaName = Literal["config", "post", "state", "plan", "calendar"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "urn:gitops-publisher:schema:"
REGENERATE = "publisher schema --write schema/"

# An aware date-time ends with Z or an offset; pydantic's "date-time" format alone allows none.
_AWARE_PATTERN = r"(?:[Zz]|[+-]\d{2}:?\d{2})$"


@dataclass(frozen=True)
class _Spec:
    model: type[BaseModel]
    mode: JsonSchemaMode
    title: str
    description: str
    version: int  # of the document format (config and post files say ``version: 1``)


_SPECS: Mapping[SchemaName, _Spec] = {
    "config": _Spec(
        Config,
        "validation",
        "gitops-publisher config (publisher.yaml)",
        "Project config: accounts, defaults merged into every post, and the state backend. "
        "Secrets never live here: each account names the environment variable of its token.",
        1,
    ),
    "post": _Spec(
        PostManifest,
        "validation",
        "gitops-publisher post manifest (posts/**/*.yaml)",
        "One video post, published once per account it lists. A file may hold several "
        "documents separated by ---.",
        1,
    ),
    "state": _Spec(
        State,
        "serialization",
        f"gitops-publisher state (version {STATE_VERSION})",
        "The record of what was published: {version, lineage, serial, resources}, one record "
        "per POST_ID@ACCOUNT address. Written by publisher; never holds a secret.",
        STATE_VERSION,
    ),
    "plan": _Spec(
        Plan,
        "serialization",
        f"gitops-publisher plan (format_version {PLAN_FORMAT_VERSION})",
        "Output of `publisher plan --format json` and of `publisher plan -o FILE`: one change "
        "per address with the action apply takes and what TikTok would receive.",
        PLAN_FORMAT_VERSION,
    ),
    "calendar": _Spec(
        Calendar,
        "serialization",
        f"gitops-publisher calendar (format_version {CALENDAR_FORMAT_VERSION})",
        "Output of `publisher calendar --format json`: every scheduled and published post, "
        "each with its day and local time in its account's time zone.",
        CALENDAR_FORMAT_VERSION,
    ),
}

SCHEMA_NAMES: tuple[SchemaName, ...] = tuple(_SPECS)


class _Generator(GenerateJsonSchema):
    """pydantic's generator with two rules pydantic leaves out of the JSON Schema."""

    def datetime_schema(self, schema: core_schema.DatetimeSchema) -> JsonSchemaValue:
        """Aware date-times (``publish_at``...) must carry a zone, as the models require."""
        out = super().datetime_schema(schema)
        if schema.get("tz_constraint") == "aware":
            out["pattern"] = _AWARE_PATTERN
        return out

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        """A dict with constrained keys (account names) refuses other keys, as the model does."""
        out = super().dict_schema(schema)
        if "patternProperties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out


def schema_file_name(name: SchemaName) -> str:
    """``post`` -> ``post.schema.json``."""
    return f"{name}.schema.json"


def build_schema(name: SchemaName) -> dict[str, Any]:
    """Return the JSON Schema document ``name`` (config, post, state or plan).

    Raises:
        KeyError: ``name`` is not one of :data:`SCHEMA_NAMES`.
    """
    spec = _SPECS[name]
    generated = spec.model.model_json_schema(mode=spec.mode, schema_generator=_Generator)
    head: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": f"{ID_BASE}{name}:v{spec.version}",
        "$comment": f"Generated from the pydantic models by `{REGENERATE}`; do not edit.",
        "title": spec.title,
        "description": spec.description,
    }
    body = {k: v for k, v in generated.items() if k not in ("title", "description", "$defs")}
    if "$defs" in generated:
        body["$defs"] = dict(sorted(generated["$defs"].items()))
    return head | body


def render_schema(name: SchemaName) -> str:
    """Return schema ``name`` as the exact text committed under ``schema/`` (LF, newline)."""
    return json.dumps(build_schema(name), indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path, names: tuple[SchemaName, ...] = SCHEMA_NAMES) -> list[Path]:
    """Write ``<name>.schema.json`` for each of ``names`` into ``directory``.

    A file whose content is already right is left alone (no mtime churn). Returns the paths
    written or already current, in ``names`` order.

    Raises:
        OSError: the directory cannot be created or a file cannot be written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = directory / schema_file_name(name)
        text = render_schema(name)
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if current != text:
            path.write_text(text, encoding="utf-8", newline="\n")
        paths.append(path)
    return paths


def stale_schemas(directory: Path) -> list[str]:
    """Return the file names under ``directory`` that differ from the models (or are missing)."""
    stale = []
    for name in SCHEMA_NAMES:
        path = directory / schema_file_name(name)
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if current != render_schema(name):
            stale.append(path.name)
    return stale
