"""Sandbox PUT ingest rate vs a minimal discard-the-body ASGI app, both uvicorn+httptools.

Usage: .venv/bin/python bench/sandbox_ingest.py [--size-mib 1024] [--chunk 10000000] [--runs 3]

Each server runs in its own process. One curl process uploads the video in 10 MB chunks
over one keep-alive connection (``-T chunk --next ...``) with the Content-Range the
reference prescribes, against the emulator's real upload_url and against the discard app.
Runs alternate; the best run of each is compared. Goal: emulator >= 0.7x the discard app.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

CURL = shutil.which("curl") or "/usr/bin/curl"
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


async def discard_app(scope, receive, send):  # type: ignore[no-untyped-def]
    """The baseline: read and drop the body, answer 206."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send(
        {"type": "http.response.start", "status": 206, "headers": [(b"content-length", b"0")]}
    )
    await send({"type": "http.response.body", "body": b""})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(url: str) -> None:
    for _ in range(500):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.02)
    raise RuntimeError(f"server at {url} did not start")


def make_chunks(directory: Path, size: int, chunk: int) -> list[tuple[Path, int, int]]:
    """Sparse chunk files (an MP4 head first) and their inclusive ranges, floor count."""
    count = size // chunk
    chunks = []
    for index in range(count):
        first = index * chunk
        last = size - 1 if index == count - 1 else first + chunk - 1
        path = directory / f"chunk{index:04d}.bin"
        with path.open("wb") as handle:
            if index == 0:
                handle.write(MP4_HEAD)
            handle.truncate(last - first + 1)
        chunks.append((path, first, last))
    return chunks


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to see where the time goes."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory of a process (Linux VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def curl_upload(url: str, chunks: list[tuple[Path, int, int]], size: int) -> float:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    args = [CURL, "-sS", "--fail-with-body"]
    for index, (path, first, last) in enumerate(chunks):
        if index:
            args.append("--next")
        args += [
            "-o",
            "/dev/null",
            "-X",
            "PUT",
            "-T",
            str(path),
            "-H",
            "Content-Type: video/mp4",
            "-H",
            f"Content-Range: bytes {first}-{last}/{size}",
            "-H",
            "Expect:",
            # curl -T appends the file name to a URL ending in "/": send the exact target.
            "--request-target",
            target,
            origin + "/x",
        ]
    start = time.perf_counter()
    subprocess.run(args, check=True)
    return time.perf_counter() - start


def emulator_upload_url(base: str, refresh_token: str, size: int, chunk: int) -> tuple[str, str]:
    """Refresh (rotating the token), init a direct post; return (upload_url, new refresh)."""
    from gitops_publisher.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET

    token = httpx.post(
        f"{base}/v2/oauth/token/",
        data={
            "client_key": SANDBOX_CLIENT_KEY,
            "client_secret": SANDBOX_CLIENT_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        },
    ).json()
    assert "access_token" in token, token
    init = httpx.post(
        f"{base}/v2/post/publish/video/init/",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        json={
            "post_info": {"privacy_level": "SELF_ONLY", "title": "bench"},
            "source_info": {
                "source": "FILE_UPLOAD",
                "video_size": size,
                "chunk_size": chunk,
                "total_chunk_count": size // chunk,
            },
        },
    ).json()
    url: str = init["data"]["upload_url"]
    return url, token["refresh_token"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--chunk", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve-discard", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_discard:
        import uvicorn

        uvicorn.run(
            discard_app,
            host="127.0.0.1",
            port=args.serve_discard,
            http="httptools",
            loop="asyncio",
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        return
    from gitops_publisher.sandbox import SandboxWorld

    size = args.size_mib * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        root = Path(tmp)
        chunks_dir = root / "chunks"
        chunks_dir.mkdir()
        chunks = make_chunks(chunks_dir, size, args.chunk)
        world_dir = root / "world"
        refresh_token = SandboxWorld.load_or_create(world_dir).ensure_account("bench")
        options = root / "options.json"
        options.write_text(json.dumps({"daily_post_cap": 1000}))
        emu_port, discard_port = free_port(), free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        servers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gitops_publisher",
                    "sandbox",
                    "serve",
                    "--port",
                    str(emu_port),
                    "--dir",
                    str(world_dir),
                    "--options",
                    str(options),
                ],
                stdout=subprocess.DEVNULL,
                env=env,
            ),
            subprocess.Popen(
                [sys.executable, __file__, "--serve-discard", str(discard_port)], env=env
            ),
        ]
        try:
            emu, discard = f"http://127.0.0.1:{emu_port}", f"http://127.0.0.1:{discard_port}"
            wait_ready(f"{emu}/_sandbox/world")
            wait_ready(discard)
            results: dict[str, list[float]] = {"emulator": [], "discard": []}
            cpu = {"emulator": 0.0, "discard": 0.0}
            pids = {"emulator": servers[0].pid, "discard": servers[1].pid}
            for _ in range(args.runs):
                url, refresh_token = emulator_upload_url(emu, refresh_token, size, args.chunk)
                for name, target in (("discard", f"{discard}/upload/"), ("emulator", url)):
                    before = cpu_seconds(pids[name])
                    results[name].append(curl_upload(target, chunks, size))
                    cpu[name] += cpu_seconds(pids[name]) - before
            peak = {name: peak_rss_mib(pid) for name, pid in pids.items()}
            posts = httpx.get(f"{emu}/_sandbox/posts").json()["posts"]
            assert all(p["byte_count"] == size for p in posts), posts
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
    mib = size / 1024 / 1024
    best = {name: min(times) for name, times in results.items()}
    for name, times in results.items():
        rates = ", ".join(f"{mib / t:,.0f}" for t in times)
        per_gib = cpu[name] / len(times) / (mib / 1024)
        print(
            f"{name:9s} best {mib / best[name]:8,.0f} MiB/s  (runs: {rates} MiB/s)"
            f"  server CPU {per_gib:.2f} s/GiB, peak RSS {peak[name]:.0f} MiB"
        )
    ratio = best["discard"] / best["emulator"]
    print(f"ratio emulator/discard: {ratio:.2f}x best vs best  (goal >= 0.70x)")
    paired = sorted(d / e for d, e in zip(results["discard"], results["emulator"], strict=True))
    print(
        f"paired runs (same round): median {paired[len(paired) // 2]:.2f}x, "
        f"range {paired[0]:.2f}x-{paired[-1]:.2f}x"
    )
    print(f"size {size:,} B in {len(chunks)} chunks of {args.chunk:,} B (floor count), curl {CURL}")


if __name__ == "__main__":
    main()
