"""Pre-flight of what one run publishes: its videos and its posts against the creators.

``apply`` runs it before the first post, so a run fails whole or not at all; ``plan`` runs the
creator part when credentials are at hand. Videos are read through the project's
:class:`~gitops_publisher.preflight.videos.VideoCatalog` (already read by ``plan``'s media
checks, or read here once per content id); posts are checked against their account's fresh
creator_info: the privacy level is one the creator offers, the interactions asked for are not
disabled by the creator, and the video is not longer than the creator may post.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.plan import PUBLISHING, Change
from gitops_publisher.errors import ApiError, Diagnostic
from gitops_publisher.media.facts import VideoFacts
from gitops_publisher.preflight.accounts import CreatorAnswers
from gitops_publisher.preflight.media import check_videos, video_uses
from gitops_publisher.preflight.videos import VideoCatalog
from gitops_publisher.providers.tiktok.api_models import CreatorInfo


@dataclass
class PublishMedia:
    """The media pre-flight of the posts a run publishes.

    Attributes:
        problems: the errors (a video the platform would reject, or that cannot be read).
        facts: the facts of each video to upload, by content id.
        platforms: the providers the videos go to.
    """

    problems: list[Diagnostic] = field(default_factory=list)
    facts: dict[str, VideoFacts] = field(default_factory=dict)
    platforms: frozenset[str] = frozenset()

    @property
    def durations(self) -> dict[str, int]:
        """Each video's duration in milliseconds, by content id."""
        return {cid: facts.duration_ms for cid, facts in self.facts.items()}

    @property
    def content_types(self) -> dict[str, str]:
        """The upload's Content-Type of each video, by content id, from the probed container.

        Only for videos without errors: a container with no upload type is a problem above.
        """
        out: dict[str, str] = {}
        for cid, facts in self.facts.items():
            try:
                out[cid] = facts.content_type
            except ValueError:
                continue
        return out


def media_problems(
    videos: VideoCatalog,
    changes: Sequence[Change],
    posts: Mapping[str, DesiredPost],
    providers: Mapping[str, str],
) -> PublishMedia:
    """Check every video about to be published against its platforms' media rules.

    The same check ``validate`` and ``plan`` run (:func:`check_videos`), limited to the posts
    this run publishes, on the videos of ``videos`` (read at most once per content id).
    ``providers`` maps an account to its ``provider:``.
    """
    publishing = [posts[c.address] for c in changes if c.action in PUBLISHING]
    uses = video_uses(publishing, providers)
    checked = check_videos(
        videos.root,
        uses,
        cache_dir=videos.cache_dir,
        locate=lambda _id, _key: (None, None),
        catalog=videos,
    )
    facts = {
        cid: report.facts for cid, report in checked.reports.items() if report.facts is not None
    }
    problems = [d for d in checked.diagnostics if d.severity == "error"]
    platforms = frozenset(p for use in uses for p in use.platforms)
    return PublishMedia(problems, facts, platforms)


def creator_problems(
    changes: Sequence[Change],
    posts: Mapping[str, DesiredPost],
    answers: CreatorAnswers,
    durations: Mapping[str, int],
) -> tuple[dict[str, CreatorInfo], list[Diagnostic]]:
    """Check each post to publish against its account's creator_info (accounts in ``answers``).

    ``durations`` are the videos' durations in milliseconds by content id
    (:attr:`PublishMedia.durations`).
    """
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
    duration = durations.get(post.video.content_id)
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
