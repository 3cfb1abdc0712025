"""Media pre-flight over a whole project: each distinct video once, problems at each manifest.

``validate`` and ``plan`` (through ``load_project``) and ``apply`` call :func:`check_videos`
with the (post, video) pairs to check. A video is read once per content id (the project's
:class:`VideoCatalog`, through the probe cache, so a warm run reads one small JSON file per
distinct video and probes nothing), and checked once per platform its posts go to. Errors are
reported at the ``video:`` field of every manifest that uses the video; warnings once per video
and platform, at its first manifest, so a short clip shared by 500 posts prints one line, not 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from gitops_publisher.core.desired import DesiredPost, VideoRef
from gitops_publisher.core.media_rules import MediaRules
from gitops_publisher.core.plan import MediaSummary
from gitops_publisher.errors import Diagnostic
from gitops_publisher.media.cache import ProbeFunction
from gitops_publisher.media.facts import VideoFacts
from gitops_publisher.media.probe import probe_video
from gitops_publisher.preflight.videos import MediaReport, VideoCatalog, report_for
from gitops_publisher.providers.registry import DEFAULT_PROVIDER, media_rules

#: Given a post id and a top-level manifest key (``video``, ``cover_timestamp_ms``), the
#: (line, column) of that key's value in the post's manifest, or (None, None).
Locate = Callable[[str, str], tuple[int | None, int | None]]


@dataclass(frozen=True)
class VideoUse:
    """One manifest's use of a video.

    Attributes:
        post_id: the manifest's ``id``.
        manifest: the manifest file as displayed (``posts/launch.yaml``).
        video: the video's path relative to the project (``media/launch.mp4``).
        content_id: the id of the video's bytes (the fingerprint's video id).
        cover_ms: the manifest's ``cover_timestamp_ms`` (None: TikTok's first frame).
        size: the file's size in bytes as the workspace measured it (0: unknown).
        platforms: the providers of the post's accounts, whose media rules the video must meet.
    """

    post_id: str
    manifest: str
    video: str
    content_id: str
    cover_ms: int | None = None
    size: int = 0
    platforms: tuple[str, ...] = (DEFAULT_PROVIDER,)

    @classmethod
    def of(cls, post: DesiredPost, platforms: Sequence[str] = (DEFAULT_PROVIDER,)) -> VideoUse:
        """The video use of a resolved post (its cover time as TikTok receives it)."""
        return cls(
            post.address.post_id,
            post.manifest_file,
            post.video.path,
            post.video.content_id,
            post.post_info.get("video_cover_timestamp_ms"),
            post.video.size,
            tuple(platforms),
        )

    @property
    def ref(self) -> VideoRef:
        """The video as the catalog reads it."""
        return VideoRef(self.video, self.content_id, self.size)


def video_uses(posts: Iterable[DesiredPost], providers: Mapping[str, str]) -> list[VideoUse]:
    """One use per post id (a post resolves to one address per account), in ``posts`` order.

    ``providers`` maps an account to its ``provider:``; a post is checked against the media
    rules of every platform its accounts are on, and its cover time is the one an account
    receives, whichever comes first in ``accounts:``.
    """
    platforms: dict[str, list[str]] = {}
    first: dict[str, DesiredPost] = {}
    for post in posts:
        post_id = post.address.post_id
        had = first.setdefault(post_id, post)
        cover = "video_cover_timestamp_ms"  # in TikTok's post_info (reference §3.2)
        if cover in post.post_info and cover not in had.post_info:
            first[post_id] = post  # an account that receives the cover time (not YouTube)
        provider = providers.get(post.address.account, DEFAULT_PROVIDER)
        if provider not in platforms.setdefault(post_id, []):
            platforms[post_id].append(provider)
    return [VideoUse.of(post, platforms[post_id]) for post_id, post in first.items()]


@dataclass
class MediaCheck:
    """The outcome of pre-flight: a report per content id and the positioned diagnostics."""

    reports: dict[str, MediaReport] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error (warnings allowed)."""
        return not any(d.severity == "error" for d in self.diagnostics)


def check_videos(
    root: Path,
    uses: Sequence[VideoUse],
    *,
    cache_dir: Path | None,
    locate: Locate,
    probe: ProbeFunction = probe_video,
    catalog: VideoCatalog | None = None,
    rules_for: Callable[[str], MediaRules] = media_rules,
) -> MediaCheck:
    """Inspect every distinct video of ``uses`` once and position what is wrong.

    Never raises for a bad file: a file that cannot be read is one more error diagnostic.

    Args:
        root: the project directory the ``video`` paths are relative to.
        uses: every manifest's video, in the order problems should be listed.
        cache_dir: the probe cache (``<project>/.publisher/cache/media``), None for no cache.
        locate: the position of a post's ``video:`` (or ``cover_timestamp_ms:``) value; called
            only for posts with issues.
        probe: the function that reads a file (injected by tests and benchmarks).
        catalog: the project's videos, already read or not (``root``, ``cache_dir`` and
            ``probe`` are then its own); None reads them afresh.
        rules_for: a platform's media rules by its provider name (tests supply others).
    """
    videos = catalog or VideoCatalog(root, cache_dir=cache_dir, probe=probe)
    result = MediaCheck()
    users: dict[tuple[str, str], list[VideoUse]] = {}
    checked: dict[tuple[str, str], MediaReport] = {}
    for use in uses:
        for platform in use.platforms:
            key = (use.content_id, platform)
            users.setdefault(key, []).append(use)
            if key not in checked:
                checked[key] = report_for(videos.read(use.ref), rules_for(platform))
        if use.content_id not in result.reports:
            reports = [checked[(use.content_id, p)] for p in use.platforms]
            merged = tuple(dict.fromkeys(i for r in reports for i in r.issues))
            result.reports[use.content_id] = MediaReport(reports[0].facts, merged)
    for use in uses:
        facts = result.reports[use.content_id].facts
        cover = cover_problem(use, facts)
        if cover is not None:
            line, column = locate(use.post_id, "cover_timestamp_ms")
            result.diagnostics.append(replace(cover, line=line, column=column))
        found = [(p, i) for p in use.platforms for i in checked[(use.content_id, p)].issues]
        if not found:
            continue
        line, column = locate(use.post_id, "video")
        for platform, issue in found:
            sharing = users[(use.content_id, platform)]
            if issue.severity != "error" and sharing[0] is not use:
                continue
            diagnostic = issue.to_diagnostic(
                manifest=use.manifest, video=use.video, line=line, column=column
            )
            others = len(sharing) - 1
            if issue.severity != "error" and others:
                message = f"{diagnostic.message} (also used by {others} other post(s))"
                diagnostic = replace(diagnostic, message=message)
            result.diagnostics.append(diagnostic)
    return result


def cover_problem(use: VideoUse, facts: VideoFacts | None) -> Diagnostic | None:
    """An error when the post's cover time is past the end of its video (position unset).

    TikTok takes "a missing or invalid value" as the first frame (reference §3.2), so such a
    post would publish with a cover nobody chose, and a post cannot be edited afterwards.
    """
    if use.cover_ms is None or facts is None or facts.duration_ms is None:
        return None
    if use.cover_ms <= facts.duration_ms:
        return None
    return Diagnostic(
        file=use.manifest,
        line=None,
        column=None,
        field="cover_timestamp_ms",
        message=f"{use.cover_ms} ms is past the end of {use.video} ({facts.duration_ms} ms "
        f"long); TikTok would silently use the first frame: choose a time from 0 to "
        f"{facts.duration_ms}",
    )


def media_summary(facts: VideoFacts, provider: str = DEFAULT_PROVIDER) -> MediaSummary:
    """Return the facts a reviewer sees, with the chunk plan ``provider``'s upload will use.

    The plan shows each change the chunk plan of its own platform (the planner asks the
    change's platform, ``Platform.chunking``); this one is ``provider``'s.
    """
    from gitops_publisher.providers.registry import PLATFORMS

    chunks = PLATFORMS[provider].chunking(facts.size_bytes) if facts.size_bytes > 0 else None
    return MediaSummary(
        container=facts.container,
        video_codec=facts.video_codec,
        audio_codec=facts.audio_codec,
        width=facts.display_width,
        height=facts.display_height,
        fps=facts.fps,
        duration_ms=facts.duration_ms,
        size=facts.size_bytes,
        chunk_size=chunks.size if chunks else 0,
        chunk_count=chunks.count if chunks else 0,
    )


def media_summaries(reports: Mapping[str, MediaReport]) -> dict[str, MediaSummary]:
    """Summaries by content id, for the planner; videos that could not be read are left out."""
    return {cid: media_summary(r.facts) for cid, r in reports.items() if r.facts is not None}
