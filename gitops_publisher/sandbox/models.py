"""Persisted records of the sandbox world: the app, its accounts, tokens and posts.

The YouTube side (Google client, channels, tokens, upload sessions) is ``WorldData.youtube``
(``sandbox/youtube/models.py``).

Token values are never stored: tokens are keyed by their SHA-256, so ``world.json`` holds no
credential except the sandbox app's well-known client secret.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gitops_publisher.sandbox.youtube.models import YouTubeData

#: Well-known credentials of the default sandbox app (not secrets: they only open the sandbox).
SANDBOX_CLIENT_KEY = "sbawsandboxclientkey"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret-not-a-real-secret"

ALL_SCOPES = ("user.info.basic", "video.publish", "video.upload")

PUBLIC_OPTIONS = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
PRIVATE_OPTIONS = ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]


def _default_redirect_uris() -> list[str]:
    # Reference §1.1: desktop redirect URIs are loopback http with a (wildcard) port.
    return ["http://127.0.0.1:*/callback/", "http://localhost:*/callback/"]


class ClientApp(BaseModel):
    """The TikTok developer app that clients of the sandbox act as."""

    model_config = ConfigDict(extra="forbid")

    client_key: str = SANDBOX_CLIENT_KEY
    client_secret: str = SANDBOX_CLIENT_SECRET
    redirect_uris: list[str] = Field(default_factory=_default_redirect_uris)
    scopes: list[str] = Field(default_factory=lambda: list(ALL_SCOPES))
    verified_domains: list[str] = Field(default_factory=list)
    verified_url_prefixes: list[str] = Field(default_factory=list)


class Account(BaseModel):
    """A sandbox TikTok user (a creator clients can log in as and post for)."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    open_id: str = ""
    nickname: str = ""
    is_private: bool = False
    comment_disabled: bool = False
    duet_disabled: bool = False
    stitch_disabled: bool = False
    max_video_post_duration_sec: int = Field(default=600, gt=0)
    scopes: list[str] = Field(default_factory=lambda: list(ALL_SCOPES))
    banned: bool = False
    # Only read from a world file: registered (hashed) at load, then dropped from memory.
    refresh_token: str | None = None

    def privacy_level_options(self) -> list[str]:
        """Options offered to this creator (reference §3.1)."""
        return list(PRIVATE_OPTIONS if self.is_private else PUBLIC_OPTIONS)

    def effective_duet_disabled(self) -> bool:
        """Duet is disabled for private accounts or by setting (reference §3.1)."""
        return self.is_private or self.duet_disabled

    def effective_stitch_disabled(self) -> bool:
        """Stitch is disabled for private accounts or by setting (reference §3.1)."""
        return self.is_private or self.stitch_disabled


#: ``id()`` of every :class:`WorldRecord` assigned to since ``world.json`` last serialised it
#: (records are not hashable; a cached record is held alive, so its id is its own). A set of
#: the process rather than a flag on each record: reading and clearing a private attribute
#: of each of 180 records made a snapshot 2.5x slower (0.036 -> 0.089 ms, 2026-12-04).
ASSIGNED: set[int] = set()


class WorldRecord(BaseModel):
    """A record ``world.json`` keeps serialised between saves (tokens and posts).

    Its fields are scalars or tuples of them, so assigning a field is the only way it can
    change, and each assignment marks it in :data:`ASSIGNED`: ``WorldJson``
    (``sandbox/world.py``) serialises again only the records marked, instead of comparing
    every record's values at every save (about 4 µs a record, 0.9 ms a save with 100 posts).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        """Assign as pydantic does, and mark the record changed."""
        super().__setattr__(name, value)
        ASSIGNED.add(id(self))


class TokenRecord(WorldRecord):
    """One issued token, stored under the SHA-256 of its value."""

    kind: Literal["access", "refresh", "client"]
    open_id: str = ""
    scopes: tuple[str, ...] = ()
    issued_at: float
    expires_at: float
    family: str
    family_issued_at: float
    used: bool = False
    revoked: bool = False


class PostRecord(WorldRecord):
    """One init (direct or inbox) and everything that happened to it since."""

    publish_id: str
    open_id: str
    username: str
    mode: Literal["direct", "inbox"]
    source: Literal["FILE_UPLOAD", "PULL_FROM_URL"]
    created_at: float
    title: str = ""
    privacy_level: str | None = None
    effective_privacy: str | None = None
    disable_comment: bool = False
    disable_duet: bool = False
    disable_stitch: bool = False
    video_cover_timestamp_ms: int | None = None
    brand_content_toggle: bool = False
    brand_organic_toggle: bool = False
    is_aigc: bool = False
    video_url: str | None = None
    video_size: int = 0
    chunk_size: int = 0
    total_chunk_count: int = 0
    upload_id: str | None = None
    upload_token_sha256: str | None = None
    upload_expires_at: float | None = None
    received_bytes: int = 0
    next_chunk: int = 0
    failed_chunk_attempts: tuple[int, ...] = ()
    head_hex: str = ""
    upload_completed_at: float | None = None
    sha256: str | None = None
    is_video: bool | None = None
    duration_sec: float | None = None
    max_duration_sec: int = 600
    cancelled_at: float | None = None
    draft_posted_at: float | None = None
    post_id: int = 0

    @property
    def digest_key(self) -> str:
        """Key of this upload's hash job and name of its kept media file."""
        return self.publish_id.replace("~", "_")


class WorldData(BaseModel):
    """Everything ``world.json`` holds."""

    version: int = 1
    # Latest sandbox time saved with a change; the world directory's ``time`` file has the
    # latest answered at since (world.py: keep_time). A scaled clock restarts from the later.
    last_time: float = 0.0
    client: ClientApp = Field(default_factory=ClientApp)
    accounts: list[Account] = Field(default_factory=list)
    tokens: dict[str, TokenRecord] = Field(default_factory=dict)
    posts: dict[str, PostRecord] = Field(default_factory=dict)
    youtube: YouTubeData = Field(default_factory=YouTubeData)
