"""What a module's code names, outside its documentation: the scans that keep the edges free
of platform names (``compose.py``, ``apply/``: docs/architecture.md, "Adding a platform")."""

from __future__ import annotations

import ast

PLATFORM_NAMES = ("tiktok", "youtube", "google")


def names_in_code(source: str) -> list[str]:
    """Every name and string of ``source`` outside docstrings and comments.

    A string that is a statement of its own (a docstring, an attribute's docstring) is
    documentation; comments are not in the tree.
    """
    tree = ast.parse(source)
    documentation = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }
    words: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in documentation:
                words.append(node.value)
        elif isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, ast.ImportFrom):
            words.append(node.module or "")
        elif isinstance(node, ast.alias):
            words.append(node.name)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            words.append(node.name)
        elif isinstance(node, ast.arg):
            words.append(node.arg)
        elif isinstance(node, ast.keyword) and node.arg is not None:
            words.append(node.arg)
    return words


def platforms_named(source: str) -> list[str]:
    """The names and strings of ``source``'s code that name a platform."""
    return [w for w in names_in_code(source) if any(p in w.lower() for p in PLATFORM_NAMES)]
