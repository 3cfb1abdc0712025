"""``bench/youtube_upload.py`` still measures, at a tiny size (bench/README.md quotes it).

Both modes run for real: curl and ``publisher apply`` each upload through the resumable
protocol to the emulator in its own process, and every upload must arrive byte for byte;
a change of the command, the emulator's admin routes or the request log that broke the
timing would otherwise go unnoticed until someone re-ran the bench.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "youtube_upload.py"


def run_bench(tmp_path: Path, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--json", *args],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict = json.loads(done.stdout)
    return report


def test_throughput_times_curl_and_apply_on_the_same_chunks(tmp_path: Path) -> None:
    # 17 MiB: one full 16 MiB chunk and a short last one.
    report = run_bench(tmp_path, "--size-mib", "17", "--runs", "1", "--gap", "0")
    assert report["uploads"] == 2 and report["byte_exact"]
    assert report["chunks"] == 2 and report["size"] == 17 * 2**20
    for name in ("curl", "apply"):
        (run,) = report["runs"][name]
        assert run["rate"] > 0 and run["emulator_cpu_per_gib"] > 0
        assert {"running", "waiting_for_cpu", "sleeping", "client_cpu_per_gib"} <= set(run)
    (paired,) = report["paired_ratios"]
    assert paired == report["runs"]["apply"][0]["rate"] / report["runs"]["curl"][0]["rate"]


def test_rss_runs_the_command_on_a_small_and_a_bigger_video(tmp_path: Path) -> None:
    report = run_bench(tmp_path, "--rss", "--small-bytes", "200000", "--size-bytes", "3000000")
    assert report["uploads"] == 2 and report["byte_exact"]
    assert report["small"]["size"] == 200_000 and report["big"]["size"] == 3_000_000
    for row in (report["small"], report["big"]):
        assert 10 < row["peak_rss_mb"] < 1000  # a Python process, measured (not zero)
        assert row["upload_s"] >= 0
