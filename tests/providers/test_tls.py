"""Every TikTok client of a process shares one TLS context, and it verifies certificates."""

from __future__ import annotations

import ssl
import threading

import httpx
import pytest

from gitops_publisher.compose import Connection
from gitops_publisher.providers import tls
from gitops_publisher.providers.tls import shared_tls_context


def test_the_shared_context_verifies_hosts_and_certificates() -> None:
    context = shared_tls_context()
    assert context is shared_tls_context()  # built once: each build loads the CA bundle
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0


def test_a_connection_starts_building_the_context_in_a_worker_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tls, "_context", None)
    built_in: list[str] = []
    may_finish = threading.Event()

    def build(**options: object) -> ssl.SSLContext:
        built_in.append(threading.current_thread().name)
        assert may_finish.wait(timeout=30)
        return ssl.create_default_context()

    monkeypatch.setattr(httpx, "create_ssl_context", build)
    Connection("http://127.0.0.1:1", "key", "secret", lambda _n: None, lambda _n, _t: None)
    may_finish.set()  # the connection was made without waiting for the CA bundle
    context = shared_tls_context()
    assert built_in == ["tls-context"]
    assert context is shared_tls_context()
    Connection("http://127.0.0.1:1", "key", "secret", lambda _n: None, lambda _n, _t: None)
    assert built_in == ["tls-context"]  # once per process


def test_a_context_that_failed_to_load_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tls, "_context", None)
    plain = httpx.create_ssl_context
    calls: list[int] = []

    def build(**options: object) -> ssl.SSLContext:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("no such CA file")
        return plain()

    monkeypatch.setattr(httpx, "create_ssl_context", build)
    with pytest.raises(OSError, match="no such CA file"):
        shared_tls_context()
    assert shared_tls_context().verify_mode == ssl.CERT_REQUIRED
    assert len(calls) == 2
