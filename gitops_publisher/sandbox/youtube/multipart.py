"""``multipart/related`` bodies of ``uploadType=multipart`` inserts (reference §2.9), exactly.

A multipart insert is one POST holding the video resource (JSON) and the media: Google's Go
client sends one whenever the whole file fits in a chunk, google-api-python-client with
``resumable=False``. The parser is byte-exact (no line-ending or charset handling of the media
part), which ``email``'s parser does not promise for binary content.
"""

from __future__ import annotations

import json
import re
from typing import Any

from gitops_publisher.sandbox.youtube.envelope import GoogleApiError

_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.I)


def _bad(message: str) -> GoogleApiError:
    return GoogleApiError(400, "badContent", message, "global")


def _split_part(raw: bytes) -> tuple[dict[str, str], bytes]:
    crlf, lf = raw.find(b"\r\n\r\n"), raw.find(b"\n\n")
    if crlf < 0 and lf < 0:
        raise _bad("A multipart part has no header block.")
    if lf < 0 or 0 <= crlf < lf:
        head, content = raw[:crlf], raw[crlf + 4 :]
    else:
        head, content = raw[:lf], raw[lf + 2 :]
    headers: dict[str, str] = {}
    for line in head.splitlines():
        name, colon, value = line.decode("latin-1").partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return headers, content


def parse_related(content_type: str, body: bytes) -> tuple[dict[str, Any], str, bytes]:
    """Return (video resource, media Content-Type, media bytes) of a ``multipart/related`` body.

    Delimiter lines end in CRLF (RFC 2046) or a bare LF (google-api-python-client writes its
    bodies with Python's ``email`` generator, which uses LF); the line break before a delimiter
    belongs to it, so the media keeps every byte it had.

    Raises:
        GoogleApiError: 400 ``badContent`` for another content type, a missing boundary, or
            not exactly two parts (metadata, then media); 400 ``parseError`` for metadata that
            is not a JSON object.
    """
    if not content_type.lower().startswith("multipart/related"):
        raise _bad("uploadType=multipart needs a multipart/related body.")
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise _bad("The multipart Content-Type has no boundary.")
    boundary = re.escape((match.group(1) or match.group(2)).encode("latin-1"))
    delimiters = list(re.finditer(rb"(?:^|\r?\n)--" + boundary + rb"(--)?[ \t]*(?:\r?\n|$)", body))
    closes = [index for index, found in enumerate(delimiters) if found.group(1)]
    if not closes:
        raise _bad("The multipart body is not closed.")
    delimiters = delimiters[: closes[0] + 1]
    parts = [body[a.end() : b.start()] for a, b in zip(delimiters, delimiters[1:], strict=False)]
    if len(parts) != 2:
        raise _bad("A multipart insert holds the metadata and the media: two parts.")
    (_, metadata), (media_headers, media) = (_split_part(part) for part in parts)
    try:
        resource = json.loads(metadata) if metadata.strip() else {}
    except ValueError as exc:
        raise GoogleApiError(400, "parseError", "Parse Error", "global") from exc
    if not isinstance(resource, dict):
        raise GoogleApiError(400, "parseError", "Parse Error", "global")
    return resource, media_headers.get("content-type", "application/octet-stream"), media
