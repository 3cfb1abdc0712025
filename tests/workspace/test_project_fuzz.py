"""Whatever bytes a manifest holds, loading fails cleanly: a positioned problem, never a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_publisher.errors import ConfigError
from gitops_publisher.workspace import yamlio
from gitops_publisher.workspace.project import load_project

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CONFIG = "version: 1\naccounts:\n  brand-us: {refresh_token_env: TOKEN_US}\n"
FRAGMENTS = st.sampled_from(
    [
        "version: 1\n",
        "id: a\n",
        "accounts: [brand-us]\n",
        "video: media/launch-teaser.mp4\n",
        "caption: ",
        '"',
        "'",
        "[",
        "]",
        "{",
        "}",
        ": ",
        "- ",
        "\n",
        "  ",
        "\t",
        "&a ",
        "*a ",
        "!!str ",
        "!!binary ",
        "!!timestamp ",
        "!custom ",
        "%YAML 1.1\n",
        "---\n",
        "...\n",
        "#",
        "? ",
        "|\n",
        ">-\n",
        "2026-13-45T10:00:00Z",
        "2026-12-01",
        "0o17",
        "1e3",
        ".inf",
        "~",
        "null",
        "yes",
        "<<: *a\n",
        "\\u0000",
        "é",
        "🚀",
        "\x00",
        "\ufeff",
        "publish_at: ",
        "privacy: ",
        "interactions: ",
        "accounts: ",
        "id: ",
        "x" * 50,
    ]
)
YAMLISH = st.lists(FRAGMENTS, max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.one_of(YAMLISH, st.text(max_size=200)))
def test_any_text_loads_or_raises_a_yaml_problem(text: str) -> None:
    try:
        yamlio.load_documents(text)
    except yamlio.YamlProblem as problem:
        assert problem.message
        assert problem.line is None or problem.line >= 1


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(EXAMPLES / "media", root / "media")
    (root / "publisher.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "posts").mkdir()
    return root


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(YAMLISH.map(str.encode), st.binary(max_size=200)))
def test_any_manifest_loads_or_fails_with_diagnostics(project: Path, raw: bytes) -> None:
    (project / "posts" / "fuzz.yaml").write_bytes(raw)
    try:
        load_project(project)
    except ConfigError as exc:
        assert exc.diagnostics
        for diagnostic in exc.diagnostics:
            assert diagnostic.file in ("posts/fuzz.yaml", "posts")
            assert diagnostic.render()
