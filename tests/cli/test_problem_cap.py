"""A run with hundreds of problems shows the first ones and counts the rest; JSON has all."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gitops_publisher.cli.errors import MAX_SHOWN
from gitops_publisher.cli.main import cli

from .projects import CONFIG


def test_the_text_lists_the_first_problems_and_counts_the_rest(tmp_path: Path) -> None:
    (tmp_path / "publisher.yaml").write_text(CONFIG, encoding="utf-8")
    count = MAX_SHOWN + 5
    for number in range(count):  # the same mistake in every manifest (a renamed account)
        post = tmp_path / "posts" / f"p{number:03}.yaml"
        post.parent.mkdir(exist_ok=True)
        post.write_text(
            f"version: 1\nid: p{number}\naccounts: [brand-xx]\nvideo: media/p.mp4\n",
            encoding="utf-8",
        )
    runner = CliRunner()
    text = runner.invoke(cli, ["-C", str(tmp_path), "validate", "--no-media-checks"])
    assert text.exit_code == 1
    lines = text.stderr.splitlines()
    assert len(lines) == MAX_SHOWN + 2
    assert lines[0].startswith("posts/p000.yaml:3:")
    # each manifest has two problems, its account and its video, listed file by file
    assert lines[1].startswith("posts/p000.yaml:4:")
    assert lines[MAX_SHOWN - 1].startswith(f"posts/p{MAX_SHOWN // 2 - 1:03}.yaml:4:")
    assert lines[-2] == (
        f"… and {2 * count - MAX_SHOWN} more ({2 * count - MAX_SHOWN} error(s)), not shown: "
        "`--format json` lists every one"
    )
    total = 2 * count
    assert lines[-1] == f"Error: {total} problem(s) in the project's files ({total} error(s))"
    as_json = runner.invoke(
        cli, ["-C", str(tmp_path), "validate", "--no-media-checks", "--format", "json"]
    )
    assert json.loads(as_json.stdout)["error_count"] == 2 * count


def test_in_github_actions_the_annotations_stop_at_ten_and_say_how_many_more(
    tmp_path: Path,
) -> None:
    # GitHub drops every error annotation of a step past the tenth without a word.
    (tmp_path / "publisher.yaml").write_text(CONFIG, encoding="utf-8")
    for number in range(6):  # two problems each: 12
        post = tmp_path / "posts" / f"p{number}.yaml"
        post.parent.mkdir(exist_ok=True)
        post.write_text(
            f"version: 1\nid: p{number}\naccounts: [brand-xx]\nvideo: media/p.mp4\n",
            encoding="utf-8",
        )
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path)}
    result = CliRunner().invoke(
        cli, ["-C", str(tmp_path), "validate", "--no-media-checks"], env=env
    )
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("::error")]
    assert len(errors) == 10
    assert all(line.startswith("::error file=posts/p") for line in errors[:9])
    assert "… and 3 more error(s) not annotated here" in errors[-1]
    assert "Error: 12 problem(s)" in result.stderr  # the log still lists every one
