"""TikTok's media rules (reference §6) as a pure function over :class:`VideoFacts`.

TikTok only rejects bad media after the upload (``file_format_check_failed``,
``duration_check_failed``, ``frame_rate_check_failed``, ``picture_size_check_failed``), so every
rule that can be checked from the file is checked here, before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gitops_publisher.errors import Diagnostic
from gitops_publisher.media.facts import MediaProbeError, VideoFacts

Severity = Literal["error", "warning"]

CONTAINERS = ("mp4", "mov", "webm")
VIDEO_CODECS = ("h264", "h265", "vp8", "vp9")
MIN_FPS, MAX_FPS = 23.0, 60.0
MIN_SIDE_PX, MAX_SIDE_PX = 360, 4096
# "max 4 GB": the unit is not defined (reference §5 notes MB looks like MiB). The decimal reading
# is the stricter one, so a file between 4.0e9 and 4 GiB fails the pull request, not the upload.
MAX_SIZE_BYTES = 4_000_000_000
MAX_DURATION_SEC = 600  # the longest any developer may send (10 min)
SHORT_DURATION_SEC = 3  # third parties' minimum; TikTok documents none, so only a warning
RECOMMENDED_MIN = (540, 960)  # the seed's recommended minimum (short side, long side)
TARGET_SIZE = "1080x1920"
NOT_A_VIDEO_RULE = "TikTok needs a complete video file: MP4, MOV or WebM"

_LABELS = {"video_codec": "video codec", "audio_codec": "audio codec", "fps": "frame rate"}
_FRIENDLY_CODECS = {"MPEG-4 Visual": "MPEG-4 Visual (MPEG-4 Part 2)"}


@dataclass(frozen=True)
class MediaIssue:
    """One rule a video breaks.

    Attributes:
        severity: ``"error"`` (TikTok would reject it; nothing is published) or ``"warning"``.
        property: what was checked: ``container``, ``video_codec``, ``audio_codec``, ``fps``,
            ``resolution``, ``size``, ``duration``, or ``file`` (truncated, not a video).
        value: the value found, as a user would read it (``"15 fps"``, ``"200x200"``).
        rule: the rule, in words (``"TikTok accepts 23-60 fps"``).
    """

    severity: Severity
    property: str
    value: str
    rule: str

    def message(self, video: str | None = None) -> str:
        """Return ``media/a.mp4: frame rate is 15 fps; TikTok accepts 23-60 fps``.

        The ``media/a.mp4: `` prefix is there only when ``video`` is given.
        """
        label = _LABELS.get(self.property, self.property)
        text = f"{label} is {self.value}; {self.rule}"
        return f"{video}: {text}" if video else text

    def to_diagnostic(
        self, *, manifest: str, video: str, line: int | None = None, column: int | None = None
    ) -> Diagnostic:
        """Return the diagnostic for the manifest that uses the video.

        Renders as ``posts/launch.yaml:4:8 video: media/a.mp4: frame rate is 15 fps; ...``,
        naming the manifest (and the position of its ``video:`` key), the video, the property,
        the value found and the rule.
        """
        return Diagnostic(
            file=manifest,
            line=line,
            column=column,
            field="video",
            message=self.message(video),
            severity=self.severity,
        )


def check_video(facts: VideoFacts, *, max_duration_sec: int | None = None) -> list[MediaIssue]:
    """Check a video's facts against TikTok's media rules; errors first, then warnings.

    Args:
        facts: what the probe read from the file.
        max_duration_sec: the creator's ``max_video_post_duration_sec`` from creator_info,
            when known; None checks only TikTok's global 10-minute limit.
    """
    issues = [
        *_container_and_codecs(facts),
        *_frame_rate(facts),
        *_resolution(facts),
        *_size_and_duration(facts, max_duration_sec),
    ]
    if facts.truncated:
        issues.append(
            _error(
                "file",
                "truncated (it ends before the data its header announces)",
                "the file must be complete; export or download it again",
            )
        )
    return sorted(issues, key=lambda issue: issue.severity != "error")


def probe_error_issue(error: MediaProbeError) -> MediaIssue:
    """Return the issue to report for a file that could not be probed at all (always an error)."""
    rule = NOT_A_VIDEO_RULE + (f"; {error.hint}" if error.hint else "")
    return _error("file", error.problem, rule)


def _error(prop: str, value: str, rule: str) -> MediaIssue:
    return MediaIssue("error", prop, value, rule)


def _warning(prop: str, value: str, rule: str) -> MediaIssue:
    return MediaIssue("warning", prop, value, rule)


def _container_and_codecs(facts: VideoFacts) -> list[MediaIssue]:
    issues: list[MediaIssue] = []
    if facts.container not in CONTAINERS:
        issues.append(_error("container", facts.container, "TikTok accepts MP4, MOV or WebM"))
    if facts.video_codec not in VIDEO_CODECS:
        issues.append(
            _error(
                "video_codec",
                _FRIENDLY_CODECS.get(facts.video_codec, facts.video_codec),
                "TikTok accepts H.264, H.265, VP8 or VP9; re-encode, e.g. to H.264",
            )
        )
    if facts.container == "mp4" and facts.audio_codec not in (None, "aac"):
        issues.append(
            _warning(
                "audio_codec",
                facts.audio_codec or "",
                "AAC audio is expected in MP4; TikTok may reject or drop the sound",
            )
        )
    return issues


def _frame_rate(facts: VideoFacts) -> list[MediaIssue]:
    if facts.fps is None:
        return [_warning("fps", "unknown", "TikTok accepts 23-60 fps; it could not be read")]
    if not MIN_FPS <= facts.fps <= MAX_FPS:
        return [_error("fps", f"{facts.fps:g} fps", "TikTok accepts 23-60 fps")]
    return []


def _resolution(facts: VideoFacts) -> list[MediaIssue]:
    found = f"{facts.display_width}x{facts.display_height}"
    short_side, long_side = sorted((facts.width, facts.height))
    if short_side < MIN_SIDE_PX or long_side > MAX_SIDE_PX:
        return [
            _error(
                "resolution",
                found,
                f"TikTok accepts {MIN_SIDE_PX}-{MAX_SIDE_PX} px for both width and height",
            )
        ]
    if short_side < RECOMMENDED_MIN[0] or long_side < RECOMMENDED_MIN[1]:
        return [
            _warning(
                "resolution",
                found,
                f"at least {RECOMMENDED_MIN[0]}x{RECOMMENDED_MIN[1]} is recommended "
                f"({TARGET_SIZE} is the target)",
            )
        ]
    return []


def _size_and_duration(facts: VideoFacts, max_duration_sec: int | None) -> list[MediaIssue]:
    issues: list[MediaIssue] = []
    if facts.size_bytes > MAX_SIZE_BYTES:
        issues.append(_error("size", f"{facts.size_bytes:,} bytes", "TikTok accepts up to 4 GB"))
    seconds = facts.duration_ms / 1000
    found = f"{seconds:g} s"
    if seconds > MAX_DURATION_SEC:
        issues.append(
            _error(
                "duration",
                found,
                f"TikTok accepts up to {MAX_DURATION_SEC // 60} minutes ({MAX_DURATION_SEC} s)",
            )
        )
    elif max_duration_sec is not None and seconds > max_duration_sec:
        issues.append(
            _error(
                "duration",
                found,
                f"this creator can post up to {max_duration_sec} s (creator_info "
                "max_video_post_duration_sec)",
            )
        )
    if seconds < SHORT_DURATION_SEC:
        issues.append(
            _warning(
                "duration",
                found,
                f"videos under {SHORT_DURATION_SEC} s may be rejected (TikTok documents no "
                "minimum; third parties report 3 s)",
            )
        )
    return issues
