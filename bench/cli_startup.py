"""How long `publisher --help` takes from a cold process, against `python -c pass`.

Both run as fresh subprocesses of the same interpreter (the virtualenv's), interleaved, N
times each; the figures are the median and the best. Goal: `publisher --help` <= 5x
`python -c pass` (heavy libraries such as httpx, gitpython and jsonschema are imported only
by the commands that use them). With ``--importtime`` it also lists the slowest imports of
one `publisher --help` (``python -X importtime``). Prints figures; asserts nothing.

    .venv/bin/python bench/cli_startup.py [--runs 20] [--importtime]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL = 5.0
HEAVY = ("httpx", "git", "jsonschema", "pydantic", "ruamel", "uvicorn", "starlette", "av", "rich")


def publisher_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m``."""
    script = Path(sys.executable).with_name("publisher")
    if script.exists():
        return [str(script)]
    found = shutil.which("publisher")
    return [found] if found else [sys.executable, "-m", "gitops_publisher"]


def run_once(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def slowest_imports(top: int = 12) -> list[tuple[int, str]]:
    """``(cumulative µs, module)`` of the slowest top-level imports of `publisher --help`."""
    code = "from gitops_publisher.cli.main import main; main(['--help'])"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if not name.startswith("  "):  # top level only: nested imports are indented
            rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args()

    publisher = [*publisher_command(), "--help"]
    baseline = [sys.executable, "-c", "pass"]
    run_once(publisher)  # warm the OS file cache and .pyc files once
    run_once(baseline)
    cold: list[float] = []
    bare: list[float] = []
    for _ in range(args.runs):
        bare.append(run_once(baseline))
        cold.append(run_once(publisher))
    median_ratio = statistics.median(cold) / statistics.median(bare)
    best_ratio = min(cold) / min(bare)
    print(f"command: {' '.join(publisher)}  ({args.runs} runs each, interleaved)")
    for label, times in (("python -c pass:  ", bare), ("publisher --help:", cold)):
        median, best = statistics.median(times) * 1000, min(times) * 1000
        print(f"{label}  median {median:6.1f} ms  best {best:6.1f} ms")
    verdict = "meets" if median_ratio <= GOAL else "MISSES"
    print(
        f"ratio: median {median_ratio:.2f}x, best {best_ratio:.2f}x ({verdict} the goal <= {GOAL}x)"
    )

    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from gitops_publisher.cli.main import cli\n"
            "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            f"print('heavy:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = check.stdout.rsplit("heavy:", 1)[-1].strip()
    print(f"heavy modules imported by --help: {loaded or 'none'}")

    if args.importtime:
        print("slowest top-level imports of `publisher --help` (cumulative):")
        for micros, name in slowest_imports():
            print(f"  {micros / 1000:7.1f} ms  {name}")


if __name__ == "__main__":
    main()
