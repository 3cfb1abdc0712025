"""Fixtures of the end-to-end suite: the secret scan around every test."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from apply.harness import SecretScan


@pytest.fixture
def scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[SecretScan]:
    """Collects every output of the test; afterwards asserts no token value is in any."""
    logs = tmp_path / "crash-logs"
    monkeypatch.setenv("PUBLISHER_LOG_DIR", str(logs))
    caplog.set_level(logging.DEBUG)  # every library log line, httpx and uvicorn included
    found = SecretScan()
    yield found
    found.add_output("log records", caplog.text)
    for log in sorted(logs.glob("*")):
        found.add_output(log.name, log.read_text(encoding="utf-8", errors="replace"))
    found.check()
