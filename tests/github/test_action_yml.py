"""action.yml and the entrypoint agree: every input is read, every output is written."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

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
        env, base_dir=tmp_path, sandbox=False, invoke=lambda _argv: 0, out=io.StringIO()
    )
    assert code == 0
    assert set(INPUT_VARIABLES.values()) <= env.read
    assert set(parse_outputs(output.read_text())) == set(OUTPUTS)


def test_every_output_is_one_the_entrypoint_writes() -> None:
    action = load_action()
    assert set(action["outputs"]) == set(OUTPUTS)
    for name, spec in action["outputs"].items():
        assert spec["value"] == f"${{{{ steps.publisher.outputs.{name} }}}}"


def test_installs_from_its_own_path_with_a_pip_cache() -> None:
    steps = load_action()["runs"]["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    assert "cache" not in setup["with"]  # its dependency path must be inside the workspace
    key = next(s for s in steps if s.get("id") == "pip-key")
    assert '"${{ github.action_path }}/pyproject.toml"' in key["run"]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert "${{ steps.pip-key.outputs.hash }}" in cache["with"]["key"]
    assert cache["with"]["path"] == "${{ steps.pip-key.outputs.dir }}"
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert '"${{ github.action_path }}"' in install["run"]
    # no input is pasted into a shell script (injection): inputs go through env only
    for step in steps:
        assert not re.search(r"\$\{\{\s*inputs\.", step.get("run", ""))
