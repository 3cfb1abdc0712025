"""``publisher apply`` to YouTube vs curl speaking the same resumable protocol; peak RSS.

Usage:
  .venv/bin/python bench/youtube_upload.py [--size-mib 1024] [--runs 5] [--gap 3]
  .venv/bin/python bench/youtube_upload.py --rss [--size-bytes 2147483648] [--small-bytes 1048576]

The YouTube emulator runs in its own process (``publisher sandbox serve``), with processing
that ends at once and no upload cap. One video (a real MP4 padded to size by a ``free`` box,
generated here, page-cached) goes up, alternately, best of ``--runs``:

- **curl**: the initiating POST (``uploadType=resumable``, the video resource as JSON,
  ``X-Upload-Content-Length``), then one curl process PUTting every chunk over one
  keep-alive connection with ``Content-Range: bytes FIRST-LAST/TOTAL`` (curl stops at no
  ``308``: it follows no redirect without ``-L``). The chunks are the client's own
  (``DEFAULT_CHUNK_SIZE``, 16 MiB), cut from the same file into chunk files beforehand, since
  curl sends whole files.
- **apply**: the real command as a subprocess, ``publisher apply --yes`` in a temporary git
  repository with one YouTube account (the emulator's OAuth client, a refresh token from the
  emulator's admin route) and one post of that video (untracked: its content id is a
  streamed sha256), its state removed before each run.

Only the upload phase is compared, timed by the emulator's clock identically for both: from
the arrival of the session's first chunk PUT (request log) to the session's completion
(``upload_completed_at``); apply's start-up, content id, pre-flight, channel check, initiating
POST and status poll fall outside it (its whole wall time is printed beside). Goal: apply >=
0.9x curl.

``--rss`` runs the same command on a tiny video and on a ``--size-bytes`` one (default 2 GiB),
each under a wrapper reading its peak RSS (``RUSAGE_CHILDREN``): RSS must not grow with the
video's size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apply_upload import make_video, peak_rss_of_apply, start_emulator  # noqa: E402
from sandbox_ingest import CURL, commit_project, cpu_seconds, curl_upload  # noqa: E402
from upload_throughput import split  # noqa: E402

from gitops_publisher.providers.youtube.resumable import DEFAULT_CHUNK_SIZE  # noqa: E402
from gitops_publisher.sandbox import (  # noqa: E402
    SANDBOX_GOOGLE_CLIENT_ID,
    SANDBOX_GOOGLE_CLIENT_SECRET,
)

ENV_VAR = "YT_RT_BENCH"
HANDLE = "@bench"
CONFIG = f"""version: 1
accounts:
  shorts:
    provider: youtube
    handle: "{HANDLE}"
    refresh_token_env: {ENV_VAR}
"""
POST = """version: 1
id: big
accounts: [shorts]
video: media/big.mp4
caption: "bench"
youtube: {privacy: private}
"""
RESOURCE = {
    "snippet": {"title": "bench", "categoryId": "22"},
    "status": {"privacyStatus": "private"},
}
YOUTUBE_OPTIONS = {
    "processing_base_sec": 0,
    "processing_sec_per_gib": 0,
    "daily_uploads": 100_000,
    "daily_units": 10_000_000,
}


def chunk_ranges(size: int, chunk: int = DEFAULT_CHUNK_SIZE) -> list[tuple[int, int]]:
    """The inclusive byte ranges the client sends: ``chunk`` bytes each, the last shorter."""
    return [(first, min(first + chunk, size) - 1) for first in range(0, size, chunk)]


def make_project(root: Path, size: int) -> None:
    """A committed repository with one YouTube account and one post of an untracked video."""
    (root / "posts").mkdir(parents=True)
    (root / "media").mkdir()
    (root / "publisher.yaml").write_text(CONFIG)
    (root / "posts" / "big.yaml").write_text(POST)
    commit_project(root, "publisher.yaml", "posts")
    make_video(root / "media" / "big.mp4", size)


def new_channel(base: str) -> str:
    """Create the bench channel at the emulator; return its refresh token."""
    answer = httpx.post(f"{base}/_sandbox/youtube/channels", json={"handle": HANDLE}, timeout=10)
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["refresh_token"]
    return token


def apply_env(base: str, token: str, root: Path) -> dict[str, str]:
    """``publisher apply``'s environment: the emulator's URLs and OAuth client, the token."""
    return {
        **os.environ,
        "PUBLISHER_YOUTUBE_API_URL": base,
        "PUBLISHER_GOOGLE_TOKEN_URL": f"{base}/token",
        "YOUTUBE_CLIENT_ID": SANDBOX_GOOGLE_CLIENT_ID,
        "YOUTUBE_CLIENT_SECRET": SANDBOX_GOOGLE_CLIENT_SECRET,
        ENV_VAR: token,
        "PUBLISHER_TOKEN_STORE": str(root.parent / "tokens.json"),
        "NO_COLOR": "1",
    }


def last_upload_window(base: str) -> tuple[float, float]:
    """The newest session's first chunk PUT and its completion, by the emulator's clock.

    Listing the videos also waits for the emulator's sha256 of the assembled bytes (computed
    after the final chunk), so the next run never overlaps it.
    """
    videos = httpx.get(
        f"{base}/_sandbox/youtube/videos", params={"channel": HANDLE}, timeout=120
    ).json()["videos"]
    video = max(videos, key=lambda v: v["created_at"])
    assert video["upload_completed_at"] and video["sha256"], video
    requests = httpx.get(f"{base}/_sandbox/requests", timeout=10).json()["requests"]
    puts = [
        r["time"]
        for r in requests
        if r["endpoint"] == "youtube_upload" and r["time"] >= video["created_at"]
    ]
    return min(puts), float(video["upload_completed_at"])


def last_upload_seconds(base: str) -> float:
    """The newest session's upload phase in seconds (:func:`last_upload_window`)."""
    first, done = last_upload_window(base)
    return done - first


def access_token(base: str, refresh_token: str) -> str:
    """An access token for the bench channel (Google's refresh grant at the emulator)."""
    answer = httpx.post(
        f"{base}/token",
        data={
            "client_id": SANDBOX_GOOGLE_CLIENT_ID,
            "client_secret": SANDBOX_GOOGLE_CLIENT_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        },
        timeout=10,
    ).json()
    assert "access_token" in answer, answer
    token: str = answer["access_token"]
    return token


def curl_init(base: str, bearer: str, size: int) -> str:
    """The initiating POST, sent by curl; return the session URI (``Location``)."""
    done = subprocess.run(
        [
            CURL,
            "-sS",
            "--fail-with-body",
            "-o",
            "/dev/null",
            "-D",
            "-",
            "-X",
            "POST",
            "-H",
            f"Authorization: Bearer {bearer}",
            "-H",
            "Content-Type: application/json; charset=UTF-8",
            "-H",
            f"X-Upload-Content-Length: {size}",
            "-H",
            "X-Upload-Content-Type: video/mp4",
            "--data-binary",
            json.dumps(RESOURCE),
            f"{base}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stdout.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "location":
            return value.strip()
    raise SystemExit(f"no Location in the initiating POST's answer: {done.stdout}")


Window = tuple[float, float]


def run_curl(base: str, refresh_token: str, chunks: list, size: int) -> tuple[Window, float, float]:
    """One upload by curl: (upload window by the emulator, wall seconds, CPU seconds).

    The CPU is the chunk-sending curl process's whole life (``RUSAGE_CHILDREN``).
    """
    bearer = access_token(base, refresh_token)
    session_uri = curl_init(base, bearer, size)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = curl_upload(session_uri, chunks, size, headers=(f"Authorization: Bearer {bearer}",))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return last_upload_window(base), wall, cpu


def run_apply(base: str, root: Path, refresh_token: str) -> tuple[Window, float, float]:
    """One ``publisher apply`` from an empty state: (upload window, wall, CPU seconds).

    The CPU is the command's main thread's during the upload phase only (sampled; no other
    thread of it runs then).
    """
    (root / ".publisher" / "state.json").unlink(missing_ok=True)
    start = time.perf_counter()
    command = subprocess.Popen(
        [sys.executable, "-m", "gitops_publisher", "-C", str(root), "apply", "--yes"],
        env=apply_env(base, refresh_token, root),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with SchedSampler(command.pid) as sampler:
        out, err = command.communicate()
    wall = time.perf_counter() - start
    if command.returncode != 0:
        raise SystemExit(out[-2000:] + err[-2000:])
    window = last_upload_window(base)
    return window, wall, sampler.running_seconds(*window)


def emulator_pid(base: str) -> int:
    """The process serving ``base`` (``publisher sandbox serve --port PORT``), from /proc."""
    wanted = f"--port\0{httpx.URL(base).port}\0".encode()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and wanted in (entry / "cmdline").read_bytes():
                return int(entry.name)
        except OSError:
            continue
    raise RuntimeError(f"no emulator process serving {base}")


class SchedSampler:
    """Samples a process's scheduler counters (``/proc/PID/schedstat``) every 50 ms.

    The main thread's time running on a CPU and waiting on a run queue, from a background
    thread, stamped with ``time.time()`` (the emulator's clock), so any window can be cut
    out afterwards. ``with SchedSampler(pid) as sampler: ... sampler.shares(start, end)``.
    """

    def __init__(self, pid: int, period: float = 0.05) -> None:
        self._path = Path(f"/proc/{pid}/schedstat")
        self._period = period
        self._samples: list[tuple[float, float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SchedSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                fields = self._path.read_text().split()
            except OSError:  # the process has exited
                return
            running, waiting = (int(v) / 1e9 for v in fields[:2])
            self._samples.append((time.time(), running, waiting))
            self._stop.wait(self._period)

    def running_seconds(self, start: float, end: float) -> float:
        """CPU seconds the main thread ran within ``start..end`` (NaN: too few samples)."""
        inside = [sample for sample in self._samples if start <= sample[0] <= end]
        return inside[-1][1] - inside[0][1] if len(inside) >= 2 else math.nan

    def shares(self, start: float, end: float) -> dict[str, float]:
        """Shares of ``start..end`` spent running, waiting for a CPU, and sleeping."""
        inside = [sample for sample in self._samples if start <= sample[0] <= end]
        if len(inside) < 2:
            return {"running": math.nan, "waiting_for_cpu": math.nan, "sleeping": math.nan}
        (t0, run0, wait0), (t1, run1, wait1) = inside[0], inside[-1]
        running, waiting = (run1 - run0) / (t1 - t0), (wait1 - wait0) / (t1 - t0)
        return {
            "running": running,
            "waiting_for_cpu": waiting,
            "sleeping": max(0.0, 1 - running - waiting),
        }


def throughput(base: str, project: Path, runs: int, gap: float) -> dict[str, Any]:
    """Alternate curl and apply ``runs`` times; the rates and ratios as a report.

    Who goes first alternates from round to round. Beside each rate: the client's CPU
    seconds per GiB (curl's whole process; apply's upload phase), the emulator's over the
    run (its sha256 included) and how the emulator's event loop spent the
    upload phase: running, waiting for a CPU (the machine is busy), sleeping (waiting for
    data: a client that stalls shows here).
    """
    video = project / "media" / "big.mp4"
    size = video.stat().st_size
    gib = size / 2**30
    pid = emulator_pid(base)
    token = new_channel(base)
    chunks_dir = project.parent / "chunks"
    chunks_dir.mkdir()
    chunks = split(video, chunk_ranges(size), chunks_dir)
    clients: dict[str, Callable[[], tuple[Window, float, float]]] = {
        "curl": lambda: run_curl(base, token, chunks, size),
        "apply": lambda: run_apply(base, project, token),
    }
    runs_of: dict[str, list[dict[str, float]]] = {"curl": [], "apply": []}
    with SchedSampler(pid) as sampler:
        for round_ in range(runs):
            for name in sorted(clients, reverse=bool(round_ % 2)):
                # The same idle gap before each upload (see bench/apply_upload.py, README).
                time.sleep(gap)
                before = cpu_seconds(pid)
                (first, done), wall, client_cpu = clients[name]()
                after = cpu_seconds(pid)
                cpu = after["user"] + after["sys"] - before["user"] - before["sys"]
                runs_of[name].append(
                    {
                        "rate": size / 2**20 / (done - first),
                        "wall": wall,
                        "emulator_cpu_per_gib": cpu / gib,
                        "client_cpu_per_gib": client_cpu / gib,
                        **sampler.shares(first, done),
                    }
                )
    rates = {name: [run["rate"] for run in values] for name, values in runs_of.items()}
    paired = sorted(a / c for a, c in zip(rates["apply"], rates["curl"], strict=True))
    return {
        "size": size,
        "chunks": len(chunks),
        "chunk_size": DEFAULT_CHUNK_SIZE,
        "runs": runs_of,
        "best_ratio": max(rates["apply"]) / max(rates["curl"]),
        "median_ratio": statistics.median(rates["apply"]) / statistics.median(rates["curl"]),
        "paired_ratios": paired,
        "paired_median": statistics.median(paired),
    }


def peak_rss(base: str, work: Path, sizes: dict[str, int]) -> tuple[dict[str, Any], set[str]]:
    """``publisher apply`` of one video per size, each in its own project.

    Returns:
        ``{name: {size, peak_rss_mb, wall_s, upload_s}}`` and the videos' sha256 digests.
    """
    token = new_channel(base)
    report: dict[str, Any] = {}
    digests = set()
    for name, size in sizes.items():
        project = work / f"rss-{name}"
        make_project(project, size)
        peak_kib, wall = peak_rss_of_apply(project, apply_env(base, token, project))
        report[name] = {
            "size": size,
            "peak_rss_mb": peak_kib * 1024 / 1e6,
            "wall_s": wall,
            "upload_s": last_upload_seconds(base),
        }
        digests.add(sha256_of(project / "media" / "big.mp4"))
        (project / "media" / "big.mp4").unlink()
    return report, digests


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def print_throughput(report: dict[str, Any]) -> None:
    print(
        f"{report['size']:,} B in {report['chunks']} chunks of {report['chunk_size']:,} B, "
        "upload phase by the emulator's clock:"
    )
    for name, runs in report["runs"].items():
        rates = [run["rate"] for run in runs]
        print(f"  {name:5s} best {max(rates):7,.0f} MiB/s, median {statistics.median(rates):7,.0f}")
        for run in runs:
            print(
                f"        {run['rate']:7,.0f} MiB/s  CPU-s/GiB: client "
                f"{run['client_cpu_per_gib']:.2f}, emulator {run['emulator_cpu_per_gib']:.2f}"
                f"; emulator in the upload phase: running {run['running']:.0%}, waiting for a CPU "
                f"{run['waiting_for_cpu']:.0%}, sleeping {run['sleeping']:.0%}; whole process"
                f" {run['wall']:.2f} s"
            )
    print(
        f"ratio apply/curl: best/best {report['best_ratio']:.2f}x, median/median "
        f"{report['median_ratio']:.2f}x, paired median {report['paired_median']:.2f}x "
        f"({', '.join(f'{r:.2f}' for r in report['paired_ratios'])})  (goal >= 0.90x)"
    )


def print_rss(report: dict[str, Any]) -> None:
    for name, row in report.items():
        print(
            f"publisher apply, {name} video of {row['size']:,} B: peak RSS "
            f"{row['peak_rss_mb']:,.0f} MB, {row['wall_s']:.1f} s in all, upload phase "
            f"{row['upload_s']:.1f} s"
        )
    ratio = report["big"]["peak_rss_mb"] / report["small"]["peak_rss_mb"]
    print(f"peak RSS big/small: {ratio:.2f}x (the size of the video must not show)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="throughput video size")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--gap", type=float, default=3.0, help="idle seconds before each upload (0: none)"
    )
    parser.add_argument("--rss", action="store_true", help="measure peak RSS instead")
    parser.add_argument("--size-bytes", type=int, default=2**31, help="the big video (--rss)")
    parser.add_argument("--small-bytes", type=int, default=2**20, help="the tiny one (--rss)")
    parser.add_argument("--json", action="store_true", help="print one JSON report")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="youtube-bench-") as tmp:
        work = Path(tmp)
        with start_emulator(work, youtube=YOUTUBE_OPTIONS) as base:
            if args.rss:
                sizes = {"small": args.small_bytes, "big": args.size_bytes}
                report, digests = peak_rss(base, work, sizes)
            else:
                project = work / "project"
                make_project(project, args.size_mib * 2**20)
                report = throughput(base, project, args.runs, args.gap)
                digests = {sha256_of(project / "media" / "big.mp4")}
            videos = httpx.get(f"{base}/_sandbox/youtube/videos", timeout=120).json()["videos"]
    # Every upload, curl's and apply's, is the video byte for byte.
    exact = all(v["byte_count"] == v["total"] and v["sha256"] in digests for v in videos)
    if args.json:
        print(json.dumps({**report, "uploads": len(videos), "byte_exact": exact}))
    elif args.rss:
        print_rss(report)
    else:
        print_throughput(report)
    if not args.json:
        print(f"{len(videos)} upload(s), each the video byte for byte at the emulator: {exact}")
    if not exact:
        raise SystemExit("an upload did not arrive byte for byte")


if __name__ == "__main__":
    main()
