"""Pre-flight of what one run publishes: its videos and its posts against the creators.

``apply`` runs it before the first post, so a run fails whole or not at all; ``plan`` runs the
creator part when credentials are at hand. Videos are read through the project's
:class:`~gitops_publisher.preflight.videos.VideoCatalog` (already read by ``plan``'s media
checks, or read here once per content id); posts are checked against their account's fresh
check through the provider port, whose adapter says what the account's limits refuse (TikTok:
the privacy levels the creator offers, interactions the creator disabled, the longest video).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.plan import PUBLISHING, Change
from gitops_publisher.core.ports import AccountReport, Provider
from gitops_publisher.errors import Diagnostic
from gitops_publisher.media.facts import VideoFacts
from gitops_publisher.preflight.accounts import AccountAnswers
from gitops_publisher.preflight.media import check_videos, video_uses
from gitops_publisher.preflight.videos import VideoCatalog


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


def account_problems(
    changes: Sequence[Change],
    posts: Mapping[str, DesiredPost],
    answers: AccountAnswers,
    durations: Mapping[str, int],
    providers: Mapping[str, Provider],
) -> tuple[dict[str, AccountReport], list[Diagnostic]]:
    """Check each post to publish against its account's report (accounts in ``answers``).

    ``durations`` are the videos' durations in milliseconds by content id
    (:attr:`PublishMedia.durations`); the adapter says what the account's limits refuse.
    Returns the reports of the accounts that can post, and the problems.
    """
    names = sorted({c.account for c in changes if c.action in PUBLISHING and c.account in answers})
    ready: dict[str, AccountReport] = {}
    problems: list[Diagnostic] = []
    for name in names:
        answer = answers[name]
        refused = refusal(name, answer, providers[name])
        if refused is not None:
            problems.append(refused)
            continue
        ready[name] = answer
    for change in changes:
        if change.action not in PUBLISHING or change.account not in ready:
            continue
        post = posts[change.address]
        found = providers[change.account].post_problems(
            post, ready[change.account], durations.get(post.video.content_id)
        )
        problems.extend(
            Diagnostic(post.manifest_file, None, None, p.field, p.message) for p in found
        )
    return ready, problems


def refusal(name: str, answer: AccountReport, provider: Provider) -> Diagnostic | None:
    """The problem when ``name``'s platform says the account cannot post now, else None."""
    if answer.refusal is None:
        return None
    return Diagnostic(
        f"account {name}",
        None,
        None,
        "creator_info",
        f"{provider.title} says this creator cannot post now: "
        f"{answer.refusal.code} ({answer.refusal.message or 'no message'}); try later",
    )
