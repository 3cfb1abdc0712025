"""Behaviour switches of the sandbox, including seeded fault injection.

Defaults follow the newest reading of the reference
(``docs/reference/tiktok-content-posting-api.md``); each switch that exists because the
reference marks a point **UNCERTAIN** says so next to it. Options can be replaced at runtime
through ``PUT /_sandbox/options`` and ``PUT /_sandbox/faults``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gitops_publisher.sandbox.youtube.options import YouTubeOptions
from gitops_publisher.sandbox.youtube.paths import YOUTUBE_ENDPOINTS

#: Names used to address one endpoint in fault specs, rate limits and the request log.
ENDPOINTS: tuple[str, ...] = (
    "authorize",
    "token",
    "revoke",
    "creator_info",
    "video_init",
    "inbox_init",
    "upload",
    "status",
    "cancel",
    *YOUTUBE_ENDPOINTS,
)


class FaultSpec(BaseModel):
    """Faults injected into one endpoint; probabilities are drawn from the seeded RNG.

    Attributes:
        error_rate: share of requests answered with ``error_status`` (5xx) before handling.
        error_status: the 5xx status used by ``error_rate`` and ``fail_chunk``.
        drop_rate: share of requests whose connection is closed before handling, no response.
        drop_after_rate: share of requests handled normally whose response is then lost
            (connection closed instead): the "init succeeded but the client never heard" case.
        latency_sec: delay (clock time) added before handling each request.
        rate_limit_rate: share of requests answered 429 ``rate_limit_exceeded`` regardless of
            the real window.
        expire_upload_urls: upload only: every PUT is answered 403 as if the URL had expired
            (``youtube_upload``: 404, every session has expired).
        fail_chunk: upload only: 1-based chunk number whose FIRST attempt in each upload is
            answered ``error_status`` (the body is discarded); a retry of it succeeds.
    """

    model_config = ConfigDict(extra="forbid")

    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    error_status: int = Field(default=500, ge=500, le=599)
    drop_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    drop_after_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    latency_sec: float = Field(default=0.0, ge=0.0)
    rate_limit_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    expire_upload_urls: bool = False
    fail_chunk: int | None = Field(default=None, ge=1)


def _default_rate_limits() -> dict[str, int | None]:
    # Reference §7: init endpoints 6/min, creator_info 20/min, status 30/min per user token.
    return {"video_init": 6, "inbox_init": 6, "creator_info": 20, "status": 30}


#: The endpoints with a rate-limit window (reference §7 documents no limit for the others).
RATE_LIMITED: tuple[str, ...] = tuple(_default_rate_limits())


def check_fault_endpoints(names: Iterable[str]) -> None:
    """Refuse fault specs for endpoints that do not exist (a typo would inject nothing).

    Raises:
        ValueError: naming the unknown endpoints and the known ones.
    """
    unknown = sorted(set(names) - set(ENDPOINTS) - {"*"})
    if unknown:
        raise ValueError(f"unknown endpoints {unknown}; known: {list(ENDPOINTS)}")


class SandboxOptions(BaseModel):
    """Everything about the emulator's behaviour that a test may want to change."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    seed: int = 0
    # --- OAuth (reference §1) ---
    # UNCERTAIN lifetimes: newest docs say 2 h / 180 days, classic docs 24 h / 365 days.
    access_token_ttl_sec: int = Field(default=7200, gt=0)
    refresh_token_ttl_sec: int = Field(default=15_552_000, gt=0)
    # UNCERTAIN: classic docs count refresh expiry "from first issue"; newest give a fresh
    # refresh_expires_in with every rotated token (the default here).
    refresh_expiry_from_first_issue: bool = False
    auth_code_ttl_sec: int = Field(default=600, gt=0)
    # UNCERTAIN whether TikTok also accepts RFC 7636 base64url challenges; documented: hex.
    pkce_accept_base64url: bool = False
    # The desktop flow requires PKCE; the web doc does not list it (UNCERTAIN for web).
    require_pkce: bool = True
    # UNCERTAIN: the HTTP status of OAuth errors is undocumented; 400/5xx by default, or 200
    # with the error body to test client tolerance.
    oauth_errors_http_200: bool = False
    # --- Envelope (reference §4) ---
    # Docs say invalid_param; the generic page and live traffic say invalid_params (default).
    invalid_param_code: Literal["invalid_params", "invalid_param"] = "invalid_params"
    # --- Limits (reference §7, §8) ---
    # Every limited endpoint's requests per window, None: unlimited. A partial map given
    # (a file, the constructor, PUT /_sandbox/options) merges into the defaults, or the
    # current map for PUT; null removes one limit, and a null map all of them.
    rate_limits: dict[str, int | None] = Field(default_factory=_default_rate_limits)
    rate_window_sec: float = Field(default=60.0, gt=0)
    # No Retry-After is documented; off by default, the client must not depend on it.
    retry_after_header: bool = False
    daily_post_cap: int = Field(default=15, ge=0)
    pending_share_cap: int = Field(default=5, ge=0)
    unaudited_client: bool = False
    unaudited_user_cap: int = Field(default=5, ge=0)
    # UNCERTAIN: the unaudited rules are written for Direct Post; third parties say inbox
    # drafts work unaudited (the default here).
    unaudited_applies_to_inbox: bool = False
    # Per-client daily cap of posting users for an audited client (None = no cap).
    active_user_cap: int | None = Field(default=None, ge=0)
    # --- Media transfer (reference §5) ---
    # UNCERTAIN unit of "MB": MiB by default (the 4 MB = 4,194,304 B example); 1_000_000 for
    # decimal; tests set a small value to keep bodies tiny.
    mb_bytes: int = Field(default=1_048_576, gt=0)
    # UNCERTAIN: total_chunk_count 1 with chunk_size < video_size passes rules 1-2 literally;
    # accepted unless strict.
    strict_single_chunk: bool = False
    upload_url_ttl_sec: float = Field(default=3600.0, gt=0)
    # UNCERTAIN: the PUT's progress header "bytes 0-{UPLOADED_BYTES}/{TOTAL}" may carry the
    # count (default, as written) or the last index received (this switch).
    progress_range_last_index: bool = False
    # --- Processing (reference §3.5 timing) ---
    processing_base_sec: float = Field(default=2.0, ge=0)
    processing_sec_per_gib: float = Field(default=30.0, ge=0)
    moderation_sec: float = Field(default=10.0, ge=0)
    pull_download_sec: float = Field(default=5.0, ge=0)
    # UNCERTAIN whether brand_content_toggle (marked required) is enforced; off by default.
    require_brand_content_toggle: bool = False
    # Keep assembled uploads on disk under <world dir>/media/ (off: only the sha256 is kept).
    keep_media: bool = False
    # --- YouTube (docs/reference/youtube-data-api.md) ---
    youtube: YouTubeOptions = Field(default_factory=YouTubeOptions)
    # --- Faults: endpoint name (see ENDPOINTS) or "*" for every endpoint -> spec ---
    faults: dict[str, FaultSpec] = Field(default_factory=dict)

    @field_validator("faults")
    @classmethod
    def _known_fault_endpoints(cls, faults: dict[str, FaultSpec]) -> dict[str, FaultSpec]:
        check_fault_endpoints(faults)
        return faults

    @field_validator("rate_limits", mode="before")
    @classmethod
    def _limits_over_defaults(cls, limits: object) -> object:
        """A partial map keeps the other endpoints' default limits (null: none at all).

        Replacing the whole map silently left every endpoint it did not name unlimited.
        """
        if limits is None:
            return dict.fromkeys(RATE_LIMITED)
        if isinstance(limits, dict):
            return {**_default_rate_limits(), **limits}
        return limits

    @field_validator("rate_limits")
    @classmethod
    def _known_rate_limits(cls, limits: dict[str, int | None]) -> dict[str, int | None]:
        unknown = sorted(set(limits) - set(RATE_LIMITED))
        if unknown:
            raise ValueError(
                f"unknown or unlimited endpoints {unknown}; limited: {list(RATE_LIMITED)}"
            )
        if any(limit is not None and limit < 0 for limit in limits.values()):
            raise ValueError("a limit is a number of requests per window, >= 0 (null: none)")
        return limits

    @property
    def max_video_bytes(self) -> int:
        """Largest accepted video: 4 GB in the configured unit (reference §6)."""
        return 4 * 1024 * self.mb_bytes

    def fault_for(self, endpoint: str) -> FaultSpec | None:
        """Return the fault spec for ``endpoint``, falling back to ``"*"``."""
        return self.faults.get(endpoint) or self.faults.get("*")
