"""The chunk PUT of FILE_UPLOAD (reference §5), streamed to disk as it arrives.

Served at ``/upload/video/?upload_id=…&upload_token=…`` on the sandbox's own host (TikTok
serves it from ``open-upload.tiktokapis.com``). Order of checks (UNCERTAIN, undocumented):
404 unknown task, 403 expired URL, 400 headers, 416 range vs progress, 400 body size.
Memory stays bounded: the body is written piece by piece as the server receives it, except
a whole upload of at most :data:`WHOLE_IN_MEMORY` bytes in one chunk, which is taken in
memory and hashed as it completes (no part file, no hashing job: ``sandbox/digest.py``).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gitops_publisher.sandbox.chunking import (
    ChunkPlan,
    parse_content_length,
    parse_content_range,
)
from gitops_publisher.sandbox.digest import settle_interrupted
from gitops_publisher.sandbox.faults import note_fault
from gitops_publisher.sandbox.ingest import BATCH_BYTES, ingest
from gitops_publisher.sandbox.models import PostRecord
from gitops_publisher.sandbox.mp4 import mp4_duration_of, mp4_duration_sec
from gitops_publisher.sandbox.posting import service_of
from gitops_publisher.sandbox.processing import HEAD_BYTES, looks_like_video
from gitops_publisher.sandbox.service import SandboxService
from gitops_publisher.sandbox.tokens import token_key

ALLOWED_CONTENT_TYPES = ("video/mp4", "video/quicktime", "video/webm")
#: A video uploaded whole in one chunk of at most this many bytes is received in memory (as
#: ingest holds a batch that size anyway), measured, hashed and recorded in the save that
#: completes it. Its part file, the hashing job handed to a thread and the save recording
#: the digest cost more than the rest of the upload's handling for a 25 KB video
#: (bench/README.md, "Many accounts").
WHOLE_IN_MEMORY = BATCH_BYTES


def _answer(
    service: SandboxService, status: int, message: str, post: PostRecord | None
) -> Response:
    """Answer with TikTok's JSON envelope and the progress header.

    UNCERTAIN (reference §5): the PUT response body is undocumented. Published TikTok clients
    parse it as JSON (one calls ``response.json()`` on the final PUT, another ``json.loads`` on
    any non-empty body), so a text body would break clients that work against TikTok. We send
    the posting API's envelope rather than ``{}``: it parses as JSON for both, and a client that
    reads every answer with the same code (``error.code == "ok"``) accepts it too. Status codes
    and ``Content-Range`` are what decide; ``error.code`` is a hint (:func:`upload_error_code`).
    """
    headers = {}
    if post is not None:
        last_index = service.options.progress_range_last_index
        headers["Content-Range"] = progress_header(post, last_index)
    body = {
        "data": {},
        "error": {
            "code": upload_error_code(status),
            "message": message,
            "log_id": service.log_id(),
        },
    }
    return JSONResponse(body, status_code=status, headers=headers)


def upload_error_code(status: int) -> str:
    """Return the envelope's ``error.code`` for a PUT answered with HTTP ``status``.

    UNCERTAIN (reference §4-5): no code is documented for the upload host. ``ok`` for 2xx,
    ``internal_error`` for 5xx (the posting API's 5xx code), and ``invalid_file_upload`` (the
    reference's code for an upload that does not meet the spec) for every refusal.
    """
    if status < 300:
        return "ok"
    return "internal_error" if status >= 500 else "invalid_file_upload"


def progress_header(post: PostRecord, last_index: bool) -> str:
    """Return ``bytes 0-{UPLOADED_BYTES}/{TOTAL}``.

    UNCERTAIN (reference §5): "UPLOADED_BYTES" may be a count or the last index. Default: the
    count, as the doc literally writes it; ``progress_range_last_index`` sends count - 1.
    """
    uploaded = post.received_bytes
    if last_index:
        uploaded = max(0, uploaded - 1)
    return f"bytes 0-{uploaded}/{post.video_size}"


def _find(service: SandboxService, upload_id: str, upload_token: str) -> PostRecord | None:
    for post in service.world.data.posts.values():
        if post.upload_id == upload_id and post.upload_id:
            if post.upload_token_sha256 == token_key(upload_token):
                return post
            return None
    return None


def resume_uploads(service: SandboxService) -> None:
    """Rebuild the progress of unfinished uploads from their part files (at startup).

    A part file holds exactly the accepted chunks, except after a crash in the middle of a
    chunk; so progress = whole chunks in the file (never the final one, which completes the
    upload and is recorded at once), and any trailing partial chunk is cut off.
    """
    service.sweep_expired_uploads()
    settle_interrupted(service.world, service.save, service.options.keep_media)
    now = service.clock.now()
    for post in service.world.data.posts.values():
        if post.upload_id is None or post.upload_completed_at is not None or post.cancelled_at:
            continue
        if post.upload_expires_at is not None and now >= post.upload_expires_at:
            continue  # its progress no longer matters: the post has failed
        part = service.world.uploads_dir / f"{post.upload_id}.part"
        size = part.stat().st_size if part.exists() else 0
        chunks = min(size // post.chunk_size, post.total_chunk_count - 1) if size else 0
        received = chunks * post.chunk_size
        if part.exists() and size != received:
            with part.open("r+b") as handle:
                handle.truncate(received)
        head = b""
        if received:
            with part.open("rb") as handle:
                head = handle.read(HEAD_BYTES)
        post.next_chunk, post.received_bytes, post.head_hex = chunks, received, head.hex()


async def upload_chunk(request: Request) -> Response:
    """``PUT /upload/video/``: accept one chunk; 206 for more expected, 201 when complete."""
    service = service_of(request)
    options = service.options
    post = _find(
        service,
        request.query_params.get("upload_id", ""),
        request.query_params.get("upload_token", ""),
    )
    if post is None or post.cancelled_at is not None:
        return _answer(service, 404, "No upload task for this upload_url.", None)
    fault = options.fault_for("upload")
    now = service.clock.now()
    assert post.upload_expires_at is not None
    if now >= post.upload_expires_at:
        return _answer(service, 403, "The upload_url has expired.", post)
    if fault is not None and fault.expire_upload_urls:
        note_fault(request.scope, "expire_upload_urls")
        return _answer(service, 403, "The upload_url has expired.", post)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ALLOWED_CONTENT_TYPES:
        return _answer(
            service, 400, "Content-Type must be video/mp4, video/quicktime or video/webm.", post
        )
    parsed = parse_content_range(request.headers.get("content-range", ""))
    if parsed is None or parsed[2] != post.video_size:
        return _answer(
            service, 400, "Content-Range is malformed or its total is not video_size.", post
        )
    length = parse_content_length(request.headers.get("content-length", ""))
    if length is None:
        return _answer(service, 400, "Content-Length is required.", post)
    plan = ChunkPlan(post.video_size, post.chunk_size, post.total_chunk_count)
    if post.next_chunk >= plan.total_chunk_count:
        # UNCERTAIN: a chunk after completion (e.g. a retried final PUT whose 201 was lost).
        # 416 with the progress header tells the client everything has arrived.
        return _answer(service, 416, "All chunks have already been received.", post)
    first, last = plan.expected_range(post.next_chunk)
    if (parsed[0], parsed[1]) != (first, last):
        return _answer(
            service, 416, f"Content-Range must be bytes {first}-{last}/{post.video_size}.", post
        )
    if length != last - first + 1:
        return _answer(service, 400, "Content-Length does not match Content-Range.", post)
    chunk_number = post.next_chunk + 1
    if (
        fault is not None
        and fault.fail_chunk == chunk_number
        and chunk_number not in post.failed_chunk_attempts
    ):
        post.failed_chunk_attempts += (chunk_number,)
        service.save()
        note_fault(request.scope, "fail_chunk")
        return _answer(service, fault.error_status, "Injected failure; retry this chunk.", post)
    if post.upload_id in service.receiving:
        # Chunks must be sequential (reference §5 rule 6): a second PUT while one is still
        # arriving does not match the progress. UNCERTAIN: TikTok's exact answer.
        return _answer(service, 416, "Another chunk of this upload is still being received.", post)
    assert post.upload_id is not None
    service.receiving.add(post.upload_id)
    try:
        return await _receive(service, request, post, length)
    finally:
        service.receiving.discard(post.upload_id)


async def _receive(
    service: SandboxService, request: Request, post: PostRecord, length: int
) -> Response:
    """Stream the body into the part file; commit only if exactly ``length`` bytes came."""
    assert post.upload_id is not None
    if post.total_chunk_count == 1 and length <= WHOLE_IN_MEMORY and not service.options.keep_media:
        return await _receive_whole(service, request, post, length)
    uploads = service.world.uploads_dir
    uploads.mkdir(parents=True, exist_ok=True)
    part = uploads / f"{post.upload_id}.part"
    offset = post.received_bytes
    head = bytes.fromhex(post.head_hex)
    mode = "r+b" if part.exists() else "w+b"
    with part.open(mode) as handle:
        handle.seek(offset)
        try:
            received, first_bytes = await ingest(request.stream(), handle, length)
        except BaseException:
            # Client gone mid-chunk: forget the partial chunk, keep the progress before it.
            handle.truncate(offset)
            raise
        if received != length:
            handle.truncate(offset)
            return _answer(service, 400, "The body size does not match Content-Length.", post)
    if len(head) < HEAD_BYTES:
        head = (head + first_bytes)[:HEAD_BYTES]
    post.received_bytes += received
    post.next_chunk += 1
    post.head_hex = head.hex()
    if post.next_chunk < post.total_chunk_count:
        # Progress is not saved per chunk: the part file is the record (resume_uploads).
        return _answer(service, 206, "Chunk received.", post)
    _finalize(service, post, part)
    return _answer(service, 201, "Upload complete.", post)


async def _receive_whole(
    service: SandboxService, request: Request, post: PostRecord, length: int
) -> Response:
    """Take a whole video in memory; measure, hash and record it at once (no part file)."""
    body = io.BytesIO()
    received, first_bytes = await ingest(request.stream(), body, length)
    if received != length:
        return _answer(service, 400, "The body size does not match Content-Length.", post)
    head = first_bytes[:HEAD_BYTES]
    post.received_bytes = received
    post.next_chunk = 1
    post.head_hex = head.hex()
    post.is_video = looks_like_video(head)
    post.duration_sec = mp4_duration_of(body, received) if post.is_video else None
    post.sha256 = hashlib.sha256(body.getbuffer()).hexdigest()  # no copy of the bytes
    post.upload_completed_at = service.clock.now()
    service.save()
    return _answer(service, 201, "Upload complete.", post)


def _finalize(service: SandboxService, post: PostRecord, part: Path) -> None:
    post.is_video = looks_like_video(bytes.fromhex(post.head_hex))
    post.duration_sec = mp4_duration_sec(part) if post.is_video else None
    post.upload_completed_at = service.clock.now()
    service.save()
    # The sha256 of the assembled bytes is computed from here on, off the ingest path; the
    # part file stays until it is recorded (sandbox/digest.py).
    service.digests.start(post)
