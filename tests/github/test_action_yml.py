"""action.yml and the entrypoint agree: every input is read, every output is written."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from gitops_publisher.cli.github_cmd import action_cli
from gitops_publisher.github.action import run_action
from gitops_publisher.github.event import INPUT_VARIABLES
from gitops_publisher.github.report import OUTPUTS

from .conftest import EVENTS, parse_outputs

ACTION = Path(__file__).resolve().parents[2] / "action.yml"


def load_action() -> Any:
    return YAML(typ="safe").load(ACTION.read_text(encoding="utf-8"))


class RecordingEnv(Mapping[str, str]):
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return self.values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def test_every_input_reaches_the_entrypoint_and_is_read(tmp_path: Path) -> None:
    action = load_action()
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    entry = next(s for s in steps if s.get("id") == "publisher")
    assert entry["run"].strip() == "publisher github"
    assert set(action["inputs"]) == set(INPUT_VARIABLES)
    for name, variable in INPUT_VARIABLES.items():
        assert entry["env"][variable] == f"${{{{ inputs.{name} }}}}"

    output = tmp_path / "out"
    env = RecordingEnv(
        {
            "GITHUB_EVENT_NAME": "issues",
            "GITHUB_EVENT_PATH": str(EVENTS / "schedule.json"),
            "GITHUB_OUTPUT": str(output),
            **{variable: "" for variable in INPUT_VARIABLES.values()},
        }
    )
    code = run_action(
        env, base_dir=tmp_path, sandbox=False, cli=action_cli(lambda _argv: 0), out=io.StringIO()
    )
    assert code == 0
    assert set(INPUT_VARIABLES.values()) <= env.read
    assert set(parse_outputs(output.read_text())) == set(OUTPUTS)


def test_every_output_is_one_the_entrypoint_writes() -> None:
    action = load_action()
    assert set(action["outputs"]) == set(OUTPUTS)
    for name, spec in action["outputs"].items():
        assert spec["value"] == f"${{{{ steps.publisher.outputs.{name} }}}}"


def test_installs_from_its_hash_locked_requirements_with_a_pip_cache() -> None:
    steps = load_action()["runs"]["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    assert "cache" not in setup["with"]  # its dependency path must be inside the workspace
    key = next(s for s in steps if s.get("id") == "pip-key")
    assert '"$GITHUB_ACTION_PATH/requirements/$lock"' in key["run"]
    assert "lock=action.txt" in key["run"] and "lock=action-preview.txt" in key["run"]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert "${{ steps.pip-key.outputs.hash }}" in cache["with"]["key"]
    assert cache["with"]["path"] == "${{ steps.pip-key.outputs.dir }}"
    (install,) = [s for s in steps if "pip install" in s.get("run", "")]
    first, second = install["run"].strip().splitlines()
    assert '--require-hashes --no-deps -r "$LOCK"' in first
    assert first.startswith("python -m pip install") and second.startswith("python -m pip install")
    assert '--no-deps --no-build-isolation "$GITHUB_ACTION_PATH"' in second
    for step in steps:
        run = step.get("run", "")
        # nothing is pasted into a shell script (injection): inputs and paths go through env
        assert "${{" not in run, run


def test_every_action_is_pinned_by_a_full_commit_sha_with_its_tag() -> None:
    # In action.yml, the example workflows, the one `publisher init` writes, the README and
    # the docs: a tag can be moved to other code, a commit cannot. Our own action too, one
    # release everywhere (`.ci/pin-action vX.Y.Z` rewrites them), with nothing silenced.
    repo = ACTION.parent
    files = [ACTION, repo / "README.md", *sorted((repo / "docs").glob("*.md"))]
    files += sorted((repo / "examples" / ".github" / "workflows").glob("*.yml"))
    files.append(repo / "gitops_publisher" / "scaffold" / "publish.yml")
    pinned = re.compile(r"uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$")
    seen = 0
    ours: set[tuple[str, str]] = set()
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.search(r"uses: (\S+)", line)
            if not match or line.lstrip().startswith("#"):
                continue
            seen += 1
            found = pinned.search(line.strip())
            assert found, f"{path.name}: {line}"
            assert "zizmor: ignore" not in line, f"{path.name}: {line}"
            if found[1] == "gitops-publisher/gitops-publisher":
                ours.add((found[2], found[3]))
    assert seen >= 16
    assert len(ours) == 1, ours  # one release to upgrade, not one per file
    ((sha, _release),) = ours
    if (repo / ".git").exists():  # a checkout: the pin is a real commit that holds the Action
        held = subprocess.run(
            ["git", "-C", str(repo), "cat-file", "-e", f"{sha}:action.yml"], check=False
        )
        assert held.returncode == 0, f"{sha} is no commit of this repository with action.yml"


def test_secret_env_reaches_the_publisher_step_only() -> None:
    steps = load_action()["runs"]["steps"]
    holders = [s for s in steps if "inputs.secret-env" in str(s)]
    assert [s.get("id") for s in holders] == ["publisher"]
