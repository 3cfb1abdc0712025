"""Video probing and TikTok's media rules, for pre-flight in ``validate``, ``plan`` and ``apply``.

``probe.py`` is the only module that loads pymediainfo (lazily); everything else works on
:class:`VideoFacts` values.
"""

from gitops_publisher.media.cache import probe_cached
from gitops_publisher.media.facts import MediaProbeError, VideoFacts, content_type_for
from gitops_publisher.media.preflight import MediaReport, inspect_video
from gitops_publisher.media.probe import probe_video
from gitops_publisher.media.rules import MediaIssue, check_video, probe_error_issue

__all__ = [
    "MediaIssue",
    "MediaProbeError",
    "MediaReport",
    "VideoFacts",
    "check_video",
    "content_type_for",
    "inspect_video",
    "probe_cached",
    "probe_error_issue",
    "probe_video",
]
