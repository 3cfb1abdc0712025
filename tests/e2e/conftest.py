"""Fixtures of the end-to-end suite: the secret scan around every test, a fast sandbox, ``cli``."""

from pathlib import Path

import pytest
from apply.harness import SecretScan
from apply.harness import scan as scan

SANDBOX = Path(".publisher") / "sandbox"


@pytest.fixture(autouse=True)
def fast_sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PUBLISHER_SANDBOX_TIME_SCALE", "100")  # 600 s poll timeout = 6 s
    monkeypatch.setenv("PUBLISHER_TOKEN_STORE", str(tmp_path / "tokens.json"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def cli(publisher, scan: SecretScan):
    """``cli(root, *args)``: the command in-process; its output goes to the secret scan."""

    def run(root: Path, *args: str):
        result = publisher("-C", str(root), *args)
        scan.add_output(f"publisher {' '.join(args)}", result.output)
        scan.harvest(root / SANDBOX / "token-store.json")
        return result

    return run
