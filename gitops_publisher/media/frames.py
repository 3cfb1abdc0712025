"""Decode one frame of a video and encode it as PNG, for ``publisher preview``.

This is the only module that touches PyAV (style: one module per third-party library). PyAV is
an optional dependency (``pip install 'gitops-publisher[preview]'``) because only the preview
needs to decode pixels; probing for pre-flight stays on pymediainfo (``probe.py``), which reads
headers in milliseconds but cannot decode. ``av`` is imported inside the functions, so importing
this module (or running any other command) never loads FFmpeg.

The PNG is encoded by FFmpeg's own ``png`` encoder through PyAV, so there is no Pillow
dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from gitops_publisher.errors import PublisherError
from gitops_publisher.media.facts import MediaProbeError

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

INSTALL_HINT = "pip install 'gitops-publisher[preview]'"


@dataclass(frozen=True)
class CoverFrame:
    """One decoded frame, encoded as PNG.

    Attributes:
        png: the PNG file's bytes.
        width: width of the image in pixels, as the video is shown (after its rotation).
        height: height of the image in pixels, as the video is shown.
        timestamp_ms: presentation time of the decoded frame, from the video's start (the first
            frame at or after the requested time; the last frame when none is after it).
        duration_ms: the video's duration, or None when the file does not say.
    """

    png: bytes
    width: int
    height: int
    timestamp_ms: int
    duration_ms: int | None


class TimestampPastEndError(PublisherError):
    """The requested time lies after the end of the video.

    Attributes:
        path: the video.
        timestamp_ms: the time that was asked for.
        duration_ms: the video's duration.
    """

    def __init__(self, path: Path, timestamp_ms: int, duration_ms: int) -> None:
        super().__init__(
            f"{path}: {timestamp_ms} ms is past the end of the video ({duration_ms} ms)",
            hint=f"choose a time from 0 to {duration_ms} ms",
        )
        self.path = path
        self.timestamp_ms = timestamp_ms
        self.duration_ms = duration_ms


def load_av() -> ModuleType:
    """Import PyAV, or say how to install it.

    Raises:
        PublisherError: PyAV is not installed (it is the optional ``preview`` extra).
    """
    try:
        import av
    except ImportError as exc:
        raise PublisherError(
            f"publisher preview needs the optional dependency: {INSTALL_HINT}",
            hint="only `publisher preview` decodes video; the other commands do not need it",
        ) from exc
    return av


def extract_frame(path: Path, timestamp_ms: int) -> CoverFrame:
    """Decode the frame shown at ``timestamp_ms`` of the video at ``path`` and encode it as PNG.

    Seeks to the nearest keyframe at or before the time, then decodes forward to the first
    frame whose presentation time is at or after it (TikTok's ``video_cover_timestamp_ms``
    names a time, not a frame number).

    Raises:
        PublisherError: PyAV is not installed.
        TimestampPastEndError: ``timestamp_ms`` is after the video's duration.
        MediaProbeError: the file is missing, or FFmpeg cannot decode a video frame from it.
    """
    av = load_av()
    if not path.is_file():
        raise MediaProbeError(path, "missing (file not found)", about_content=False)
    try:
        with av.open(str(path)) as container:
            return _extract(path, container, timestamp_ms)
    except av.error.FFmpegError as exc:
        raise MediaProbeError(path, f"not decodable by FFmpeg ({exc})") from exc


def _extract(path: Path, container: InputContainer, timestamp_ms: int) -> CoverFrame:
    if not container.streams.video:
        raise MediaProbeError(path, "not a video: it has no video track")
    stream = container.streams.video[0]
    duration = _duration_ms(container, stream)
    if duration is not None and timestamp_ms > duration:
        raise TimestampPastEndError(path, timestamp_ms, duration)
    time_base = stream.time_base or Fraction(1, 1000)
    start = stream.start_time or 0
    target = start + int(Fraction(timestamp_ms, 1000) / time_base)
    frame = _decode_at(container, stream, target)
    if frame is None:
        raise MediaProbeError(path, "not a video: no frame could be decoded")
    shown = int((Fraction(frame.pts or start) - start) * time_base * 1000)
    upright = _as_shown(frame)
    return CoverFrame(_encode_png(upright), upright.width, upright.height, max(shown, 0), duration)


def _duration_ms(container: InputContainer, stream: VideoStream) -> int | None:
    if stream.duration is not None and stream.time_base is not None:
        return int(stream.duration * stream.time_base * 1000)
    if container.duration is not None:  # in AV_TIME_BASE units (microseconds)
        return container.duration // 1000
    return None


def _decode_at(container: InputContainer, stream: VideoStream, target: int) -> VideoFrame | None:
    """The first frame with ``pts >= target``, else the last frame decoded, else None."""
    if target > (stream.start_time or 0):
        container.seek(target, stream=stream, backward=True, any_frame=False)
    last: VideoFrame | None = None
    for frame in container.decode(stream):
        if frame.pts is None:
            continue
        last = frame
        if frame.pts >= target:
            break
    return last


# A display matrix's rotation (PyAV: degrees counterclockwise, in [-180, 180]) -> the filters
# that turn the coded picture the way players show it (what FFmpeg's own autorotate does).
_UPRIGHT: dict[int, tuple[tuple[str, str | None], ...]] = {
    90: (("transpose", "cclock"),),
    -90: (("transpose", "clock"),),
    270: (("transpose", "clock"),),
    180: (("hflip", None), ("vflip", None)),
    -180: (("hflip", None), ("vflip", None)),
}


def _as_shown(frame: VideoFrame) -> VideoFrame:
    """``frame`` turned by its display matrix: a phone's portrait clip is coded landscape.

    Other angles than multiples of 90 degrees are left as coded (players differ on them).
    """
    import av

    steps = _UPRIGHT.get(round(frame.rotation))
    if not steps:
        return frame
    graph = av.filter.Graph()
    source = graph.add_buffer(
        width=frame.width,
        height=frame.height,
        format=frame.format,
        time_base=frame.time_base or Fraction(1, 1000),
    )
    node = source
    for name, args in steps:
        following = graph.add(name, args) if args else graph.add(name)
        node.link_to(following)
        node = following
    sink = graph.add("buffersink")
    node.link_to(sink)
    graph.configure()
    source.push(frame)
    turned = sink.pull()
    assert isinstance(turned, av.VideoFrame)
    return turned


def _encode_png(frame: VideoFrame) -> bytes:
    """Encode ``frame`` with FFmpeg's PNG encoder (8-bit RGB)."""
    import av
    from av.video.codeccontext import VideoCodecContext  # not exported by av itself before 13

    codec = av.CodecContext.create("png", "w")
    assert isinstance(codec, VideoCodecContext)
    codec.width = frame.width
    codec.height = frame.height
    codec.pix_fmt = "rgb24"
    rgb = frame.reformat(format="rgb24")
    packets = [*codec.encode(rgb), *codec.encode(None)]
    return b"".join(bytes(packet) for packet in packets)
