"""Every provider test is scanned for leaked tokens in its captured output and logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

# access/refresh/client tokens (TikTok's prefixes, which the fakes and the emulator use too;
# Google's ``ya29.`` access tokens), and an upload URL's credential that was not redacted
# (TikTok's upload_token, a YouTube session's upload_id, also in X-GUploader-UploadID).
LEAK = re.compile(
    r"\b(?:act|rft|clt|ya29)\.[A-Za-z0-9_\-]{4,}|(?:upload_token|upload_id)=(?!\*\*\*)[^&\s\"']+"
    r"|x-guploader-uploadid['\"]?,\s*b?['\"](?!\*\*\*)[^'\"]+",
    re.IGNORECASE,
)


def find_leaks(text: str) -> list[str]:
    return LEAK.findall(text)


@pytest.fixture(autouse=True)
def no_tokens_in_output(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    out, err = capfd.readouterr()
    # caplog.text only holds the current (teardown) phase: read the call's records.
    records = [r for when in ("setup", "call") for r in caplog.get_records(when)]
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in records)
    leaks = find_leaks(out + err + logged)
    assert not leaks, f"tokens leaked into output or logs: {leaks[:3]}"
