"""Keep URL-borne secrets out of logs.

httpx logs every request's URL at INFO (``HTTP Request: PUT <url> ...``), and an upload URL
carries its own credential: TikTok's ``upload_token`` (TikTok reference §3.2), the
``upload_id`` of a YouTube resumable session URI (whoever holds the URI can write to the
session, YouTube reference §2.3). The filter rewrites those log records.

httpcore logs, at DEBUG, every response's headers: a YouTube session URI arrives in the
``Location`` header of the initiating POST, its upload id again in ``X-GUploader-UploadID``.
Filters act only on the logger they are attached to (not on records of its children), so
each httpcore logger that writes headers gets the filter too.
"""

from __future__ import annotations

import logging
import re

import httpx

# A parameter's name starts a word: ``exit_code=1`` in a traceback's code is not ``code=``.
_URL_SECRET = re.compile(
    r"\b((?:upload_token|upload_id|access_token|refresh_token|code)=)[^&\s\"']+"
)
# httpcore shows headers as bytes tuples: (b'x-guploader-uploadid', b'...').
_HEADER_SECRET = re.compile(r"(x-guploader-uploadid['\"]?,\s*b?['\"])[^'\"]+", re.IGNORECASE)
_LOGGERS = ("httpx", "httpcore.http11", "httpcore.http2", "httpcore.connection")


def redact_url_secrets(text: str) -> str:
    """Return ``text`` with the values of token-like query parameters replaced by ``***``."""
    return _HEADER_SECRET.sub(r"\1***", _URL_SECRET.sub(r"\1***", text))


class _RedactUrlSecrets(logging.Filter):
    """httpx logs each request's URL at INFO; an upload URL carries its own credential."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_url_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_url_secrets(str(a)) if isinstance(a, httpx.URL | str) else a
                for a in record.args
            )
        return True


def install_log_redaction() -> None:
    """Make the httpx and httpcore loggers redact URL secrets (idempotent)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactUrlSecrets) for f in logger.filters):
            logger.addFilter(_RedactUrlSecrets())
