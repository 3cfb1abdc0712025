"""Reading video files: probing facts (pymediainfo), the probe cache, cover frames (PyAV).

``probe.py`` is the only module that loads pymediainfo (lazily), ``frames.py`` the only one that
loads PyAV; everything else works on :class:`VideoFacts` values. What a platform accepts, and
checking videos against it, is pre-flight's (``gitops_publisher.preflight``).

May import ``core`` and ``errors``; nothing above (``preflight``, ``workspace``, ``apply``,
``cli``...).
"""

from gitops_publisher.media.cache import probe_cached
from gitops_publisher.media.facts import MediaProbeError, VideoFacts, content_type_for
from gitops_publisher.media.probe import probe_video

__all__ = [
    "MediaProbeError",
    "VideoFacts",
    "content_type_for",
    "probe_cached",
    "probe_video",
]
