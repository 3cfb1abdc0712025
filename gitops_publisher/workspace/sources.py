"""Reading one YAML source and turning its problems into positioned diagnostics.

A :class:`Source` composes itself (for line and column) only when it has a problem, so valid
files are read at the C loader's speed. pydantic's errors are rewritten into messages that say
what to do and never quote the input (a pasted secret would be echoed otherwise).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Tag, ValidationError

from gitops_publisher.core.models import (
    CHANNEL_ID_PATTERN,
    ENV_PATTERN,
    HANDLE_PATTERN,
    HASHTAG_PATTERN,
    LANGUAGE_PATTERN,
    OPEN_ID_PATTERN,
    SLUG_PATTERN,
    YOUTUBE_HANDLE_PATTERN,
)
from gitops_publisher.core.policy import PolicyViolation
from gitops_publisher.core.policy_schema import TERM_PATTERN
from gitops_publisher.core.secrets import find_secret_keys, find_secrets, shown_key
from gitops_publisher.errors import Diagnostic
from gitops_publisher.workspace import yamlio

_M = typing.TypeVar("_M", bound=BaseModel)


@dataclass
class Source:
    """One YAML file being read; composes itself for positions only if it has problems."""

    display: str
    text: str
    _nodes: list[Any] | None = None

    def diagnostic(
        self, doc: int, path: tuple[str | int, ...], message: str, *, key: bool = False
    ) -> Diagnostic:
        """A diagnostic at ``path`` of document ``doc`` (``key``: at the key itself)."""
        if self._nodes is None:
            self._nodes = yamlio.compose(self.text)
        pos = yamlio.locate(self._nodes, doc, path, key=key)
        dotted = ".".join(shown_key(p) for p in path)
        return Diagnostic(
            self.display, pos.line if pos else None, pos.column if pos else None, dotted, message
        )

    def violation(self, doc: int, item: PolicyViolation, *, key: bool = False) -> Diagnostic:
        """A content-policy violation positioned at its field."""
        return replace(
            self.diagnostic(doc, item.path, item.message, key=key), severity=item.severity
        )


def read_source(path: Path, display: str, out: list[Diagnostic]) -> tuple[Source, list[Any]]:
    """Read and parse ``path``; a problem goes to ``out`` and yields no documents."""
    try:
        text = yamlio.decode(yamlio.read_bytes(path))
        documents = yamlio.load_documents(text)
    except yamlio.YamlProblem as exc:
        out.append(Diagnostic(display, exc.line, exc.column, "", exc.message))
        return Source(display, ""), []
    except OSError as exc:
        out.append(Diagnostic(display, None, None, "", f"cannot read file: {exc.strerror}"))
        return Source(display, ""), []
    return Source(display, text), documents


def secret_diagnostics(source: Source, doc: int, document: Any) -> list[Diagnostic]:
    """One diagnostic per secret-looking value or mapping key (never showing it)."""
    return _secret_diagnostics(
        source, doc, list(find_secrets(document)), list(find_secret_keys(document))
    )


def _secret_diagnostics(
    source: Source,
    doc: int,
    values: Sequence[tuple[tuple[str | int, ...], str]],
    keys: Sequence[tuple[tuple[str | int, ...], str]],
) -> list[Diagnostic]:
    """The diagnostics of secrets found (``find_secrets``, ``find_secret_keys``)."""
    advice = (
        "secrets never live in YAML (it is not shown): remove it, rotate it if it was "
        "committed, and name an environment variable instead (refresh_token_env, "
        "client_secret_env)"
    )
    return [
        source.diagnostic(doc, path, f"this value looks like {kind}; {advice}")
        for path, kind in values
    ] + [
        source.diagnostic(doc, path, f"this key looks like {kind}; {advice}", key=True)
        for path, kind in keys
    ]


def validate_partial(
    source: Source,
    doc: int,
    document: dict[Any, Any],
    model: type[_M],
    out: list[Diagnostic],
    *,
    placeholders: dict[str, Any],
) -> tuple[_M | None, frozenset[str]]:
    """Validate one document, and when it fails, the rest of it.

    Every problem goes to ``out`` (secrets first, never echoed). A document holding a secret
    is never accepted, but its other problems are still reported so that one run shows
    everything to fix. A document with problems still yields a model, built from what is
    valid: each invalid field (wrong value, holding a secret, or the field a misspelled key
    probably meant) is left at its default, or at ``placeholders[name]`` when it is
    required, and named in ``unknown`` (``privacy``; a field of a block, ``youtube.title``;
    see :func:`_without`). The later checks of the document run on that model and skip every
    check reading an unknown field, so one run reports every independent problem and never
    a misleading one that only follows from a field already reported. ``unknown`` is empty
    only for a valid document, the only one that may be acted on.

    Returns ``(None, unknown)`` when not even that model can be built, or when ``version``
    is wrong (a file of another format: its other fields mean something else).
    """
    values, keys = list(find_secrets(document)), list(find_secret_keys(document))  # once
    secrets = _secret_diagnostics(source, doc, values, keys)
    out.extend(secrets)
    bad = [path for path, _ in [*values, *keys]]
    try:
        valid = model.model_validate(document)
    except ValidationError as exc:
        flagged = {d.field for d in secrets}
        problems = validation_diagnostics(source, doc, exc, model)
        out.extend(d for d in problems if d.field not in flagged)
        bad += _invalid_paths(exc, model)
    else:
        if not bad:
            return valid, frozenset()
    for paths in (bad, [path[:1] for path in bad]):  # then without the fields as a whole
        rest, unknown = _without(document, paths, model, placeholders)
        if "version" in unknown:
            return None, frozenset(unknown)
        for name, info in model.model_fields.items():
            if info.is_required() and name not in rest and name in placeholders:
                unknown.add(name)
                rest[name] = placeholders[name]
        try:
            return model.model_validate(rest), frozenset(unknown)
        except ValidationError as again:
            # What is left of a field may be refused (a list of accounts left empty, or
            # naming one twice once an entry is dropped): try again without the fields
            # whole; a validator across fields may still refuse what is left. A rule of
            # ours broken by the entries left (a name listed twice) is a problem of its
            # own, which the first validation, stopped at the invalid entry, did not see.
            if paths is bad:
                out.extend(_left_problems(source, doc, again, model, unknown))
    return None, frozenset(unknown)


def _left_problems(
    source: Source, doc: int, exc: ValidationError, model: type[BaseModel], unknown: set[str]
) -> list[Diagnostic]:
    """Our validators' problems with the valid entries left of a list or mapping of names.

    (Not of a block: what is left of it may break a rule only for the field dropped.)
    """
    cut = {name.partition(".")[0] for name in unknown if "." in name}
    plain = {
        name
        for name in cut
        if typing.get_origin(annotation := _plain(model.model_fields[name].annotation))
        in (list, dict)
        and _is_plain(typing.get_args(annotation)[-1])
    }
    return [
        problem
        for problem, error in zip(
            validation_diagnostics(source, doc, exc, model),
            exc.errors(include_input=False, include_url=False),
            strict=True,
        )
        if error["type"] == "value_error"
        and len(error["loc"]) == 1
        and str(error["loc"][0]) in plain
    ]


def _invalid_paths(exc: ValidationError, model: type[BaseModel]) -> list[tuple[Any, ...]]:
    """Where each error is; for a misspelled key, the field it probably meant instead."""
    paths: list[tuple[Any, ...]] = []
    for error in exc.errors(include_input=False, include_url=False):
        raw = tuple(error["loc"])
        loc, _ = _walk(model, raw[:-1] if raw[-1:] == ("[key]",) else raw)
        if error["type"] == "extra_forbidden" and loc:
            _, parent = _walk(model, loc[:-1])
            if isinstance(parent, type) and issubclass(parent, BaseModel):
                guess = difflib.get_close_matches(str(loc[-1]), list(parent.model_fields), n=1)
                paths.extend((*loc[:-1], name) for name in guess)
        paths.append(loc)
    return paths


def _without(
    document: dict[Any, Any],
    paths: list[tuple[Any, ...]],
    model: type[BaseModel],
    placeholders: dict[str, Any],
) -> tuple[dict[str, Any], set[str]]:
    """``document`` without what ``paths`` point into, and the names of the fields dropped.

    A field of a block (a nested model's mapping: ``youtube.title``; a field of an entry of
    a mapping of blocks: ``accounts.brand-us.timezone``, or its ``placeholders`` value under
    ``accounts.*.refresh_token_env``) is dropped from its block; an entry of a list or a
    mapping of plain values (``accounts.1``, a post's third account; ``captions.brand-jp``,
    its key or its text) from its list or mapping, the names keeping the document's
    indexes; anything else drops the whole top-level field.
    """
    points = {_drop_point(document, path, model) for path in paths if path}
    whole = {point[0] for point in points if len(point) == 1}
    rest = {
        str(key): value
        for key, value in document.items()
        if str(key) in model.model_fields and str(key) not in whole
    }
    for point in sorted(p for p in points if len(p) > 1 and p[0] not in whole):
        top, *inner = point
        if len(inner) == 1 and isinstance(rest[top], list):
            dropped = {int(p[1]) for p in points if len(p) == 2 and p[0] == top}
            rest[top] = [v for i, v in enumerate(document[top]) if i not in dropped]
            continue
        if len(inner) == 1:
            rest[top] = {k: v for k, v in rest[top].items() if str(k) != inner[0]}
            continue
        entry = {k: v for k, v in rest[top][inner[0]].items() if str(k) != inner[1]}
        stand_in = f"{top}.*.{inner[1]}"
        if stand_in in placeholders:
            entry[inner[1]] = placeholders[stand_in]
        rest[top] = {**rest[top], inner[0]: entry}
    return rest, {".".join(point) for point in points}


def _drop_point(
    document: dict[Any, Any], path: tuple[Any, ...], model: type[BaseModel]
) -> tuple[str, ...]:
    """What to drop for a problem at ``path``: see :func:`_without`."""
    top = str(path[0])
    info = model.model_fields.get(top)
    nested = _plain(info.annotation) if info is not None else None
    value = document.get(top)
    if len(path) > 1 and isinstance(value, dict):
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            return top, str(path[1])
        entry = value.get(path[1]) if isinstance(path[1], str) else None
        if typing.get_origin(nested) is dict and len(path) > 2 and isinstance(entry, dict):
            return top, str(path[1]), str(path[2])
        if typing.get_origin(nested) is dict and _is_plain(typing.get_args(nested)[-1]):
            return top, str(path[1])  # a key or a value of a mapping of text: captions
    if len(path) > 1 and isinstance(value, list) and isinstance(path[1], int):
        if typing.get_origin(nested) is list and _is_plain(typing.get_args(nested)[-1]):
            return top, str(path[1])  # an entry of a list of names: accounts
    return (top,)


def _is_plain(annotation: Any) -> bool:
    """Whether values of ``annotation`` are plain (text, numbers), not blocks or lists."""
    return _plain(annotation) in (str, int, float, bool)


_HINTS: dict[str, str] = {
    "missing": "required field is missing: add it",
    "too_short": "needs at least one entry",
    "timezone_aware": "needs a time zone, e.g. 2026-12-01T09:00:00-05:00 or ...Z",
    "datetime_from_date_parsing": "is not an ISO 8601 date-time (e.g. 2026-12-01T09:00:00-05:00)",
    "datetime_parsing": "is not an ISO 8601 date-time (e.g. 2026-12-01T09:00:00-05:00)",
    "datetime_type": "is not an ISO 8601 date-time (e.g. 2026-12-01T09:00:00-05:00)",
    # YAML reads an unquoted 2026, 1.5 or true as a number or a boolean, not as text
    "string_type": "must be text: put it in quotes",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "int_parsing": "must be a whole number (e.g. 1200)",
    "int_type": "must be a whole number (e.g. 1200)",
    "int_from_float": "must be a whole number (e.g. 1200)",
    "list_type": "must be a list: [a, b], or one `- item` line each",
}


def _mapping_message(found: Any) -> str:
    """What a block given as a value or a list must be, naming its fields (never a class)."""
    if isinstance(found, type) and issubclass(found, BaseModel):
        fields = ", ".join(found.model_fields)
        return f"must be a mapping of fields (`field: value` lines, or {{field: value}}): {fields}"
    return "must be a mapping (`key: value` lines, or {key: value})"


_PATTERN_MESSAGES: dict[str, str] = {
    SLUG_PATTERN: "must be 1-64 lowercase letters, digits, '.', '_' or '-', starting with a "
    "letter or digit",
    HASHTAG_PATTERN: "a hashtag is one word: no spaces, '#' or '@' inside",
    HANDLE_PATTERN: "must be the user's TikTok handle (their @username, not the display name): "
    "1-64 letters, digits, '.', '_' or '-' ('@' optional)",
    OPEN_ID_PATTERN: "must be the user's TikTok open_id: letters, digits, '.', '_', ':' or '-' "
    "(`publisher auth status` shows it once the account has a token)",
    TERM_PATTERN: "must be a word or phrase: not empty, not only spaces",
    YOUTUBE_HANDLE_PATTERN: "must be the channel's @handle: 3-30 letters, digits, '.', '_' or "
    "'-' ('@' optional)",
    CHANNEL_ID_PATTERN: "must be a YouTube channel id: 'UC' and 22 letters, digits, '_' or '-' "
    "(`publisher auth login` prints the channel's; `auth status` shows it once pinned)",
    LANGUAGE_PATTERN: "must be a language code such as en, en-US, pt-BR or zh-Hans",
}


_ENV_NAME = "must be an environment variable name: uppercase letters, digits and '_' (e.g. {})"
# An example of the field's own kind (the value itself is never echoed: it may be a secret).
_ENV_EXAMPLES: dict[str, str] = {
    "client_id_env": "YOUTUBE_CLIENT_ID",
    "client_secret_env": "YOUTUBE_CLIENT_SECRET",
    "url_env": "SLACK_WEBHOOK_URL",
}


def _env_name_message(raw: tuple[Any, ...], loc: tuple[Any, ...]) -> str:
    """What an environment variable name must be, with an example for this field."""
    example = _ENV_EXAMPLES.get(str(loc[-1]) if loc else "")
    if example is None:  # an account's refresh_token_env
        example = (
            "YOUTUBE_REFRESH_TOKEN_ACME" if "youtube" in raw else "TIKTOK_REFRESH_TOKEN_BRAND_US"
        )
    return _ENV_NAME.format(example)


def validation_diagnostics(
    source: Source, doc: int, exc: ValidationError, model: type[BaseModel]
) -> list[Diagnostic]:
    """Pydantic's errors as positioned diagnostics that say what to do (input never quoted)."""
    out = []
    for error in exc.errors(include_input=False, include_url=False):
        raw = tuple(error["loc"])
        kind = error["type"]
        on_key = bool(raw) and raw[-1] == "[key]"  # a dict key itself is invalid
        if on_key:
            raw = raw[:-1]
        loc, found = _walk(model, raw)
        if kind == "extra_forbidden":
            out.append(source.diagnostic(doc, loc, _unknown_field(model, raw), key=True))
            continue
        if kind == "provider":  # the account union's discriminator: at the provider: key
            loc = (*loc, "provider")
        if kind == "string_pattern_mismatch":
            pattern = str((error.get("ctx") or {}).get("pattern", ""))
            if pattern == ENV_PATTERN:
                message = _env_name_message(raw, loc)
            else:
                message = _PATTERN_MESSAGES.get(pattern, str(error["msg"]))
        elif kind == "literal_error" and loc == ("version",):
            message = (
                "must be 1: this gitops-publisher reads version 1 files (upgrade it if "
                "the file was written for a newer one)"
            )
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            message = _mapping_message(found)
        elif kind == "missing" and loc == ("version",):
            message = "required: add `version: 1` (the format of this file) as its first key"
        elif kind in _HINTS:
            message = _HINTS[kind]
        else:
            # pydantic's msg never contains the input here (include_input=False and no
            # message of these types quotes it); it may be a sentence from our validators.
            message = str(error["msg"]).removeprefix("Value error, ")
            if message.startswith("Input should be "):  # pydantic's words for a wrong value
                message = "must be " + message.removeprefix("Input should be ")
        out.append(source.diagnostic(doc, loc, message, key=on_key))
    return out


def _unknown_field(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    name = shown_key(loc[-1])
    path, parent = _walk(model, loc[:-1])
    if not (isinstance(parent, type) and issubclass(parent, BaseModel)):
        return f"unknown field '{name}'"
    allowed = list(parent.model_fields)
    allowed_text = f"allowed here: {', '.join(allowed)}"
    if (moved := _misplaced(model, loc, path, parent)) is not None:
        return f"unknown field '{name}' here: {moved}; {allowed_text}"
    close = difflib.get_close_matches(name, allowed, n=1)
    guess = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown field '{name}'{guess}; {allowed_text}"


def _misplaced(
    model: type[BaseModel], loc: tuple[Any, ...], path: tuple[Any, ...], parent: type[BaseModel]
) -> str | None:
    """Where an unknown field belongs when it is a field one block down or one level up.

    ``title:`` beside ``youtube:`` belongs in it; ``publish_at:`` inside ``youtube:`` belongs
    beside it (None: neither).
    """
    name = str(loc[-1])
    prefix = "".join(f"{part}." for part in path)
    for block, info in parent.model_fields.items():
        inner = _plain(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel) and name in inner.model_fields:
            return f"it belongs in the {block}: block ({prefix}{block}.{name})"
    if len(path) >= 1 and isinstance(path[-1], str):
        _, outer = _walk(model, loc[:-2])
        if isinstance(outer, type) and issubclass(outer, BaseModel) and name in outer.model_fields:
            up = "".join(f"{part}." for part in path[:-1])
            return f"it belongs one level up, beside {path[-1]}: ({up}{name})"
    return None


def _walk(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], Any]:
    """Follow pydantic's error location ``loc`` through ``model``'s types.

    Returns the location as a path inside the document (the tag pydantic adds for a
    discriminated union, ``accounts.yt.youtube.handle``, is not a key of the file and is
    dropped) and the type found at its end (None when the location leaves the models).
    """
    path: list[Any] = []
    current: Any = model
    for part in loc:
        current = _plain(current)
        members = _tagged(current)
        if part in members:
            current = members[part]
            continue
        path.append(part)
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            current = info.annotation if info is not None else None
        elif typing.get_origin(current) in (dict, list):
            current = typing.get_args(current)[-1]  # a key or an index: the item's type
        else:
            current = None
    return tuple(path), _plain(current)


def _plain(annotation: Any) -> Any:
    """``annotation`` without ``Annotated`` metadata and without ``| None``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation


def _tagged(annotation: Any) -> dict[str, Any]:
    """The members of a discriminated union by tag (empty for any other type)."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return {}
    out = {}
    for member in typing.get_args(annotation):
        if typing.get_origin(member) is typing.Annotated:
            for extra in typing.get_args(member)[1:]:
                if isinstance(extra, Tag):
                    out[extra.tag] = typing.get_args(member)[0]
    return out


def reading_order(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Files in the order they were read; within a file, top to bottom (stable)."""
    files: dict[str, int] = {}
    for diagnostic in diagnostics:
        files.setdefault(diagnostic.file, len(files))
    return sorted(diagnostics, key=lambda d: (files[d.file], d.line or 0, d.column or 0))
