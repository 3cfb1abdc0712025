"""Pre-flight is shared by validate, plan and apply, so it must not depend on apply/."""

from __future__ import annotations

import ast
from pathlib import Path

import gitops_publisher

PACKAGE = Path(gitops_publisher.__file__).parent


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_preflight_imports_nothing_of_apply_or_the_commands() -> None:
    found = {
        (path.name, module)
        for path in sorted((PACKAGE / "preflight").glob("*.py"))
        for module in imported(path)
        if module.startswith(
            ("gitops_publisher.apply", "gitops_publisher.cli", "gitops_publisher.github")
        )
    }
    assert found == set()


def test_media_rules_values_are_pure_data() -> None:
    for path in [PACKAGE / "core" / "media_rules.py", PACKAGE / "preflight" / "rules.py"]:
        assert {m for m in imported(path) if not m.startswith("gitops_publisher")} <= {
            "__future__",
            "dataclasses",
            "typing",
        }, path
