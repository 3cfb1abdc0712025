"""The providers' HTTP connections: httpx's own stack with a network backend that keeps the socket.

Why it exists. httpcore's pool asks every idle connection whether the server closed it
(``has_expired``) at the start and at the end of every request. For HTTP/1.1 that is
``get_extra_info("is_readable")``, which httpcore's anyio backend answers by asking anyio for
the socket, and anyio rebuilds the socket's whole attribute table for that (a
``getpeername()`` system call and several lambdas) on each call: about 11 % of the apply's
busy CPU in ``bench/apply_accounts.py`` (py-spy and cProfile, httpx 0.28, httpcore 1.0,
anyio 4.16). The backend here delegates everything to httpcore's own (anyio) backend, and
keeps each connection's socket, looked up once when it is connected (TCP) or secured (TLS),
so that question is one ``poll`` of the descriptor.

It plugs in where httpcore documents it, ``network_backend=`` of
``httpcore.AsyncConnectionPool``; httpx's ``AsyncHTTPTransport`` does not take one, so
:class:`PooledTransport` is httpx's transport with its pool rebuilt from the same settings
and this backend, and :class:`AsyncClient` is httpx's client that builds it where httpx
builds its default transport (``_init_transport``): proxies from the environment
(``HTTPS_PROXY``, ``NO_PROXY``...) keep working through httpx's own proxy transports.

What it must keep true (``tests/providers/test_http_backend.py``): everything httpx does
for our clients (``verify=`` with the shared TLS context of ``tls.py``, SNI and ALPN,
timeouts, limits, streaming uploads, the ``httpx`` exceptions ``retry.py`` classifies:
reads, writes and connects are httpcore's anyio code, unchanged); an idle keep-alive
connection is reused; one the server closed while idle is seen as expired (its socket
readable, or closed: ``fileno()`` -1) and replaced before the request is sent on it.
This is the one module that imports httpcore (import-linter's ``one-module-per-library``).
"""

from __future__ import annotations

import select
import socket
import ssl
import sys
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

_SocketOption = (  # httpcore's SOCKET_OPTION, which it does not export
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's default


def _readability(sock: socket.socket | None) -> Callable[[], bool]:
    """Return a check of whether ``sock`` has something to read (data, or the peer's EOF).

    httpcore's own check (``httpcore._utils.is_socket_readable``) builds a ``poll`` object
    and registers the descriptor on every call; the connection's socket does not change, so
    it is registered once. A socket that is gone or closed (``fileno()`` -1) reads as
    readable, as in httpcore: the next read would return the terminating ``b""``.
    """
    if sock is None:
        return lambda: True
    if sys.platform == "win32" or not hasattr(select, "poll"):  # pragma: no cover - POSIX CI

        def selected() -> bool:
            fd = sock.fileno()
            return fd < 0 or bool(select.select([fd], [], [], 0)[0])

        return selected
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)

    def polled() -> bool:
        return sock.fileno() < 0 or bool(poller.poll(0))

    return polled


class SocketKeepingStream(httpcore.AsyncNetworkStream):
    """httpcore's stream, with its socket looked up once (see the module docstring)."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket: socket.socket | None = stream.get_extra_info("socket")
        self._readable = _readability(self._socket)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read up to ``max_bytes`` (httpcore's ``ReadTimeout``/``ReadError`` as its own)."""
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Send ``buffer`` (httpcore's ``WriteTimeout``/``WriteError`` as its own)."""
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        """Close the connection."""
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Secure the connection (SNI ``server_hostname``; ALPN as set on ``ssl_context``).

        Raises:
            httpcore.ConnectError, httpcore.ConnectTimeout: as httpcore's backend does.
        """
        secured = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        return SocketKeepingStream(secured)

    def get_extra_info(self, info: str) -> Any:
        """Answer ``socket`` and ``is_readable`` from the kept socket, the rest as httpcore."""
        if info == "is_readable":
            return self._readable()
        if info == "socket":
            return self._socket
        return self._stream.get_extra_info(info)


class SocketKeepingBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend whose streams keep their socket (see the module docstring)."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a TCP connection.

        Raises:
            httpcore.ConnectError, httpcore.ConnectTimeout: as httpcore's backend does.
        """
        stream = await self._backend.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return SocketKeepingStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a Unix socket connection (httpx's ``uds=``; not used by our clients)."""
        stream = await self._backend.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )
        return SocketKeepingStream(stream)

    async def sleep(self, seconds: float) -> None:
        """Sleep (httpcore sleeps only between its own connect retries, which we leave at 0)."""
        await self._backend.sleep(seconds)


class PooledTransport(httpx.AsyncHTTPTransport):
    """httpx's transport whose connection pool uses :class:`SocketKeepingBackend`.

    httpx builds the pool from its arguments (``AsyncHTTPTransport.__init__``), then it is
    built again with the same settings and the backend: the request handling, the mapping of
    httpcore's exceptions to httpx's and the response streams stay httpx's own code.
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = _LIMITS,
    ) -> None:
        super().__init__(verify=ssl_context, http1=http1, http2=http2, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=http1,
            http2=http2,
            network_backend=SocketKeepingBackend(),
        )


class AsyncClient(httpx.AsyncClient):
    """httpx's client whose default transport is a :class:`PooledTransport`.

    Give it ``verify=`` an ``ssl.SSLContext`` (the shared one): the pool uses that context as
    httpx would. A ``transport=`` handed in (tests' ``MockTransport``, ``ASGITransport``) is
    used as it is, and proxies from the environment get httpx's own proxy transports.
    """

    def _init_transport(
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = _LIMITS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> httpx.AsyncBaseTransport:
        if transport is not None or not isinstance(verify, ssl.SSLContext) or cert is not None:
            return super()._init_transport(
                verify=verify,
                cert=cert,
                trust_env=trust_env,
                http1=http1,
                http2=http2,
                limits=limits,
                transport=transport,
            )
        return PooledTransport(ssl_context=verify, http1=http1, http2=http2, limits=limits)
