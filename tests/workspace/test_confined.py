"""Confined paths and bounded reads (issue 11 items 5 and 6): the pure checks, the walk of
``posts/``, and the size of a manifest checked before it is read."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from gitops_publisher.errors import ConfigError
from gitops_publisher.workspace import yamlio
from gitops_publisher.workspace.confined import confine, escape_problem, relative_problem
from gitops_publisher.workspace.project import load_project, manifest_paths
from gitops_publisher.workspace.sources import read_source


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("", "is empty"),
        ("media/a\x00.mp4", "NUL character"),
        ("media\\a.mp4", "forward slashes"),
        ("/etc/passwd", "not absolute"),
        ("media/../../x", "'..' is not allowed"),
        ("..", "'..' is not allowed"),
    ],
)
def test_relative_problem_refuses(value: str, says: str) -> None:
    assert says in (relative_problem(value, what="state path") or "")


@pytest.mark.parametrize("value", ["posts/a.yaml", ".publisher/state.json", "a/./b", "x..y"])
def test_relative_problem_accepts(value: str) -> None:
    assert relative_problem(value, what="state path") is None


def test_escape_names_the_first_symlink_that_leaves(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    (root / "a").mkdir(parents=True)
    outside.mkdir()
    (root / "a" / "b").symlink_to(outside)
    problem = escape_problem(root, "a/b/c/state.json")  # need not exist
    assert problem is not None
    assert problem.startswith(f"a/b is a symlink to {outside}, outside the repository")
    assert escape_problem(root, "a/state.json") is None


def test_escape_follows_symlinks_that_come_back_inside(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "real").mkdir(parents=True)
    (root / "alias").symlink_to("real")
    (root / "up").symlink_to("../repo/real")  # leaves and comes back: lands inside
    assert escape_problem(root, "alias/x.json") is None
    assert escape_problem(root, "up/x.json") is None


def test_escape_reports_a_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to("loop")
    assert "symlink loop" in (escape_problem(tmp_path, "loop/x") or "")


def test_confine_raises_a_config_error_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        confine(tmp_path, "../x.json", what="state path", file="publisher.yaml", field="state.path")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.render().startswith("publisher.yaml state.path: state path must stay")
    assert confine(tmp_path, "x/y.json", what="state path") == tmp_path / "x" / "y.json"
    # on a git branch the path is not on disk: only its text counts
    (tmp_path / ".publisher").symlink_to("/tmp")
    confine(tmp_path, ".publisher/state.json", what="state path", on_disk=False)
    with pytest.raises(ConfigError):
        confine(tmp_path, ".publisher/state.json", what="state path")


def test_walk_follows_inner_symlinks_once_and_refuses_outer_ones(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    posts = root / "posts"
    (posts / "team").mkdir(parents=True)
    (posts / "team" / "a.yaml").write_text("x: 1\n")
    (posts / "b.yml").write_text("x: 1\n")
    (posts / "notes.txt").write_text("not a manifest\n")
    (posts / "again").symlink_to("team")  # inside: walked, but each real directory once
    (posts / "loop").symlink_to(".")  # a cycle back to posts/
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "c.yaml").write_text("x: 1\n")
    (posts / "far").symlink_to(tmp_path / "out")
    (posts / "far.yaml").symlink_to(tmp_path / "out" / "c.yaml")
    (posts / "dangling.yaml").symlink_to("nowhere.yaml")
    problems: list = []
    found = [p.relative_to(root).as_posix() for p in manifest_paths(root, problems)]
    assert found in (["posts/again/a.yaml", "posts/b.yml"], ["posts/b.yml", "posts/team/a.yaml"])
    assert sorted(d.file for d in problems) == ["posts/far", "posts/far.yaml"]
    assert all("outside the repository" in d.message for d in problems)


def test_a_missing_posts_directory_is_no_manifests(tmp_path: Path) -> None:
    problems: list = []
    assert manifest_paths(tmp_path, problems) == [] and problems == []


def test_cache_directory_symlinked_outside_is_refused_and_not_written(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "publisher.yaml").write_text(
        "version: 1\naccounts:\n  a:\n    refresh_token_env: TOKEN_A\n"
    )
    (root / ".publisher").symlink_to(outside)
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    assert any(".publisher is a symlink" in d.message for d in caught.value.diagnostics)
    assert list(outside.iterdir()) == []


def test_a_huge_sparse_manifest_is_refused_before_it_is_read(tmp_path: Path) -> None:
    # issue 11 item 6: a symlink to a 1.5 GB sparse file took 1.57 GB of memory before the
    # 1 MB limit refused it. The size is now checked on the open file first.
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(1_500_000_000)  # sparse: no disk used
    link = tmp_path / "posts" / "big.yaml"
    link.parent.mkdir()
    link.symlink_to(big)
    problems: list = []
    tracemalloc.start()
    try:
        source, documents = read_source(link, "posts/big.yaml", problems)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert documents == []
    (problem,) = problems
    assert "file is 1,500,000,000 bytes; manifests are limited to 1,000,000" in problem.message
    assert peak < 4 * yamlio.MAX_FILE_BYTES  # at most the limit plus one byte was read


def test_a_proc_file_reporting_size_zero_is_still_bounded() -> None:
    # /proc entries report st_size 0: the read itself stops one byte past the limit.
    raw = yamlio.read_bytes(Path("/proc/self/status"))
    assert 0 < len(raw) <= yamlio.MAX_FILE_BYTES


def test_a_fifo_is_not_waited_for(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "x.yaml"
    os.mkfifo(fifo)
    with pytest.raises(yamlio.YamlProblem, match="not a regular file"):
        yamlio.read_bytes(fifo)
