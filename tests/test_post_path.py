"""``bench/post_path.py`` still measures: the traced apply reaches its first chunk PUT.

docs/architecture.md quotes its figures; a rename of the start function or a change of the
upload that made it count nothing would otherwise go unnoticed until someone re-ran it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "post_path.py"


def test_the_path_count_reaches_the_put_through_every_layer(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["reached_put"]
    folders = set(report["folder_list"])
    assert {"core", "workspace", "apply"} <= folders
    assert any(f.startswith("providers/") for f in folders)
    assert not any(f.startswith("sandbox") for f in folders)  # the emulator is not the path
    assert report["chain_list"][-1].startswith("providers/")  # our last frame sends the PUT
    assert report["functions"] >= 50
    # code run by an import (module and class bodies) is counted apart, not as functions
    assert report["imports"] > 0
    assert report["with_imports"] == report["functions"] + report["imports"]
    assert not any(name.endswith(":<module>") for name in report["function_list"])
