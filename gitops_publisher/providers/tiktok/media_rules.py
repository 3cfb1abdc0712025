"""TikTok's media limits (reference §6) as a :class:`MediaRules` value: their one home.

TikTok only rejects bad media after the upload (``file_format_check_failed``,
``duration_check_failed``, ``frame_rate_check_failed``, ``picture_size_check_failed``), so
pre-flight checks every limit that can be read from the file before anything is sent.
"""

from __future__ import annotations

from gitops_publisher.core.media_rules import Choice, Limit, MediaRules, Sides

# "max 4 GB": the unit is not defined (reference §5 notes MB looks like MiB). The decimal reading
# is the stricter one, so a file between 4.0e9 and 4 GiB fails the pull request, not the upload.
MAX_SIZE_BYTES = 4_000_000_000
MAX_DURATION_SEC = 600  # the longest any developer may send (10 min)
SHORT_DURATION_SEC = 3  # third parties' minimum; TikTok documents none, so only a warning

TIKTOK_MEDIA_RULES = MediaRules(
    platform="TikTok",
    not_a_video="TikTok needs a complete video file: MP4, MOV or WebM",
    containers=Choice(("mp4", "mov", "webm"), "TikTok accepts MP4, MOV or WebM"),
    video_codecs=Choice(
        ("h264", "h265", "vp8", "vp9"),
        "TikTok accepts H.264, H.265, VP8 or VP9; re-encode, e.g. to H.264",
    ),
    audio_codecs=(
        (
            "mp4",
            Choice(
                ("aac",),
                "AAC audio is expected in MP4; TikTok may reject or drop the sound",
                "warning",
            ),
        ),
    ),
    fps=Limit(23.0, 60.0, "TikTok accepts 23-60 fps"),
    fps_unknown="TikTok accepts 23-60 fps; it could not be read",
    resolution=(
        Sides(360, long_max=4096, rule="TikTok accepts 360-4096 px for both width and height"),
        # The seed's recommended minimum (short side, long side).
        Sides(
            540,
            960,
            rule="at least 540x960 is recommended (1080x1920 is the target)",
            severity="warning",
        ),
    ),
    size_bytes=(Limit(high=MAX_SIZE_BYTES, rule="TikTok accepts up to 4 GB"),),
    duration_sec=(
        Limit(
            high=MAX_DURATION_SEC,
            rule=f"TikTok accepts up to {MAX_DURATION_SEC // 60} minutes ({MAX_DURATION_SEC} s)",
        ),
        Limit(
            low=SHORT_DURATION_SEC,
            rule=f"videos under {SHORT_DURATION_SEC} s may be rejected (TikTok documents no "
            "minimum; third parties report 3 s)",
            severity="warning",
        ),
    ),
    account_duration="this creator can post up to {limit} s (creator_info "
    "max_video_post_duration_sec)",
)
