"""Typed payloads of TikTok's Content Posting API (reference §3).

Requests are built from these models and serialised without ``None`` fields; responses are
validated into them with unknown fields ignored (TikTok adds fields without notice).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PrivacyLevel = Literal[
    "PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"
]

# status/fetch ``status`` values (reference §3.5).
PROCESSING_UPLOAD = "PROCESSING_UPLOAD"
PROCESSING_DOWNLOAD = "PROCESSING_DOWNLOAD"
SEND_TO_USER_INBOX = "SEND_TO_USER_INBOX"
PUBLISH_COMPLETE = "PUBLISH_COMPLETE"
FAILED = "FAILED"

# fail_reason values after which a new attempt is reasonable (reference §3.5): ``internal``
# (TikTok's own error, "retryable"), ``video_pull_failed`` and ``photo_pull_failed`` (a
# connection error or the 1 h download limit), and ``spam_risk_too_many_posts`` (the daily
# cap: a later run may fit). The others name the video, the caption or the account: the same
# attempt would fail again. The one list of TikTok's retryable reasons: the planner asks it
# through the registry (``platform.py``); the engine's own are ``core.state.ABANDONED_REASONS``.
RETRYABLE_FAIL_REASONS = frozenset(
    {"internal", "video_pull_failed", "photo_pull_failed", "spam_risk_too_many_posts"}
)


def retryable_failure(reason: str) -> bool:
    """Whether TikTok's ``fail_reason`` allows publishing the post again."""
    return reason in RETRYABLE_FAIL_REASONS


class PostInfo(BaseModel):
    """``post_info`` of a Direct Post init (reference §3.2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    privacy_level: PrivacyLevel
    title: str | None = None
    disable_duet: bool = False
    disable_stitch: bool = False
    disable_comment: bool = False
    video_cover_timestamp_ms: int | None = None
    # The reference marks it required (UNCERTAIN whether enforced): always sent.
    brand_content_toggle: bool = False
    brand_organic_toggle: bool = False
    is_aigc: bool = False


class SourceInfo(BaseModel):
    """``source_info`` of an init: FILE_UPLOAD sizes or a PULL_FROM_URL address."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: Literal["FILE_UPLOAD", "PULL_FROM_URL"]
    video_size: int | None = None
    chunk_size: int | None = None
    total_chunk_count: int | None = None
    video_url: str | None = None

    @classmethod
    def file_upload(cls, video_size: int, chunk_size: int, total_chunk_count: int) -> SourceInfo:
        """Return a FILE_UPLOAD source; take the numbers from :func:`chunks.plan_chunks`."""
        return cls(
            source="FILE_UPLOAD",
            video_size=video_size,
            chunk_size=chunk_size,
            total_chunk_count=total_chunk_count,
        )


class CreatorInfo(BaseModel):
    """``data`` of creator_info/query (reference §3.1)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    creator_avatar_url: str = ""
    creator_username: str = ""
    creator_nickname: str = ""
    privacy_level_options: list[str] = Field(default_factory=list)
    comment_disabled: bool = False
    duet_disabled: bool = False
    stitch_disabled: bool = False
    max_video_post_duration_sec: int = 0


class InitResult(BaseModel):
    """``data`` of an init: the publish_id, and the upload_url for FILE_UPLOAD."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    publish_id: str = Field(min_length=1)
    upload_url: str | None = None


class PublishStatus(BaseModel):
    """``data`` of status/fetch (reference §3.5).

    ``post_ids`` comes from the misspelt ``publicaly_available_post_id``: 19-digit integers
    kept exact as decimal strings (Python's json keeps ints exact; floats are refused because
    they have already lost digits).
    """

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    status: str
    fail_reason: str | None = None
    post_ids: list[str] = Field(default_factory=list, alias="publicaly_available_post_id")
    uploaded_bytes: int | None = None
    downloaded_bytes: int | None = None

    @field_validator("post_ids", mode="before")
    @classmethod
    def _exact_ids(cls, value: Any) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise ValueError("publicaly_available_post_id must be a list")
        ids: list[str] = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int | str):
                raise ValueError("post ids must be integers (a float would have lost digits)")
            text = str(item)
            if not text.isdigit():
                raise ValueError("post ids must be decimal digits")
            ids.append(text)
        return ids

    @property
    def is_terminal(self) -> bool:
        """True when TikTok will not move this publish_id any further by itself.

        SEND_TO_USER_INBOX counts as terminal for a draft: the rest is up to the user.
        """
        return self.status in (FAILED, PUBLISH_COMPLETE, SEND_TO_USER_INBOX)

    @property
    def retryable_failure(self) -> bool:
        """True when the post FAILED for a reason a new attempt may fix."""
        return self.status == FAILED and retryable_failure(self.fail_reason or "")
