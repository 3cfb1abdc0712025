"""Upload throughput of the provider's chunk uploader vs curl, and its peak RSS.

Usage:
  .venv/bin/python bench/upload_throughput.py [--size-mib 1024] [--runs 3] [--piece-kib 1024]
  .venv/bin/python bench/upload_throughput.py --rss --size-mib 4096

The emulator runs in its own process (``publisher sandbox serve``, uvicorn + httptools). The
same video (real bytes, page-cached) goes up in 10,000,000 B chunks, alternately by
``TikTokClient.upload`` (what ``publisher apply`` calls) and by one curl process sending the
same chunks over one keep-alive connection. Each run gets its own init/upload_url. Best run
of each is compared; goal: client >= 0.9x curl. ``--rss`` uploads in a child process and
reports its peak RSS (goal: <= 2 x chunk size + 100 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sandbox_ingest import (  # noqa: E402
    MP4_HEAD,
    curl_upload,
    free_port,
    serve_discard,
    serve_emulator,
    wait_ready,
)

from gitops_publisher.providers.tiktok.api_models import PostInfo, SourceInfo  # noqa: E402
from gitops_publisher.providers.tiktok.auth import RefreshingAuth, TokenEndpoint  # noqa: E402
from gitops_publisher.providers.tiktok.chunks import ChunkPlan, plan_chunks  # noqa: E402
from gitops_publisher.providers.tiktok.client import TikTokClient  # noqa: E402
from gitops_publisher.providers.tokens import TokenSet  # noqa: E402
from gitops_publisher.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET  # noqa: E402


def make_video(path: Path, size: int) -> None:
    block = os.urandom(1 << 20)
    with path.open("wb") as handle:
        handle.write(MP4_HEAD)
        written = len(MP4_HEAD)
        while written < size:
            piece = block[: min(len(block), size - written)]
            handle.write(piece)
            written += len(piece)


def split(
    video: Path, ranges: Iterable[tuple[int, int]], directory: Path
) -> list[tuple[Path, int, int]]:
    """Cut ``video`` into one file per inclusive byte range (curl sends a whole file)."""
    chunks = []
    with video.open("rb") as source:
        for index, (first, last) in enumerate(ranges):
            path = directory / f"chunk{index:04d}.bin"
            source.seek(first)
            path.write_bytes(source.read(last - first + 1))
            chunks.append((path, first, last))
    return chunks


class Session:
    """A client of the emulator holding one account's rotating tokens."""

    def __init__(self, base: str, refresh_token: str) -> None:
        self.base = base
        self.tokens = TokenSet.from_refresh_token(refresh_token)

    async def run(self, fn):  # type: ignore[no-untyped-def]
        endpoint = TokenEndpoint(SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET, base_url=self.base)

        def persist(new: TokenSet) -> None:
            self.tokens = new

        auth = RefreshingAuth(self.tokens, endpoint, persist=persist)
        try:
            async with TikTokClient(auth, base_url=self.base, account="bench") as client:
                return await fn(client)
        finally:
            await endpoint.aclose()

    def init(self, plan: ChunkPlan) -> str:
        source = SourceInfo.file_upload(plan.video_size, plan.chunk_size, plan.total_chunk_count)

        async def go(client: TikTokClient) -> str:
            result = await client.init_direct(PostInfo(privacy_level="SELF_ONLY"), source)
            assert result.upload_url
            return result.upload_url

        return asyncio.run(self.run(go))  # type: ignore[no-any-return]

    def upload(self, url: str, video: Path, plan: ChunkPlan) -> float:
        async def go(client: TikTokClient) -> float:
            start = time.perf_counter()
            await client.upload(url, video, plan, content_type="video/mp4")
            return time.perf_counter() - start

        return asyncio.run(self.run(go))  # type: ignore[no-any-return]


def child_upload(base: str, refresh_token: str, video: Path) -> None:
    """Upload in this (child) process; print elapsed seconds and the refresh token."""
    plan = plan_chunks(video.stat().st_size)
    session = Session(base, refresh_token)
    url = session.init(plan)
    elapsed = session.upload(url, video, plan)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "elapsed": elapsed,
                "peak_kib": peak_kib,
                "refresh_token": session.tokens.refresh_token.get_secret_value(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rss", action="store_true")
    parser.add_argument("--sink", action="store_true", help="upload to a discard server too")
    parser.add_argument(
        "--gap", type=float, default=3.0, help="idle seconds before each upload (0: none)"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--serve-sink", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sink:
        serve_discard(args.serve_sink)
        return
    if args.child:
        child_upload(args.child[0], args.child[1], Path(args.child[2]))
        return
    from gitops_publisher.sandbox import SandboxWorld

    size = args.size_mib * 1024 * 1024
    plan = plan_chunks(size)
    with tempfile.TemporaryDirectory(prefix="upload-bench-") as tmp:
        root = Path(tmp)
        video = root / "video.mp4"
        make_video(video, size)
        world_dir = root / "world"
        refresh_token = SandboxWorld.load_or_create(world_dir).ensure_account("bench")
        options = root / "options.json"
        options.write_text(json.dumps({"daily_post_cap": 1000, "rate_limits": {}}))
        with serve_emulator(world_dir, "--options", str(options)) as base:
            mib = size / 1024 / 1024
            if args.rss:
                out = subprocess.run(
                    [sys.executable, __file__, "--child", base, refresh_token, str(video)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                report = json.loads(out)
                peak_mb = report["peak_kib"] * 1024 / 1e6
                limit_mb = (2 * plan.chunk_size + 100_000_000) / 1e6
                print(
                    f"{mib:,.0f} MiB in {plan.total_chunk_count} chunks of "
                    f"{plan.chunk_size:,} B: {report['elapsed']:.2f} s, "
                    f"{mib / report['elapsed']:,.0f} MiB/s"
                )
                print(
                    f"peak RSS of the uploading process: {peak_mb:,.0f} MB "
                    f"(goal <= {limit_mb:,.0f} MB)"
                )
            else:
                chunks_dir = root / "chunks"
                chunks_dir.mkdir()
                chunks = split(video, plan.ranges, chunks_dir)
                session = Session(base, refresh_token)
                times: dict[str, list[float]] = {"client": [], "curl": []}
                settled = f"{base}/_sandbox/posts"
                for _ in range(args.runs):
                    # After each upload, wait for the emulator's sha256 of it (computed after
                    # the final chunk, sandbox/digest.py) so it never overlaps the next run.
                    # Then the same idle gap before each upload (see bench/apply_upload.py).
                    time.sleep(args.gap)
                    times["curl"].append(curl_upload(session.init(plan), chunks, size))
                    httpx.get(settled, timeout=60)
                    time.sleep(args.gap)
                    url = session.init(plan)
                    times["client"].append(session.upload(url, video, plan))
                    httpx.get(settled, timeout=60)
                if args.sink:
                    sink_port = free_port()
                    sink = subprocess.Popen(
                        [sys.executable, __file__, "--serve-sink", str(sink_port)]
                    )
                    try:
                        wait_ready(f"http://127.0.0.1:{sink_port}/")
                        sink_url = f"http://127.0.0.1:{sink_port}/upload/?upload_token=x"
                        times["client->sink"], times["curl->sink"] = [], []
                        for _ in range(args.runs):
                            times["curl->sink"].append(curl_upload(sink_url, chunks, size))
                            times["client->sink"].append(session.upload(sink_url, video, plan))
                    finally:
                        sink.terminate()
                        sink.wait(timeout=10)
                for name, values in times.items():
                    rates = ", ".join(f"{mib / t:,.0f}" for t in values)
                    print(f"{name:12s} best {mib / min(values):8,.0f} MiB/s  (runs: {rates} MiB/s)")
                ratio = min(times["curl"]) / min(times["client"])
                print(f"ratio client/curl to the emulator: {ratio:.2f}x  (goal >= 0.90x)")
                if args.sink:
                    ratio = min(times["curl->sink"]) / min(times["client->sink"])
                    print(f"ratio client/curl to a discard server: {ratio:.2f}x")
            posts = httpx.get(f"{base}/_sandbox/posts").json()["posts"]
            assert all(p["byte_count"] == size for p in posts), [p["byte_count"] for p in posts]
            print(f"{len(posts)} upload(s), every one byte-complete at the emulator")


if __name__ == "__main__":
    main()
