"""The portable OS lock: nothing needs ``fcntl`` to import, and the lock keeps flock's rules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gitops_publisher.oslocks import try_lock

IMPORT_ALL_WITHOUT_FCNTL = """
import importlib, pkgutil, sys
sys.modules["fcntl"] = None  # as on Windows: the module does not exist
import gitops_publisher
failed = []
for module in pkgutil.walk_packages(gitops_publisher.__path__, "gitops_publisher."):
    if not module.name.endswith("__main__"):
        try:
            importlib.import_module(module.name)
        except ImportError as exc:
            failed.append(f"{module.name}: {exc}")
print("\\n".join(failed))
"""


def test_every_module_imports_where_fcntl_does_not_exist() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL_WITHOUT_FCNTL],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == ""


def test_a_second_open_file_cannot_take_the_lock_until_the_first_closes(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    first = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    second = os.open(path, os.O_RDWR)
    try:
        assert try_lock(first)
        assert not try_lock(second)  # same process, another open file: refused, like flock
        os.close(first)
        assert try_lock(second)
    finally:
        os.close(second)
