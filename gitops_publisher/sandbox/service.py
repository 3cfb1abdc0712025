"""The state one sandbox app serves from, and the checks every posting endpoint shares."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from gitops_publisher.sandbox.clock import Clock
from gitops_publisher.sandbox.digest import Digests
from gitops_publisher.sandbox.envelope import ApiError, new_log_id
from gitops_publisher.sandbox.models import Account, TokenRecord
from gitops_publisher.sandbox.options import SandboxOptions
from gitops_publisher.sandbox.ratelimit import SlidingWindowLimiter
from gitops_publisher.sandbox.tokens import token_key
from gitops_publisher.sandbox.world import SandboxWorld

REQUEST_LOG_LIMIT = 10_000


class SandboxService:
    """World, options, clock, random sources, limiter, request log and upload digests."""

    def __init__(self, world: SandboxWorld, options: SandboxOptions, clock: Clock) -> None:
        """Serve ``world`` with ``options`` on ``clock``."""
        self.world = world
        self.clock = clock
        self.options = options
        self.fault_rng = random.Random(options.seed)
        self.id_rng = self._id_source(options.seed)
        self.limiter = SlidingWindowLimiter()
        self.requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_LIMIT)
        self.digests = Digests(world, lambda: self.options.keep_media)
        self.receiving: set[str] = set()  # upload ids with a chunk arriving right now
        self.auth_codes: dict[str, dict[str, Any]] = {}
        self.youtube_codes: dict[str, dict[str, Any]] = {}
        # `publisher -v sandbox serve`: one line per API request, credentials redacted.
        self.access_log: Callable[[str], None] | None = None

    def set_options(self, options: SandboxOptions) -> None:
        """Replace the options; a changed seed restarts the random sources."""
        if options.seed != self.options.seed:
            self.fault_rng = random.Random(options.seed)
            self.id_rng = self._id_source(options.seed)
        self.options = options

    def _id_source(self, seed: int) -> random.Random:
        # Seeded for reproducible tests, but also by how much the persisted world already
        # holds: a restarted server must never hand out the ids of its earlier runs again.
        data = self.world.data
        held = f"{len(data.posts)}:{len(data.tokens)}"
        if data.youtube.sessions:  # (only then, so TikTok-only worlds keep their id sequences)
            held += f":{len(data.youtube.sessions)}"
        return random.Random(f"{seed}:{held}:{data.last_time}")

    def sweep_expired_uploads(self) -> None:
        """Delete the part files of uploads whose URL expired unfinished (they can never end)."""
        now = self.clock.now()
        for post in self.world.data.posts.values():
            if post.upload_id is None or post.upload_completed_at is not None:
                continue
            if post.upload_expires_at is not None and now >= post.upload_expires_at:
                (self.world.uploads_dir / f"{post.upload_id}.part").unlink(missing_ok=True)

    def log_id(self) -> str:
        """Return a fresh TikTok-shaped log id."""
        return new_log_id(self.clock.now(), self.id_rng)

    def save(self, durable: bool = True) -> None:
        """Persist the world (see :meth:`SandboxWorld.save`)."""
        self.world.save(durable)

    # ------------------------------------------------------------------ posting checks
    def authenticate(self, request: Request) -> tuple[str, TokenRecord, Account]:
        """Return (token key, token record, account) for the request's bearer token.

        Raises:
            ApiError: 401 ``access_token_invalid`` for a missing, unknown, expired or revoked
                token, or an app (``clt.``) token.
        """
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value:
            raise ApiError(401, "access_token_invalid", "The access token is missing.")
        key = token_key(value)
        record = self.world.data.tokens.get(key)
        now = self.clock.now()
        if record is None or record.kind != "access":
            raise ApiError(401, "access_token_invalid", "The access token is invalid or not found.")
        if record.revoked:
            raise ApiError(401, "access_token_invalid", "The access token has been revoked.")
        if now >= record.expires_at:
            raise ApiError(401, "access_token_invalid", "The access token has expired.")
        account = self.world.find_account(open_id=record.open_id)
        if account is None:
            raise ApiError(401, "access_token_invalid", "The user of this token no longer exists.")
        return key, record, account

    def rate_limit(self, key: str, endpoint: str) -> None:
        """Admit the request into the (token, endpoint) window.

        Raises:
            ApiError: 429 ``rate_limit_exceeded`` when the window is full.
        """
        limit = self.options.rate_limits.get(endpoint)
        if limit is None:
            return
        wait = self.limiter.admit(
            (key, endpoint), limit, self.options.rate_window_sec, self.clock.now()
        )
        if wait is not None:
            raise self.too_many_requests(wait)

    def too_many_requests(self, wait: float) -> ApiError:
        """Return the 429 error, with Retry-After only when the option asks for it."""
        headers = {}
        if self.options.retry_after_header:
            headers["Retry-After"] = str(max(1, int(wait + 0.999)))
        return ApiError(
            429, "rate_limit_exceeded", "Too many requests; wait and try again.", headers
        )

    @staticmethod
    def require_scope(record: TokenRecord, *accepted: str) -> None:
        """Require one of ``accepted`` among the token's granted scopes.

        Raises:
            ApiError: 401 ``scope_not_authorized``.
        """
        if not any(scope in record.scopes for scope in accepted):
            raise ApiError(
                401,
                "scope_not_authorized",
                f"The user did not authorize the scope required: {' or '.join(accepted)}.",
            )

    def new_publish_id(self, prefix: str) -> str:
        """Return a publish_id shaped like the reference's examples (≤ 64 chars).

        ``v_pub_file~v2-1.<digits>`` for direct file uploads, ``<prefix>~v2.<digits>`` for
        the others (``v_inbox_file~v2.…``, ``v_pub_url~v2.…``).
        """
        version = "v2-1" if prefix == "v_pub_file" else "v2"
        while True:
            candidate = f"{prefix}~{version}.{self.id_rng.randrange(10**18, 10**19)}"
            if candidate not in self.world.data.posts:
                return candidate

    def new_post_id(self) -> int:
        """Return a 19-digit post id (reference §3.5: ids are ~19 digits, int64)."""
        return self.id_rng.randrange(7 * 10**18, 9 * 10**18)
