"""YouTube's media limits (reference §2) as a :class:`MediaRules` value.

YouTube takes almost any video file (media types ``video/*``, up to 256 GB) and reads the
container itself, so the only error is the size; the frame rates, codecs and picture sizes
TikTok refuses are fine here. Whether the video will count as a Short (square or vertical, at
most three minutes: reference §3.1) is a warning of the plan, per change
(``core/youtube.not_a_short``); the rules could say it too (``aspect`` and a ``duration_sec``
warning), and a post would then be warned twice.
"""

from __future__ import annotations

from gitops_publisher.core.media_rules import Limit, MediaRules

MAX_SIZE_BYTES = 274_877_906_944  # videos.insert's maxSize: 256 GB (binary)

YOUTUBE_MEDIA_RULES = MediaRules(
    platform="YouTube",
    not_a_video="YouTube needs a complete video file",
    size_bytes=(Limit(high=MAX_SIZE_BYTES, rule="YouTube accepts up to 256 GB"),),
    account_duration="this channel can upload up to {limit} s",
)
