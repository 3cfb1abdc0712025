"""Every TikTok client of a process shares one TLS context, and it verifies certificates."""

from __future__ import annotations

import ssl

from gitops_publisher.providers.tls import shared_tls_context


def test_the_shared_context_verifies_hosts_and_certificates() -> None:
    context = shared_tls_context()
    assert context is shared_tls_context()  # built once: each build loads the CA bundle
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0
