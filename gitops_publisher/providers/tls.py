"""One verified TLS context for every provider client in the process.

httpx builds a new ``ssl.SSLContext`` (loading the whole CA bundle) for each client it is not
given one: 17-45 ms each on the bench machine. An apply opens an API client and a token client
per account, so 20 accounts paid about a second of CPU before the first request. The context
is the one httpx would build (certifi's bundle, ``SSL_CERT_FILE``/``SSL_CERT_DIR`` honoured),
built once; contexts are safe to share between connections.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """Return the process's TLS context for the providers' hosts (built on first use)."""
    return httpx.create_ssl_context()
