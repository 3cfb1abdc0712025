"""CPU per request of the providers' HTTP client against httpx's default, in one process.

Usage: .venv/bin/python bench/http_client_cpu.py [--concurrency 5] [--rounds 21] [--batch 200]

A minimal HTTP/1.1 server (asyncio, keep-alive, an 11-byte JSON answer) runs in its own
process, so only the client's CPU is counted. Two clients in this process send the same
POSTs (2 KB bodies, ``concurrency`` at a time, as an account's pipeline does): httpx's
default ``AsyncClient`` (httpcore's anyio backend) and ours (``open_http``:
``providers/http_backend.py``). Each round sends ``batch`` requests through each client, in
alternating order, and records ``time.process_time()`` per request; medians and ranges of
the rounds are printed. Interleaving small batches in one process keeps the drift of a
shared machine out of the comparison better than separate runs do.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time

import httpx

SERVER = r"""
import asyncio

ANSWER = b'HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n{"ok":true}'


async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    await reader.readexactly(int(line.split(b":")[1]))
            writer.write(ANSWER)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
"""


async def _send(client: httpx.AsyncClient, count: int, concurrency: int, body: bytes) -> None:
    url = client.base_url.copy_with(raw_path=b"/v2/post/publish/")

    async def one_after_another(n: int) -> None:
        for _ in range(n):
            (await client.post(url, content=body)).raise_for_status()

    await asyncio.gather(*(one_after_another(count // concurrency) for _ in range(concurrency)))


async def compare(base: str, concurrency: int, rounds: int, batch: int) -> dict[str, list[float]]:
    """Microseconds of CPU per request of each client, one figure per round."""
    from gitops_publisher.providers.api_client import open_http
    from gitops_publisher.providers.tls import shared_tls_context

    clients = {
        "httpx default": httpx.AsyncClient(base_url=base, timeout=5.0, verify=shared_tls_context()),
        "ours (open_http)": open_http(base_url=base, timeout=5.0),
    }
    body = b"x" * 2000
    for client in clients.values():  # connections opened, code warm
        await _send(client, 4 * concurrency, concurrency, body)
    figures: dict[str, list[float]] = {name: [] for name in clients}
    for round_ in range(rounds):
        names = list(clients) if round_ % 2 == 0 else list(clients)[::-1]
        for name in names:
            cpu = time.process_time()
            await _send(clients[name], batch, concurrency, body)
            figures[name].append((time.process_time() - cpu) / batch * 1e6)
    for client in clients.values():
        await client.aclose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base = f"http://127.0.0.1:{int(server.stdout.readline())}"
        figures = asyncio.run(compare(base, args.concurrency, args.rounds, args.batch))
    finally:
        server.kill()
        server.wait()
    reference = statistics.median(figures["httpx default"])
    for name, values in figures.items():
        median = statistics.median(values)
        print(
            f"{name:17s} {median:5.0f} us of CPU per request (median of {len(values)} rounds, "
            f"range {min(values):.0f}-{max(values):.0f}), {median / reference:.2f}x httpx's"
        )


if __name__ == "__main__":
    main()
