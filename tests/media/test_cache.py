"""probe_cached: results stored by content id, so unchanged videos are never probed twice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gitops_publisher.media import MediaProbeError, VideoFacts, probe_cached, probe_video

DATA = Path(__file__).parent.parent / "data" / "media"
VALID = DATA / "valid_h264_aac.mp4"
BLOB_ID = "3b18e512dba79e4c8300dd08aeb37f8e728b8dad"


class CountingProbe:
    """The real probe, counting the files it reads."""

    def __init__(self) -> None:
        self.calls: list[Path] = []

    def __call__(self, path: Path) -> VideoFacts:
        self.calls.append(path)
        return probe_video(path)


def test_second_lookup_of_a_content_id_does_not_probe(tmp_path: Path) -> None:
    probe = CountingProbe()
    first = probe_cached(VALID, BLOB_ID, tmp_path, probe=probe)
    second = probe_cached(VALID, BLOB_ID, tmp_path, probe=probe)
    assert first == second == probe_video(VALID)
    assert probe.calls == [VALID]


def test_same_bytes_under_another_name_hit_the_cache(tmp_path: Path) -> None:
    copy = tmp_path / "renamed.mp4"
    shutil.copyfile(VALID, copy)
    probe = CountingProbe()
    probe_cached(VALID, BLOB_ID, tmp_path / "cache", probe=probe)
    assert probe_cached(copy, BLOB_ID, tmp_path / "cache", probe=probe).width == 540
    assert probe.calls == [VALID]


def test_distinct_content_ids_are_probed_once_each(tmp_path: Path) -> None:
    probe = CountingProbe()
    for _ in range(3):
        for content_id in ("a" * 40, "b" * 40):
            probe_cached(VALID, content_id, tmp_path, probe=probe)
    assert len(probe.calls) == 2


def test_cache_persists_as_one_json_file_per_content_id(tmp_path: Path) -> None:
    probe_cached(VALID, BLOB_ID, tmp_path)
    entry = json.loads((tmp_path / f"{BLOB_ID}.json").read_text())
    assert entry["version"] == 1
    assert entry["facts"]["video_codec"] == "h264"
    assert [p.name for p in tmp_path.iterdir()] == [f"{BLOB_ID}.json"]  # no temp file left


def test_content_ids_unsafe_as_file_names_are_hashed(tmp_path: Path) -> None:
    probe = CountingProbe()
    for _ in range(2):
        probe_cached(VALID, "sha256:../../etc/passwd", tmp_path, probe=probe)
    assert len(probe.calls) == 1
    (entry,) = tmp_path.iterdir()
    assert len(entry.stem) == 64


@pytest.mark.parametrize(
    "corrupt",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"version": 1, "size": 21151}',
        b'{"version": 1, "size": 21151, "facts": {"width": "wide"}}',
        b'{"version": 999, "size": 21151, "facts": {}}',
    ],
)
def test_corrupt_entries_are_a_miss_and_get_rewritten(tmp_path: Path, corrupt: bytes) -> None:
    (tmp_path / f"{BLOB_ID}.json").write_bytes(corrupt)
    probe = CountingProbe()
    assert probe_cached(VALID, BLOB_ID, tmp_path, probe=probe) == probe_video(VALID)
    assert probe_cached(VALID, BLOB_ID, tmp_path, probe=probe) == probe_video(VALID)
    assert len(probe.calls) == 1


def test_entry_for_a_file_of_another_size_is_ignored(tmp_path: Path) -> None:
    probe = CountingProbe()
    probe_cached(VALID, BLOB_ID, tmp_path, probe=probe)
    other = DATA / "valid_hevc_aac.mp4"
    facts = probe_cached(other, BLOB_ID, tmp_path, probe=probe)  # wrong id given by a caller
    assert facts.video_codec == "h265"
    assert probe.calls == [VALID, other]


def test_not_a_video_is_cached_and_raised_again(tmp_path: Path) -> None:
    probe = CountingProbe()
    text = DATA / "invalid_text.mp4"
    for _ in range(2):
        with pytest.raises(MediaProbeError, match="not a video") as caught:
            probe_cached(text, "c" * 40, tmp_path, probe=probe)
        assert caught.value.path == text
    assert probe.calls == [text]


def test_missing_file_is_never_answered_from_the_cache(tmp_path: Path) -> None:
    probe_cached(VALID, BLOB_ID, tmp_path / "cache")
    with pytest.raises(MediaProbeError, match="missing"):
        probe_cached(tmp_path / "gone.mp4", BLOB_ID, tmp_path / "cache")


def test_unwritable_cache_directory_still_returns_facts(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory should be")
    probe = CountingProbe()
    assert probe_cached(VALID, BLOB_ID, blocker, probe=probe).height == 960
    assert probe_cached(VALID, BLOB_ID, blocker, probe=probe).height == 960
    assert len(probe.calls) == 2
