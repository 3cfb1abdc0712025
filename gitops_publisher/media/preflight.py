"""One call for pre-flight: probe a video (through the cache when given) and check the rules.

``validate`` and ``plan`` need, per video, both the facts to show the reviewer and the problems
to report; a file that cannot be probed is one more problem, not an exception, so all problems
of a repository are collected before failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gitops_publisher.media.cache import ProbeFunction, probe_cached
from gitops_publisher.media.facts import MediaProbeError, VideoFacts
from gitops_publisher.media.probe import probe_video
from gitops_publisher.media.rules import MediaIssue, check_video, probe_error_issue


@dataclass(frozen=True)
class MediaReport:
    """What pre-flight found about one video.

    Attributes:
        facts: the probed facts, or None when the file could not be read as a video.
        issues: rule violations, errors first; empty when the video passes every rule.
    """

    facts: VideoFacts | None
    issues: tuple[MediaIssue, ...]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not any(issue.severity == "error" for issue in self.issues)


def inspect_video(
    path: Path,
    *,
    content_id: str | None = None,
    cache_dir: Path | None = None,
    max_duration_sec: int | None = None,
    probe: ProbeFunction = probe_video,
) -> MediaReport:
    """Probe ``path`` and check it against TikTok's media rules; never raises for a bad file.

    Args:
        path: the video file.
        content_id: id of the file's bytes; with ``cache_dir``, enables the probe cache.
        cache_dir: directory of the probe cache (``<project>/.publisher/cache/media``).
        max_duration_sec: the creator's limit from creator_info, when known.
        probe: the function that reads a file (injected by tests and benchmarks).
    """
    try:
        if content_id is not None and cache_dir is not None:
            facts = probe_cached(path, content_id, cache_dir, probe=probe)
        else:
            facts = probe(path)
    except MediaProbeError as exc:
        return MediaReport(facts=None, issues=(probe_error_issue(exc),))
    return MediaReport(facts, tuple(check_video(facts, max_duration_sec=max_duration_sec)))
