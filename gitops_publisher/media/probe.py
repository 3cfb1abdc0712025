"""Read a video's container, codecs, size, frame rate and duration with pymediainfo.

This is the only module that touches pymediainfo (style: one module per third-party library),
and it imports it inside :func:`probe_video` so commands that never probe start fast.

Why pymediainfo: its manylinux wheel bundles libmediainfo (no system package, no ffmpeg), it read
MP4, MOV, WebM, H.264, HEVC, VP9 and MPEG-4 Part 2 correctly in a few milliseconds with
``parse_speed=0`` (headers only), and it flags truncated files. It returns ``format=None`` for
garbage instead of raising, so every "not a video" case is checked here explicitly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitops_publisher.media.facts import MediaProbeError, VideoFacts

_LFS_POINTER_PREFIX = b"version https://git-lfs.github.com/spec/"

# MediaInfo format names -> our short names. Anything else is kept as MediaInfo names it.
_VIDEO_CODECS = {"AVC": "h264", "HEVC": "h265", "VP8": "vp8", "VP9": "vp9", "AV1": "av1"}
_AUDIO_CODECS = {"AAC": "aac", "Opus": "opus", "Vorbis": "vorbis"}
_CONTAINERS = {"WebM": "webm", "Matroska": "mkv"}


def probe_video(path: Path) -> VideoFacts:
    """Read the facts pre-flight checks from the video at ``path`` (headers only, fast).

    Raises:
        MediaProbeError: the file is missing, empty, a Git LFS pointer, not a recognisable
            container, has no video track, or the media library cannot be loaded.
    """
    if not path.is_file():
        raise MediaProbeError(
            path,
            "missing (file not found)",
            hint="check the manifest's `video:` path",
            about_content=False,
        )
    size = path.stat().st_size
    if size == 0:
        raise MediaProbeError(path, "empty (0 bytes), not a video")
    try:
        from pymediainfo import MediaInfo

        info: Any = MediaInfo.parse(path, parse_speed=0)
    except OSError as exc:
        # pymediainfo raises OSError when libmediainfo cannot be loaded or the file read.
        raise MediaProbeError(
            path,
            f"unreadable by MediaInfo ({exc})",
            hint="reinstall gitops-publisher so pymediainfo's bundled libmediainfo is present",
            about_content=False,
        ) from exc
    return _facts_from(path, size, info)


def _facts_from(path: Path, size: int, info: Any) -> VideoFacts:
    general = info.general_tracks[0] if info.general_tracks else None
    container_format = getattr(general, "format", None)
    if container_format is None:
        if _is_lfs_pointer(path):
            raise MediaProbeError(
                path,
                "a Git LFS pointer, not the video",
                hint="fetch LFS files first (`git lfs pull`, or `lfs: true` in actions/checkout)",
            )
        raise MediaProbeError(path, "not a video (no recognisable container)")
    if not info.video_tracks:
        problem = f"a file with no video track ({container_format} container)"
        if _yes(getattr(general, "istruncated", None)):
            problem += " (the file is truncated)"
        raise MediaProbeError(path, problem)
    video = info.video_tracks[0]
    audio = info.audio_tracks[0] if info.audio_tracks else None
    duration_ms = _number(getattr(general, "duration", None))
    if duration_ms is None:
        duration_ms = _number(getattr(video, "duration", None)) or 0.0
    return VideoFacts(
        container=_container(container_format, general),
        video_codec=_VIDEO_CODECS.get(video.format, video.format or "unknown"),
        audio_codec=_AUDIO_CODECS.get(audio.format, audio.format) if audio is not None else None,
        width=int(_number(video.width) or 0),
        height=int(_number(video.height) or 0),
        rotation=int(_number(getattr(video, "rotation", None)) or 0) % 360,
        fps=_fps(video, duration_ms),
        duration_ms=round(duration_ms),
        size_bytes=size,
        truncated=_yes(getattr(general, "istruncated", None)),
    )


def _container(container_format: str, general: Any) -> str:
    if container_format == "MPEG-4":
        # MediaInfo calls both "MPEG-4"; QuickTime files have profile QuickTime / brand "qt  ".
        profile = getattr(general, "format_profile", None) or ""
        brand = (getattr(general, "codec_id", None) or "").strip()
        return "mov" if profile == "QuickTime" or brand == "qt" else "mp4"
    return _CONTAINERS.get(container_format, container_format)


def _fps(video: Any, duration_ms: float) -> float | None:
    fps = _number(getattr(video, "frame_rate", None))
    if fps is None:
        # Variable frame rate streams may only carry a frame count; use the average.
        frames = _number(getattr(video, "frame_count", None))
        if frames and duration_ms:
            fps = frames * 1000 / duration_ms
    return round(fps, 3) if fps is not None else None


def _number(value: object) -> float | None:
    """MediaInfo gives numbers as int, or as strings like ``"30.000"`` / ``"3500.000000"``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).split("/")[0])
    except ValueError:
        return None


def _yes(value: object) -> bool:
    return str(value).strip().lower() == "yes"


def _is_lfs_pointer(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(_LFS_POINTER_PREFIX)) == _LFS_POINTER_PREFIX
