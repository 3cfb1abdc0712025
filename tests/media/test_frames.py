"""Decoding a cover frame with PyAV and encoding it as PNG (``media/frames.py``)."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_publisher.errors import PublisherError
from gitops_publisher.media.facts import MediaProbeError
from gitops_publisher.media.frames import (
    CoverFrame,
    TimestampPastEndError,
    extract_frame,
)

av = pytest.importorskip("av")  # the [preview] extra; CI installs it through [test]

REPO = Path(__file__).resolve().parents[2]
TEASER = REPO / "examples" / "media" / "launch-teaser.mp4"  # testsrc2: moves every frame
DATA = REPO / "tests" / "data" / "media"

# One colour per half second; a keyframe every second, so a time inside a GOP is reached by
# decoding forward from the keyframe before it.
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0), (255, 255, 0)]
FPS = 10
WIDTH, HEIGHT = 64, 48


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk (the first chunk of every PNG)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def centre_pixel(png: bytes, tmp_path: Path) -> tuple[int, int, int]:
    """Decode the PNG (with FFmpeg, as a reviewer's viewer would) and read its centre pixel."""
    path = tmp_path / "frame.png"
    path.write_bytes(png)
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0)).reformat(format="rgb24")
    plane = frame.planes[0]
    row = bytes(plane)[(frame.height // 2) * plane.line_size :]
    x = (frame.width // 2) * 3
    return row[x], row[x + 1], row[x + 2]


@pytest.fixture(scope="module")
def colour_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3 s MPEG-4 video (FFmpeg's native encoder) whose colour changes every 0.5 s."""
    path = tmp_path_factory.mktemp("video") / "colours.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.gop_size = FPS
        stream.codec_context.options = {"qscale": "2"}
        for index in range(len(COLOURS) * FPS // 2):
            frame = av.VideoFrame(WIDTH, HEIGHT, "rgb24")
            plane = frame.planes[0]
            line = bytes(COLOURS[index * 2 // FPS]) * WIDTH
            plane.update(line.ljust(plane.line_size, b"\0") * HEIGHT)
            frame.pts = index
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def close_to(actual: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - e) <= 24 for a, e in zip(actual, expected, strict=True))


def test_the_frame_is_a_png_of_the_videos_size() -> None:
    frame = extract_frame(TEASER, 1200)
    assert png_size(frame.png) == (540, 960) == (frame.width, frame.height)
    assert frame.timestamp_ms == 1200
    assert frame.duration_ms == 5000


def test_different_times_give_different_frames() -> None:
    first, later = extract_frame(TEASER, 0), extract_frame(TEASER, 2000)
    assert (first.timestamp_ms, later.timestamp_ms) == (0, 2000)
    assert first.png != later.png


@pytest.mark.parametrize(
    ("timestamp_ms", "colour"),
    [(0, 0), (400, 0), (401, 1), (500, 1), (1250, 2), (1600, 3), (2100, 4), (2700, 5)],
)
def test_the_first_frame_at_or_after_the_time_is_decoded(
    colour_video: Path, tmp_path: Path, timestamp_ms: int, colour: int
) -> None:
    frame = extract_frame(colour_video, timestamp_ms)
    assert png_size(frame.png) == (WIDTH, HEIGHT)
    assert close_to(centre_pixel(frame.png, tmp_path), COLOURS[colour])


def test_a_time_between_frames_gives_the_next_frame(colour_video: Path) -> None:
    assert extract_frame(colour_video, 1250).timestamp_ms == 1300
    assert extract_frame(colour_video, 1300).timestamp_ms == 1300


def test_the_end_of_the_video_gives_its_last_frame(colour_video: Path, tmp_path: Path) -> None:
    frame = extract_frame(colour_video, 3000)
    assert frame.duration_ms == 3000
    assert frame.timestamp_ms == 2900
    assert close_to(centre_pixel(frame.png, tmp_path), COLOURS[-1])


def test_a_time_past_the_end_is_refused_with_the_valid_range(colour_video: Path) -> None:
    with pytest.raises(TimestampPastEndError) as caught:
        extract_frame(colour_video, 3001)
    assert (caught.value.timestamp_ms, caught.value.duration_ms) == (3001, 3000)
    assert caught.value.hint == "choose a time from 0 to 3000 ms"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("invalid_text.mp4", "not decodable by FFmpeg"),
        ("invalid_empty.mp4", "not decodable by FFmpeg"),
        ("invalid_audio_only.mp4", "not a video: it has no video track"),
        ("no_such_file.mp4", "missing (file not found)"),
    ],
)
def test_a_file_that_is_not_a_video_is_named(name: str, problem: str) -> None:
    with pytest.raises(MediaProbeError) as caught:
        extract_frame(DATA / name, 0)
    assert caught.value.problem.startswith(problem)


@pytest.mark.parametrize("name", ["valid_hevc_aac.mp4", "valid_vp9_opus.webm"])
def test_other_codecs_tiktok_accepts_decode(name: str) -> None:
    frame = extract_frame(DATA / name, 1000)
    assert isinstance(frame, CoverFrame)
    assert png_size(frame.png) == (frame.width, frame.height)
    assert frame.timestamp_ms == 1000


def test_without_pyav_the_message_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "av", None)  # `import av` now raises ImportError
    with pytest.raises(PublisherError) as caught:
        extract_frame(TEASER, 0)
    assert str(caught.value) == (
        "publisher preview needs the optional dependency: pip install 'gitops-publisher[preview]'"
    )


def test_importing_the_module_does_not_load_pyav() -> None:
    code = "import sys, gitops_publisher.media.frames; print('av' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def pixel_at(png: bytes, tmp_path: Path, x: int, y: int) -> tuple[int, int, int]:
    path = tmp_path / "turned.png"
    path.write_bytes(png)
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0)).reformat(format="rgb24")
    plane = frame.planes[0]
    offset = y * plane.line_size + x * 3
    data = bytes(plane)
    return data[offset], data[offset + 1], data[offset + 2]


RED, BLUE = (255, 0, 0), (0, 0, 255)


@pytest.mark.parametrize(
    ("name", "size", "red_corner"),
    [
        # Coded 960x540 with a red square in the coded top-left corner; each file's display
        # matrix turns it as FFmpeg's own autorotate (and phones' players) show it.
        ("rotated_90.mp4", (540, 960), "bottom-left"),
        ("rotated_270.mp4", (540, 960), "top-right"),
        ("rotated_180.mp4", (960, 540), "bottom-right"),
    ],
)
def test_a_rotated_video_is_previewed_as_it_is_shown(
    name: str, size: tuple[int, int], red_corner: str, tmp_path: Path
) -> None:
    frame = extract_frame(DATA / name, 0)
    assert (frame.width, frame.height) == size == png_size(frame.png)
    width, height = size
    corners = {
        "top-left": (20, 20),
        "top-right": (width - 20, 20),
        "bottom-left": (20, height - 20),
        "bottom-right": (width - 20, height - 20),
    }
    for corner, (x, y) in corners.items():
        expected = RED if corner == red_corner else BLUE
        assert close_to(pixel_at(frame.png, tmp_path, x, y), expected), corner
