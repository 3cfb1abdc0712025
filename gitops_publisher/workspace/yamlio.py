"""YAML reading: fast, safe, and with exact positions when something is wrong.

The publisher's one module that imports ruamel.yaml (the emulator, which imports nothing of the
publisher, loads its world files with ruamel in ``sandbox/world.py``; the ``one-module-per-
library`` contract in ``pyproject.toml`` allows exactly these two). Files are parsed with
ruamel's C-based safe loader (about 6x faster than round-trip mode); safe-loaded data carries
no positions, so only a file that has a problem is composed again (``compose_all``, a fraction
of a millisecond) to find the line and column of the offending field.

Guards: a size limit per file, UTF-8 only, duplicate keys refused, an expansion budget against
alias bombs (aliases load as shared references and only explode when traversed), and a depth
limit (ruamel recurses and would raise RecursionError from about 300 levels).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_publisher.core.secrets import shown_key

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 20_000  # values visited, aliases expanded; a real manifest has a few dozen
MAX_DEPTH = 32


class YamlProblem(Exception):
    """A file could not be read as YAML; carries a 1-based position when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def _timestamp_as_text(constructor: Any, node: Any) -> Any:
    # Keep timestamps as text so pydantic parses them with a positioned message; ruamel would
    # raise a bare ValueError without a position for an impossible date (2026-13-45...).
    return constructor.construct_scalar(node)


_LOADER = YAML(typ="safe")  # for the parser events of a failing file (positions)

try:
    from ruamel.yaml.cyaml import CSafeLoader as _SafeLoader  # C parser: ruamel.yaml.clib
except ImportError:  # pragma: no cover - no ruamel.yaml.clib (e.g. PyPy): pure Python
    from ruamel.yaml.loader import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _Loader(_SafeLoader):
    """ruamel's C-based safe loader, with timestamps kept as text.

    Used directly rather than through ``YAML(typ="safe").load_all``, which builds a new
    loader class per call and resolves every scalar through the version-switching resolver:
    about 2x slower on 10,000 small manifests (bench/plan_scale.py). Same parser, YAML 1.2
    rules, duplicate keys refused alike. A subclass, so the timestamp rule does not leak
    into other users of ruamel in the process.
    """

    def construct_document(self, node: Any) -> Any:
        """Build a plain document directly, anything else through ruamel's constructor.

        A manifest is a tree of mappings with scalar keys, lists and scalars of the core
        tags. ruamel's constructor spends most of its time on each node's machinery
        (memos for aliases, a generator per collection, the tag text computed through three
        properties): building that tree in one pass halves the construction of 10,000
        manifests (bench/plan_scale.py). The same constructors make each scalar. Anything
        else (an alias, a merge key, a duplicate or non-scalar key, another tag, any error)
        is left to ruamel from the start, so errors and results are ruamel's own.
        """
        try:
            return _plain(self, node, set())
        except Exception:  # noqa: BLE001 - any surprise: ruamel decides, raising its own error
            return super().construct_document(node)

    @property
    def processing_version(self) -> tuple[int, int]:
        """YAML 1.2, which the constructor asks about (the plain resolver answers None).

        Without it ruamel's float constructor takes 1.1 rules and warns on ``1e3``.
        """
        return (1, 2)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
#: The scalar tags a plain document holds, with the constructors ruamel would call.
_SCALARS: dict[str, Any] = {
    tag: _Loader.yaml_constructors[tag]
    for tag in (
        f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")
    )
}


class _NotPlain(Exception):
    """A node :func:`_plain` does not build: ruamel's constructor builds the document."""


def _tag_text(node: Node) -> str | None:
    """``node.tag`` without computing it: a resolved tag's text is its suffix, unescaped.

    (ruamel's ``Tag.trval`` decodes ``%xx`` escapes of the suffix character by character,
    once per node: the tag of a plain scalar is a new object each time.)
    """
    tag = node.ctag
    if tag is not None and tag.handle is None and isinstance(tag.suffix, str):
        if "%" not in tag.suffix:
            return tag.suffix
    return node.tag


def _plain(loader: _Loader, node: Node, seen: set[int]) -> Any:
    """``node`` built as ruamel's safe constructor builds it, for a plain tree only.

    ``seen``: the ids of the nodes met so far (a node met twice is an alias).

    Raises:
        _NotPlain: an alias, a merge key, a key that is not a scalar or is repeated, a tag
            other than the core ones (or whatever a scalar's constructor raises).
    """
    if id(node) in seen:
        raise _NotPlain
    seen.add(id(node))
    kind, tag = type(node), _tag_text(node)
    if kind is ScalarNode:
        if tag == _STR:
            return node.value
        if tag not in _SCALARS:
            raise _NotPlain
        return _SCALARS[tag](loader, node)
    if kind is SequenceNode and tag == _SEQ:
        return [_plain(loader, child, seen) for child in node.value]
    if kind is not MappingNode or tag != _MAP:
        raise _NotPlain
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if type(key_node) is not ScalarNode:
            raise _NotPlain
        key = _plain(loader, key_node, seen)
        if key in mapping:
            raise _NotPlain
        mapping[key] = _plain(loader, value_node, seen)
    return mapping


_REFUSED_TAG = "refused tag "


def _refuse_tag(constructor: Any, node: Any) -> Any:
    # !!binary would reach a text field as decoded bytes (pydantic accepts bytes for str),
    # past the secret check, which reads text; !!set, !!omap and !!pairs build values whose
    # order or type no manifest field expects.
    raise ConstructorError(None, None, _REFUSED_TAG + str(node.tag), node.start_mark)


for _tag in ("binary", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)


def _load_all(text: str) -> list[Any]:
    loader = _Loader(text)
    try:
        documents = []
        while loader.check_data():
            documents.append(loader.get_data())
        return documents
    finally:
        loader.dispose()


def read_bytes(path: Path) -> bytes:
    """Read a YAML file's bytes, refusing an oversized one before reading it.

    The size is checked on the open file (a symlink to a 1.5 GB file is never read into
    memory) and at most one byte past the limit is read (files such as ``/proc`` entries
    report a size of 0). Opened without blocking, so a FIFO cannot hang the run.

    Raises:
        YamlProblem: not a regular file, or over the size limit.
        OSError: the file cannot be opened or read.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise YamlProblem("not a regular file: a manifest is a plain YAML file")
        raw = handle.read(MAX_FILE_BYTES + 1)
    return _within_limit(raw, max(info.st_size, len(raw)))


def _within_limit(raw: bytes, size: int) -> bytes:
    if size > MAX_FILE_BYTES:
        line = raw[:MAX_FILE_BYTES].count(b"\n") + 1
        raise YamlProblem(
            f"file is {size:,} bytes; manifests are limited to {MAX_FILE_BYTES:,} "
            f"(reached at line {line}): split it into several files",
            line=line,
        )
    return raw


def decode(raw: bytes) -> str:
    """Decode a file's bytes as UTF-8 (a BOM is tolerated).

    Raises:
        YamlProblem: over the size limit, or not UTF-8 (with the line of the first bad byte).
    """
    _within_limit(raw, len(raw))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem("file is not UTF-8 text: save it as UTF-8", line=line) from exc


def load_documents(text: str) -> list[Any]:
    """Parse every YAML document of ``text`` with the safe loader.

    Raises:
        YamlProblem: syntax error, duplicate key, alias bomb, too deep, or unsupported tag,
            positioned where ruamel knows the position.
    """
    try:
        documents = _load_all(text)
    except MarkedYAMLError as exc:
        raise _problem_from_marked(exc, text) from None
    except RecursionError:
        raise _too_deep(text) from None
    except TypeError:  # a list or mapping used as a mapping key: unhashable in Python
        raise YamlProblem(
            "a mapping key must be a plain value (a name), not a list or mapping",
            *_event_position(text, want="key"),
        ) from None
    except (YAMLError, ValueError) as exc:
        raise YamlProblem(f"invalid YAML ({type(exc).__name__})") from None
    for document in documents:
        _check_budget(document, text)
    return documents


def _problem_from_marked(exc: MarkedYAMLError, text: str) -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    context = (exc.context or "").strip()
    opened = context.startswith(("while scanning a quoted", "while parsing a flow"))
    start, end = exc.context_mark, exc.problem_mark
    if opened and start is not None and end is not None and start.index != end.index:
        # An unclosed quote or bracket is only noticed far below (often at the end of the
        # file); point at where it was opened, which is where the fix goes.
        return YamlProblem(
            f"YAML syntax error: {problem} at line {end.line + 1}, column {end.column + 1}, "
            f"{context} that starts here",
            start.line + 1,
            start.column + 1,
        )
    if "duplicate key" in problem:
        # ruamel's text quotes the values; only the key is shown (values may be secrets).
        key = shown_key(problem.split('"')[1]) if '"' in problem else "?"
        problem = f"duplicate key '{key}': each key may appear once in a mapping"
    elif problem.startswith(_REFUSED_TAG):
        tag = problem.removeprefix(_REFUSED_TAG).replace("tag:yaml.org,2002:", "!!")
        problem = (
            f"the YAML tag {tag} is not accepted: manifests hold plain text, numbers and "
            "lists (write the value itself, without the tag)"
        )
    elif "could not determine a constructor" in problem:
        problem = "unsupported YAML tag: manifests use plain YAML values only"
    else:
        problem = f"YAML syntax error: {problem}{_what_to_do(problem, text, mark)}"
    if mark is None:
        return YamlProblem(problem)
    return YamlProblem(problem, line=mark.line + 1, column=mark.column + 1)


#: ruamel's words for a line that does not line up with the mapping around it.
_MISALIGNED = (
    "did not find expected key",
    "mapping values are not allowed",
    "expected <block end>",
    "could not find expected ':'",
)


def _what_to_do(problem: str, text: str, mark: Any) -> str:
    """What fixes the commonest syntax errors: a tab, a line indented off its mapping."""
    at = mark.index if mark is not None else -1
    if "tab character" in problem or (0 <= at < len(text) and text[at] == "\t"):
        return ": YAML indents with spaces only; replace the tab with spaces"
    if problem.startswith(_MISALIGNED):
        return (
            ": check the indentation of this line and the one above (the keys of one mapping "
            "start in the same column), and quote a value that holds ': ' or ' #'"
        )
    return ""


def _check_budget(document: Any, text: str) -> None:
    """Walk a loaded document counting values, aliases expanded, to stop alias bombs."""
    count = 0
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _too_big(text)
        if depth > MAX_DEPTH:
            raise _too_deep(text)
        if isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, depth + 1))
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def _too_deep(text: str) -> YamlProblem:
    message = f"YAML nested more than {MAX_DEPTH} levels deep: manifests are a few levels deep"
    return YamlProblem(message, *_event_position(text, want="deep"))


def _too_big(text: str) -> YamlProblem:
    line, column = _event_position(text, want="alias")
    if line is None:
        return YamlProblem(f"document holds more than {MAX_NODES:,} values: split it")
    return YamlProblem(
        f"this alias makes the document expand to more than {MAX_NODES:,} values (an alias "
        "bomb?): manifests do not need anchors and aliases",
        line,
        column,
    )


def _event_position(
    text: str, *, want: Literal["deep", "alias", "key"]
) -> tuple[int | None, int | None]:
    """Find where a document broke a rule, by scanning parser events.

    The event parser is a state machine (no recursion, no alias expansion), so it is safe on
    the very inputs that hit the limits. ``want``: ``deep``, the first collection nested
    more than :data:`MAX_DEPTH` levels; ``alias``, the first alias; ``key``, the first
    mapping key that is itself a list or mapping. Only runs for a failing file.
    """
    from ruamel.yaml.events import (
        AliasEvent,
        CollectionEndEvent,
        CollectionStartEvent,
        MappingStartEvent,
        NodeEvent,
    )

    open_collections: list[list[bool]] = []  # [is a mapping, next node is a key]
    try:
        for event in _LOADER.parse(text):
            if isinstance(event, NodeEvent):
                is_key = bool(open_collections) and all(open_collections[-1])
                if open_collections and open_collections[-1][0]:
                    open_collections[-1][1] = not open_collections[-1][1]
                if isinstance(event, CollectionStartEvent):
                    if want == "key" and is_key:
                        return _one_based(event.start_mark)
                    open_collections.append([isinstance(event, MappingStartEvent), True])
                    if want == "deep" and len(open_collections) > MAX_DEPTH:
                        return _one_based(event.start_mark)
                elif want == "alias" and isinstance(event, AliasEvent):
                    return _one_based(event.start_mark)
            elif isinstance(event, CollectionEndEvent):
                open_collections.pop()
    except (YAMLError, ValueError, RecursionError):
        pass
    return None, None


def _one_based(mark: Any) -> tuple[int | None, int | None]:
    if mark is None:
        return None, None
    return mark.line + 1, mark.column + 1


@dataclass(frozen=True)
class Position:
    """1-based line and column."""

    line: int
    column: int


def compose(text: str) -> list[Node | None]:
    """Compose every document of ``text`` into position-carrying nodes (failing files only)."""
    try:
        return list(YAML(typ="safe").compose_all(text))
    except (YAMLError, RecursionError, ValueError):
        return []


def locate(
    documents: list[Node | None],
    document_index: int,
    path: tuple[str | int, ...],
    *,
    key: bool = False,
) -> Position | None:
    """Find the position of ``path`` inside document ``document_index``.

    Walks as deep as the path exists: a missing key gives the position of its parent
    mapping, so "field required" points at the right place. With ``key=True`` the position
    is that of the last key itself (for "unknown field" errors).
    """
    if document_index >= len(documents):
        return None
    node = documents[document_index]
    if node is None:
        return None
    for index, part in enumerate(path):
        last = index == len(path) - 1
        if key and last and isinstance(node, MappingNode):
            for key_node, _value in node.value:
                if isinstance(key_node, ScalarNode) and key_node.value == str(part):
                    node = key_node
                    break
            break
        child = _child(node, part)
        if child is None:
            break
        node = child
    mark = node.start_mark
    return Position(mark.line + 1, mark.column + 1)


def _child(node: Node, part: str | int) -> Node | None:
    if isinstance(node, MappingNode):
        for key_node, value in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == str(part):
                return value  # type: ignore[no-any-return]
        return None
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]  # type: ignore[no-any-return]
    return None
