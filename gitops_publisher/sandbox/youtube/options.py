"""Behaviour switches of the YouTube emulator (``SandboxOptions.youtube``).

Defaults follow ``docs/reference/youtube-data-api.md`` (its §9, "emulator defaults"); a switch
that exists because the reference marks a point **UNCERTAIN** says so next to it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DAY = 86_400


class YouTubeOptions(BaseModel):
    """Everything about the YouTube emulator's behaviour a test may want to change."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # --- OAuth (reference §1) ---
    # Real responses say 3599 (the docs' example 3920); clients must read expires_in.
    access_token_ttl_sec: int = Field(default=3599, gt=0)
    auth_code_ttl_sec: int = Field(default=600, gt=0)
    # A consent screen in "Testing" publishing status: refresh tokens die after 7 days.
    testing_mode: bool = False
    testing_refresh_ttl_sec: int = Field(default=7 * DAY, gt=0)
    # Refresh tokens unused this long stop working (six months).
    unused_refresh_ttl_sec: int = Field(default=182 * DAY, gt=0)
    # Live refresh tokens per channel and client; the oldest is silently invalidated.
    refresh_token_cap: int = Field(default=100, gt=0)
    # Google does not rotate refresh tokens; this switch makes every refresh return a new one.
    rotate_refresh_tokens: bool = False
    # Pitfall 2 of the reference: a re-consent answered without refresh_token.
    omit_refresh_token_on_reconsent: bool = False
    # Google recommends PKCE for installed apps but does not require it.
    require_pkce: bool = False
    # --- Resumable upload (reference §2) ---
    # UNCERTAIN lifetime: Drive/GCS document one week.
    session_ttl_sec: float = Field(default=7 * DAY, gt=0)
    # Completed sessions replay their final answer forever (§9); true: they expire too, which
    # is when a client that lost the answer and re-POSTs would duplicate (§6).
    completed_sessions_expire: bool = False
    # The answer of an expired session: 404 per the guide; GCS also answers 410 (UNCERTAIN
    # for YouTube, clients restart on both).
    expired_session_status: Literal[404, 410] = 404
    # Non-final chunks must be multiples of 256 KiB: "reject" answers 400; "persist_aligned"
    # keeps the aligned prefix and answers 308 (UNCERTAIN which one YouTube does).
    chunk_rule: Literal["reject", "persist_aligned"] = "reject"
    # What a body cut off mid-chunk leaves (UNCERTAIN granularity; GCS keeps 256 KiB units).
    partial_chunks: Literal["aligned", "all", "none"] = "aligned"
    # The final answer: 201 Created per the guide; some servers answer 200.
    final_status: Literal[200, 201] = 201
    # UNCERTAIN: whether session PUTs need Authorization (GCS: the URI is the credential).
    strict_session_auth: bool = False
    max_video_bytes: int = Field(default=274_877_906_944, gt=0)
    # uploadType=multipart bodies are read into memory: larger ones get 413 (use resumable).
    multipart_max_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    # --- Processing (reference §4, no documented timing) ---
    processing_base_sec: float = Field(default=5.0, ge=0)
    processing_sec_per_gib: float = Field(default=60.0, ge=0)
    # Same bytes as an earlier video of the channel: rejected / duplicate after processing.
    reject_duplicates: bool = False
    # Pre-2026-11 behaviour of unaudited projects: every upload reads back private.
    legacy_unverified_lock: bool = False
    # --- Quota (reference §5.1) ---
    # "buckets": since 2026-06-01, 100 videos.insert calls/day in their own bucket, 10,000
    # units for the rest; "units_1600": before 2025-12-04, insert = 1600 units of the pool;
    # "units_100": 2025-12-04 .. 2026-05-31, insert = 100 units.
    quota_model: Literal["buckets", "units_1600", "units_100"] = "buckets"
    daily_units: int = Field(default=10_000, ge=0)
    daily_uploads: int = Field(default=100, ge=0)
