"""A platform's media limits as a value: what pre-flight checks a video against.

Each platform supplies one :class:`MediaRules` (TikTok's are in
``providers/tiktok/media_rules.py``); pre-flight (``preflight/rules.py``) applies any of them to
a video's probed facts, so a second platform brings its limits as data, not as code. The rule
texts are part of the value because they are the platform's own words in every message
(``frame rate is 15 fps; TikTok accepts 23-60 fps``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Choice:
    """A property that must be one of a few names (containers, codecs).

    Attributes:
        allowed: the accepted names, as the probe normalises them (``"mp4"``, ``"h264"``).
        rule: the rule in words, after "...; " in a message.
        severity: ``"error"`` (the platform rejects it) or ``"warning"``.
    """

    allowed: tuple[str, ...]
    rule: str
    severity: Severity = "error"


@dataclass(frozen=True)
class Limit:
    """A bound on a number (frames per second, seconds, bytes, width/height ratio).

    Attributes:
        low: the smallest accepted value, or None for no lower bound.
        high: the largest accepted value, or None for no upper bound.
        rule: the rule in words.
        severity: ``"error"`` or ``"warning"`` (e.g. a video that is fine but will not count
            as a YouTube Short).
    """

    low: float | None = None
    high: float | None = None
    rule: str = ""
    severity: Severity = "error"

    def breaks(self, value: float) -> bool:
        """True when ``value`` is outside the bound."""
        return (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        )


@dataclass(frozen=True)
class Sides:
    """A bound on the picture's size, by its short and long side (orientation-free).

    Attributes:
        short_min: the short side's minimum in pixels.
        long_min: the long side's minimum in pixels (0: none).
        long_max: the long side's maximum in pixels (None: none).
        rule: the rule in words.
        severity: ``"error"`` or ``"warning"``.
    """

    short_min: int
    long_min: int = 0
    long_max: int | None = None
    rule: str = ""
    severity: Severity = "error"

    def breaks(self, width: int, height: int) -> bool:
        """True when a ``width`` x ``height`` picture is outside the bound."""
        short_side, long_side = sorted((width, height))
        too_long = self.long_max is not None and long_side > self.long_max
        return short_side < self.short_min or long_side < self.long_min or too_long


@dataclass(frozen=True)
class MediaRules:
    """Everything one platform checks about a video file before accepting it.

    A field left empty checks nothing. Within ``resolution`` only the first bound a video
    breaks is reported (an error before the recommendation it implies); every other limit is
    reported on its own.

    Attributes:
        platform: the platform's name as messages say it (``"TikTok"``).
        not_a_video: the rule quoted when a file cannot be read as a video at all.
        containers: accepted containers.
        video_codecs: accepted video codecs.
        audio_codecs: per container, the audio codecs expected in it (a video without audio
            passes).
        fps: accepted frame rates.
        fps_unknown: the rule quoted (as a warning) when the frame rate cannot be read; None
            says nothing.
        resolution: bounds on the displayed picture, checked in order.
        aspect: a bound on width / height as displayed (``high=1.0``: vertical or square).
        size_bytes: bounds on the file's size.
        duration_sec: bounds on the duration, in seconds.
        account_duration: the rule when the account's own limit (e.g. TikTok's creator_info
            ``max_video_post_duration_sec``) is exceeded; ``{limit}`` is replaced by it.
    """

    platform: str
    not_a_video: str
    containers: Choice | None = None
    video_codecs: Choice | None = None
    audio_codecs: tuple[tuple[str, Choice], ...] = ()
    fps: Limit | None = None
    fps_unknown: str | None = None
    resolution: tuple[Sides, ...] = ()
    aspect: Limit | None = None
    size_bytes: tuple[Limit, ...] = ()
    duration_sec: tuple[Limit, ...] = ()
    account_duration: str = "this account can post up to {limit} s"
