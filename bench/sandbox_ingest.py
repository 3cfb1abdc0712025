"""Sandbox PUT ingest rate vs a minimal discard-the-body ASGI app, both uvicorn+httptools.

Usage: .venv/bin/python bench/sandbox_ingest.py [--size-mib 1024] [--chunk 10000000] [--runs 3]
       [--baseline-src DIR]

Each server runs in its own process. One curl process uploads the video in 10 MB chunks
over one keep-alive connection (``-T chunk --next ...``) with the Content-Range the
reference prescribes, against the emulator's real upload_url and against the discard app.
Runs alternate; best runs and same-round pairs are compared, with each server's CPU seconds
per GiB (less noisy than rates on a shared machine). Goal: emulator >= 0.7x the discard app.
``--baseline-src DIR`` adds an emulator built from another source tree to every round.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx

CURL = shutil.which("curl") or "/usr/bin/curl"
#: base URL -> process id of each emulator :func:`serve_emulator` is serving.
SERVING: dict[str, int] = {}
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


async def discard_app(scope, receive, send):  # type: ignore[no-untyped-def]
    """The baseline: read and drop the body; answer 206, or 201 to the final byte range.

    201 on the last range is what TikTok and the emulator answer and what the provider's
    uploader checks; curl (``--fail-with-body``) takes either.
    """
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    headers = dict(scope["headers"])
    first_last, _, total = headers.get(b"content-range", b"bytes 0-0/1")[6:].partition(b"/")
    done = int(first_last.split(b"-")[1]) + 1 == int(total)
    await send(
        {
            "type": "http.response.start",
            "status": 201 if done else 206,
            "headers": [(b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def serve_discard(port: int) -> None:
    """Serve :func:`discard_app` on 127.0.0.1 with uvicorn + httptools until killed."""
    import uvicorn

    uvicorn.run(
        discard_app,
        host="127.0.0.1",
        port=port,
        http="httptools",
        loop="asyncio",
        lifespan="off",
        log_level="warning",
        access_log=False,
    )


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


@contextmanager
def serve_emulator(world_dir: Path, *args: str) -> Iterator[str]:
    """``publisher sandbox serve`` in a subprocess on a free port; yields its base URL.

    ``args`` are more ``serve`` options (``--options FILE``, ``--time-scale X``...). The server
    is stopped when the block ends.
    """
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gitops_publisher",
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--dir",
            str(world_dir),
            *args,
        ],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    SERVING[base] = server.pid
    try:
        wait_ready(f"{base}/_sandbox/world")
        yield base
    finally:
        del SERVING[base]
        server.terminate()
        server.wait(timeout=10)


def commit_project(root: Path, *paths: str) -> None:
    """``git init`` ``root`` and commit ``paths`` (everything when none) as a bench author."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@b",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@b",
    }
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", *(paths or ["-A"])], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "bench"], cwd=root, check=True, env=env)


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


def cpu_seconds(pid: int) -> dict[str, float]:
    """CPU seconds of a process by thread kind and user/system (Linux /proc).

    Keys: ``user``, ``sys`` (whole process, exited threads included) and ``main`` (the
    event loop thread); the rest is worker threads (writing and hashing).
    """
    tick = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    main = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return {
        "user": int(fields[11]) / tick,
        "sys": int(fields[12]) / tick,
        "main": (int(main[11]) + int(main[12])) / tick,
    }


def machine_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine (/proc/stat: all but idle and iowait).

    Counts kernel threads too (writeback of the part file), and other people's jobs.
    """
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """User + system CPU of this process's waited-for children (the curl runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory of a process (Linux VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def curl_upload(
    url: str,
    chunks: list[tuple[Path, int, int]],
    size: int,
    headers: Sequence[str] = ("Content-Type: video/mp4",),
) -> float:
    """PUT each chunk file with its Content-Range, one curl over one connection; seconds."""
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
            *(arg for header in headers for arg in ("-H", header)),
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
    parser.add_argument(
        "--baseline-src",
        type=Path,
        action="append",
        default=[],
        help="also serve an emulator from this source tree (a directory holding an older "
        "gitops_publisher/, e.g. from git archive) in the same rounds (repeatable)",
    )
    parser.add_argument("--serve-discard", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_discard:
        serve_discard(args.serve_discard)
        return
    from gitops_publisher.sandbox import SandboxWorld

    size = args.size_mib * 1024 * 1024
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        root = Path(tmp)
        chunks_dir = root / "chunks"
        chunks_dir.mkdir()
        chunks = make_chunks(chunks_dir, size, args.chunk)
        options = root / "options.json"
        options.write_text(json.dumps({"daily_post_cap": 1000}))
        # name -> (process, base URL, refresh token or None for the discard app)
        servers: dict[str, tuple[subprocess.Popen[bytes], str, str | None]] = {}
        emulators: dict[str, Path | None] = {"emulator": None}
        emulators.update({f"base-{src.name}": src for src in args.baseline_src})
        try:
            port = free_port()
            servers["discard"] = (
                subprocess.Popen([sys.executable, __file__, "--serve-discard", str(port)], env=env),
                f"http://127.0.0.1:{port}",
                None,
            )
            for name, src in emulators.items():
                world_dir = root / f"world-{name}"
                token = SandboxWorld.load_or_create(world_dir).ensure_account("bench")
                port = free_port()
                command = [sys.executable, "-m", "gitops_publisher", "sandbox", "serve"]
                command += ["--port", str(port), "--dir", str(world_dir), "--options", str(options)]
                server_env = {**env, "PYTHONPATH": str(src)} if src else env
                # -m puts the working directory first on sys.path: start from the tree itself.
                process = subprocess.Popen(
                    command, stdout=subprocess.DEVNULL, env=server_env, cwd=src or None
                )
                servers[name] = (process, f"http://127.0.0.1:{port}", token)
            for _, base, emulated in servers.values():
                wait_ready(f"{base}/_sandbox/world" if emulated else base)
            results: dict[str, list[float]] = {name: [] for name in servers}
            keys = ("user", "sys", "main", "curl", "machine")
            cpu = {name: dict.fromkeys(keys, 0.0) for name in servers}
            settle: dict[str, list[float]] = {name: [] for name in emulators}
            for round_index in range(args.runs):
                names = list(servers)
                # Rotate the order each round: the position in a round is not neutral here.
                shift = round_index % len(names)
                for name in names[shift:] + names[:shift]:
                    process, base, previous = servers[name]
                    target = f"{base}/upload/"
                    if previous is not None:
                        target, rotated = emulator_upload_url(base, previous, size, args.chunk)
                        servers[name] = (process, base, rotated)
                    before = cpu_seconds(process.pid)
                    curl_before = children_cpu_seconds()
                    machine_before = machine_busy_seconds()
                    results[name].append(curl_upload(target, chunks, size))
                    if previous is not None:
                        # The sha256 is computed after the final 201, off the ingest path
                        # (sandbox/digest.py): wait for it outside the timed upload, so its
                        # CPU counts below and never overlaps the next server's run.
                        started = time.perf_counter()
                        listed = httpx.get(f"{base}/_sandbox/posts", timeout=60).json()["posts"]
                        settle[name].append(time.perf_counter() - started)
                        assert all(p["sha256"] for p in listed), listed
                    after = cpu_seconds(process.pid)
                    for key in after:
                        cpu[name][key] += after[key] - before[key]
                    cpu[name]["curl"] += children_cpu_seconds() - curl_before
                    cpu[name]["machine"] += machine_busy_seconds() - machine_before
            peak = {name: peak_rss_mib(process.pid) for name, (process, _, _) in servers.items()}
            for name in emulators:
                posts = httpx.get(f"{servers[name][1]}/_sandbox/posts").json()["posts"]
                assert all(p["byte_count"] == size for p in posts), posts
        finally:
            for process, _, _ in servers.values():
                process.terminate()
                process.wait(timeout=10)
    report(results, cpu, peak, size)
    for name, waits in settle.items():
        waits.sort()
        print(
            f"{name}: sha256 recorded {waits[len(waits) // 2]:.2f} s (median; max "
            f"{waits[-1]:.2f} s) after the final chunk's 201, not counted in the rate"
        )
    print(f"size {size:,} B in {len(chunks)} chunks of {args.chunk:,} B (floor count), curl {CURL}")


def report(
    results: dict[str, list[float]],
    cpu: dict[str, dict[str, float]],
    peak: dict[str, float],
    size: int,
) -> None:
    """Print rates, CPU per GiB and the emulator / discard ratios (best, paired median)."""
    mib = size / 1024 / 1024
    for name, times in results.items():
        rates = ", ".join(f"{mib / t:,.0f}" for t in times)
        median = sorted(times)[len(times) // 2]
        per_gib = {key: v / len(times) / (mib / 1024) for key, v in cpu[name].items()}
        total = per_gib["user"] + per_gib["sys"]
        print(
            f"{name:9s} best {mib / min(times):6,.0f} MiB/s, median {mib / median:6,.0f} MiB/s"
            f"  (runs: {rates} MiB/s)\n"
            f"          server CPU {total:.2f} s/GiB (user {per_gib['user']:.2f}, "
            f"sys {per_gib['sys']:.2f}; event loop {per_gib['main']:.2f}, "
            f"workers {total - per_gib['main']:.2f}); curl {per_gib['curl']:.2f}; "
            f"machine {per_gib['machine']:.2f} s/GiB; "
            f"peak RSS {peak[name]:.0f} MiB"
        )
    for name in results:
        if name == "discard":
            continue
        ratio = min(results["discard"]) / min(results[name])
        paired = sorted(d / e for d, e in zip(results["discard"], results[name], strict=True))
        print(
            f"{name}/discard: {ratio:.2f}x best vs best; paired rounds median "
            f"{paired[len(paired) // 2]:.2f}x, range {paired[0]:.2f}x-{paired[-1]:.2f}x"
            "  (goal >= 0.70x)"
        )


if __name__ == "__main__":
    main()
