"""videos.insert over Google's resumable upload protocol (reference §2), streamed to disk.

1. ``POST /upload/youtube/v3/videos?uploadType=resumable&part=…`` with the video resource as
   JSON and ``X-Upload-Content-Length``/``-Type``: checks (auth, scope, quota, metadata, the
   channel's upload limit), then ``200`` + ``Location: <session URI>`` with an empty body.
2. ``PUT <session URI>`` with ``Content-Range: bytes FIRST-LAST/TOTAL`` (or none for the whole
   file): contiguous bytes only; ``308`` with ``Range: bytes=0-N`` (no ``Range`` while nothing
   is stored) until the last byte, then ``201`` (or 200) + the video resource.
3. ``PUT`` with ``Content-Range: bytes */TOTAL`` and no body: the status query; ``308`` as
   above, or the final answer replayed verbatim once the upload completed.

Unknown and expired sessions get ``404``. Non-final chunks must be multiples of 256 KiB.
``uploadType=multipart`` (metadata and media in one ``multipart/related`` POST, what Google's Go
client sends for small files) passes the same checks and answers ``200`` + the video resource.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from gitops_publisher.sandbox.chunking import parse_content_length
from gitops_publisher.sandbox.faults import note_fault
from gitops_publisher.sandbox.ingest import ingest
from gitops_publisher.sandbox.mp4 import mp4_duration_sec
from gitops_publisher.sandbox.posting import service_of
from gitops_publisher.sandbox.processing import HEAD_BYTES, looks_like_video
from gitops_publisher.sandbox.service import SandboxService
from gitops_publisher.sandbox.youtube import grants, quota
from gitops_publisher.sandbox.youtube.auth import UPLOAD_SCOPES, authenticate, require_scope
from gitops_publisher.sandbox.youtube.envelope import (
    GoogleApiError,
    backend_error,
    not_found,
    session_gone,
)
from gitops_publisher.sandbox.youtube.listing import read_json_body, video_view
from gitops_publisher.sandbox.youtube.metadata import check_resource, parse_parts
from gitops_publisher.sandbox.youtube.models import Channel, UploadSession
from gitops_publisher.sandbox.youtube.multipart import parse_related

CHUNK_UNIT = 256 * 1024
UPLOAD_PATH = "/upload/youtube/v3/videos"
_NUMBER = r"([0-9]{1,19})"
_RANGE = re.compile(rf"bytes {_NUMBER}-{_NUMBER}/(\*|{_NUMBER})")
_QUERY = re.compile(rf"bytes \*/(\*|{_NUMBER})")
_TRUE = {"true", "1"}


def _bool_param(value: str | None, default: bool) -> bool:
    """Booleans are case-insensitive (python-youtube sends ``False``, reference §3)."""
    return default if value is None else value.strip().lower() in _TRUE


def _media_type_ok(value: str) -> bool:
    """``video/*`` or ``application/octet-stream`` (reference §2.1)."""
    kind = value.split(";")[0].strip().lower()
    return kind.startswith("video/") or kind == "application/octet-stream"


def _uploads_today(service: SandboxService, channel: Channel) -> int:
    since = service.clock.now() - 86_400
    return sum(
        1
        for session in service.world.data.youtube.sessions.values()
        if session.channel_id == channel.id and session.created_at > since
    )


async def insert(request: Request) -> Response:
    """``POST /upload/youtube/v3/videos``: a resumable session (step 1) or a multipart insert."""
    service = service_of(request)
    upload_type = request.query_params.get("uploadType")
    if upload_type not in ("resumable", "multipart"):
        raise GoogleApiError(
            400,
            "invalid",
            "The sandbox takes uploadType=resumable or multipart on this path.",
            "global",
            location="uploadType",
        )
    record, channel = authenticate(service, request)
    require_scope(record, UPLOAD_SCOPES)
    if not channel.has_channel:
        raise GoogleApiError(
            401,
            "youtubeSignupRequired",
            "The user must create a YouTube channel before uploading videos.",
            "youtube.header",
        )
    quota.charge(
        service.world.data.youtube.quota, service.options.youtube, service.clock.now(), "insert"
    )
    service.save(durable=False)
    parts = parse_parts(request.query_params.getlist("part"))
    if upload_type == "multipart":
        return await _multipart(service, request, channel, parts)
    body = await read_json_body(request)
    content_type = request.headers.get("x-upload-content-type", "application/octet-stream")
    session = _new_session(
        service,
        request,
        channel,
        parts,
        body,
        content_type,
        request.headers.get("x-upload-content-length"),
    )
    location = (
        f"{request.base_url}{UPLOAD_PATH.lstrip('/')}?uploadType=resumable"
        f"&upload_id={session.upload_id}&part={','.join(parts)}"
    )
    return Response(
        status_code=200,
        headers={
            "Location": location,
            "X-GUploader-UploadID": session.upload_id,
            "Content-Type": "text/html; charset=UTF-8",
        },
    )


def _new_session(
    service: SandboxService,
    request: Request,
    channel: Channel,
    parts: list[str],
    body: dict[str, Any],
    content_type: str,
    raw_length: str | None,
    size_error: str = "X-Upload-Content-Length is invalid or too large.",
) -> UploadSession:
    """Check an insert's metadata, media type and size, and the channel's limit; record it.

    ``size_error`` is the message for a size of 0 or over the maximum, naming where the size
    came from (the header of a resumable insert, a multipart insert's media part).

    Raises:
        GoogleApiError: the metadata errors of :func:`check_resource`, 400 for the media type
            or size, 400 ``uploadLimitExceeded``.
    """
    options = service.options.youtube
    now = service.clock.now()
    resource = check_resource(body, parts)
    if not _media_type_ok(content_type):
        raise GoogleApiError(
            400, "invalidVideoMetadata", f"Media type '{content_type}' is not supported.", "global"
        )
    total: int | None = None
    if raw_length is not None:
        total = parse_content_length(raw_length)
        if total is None or total == 0 or total > options.max_video_bytes:
            raise GoogleApiError(400, "invalid", size_error, "global")
    if channel.daily_upload_limit is not None and _uploads_today(service, channel) >= (
        channel.daily_upload_limit
    ):
        raise GoogleApiError(
            400,
            "uploadLimitExceeded",
            "The user has exceeded the number of videos they may upload.",
            "youtube.video",
        )
    upload_id = "AEnB2U" + secrets.token_urlsafe(48)
    session = UploadSession(
        upload_id=upload_id,
        channel_id=channel.id,
        handle=channel.handle,
        created_at=now,
        expires_at=now + options.session_ttl_sec,
        parts=parts,
        resource=resource,
        notify_subscribers=_bool_param(request.query_params.get("notifySubscribers"), True),
        content_type=content_type,
        total=total,
    )
    service.world.data.youtube.sessions[upload_id] = session
    service.save()
    return session


async def _multipart(
    service: SandboxService, request: Request, channel: Channel, parts: list[str]
) -> Response:
    """An insert with metadata and media in one ``multipart/related`` body (reference §2.9).

    UNCERTAIN: the success status (200 here, as for every non-resumable Google call).
    """
    limit = service.options.youtube.multipart_max_bytes
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise GoogleApiError(
                413, "uploadTooLarge", "Use a resumable upload for media this large.", "global"
            )
        chunks.append(chunk)
    body, content_type, media = parse_related(
        request.headers.get("content-type", ""), b"".join(chunks)
    )
    size_error = (
        "The media part is larger than the maximum file size."  # max_video_bytes
        if media
        else "The media part is empty."
    )
    session = _new_session(
        service, request, channel, parts, body, content_type, str(len(media)), size_error
    )
    uploads = service.world.uploads_dir
    uploads.mkdir(parents=True, exist_ok=True)
    part = uploads / f"{session.upload_id}.part"
    part.write_bytes(media)
    _record(session, len(media), b"", media[:HEAD_BYTES], counted=True)
    _finalize(service, session, part, status=200)
    return _replay(session)


def _progress(service: SandboxService, session: UploadSession) -> Response:
    """``308`` with ``Range: bytes=0-N``, or without ``Range`` when nothing is stored."""
    headers = {"X-GUploader-UploadID": session.upload_id}
    if session.received_bytes:
        headers["Range"] = f"bytes=0-{session.received_bytes - 1}"
    return Response(status_code=308, headers=headers)


def _replay(session: UploadSession) -> Response:
    assert session.final_status is not None and session.final_body is not None
    return JSONResponse(
        session.final_body,
        status_code=session.final_status,
        headers={"X-GUploader-UploadID": session.upload_id},
    )


def _bad_request(message: str) -> Response:
    """The upload server's plain-text 400 (e.g. "Failed to parse Content-Range header.")."""
    return PlainTextResponse(message, status_code=400)


def find_session(service: SandboxService, request: Request) -> UploadSession:
    """The session of the request's ``upload_id`` if it can still be used (or replayed).

    Raises:
        GoogleApiError: 404 for an unknown session; 404 (or 410, ``expired_session_status``)
            for an expired one.
    """
    session = service.world.data.youtube.sessions.get(request.query_params.get("upload_id", ""))
    if session is None:
        raise not_found()
    now = service.clock.now()
    if session.upload_completed_at is not None:
        expired = service.options.youtube.completed_sessions_expire and now >= session.expires_at
    else:
        fault = service.options.fault_for("youtube_upload")
        expired = now >= session.expires_at
        if not expired and fault is not None and fault.expire_upload_urls:
            note_fault(request.scope, "expire_upload_urls")
            expired = True
    if expired:
        gone = service.options.youtube.expired_session_status == 410
        raise session_gone() if gone else not_found()
    return session


async def session_put(request: Request) -> Response:
    """``PUT <session URI>``: a chunk, the whole file, or the status query (steps 3-4)."""
    service = service_of(request)
    options = service.options.youtube
    session = find_session(service, request)
    if session.upload_completed_at is not None:
        return _replay(session)
    if options.strict_session_auth:
        _, channel = authenticate(service, request)
        if channel.id != session.channel_id:
            raise GoogleApiError(403, "forbidden", "Forbidden", "global")
    length = parse_content_length(request.headers.get("content-length", ""))
    raw_range = request.headers.get("content-range", "").strip()
    query = _QUERY.fullmatch(raw_range)
    if query is not None:
        return _progress(service, session)
    if raw_range:
        match = _RANGE.fullmatch(raw_range)
        if match is None:
            return _bad_request("Failed to parse Content-Range header.")
        first, last = int(match.group(1)), int(match.group(2))
        # "/*" while a size was declared (X-Upload-Content-Length, an earlier range) means
        # that size: no byte is stored past it, and reaching it completes the upload.
        # UNCERTAIN (reference §2.4): Google documents "*" only for an unknown size.
        total = session.total if match.group(3) == "*" else int(match.group(3))
        if last < first or (total is not None and last >= total):
            return _bad_request("Failed to parse Content-Range header.")
    else:  # the whole file in one PUT (reference §2.4)
        if length is None or length == 0:
            return _bad_request("Content-Length is required.")
        first, last, total = 0, length - 1, length
    if total is not None:
        if session.total is not None and total != session.total:
            return _bad_request(
                f"Invalid request. According to the Content-Range header, the upload size is "
                f"{total}, but a previous request specified {session.total}."
            )
        if total > options.max_video_bytes:
            return _bad_request("The upload is larger than the maximum file size.")
    if length is None or length != last - first + 1:
        return _bad_request("Content-Length does not match Content-Range.")
    if first != session.received_bytes or session.upload_id in service.receiving:
        # Reference §2.5: a gap or overlap stores nothing; the answer is the current progress.
        return _progress(service, session)
    final = total is not None and last + 1 == total
    if not final and length % CHUNK_UNIT and options.chunk_rule == "reject":
        return _bad_request(
            f"Invalid chunk size {length}: every chunk but the last must be a multiple of "
            f"{CHUNK_UNIT} bytes."
        )
    fault = service.options.fault_for("youtube_upload")
    number = session.chunks_accepted + 1
    if (
        fault is not None
        and fault.fail_chunk == number
        and number not in session.failed_chunk_attempts
    ):
        session.failed_chunk_attempts.append(number)
        service.save()
        note_fault(request.scope, "fail_chunk")
        raise backend_error(fault.error_status)
    if total is not None and session.total is None:
        session.total = total
    service.receiving.add(session.upload_id)
    try:
        return await _receive(service, request, session, length, final)
    finally:
        service.receiving.discard(session.upload_id)


def _kept_after_cut(offset: int, written: int, rule: str) -> int:
    """How much of a chunk cut off mid-body stays stored (``partial_chunks``)."""
    if rule == "none":
        return offset
    end = offset + written
    if rule == "aligned":
        end = max(offset, end - end % CHUNK_UNIT)
    return end


async def _receive(
    service: SandboxService, request: Request, session: UploadSession, length: int, final: bool
) -> Response:
    """Stream the body into the part file; store it (or what the rules keep) and answer."""
    options = service.options.youtube
    uploads = service.world.uploads_dir
    uploads.mkdir(parents=True, exist_ok=True)
    part = uploads / f"{session.upload_id}.part"
    offset = session.received_bytes
    head = bytes.fromhex(session.head_hex)
    with part.open("r+b" if part.exists() else "w+b") as handle:
        handle.seek(offset)
        try:
            received, first_bytes = await ingest(request.stream(), handle, length)
        except BaseException:
            # Client gone mid-chunk: "do not assume that the server received all (or none)".
            handle.flush()
            kept = _kept_after_cut(offset, handle.tell() - offset, options.partial_chunks)
            handle.truncate(kept)
            handle.seek(0)
            _record(session, kept, b"", handle.read(min(HEAD_BYTES, kept)), counted=False)
            raise
        if received != length:
            handle.truncate(offset)
            return _bad_request("The body size does not match Content-Length.")
        end = offset + received
        if not final and received % CHUNK_UNIT:  # chunk_rule persist_aligned
            end -= received % CHUNK_UNIT
            handle.truncate(end)
    _record(session, end, head, first_bytes, counted=True)
    if not final:
        # Progress is not saved per chunk (a world.json write each time would slow ingest):
        # the part file is the record, read back at startup (resume_sessions).
        return _progress(service, session)
    _finalize(service, session, part)
    return _replay(session)


def _record(session: UploadSession, end: int, head: bytes, first: bytes, counted: bool) -> None:
    if len(head) < HEAD_BYTES and end > session.received_bytes:
        head = (head + first)[: min(HEAD_BYTES, end)]
    session.received_bytes = end
    session.head_hex = head.hex()
    if counted:
        session.chunks_accepted += 1


def _finalize(
    service: SandboxService, session: UploadSession, part: Path, status: int | None = None
) -> None:
    """The last byte arrived: the session becomes a video; its answer is kept for replay."""
    data = service.world.data.youtube
    session.is_video = looks_like_video(bytes.fromhex(session.head_hex))
    session.duration_sec = mp4_duration_sec(part) if session.is_video else None
    session.upload_completed_at = service.clock.now()
    session.video_id = _new_video_id(service)
    channel = grants.find_channel(data, channel_id=session.channel_id)
    assert channel is not None
    session.final_status = status or service.options.youtube.final_status
    session.final_body = video_view(service, session, channel, session.parts)
    service.save()
    # The sha256 of the assembled bytes is computed off the ingest path (sandbox/digest.py).
    service.digests.start(session)


def _new_video_id(service: SandboxService) -> str:
    """An 11-character id from ``[A-Za-z0-9_-]`` (reference §4), seeded for reproducibility."""
    taken = {s.video_id for s in service.world.data.youtube.sessions.values()}
    alphabet = grants.ID_ALPHABET
    while True:
        candidate = "".join(service.id_rng.choice(alphabet) for _ in range(11))
        if candidate not in taken:
            return candidate


def resume_sessions(service: SandboxService) -> None:
    """Rebuild the progress of unfinished sessions from their part files (at startup).

    Any stored prefix is a valid YouTube progress; it is cut to a 256 KiB multiple (and short
    of the total, so the last chunk, which completes the upload, is always sent again).
    """
    now = service.clock.now()
    for session in service.world.data.youtube.sessions.values():
        if session.upload_completed_at is not None:
            continue
        part = service.world.uploads_dir / f"{session.upload_id}.part"
        if now >= session.expires_at:
            part.unlink(missing_ok=True)
            continue
        size = part.stat().st_size if part.exists() else 0
        if session.total is not None and size >= session.total:
            size = session.total - 1
        size -= size % CHUNK_UNIT
        if part.exists():
            with part.open("r+b") as handle:
                handle.truncate(size)
                handle.seek(0)
                head = handle.read(HEAD_BYTES)
        else:
            head = b""
        session.received_bytes, session.head_hex = size, head.hex()
