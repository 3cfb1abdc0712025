"""Introspection and control routes under ``/_sandbox/`` (never TikTok paths).

Nothing here returns a token value or an Authorization header, except ``POST accounts``,
which hands out the new account's initial refresh token exactly once. Every refusal is an
:class:`~gitops_publisher.sandbox.admin_errors.AdminError`, answered in the admin API's one
shape (``sandbox/admin_errors.py``), never in a platform's envelope.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gitops_publisher.sandbox.admin_errors import AdminError
from gitops_publisher.sandbox.clock import ManualClock
from gitops_publisher.sandbox.envelope import ApiError, describe_validation
from gitops_publisher.sandbox.models import Account, PostRecord
from gitops_publisher.sandbox.options import FaultSpec, SandboxOptions, check_fault_endpoints
from gitops_publisher.sandbox.posting import read_json, service_of
from gitops_publisher.sandbox.processing import status_at
from gitops_publisher.sandbox.service import SandboxService

#: What ``POST /_sandbox/clock/advance`` on a clock that runs by itself tells the caller.
NOT_MANUAL = (
    "this sandbox's clock runs by itself (real or scaled time) and cannot be advanced: serve "
    "the world with `publisher sandbox serve --manual-clock`, whose time moves only by "
    "POST /_sandbox/clock/advance"
)


def invalid_field(exc: ValidationError) -> AdminError:
    """The 400 of a body whose fields do not validate (named, their values never quoted)."""
    return AdminError(400, "invalid_field", describe_validation(exc))


async def admin_json(request: Request) -> dict[str, Any]:
    """An admin write's body: a JSON object sent as ``application/json``.

    A web page open in the developer's browser may POST ``text/plain`` or a form to
    ``localhost`` cross-site without asking first (a CORS "simple request"); a JSON
    ``Content-Type`` needs a preflight, which the emulator never grants. So no page can
    create an account, post a draft or change the faults behind the developer's back.

    Raises:
        AdminError: 400 ``invalid_body``: another Content-Type, a body that is not a JSON
            object (``{bad``, ``[1]``), or one too large.
    """
    service = service_of(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise AdminError(
            400, "invalid_body", "Sandbox admin writes need Content-Type: application/json."
        )
    try:
        return await read_json(request, service)
    except ApiError as exc:  # the posting API's reader answers in TikTok's envelope
        raise AdminError(400, "invalid_body", exc.message) from exc


def post_view(post: PostRecord, service: SandboxService) -> dict[str, Any]:
    """One accepted post as the admin API shows it."""
    status = status_at(post, service.clock.now(), service.options)
    return {
        "publish_id": post.publish_id,
        "account": post.username,
        "open_id": post.open_id,
        "mode": post.mode,
        "source": post.source,
        "title": post.title,
        "privacy": post.privacy_level,
        "effective_privacy": post.effective_privacy,
        "disable_comment": post.disable_comment,
        "disable_duet": post.disable_duet,
        "disable_stitch": post.disable_stitch,
        "brand_content_toggle": post.brand_content_toggle,
        "brand_organic_toggle": post.brand_organic_toggle,
        "is_aigc": post.is_aigc,
        "video_cover_timestamp_ms": post.video_cover_timestamp_ms,
        "video_size": post.video_size,
        "chunk_size": post.chunk_size,
        "total_chunk_count": post.total_chunk_count,
        "chunks_received": post.next_chunk,
        "byte_count": post.received_bytes,
        "sha256": post.sha256,
        "status": status["status"],
        "fail_reason": status.get("fail_reason"),
        "post_ids": status["publicaly_available_post_id"],
        "created_at": post.created_at,
        "upload_completed_at": post.upload_completed_at,
    }


async def list_posts(request: Request) -> Response:
    """``GET /_sandbox/posts[?account=USERNAME]``: every init the sandbox accepted."""
    service = service_of(request)
    account = request.query_params.get("account")
    chosen = [
        post
        for post in service.world.data.posts.values()
        if account is None or post.username == account
    ]
    for post in chosen:  # every listed sha256 is the assembled bytes' (sandbox/digest.py)
        await service.digests.settle(post)
    posts = [post_view(post, service) for post in chosen]
    return JSONResponse({"posts": posts})


async def list_requests(request: Request) -> Response:
    """``GET /_sandbox/requests``: TikTok-path requests, credentials redacted."""
    return JSONResponse({"requests": list(service_of(request).requests)})


async def create_account(request: Request) -> Response:
    """``POST /_sandbox/accounts``: add a user; answers its initial refresh token once.

    Raises:
        AdminError: 400 ``invalid_body`` or ``invalid_field``, 409 ``already_exists``.
    """
    service = service_of(request)
    try:
        account = Account.model_validate(await admin_json(request))
        token = service.world.add_account(account, service.options.refresh_token_ttl_sec)
    except ValidationError as exc:
        raise invalid_field(exc) from exc
    except ValueError as exc:
        if "exists" in str(exc):
            raise AdminError(409, "already_exists", str(exc)) from exc
        raise AdminError(400, "invalid_field", str(exc)) from exc
    service.save()
    created = service.world.find_account(username=account.username)
    assert created is not None
    view = created.model_dump(exclude={"refresh_token"})
    return JSONResponse({"account": view, "refresh_token": token}, status_code=201)


async def options_route(request: Request) -> Response:
    """``GET/PUT /_sandbox/options``: read, or merge a partial update into, the options.

    A partial ``youtube`` block or ``rate_limits`` map merges into the current one (a limit
    set to null is removed: that endpoint is then unlimited; ``"rate_limits": null`` removes
    them all); any other field, ``faults`` included, is replaced.

    Raises:
        AdminError: 400 ``invalid_body`` or ``invalid_field``; nothing is changed then.
    """
    service = service_of(request)
    if request.method == "PUT":
        update = await admin_json(request)
        current = service.options.model_dump()
        merged = {**current, **update}
        for block in ("youtube", "rate_limits"):
            if isinstance(update.get(block), dict):
                merged[block] = {**current[block], **update[block]}
        try:
            service.set_options(SandboxOptions.model_validate(merged))
        except ValidationError as exc:
            raise invalid_field(exc) from exc
    return JSONResponse(service.options.model_dump(mode="json"))


async def faults_route(request: Request) -> Response:
    """``GET/PUT /_sandbox/faults``: read, or replace, the per-endpoint fault specs.

    Raises:
        AdminError: 400 ``invalid_body``, or ``invalid_field`` for an unknown endpoint or a
            spec that does not validate; nothing is changed then.
    """
    service = service_of(request)
    if request.method == "PUT":
        raw = await admin_json(request)
        try:
            check_fault_endpoints(raw)
        except ValueError as exc:
            raise AdminError(400, "invalid_field", str(exc)) from exc
        faults = {}
        for name, spec in raw.items():
            try:
                faults[name] = FaultSpec.model_validate(spec)
            except ValidationError as exc:
                raise AdminError(
                    400, "invalid_field", f"{name}: {describe_validation(exc)}"
                ) from exc
        service.options = service.options.model_copy(update={"faults": faults})
    return JSONResponse({n: f.model_dump() for n, f in service.options.faults.items()})


async def clock_route(request: Request) -> Response:
    """``GET /_sandbox/clock``, ``POST /_sandbox/clock/advance`` ({"seconds": N}, manual only).

    Raises:
        AdminError: 400 (``invalid_body``, ``invalid_field``) for a malformed request,
            whatever the clock; only a well-formed one learns that this clock runs by
            itself (409 ``clock_not_manual``, saying how to get a manual one).
    """
    service = service_of(request)
    if request.method == "POST":
        body = await admin_json(request)
        try:
            seconds = float(body.get("seconds", 0))
        except (ValueError, TypeError):
            seconds = math.nan
        if not (math.isfinite(seconds) and seconds >= 0):
            raise AdminError(
                400, "invalid_field", 'body must be {"seconds": N}, N a finite number >= 0'
            )
        if not isinstance(service.clock, ManualClock):
            raise AdminError(409, "clock_not_manual", NOT_MANUAL)
        service.clock.advance(seconds)
    return JSONResponse({"now": service.clock.now(), "clock": type(service.clock).__name__})


async def world_route(request: Request) -> Response:
    """``GET /_sandbox/world``: the app and its accounts, without secrets."""
    return JSONResponse(service_of(request).world.public_view())


async def post_draft(request: Request) -> Response:
    """``POST /_sandbox/posts/{publish_id}/post-draft``: the user posts an inbox draft.

    Body (optional): ``{"privacy_level": "PUBLIC_TO_EVERYONE"}`` (default SELF_ONLY), one of
    the creator's ``privacy_level_options`` (else 400).

    Raises:
        AdminError: 404 ``not_found`` (no inbox draft of that id), 409 ``not_in_inbox``,
            400 ``invalid_body`` or ``invalid_field``.
    """
    service = service_of(request)
    post = service.world.data.posts.get(request.path_params["publish_id"])
    if post is None or post.mode != "inbox":
        raise AdminError(404, "not_found", "no inbox draft with this publish_id")
    await service.digests.settle(post)
    if status_at(post, service.clock.now(), service.options)["status"] != "SEND_TO_USER_INBOX":
        raise AdminError(409, "not_in_inbox", "the draft is not in the user's inbox")
    body = await admin_json(request)
    privacy = body.get("privacy_level") or "SELF_ONLY"
    account = service.world.find_account(open_id=post.open_id)
    options = account.privacy_level_options() if account is not None else ["SELF_ONLY"]
    if privacy not in options:  # the app offers the user only their account's options
        raise AdminError(
            400, "invalid_field", f"privacy_level must be one of the creator's options {options}"
        )
    post.effective_privacy = privacy
    post.privacy_level = privacy
    post.draft_posted_at = service.clock.now()
    service.save()
    return JSONResponse(post_view(post, service))


def _one_pixel_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xfe\x2c\x55")  # filter byte + one pink pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


async def avatar(request: Request) -> Response:
    """``GET /_sandbox/avatars/{name}``: the image behind ``creator_avatar_url``."""
    return Response(_one_pixel_png(), media_type="image/png")


async def index(request: Request) -> Response:
    """``GET /_sandbox/``: where everything is."""
    routes = [
        f"{' '.join(sorted(r.methods or []))} {r.path}"
        for r in request.app.routes
        if isinstance(r, Route) and r.path.startswith("/_sandbox/")
    ]
    return JSONResponse({"routes": routes})


ADMIN_ROUTES = [
    Route("/_sandbox/", index, methods=["GET"]),
    Route("/_sandbox/posts", list_posts, methods=["GET"]),
    Route("/_sandbox/posts/{publish_id}/post-draft", post_draft, methods=["POST"]),
    Route("/_sandbox/requests", list_requests, methods=["GET"]),
    Route("/_sandbox/accounts", create_account, methods=["POST"]),
    Route("/_sandbox/options", options_route, methods=["GET", "PUT"]),
    Route("/_sandbox/faults", faults_route, methods=["GET", "PUT"]),
    Route("/_sandbox/clock", clock_route, methods=["GET"]),
    Route("/_sandbox/clock/advance", clock_route, methods=["POST"]),
    Route("/_sandbox/world", world_route, methods=["GET"]),
    Route("/_sandbox/avatars/{name}", avatar, methods=["GET"]),
]
