"""Pre-flight: everything checked before the first post, so a run fails whole or not at all.

Media rules against every video to publish, then a fresh creator_info per account (TikTok's
audit rules require it before each post): the user behind the token is the account's
(``core/identity.py``), the creator can post now, the privacy level is one
the creator offers, the interactions asked for are not disabled by the creator, and the video
is not longer than the creator may post.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gitops_publisher.apply.engine import AccountApi
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.identity import AccountCheck, Identity, Named, check_accounts
from gitops_publisher.core.plan import PUBLISHING, Change
from gitops_publisher.core.state import State
from gitops_publisher.errors import ApiError, Diagnostic
from gitops_publisher.providers.tiktok.api_models import CreatorInfo


def media_problems(
    root: Path, changes: Sequence[Change], posts: Mapping[str, DesiredPost]
) -> tuple[list[Diagnostic], dict[str, int]]:
    """Check every video about to be published; return problems and durations (ms) by path.

    The same check ``validate`` and ``plan`` run (:func:`media.checks.check_videos`, through
    the same probe cache), limited to the posts this apply publishes.
    """
    from gitops_publisher.media.checks import VideoUse, check_videos
    from gitops_publisher.workspace.project import MEDIA_CACHE_DIR

    uses: dict[str, VideoUse] = {}
    for change in changes:
        if change.action in PUBLISHING:
            post = posts[change.address]
            uses.setdefault(post.address.post_id, VideoUse.of(post))
    checked = check_videos(
        root,
        list(uses.values()),
        cache_dir=root / MEDIA_CACHE_DIR,
        locate=lambda _id, _key: (None, None),
    )
    durations = {
        use.video: report.facts.duration_ms
        for use in uses.values()
        if (report := checked.reports[use.content_id]).facts is not None
    }
    problems = [d for d in checked.diagnostics if d.severity == "error"]
    return problems, durations


CreatorAnswers = dict[str, CreatorInfo | ApiError]


async def fetch_creators(names: Sequence[str], apis: Mapping[str, AccountApi]) -> CreatorAnswers:
    """A fresh creator_info per account, queried together; TikTok's refusals are kept.

    Raises:
        ProviderError, AuthError: the network or the token failed (not a refusal).
    """
    answers = await asyncio.gather(
        *(apis[name].creator_info() for name in names), return_exceptions=True
    )
    out: CreatorAnswers = {}
    for name, answer in zip(names, answers, strict=True):
        if isinstance(answer, CreatorInfo | ApiError):
            out[name] = answer
        elif isinstance(answer, BaseException):
            raise answer
    return out


def seen_identities(answers: CreatorAnswers, open_ids: Mapping[str, str]) -> dict[str, Identity]:
    """The user behind each account's token: its open_id and creator_info's handle."""
    return {
        name: Identity(
            open_ids.get(name, ""),
            answer.creator_username if isinstance(answer, CreatorInfo) else "",
        )
        for name, answer in answers.items()
    }


async def checked_creators(
    names: Sequence[str],
    apis: Mapping[str, AccountApi],
    auths: Mapping[str, Any],
    state: State,
    accounts: Mapping[str, Named],
) -> tuple[CreatorAnswers, AccountCheck]:
    """Fresh creator_info per account, and the users behind the tokens checked against the pins.

    The one identity check of plan's creator checks and of apply's pre-flight. Returns the
    answers of the accounts that may go on and the check (stopped accounts, notices).

    Raises:
        ProviderError, AuthError: as :func:`fetch_creators`.
    """
    answers = await fetch_creators(names, apis)
    open_ids = {name: auth.tokens.open_id for name, auth in auths.items()}
    identities = check_accounts(state, accounts, seen_identities(answers, open_ids))
    allowed = {n: a for n, a in answers.items() if n not in identities.stopped}
    return allowed, identities


def creator_problems(
    changes: Sequence[Change],
    posts: Mapping[str, DesiredPost],
    answers: CreatorAnswers,
    durations: Mapping[str, int],
) -> tuple[dict[str, CreatorInfo], list[Diagnostic]]:
    """Check each post to publish against its account's creator_info (accounts in ``answers``)."""
    names = sorted({c.account for c in changes if c.action in PUBLISHING and c.account in answers})
    creators: dict[str, CreatorInfo] = {}
    problems: list[Diagnostic] = []
    for name in names:
        answer = answers[name]
        if isinstance(answer, ApiError):
            problems.append(
                Diagnostic(
                    f"account {name}",
                    None,
                    None,
                    "creator_info",
                    f"TikTok says this creator cannot post now: {answer.code} "
                    f"({answer.api_message or 'no message'}); try later",
                )
            )
            continue
        creators[name] = answer
    for change in changes:
        if change.action not in PUBLISHING or change.account not in creators:
            continue
        problems.extend(_post_problems(posts[change.address], creators[change.account], durations))
    return creators, problems


def _post_problems(
    post: DesiredPost, creator: CreatorInfo, durations: Mapping[str, int]
) -> list[Diagnostic]:
    out = []
    where = post.manifest_file
    who = f"{post.address.account} ({creator.creator_nickname or creator.creator_username})"
    if post.mode == "direct":
        options = creator.privacy_level_options
        if post.privacy is not None and options and post.privacy not in options:
            out.append(
                Diagnostic(
                    where,
                    None,
                    None,
                    "privacy",
                    f"{post.address}: {who} offers {', '.join(options)}, not {post.privacy}",
                )
            )
        info = post.post_info
        for flag, disabled, name in (
            ("disable_comment", creator.comment_disabled, "comments"),
            ("disable_duet", creator.duet_disabled, "duet"),
            ("disable_stitch", creator.stitch_disabled, "stitch"),
        ):
            if disabled and info.get(flag) is False:
                out.append(
                    Diagnostic(
                        where,
                        None,
                        None,
                        f"interactions.{name}",
                        f"{post.address}: {who} has {name} disabled in the app; set "
                        f"{name}: false (TikTok would turn it off anyway)",
                    )
                )
    duration = durations.get(post.video.path)
    limit = creator.max_video_post_duration_sec
    if duration is not None and limit and duration > limit * 1000:
        out.append(
            Diagnostic(
                where,
                None,
                None,
                "video",
                f"{post.address}: video lasts {duration / 1000:.1f} s; "
                f"{who} may post at most {limit} s",
            )
        )
    return out
