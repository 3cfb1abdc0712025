"""Checking a document against a published JSON Schema, with JSON-pointer positions (jsonschema).

The models (pydantic) decide what the tool accepts; this module explains a refusal of a JSON
document the tool did not write itself (a saved plan edited by hand or produced by another
tool, a state file from elsewhere) in the terms of the schema users can read: one line per
violation, at its JSON pointer (``/changes/0/action``). Messages never quote the document's
values (a hand-edited file might hold a token); they name what the schema wants instead.
jsonschema is imported here only, when a check runs (about 100 ms to import).
"""

from __future__ import annotations

from typing import Any

from gitops_publisher.core.schemas import SchemaName, build_schema

MAX_PROBLEMS = 20


def json_pointer(path: Any) -> str:
    """RFC 6901 pointer of a path of keys and indexes (``""`` is the whole document)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def schema_problems(name: SchemaName, document: Any) -> list[tuple[str, str]]:
    """Return ``(pointer, message)`` per violation of schema ``name``, in document order."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(build_schema(name))
    found = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    return [(json_pointer(e.absolute_path), _message(e)) for e in found[:MAX_PROBLEMS]]


def _message(error: Any) -> str:
    kind, wanted = error.validator, error.validator_value
    if kind in ("required", "additionalProperties", "const"):
        if kind == "const":
            return f"must be {wanted!r}"
        return str(error.message)  # names properties, never values
    if kind == "enum":
        return "must be one of " + ", ".join(repr(v) for v in wanted)
    if kind == "type":
        return f"must be of type {wanted}"
    if kind in ("anyOf", "oneOf"):
        return "matches none of the allowed shapes"
    return f"fails the schema's {kind!r} rule ({wanted!r})"
