"""Persisted records of the YouTube side of the sandbox world.

Token values are never stored: tokens are keyed by their SHA-256 (``sandbox.tokens.token_key``),
so ``world.json`` holds no credential except the sandbox OAuth client's well-known secret.
An upload session is the YouTube "post": it is created by the initiating POST, receives the
bytes, and becomes a video (``video_id``) when the last byte arrives.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Well-known credentials of the default sandbox Google OAuth client ("Desktop app" type).
#: Not secrets: they only open the sandbox.
SANDBOX_GOOGLE_CLIENT_ID = "sandbox-desktop-client.apps.googleusercontent.com"
SANDBOX_GOOGLE_CLIENT_SECRET = "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cret"

SCOPE_PREFIX = "https://www.googleapis.com/auth/"
#: Every YouTube scope the sandbox knows (reference §1.5), full URLs.
YOUTUBE_SCOPES = tuple(
    SCOPE_PREFIX + name
    for name in (
        "youtube",
        "youtube.upload",
        "youtube.readonly",
        "youtube.force-ssl",
        "youtubepartner",
    )
)
#: Identity scopes: a grant made of these only never expires in testing mode (reference §1.4).
IDENTITY_SCOPES = (
    "openid",
    "email",
    "profile",
    SCOPE_PREFIX + "userinfo.email",
    SCOPE_PREFIX + "userinfo.profile",
)


class GoogleClient(BaseModel):
    """The Google Cloud OAuth client (type "Desktop app") clients of the sandbox act as."""

    model_config = ConfigDict(extra="forbid")

    client_id: str = SANDBOX_GOOGLE_CLIENT_ID
    client_secret: str = SANDBOX_GOOGLE_CLIENT_SECRET


class Channel(BaseModel):
    """A sandbox YouTube channel (and the Google account that owns it).

    Attributes:
        handle: the channel's ``@handle`` (``customUrl``), unique; the login name.
        id: ``UC`` + 22 characters; generated when empty.
        scopes: what the user grants when asked (full scope URLs); a requested scope missing
            here is "unticked" on the consent screen (granular consent, reference §1.3).
        daily_upload_limit: the per-channel 24 h upload cap behind ``uploadLimitExceeded``
            (reference §5.3: no number published, so none by default).
    """

    model_config = ConfigDict(extra="forbid")

    handle: str = Field(min_length=2, max_length=100, pattern=r"^@[A-Za-z0-9._-]+$")
    id: str = ""
    title: str = ""
    description: str = ""
    scopes: list[str] = Field(default_factory=lambda: [*YOUTUBE_SCOPES, *IDENTITY_SCOPES])
    daily_upload_limit: int | None = Field(default=None, ge=0)
    # False: a Google account that never created its channel (channels.list mine is empty,
    # videos.insert answers 401 youtubeSignupRequired, reference §5.3).
    has_channel: bool = True
    created_at: float = 0.0
    # Only read from a world file: registered (hashed) at load, then dropped.
    refresh_token: str | None = None

    @property
    def uploads_playlist(self) -> str:
        """The channel's uploads playlist id (``UU`` + the id's tail, as YouTube does)."""
        return "UU" + self.id[2:]


class GoogleToken(BaseModel):
    """One issued Google token, stored under the SHA-256 of its value.

    ``grant`` ties the access tokens minted from a refresh token to it, so revoking either
    ends the whole grant (reference §1.4). ``expires_at`` None: never expires by time.
    """

    kind: Literal["access", "refresh"]
    channel_id: str
    scopes: list[str] = Field(default_factory=list)
    grant: str
    issued_at: float
    expires_at: float | None = None
    last_used_at: float = 0.0
    revoked: bool = False


class UploadSession(BaseModel):
    """One initiating POST (a resumable session) and the video it became."""

    upload_id: str
    channel_id: str
    handle: str
    created_at: float
    expires_at: float
    parts: list[str] = Field(default_factory=list)
    resource: dict[str, Any] = Field(default_factory=dict)
    notify_subscribers: bool = True
    content_type: str = "application/octet-stream"
    total: int | None = None
    received_bytes: int = 0
    chunks_accepted: int = 0
    failed_chunk_attempts: list[int] = Field(default_factory=list)
    head_hex: str = ""
    upload_completed_at: float | None = None
    video_id: str | None = None
    # The final answer, replayed verbatim to every later PUT of the session (reference §2.6).
    final_status: int | None = None
    final_body: dict[str, Any] | None = None
    sha256: str | None = None
    is_video: bool | None = None
    duration_sec: float | None = None
    # Scripted end of processing: {"uploadStatus": "failed"|"rejected", "reason": ...}
    # or {"uploadStatus": "stuck"} (processing never ends).
    outcome: dict[str, str] | None = None
    # videos.delete: when its owner deleted the video (no list shows it any more).
    deleted_at: float | None = None

    @property
    def digest_key(self) -> str:
        """Key of this upload's hash job and name of its kept media file."""
        return "yt-" + self.upload_id


class QuotaDay(BaseModel):
    """Quota used on one Pacific-time day (reference §5.1: resets at midnight PT)."""

    day: str = ""
    units: int = 0
    uploads: int = 0


class YouTubeData(BaseModel):
    """Everything ``world.json`` holds for YouTube."""

    client: GoogleClient = Field(default_factory=GoogleClient)
    channels: list[Channel] = Field(default_factory=list)
    tokens: dict[str, GoogleToken] = Field(default_factory=dict)
    sessions: dict[str, UploadSession] = Field(default_factory=dict)
    quota: QuotaDay = Field(default_factory=QuotaDay)
