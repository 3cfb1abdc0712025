"""A plan is a value: what apply will do, per address, and why.

Plans are pydantic models so that ``--format json`` and saved plan files (``-o``) share one
documented, versioned schema (``schema/plan.schema.json``).
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gitops_publisher.core.state import Endpoint

PLAN_FORMAT_VERSION = 1


class Action(StrEnum):
    """What apply does for one address (design §4)."""

    CREATE = "create"  # not in state, due now: publish
    WAIT = "wait"  # not in state, publish_at in the future: nothing yet
    RESUME = "resume"  # outcome unknown: ask TikTok before anything else
    RETRY = "retry"  # failed retryably, or an init that sent no byte: publish again
    NOOP = "noop"  # published and unchanged
    DRIFT = "drift"  # published, manifest or video changed since: warn only
    REPLACE = "replace"  # --replace: publish anew although published
    ORPHAN = "orphan"  # in state, no manifest: warn only
    FAILED = "failed"  # TikTok rejected it for good; unchanged since: nothing
    SKIP = "skip"  # the publish window passed and on_missed is skip
    UNREVIEWED = "unreviewed"  # no merged pull request's plan showed it so: nothing (§12)


#: Actions that make apply talk to TikTok.
ACTING: frozenset[Action] = frozenset({Action.CREATE, Action.RESUME, Action.RETRY, Action.REPLACE})
#: Actions that publish a new post (use an init).
PUBLISHING: frozenset[Action] = frozenset({Action.CREATE, Action.RETRY, Action.REPLACE})

SYMBOLS: dict[Action, str] = {
    Action.CREATE: "+",
    Action.WAIT: "…",
    Action.RESUME: "?",
    Action.RETRY: "↻",
    Action.NOOP: " ",
    Action.DRIFT: "~",
    Action.REPLACE: "±",
    Action.ORPHAN: "-",
    Action.FAILED: "!",
    Action.SKIP: "×",
    Action.UNREVIEWED: "⊘",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MediaSummary(_Model):
    """What pre-flight read from a change's video, shown to the reviewer (issue 5)."""

    container: str = Field(description="mp4, mov, webm, or the probe's own name")
    video_codec: str = Field(description="h264, h265, vp8, vp9, or the probe's own name")
    audio_codec: str | None = Field(None, description="aac, opus..., or null for no audio")
    width: int = Field(description="as displayed (after rotation), in pixels")
    height: int = Field(description="as displayed (after rotation), in pixels")
    fps: float | None = None
    duration_ms: int
    size: int = Field(description="file size in bytes")
    chunk_size: int = Field(description="chunk_size the upload will send at init")
    chunk_count: int = Field(description="total_chunk_count the upload will send at init")


class FieldChange(_Model):
    """One field of a drifted post: what was sent, and what the manifest says now."""

    field: str = Field(description="the manifest's name: caption, interactions.duet, video...")
    before: str | int | bool | None = Field(description="what was sent (null: not sent)")
    after: str | int | bool | None = Field(description="what the manifest asks for now")


class YouTubeRequest(_Model):
    """What YouTube receives for a change of a YouTube account (videos.insert)."""

    resource: dict[str, Any] = Field(
        description="the request body: the video resource's snippet and status, exactly as sent"
    )
    notify_subscribers: bool = Field(description="the notifySubscribers query parameter")
    derived: list[str] = Field(
        default_factory=list,
        description="which of title, description and tags were derived from the caption",
    )


class Change(_Model):
    """One address's planned action with everything a reviewer needs to trust it."""

    address: str
    post_id: str
    account: str
    action: Action
    reason: str
    manifest: str | None = None
    mode: Literal["direct", "draft"] | None = None
    video: str | None = None
    video_id: str | None = None
    video_size: int | None = None
    caption: str | None = None
    caption_utf16: int | None = None
    privacy: str | None = None
    post_info: dict[str, Any] = Field(default_factory=dict)
    publish_at: AwareDatetime | None = None
    publish_at_local: str | None = None
    not_after: AwareDatetime | None = None
    not_after_local: str | None = Field(
        None, description="not_after in the account's time zone, as publish_at_local"
    )
    on_missed: Literal["skip", "publish", "fail"] | None = Field(
        None,
        description="what happens once not_after has passed: skip (never published), fail "
        "(apply refuses it) or publish (late); null without not_after",
    )
    fingerprint: str | None = None
    recorded_fingerprint: str | None = None
    publish_id: str | None = Field(
        None,
        description="the recorded handle of the last attempt as outputs show it: TikTok's "
        "publish_id as is; a YouTube upload session (a capability) as 'upload session …abcd'",
    )
    handle_digest: str | None = Field(
        None,
        description="sha256 of the recorded handle when it is a capability (a YouTube upload "
        "session URI), which a plan never copies; apply PLANFILE checks it against the state",
    )
    status: str | None = None
    fail_reason: str | None = None
    post_url: str | None = None
    media: MediaSummary | None = Field(
        None, description="the video's probed facts; null when media checks were skipped"
    )
    moved_from: str | None = Field(
        None,
        description="the address whose record moves here (previous_ids: a renamed post id); "
        "apply persists the move",
    )
    repost_of: str | None = Field(
        None,
        description="an orphan of the same account with the same video: a probable rename "
        "without previous_ids; apply refuses to create it without --allow-repost",
    )
    diff: list[FieldChange] | None = Field(
        None,
        description="drift only: each field that differs from what was sent; null when the "
        "record predates what-was-sent snapshots (December 2026) or for other actions",
    )
    provider: str = Field("tiktok", description="the account's platform: tiktok or youtube")
    youtube: YouTubeRequest | None = Field(
        None,
        description="YouTube accounts: what YouTube receives (post_info is then empty); "
        "null for TikTok",
    )


#: What ``on_missed`` does once a post's window has closed, as the plan says it.
_ON_MISSED = {
    "skip": "not published once it closes",
    "fail": "apply refuses it",
    "publish": "published late",
}


def window_text(change: Change) -> str | None:
    """``until 2026-12-12 12:00 EST (America/New_York), then skip: …``; None without one."""
    if change.not_after_local is None or change.on_missed is None:
        return None
    meaning = _ON_MISSED[change.on_missed]
    return f"until {change.not_after_local}, then {change.on_missed}: {meaning}"


class AccountQuota(_Model):
    """TikTok's per-account limits against what this plan uses (reference §7)."""

    account: str
    timezone: str
    inits: int = Field(description="init calls this apply makes (6 per minute per token)")
    min_minutes: int = Field(description="minutes the init rate limit alone needs")
    direct_posts: int
    posted_last_24h: int
    daily_cap: int
    drafts: int
    pending_drafts_24h: int
    draft_cap: int = 5
    warnings: list[str] = Field(default_factory=list)


class YouTubeQuota(_Model):
    """One Google Cloud project's YouTube quota against what this plan uploads (reference §5.1).

    A project is named by the environment variable of its OAuth client id: channels sharing
    a client share its quota.
    """

    client: str = Field(description="the client_id_env of the project's channels")
    accounts: list[str]
    model: Literal["uploads", "units"] = Field(
        description="uploads: videos.insert has its own daily bucket (since 2026-06-01); "
        "units: each upload costs upload_units of the daily units"
    )
    uploads: int = Field(description="uploads (videos.insert calls) this apply makes")
    uploads_today: int = Field(
        description="uploads the state records since midnight Pacific Time (quota day): each "
        "attempt of a record first attempted since, the last attempt of any other record "
        "changed since"
    )
    resumes: int = Field(
        0,
        description="recorded uploads this apply resumes, each counted as a lookup of its "
        "video among the channel's uploads (as after an expired session) unless its record "
        "holds the video's id (made_ids)",
    )
    upload_limit: int | None = Field(
        description="videos.insert calls a day (model uploads); null under model units"
    )
    units: int = Field(
        description="units this apply is counted to take: uploads under model units, plus one "
        "channels.list per channel, one videos.list per upload and per resume (more while "
        "polling) and lookup_units"
    )
    lookup_units: int = Field(
        0,
        description="units counted for resumes whose record does not hold the video's id: 3 "
        "each (channels.list, one page of playlistItems.list and one videos.list re-reading "
        "the uploads listed with another title, to find the video of an expired session; more "
        "pages cost more)",
    )
    units_today: int = Field(
        0,
        description="units the state's uploads since midnight Pacific Time spent, at least: "
        "lookups of earlier runs and other tools' calls are not in the state",
    )
    unit_limit: int
    resets_at: AwareDatetime = Field(description="the next midnight Pacific Time")
    warnings: list[str] = Field(default_factory=list)


class Plan(_Model):
    """The whole plan. ``lineage``/``serial`` pin the state it was made against."""

    format_version: int = PLAN_FORMAT_VERSION
    created_at: AwareDatetime
    lineage: str
    serial: int
    changes: list[Change]
    quotas: list[AccountQuota] = Field(default_factory=list)
    youtube_quotas: list[YouTubeQuota] = Field(
        default_factory=list, description="YouTube's quota per Google Cloud project"
    )
    warnings: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    fingerprints: dict[str, str] = Field(
        default_factory=dict, description="address -> manifest fingerprint when planned"
    )
    targets: list[str] = Field(default_factory=list)
    replace: list[str] = Field(default_factory=list)
    moves: dict[str, str] = Field(
        default_factory=dict,
        description="old address -> new address: records apply moves (previous_ids)",
    )
    endpoints: dict[str, Endpoint] = Field(
        default_factory=dict,
        description="platform -> the endpoint the plan was made against (its API URL and "
        "app, or the embedded sandbox), as the state binding names it: apply PLANFILE "
        "refuses a run that talks to another; empty in plans saved before 2026-12-05",
    )

    @property
    def has_changes(self) -> bool:
        """Whether apply would change anything (exit 2 with ``--detailed-exitcode``).

        True when it would talk to TikTok, or move records (previous_ids).
        """
        return bool(self.moves) or self.publishes

    @property
    def publishes(self) -> bool:
        """Whether apply would talk to TikTok."""
        return any(change.action in ACTING for change in self.changes)

    def counts(self) -> dict[str, int]:
        """Number of changes per action, in the Action enum's order, zeros left out."""
        out = {action.value: 0 for action in Action}
        for change in self.changes:
            out[change.action.value] += 1
        return {key: value for key, value in out.items() if value}

    def plan_hash(self) -> str:
        """A hash of what the plan does (not when it was made): provenance for records."""
        body = [
            (c.address, c.action.value, c.fingerprint, c.publish_id)
            if c.handle_digest is None  # plans without capabilities keep their hash
            else (c.address, c.action.value, c.fingerprint, c.handle_digest)
            for c in sorted(self.changes, key=lambda c: c.address)
        ]
        hashed: list[Any] = [self.lineage, self.serial, body]
        if self.moves:  # plans without moves keep the hash they always had
            hashed.append(sorted(self.moves.items()))
        text = json.dumps(hashed, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32]
