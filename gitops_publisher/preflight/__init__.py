"""Pre-flight: everything checked before anything is sent, for ``validate``, ``plan`` and ``apply``.

One package, so the three commands check the same things the same way:

- ``videos.py``: :class:`VideoCatalog`, each video's facts read once per content id (the loaded
  project carries one), and :func:`inspect_video` for a single file.
- ``rules.py``: a platform's media rules (``core/media_rules.py``, TikTok's in
  ``providers/tiktok/media_rules.py``) applied to facts; pure.
- ``media.py``: a project's videos checked, problems positioned at each manifest
  (``load_project(check_media=True)`` for ``validate`` and ``plan``), and the facts a
  reviewer sees.
- ``accounts.py``: the account check (creator_info, the tokens' users, the pins).
- ``publish.py``: what one run publishes: its videos (apply) and its posts against the
  creators (apply, and plan when credentials are at hand).
- ``plan_checks.py``: ``plan``'s creator checks, on clients the caller connects.

May import ``media``, ``providers``, ``core`` and ``errors``; ``workspace`` loads the project
through it, so never ``workspace`` nor anything above (``plan_checks.py`` names what it reads
of ``planning.Planned`` by its shape, a protocol, instead of importing it).
"""

from gitops_publisher.preflight.media import (
    MediaCheck,
    VideoUse,
    check_videos,
    media_summaries,
    media_summary,
    video_uses,
)
from gitops_publisher.preflight.rules import MediaIssue, check_video, probe_error_issue
from gitops_publisher.preflight.videos import MediaReport, VideoCatalog, inspect_video
from gitops_publisher.providers.registry import media_rules

__all__ = [
    "MediaCheck",
    "MediaIssue",
    "MediaReport",
    "VideoCatalog",
    "VideoUse",
    "check_video",
    "check_videos",
    "inspect_video",
    "media_rules",
    "media_summaries",
    "media_summary",
    "probe_error_issue",
    "video_uses",
]
