"""``publisher apply`` of one big video vs curl sending the same chunks, and its peak RSS.

Usage:
  .venv/bin/python bench/apply_upload.py [--size-mib 1024] [--runs 3]
  .venv/bin/python bench/apply_upload.py --rss [--size-bytes 4000000000]

Unlike ``upload_throughput.py`` (the provider's uploader called directly), this runs the
whole command, as a user does: a subprocess ``publisher apply --yes`` in a content
repository (video untracked, so its content id is a streamed sha256), with the emulator in
its own process (``publisher sandbox serve``) reached through ``PUBLISHER_TIKTOK_API_URL``.
The upload phase is timed by the emulator itself, identically for both clients: from the
arrival of the first chunk PUT to the completion of the upload (``upload_completed_at``).
curl gets its own init per run and sends the same 10,000,000 B chunks over one keep-alive
connection. Runs alternate; the best of each is compared (goal: apply >= 0.9x curl).

``--rss`` runs ``publisher apply`` of one video of ``--size-bytes`` (default 4,000,000,000 B,
the largest TikTok's 4 GB rule lets pre-flight accept; a 4 GiB file is refused by pre-flight)
under a wrapper that reads the child's peak RSS (``RUSAGE_CHILDREN``); goal: <= 2 x chunk
size + 100 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sandbox_ingest import (  # noqa: E402
    commit_project,
    curl_upload,
    emulator_upload_url,
    serve_emulator,
)
from upload_throughput import split  # noqa: E402

from gitops_publisher.providers.tiktok.chunks import plan_chunks  # noqa: E402
from gitops_publisher.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SOURCE_MP4 = REPO / "examples" / "media" / "tutorial-part1.mp4"
ENV_VAR = "TT_RT_BENCH"
CONFIG = f"""version: 1
accounts:
  bench:
    provider: tiktok
    refresh_token_env: {ENV_VAR}
defaults:
  privacy: SELF_ONLY
  interactions: {{comments: true, duet: false, stitch: false}}
"""


def make_video(path: Path, size: int) -> None:
    """A real MP4 grown to ``size`` by a trailing ``free`` box of random bytes."""
    head = SOURCE_MP4.read_bytes()
    block = os.urandom(1 << 20)
    with path.open("wb") as handle:
        handle.write(head)
        pad = size - len(head)
        handle.write(struct.pack(">I4s", pad, b"free") if pad < 2**32 else b"")
        if pad >= 2**32:
            raise SystemExit("use a size under 4 GiB + the MP4 head")
        written = len(head) + 8
        while written < size:
            piece = block[: min(len(block), size - written)]
            handle.write(piece)
            written += len(piece)


def make_project(root: Path, size: int) -> None:
    (root / "posts").mkdir(parents=True)
    (root / "media").mkdir()
    (root / "publisher.yaml").write_text(CONFIG)
    (root / "posts" / "big.yaml").write_text(
        'version: 1\nid: big\naccounts: [bench]\nvideo: media/big.mp4\ncaption: "bench"\n'
    )
    commit_project(root, "publisher.yaml", "posts")
    make_video(root / "media" / "big.mp4", size)


def new_account(base: str, name: str) -> str:
    answer = httpx.post(f"{base}/_sandbox/accounts", json={"username": name}, timeout=10)
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["refresh_token"]
    return token


def apply_env(base: str, token: str, root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PUBLISHER_TIKTOK_API_URL": base,
        "TIKTOK_CLIENT_KEY": SANDBOX_CLIENT_KEY,
        "TIKTOK_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        ENV_VAR: token,
        "PUBLISHER_TOKEN_STORE": str(root.parent / "tokens.json"),
        "NO_COLOR": "1",
    }


def server_upload_seconds(base: str, account: str) -> float:
    """First chunk's arrival to upload completion, by the emulator's clock, for ``account``."""
    posts = httpx.get(f"{base}/_sandbox/posts", params={"account": account}, timeout=10).json()
    (post,) = posts["posts"]
    assert post["upload_completed_at"], post
    requests = httpx.get(f"{base}/_sandbox/requests", timeout=10).json()["requests"]
    puts = [
        r["time"] for r in requests if r["endpoint"] == "upload" and r["time"] >= post["created_at"]
    ]
    return float(post["upload_completed_at"]) - min(puts)


def run_apply(base: str, root: Path, account: str) -> tuple[float, float]:
    """One ``publisher apply`` as a new account; return (upload seconds, command seconds)."""
    (root / ".publisher" / "state.json").unlink(missing_ok=True)
    token = new_account(base, account)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "gitops_publisher", "-C", str(root), "apply", "--yes"],
        env=apply_env(base, token, root),
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
    return server_upload_seconds(base, account), wall


def run_curl(
    base: str, chunks: list, size: int, plan_chunk: int, account: str
) -> tuple[float, float]:
    url, _ = emulator_upload_url(base, new_account(base, account), size, plan_chunk)
    wall = curl_upload(url, chunks, size)
    return server_upload_seconds(base, account), wall


def peak_rss_of_apply(project: Path, env: dict[str, str]) -> tuple[int, float]:
    """Run ``publisher apply --yes`` in ``project`` under a wrapper; (peak RSS KiB, seconds).

    The wrapper (this script's ``--measure``) reads ``RUSAGE_CHILDREN`` after the command
    exits: the peak of the command's own process, start-up to exit.
    """
    command = [sys.executable, "-m", "gitops_publisher", "-C", str(project), "apply", "--yes"]
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--measure", *command],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall = time.perf_counter() - start
    report = json.loads(out)
    assert report["code"] == 0, report
    return int(report["peak_kib"]), wall


@contextmanager
def start_emulator(root: Path, **more: object) -> Iterator[str]:
    """The emulator with no limits and no processing delays; yields its base URL.

    ``more``: further ``SandboxOptions`` fields (``youtube={...}``).
    """
    options = root / "options.json"
    options.write_text(
        json.dumps(
            {
                "daily_post_cap": 1000,
                "rate_limits": {},
                "processing_base_sec": 0,
                "processing_sec_per_gib": 0,
                "moderation_sec": 0,
                **more,
            }
        )
    )
    with serve_emulator(root / "world", "--options", str(options)) as base:
        yield base


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rss", action="store_true")
    parser.add_argument("--size-bytes", type=int, default=4_000_000_000)
    parser.add_argument(
        "--gap", type=float, default=3.0, help="idle seconds before each upload (0: none)"
    )
    parser.add_argument("--measure", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # wrapper: run the command, print its peak RSS in KiB
        code = subprocess.run(args.measure, stdout=subprocess.DEVNULL).returncode
        print(
            json.dumps(
                {"code": code, "peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}
            )
        )
        return
    size = args.size_bytes if args.rss else args.size_mib * 1024 * 1024
    plan = plan_chunks(size)
    with tempfile.TemporaryDirectory(prefix="apply-bench-") as tmp:
        work = Path(tmp)
        project = work / "project"
        make_project(project, size)
        with start_emulator(work) as base:
            if args.rss:
                token = new_account(base, "rss")
                peak_kib, wall = peak_rss_of_apply(project, apply_env(base, token, project))
                peak_mb = peak_kib * 1024 / 1e6
                goal_mb = (2 * plan.chunk_size + 100_000_000) / 1e6
                print(
                    f"publisher apply of {size:,} B ({plan.total_chunk_count} chunks of "
                    f"{plan.chunk_size:,} B): {wall:.1f} s in all (sha256 content id, "
                    f"pre-flight, upload, status)"
                )
                print(f"peak RSS of publisher apply: {peak_mb:,.0f} MB (goal <= {goal_mb:,.0f} MB)")
            else:
                chunks_dir = work / "chunks"
                chunks_dir.mkdir()
                chunks = split(project / "media" / "big.mp4", plan.ranges, chunks_dir)
                mib = size / 2**20
                results: dict[str, list[tuple[float, float]]] = {"apply": [], "curl": []}
                for run in range(args.runs):
                    # The same idle gap before each upload: in this VM the emulator's kernel
                    # time for writing the part file depends on how long ago the previous
                    # upload's pages were freed (bench/README.md), and without a gap apply's
                    # ~1 s of start-up before its upload phase-locked it to the slow case.
                    time.sleep(args.gap)
                    results["curl"].append(run_curl(base, chunks, size, plan.chunk_size, f"c{run}"))
                    time.sleep(args.gap)
                    results["apply"].append(run_apply(base, project, f"a{run}"))
                for name, values in results.items():
                    ups = ", ".join(f"{mib / u:,.0f}" for u, _ in values)
                    walls = ", ".join(f"{w:.2f}" for _, w in values)
                    print(
                        f"{name:6s} upload best {mib / min(u for u, _ in values):7,.0f} MiB/s "
                        f"(runs {ups} MiB/s; whole process {walls} s)"
                    )
                ratio = min(u for u, _ in results["curl"]) / min(u for u, _ in results["apply"])
                paired = sorted(
                    c / a for (a, _), (c, _) in zip(results["apply"], results["curl"], strict=True)
                )
                medians = statistics.median(u for u, _ in results["curl"]) / statistics.median(
                    u for u, _ in results["apply"]
                )
                print(
                    f"upload ratio apply/curl: best/best {ratio:.2f}x, median/median "
                    f"{medians:.2f}x, paired runs median {statistics.median(paired):.2f}x "
                    f"({', '.join(f'{r:.2f}' for r in paired)})  (goal >= 0.90x)"
                )
            posts = httpx.get(f"{base}/_sandbox/posts", timeout=10).json()["posts"]
            assert all(p["byte_count"] == size for p in posts), [p["byte_count"] for p in posts]
            print(f"{len(posts)} upload(s), each byte-complete at the emulator")


if __name__ == "__main__":
    main()
