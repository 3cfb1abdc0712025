"""What the manifests ask for, resolved per account: the input of the planner.

:func:`resolve_post` merges the config's defaults into a manifest and builds, for each account,
exactly the fields its platform will receive: TikTok's ``post_info``, or YouTube's video
resource (``core/youtube.py``). Everything here is pure; the video's content id and size are
measured by the workspace and passed in.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gitops_publisher.core.address import Address
from gitops_publisher.core.caption import compose_caption, utf16_length
from gitops_publisher.core.models import (
    MAX_CAPTION_UTF16,
    SLUG_PATTERN,
    Config,
    Disclosure,
    Interactions,
    Mode,
    OnMissed,
    PostManifest,
    Privacy,
    YouTubeAccount,
)
from gitops_publisher.core.youtube import Where, YouTubeUpload, merged
from gitops_publisher.core.youtube import resolve as resolve_youtube


@dataclass(frozen=True)
class VideoRef:
    """A video as the workspace measured it."""

    path: str  # posix, relative to the repository root
    content_id: str  # "git:<blob sha1>" or "lfs:<sha256>"
    size: int


@dataclass(frozen=True)
class DesiredPost:
    """One (post, account) pair as it should exist on its platform (TikTok unless said)."""

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
    #: Where the caption comes from in the manifest: ``("caption",)`` or
    #: ``("captions", ACCOUNT)``; problems with it are positioned there.
    caption_at: tuple[str, ...] = ("caption",)
    #: Ids this post had before a rename (``previous_ids``): not sent to TikTok, so not in
    #: the fingerprint; the planner moves their records to this address.
    previous_ids: tuple[str, ...] = ()
    #: The account's platform (``provider:`` in publisher.yaml).
    provider: str = "tiktok"
    #: What YouTube receives (YouTube accounts only; their ``post_info`` is empty).
    youtube: YouTubeUpload | None = None

    @property
    def caption_utf16(self) -> int:
        """Caption length in UTF-16 code units, as TikTok counts it."""
        return utf16_length(self.caption)

    def window_passed(self, now: datetime) -> bool:
        """Whether the publish window (``not_after``) has closed at ``now``.

        Then ``on_missed`` decides: the plan skips the post, refuses it, or publishes it late
        (the planner and the calendar both ask this, so they never disagree).
        """
        return self.not_after is not None and now > self.not_after


@dataclass(frozen=True)
class FieldProblem:
    """A problem with one field of a manifest, positioned later by the workspace."""

    field: str
    message: str
    at: tuple[str | int, ...] = ()  # the path when ``field`` cannot be split (an account '.')
    on_key: bool = False  # point at the key itself (a name), not its value

    @property
    def path(self) -> tuple[str | int, ...]:
        """The field's path inside the document (list indexes as ints)."""
        return self.at or tuple(int(p) if p.isdigit() else p for p in self.field.split("."))


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


def youtube_fingerprint(upload: YouTubeUpload, video_content_id: str) -> str:
    """Hash everything YouTube receives (the resource and notifySubscribers) plus the video.

    ``publish_at`` is part of it, unlike TikTok's: YouTube receives it (``status.publishAt``).
    """
    canonical = json.dumps(
        {"provider": "youtube", "request": upload.request(), "video": video_content_id},
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


#: The manifest fields each account's caption is made of.
CAPTION_FIELDS = frozenset({"caption", "captions", "caption_defaults"})


def resolve_post(
    manifest: PostManifest, config: Config, manifest_file: str, video: VideoRef
) -> tuple[list[DesiredPost], list[FieldProblem]]:
    """Merge defaults into ``manifest`` and build one :class:`DesiredPost` per account.

    Each account gets its own caption: ``captions[account]`` or ``caption``, with that
    account's ``caption`` defaults (or ``defaults.caption``). Accounts whose captions come out
    the same send the same ``post_info`` and so share a fingerprint; a manifest without
    ``captions`` fingerprints exactly as before per-account captions existed.

    Returns the posts and the problems found; when there are problems the posts list is
    empty, so nothing partially valid is ever planned.
    """
    posts, problems = draft_posts(manifest, config, manifest_file, video)
    return ([], problems) if problems else (posts, [])


def draft_posts(
    manifest: PostManifest,
    config: Config,
    manifest_file: str,
    video: VideoRef,
    *,
    unknown: frozenset[str] = frozenset(),
) -> tuple[list[DesiredPost], list[FieldProblem]]:
    """Every problem :func:`resolve_post` finds, and the posts, even when there are problems.

    ``unknown``: the manifest's fields that are invalid in its file (already reported, left
    at their defaults in ``manifest``). A check reading one of them is skipped, so that it
    cannot report a problem that only follows from the invalid value; nothing reading
    ``accounts`` can run without it. An invalid entry of ``accounts`` (``accounts.1``) or of
    ``captions`` (``captions.brand-jp``) is left out of ``manifest`` and skips only what
    reads it: the other accounts are checked, and the captions of the other accounts
    (:func:`unknown_captions`). The posts are one per account of ``publisher.yaml`` the
    manifest names, for the content policy to check as well: with problems or unknown
    fields they are never to be planned (:func:`resolve_post` plans only a valid post).
    """
    if "accounts" in unknown:
        return [], []
    entries = account_entries(manifest, unknown)
    problems = _account_problems(manifest, config, entries, unknown)
    youtube = [a for a in manifest.accounts if isinstance(config.accounts.get(a), YouTubeAccount)]
    tiktok = [a for a in manifest.accounts if a not in youtube]
    unsure = unknown_captions(manifest, unknown)
    defaults = config.defaults
    mode: Mode = manifest.mode or defaults.mode
    privacy = manifest.privacy or defaults.privacy
    interactions = manifest.interactions or defaults.interactions or Interactions()
    disclosure = manifest.disclosure or defaults.disclosure or Disclosure()
    captions = _captions(manifest, config)
    known_captions = {account: captions[account] for account in tiktok if account not in unsure}
    problems.extend(_length_problems(known_captions))
    post_infos: dict[str, dict[str, Any]] = {account: {} for account in manifest.accounts}
    if mode == "direct" and tiktok and not unknown & {"mode", "privacy"}:
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
            if not unknown & {"disclosure", "disclosure.brand_content"}:
                problems.append(
                    FieldProblem(
                        "disclosure.brand_content",
                        "branded content cannot be SELF_ONLY on TikTok: choose another privacy "
                        "or unset brand_content",
                    )
                )
        else:
            post_infos |= {
                account: build_post_info(
                    captions[account][0],
                    privacy,
                    interactions,
                    disclosure,
                    manifest.cover_timestamp_ms,
                )
                for account in tiktok
            }
    uploads: dict[str, YouTubeUpload] = {}
    if youtube and "youtube" not in unknown:
        uploads, youtube_problems = _youtube_uploads(
            manifest, config, captions, youtube, entries, _youtube_unknown(unknown), unsure
        )
        problems.extend(youtube_problems)
    on_missed: OnMissed = manifest.on_missed or defaults.on_missed
    posts = []
    for account in manifest.accounts:
        if account not in config.accounts:
            continue
        caption, caption_at = captions[account]
        upload = uploads.get(account)
        on_youtube = account in youtube
        post = DesiredPost(
            address=Address(manifest.id, account),
            manifest_file=manifest_file,
            video=video,
            mode="direct" if on_youtube else mode,  # YouTube has no drafts
            caption=caption,
            privacy=privacy if mode == "direct" and not on_youtube else None,
            post_info=post_infos[account],
            publish_at=manifest.publish_at,
            not_after=manifest.not_after,
            on_missed=on_missed,
            # Only what TikTok receives counts, never the account: equal captions, equal prints.
            fingerprint=fingerprint(mode, post_infos[account], video.content_id)
            if upload is None
            else youtube_fingerprint(upload, video.content_id),
            caption_at=caption_at,
            previous_ids=tuple(manifest.previous_ids),
            provider="youtube" if on_youtube else "tiktok",
            youtube=upload,
        )
        posts.append(post)
    return posts, problems


def _youtube_uploads(
    manifest: PostManifest,
    config: Config,
    captions: dict[str, tuple[str, tuple[str, ...]]],
    accounts: list[str],
    entries: dict[str, int],
    unknown: frozenset[str],
    unsure: frozenset[str],
) -> tuple[dict[str, YouTubeUpload], list[FieldProblem]]:
    """What each YouTube account of the post receives, or the problems that stop it.

    ``entries``: each account's index in the file's ``accounts:``; ``unsure``: the
    accounts whose caption is not known (:func:`unknown_captions`).
    """
    fields = merged(manifest.youtube, config.defaults.youtube)
    disclosure = manifest.disclosure or config.defaults.disclosure
    block = frozenset(manifest.youtube.model_fields_set if manifest.youtube else ())
    uploads: dict[str, YouTubeUpload] = {}
    problems: list[FieldProblem] = []
    for account in accounts:
        caption, caption_at = captions[account]
        where = Where(
            caption=caption_at,
            account=("accounts", entries[account]),
            block=block,
        )
        # An invalid publish_at is not passed on: the rule it takes part in is not checked.
        when = None if "publish_at" in unknown else manifest.publish_at
        skipped = unknown | {"caption"} if account in unsure else unknown
        upload, found = resolve_youtube(
            fields, caption, disclosure, when, where, account, unknown=skipped
        )
        for path, message in found:
            problem = FieldProblem(".".join(str(p) for p in path), message, path)
            if problem not in problems:  # accounts sharing a caption share its problems
                problems.append(problem)
        if upload is not None:
            uploads[account] = upload
    return uploads, problems


def _youtube_unknown(unknown: frozenset[str]) -> frozenset[str]:
    """What :func:`resolve_youtube` must not check: invalid ``youtube.`` fields, publish_at.

    (An account's caption, when not known, is added per account: :func:`unknown_captions`.)
    """
    fields = {name.removeprefix("youtube.") for name in unknown if name.startswith("youtube.")}
    if "publish_at" in unknown:
        fields.add("publish_at")
    return frozenset(fields)


def account_entries(manifest: PostManifest, unknown: frozenset[str]) -> dict[str, int]:
    """Each account of ``manifest`` and its index in the file's ``accounts:``.

    The invalid entries (``accounts.1`` in ``unknown``) were left out of ``manifest``: the
    others keep the index they have in the file, where their problems are positioned.
    """
    if not unknown:  # a valid manifest (nearly all): each account at its own index
        return {account: index for index, account in enumerate(manifest.accounts)}
    dropped = {int(name[9:]) for name in unknown if name[9:].isdigit() and name[:9] == "accounts."}
    indexes = (index for index in itertools.count() if index not in dropped)
    return dict(zip(manifest.accounts, indexes, strict=False))


def unknown_captions(manifest: PostManifest, unknown: frozenset[str]) -> frozenset[str]:
    """The accounts of ``manifest`` whose caption is not known, so not checked.

    Every account when ``caption``, ``captions`` or ``caption_defaults`` is invalid as a
    whole. An invalid text under an account's key (``captions.brand-jp: 42``) leaves that
    account's caption unknown. An invalid key (``captions.Brand_JP``) was meant for an
    account that has no caption of its own here, so its caption, ``caption`` with the
    defaults, may not be the one meant: the accounts whose names are close to the key are
    unknown, or, when none is, every account without its own caption.
    """
    if not unknown:  # a valid manifest (nearly all): every caption is known
        return frozenset()
    if unknown & CAPTION_FIELDS:
        return frozenset(manifest.accounts)
    keys = {name[9:] for name in unknown if name.startswith("captions.")}
    out = keys & set(manifest.accounts)
    mistyped = {key for key in keys if not re.fullmatch(SLUG_PATTERN, key)}
    shared = [a for a in manifest.accounts if a not in manifest.captions and a not in out]
    if mistyped and shared:
        close = {
            account
            for key in mistyped
            for account in difflib.get_close_matches(key.lower(), shared, n=len(shared))
        }
        out |= close or set(shared)
    return frozenset(out)


#: How many account names a message about an unknown one lists (an agency has dozens).
_KNOWN_SHOWN = 10


def known_accounts(name: str, accounts: Iterable[str]) -> tuple[str, str]:
    """`` (did you mean 'x'?)`` for a name close to ``name`` (or ""), and the names known.

    The names are sorted and shortened past :data:`_KNOWN_SHOWN` (``... and 30 more``), as
    every problem naming an unknown account repeats them.
    """
    names = sorted(accounts)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.8)
    guess = f" (did you mean '{close[0]}'?)" if close else ""
    shown = ", ".join(names[:_KNOWN_SHOWN]) or "none"
    if len(names) > _KNOWN_SHOWN:
        shown += f" and {len(names) - _KNOWN_SHOWN} more"
    return guess, shown


def _account_problems(
    manifest: PostManifest, config: Config, entries: dict[str, int], unknown: frozenset[str]
) -> list[FieldProblem]:
    """Accounts named in ``accounts:`` or ``captions:`` that the config or post lacks.

    ``entries``: :func:`account_entries`. When an entry of ``accounts:`` is invalid, a
    caption is not said to be for an account the post does not publish to: the invalid
    entry may be that account.
    """
    problems = []
    for account in manifest.accounts:
        if account not in config.accounts:
            guess, known = known_accounts(account, config.accounts)
            problems.append(
                FieldProblem(
                    f"accounts.{entries[account]}",
                    f"unknown account '{account}'{guess}; declare it under accounts: in "
                    f"publisher.yaml (known: {known})",
                )
            )
    all_known = not any(name.startswith("accounts.") for name in unknown)
    for account in manifest.captions:
        if account not in config.accounts:
            guess, known = known_accounts(account, config.accounts)
            message = (
                f"unknown account '{account}' in captions{guess}; declare it under accounts: "
                f"in publisher.yaml (known: {known})"
            )
        elif account not in manifest.accounts and all_known:
            message = (
                f"captions names '{account}', which this post does not publish to: add it "
                "to accounts: or remove its caption"
            )
        else:
            continue
        problems.append(
            FieldProblem(f"captions.{account}", message, ("captions", account), on_key=True)
        )
    return problems


def _captions(manifest: PostManifest, config: Config) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each account's caption as TikTok receives it, and the manifest field it comes from."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for account in manifest.accounts:
        own = config.accounts.get(account)
        defaults = own.caption if own is not None and own.caption is not None else None
        at: tuple[str, ...] = ("captions", account)
        text = manifest.captions.get(account)
        if text is None:
            text, at = manifest.caption, ("caption",)
        caption = compose_caption(
            text,
            defaults or config.defaults.caption,
            apply_defaults=manifest.caption_defaults,
        )
        out[account] = (caption, at)
    return out


def _length_problems(captions: dict[str, tuple[str, tuple[str, ...]]]) -> list[FieldProblem]:
    """One problem per too-long caption, naming the accounts when their captions differ."""
    too_long: dict[tuple[tuple[str, ...], int], list[str]] = {}
    for account, (caption, at) in captions.items():
        length = utf16_length(caption)
        if length > MAX_CAPTION_UTF16:
            too_long.setdefault((at, length), []).append(account)
    differ = len({caption for caption, _ in captions.values()}) > 1
    problems = []
    for (at, length), accounts in too_long.items():
        whose = f" for {', '.join(accounts)}" if differ else ""
        problems.append(
            FieldProblem(
                ".".join(at),
                f"caption{whose} is {length} UTF-16 code units with defaults applied; TikTok "
                f"allows {MAX_CAPTION_UTF16} (an emoji counts 2): shorten it",
                at,
            )
        )
    return problems
