"""Config (``publisher.yaml``) and post manifest models.

Frozen pydantic models with ``extra="forbid"``: a typo in a key is an error, not a silently
ignored field. The JSON Schemas in ``schema/`` are generated from these models
(``gitops_publisher.core.schemas``), so editors validate and complete the same rules.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from gitops_publisher.core.policy import Policy
from gitops_publisher.core.zoned import ZonedTime, zoned_to_instant

Privacy = Literal["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]
Mode = Literal["direct", "draft"]
OnMissed = Literal["skip", "publish", "fail"]

SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
ENV_PATTERN = r"^[A-Z_][A-Z0-9_]{0,127}$"
HASHTAG_PATTERN = r"^#?[^\s#@]+$"
HANDLE_PATTERN = r"^@?[A-Za-z0-9._-]{1,64}$"
OPEN_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
MAX_CAPTION_UTF16 = 2200


def _check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            "unknown time zone; use an IANA name such as 'America/New_York' or 'UTC'"
        ) from exc
    return name


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]
#: An instant: ISO 8601 with an offset, or ``{at: "2026-12-01 09:00", tz: Europe/Paris}``.
ScheduleTime = Annotated[
    AwareDatetime,
    BeforeValidator(zoned_to_instant, json_schema_input_type=AwareDatetime | ZonedTime),
]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Interactions(_Model):
    """What viewers may do; TikTok's API takes the negations (``disable_comment``...)."""

    comments: bool = Field(False, description="Allow comments.")
    duet: bool = Field(False, description="Allow duets.")
    stitch: bool = Field(False, description="Allow stitches.")


class Disclosure(_Model):
    """Commercial content and AI disclosure, sent as TikTok's toggles."""

    brand_content: bool = Field(False, description="Paid partnership (third-party brand).")
    brand_organic: bool = Field(False, description="Promotes the creator's own business.")
    ai_generated: bool = Field(False, description="Label as AI-generated content.")


class CaptionDefaults(_Model):
    """Caption helpers so a team keeps captions consistent."""

    hashtags: list[Annotated[str, Field(pattern=HASHTAG_PATTERN)]] = Field(
        default_factory=list, description="Hashtags appended to every caption unless present."
    )
    suffix: str = Field("", description="Text appended after the caption (before hashtags).")


class StateConfig(_Model):
    """Where the record of published posts lives."""

    backend: Literal["file", "git-branch"] = "file"
    path: str = Field(".publisher/state.json", description="State file, relative to the project.")
    branch: str = Field("publisher-state", description="Branch for the git-branch backend.")


class AccountConfig(_Model):
    """One publishing account (a TikTok user authorised for this app)."""

    provider: Literal["tiktok"] = "tiktok"
    refresh_token_env: Annotated[str, Field(pattern=ENV_PATTERN)] = Field(
        description="Environment variable holding the refresh token (secrets never live in YAML)."
    )
    username: Annotated[str, Field(pattern=HANDLE_PATTERN)] | None = Field(
        None,
        description="The TikTok handle this account must be (creator_username, '@' optional). "
        "Login, plan and apply refuse a token of another user. Without username or open_id the "
        "account is pinned to the first user it publishes as.",
    )
    open_id: Annotated[str, Field(pattern=OPEN_ID_PATTERN)] | None = Field(
        None,
        description="The TikTok open_id this account must be (shown by `publisher auth "
        "status`). Set it to move the account to another user on purpose.",
    )
    timezone: TimeZoneName = Field("UTC", description="Schedules are shown in this zone.")
    daily_post_cap: int = Field(15, ge=1, le=1000, description="TikTok's posts per 24 h.")
    caption: CaptionDefaults | None = Field(
        None,
        description="This account's caption suffix and hashtags, replacing defaults.caption as "
        "a whole (e.g. a brand posting in another language).",
    )


class Defaults(_Model):
    """Values merged into every post that does not set them."""

    privacy: Privacy | None = None
    interactions: Interactions | None = None
    mode: Mode = "direct"
    disclosure: Disclosure | None = None
    caption: CaptionDefaults = Field(default_factory=CaptionDefaults)
    on_missed: OnMissed = "publish"


class Notifier(_Model):
    """A webhook told what an apply published, failed or skipped, with each post's URL."""

    kind: Literal["slack", "json"] = Field(
        description="slack: a Slack (or Slack-compatible) incoming webhook; json: a generic "
        "JSON POST of the results."
    )
    url_env: Annotated[str, Field(pattern=ENV_PATTERN)] = Field(
        description="Environment variable holding the webhook URL (a secret: never in YAML, "
        "never printed)."
    )
    when: Literal["changes", "failures", "always"] = Field(
        "changes",
        description="changes: after an apply that published, failed or skipped something; "
        "failures: only when something failed; always: after every apply.",
    )


class Config(_Model):
    """``publisher.yaml``."""

    version: Literal[1] = Field(
        description="The file format's version; required, so that a future format is never "
        "read as this one."
    )
    state: StateConfig = Field(default_factory=StateConfig)
    accounts: dict[Slug, AccountConfig] = Field(min_length=1)
    defaults: Defaults = Field(default_factory=Defaults)
    policy: Policy = Field(
        default_factory=Policy,
        description="Content policy checked by validate and plan (banned terms, disclosure "
        "text, hashtag and mention limits, AI declaration, caption pattern).",
    )
    notify: list[Notifier] = Field(
        default_factory=list,
        description="Webhooks notified after each apply (URLs come from environment variables).",
    )


class PostManifest(_Model):
    """One post, published once per account it lists."""

    version: Literal[1] = 1
    id: Slug = Field(description="Stable identity; renaming the file does not re-post.")
    previous_ids: list[Slug] = Field(
        default_factory=list,
        description="Ids this post had before (a rename): their state records move to this "
        "id, so the post is not published again. Keep them; they do nothing once moved.",
    )
    accounts: list[Slug] = Field(min_length=1, description="Fan-out: one post per account.")
    video: str = Field(min_length=1, description="Path of the video inside the repository.")
    caption: str = Field("", description="Caption; #hashtags and @mentions are parsed by TikTok.")
    caption_defaults: bool = Field(True, description="Apply the config's caption suffix/hashtags.")
    captions: dict[Slug, str] = Field(
        default_factory=dict,
        description="Per-account captions replacing `caption` for the accounts named (each one "
        "listed in accounts:), e.g. {brand-jp: '新作です'}; defaults and policy apply to each.",
    )
    privacy: Privacy | None = None
    interactions: Interactions | None = None
    cover_timestamp_ms: int | None = Field(None, ge=0, le=600_000)
    publish_at: ScheduleTime | None = Field(
        None,
        description="When to publish: with an offset (2026-12-01T09:00:00-05:00) or as "
        "{at: '2026-12-01 09:00', tz: Europe/Paris} (DST-correct).",
    )
    not_after: ScheduleTime | None = Field(
        None, description="Do not publish after this time (same forms as publish_at)."
    )
    on_missed: OnMissed | None = Field(
        None,
        description="If publish_at passed while nothing ran (past not_after): skip|publish|fail.",
    )
    mode: Mode | None = None
    disclosure: Disclosure | None = None

    # Field validators (not a model validator) so that an error is reported on the field's
    # own line: a model-level error has no location inside the document.
    @field_validator("accounts")
    @classmethod
    def _distinct_accounts(cls, accounts: list[str]) -> list[str]:
        if len(set(accounts)) != len(accounts):
            raise ValueError("accounts lists the same account twice")
        return accounts

    @field_validator("previous_ids")
    @classmethod
    def _distinct_previous_ids(cls, previous: list[str], info: ValidationInfo) -> list[str]:
        if len(set(previous)) != len(previous):
            raise ValueError("previous_ids lists the same id twice")
        if info.data.get("id") in previous:
            raise ValueError("previous_ids lists the post's own id")
        return previous

    @field_validator("not_after")
    @classmethod
    def _window(cls, not_after: datetime | None, info: ValidationInfo) -> datetime | None:
        publish_at = info.data.get("publish_at")  # validated first: declared before not_after
        if not_after is not None and publish_at is not None and not_after <= publish_at:
            raise ValueError("not_after must be later than publish_at")
        return not_after
