"""Serving the sandbox on a real loopback socket from a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def make_server(app: Any, log_level: str = "warning") -> uvicorn.Server:
    """Return a uvicorn server (httptools, asyncio, no lifespan) for an already bound socket."""
    config = uvicorn.Config(
        app,
        http="httptools",
        loop="asyncio",
        lifespan="off",
        log_level=log_level,
        access_log=False,
        timeout_keep_alive=30,
    )
    return uvicorn.Server(config)


def bind(host: str, port: int) -> socket.socket:
    """Bind a listening TCP socket (``port=0`` picks a free one).

    Raises:
        OSError: the address is in use or not available.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # says TCP; with proto 0 every response body waited ~40 ms (Nagle + delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def base_url_of(sock: socket.socket) -> str:
    """Return ``http://host:port`` for a bound socket."""
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a daemon thread; yield its base URL; stop on exit.

    Raises:
        OSError: the address cannot be bound.
        RuntimeError: the server did not start within 10 seconds.
    """
    sock = bind(host, port)
    server = make_server(app)
    error: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # noqa: BLE001 - reported to the caller below
            error.append(exc)

    thread = threading.Thread(target=run, name="publisher-sandbox", daemon=True)
    thread.start()
    try:
        for _ in range(1000):
            if server.started or error or not thread.is_alive():
                break
            time.sleep(0.01)
        if not server.started:
            raise RuntimeError(f"sandbox server did not start: {error[0] if error else 'timeout'}")
        yield base_url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
