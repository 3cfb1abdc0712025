"""Posting endpoints: creator_info, direct and inbox init (reference §3.1-§3.3).

Order of checks in every endpoint (UNCERTAIN, the reference gives none): bearer token (401),
rate-limit window (429), scope (401), body shape (400), business rules (403).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gitops_publisher.sandbox.caps import (
    active_cap_reached,
    daily_cap_reached,
    recent_posts,
    url_verified,
)
from gitops_publisher.sandbox.chunking import ChunkRuleError, check_chunk_plan
from gitops_publisher.sandbox.envelope import ApiError, api_error, api_ok, invalid_params
from gitops_publisher.sandbox.models import Account, PostRecord
from gitops_publisher.sandbox.processing import is_pending
from gitops_publisher.sandbox.service import SandboxService
from gitops_publisher.sandbox.tokens import token_key

MAX_JSON_BODY = 1_000_000
TITLE_MAX_UTF16 = 2200


def service_of(request: Request) -> SandboxService:
    """Return the service the app was built with."""
    service: SandboxService = request.app.state.sandbox
    return service


async def read_json(request: Request, service: SandboxService) -> dict[str, Any]:
    """Read a small JSON object body; an empty body is ``{}``.

    Raises:
        ApiError: 400 (configured invalid_params spelling) for a big, non-JSON or non-object body.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_JSON_BODY:
            raise invalid_params(service.options, "The request body is too large.")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        # UNCERTAIN: TikTok's answer to a JSON body sent with another Content-Type is
        # undocumented; the reference says "Content-Type: application/json; charset=UTF-8".
        raise invalid_params(service.options, "Content-Type must be application/json.")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise invalid_params(service.options, "The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise invalid_params(service.options, "The request body must be a JSON object.")
    return body


async def creator_info(request: Request) -> Response:
    """``POST /v2/post/publish/creator_info/query/``: what the creator may post now."""
    service = service_of(request)
    key, record, account = service.authenticate(request)
    service.rate_limit(key, "creator_info")
    service.require_scope(record, "video.publish")
    # Reference §3.1: these codes come with HTTP 200 (intentional) at creator_info.
    for reached, code in (
        (account.banned, "spam_risk_user_banned_from_posting"),
        (daily_cap_reached(service, account), "spam_risk_too_many_posts"),
        (active_cap_reached(service, account), "reached_active_user_cap"),
    ):
        if reached:
            return api_error(
                ApiError(200, code, "The creator cannot post now; try later."), service.log_id()
            )
    data = {
        "creator_avatar_url": f"{request.base_url}_sandbox/avatars/{account.open_id}.png",
        "creator_username": account.username,
        "creator_nickname": account.nickname,
        "privacy_level_options": account.privacy_level_options(),
        "comment_disabled": account.comment_disabled,
        "duet_disabled": account.effective_duet_disabled(),
        "stitch_disabled": account.effective_stitch_disabled(),
        "max_video_post_duration_sec": account.max_video_post_duration_sec,
    }
    return api_ok(data, service.log_id())


def _bool_field(service: SandboxService, info: dict[str, Any], name: str) -> bool:
    value = info.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid_params(service.options, f"The field {name} is invalid.")
    return value


def _source_post(
    service: SandboxService, request: Request, body: dict[str, Any], account: Account, mode: str
) -> PostRecord:
    """Validate ``source_info`` and build the post record (not stored yet)."""
    source_info = body.get("source_info")
    if not isinstance(source_info, dict):
        raise invalid_params(service.options, "The source_info is invalid.")
    source = source_info.get("source")
    now = service.clock.now()
    post = PostRecord(
        publish_id="",
        open_id=account.open_id,
        username=account.username,
        mode="direct" if mode == "direct" else "inbox",
        source="FILE_UPLOAD",
        created_at=now,
        post_id=service.new_post_id(),
        max_duration_sec=account.max_video_post_duration_sec,
    )
    if source == "FILE_UPLOAD":
        try:
            plan = check_chunk_plan(
                source_info.get("video_size"),
                source_info.get("chunk_size"),
                source_info.get("total_chunk_count"),
                service.options.mb_bytes,
                service.options.max_video_bytes,
                service.options.strict_single_chunk,
            )
        except ChunkRuleError as exc:
            raise invalid_params(service.options, str(exc)) from exc
        post.video_size = plan.video_size
        post.chunk_size = plan.chunk_size
        post.total_chunk_count = plan.total_chunk_count
    elif source == "PULL_FROM_URL":
        url = source_info.get("video_url")
        if not isinstance(url, str) or not url.startswith("https://"):
            raise invalid_params(service.options, "The video_url is invalid.")
        post.source = "PULL_FROM_URL"
        post.video_url = url
    else:
        raise invalid_params(service.options, "The source is invalid.")
    return post


def _store(
    service: SandboxService, request: Request, post: PostRecord, prefix: str
) -> JSONResponse:
    service.sweep_expired_uploads()
    kind = "file" if post.source == "FILE_UPLOAD" else "url"
    post.publish_id = service.new_publish_id(f"{prefix}_{kind}")
    data: dict[str, Any] = {"publish_id": post.publish_id}
    if post.source == "FILE_UPLOAD":
        upload_id = str(service.id_rng.randrange(10**18, 10**19))
        upload_token = secrets.token_urlsafe(24)
        post.upload_id = upload_id
        post.upload_token_sha256 = token_key(upload_token)
        post.upload_expires_at = post.created_at + service.options.upload_url_ttl_sec
        data["upload_url"] = (
            f"{request.base_url}upload/video/?upload_id={upload_id}&upload_token={upload_token}"
        )
    service.world.data.posts[post.publish_id] = post
    service.save()
    return api_ok(data, service.log_id())


async def video_init(request: Request) -> Response:
    """``POST /v2/post/publish/video/init/``: start a Direct Post (reference §3.2)."""
    service = service_of(request)
    key, record, account = service.authenticate(request)
    service.rate_limit(key, "video_init")
    service.require_scope(record, "video.publish")
    body = await read_json(request, service)
    info = body.get("post_info")
    if not isinstance(info, dict):
        raise invalid_params(service.options, "The post_info is invalid.")
    title = info.get("title", "")
    if title is None:
        title = ""
    if not isinstance(title, str) or len(title.encode("utf-16-le")) // 2 > TITLE_MAX_UTF16:
        raise invalid_params(service.options, "The title is invalid.")
    flags = {
        name: _bool_field(service, info, name)
        for name in (
            "disable_comment",
            "disable_duet",
            "disable_stitch",
            "brand_content_toggle",
            "brand_organic_toggle",
            "is_aigc",
        )
    }
    if service.options.require_brand_content_toggle and "brand_content_toggle" not in info:
        raise invalid_params(service.options, "The brand_content_toggle is required.")
    cover = info.get("video_cover_timestamp_ms")
    # Reference §3.2: a missing or invalid cover timestamp means the first frame.
    cover_ms = (
        cover if isinstance(cover, int) and not isinstance(cover, bool) and cover >= 0 else None
    )
    post = _source_post(service, request, body, account, "direct")
    privacy = info.get("privacy_level")
    if account.banned:
        raise ApiError(
            403, "spam_risk_user_banned_from_posting", "The user is banned from posting."
        )
    if not isinstance(privacy, str) or privacy not in account.privacy_level_options():
        raise ApiError(
            403,
            "privacy_level_option_mismatch",
            "The privacy_level is not one of the creator's privacy_level_options.",
        )
    if service.options.unaudited_client and not account.is_private:
        raise ApiError(
            403,
            "unaudited_client_can_only_post_to_private_accounts",
            "Unaudited clients can only post to private accounts.",
        )
    if active_cap_reached(service, account):
        raise ApiError(
            403, "reached_active_user_cap", "The client's daily cap of posting users is reached."
        )
    if daily_cap_reached(service, account):
        raise ApiError(403, "spam_risk_too_many_posts", "The creator's daily post cap is reached.")
    if post.video_url is not None and not url_verified(service, post.video_url):
        raise ApiError(
            403, "url_ownership_unverified", "The video_url's domain or prefix is not verified."
        )
    post.title = title
    post.privacy_level = privacy
    # Reference §8: everything an unaudited client posts is private.
    post.effective_privacy = "SELF_ONLY" if service.options.unaudited_client else privacy
    # Reference §3.2: the server forces interactions off where the account says so.
    post.disable_comment = flags["disable_comment"] or account.comment_disabled
    post.disable_duet = flags["disable_duet"] or account.effective_duet_disabled()
    post.disable_stitch = flags["disable_stitch"] or account.effective_stitch_disabled()
    post.brand_content_toggle = flags["brand_content_toggle"]
    post.brand_organic_toggle = flags["brand_organic_toggle"]
    post.is_aigc = flags["is_aigc"]
    post.video_cover_timestamp_ms = cover_ms
    return _store(service, request, post, "v_pub")


async def inbox_init(request: Request) -> Response:
    """``POST /v2/post/publish/inbox/video/init/``: upload a draft to the inbox (§3.3)."""
    service = service_of(request)
    key, record, account = service.authenticate(request)
    service.rate_limit(key, "inbox_init")
    service.require_scope(record, "video.upload")
    body = await read_json(request, service)
    # UNCERTAIN (reference §3.3): post_info is not documented here; ignored, not rejected.
    post = _source_post(service, request, body, account, "inbox")
    now = service.clock.now()
    if account.banned:
        raise ApiError(
            403, "spam_risk_user_banned_from_posting", "The user is banned from posting."
        )
    if (
        service.options.unaudited_client
        and service.options.unaudited_applies_to_inbox
        and not account.is_private
    ):
        raise ApiError(
            403,
            "unaudited_client_can_only_post_to_private_accounts",
            "Unaudited clients can only post to private accounts.",
        )
    pending = sum(
        1
        for old in recent_posts(service, account.open_id)
        if old.mode == "inbox" and is_pending(old, now, service.options)
    )
    if pending >= service.options.pending_share_cap:
        raise ApiError(
            403,
            "spam_risk_too_many_pending_share",
            "The creator has too many pending drafts in the last 24 hours.",
        )
    if post.video_url is not None and not url_verified(service, post.video_url):
        raise ApiError(
            403, "url_ownership_unverified", "The video_url's domain or prefix is not verified."
        )
    return _store(service, request, post, "v_inbox")
