"""The Action's hash-locked requirements cover what pyproject.toml asks for (issue 11 item 9).

``action.yml`` installs with ``--require-hashes --no-deps``: a dependency missing from the lock,
or pinned outside pyproject's range, would fail every workflow (or install something else).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
LOCKS = {
    "action.txt": [],
    "action-preview.txt": ["preview"],
}
# The runner: GitHub's ubuntu-latest with the Action's default python-version.
RUNNER = {**default_environment(), "sys_platform": "linux", "platform_system": "Linux"}
RUNNER |= {"python_version": "3.11", "python_full_version": "3.11.9"}
RUNNER |= {"implementation_name": "cpython", "platform_python_implementation": "CPython"}


def parse_lock(path: Path) -> dict[str, tuple[str, str, int]]:
    """``{name: (version, marker, number of hashes)}`` of a pip requirements file."""
    pins: dict[str, tuple[str, str, int]] = {}
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(
            r"([A-Za-z0-9_.-]+)==(\S+)\s*(?:;\s*(.*?))?\s*((?:--hash=\S+\s*)*)", line
        )
        assert match, f"{path.name}: not a hashed pin: {line[:80]}"
        name, version, marker, hashes = match.groups()
        pins[canonicalize_name(name)] = (version, marker or "", hashes.count("--hash=sha256:"))
    return pins


def wanted(extras: list[str]) -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    specs = list(project["project"]["dependencies"])
    specs += list(project["build-system"]["requires"])
    for extra in extras:
        specs += project["project"]["optional-dependencies"][extra]
    return [Requirement(spec) for spec in specs]


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_the_lock_pins_every_dependency_within_pyproject_ranges(lock: str) -> None:
    pins = parse_lock(REPO / "requirements" / lock)
    assert all(count >= 1 for _version, _marker, count in pins.values())
    for requirement in wanted(LOCKS[lock]):
        if requirement.marker is not None and not requirement.marker.evaluate(RUNNER):
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{lock} lacks {name}: regenerate it (requirements/README.md)"
        version, _marker, _count = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {name}=={version}, outside {requirement.specifier}: regenerate it"
        )
        for extra in requirement.extras:  # uvicorn[standard]: its extra's packages too
            assert extra == "standard" and {"httptools", "uvloop", "watchfiles"} <= set(pins)


def test_the_preview_lock_is_the_plain_lock_plus_pyav() -> None:
    plain = parse_lock(REPO / "requirements" / "action.txt")
    preview = parse_lock(REPO / "requirements" / "action-preview.txt")
    assert set(preview) - set(plain) == {"av"}
    assert {name: pin[0] for name, pin in plain.items()} == {
        name: pin[0] for name, pin in preview.items() if name != "av"
    }
