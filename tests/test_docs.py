"""The docs say what the repository holds: README snippets match the files they name."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_readme_post_is_the_example_file_verbatim() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"A post \(`([^`]+)`\):\n\n```yaml\n(.*?)```\n", readme, re.S)
    assert match is not None
    assert match[2] == (REPO / match[1]).read_text(encoding="utf-8")


def test_every_document_the_docs_and_code_cite_is_in_the_repository() -> None:
    cited: set[str] = set()
    sources = [*(REPO / "docs").rglob("*.md"), REPO / "README.md"]
    sources += list((REPO / "gitops_publisher").rglob("*.py"))
    for path in sources:
        text = path.read_text(encoding="utf-8")
        cited |= set(re.findall(r"`+((?:[\w.-]+/)+[\w.-]+\.md)`+", text))
    assert "docs/reference/tiktok-content-posting-api.md" in cited
    missing = sorted(name for name in cited if not (REPO / name).is_file())
    assert missing == []
