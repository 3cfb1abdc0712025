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
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
)

from gitops_publisher.core.policy_schema import Policy
from gitops_publisher.core.youtube_limits import (
    CategoryId,
    Description,
    Tags,
    Title,
    YouTubePrivacy,
)
from gitops_publisher.core.zoned import ZonedTime, zoned_to_instant

Privacy = Literal["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]
Mode = Literal["direct", "draft"]
OnMissed = Literal["skip", "publish", "fail"]

SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
ENV_PATTERN = r"^[A-Z_][A-Z0-9_]{0,127}$"
HASHTAG_PATTERN = r"^#?[^\s#@]+$"
HANDLE_PATTERN = r"^@?[A-Za-z0-9._-]{1,64}$"
OPEN_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
YOUTUBE_HANDLE_PATTERN = r"^@?[\w.-]{3,30}$"
CHANNEL_ID_PATTERN = r"^UC[A-Za-z0-9_-]{22}$"
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
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
    suffix: str = Field(
        "",
        description="Text added on its own line after the caption, unless the caption "
        "already contains it; missing default hashtags follow it on the same line.",
    )


class StateConfig(_Model):
    """Where the record of published posts lives."""

    backend: Literal["file", "git-branch"] = "file"
    path: str = Field(".publisher/state.json", description="State file, relative to the project.")
    branch: str = Field("publisher-state", description="Branch for the git-branch backend.")


# How many publishes of one account apply keeps in flight (started, not yet settled) unless
# the account says otherwise. 5, because: TikTok lets an account start 6 publishes per sliding
# minute, and a short video settles in seconds, so up to 5 posts of an account take about one
# processing time instead of five (bench/README.md, "apply across accounts"); 5 leaves one
# init of that minute for the engine's one new start after an expired upload URL; it is also
# the most drafts TikTok lets an account have pending. TikTok's documentation does not say
# whether it minds concurrent uploads to one account (reference §7 documents no limit on the
# upload PUTs): ``in_flight: 1`` goes back to one publish after another. Large videos stay
# one at a time anyway (the engine's transfer budget, ``apply/pipeline.py``).
DEFAULT_IN_FLIGHT = 5
MAX_IN_FLIGHT = 50


class _Account(_Model):
    """What every publishing account declares, whatever its platform."""

    refresh_token_env: Annotated[str, Field(pattern=ENV_PATTERN)] = Field(
        description="Environment variable holding the refresh token (secrets never live in YAML)."
    )
    timezone: TimeZoneName = Field("UTC", description="Schedules are shown in this zone.")
    caption: CaptionDefaults | None = Field(
        None,
        description="This account's caption suffix and hashtags, replacing defaults.caption as "
        "a whole (e.g. a brand posting in another language).",
    )
    in_flight: int = Field(
        DEFAULT_IN_FLIGHT,
        ge=1,
        le=MAX_IN_FLIGHT,
        description="How many publishes of this account apply keeps in flight at once "
        "(started and not yet settled), within the platform's rate limits and caps. "
        "1 publishes one post after another.",
    )


class TikTokAccount(_Account):
    """A TikTok user authorised for this app (``provider: tiktok``, the default)."""

    provider: Literal["tiktok"] = "tiktok"
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
    daily_post_cap: int = Field(15, ge=1, le=1000, description="TikTok's posts per 24 h.")

    @property
    def identity_handle(self) -> str | None:
        """The handle the account must be (``username``)."""
        return self.username

    @property
    def identity_id(self) -> str | None:
        """The platform id the account must be (``open_id``)."""
        return self.open_id


class YouTubeAccount(_Account):
    """A YouTube channel authorised through a Google "Desktop app" OAuth client."""

    provider: Literal["youtube"] = Field(description="This account is a YouTube channel.")
    handle: Annotated[str, Field(pattern=YOUTUBE_HANDLE_PATTERN)] | None = Field(
        None,
        description="The channel's @handle ('@' optional, any case). Login, plan and apply "
        "refuse a token of another channel. Without handle or channel_id the account is pinned "
        "to the first channel it publishes as.",
    )
    channel_id: Annotated[str, Field(pattern=CHANNEL_ID_PATTERN)] | None = Field(
        None,
        description="The channel id this account must be ('UC' and 22 characters, shown by "
        "`publisher auth status`). Set it to move the account to another channel on purpose.",
    )
    client_id_env: Annotated[str, Field(pattern=ENV_PATTERN)] = Field(
        "YOUTUBE_CLIENT_ID",
        description="Environment variable holding the Google OAuth client id (a 'Desktop app' "
        "client of your Google Cloud project).",
    )
    client_secret_env: Annotated[str, Field(pattern=ENV_PATTERN)] = Field(
        "YOUTUBE_CLIENT_SECRET",
        description="Environment variable holding that client's secret (never in YAML).",
    )
    testing_mode: bool = Field(
        False,
        description="The Google Cloud project's OAuth consent screen is in 'Testing': Google "
        "expires its refresh tokens 7 days after login (the API cannot tell). plan warns and "
        "`publisher auth status` says so.",
    )

    @property
    def identity_handle(self) -> str | None:
        """The handle the account must be (``handle``)."""
        return self.handle

    @property
    def identity_id(self) -> str | None:
        """The platform id the account must be (``channel_id``)."""
        return self.channel_id


def _provider_of(value: object) -> str:
    """The account's platform: ``provider:`` as written, TikTok when left out (as always)."""
    if isinstance(value, dict):
        provider = value.get("provider", "tiktok")
        return provider if isinstance(provider, str) else ""
    # Not a mapping: TikTok's model says what is wrong with it (a mapping of its fields).
    return str(getattr(value, "provider", "tiktok"))


#: One account of ``publisher.yaml``: ``provider:`` picks the model, and so the fields allowed.
AccountConfig = Annotated[
    Annotated[TikTokAccount, Tag("tiktok")] | Annotated[YouTubeAccount, Tag("youtube")],
    Discriminator(
        _provider_of,
        custom_error_type="provider",
        custom_error_message="provider must be tiktok or youtube",
    ),
]


class YouTubeFields(_Model):
    """What YouTube receives besides the video (the resource's snippet and status).

    Every field may be left out: a post's ``youtube:`` block overrides ``defaults.youtube``
    field by field, and with ``from_caption`` (the default) an unset title, description or
    tags is derived from the account's caption (docs/youtube.md says exactly how).
    """

    title: Title | None = Field(
        None,
        description="snippet.title: at most 100 characters (counted as UTF-16 code units: an "
        "emoji counts 2), no '<' or '>'. Unset: the caption's first line.",
    )
    description: Description | None = Field(
        None,
        description="snippet.description: at most 5,000 bytes of UTF-8, no '<' or '>'. "
        "Unset: the caption.",
    )
    tags: Tags | None = Field(
        None,
        description="snippet.tags: at most 500 characters in all, counted as YouTube does (a "
        "comma between tags counts, a tag with a space counts its quotes). Unset: the "
        "caption's #hashtags without '#'.",
    )
    category: CategoryId | None = Field(
        None,
        description="snippet.categoryId, e.g. 22 (People & Blogs), 27 (Education), 28 "
        "(Science & Technology). Unset: YouTube's default.",
    )
    privacy: YouTubePrivacy | None = Field(
        None,
        description="status.privacyStatus: public | unlisted | private. With publish_at it "
        "must be private: YouTube keeps the video private and makes it public at publish_at.",
    )
    made_for_kids: bool | None = Field(
        None,
        description="status.selfDeclaredMadeForKids. Unset: not sent (the channel's default "
        "audience applies).",
    )
    contains_synthetic_media: bool | None = Field(
        None,
        description="status.containsSyntheticMedia (altered or synthetic content). Unset: "
        "disclosure.ai_generated when the post or the defaults declare a disclosure.",
    )
    notify_subscribers: bool | None = Field(
        None, description="Tell subscribers about the upload (default true, as YouTube's)."
    )
    default_language: Annotated[str, Field(pattern=LANGUAGE_PATTERN)] | None = Field(
        None,
        description="snippet.defaultLanguage: the language of title and description, e.g. en, "
        "en-US, pt-BR.",
    )
    from_caption: bool | None = Field(
        None,
        description="Derive an unset title, description and tags from the account's caption "
        "(default true). false: a title is required and nothing else is derived.",
    )


class Defaults(_Model):
    """Values merged into every post that does not set them."""

    privacy: Privacy | None = None
    interactions: Interactions | None = None
    mode: Mode = "direct"
    disclosure: Disclosure | None = None
    caption: CaptionDefaults = Field(default_factory=CaptionDefaults)
    on_missed: OnMissed = "publish"
    youtube: YouTubeFields | None = Field(
        None, description="YouTube fields of every post that leaves them out."
    )


class YouTubeQuotaModel(_Model):
    """How YouTube charges uploads against a Google Cloud project's daily quota.

    Since 2026-06-01 ``videos.insert`` has its own bucket (100 calls a day, one per upload)
    beside the 10,000 daily units of every other call; before, each upload took 1,600 of
    those units. Quotas reset at midnight Pacific Time.
    """

    model: Literal["uploads", "units"] = Field(
        "uploads",
        description="uploads: videos.insert has its own daily bucket (YouTube's model since "
        "2026-06-01); units: each upload costs upload_units of the daily units (the model "
        "before, for projects still on it).",
    )
    uploads_per_day: int = Field(
        100, ge=1, description="videos.insert calls a day (model: uploads); more after an audit."
    )
    units_per_day: int = Field(10_000, ge=1, description="Units a day for every other call.")
    upload_units: int = Field(1600, ge=1, description="Units one upload costs (model: units).")


class YouTubeSettings(_Model):
    """Settings of the YouTube platform, for every YouTube account."""

    quota: YouTubeQuotaModel = Field(
        default_factory=YouTubeQuotaModel,
        description="The Google Cloud project's quota the plan counts uploads against.",
    )


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
    youtube: YouTubeSettings = Field(
        default_factory=YouTubeSettings,
        description="YouTube settings (the API quota model); what posts send is under "
        "defaults.youtube.",
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
        None,
        description="End of the publish window (same forms as publish_at): once it has "
        "passed with the post unpublished, on_missed decides (by default it is published late).",
    )
    on_missed: OnMissed | None = Field(
        None,
        description="What to do once not_after has passed with the post unpublished: skip, "
        "publish (late; the default, from defaults.on_missed) or fail.",
    )
    mode: Mode | None = None
    disclosure: Disclosure | None = None
    youtube: YouTubeFields | None = Field(
        None,
        description="What the post's YouTube accounts receive besides the video (title, "
        "description, tags, category, privacy...); TikTok accounts ignore it.",
    )

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
