"""The providers' HTTP connections (``providers/http_backend.py``) over real sockets on 127.0.0.1.

A small HTTP/1.1 server, in the test's own event loop, answers each request with a script and
can close its idle connections, send on them unasked or stop reading (``tests/local_http.py``
serves from a thread and can do none of that); the clients are built as the providers build
them (``open_http``, ``ApiClient``, ``OAuthTokenClient``), never with a test transport.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import select
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gitops_publisher.providers.api_client import ApiClient, open_http
from gitops_publisher.providers.http_backend import AsyncClient, AsyncioStream
from gitops_publisher.providers.retry import Verdict, classify
from gitops_publisher.providers.token_client import OAuthTokenClient

from .fakes import run

Answer = Callable[[bytes, bytes], Awaitable[bytes | None]]  # (head, body) -> response or None


async def ok(head: bytes, body: bytes) -> bytes | None:
    text = b'{"n":%d}' % len(body)
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(text), text)


class Server:
    """HTTP/1.1 on 127.0.0.1: keeps connections alive, records them, closes idle ones on demand.

    ``answer`` returns the bytes to send back, or None to close the connection without an
    answer; it may also never return (a server that does not answer).
    """

    def __init__(self, answer: Answer = ok, ssl_context: ssl.SSLContext | None = None) -> None:
        self.answer = answer
        self.ssl_context = ssl_context
        self.connections = 0
        self.heads: list[bytes] = []
        self.bodies: list[bytes] = []
        self._idle: dict[asyncio.StreamWriter, bool] = {}
        self._ended: dict[asyncio.StreamWriter, asyncio.Event] = {}
        self._handlers: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        for writer in list(self._idle):
            writer.transport.abort()
        for handler in self._handlers:  # one may wait for an answer that never comes
            handler.cancel()
        for ended in self._ended.values():
            await ended.wait()

    async def close_idle(self) -> None:
        """Close every connection waiting for its next request, as a server's keep-alive does.

        Over TLS the server drops the connection (a graceful TLS close would wait for the
        client's ``close_notify``, which an idle client never sends).
        """
        idle = [writer for writer, waiting in self._idle.items() if waiting]
        for writer in idle:
            if self.ssl_context is None:
                writer.close()
            else:
                writer.transport.abort()
        for writer in idle:  # the handler ends once the socket is closed
            await self._ended[writer].wait()

    async def chatter_idle(self, data: bytes) -> None:
        """Send ``data`` on every idle connection, unasked (what a confused server might)."""
        for writer, waiting in list(self._idle.items()):
            if waiting:
                writer.write(data)
                await writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._idle[writer] = True
        self._ended[writer] = asyncio.Event()
        self._handlers.append(cast(asyncio.Task[None], asyncio.current_task()))
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self._idle[writer] = False
                self.heads.append(head)
                if self.answer is _never_read:
                    await asyncio.get_running_loop().create_future()  # reads no more
                body = await self._body(reader, head)
                self.bodies.append(body)
                answer = await self.answer(head, body)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                self._idle[writer] = True
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client left, or the test ended
        finally:
            self._idle.pop(writer, None)
            writer.close()
            self._ended[writer].set()

    @staticmethod
    async def _body(reader: asyncio.StreamReader, head: bytes) -> bytes:
        fields = dict(
            line.lower().split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line
        )
        if b"content-length" in fields:
            return await reader.readexactly(int(fields[b"content-length"]))
        body = b""
        if fields.get(b"transfer-encoding") == b"chunked":
            while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                body += (await reader.readexactly(size + 2))[:-2]
            await reader.readuntil(b"\r\n")
        return body


def wait_readable(stream: Any) -> None:
    """Block until the server's close of ``stream`` reached our socket (returns at once then).

    The client's event loop may have read it already (and closed the socket: TLS).
    """
    sock = stream.get_extra_info("socket")
    if sock.fileno() < 0:
        return
    readable, _, _ = select.select([sock], [], [], 10.0)
    assert readable, "the server's close never reached the client"


class PlainClient(ApiClient[httpx.Auth]):
    platform = "Example"


class PlainTokens(OAuthTokenClient):
    platform = "Example"


def test_every_providers_client_connects_through_the_asyncio_backend() -> None:
    async def main() -> list[Any]:
        async with Server() as server:
            base = f"http://127.0.0.1:{server.port}"
            api = PlainClient(None, base_url=base, timeout=httpx.Timeout(5))
            tokens = PlainTokens("id", "secret", token_url="/token", base_url=base)
            plain = open_http(base_url=base, timeout=5.0)
            streams = []
            for http in (api.http, tokens._http, plain):
                response = await http.get("/")
                streams.append(response.extensions["network_stream"])
                await http.aclose()
            return streams

    streams = run(main())
    assert all(isinstance(stream, AsyncioStream) for stream in streams), streams


async def sets_a_cookie(head: bytes, body: bytes) -> bytes | None:
    text = b"{}"
    return b"HTTP/1.1 200 OK\r\nset-cookie: lb=node7; Path=/\r\ncontent-length: %d\r\n\r\n%s" % (
        len(text),
        text,
    )


def test_the_providers_clients_keep_no_cookie_a_server_sets() -> None:
    """A ``Set-Cookie`` is neither kept nor sent back (our clients authenticate by header)."""

    async def main() -> list[bytes]:
        async with Server(sets_a_cookie) as server:
            base = f"http://127.0.0.1:{server.port}"
            api = PlainClient(None, base_url=base, timeout=httpx.Timeout(5))
            tokens = PlainTokens("id", "secret", token_url="/token", base_url=base)
            for http in (api.http, tokens._http, open_http(base_url=base, timeout=5.0)):
                first = await http.get("/")
                assert first.headers["set-cookie"].startswith("lb=")  # still in its headers
                await http.get("/")
                assert not http.cookies
                await http.aclose()
            return server.heads

    heads = run(main())
    assert len(heads) == 6 and not any(b"cookie" in head.lower() for head in heads), heads


def test_an_idle_keep_alive_connection_is_reused() -> None:
    async def main() -> tuple[int, set[int], bool]:
        async with (
            Server() as server,
            open_http(base_url=f"http://127.0.0.1:{server.port}", timeout=5.0) as http,
        ):
            streams = set()
            for _ in range(3):
                response = await http.post("/", content=b"abc")
                assert response.json() == {"n": 3}
                stream = response.extensions["network_stream"]
                streams.add(id(stream))
            readable = stream.get_extra_info("is_readable")
            return server.connections, streams, readable

    connections, streams, readable = run(main())
    assert connections == 1 and len(streams) == 1
    assert readable is False  # an idle connection the server keeps is not "expired"


def test_a_connection_the_server_closed_while_idle_is_replaced_without_an_error() -> None:
    async def main() -> tuple[int, bool, list[bytes]]:
        async with (
            Server() as server,
            open_http(base_url=f"http://127.0.0.1:{server.port}", timeout=5.0) as http,
        ):
            first = await http.post("/", content=b"one")
            stream = first.extensions["network_stream"]
            await server.close_idle()
            wait_readable(stream)
            expired = stream.get_extra_info("is_readable")
            second = await http.post("/", content=b"two!")
            assert second.json() == {"n": 4}
            assert second.extensions["network_stream"] is not stream
            return server.connections, expired, server.bodies

    connections, expired, bodies = run(main())
    assert expired is True
    assert connections == 2 and bodies == [b"one", b"two!"]  # nothing sent on the closed one


def test_bytes_the_event_loop_read_on_an_idle_connection_expire_it() -> None:
    """asyncio reads eagerly: what arrived unasked sits in the protocol, not on the socket."""

    async def main() -> tuple[bool, int, bytes]:
        async with (
            Server() as server,
            open_http(base_url=f"http://127.0.0.1:{server.port}", timeout=5.0) as http,
        ):
            stream = (await http.get("/")).extensions["network_stream"]
            await server.chatter_idle(b"HTTP/1.1 408 Request Timeout\r\n\r\n")
            sock = stream.get_extra_info("socket")
            for _ in range(10_000):  # let the loop read it off the socket (no real sleep)
                if not select.select([sock], [], [], 0)[0]:
                    break
                await asyncio.sleep(0)
            expired = stream.get_extra_info("is_readable")
            second = await http.post("/", content=b"fine")
            return expired, server.connections, second.content

    expired, connections, content = run(main())
    assert expired is True
    assert connections == 2 and content == b'{"n":4}'


def test_a_closed_connection_reads_as_expired() -> None:
    async def main() -> tuple[bool, bool]:
        async with (
            Server() as server,
            open_http(base_url=f"http://127.0.0.1:{server.port}", timeout=5.0) as http,
        ):
            stream = (await http.get("/")).extensions["network_stream"]
            before = stream.get_extra_info("is_readable")
            await stream.aclose()
            return before, stream.get_extra_info("is_readable")

    assert run(main()) == (False, True)


def test_a_streamed_upload_arrives_whole() -> None:
    pieces = [b"a" * 70_000, b"b" * 5, b"c" * 130_000]

    async def body() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    async def main() -> list[bytes]:
        async with (
            Server() as server,
            open_http(base_url=f"http://127.0.0.1:{server.port}", timeout=5.0) as http,
        ):
            response = await http.put(
                "/upload", content=body(), headers={"content-length": str(200_005)}
            )
            assert response.json() == {"n": 200_005}
            return server.bodies

    assert run(main()) == [b"".join(pieces)]


def test_a_large_answer_arrives_whole() -> None:
    """More than one read's worth, and more than the backend holds before it stops reading."""
    payload = bytes(range(256)) * 4096  # 1 MiB

    async def large(head: bytes, body: bytes) -> bytes | None:
        return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(payload), payload)

    async def main() -> tuple[bytes, bytes]:
        async with (
            Server(large) as server,
            open_http(base_url=f"http://127.0.0.1:{server.port}", timeout=5.0) as http,
        ):
            first = (await http.get("/")).content
            second = (await http.get("/")).content  # the connection is still in order
            return first, second

    assert run(main()) == (payload, payload)


def _never(head: bytes, body: bytes) -> Awaitable[bytes | None]:
    return asyncio.get_running_loop().create_future()  # never answers


async def _hang_up(head: bytes, body: bytes) -> bytes | None:
    return None  # closes the connection without an answer


async def _never_read(head: bytes, body: bytes) -> bytes | None:
    raise AssertionError("the body cannot arrive: the server stops reading after the head")


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("answer", "timeout", "error", "verdict"),
    [
        (_never, httpx.Timeout(5, read=0), httpx.ReadTimeout, Verdict.MAYBE_SENT),
        (_hang_up, httpx.Timeout(5), httpx.RemoteProtocolError, Verdict.MAYBE_SENT),
        (ok, httpx.Timeout(5, connect=0), httpx.ConnectTimeout, Verdict.NOT_SENT),
        (None, httpx.Timeout(5), httpx.ConnectError, Verdict.NOT_SENT),
        (_never_read, httpx.Timeout(5, write=0), httpx.WriteTimeout, Verdict.MAYBE_SENT),
    ],
    ids=["read-timeout", "hang-up", "connect-timeout", "refused", "write-timeout"],
)
def test_failures_raise_the_httpx_errors_that_retry_classifies(
    answer: Answer | None, timeout: httpx.Timeout, error: type[Exception], verdict: Verdict
) -> None:
    async def main() -> BaseException:
        async with Server(answer or ok) as server:
            port = server.port if answer else _unused_port()
            # The write timeout needs more than the kernel's socket buffers take.
            body = b"x" * (64 << 20) if answer is _never_read else b"{}"
            async with open_http(base_url=f"http://127.0.0.1:{port}", timeout=timeout) as http:
                with pytest.raises(error) as raised:
                    await http.post("/v2/post/publish/", content=body)
        return raised.value

    assert classify(run(main())) is verdict


def test_environment_proxies_still_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)

    async def main() -> list[bytes]:
        async with Server() as proxy:
            monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
            async with open_http(base_url="http://api.example.invalid", timeout=5.0) as http:
                assert (await http.get("/v2/user/info/")).status_code == 200
            return proxy.heads

    (head,) = run(main())
    assert head.startswith(b"GET http://api.example.invalid/v2/user/info/ HTTP/1.1\r\n")


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``localhost`` (its key and its PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def test_tls_sends_the_host_name_negotiates_alpn_and_detects_a_closed_idle_connection(
    tmp_path: Path,
) -> None:
    key_file, cert_file = _certificate(tmp_path)
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert_file, key_file)
    served.set_alpn_protocols(["http/1.1"])
    names: list[str | None] = []
    served.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment,func-returns-value]
    trusting = ssl.create_default_context(cafile=str(cert_file))

    async def main() -> tuple[list[str | None], int]:
        async with (
            Server(ssl_context=served) as server,
            AsyncClient(
                base_url=f"https://localhost:{server.port}", verify=trusting, timeout=5.0
            ) as http,
        ):
            first = await http.get("/")
            stream = first.extensions["network_stream"]
            assert isinstance(stream, AsyncioStream)
            assert stream.get_extra_info("ssl_object").selected_alpn_protocol() == "http/1.1"
            assert stream.get_extra_info("is_readable") is False
            await server.close_idle()
            wait_readable(stream)
            assert (await http.get("/")).status_code == 200
            return names, server.connections

    names, connections = run(main())
    assert names == ["localhost", "localhost"] and connections == 2


def test_a_certificate_the_context_does_not_trust_is_a_connect_error(tmp_path: Path) -> None:
    key_file, cert_file = _certificate(tmp_path)
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert_file, key_file)

    async def main() -> BaseException:
        async with (
            Server(ssl_context=served) as server,
            open_http(base_url=f"https://localhost:{server.port}", timeout=5.0) as http,
        ):
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED") as raised:
                await http.get("/")
        return raised.value

    assert classify(run(main())) is Verdict.NOT_SENT
