"""The loader builds plain documents itself, exactly as ruamel's own constructor would."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from ruamel.yaml.constructor import BaseConstructor

from gitops_publisher.workspace import yamlio
from tests.workspace.test_project_fuzz import YAMLISH


class _RuamelOnly(yamlio._Loader):
    """The same loader with ruamel's constructor for every document (the reference)."""

    def construct_document(self, node: Any) -> Any:
        return BaseConstructor.construct_document(self, node)


def _outcome(loader_class: type[yamlio._Loader], text: str) -> tuple[str, str]:
    """What loading ``text`` gives: the documents (types shown), or the error raised."""
    loader = loader_class(text)
    try:
        documents = []
        while loader.check_data():
            documents.append(loader.get_data())
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return type(exc).__name__, str(exc)
    finally:
        loader.dispose()
    return "ok", repr(documents)  # repr tells 1, 1.0 and True apart


CASES = [
    "version: 1\nid: a\naccounts: [brand-us, brand-uk]\ncaption: 'Hi #tag'\n",
    "n: 1\nf: 1.5\ne: 1e3\nx: 0x1F\no: 0o17\nb: true\nz: ~\nnan: .nan\ninf: -.inf\n",
    "publish_at: 2026-12-01T09:00:00Z\nday: 2026-12-01\nbad: 2026-13-45T10:00:00Z\n",
    "q: '1'\nd: \"2026-12-01\"\nt: !!str 12\ni: !!int '7'\nlit: |\n  a\n  b\n",
    "1: one\n1.0: float\ntrue: bool\nnull: none\n",
    "a: 1\na: 2\n",  # a duplicate key: ruamel's error
    "a: 1\n1: 2\n1.0: 3\n",  # 1 and 1.0 are one key
    "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",  # a merge key
    "a: &x [1, 2]\nb: *x\n",  # an alias: one shared list
    "a: &s text\nb: *s\n",  # an alias of a scalar
    "a: &r [*r]\n",  # a recursive alias
    "? [a, b]\n: 1\n",  # a non-scalar key
    "? {a: 1}\n: 1\n",
    "= : 1\nx: =\n",  # YAML's value key
    "t: !custom 1\n",
    "b: !!binary aGVsbG8=\n",
    "s: !!set {a, b}\n",
    "i: !!int nope\n",
    "tag: !<tag:yaml.org,2002:str> x\nesc: !<tag:yaml.org,2002:st%72> y\n",
    "---\nid: a\n---\n---\n- 1\n- [2, {3: 4}]\n...\n",
    "",
    "# only a comment\n",
    "[" * 40 + "]" * 40,
    "- " * 400 + "x\n",
]


@pytest.mark.parametrize("text", CASES)
def test_documents_and_errors_are_ruamels(text: str) -> None:
    assert _outcome(yamlio._Loader, text) == _outcome(_RuamelOnly, text)


@settings(max_examples=400, deadline=None)
@given(YAMLISH)
def test_any_yamlish_text_loads_as_ruamel_loads_it(text: str) -> None:
    assert _outcome(yamlio._Loader, text) == _outcome(_RuamelOnly, text)


def test_an_alias_keeps_one_shared_value() -> None:
    # an alias bomb is stopped by the budget, which counts a shared value at each use
    (document,) = yamlio._load_all("a: &x [1, 2]\nb: *x\n")
    assert document["a"] is document["b"]


def test_a_plain_manifest_is_built_without_ruamels_constructor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("ruamel's per-node constructor ran")

    monkeypatch.setattr(yamlio._Loader, "construct_object", refuse)
    text = "version: 1\nid: a\naccounts: [brand-us]\ninteractions: {comments: true}\nn: 1.5\n"
    assert yamlio.load_documents(text) == [
        {
            "version": 1,
            "id": "a",
            "accounts": ["brand-us"],
            "interactions": {"comments": True},
            "n": 1.5,
        }
    ]
