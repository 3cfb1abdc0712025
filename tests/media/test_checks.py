"""check_videos: each distinct video inspected once, problems placed at every manifest."""

from __future__ import annotations

import shutil
from pathlib import Path

from gitops_publisher.media import VideoFacts, probe_video
from gitops_publisher.preflight import VideoUse, check_videos, media_summary

DATA = Path(__file__).parent.parent / "data" / "media"


class CountingProbe:
    def __init__(self) -> None:
        self.paths: list[Path] = []

    def __call__(self, path: Path) -> VideoFacts:
        self.paths.append(path)
        return probe_video(path)


def make_root(tmp_path: Path, *names: str) -> Path:
    (tmp_path / "media").mkdir()
    for name in names:
        shutil.copyfile(DATA / name, tmp_path / "media" / name)
    return tmp_path


def use(post_id: str, name: str, manifest: str = "posts/a.yaml") -> VideoUse:
    return VideoUse(post_id, manifest, f"media/{name}", f"id-{name}")


def test_each_content_id_is_probed_once_and_located_only_when_needed(tmp_path: Path) -> None:
    root = make_root(tmp_path, "valid_h264_aac.mp4", "invalid_15fps.mp4")
    probe = CountingProbe()
    located: list[str] = []

    def locate(post_id: str, key: str) -> tuple[int | None, int | None]:
        assert key == "video"
        located.append(post_id)
        return 4, 8

    uses = [use(f"ok{i}", "valid_h264_aac.mp4") for i in range(5)]
    uses += [use("bad1", "invalid_15fps.mp4", "posts/b.yaml"), use("bad2", "invalid_15fps.mp4")]
    result = check_videos(root, uses, cache_dir=None, locate=locate, probe=probe)

    assert len(probe.paths) == 2
    assert located == ["bad1", "bad2"]
    assert not result.ok
    assert [d.render() for d in result.diagnostics] == [
        "posts/b.yaml:4:8 video: media/invalid_15fps.mp4: frame rate is 15 fps; "
        "TikTok accepts 23-60 fps",
        "posts/a.yaml:4:8 video: media/invalid_15fps.mp4: frame rate is 15 fps; "
        "TikTok accepts 23-60 fps",
    ]
    assert set(result.reports) == {"id-valid_h264_aac.mp4", "id-invalid_15fps.mp4"}


def test_a_warning_is_reported_once_per_video(tmp_path: Path) -> None:
    root = make_root(tmp_path, "short_2s.mp4")
    uses = [use(f"p{i}", "short_2s.mp4") for i in range(3)]
    result = check_videos(root, uses, cache_dir=None, locate=lambda _p, _k: (3, 8))
    assert result.ok
    (diagnostic,) = result.diagnostics
    assert diagnostic.severity == "warning"
    assert diagnostic.message.endswith("(also used by 2 other post(s))")


def test_warm_cache_probes_nothing(tmp_path: Path) -> None:
    root = make_root(tmp_path, "valid_h264_aac.mp4", "invalid_text.mp4")
    cache = tmp_path / "cache"
    uses = [use("a", "valid_h264_aac.mp4"), use("b", "invalid_text.mp4")]
    cold, warm = CountingProbe(), CountingProbe()
    first = check_videos(root, uses, cache_dir=cache, locate=lambda _p, _k: (1, 1), probe=cold)
    second = check_videos(root, uses, cache_dir=cache, locate=lambda _p, _k: (1, 1), probe=warm)
    assert len(cold.paths) == 2
    assert warm.paths == []
    assert second.diagnostics == first.diagnostics
    assert second.reports == first.reports


def test_summary_carries_the_upload_chunk_plan() -> None:
    facts = VideoFacts("mp4", "h264", "aac", 1080, 1920, 90, 30.0, 40_000, 123_456_789)
    summary = media_summary(facts)
    assert (summary.width, summary.height) == (1920, 1080)  # rotation applied
    assert (summary.chunk_size, summary.chunk_count) == (10_000_000, 12)
    small = media_summary(probe_video(DATA / "valid_h264_aac.mp4"))
    assert (small.chunk_count, small.chunk_size) == (1, small.size)


def test_a_cover_time_past_the_end_is_an_error_at_the_cover_field(tmp_path: Path) -> None:
    root = make_root(tmp_path, "valid_h264_aac.mp4")
    duration = probe_video(root / "media" / "valid_h264_aac.mp4").duration_ms
    assert duration is not None
    uses = [
        VideoUse("late", "posts/a.yaml", "media/valid_h264_aac.mp4", "id", duration + 1),
        VideoUse("end", "posts/b.yaml", "media/valid_h264_aac.mp4", "id", duration),
        VideoUse("unset", "posts/c.yaml", "media/valid_h264_aac.mp4", "id", None),
    ]
    places = {"cover_timestamp_ms": (9, 21), "video": (4, 8)}
    result = check_videos(root, uses, cache_dir=None, locate=lambda _p, key: places[key])
    assert not result.ok
    assert [d.render() for d in result.diagnostics] == [
        f"posts/a.yaml:9:21 cover_timestamp_ms: {duration + 1} ms is past the end of "
        f"media/valid_h264_aac.mp4 ({duration} ms long); TikTok would silently use the first "
        f"frame: choose a time from 0 to {duration}"
    ]
