"""Each video's facts read once per content id, and a video checked against a platform's rules.

:class:`VideoCatalog` is the one place a run reads videos: ``validate``, ``plan`` (its media
checks, the reviewer's facts, the creator checks' durations) and ``apply`` (its pre-flight and
the upload's Content-Type) all ask the catalog the loaded project carries, so a video used by
many posts and accounts is probed once per run (and through the probe cache, once ever).

A file that cannot be probed is one more problem, not an exception, so all problems of a
repository are collected before failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gitops_publisher.core.desired import VideoRef
from gitops_publisher.core.media_rules import MediaRules
from gitops_publisher.media.cache import ProbeFunction, probe_cached
from gitops_publisher.media.facts import MediaProbeError, VideoFacts
from gitops_publisher.media.probe import probe_video
from gitops_publisher.preflight.rules import MediaIssue, check_video, probe_error_issue


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


def report_for(
    read: VideoFacts | MediaProbeError,
    rules: MediaRules | None = None,
    *,
    max_duration_sec: int | None = None,
) -> MediaReport:
    """The report of one video read (facts, or why it could not be read) under ``rules``."""
    if isinstance(read, MediaProbeError):
        return MediaReport(facts=None, issues=(probe_error_issue(read, rules),))
    issues = check_video(read, rules, max_duration_sec=max_duration_sec)
    return MediaReport(read, tuple(issues))


def inspect_video(
    path: Path,
    *,
    content_id: str | None = None,
    cache_dir: Path | None = None,
    max_duration_sec: int | None = None,
    rules: MediaRules | None = None,
    probe: ProbeFunction = probe_video,
) -> MediaReport:
    """Probe ``path`` and check it against a platform's media rules; never raises for a bad file.

    Args:
        path: the video file.
        content_id: id of the file's bytes; with ``cache_dir``, enables the probe cache.
        cache_dir: directory of the probe cache (``<project>/.publisher/cache/media``).
        max_duration_sec: the creator's limit from creator_info, when known.
        rules: the platform's media rules (None: TikTok's).
        probe: the function that reads a file (injected by tests and benchmarks).
    """
    read = _read(path, content_id, cache_dir, probe)
    return report_for(read, rules, max_duration_sec=max_duration_sec)


class VideoCatalog:
    """The facts of a project's videos, each read at most once per content id.

    Reads go through the probe cache when ``cache_dir`` is given. Nothing is read until asked,
    so a command that needs no facts probes nothing.
    """

    def __init__(
        self, root: Path, *, cache_dir: Path | None, probe: ProbeFunction = probe_video
    ) -> None:
        """Read videos relative to ``root``, with ``probe`` (injected by tests and benchmarks)."""
        self.root = root
        self.cache_dir = cache_dir
        self._probe = probe
        self._read: dict[str, VideoFacts | MediaProbeError] = {}

    def read(self, video: VideoRef) -> VideoFacts | MediaProbeError:
        """The facts of ``video``, or why it cannot be read as a video (never raised)."""
        known = self._read.get(video.content_id)
        if known is None:
            known = _read(self.root / video.path, video.content_id, self.cache_dir, self._probe)
            self._read[video.content_id] = known
        return known

    def facts(self, video: VideoRef) -> VideoFacts | None:
        """The facts of ``video``, or None when it cannot be read as a video."""
        read = self.read(video)
        return read if isinstance(read, VideoFacts) else None

    def content_type(self, video: VideoRef) -> str:
        """The upload's ``Content-Type``, from the container the probe found in the file.

        Raises:
            MediaProbeError: the file cannot be read as a video.
            ValueError: the container has no upload type (pre-flight reports it first).
        """
        read = self.read(video)
        if isinstance(read, MediaProbeError):
            raise read
        return read.content_type

    def known(self) -> dict[str, VideoFacts]:
        """The facts read so far, by content id (videos that could not be read left out)."""
        return {cid: read for cid, read in self._read.items() if isinstance(read, VideoFacts)}


def _read(
    path: Path, content_id: str | None, cache_dir: Path | None, probe: ProbeFunction
) -> VideoFacts | MediaProbeError:
    try:
        if content_id is not None and cache_dir is not None:
            return probe_cached(path, content_id, cache_dir, probe=probe)
        return probe(path)
    except MediaProbeError as exc:
        return exc
