"""One verified TLS context for every provider client in the process, built off the main thread.

httpx builds a new ``ssl.SSLContext`` (loading the whole CA bundle) for each client it is not
given one: 17-45 ms each on the bench machine. An apply opens an API client and a token client
per account, so 20 accounts paid about a second of CPU before the first request. The context
is the one httpx would build (certifi's bundle, ``SSL_CERT_FILE``/``SSL_CERT_DIR`` honoured),
built once; contexts are safe to share between connections.

Even once, loading the bundle took 26-60 ms before an apply's first request. The composition
root calls :func:`prepare_tls_context` when it makes a connection, so the context is built in
a worker thread (OpenSSL reads the bundle without holding the GIL) while apply runs its media
pre-flight and imports the clients; the first client waits for it, if it is not ready.
"""

from __future__ import annotations

import ssl
import threading
from concurrent.futures import Future

_lock = threading.Lock()
_context: Future[ssl.SSLContext] | None = None


def _build(future: Future[ssl.SSLContext]) -> None:
    try:
        import httpx  # here, so a caller that only prepares does not wait for the import

        future.set_result(httpx.create_ssl_context())
    except BaseException as exc:  # noqa: BLE001 - handed to whoever asks for the context
        future.set_exception(exc)


def _started(in_background: bool) -> Future[ssl.SSLContext]:
    global _context
    with _lock:
        if _context is not None:
            return _context
        future: Future[ssl.SSLContext] = Future()
        _context = future
    if in_background:
        threading.Thread(target=_build, args=(future,), name="tls-context", daemon=True).start()
    else:
        _build(future)
    return future


def prepare_tls_context() -> None:
    """Start building the shared context in a worker thread (nothing if started already)."""
    _started(in_background=True)


def shared_tls_context() -> ssl.SSLContext:
    """Return the process's TLS context for the providers' hosts (built on first use).

    Raises:
        ssl.SSLError, OSError: the CA bundle could not be loaded (as when httpx builds it).
    """
    global _context
    future = _started(in_background=False)
    try:
        return future.result()
    except BaseException:
        with _lock:  # not kept: the next client tries again (a CA file may be fixed by then)
            if _context is future:
                _context = None
        raise
