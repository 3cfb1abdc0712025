"""What the manifests ask for, resolved per account: the input of the planner.

:func:`resolve_post` merges the config's defaults into a manifest and builds, for each account,
exactly the fields TikTok will receive. Everything here is pure; the video's content id and
size are measured by the workspace and passed in.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gitops_publisher.core.address import Address
from gitops_publisher.core.caption import compose_caption, utf16_length
from gitops_publisher.core.models import (
    MAX_CAPTION_UTF16,
    Config,
    Disclosure,
    Interactions,
    Mode,
    OnMissed,
    PostManifest,
    Privacy,
)


@dataclass(frozen=True)
class VideoRef:
    """A video as the workspace measured it."""

    path: str  # posix, relative to the repository root
    content_id: str  # "git:<blob sha1>" or "lfs:<sha256>"
    size: int


@dataclass(frozen=True)
class DesiredPost:
    """One (post, account) pair as it should exist on TikTok."""

    address: Address
    manifest_file: str
    video: VideoRef
    mode: Mode
    caption: str
    privacy: Privacy | None
    post_info: dict[str, Any]  # exactly TikTok's post_info (empty for drafts: inbox has none)
    publish_at: datetime | None
    not_after: datetime | None
    on_missed: OnMissed
    fingerprint: str = field(default="")

    @property
    def caption_utf16(self) -> int:
        """Caption length in UTF-16 code units, as TikTok counts it."""
        return utf16_length(self.caption)


@dataclass(frozen=True)
class FieldProblem:
    """A problem with one field of a manifest, positioned later by the workspace."""

    field: str
    message: str


def fingerprint(mode: str, post_info: dict[str, Any], video_content_id: str) -> str:
    """Hash every field sent to TikTok plus the video's content id.

    The manifest's file name and the address are not part of it, so renaming or moving a
    manifest file changes nothing; the publish time is not sent to TikTok either (we hold
    the post until it is due), so rescheduling a published post is not drift.
    """
    canonical = json.dumps(
        {"mode": mode, "post_info": post_info, "video": video_content_id},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def build_post_info(
    caption: str,
    privacy: Privacy,
    interactions: Interactions,
    disclosure: Disclosure,
    cover_timestamp_ms: int | None,
) -> dict[str, Any]:
    """Return TikTok's ``post_info`` for a direct post (reference §3.2)."""
    info: dict[str, Any] = {
        "privacy_level": privacy,
        "disable_comment": not interactions.comments,
        "disable_duet": not interactions.duet,
        "disable_stitch": not interactions.stitch,
        # The doc table marks brand_content_toggle required (UNCERTAIN whether enforced):
        # always send both toggles.
        "brand_content_toggle": disclosure.brand_content,
        "brand_organic_toggle": disclosure.brand_organic,
        "is_aigc": disclosure.ai_generated,
    }
    if caption:
        info["title"] = caption
    if cover_timestamp_ms is not None:
        info["video_cover_timestamp_ms"] = cover_timestamp_ms
    return info


def resolve_post(
    manifest: PostManifest, config: Config, manifest_file: str, video: VideoRef
) -> tuple[list[DesiredPost], list[FieldProblem]]:
    """Merge defaults into ``manifest`` and build one :class:`DesiredPost` per account.

    Returns the posts and the problems found; when there are problems the posts list is
    empty, so nothing partially valid is ever planned.
    """
    problems: list[FieldProblem] = []
    defaults = config.defaults
    for index, account in enumerate(manifest.accounts):
        if account not in config.accounts:
            known = ", ".join(sorted(config.accounts)) or "none"
            problems.append(
                FieldProblem(
                    f"accounts.{index}",
                    f"unknown account '{account}'; declare it under accounts: in "
                    f"publisher.yaml (known: {known})",
                )
            )
    mode: Mode = manifest.mode or defaults.mode
    privacy = manifest.privacy or defaults.privacy
    interactions = manifest.interactions or defaults.interactions or Interactions()
    disclosure = manifest.disclosure or defaults.disclosure or Disclosure()
    caption = compose_caption(
        manifest.caption, defaults.caption, apply_defaults=manifest.caption_defaults
    )
    length = utf16_length(caption)
    if length > MAX_CAPTION_UTF16:
        problems.append(
            FieldProblem(
                "caption",
                f"caption is {length} UTF-16 code units with defaults applied; TikTok allows "
                f"{MAX_CAPTION_UTF16} (an emoji counts 2): shorten it",
            )
        )
    post_info: dict[str, Any] = {}
    if mode == "direct":
        if privacy is None:
            problems.append(
                FieldProblem(
                    "privacy",
                    "a direct post needs a privacy level and TikTok allows no default: set "
                    "privacy (PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR or "
                    "SELF_ONLY) here or under defaults: in publisher.yaml",
                )
            )
        elif disclosure.brand_content and privacy == "SELF_ONLY":
            problems.append(
                FieldProblem(
                    "disclosure.brand_content",
                    "branded content cannot be SELF_ONLY on TikTok: choose another privacy "
                    "or unset brand_content",
                )
            )
        else:
            post_info = build_post_info(
                caption, privacy, interactions, disclosure, manifest.cover_timestamp_ms
            )
    if problems:
        return [], problems
    on_missed: OnMissed = manifest.on_missed or defaults.on_missed
    # What TikTok receives does not depend on the account, so neither does the fingerprint.
    same_for_every_account = fingerprint(mode, post_info, video.content_id)
    posts = []
    for account in manifest.accounts:
        post = DesiredPost(
            address=Address(manifest.id, account),
            manifest_file=manifest_file,
            video=video,
            mode=mode,
            caption=caption,
            privacy=privacy if mode == "direct" else None,
            post_info=post_info,
            publish_at=manifest.publish_at,
            not_after=manifest.not_after,
            on_missed=on_missed,
            fingerprint=same_for_every_account,
        )
        posts.append(post)
    return posts, []
