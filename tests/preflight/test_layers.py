"""Pre-flight is shared by validate, plan and apply, so it must not depend on apply/."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

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


def test_preflight_imports_no_layer_above_it_and_the_layers_ignore_nothing() -> None:
    """Plan's creator checks name what they read of ``planning.Planned`` by its shape."""
    above = ("gitops_publisher.planning", "gitops_publisher.compose", "gitops_publisher.workspace")
    found = {
        (path.name, module)
        for path in sorted((PACKAGE / "preflight").glob("*.py"))
        for module in imported(path)
        if module.startswith(above)
    }
    assert found == set()
    with (PACKAGE.parent / "pyproject.toml").open("rb") as file:
        contracts = tomllib.load(file)["tool"]["importlinter"]["contracts"]
    (layers,) = [c for c in contracts if c["id"] == "layers"]
    assert "ignore_imports" not in layers


def test_media_rules_values_are_pure_data() -> None:
    for path in [PACKAGE / "core" / "media_rules.py", PACKAGE / "preflight" / "rules.py"]:
        assert {m for m in imported(path) if not m.startswith("gitops_publisher")} <= {
            "__future__",
            "dataclasses",
            "typing",
        }, path


def test_plan_with_creator_checks_loads_nothing_of_apply(content_repo: Any) -> None:
    """``plan`` (media checks, and the account checks against the embedded sandbox) runs
    without importing ``apply/``: pre-flight and the composition are all it needs."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from gitops_publisher.cli.main import cli\n"
        "result = CliRunner().invoke(cli, ['-C', sys.argv[1], '--sandbox', 'plan'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'creator checks' not in result.output, result.output\n"
        "print(sorted(m for m in sys.modules if m.startswith('gitops_publisher.apply')))\n"
        "print('gitops_publisher.preflight.plan_checks' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(content_repo.root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "True"]
