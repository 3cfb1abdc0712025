"""Each package says what it is and what it may import (docs/architecture.md, import-linter)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gitops_publisher"
PACKAGES = sorted(p.parent for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_every_package_docstring_says_what_it_is_and_what_it_may_import(package: Path) -> None:
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
    assert docstring is not None
    name = package.relative_to(PACKAGE).as_posix()
    assert docstring.strip(". ") not in (name, package.name), "only the package's name"
    assert len(docstring.split()) >= 20, "a sentence or two: what it is, what it holds"
    assert "import" in docstring, "what it may import (docs/architecture.md)"


def test_the_architecture_page_names_every_top_level_package() -> None:
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    top = sorted(p.name for p in PACKAGES if p.parent == PACKAGE)
    missing = [name for name in top if f"`{name}/`" not in page]
    assert missing == []
