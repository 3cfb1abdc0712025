"""`.ci/pin-action`: every copy-me reference to our Action moves to one release's commit SHA."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pinned_git import GIT_ENV, git, init_repo

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / ".ci" / "pin-action"
OLD = "0" * 40
WORKFLOW = f"""\
jobs:
  plan:
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      # Pinned by commit SHA (the text after `uses:` in a comment is left alone)
      - uses: gitops-publisher/gitops-publisher@{OLD} # v0.0.1
        with: {{command: plan}}
  apply:
    steps:
      - uses: gitops-publisher/gitops-publisher@v1 # zizmor: ignore[unpinned-uses]
"""


def project(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo")
    (root / ".ci").mkdir()
    shutil.copy(SCRIPT, root / ".ci" / "pin-action")
    (root / "action.yml").write_text("name: gitops-publisher\n", encoding="utf-8")
    workflows = root / "examples" / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "publish.yml").write_text(WORKFLOW, encoding="utf-8")
    (root / "gitops_publisher" / "scaffold").mkdir(parents=True)
    (root / "gitops_publisher" / "scaffold" / "publish.yml").write_text(WORKFLOW, "utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "a.md").write_text("no workflow here\n", encoding="utf-8")
    (root / "README.md").write_text(
        "```yaml\n      - uses: gitops-publisher/gitops-publisher@v1\n```\n", encoding="utf-8"
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "release")
    git(root, "tag", "-a", "v1.2.3", "-m", "v1.2.3")  # annotated: its own object id
    return root


def pin(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / ".ci" / "pin-action"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
        check=False,
    )


def test_a_release_tag_pins_every_copied_workflow_to_its_commit(tmp_path: Path) -> None:
    root = project(tmp_path)
    commit = git(root, "rev-parse", "v1.2.3^{commit}").strip()
    done = pin(root, "v1.2.3")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "README.md",
        "examples/.github/workflows/publish.yml",
        "gitops_publisher/scaffold/publish.yml",
    ]
    line = f"uses: gitops-publisher/gitops-publisher@{commit} # v1.2.3"
    for path in ("examples/.github/workflows/publish.yml", "gitops_publisher/scaffold/publish.yml"):
        text = (root / path).read_text(encoding="utf-8")
        assert text.count(line) == 2 and "zizmor" not in text and OLD not in text
        assert "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2" in text
        assert "(the text after `uses:` in a comment is left alone)" in text
    assert f"      - {line}\n" in (root / "README.md").read_text(encoding="utf-8")
    assert pin(root, "v1.2.3").stdout == ""  # nothing left to change


def test_a_ref_that_is_no_commit_or_holds_no_action_changes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path)
    git(root, "checkout", "-q", "--orphan", "bare")
    git(root, "rm", "-rq", "--cached", ".")
    git(root, "commit", "-q", "--allow-empty", "-m", "no action here")
    before = (root / "README.md").read_text(encoding="utf-8")
    unknown = pin(root, "v9.9.9")
    assert unknown.returncode == 1 and "names no commit" in unknown.stderr
    empty = pin(root, "bare", "v2.0.0")
    assert empty.returncode == 1 and "has no action.yml" in empty.stderr
    unlabelled = pin(root, "main")
    assert unlabelled.returncode == 1 and "vX.Y.Z" in unlabelled.stderr
    assert (root / "README.md").read_text(encoding="utf-8") == before
