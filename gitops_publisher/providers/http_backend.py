"""The providers' HTTP connections: httpx's own stack on an asyncio-native network backend.

Why it exists. The apply is bound by the CPU each HTTP request costs it (about 2.5-2.9 ms a
request in ``bench/apply_accounts.py``, 75 % of it in httpx, httpcore and anyio; py-spy and
cProfile, httpx 0.28, httpcore 1.0, anyio 4.16). Of httpcore's share, its anyio backend
costs the most:

- httpcore's pool asks every idle connection whether the server closed it (``has_expired``)
  at the start and end of every request: ``get_extra_info("is_readable")``, for which anyio
  rebuilds the socket's attribute table (a ``getpeername()`` call and several lambdas) each
  time, about 11 % of the apply's busy CPU;
- every read and write runs in an anyio cancel scope (``fail_after``: the timeout), with
  checkpoints, and every read registers the socket with the selector and unregisters it.

This backend talks to asyncio's transports directly: a read takes what the protocol already
received (waiting on one future, with a timer only when it must wait), a write hands the
bytes to the transport and waits only while they are not all in the kernel, and the socket
is looked up once. Measured 2026-12-04 (bench/README.md, "Many accounts"): the client alone
(``bench/http_client_cpu.py``) 0.74-0.82x httpx's default CPU per request, where keeping
anyio and only caching the socket made 0.89x; the apply of 100 posts over 20 accounts
3.6 ms -> 2.6-2.8 ms of CPU per request (medians, interleaved runs).

It plugs in where httpcore documents it, ``network_backend=`` of
``httpcore.AsyncConnectionPool``; httpx's ``AsyncHTTPTransport`` does not take one, so
:class:`PooledTransport` is httpx's transport with its pool built again from the same
settings and this backend, and :class:`AsyncClient` is httpx's client that builds it where
httpx builds its default transport (``_init_transport``): proxies from the environment
(``HTTPS_PROXY``, ``NO_PROXY``...) keep httpx's own proxy transports.

What it must keep true (``tests/providers/test_http_backend.py``): everything httpx does
for our clients: ``verify=`` with the shared TLS context of ``tls.py``, SNI and ALPN
(``loop.start_tls`` with the context httpcore set ALPN on), timeouts raised as httpcore's
``ConnectTimeout``/``ReadTimeout``/``WriteTimeout`` and failures as its ``ConnectError``/
``ReadError``/``WriteError`` (httpx maps them to its own, which ``retry.py`` classifies),
limits, streaming uploads (a write returns once the kernel has the bytes, as anyio's did);
an idle keep-alive connection is reused, and one the server closed while idle is seen as
expired and replaced before a request is sent on it. asyncio reads eagerly, so the server's
close of an idle connection may land in the protocol (``eof``) rather than stay on the
socket: ``is_readable`` looks at both.

One thing httpx does is left out: :class:`AsyncClient` keeps no cookie a server sets
(:class:`_NoCookies`), which saved a further tenth of the client's CPU per request
(``bench/http_client_cpu.py``: 0.86x -> 0.76x httpx's default, 2026-12-04). This is the one
module that imports httpcore (import-linter's ``one-module-per-library``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import select
import socket
import ssl
import sys
from collections.abc import Callable, Iterable
from typing import Any, cast

import httpcore
import httpx

_SocketOption = (  # httpcore's SOCKET_OPTION, which it does not export
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's default
_READ_LIMIT = 256 * 1024  # received bytes held before the transport stops reading
_HAPPY_EYEBALLS_DELAY = 0.25  # RFC 8305's recommended connection attempt delay, as anyio's


def _is_ip(host: str) -> bool:
    """Whether ``host`` is an address: one to connect to, no race between addresses to run."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


async def _within(waiter: asyncio.Future[None], timeout: float | None) -> None:
    """Wait for ``waiter``, at most ``timeout`` seconds (None: no limit).

    Raises:
        TimeoutError: the time ran out first.
    """
    if timeout is None:
        await waiter
        return
    timer = asyncio.get_running_loop().call_later(timeout, _expire, waiter)
    try:
        await waiter
    finally:
        timer.cancel()


def _socket_check(sock: socket.socket | None) -> Callable[[], bool]:
    """Return a check of whether ``sock`` has something to read (data, or the peer's EOF).

    The descriptor is registered once (httpcore's own check builds a ``poll`` object on
    every call). A socket that is gone or closed (``fileno()`` -1) reads as readable, as in
    httpcore: the next read would return the terminating ``b""``.
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


class _Protocol(asyncio.Protocol):
    """What asyncio delivers for one connection: received bytes, EOF, loss, write pauses."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received = bytearray()
        self.eof = False
        self.lost = False
        self.error: BaseException | None = None
        self.tls = False
        self.reading_paused = False
        self.writing_paused = False
        self.readable: asyncio.Future[None] | None = None
        self.writable: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.transport.set_write_buffer_limits(0)  # a write waits until the kernel has it

    def data_received(self, data: bytes) -> None:
        self.received += data
        if len(self.received) > _READ_LIMIT and self.transport is not None:
            self.transport.pause_reading()
            self.reading_paused = True
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return not self.tls  # keep a TCP half-close open, as anyio (TLS closes: asyncio's rule)

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = self.lost = True
        self.error = exc
        self._wake_reader()
        self.resume_writing()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        if self.writable is not None and not self.writable.done():
            self.writable.set_result(None)

    def _wake_reader(self) -> None:
        if self.readable is not None and not self.readable.done():
            self.readable.set_result(None)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection for httpcore, on an asyncio transport (see the module docstring)."""

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol
        protocol.transport = transport
        transport.set_write_buffer_limits(0)
        self._socket: socket.socket | None = transport.get_extra_info("socket")
        self._socket_readable = _socket_check(self._socket)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Return up to ``max_bytes`` received bytes, ``b""`` at the end of the stream.

        Raises:
            httpcore.ReadTimeout: nothing arrived within ``timeout`` seconds.
            httpcore.ReadError: the connection failed (reset...) with nothing left to read.
        """
        protocol = self._protocol
        if not protocol.received and not protocol.eof:
            protocol.readable = asyncio.get_running_loop().create_future()
            try:
                await _within(protocol.readable, timeout)
            except TimeoutError as exc:
                raise httpcore.ReadTimeout("timed out reading the response") from exc
            finally:
                protocol.readable = None
        if protocol.received:
            if len(protocol.received) <= max_bytes:  # the usual case: take all of it
                data = bytes(protocol.received)
                protocol.received.clear()
            else:
                data = bytes(protocol.received[:max_bytes])
                del protocol.received[:max_bytes]
            if protocol.reading_paused and len(protocol.received) <= _READ_LIMIT:
                protocol.reading_paused = False
                self._transport.resume_reading()
            return data
        if protocol.error is not None:
            raise httpcore.ReadError(str(protocol.error) or repr(protocol.error))
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Send ``buffer``; return once the kernel has all of it.

        Raises:
            httpcore.WriteTimeout: the bytes did not leave within ``timeout`` seconds.
            httpcore.WriteError: the connection is closed or failed.
        """
        if not buffer:
            return
        protocol = self._protocol
        if protocol.lost or self._transport.is_closing():
            raise httpcore.WriteError(str(protocol.error or "the connection is closed"))
        self._transport.write(buffer)
        if protocol.writing_paused:
            protocol.writable = asyncio.get_running_loop().create_future()
            try:
                await _within(protocol.writable, timeout)
            except TimeoutError as exc:
                raise httpcore.WriteTimeout("timed out sending the request") from exc
            finally:
                protocol.writable = None
        if protocol.lost and protocol.error is not None:
            raise httpcore.WriteError(str(protocol.error) or repr(protocol.error))

    async def aclose(self) -> None:
        """Close the connection (TLS without waiting for the server's ``close_notify``)."""
        if self._protocol.tls:
            self._transport.abort()  # as anyio's TLSStream(standard_compatible=False) did
        else:
            self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Secure the connection: SNI ``server_hostname``, ALPN as set on ``ssl_context``.

        Raises:
            httpcore.ConnectTimeout: the handshake did not end within ``timeout`` seconds.
            httpcore.ConnectError: the handshake failed (certificate, reset...).
        """
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                secured = await loop.start_tls(
                    self._transport, self._protocol, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError as exc:
            self._transport.abort()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from exc
        except (OSError, ssl.SSLError) as exc:
            self._transport.abort()
            raise httpcore.ConnectError(str(exc)) from exc
        if secured is None:  # pragma: no cover - only when the loop is closing
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self._protocol.tls = True
        return AsyncioStream(secured, self._protocol)

    def get_extra_info(self, info: str) -> Any:
        """Answer httpcore's questions about the connection (``is_readable``: expired?)."""
        if info == "is_readable":
            protocol = self._protocol
            return (
                bool(protocol.received)
                or protocol.eof
                or self._transport.is_closing()
                or self._socket_readable()
            )
        if info == "socket":
            return self._socket
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend on asyncio's transports (see the module docstring)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a TCP connection (TCP_NODELAY set by asyncio, as with anyio).

        Raises:
            httpcore.ConnectTimeout: not connected within ``timeout`` seconds.
            httpcore.ConnectError: refused, unreachable, the name did not resolve...
        """
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_connection(
                    _Protocol,
                    host,
                    port,
                    local_addr=None if local_address is None else (local_address, 0),
                    happy_eyeballs_delay=None if _is_ip(host) else _HAPPY_EYEBALLS_DELAY,
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        for option in socket_options or ():
            transport.get_extra_info("socket").setsockopt(*option)
        return AsyncioStream(transport, protocol)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Open a Unix socket connection (httpx's ``uds=``; not used by our clients).

        Raises:
            httpcore.ConnectTimeout, httpcore.ConnectError: as :meth:`connect_tcp`.
        """
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_unix_connection(_Protocol, path)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"timed out connecting to {path}") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        for option in socket_options or ():
            transport.get_extra_info("socket").setsockopt(*option)
        return AsyncioStream(transport, protocol)

    async def sleep(self, seconds: float) -> None:
        """Sleep (httpcore sleeps only between its own connect retries, which we leave at 0)."""
        await asyncio.sleep(seconds)


class PooledTransport(httpx.AsyncHTTPTransport):
    """httpx's transport whose connection pool uses :class:`AsyncioBackend`.

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
            network_backend=AsyncioBackend(),
        )


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing a server sets.

    httpx stores every response's ``Set-Cookie`` in the client's jar, building a
    ``urllib.request.Request`` from the request's URL for the standard library's cookie
    policy on every response: 6-9 % of the apply's CPU (py-spy, ``bench/apply_accounts.py``).
    Our API clients send no cookie: OAuth tokens and the platforms' APIs authenticate by
    header and upload sessions live in their URLs (the reference documents no cookie for
    either platform), as Google's own client library (httplib2) keeps none.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        """Keep nothing (the response's ``Set-Cookie`` headers stay in its headers)."""


class AsyncClient(httpx.AsyncClient):
    """httpx's client whose default transport is a :class:`PooledTransport`, keeping no cookie.

    Give it ``verify=`` an ``ssl.SSLContext`` (the shared one): the pool uses that context as
    httpx would. A ``transport=`` handed in (tests' ``MockTransport``, ``ASGITransport``) is
    used as it is, and proxies from the environment get httpx's own proxy transports.
    Responses' cookies are not kept (:class:`_NoCookies`).
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._cookies = _NoCookies()  # httpx's jar, read on each request and response

    def _init_transport(
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = _LIMITS,
        transport: httpx.AsyncBaseTransport | None = None,
        **more: Any,  # httpx 0.27 also passes ``app``
    ) -> httpx.AsyncBaseTransport:
        if (
            transport is not None
            or more.get("app") is not None
            or not isinstance(verify, ssl.SSLContext)
            or cert is not None
        ):
            return super()._init_transport(
                verify=verify,
                cert=cert,
                trust_env=trust_env,
                http1=http1,
                http2=http2,
                limits=limits,
                transport=transport,
                **more,
            )
        return PooledTransport(ssl_context=verify, http1=http1, http2=http2, limits=limits)
