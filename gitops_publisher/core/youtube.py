"""What a YouTube account receives for a post: the ``youtube:`` fields resolved (pure).

A post's ``youtube:`` block overrides ``defaults.youtube`` field by field. With
``from_caption`` (the default) what is still unset is derived from the account's caption
(the one TikTok accounts would receive: ``captions``/``caption`` with the caption defaults):

* ``title``: the caption's first non-empty line, without leading and trailing spaces;
* ``description``: the whole caption;
* ``tags``: the caption's #hashtags, without ``#``, in order, each once (case-insensitive).

``contains_synthetic_media`` left unset follows ``disclosure.ai_generated`` when the post or
the defaults declare a disclosure. The result is the exact ``videos.insert`` body (the video
resource's ``snippet`` and ``status``) and the ``notifySubscribers`` parameter; the YouTube
limits (reference §3) are checked on what would be sent, derived or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gitops_publisher.core.caption import hashtags
from gitops_publisher.core.models import Disclosure, YouTubeFields
from gitops_publisher.core.state import Record
from gitops_publisher.core.youtube_limits import (
    CATEGORIES,
    description_problem,
    tags_length,
    tags_problem,
    title_length,
    title_problem,
)

#: YouTube's Shorts: square or vertical, at most three minutes (uploads since 2024-10-15).
SHORTS_MAX_MS = 180_000
#: A problem: the path of the manifest field to point at, and the message.
Problem = tuple[tuple[str | int, ...], str]
#: The fields a caption can stand in for.
DERIVABLE = ("title", "description", "tags")


@dataclass(frozen=True)
class YouTubeUpload:
    """What ``videos.insert`` sends for one (post, account) besides the video's bytes.

    Attributes:
        resource: the request body: ``{"snippet": {...}, "status": {...}}``.
        notify_subscribers: the ``notifySubscribers`` query parameter.
        derived: which of title, description and tags came from the caption.
    """

    resource: dict[str, Any]
    notify_subscribers: bool
    derived: tuple[str, ...] = ()

    @property
    def snippet(self) -> dict[str, Any]:
        """The resource's ``snippet``."""
        return dict(self.resource["snippet"])

    @property
    def status(self) -> dict[str, Any]:
        """The resource's ``status``."""
        return dict(self.resource["status"])

    @property
    def privacy(self) -> str:
        """``status.privacyStatus``."""
        return str(self.resource["status"]["privacyStatus"])

    @property
    def publish_at(self) -> str | None:
        """``status.publishAt`` when YouTube schedules the video (UTC, ``Z``)."""
        value = self.resource["status"].get("publishAt")
        return None if value is None else str(value)

    @property
    def title_length(self) -> int:
        """The title's length as checked (UTF-16 code units)."""
        return title_length(str(self.resource["snippet"]["title"]))

    @property
    def tags_length(self) -> int:
        """The tags' length as YouTube counts it."""
        return tags_length(self.resource["snippet"].get("tags", []))

    def request(self) -> dict[str, Any]:
        """Everything YouTube receives, as hashed into the fingerprint and shown in plans."""
        return {"resource": self.resource, "notifySubscribers": self.notify_subscribers}


def merged(post: YouTubeFields | None, defaults: YouTubeFields | None) -> YouTubeFields:
    """The post's ``youtube:`` fields over ``defaults.youtube``, field by field."""
    if defaults is None:
        return post or YouTubeFields()
    if post is None:
        return defaults
    chosen = {
        name: getattr(post, name) if getattr(post, name) is not None else getattr(defaults, name)
        for name in YouTubeFields.model_fields
    }
    return YouTubeFields(**chosen)


def first_line(caption: str) -> str:
    """The caption's first non-empty line, stripped ("" for an empty caption)."""
    return next((line.strip() for line in caption.splitlines() if line.strip()), "")


def caption_tags(caption: str) -> list[str]:
    """The caption's #hashtags without ``#``, in order, each once (case-insensitive)."""
    seen: set[str] = set()
    out = []
    for tag in hashtags(caption):
        word = tag.removeprefix("#")
        if word.lower() not in seen:
            seen.add(word.lower())
            out.append(word)
    return out


def publish_at_text(when: datetime) -> str:
    """``status.publishAt``: UTC with ``Z`` (reference §8.9)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Where:
    """Where in the manifest to point for each kind of problem.

    Attributes:
        caption: the field the account's caption comes from (``caption``, ``captions.X``).
        account: the account's entry in ``accounts:``, when nothing more precise exists.
        block: the post's ``youtube:`` fields that are set there (others come from defaults).
    """

    caption: tuple[str | int, ...]
    account: tuple[str | int, ...]
    block: frozenset[str]

    def field(self, name: str) -> tuple[str | int, ...]:
        """The post's ``youtube.NAME`` when the post sets it, else the account entry."""
        return ("youtube", name) if name in self.block else self.account


def resolve(
    fields: YouTubeFields,
    caption: str,
    disclosure: Disclosure | None,
    publish_at: datetime | None,
    where: Where,
    account: str,
    *,
    unknown: frozenset[str] = frozenset(),
) -> tuple[YouTubeUpload | None, list[Problem]]:
    """Build what ``account`` receives, or the problems that stop it (positioned).

    Args:
        fields: the post's ``youtube:`` over ``defaults.youtube`` (:func:`merged`).
        caption: the account's caption with its defaults applied.
        disclosure: the post's disclosure, else the defaults' (None: neither declares one).
        publish_at: the post's schedule: YouTube holds the video private until then.
        where: where to point at in the manifest.
        account: the account's name, for messages.
        unknown: what is invalid in the manifest (already reported), whose rules are not
            checked: fields of ``fields`` (``title``, ``privacy``...) and ``caption`` (the
            caption, so nothing derived from it). Nothing is built when it is not empty.
    """
    problems: list[Problem] = []
    derive = fields.from_caption is not False
    title, description, tags = fields.title, fields.description, fields.tags
    derived: list[str] = []
    # What the caption would stand in for is not known: neither derived nor checked.
    blind = set(DERIVABLE) if unknown & {"caption", "from_caption"} else set(unknown)
    if derive:
        if title is None and first_line(caption) and "title" not in blind:
            title, derived = first_line(caption), [*derived, "title"]
        if description is None and "description" not in blind:
            description, derived = caption, [*derived, "description"]
        if tags is None and "tags" not in blind:
            tags = caption_tags(caption)
            derived = [*derived, "tags"] if tags else derived
    if title is None and "title" not in blind:
        problems.append(
            (
                where.field("title"),
                f"YouTube needs a title for {account}: set youtube.title"
                + ("" if not derive else " (or a caption: its first line is the title)"),
            )
        )
    checks: tuple[tuple[str, str | None, str], ...] = (
        (
            "title",
            title_problem(title or "x"),
            f"the caption's first line, {account}'s YouTube title,",
        ),
        (
            "description",
            description_problem(description or ""),
            f"the caption, {account}'s YouTube description,",
        ),
        ("tags", tags_problem(tags or []), f"the caption's hashtags, {account}'s YouTube tags:"),
    )
    for name, problem, source in checks:
        if name in derived and problem is not None:
            problems.append((where.caption, f"{source} {problem}; or set youtube.{name}"))
    privacy = fields.privacy
    if "privacy" in unknown:
        pass
    elif privacy is None:
        problems.append(
            (
                where.account,
                f"YouTube needs a privacy for {account}: set youtube.privacy (public, unlisted "
                "or private) here or under defaults.youtube in publisher.yaml"
                + (", private with publish_at" if publish_at is not None else ""),
            )
        )
    elif publish_at is not None and privacy != "private":
        at = ("youtube", "privacy") if "privacy" in where.block else ("publish_at",)
        problems.append(
            (
                at,
                f"YouTube schedules only private videos, and {account} would receive privacy "
                f"{privacy} with publish_at: set youtube.privacy: private (YouTube keeps the "
                "video private and makes it public at publish_at), or remove publish_at",
            )
        )
    if problems or unknown or title is None or privacy is None:
        return None, problems
    snippet: dict[str, Any] = {"title": title, "description": description or ""}
    if tags:
        snippet["tags"] = list(tags)
    if fields.category is not None:
        snippet["categoryId"] = fields.category
    if fields.default_language is not None:
        snippet["defaultLanguage"] = fields.default_language
    status: dict[str, Any] = {"privacyStatus": privacy}
    if publish_at is not None:
        status["publishAt"] = publish_at_text(publish_at)
    if fields.made_for_kids is not None:
        status["selfDeclaredMadeForKids"] = fields.made_for_kids
    synthetic = fields.contains_synthetic_media
    if synthetic is None and disclosure is not None:
        synthetic = disclosure.ai_generated
    if synthetic is not None:
        status["containsSyntheticMedia"] = synthetic
    notify = fields.notify_subscribers is not False
    upload = YouTubeUpload({"snippet": snippet, "status": status}, notify, tuple(derived))
    return upload, []


def category_name(category_id: str) -> str:
    """``22`` -> ``People & Blogs`` (the id itself when unknown)."""
    return CATEGORIES.get(category_id, category_id)


def not_a_short(width: int, height: int, duration_ms: int) -> str | None:
    """Why YouTube will not count the video as a Short (reference §3.1), or None.

    YouTube has no Shorts flag: a video uploaded since 2024-10-15 is a Short when it is
    square or vertical and at most three minutes long; anything else is a regular video.
    """
    reasons = []
    if width > height:
        reasons.append(f"it is landscape ({width}x{height})")
    if duration_ms > SHORTS_MAX_MS:
        reasons.append(f"it lasts {duration_ms / 1000:.1f} s")
    if not reasons:
        return None
    return (
        f"YouTube will publish a regular video, not a Short: {' and '.join(reasons)}; Shorts "
        "are square or vertical and at most 3 minutes long"
    )


def testing_mode_warning(account: str, refresh_token_env: str) -> str:
    """The warning for a channel whose Google app is in testing mode (``testing_mode: true``).

    Google issues such an app refresh tokens that expire 7 days after the login, for any
    YouTube scope (reference §1.4); no API says when, so the account's flag is all we know.
    """
    return (
        f"{account}: testing_mode: its Google app's OAuth consent screen is in Testing, so its "
        "refresh token expires 7 days after `publisher auth login`, and apply then fails with "
        f"invalid_grant: log in again weekly (and update {refresh_token_env}), or set the "
        "consent screen to In production (docs/youtube.md)"
    )


def scheduled_by_youtube(record: Record, now: datetime) -> datetime | None:
    """When YouTube makes ``record``'s video public, if it still holds it private at ``now``.

    A video uploaded private with ``publishAt`` (the post's ``publish_at``) exists at once
    and is recorded ``published``, but nobody sees it before that time: outputs say
    :func:`scheduled_text` instead of "published" until then. None for anything else.
    """
    when = youtube_publish_at(record)
    return when if when is not None and when > now else None


def youtube_publish_at(record: Record) -> datetime | None:
    """The ``publishAt`` a published YouTube record was uploaded with (None: none)."""
    if record.status != "published" or record.sent is None or record.sent.youtube is None:
        return None
    value = record.sent.youtube.get("resource", {}).get("status", {}).get("publishAt")
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def scheduled_text(when: datetime) -> str:
    """``scheduled by YouTube for 2026-12-01T14:00:00Z``: one wording in every output."""
    return f"scheduled by YouTube for {publish_at_text(when)}"
