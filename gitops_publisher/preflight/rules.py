"""A platform's media rules (:class:`MediaRules`) applied to a video's facts: pure.

The limits are data (``core/media_rules.py``; TikTok's in ``providers/tiktok/media_rules.py``),
so this module knows no platform: it turns a broken limit into a :class:`MediaIssue` that names
the property, the value found and the platform's rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitops_publisher.core.media_rules import Limit, MediaRules, Severity
from gitops_publisher.errors import Diagnostic
from gitops_publisher.media.facts import MediaProbeError, VideoFacts
from gitops_publisher.providers.registry import media_rules

_LABELS = {"video_codec": "video codec", "audio_codec": "audio codec", "fps": "frame rate"}
_FRIENDLY_CODECS = {"MPEG-4 Visual": "MPEG-4 Visual (MPEG-4 Part 2)"}


@dataclass(frozen=True)
class MediaIssue:
    """One rule a video breaks.

    Attributes:
        severity: ``"error"`` (the platform would reject it; nothing is published) or
            ``"warning"``.
        property: what was checked: ``container``, ``video_codec``, ``audio_codec``, ``fps``,
            ``resolution``, ``aspect``, ``size``, ``duration``, or ``file`` (truncated, not a
            video).
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


def check_video(
    facts: VideoFacts, rules: MediaRules | None = None, *, max_duration_sec: int | None = None
) -> list[MediaIssue]:
    """Check a video's facts against a platform's media rules; errors first, then warnings.

    Args:
        facts: what the probe read from the file.
        rules: the platform's rules; None: those of the default provider (TikTok).
        max_duration_sec: the account's own limit (TikTok's creator_info
            ``max_video_post_duration_sec``) when known; checked only when the video is within
            the platform's own duration limits.
    """
    rules = rules or media_rules()
    issues = [
        *_container_and_codecs(facts, rules),
        *_frame_rate(facts, rules),
        *_picture(facts, rules),
        *_size_and_duration(facts, rules, max_duration_sec),
    ]
    if facts.truncated:
        issues.append(
            MediaIssue(
                "error",
                "file",
                "truncated (it ends before the data its header announces)",
                "the file must be complete; export or download it again",
            )
        )
    return sorted(issues, key=lambda issue: issue.severity != "error")


def probe_error_issue(error: MediaProbeError, rules: MediaRules | None = None) -> MediaIssue:
    """Return the issue to report for a file that could not be probed at all (always an error)."""
    rule = (rules or media_rules()).not_a_video + (f"; {error.hint}" if error.hint else "")
    return MediaIssue("error", "file", error.problem, rule)


def _container_and_codecs(facts: VideoFacts, rules: MediaRules) -> list[MediaIssue]:
    issues: list[MediaIssue] = []
    if rules.containers and facts.container not in rules.containers.allowed:
        choice = rules.containers
        issues.append(MediaIssue(choice.severity, "container", facts.container, choice.rule))
    if rules.video_codecs and facts.video_codec not in rules.video_codecs.allowed:
        choice = rules.video_codecs
        value = _FRIENDLY_CODECS.get(facts.video_codec, facts.video_codec)
        issues.append(MediaIssue(choice.severity, "video_codec", value, choice.rule))
    audio = dict(rules.audio_codecs).get(facts.container)
    if audio and facts.audio_codec is not None and facts.audio_codec not in audio.allowed:
        issues.append(MediaIssue(audio.severity, "audio_codec", facts.audio_codec, audio.rule))
    return issues


def _frame_rate(facts: VideoFacts, rules: MediaRules) -> list[MediaIssue]:
    if facts.fps is None:
        if rules.fps_unknown is None:
            return []
        return [MediaIssue("warning", "fps", "unknown", rules.fps_unknown)]
    if rules.fps and rules.fps.breaks(facts.fps):
        return [_broken(rules.fps, "fps", f"{facts.fps:g} fps")]
    return []


def _picture(facts: VideoFacts, rules: MediaRules) -> list[MediaIssue]:
    found = f"{facts.display_width}x{facts.display_height}"
    issues: list[MediaIssue] = []
    for sides in rules.resolution:
        if sides.breaks(facts.width, facts.height):
            issues.append(MediaIssue(sides.severity, "resolution", found, sides.rule))
            break
    if rules.aspect and facts.display_height > 0:
        ratio = facts.display_width / facts.display_height
        if rules.aspect.breaks(ratio):
            shape = "landscape" if ratio > 1 else "portrait" if ratio < 1 else "square"
            issues.append(_broken(rules.aspect, "aspect", f"{found} ({shape})"))
    return issues


def _size_and_duration(
    facts: VideoFacts, rules: MediaRules, max_duration_sec: int | None
) -> list[MediaIssue]:
    issues = [
        _broken(limit, "size", f"{facts.size_bytes:,} bytes")
        for limit in rules.size_bytes
        if limit.breaks(facts.size_bytes)
    ]
    seconds = facts.duration_ms / 1000
    found = f"{seconds:g} s"
    durations = [
        _broken(limit, "duration", found) for limit in rules.duration_sec if limit.breaks(seconds)
    ]
    too_long = any(
        limit.severity == "error" and limit.high is not None and seconds > limit.high
        for limit in rules.duration_sec
    )
    if max_duration_sec is not None and seconds > max_duration_sec and not too_long:
        rule = rules.account_duration.format(limit=max_duration_sec)
        durations.insert(0, MediaIssue("error", "duration", found, rule))
    return issues + durations


def _broken(limit: Limit, prop: str, value: str) -> MediaIssue:
    return MediaIssue(limit.severity, prop, value, limit.rule)
