"""What pre-flight knows about one video file, and the error when nothing can be known.

These are plain values with no third-party imports, so the rules, the cache, the planner and the
renderers can use them without loading the probing library (see ``probe.py``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from gitops_publisher.errors import PublisherError

# Upload Content-Type per container (reference §5, chunk request headers).
_CONTENT_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm"}


@dataclass(frozen=True)
class VideoFacts:
    """The properties of a video that TikTok checks (reference §6), as read from the file.

    Known values are normalised to short lowercase names; anything else keeps the probing
    library's own name so a message can quote it (``"MPEG-4 Visual"``, ``"AVI"``).

    Attributes:
        container: ``"mp4"``, ``"mov"``, ``"webm"``, ``"mkv"``, or the raw format name.
        video_codec: ``"h264"``, ``"h265"``, ``"vp8"``, ``"vp9"``, ``"av1"``, or the raw name.
        audio_codec: ``"aac"``, ``"opus"``, ``"vorbis"``, the raw name, or None (no audio).
        width: coded width in pixels (before any rotation).
        height: coded height in pixels (before any rotation).
        rotation: display rotation in degrees (0, 90, 180, 270), from the container.
        fps: frames per second (average for variable frame rate), None when unreadable.
        duration_ms: duration of the file in milliseconds.
        size_bytes: size of the file in bytes.
        truncated: the file ends before the data its header announces (cut short).
    """

    container: str
    video_codec: str
    audio_codec: str | None
    width: int
    height: int
    rotation: int
    fps: float | None
    duration_ms: int
    size_bytes: int
    truncated: bool = False

    @property
    def display_width(self) -> int:
        """Width as shown to the viewer (after rotation)."""
        return self.height if self.rotation % 180 == 90 else self.width

    @property
    def display_height(self) -> int:
        """Height as shown to the viewer (after rotation)."""
        return self.width if self.rotation % 180 == 90 else self.height

    @property
    def content_type(self) -> str:
        """The upload's ``Content-Type`` for the container found (see :func:`content_type_for`).

        Raises:
            ValueError: the container has no upload type.
        """
        return content_type_for(self.container)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the cache's and ``--format json``'s representation)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VideoFacts:
        """Build facts from :meth:`to_json` output.

        Raises:
            ValueError: a field is missing or has the wrong type (e.g. a corrupt cache entry).
        """
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                if f.name == "truncated":
                    continue
                raise ValueError(f"missing field {f.name!r}")
            kwargs[f.name] = data[f.name]
        facts = cls(**kwargs)
        _check_types(facts)
        return facts


def _check_types(facts: VideoFacts) -> None:
    ints = (facts.width, facts.height, facts.rotation, facts.duration_ms, facts.size_bytes)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in ints):
        raise ValueError("integer field of the wrong type")
    if not isinstance(facts.container, str) or not isinstance(facts.video_codec, str):
        raise ValueError("container and video_codec must be strings")
    if facts.audio_codec is not None and not isinstance(facts.audio_codec, str):
        raise ValueError("audio_codec must be a string or null")
    if facts.fps is not None and not isinstance(facts.fps, int | float):
        raise ValueError("fps must be a number or null")
    if not isinstance(facts.truncated, bool):
        raise ValueError("truncated must be a boolean")


class MediaProbeError(PublisherError):
    """A file could not be read as a video at all (missing, empty, not a video, no video track).

    Attributes:
        path: the file as the caller named it.
        problem: what the file is, read after "<path> is" ("empty (0 bytes)"), so callers can
            put their own location in front.
        about_content: True when the problem follows from the file's bytes (so a result cached
            by content id stays true); False for a missing file or an unloadable library.
    """

    def __init__(
        self, path: Path, problem: str, *, hint: str = "", about_content: bool = True
    ) -> None:
        super().__init__(f"{path} is {problem}", hint=hint)
        self.path = path
        self.problem = problem
        self.about_content = about_content


def content_type_for(container: str) -> str:
    """Return the upload ``Content-Type`` for a container (``"mp4"`` -> ``"video/mp4"``).

    The one mapping: the upload sends the type of the container the probe found in the file,
    never one guessed from the file's suffix (a ``.mp4`` holding QuickTime is ``video/quicktime``).

    Raises:
        ValueError: the container is not one TikTok accepts; pre-flight (``check_video``)
            reports such a file before any upload is attempted.
    """
    try:
        return _CONTENT_TYPES[container]
    except KeyError:
        raise ValueError(
            f"no upload content type for container {container!r}; TikTok accepts MP4, MOV, WebM"
        ) from None
