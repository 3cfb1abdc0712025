"""Media pre-flight cost: probe without cache, cold cache, warm cache.

Scenario from issue 5: 1,000 posts sharing 200 distinct videos. The 200 videos are copies of the
committed valid test/example videos under 200 names, each with its own content id (the cache is
keyed by content id, so this exercises 200 distinct entries; the bytes need not differ).

    .venv/bin/python bench/media_validate.py [--posts 1000] [--videos 200] [--repeat 3]

Prints one line per scenario (median of --repeat runs): total seconds, per post, probes made.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gitops_publisher.media import VideoFacts, inspect_video, probe_video

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "tests" / "data" / "media").glob("valid_*")) + sorted(
    (ROOT / "examples" / "media").glob("*.mp4")
)


class CountingProbe:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, path: Path) -> VideoFacts:
        self.calls += 1
        return probe_video(path)


def make_videos(directory: Path, count: int) -> list[tuple[Path, str]]:
    videos = []
    for i in range(count):
        source = SOURCES[i % len(SOURCES)]
        target = directory / f"video-{i:04d}{source.suffix}"
        shutil.copyfile(source, target)
        content_id = hashlib.sha256(f"{i}:{source.name}".encode()).hexdigest()
        videos.append((target, content_id))
    return videos


def run(posts: list[tuple[Path, str]], cache_dir: Path | None) -> tuple[float, int]:
    probe = CountingProbe()
    start = time.perf_counter()
    for path, content_id in posts:
        report = inspect_video(
            path,
            content_id=content_id if cache_dir else None,
            cache_dir=cache_dir,
            probe=probe,
        )
        assert report.ok, report.issues
    return time.perf_counter() - start, probe.calls


def median_of(repeat: int, once: Callable[[], tuple[float, int]]) -> tuple[float, int]:
    results = [once() for _ in range(repeat)]
    return statistics.median(r[0] for r in results), results[0][1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--videos", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        videos = make_videos(work, args.videos)
        posts = [videos[i % len(videos)] for i in range(args.posts)]
        probe_video(videos[0][0])  # load libmediainfo once, as the first real probe would

        def no_cache() -> tuple[float, int]:
            return run(posts, None)

        def cold() -> tuple[float, int]:
            cache = work / "cache-cold"
            shutil.rmtree(cache, ignore_errors=True)
            return run(posts, cache)

        warm_cache = work / "cache-warm"
        run(posts, warm_cache)

        def warm() -> tuple[float, int]:
            return run(posts, warm_cache)

        print(f"{args.posts} posts sharing {args.videos} videos (median of {args.repeat})")
        for name, scenario in (("no cache", no_cache), ("cold cache", cold), ("warm", warm)):
            seconds, probes = median_of(args.repeat, scenario)
            per_post_ms = seconds / args.posts * 1000
            print(f"{name:>10}: {seconds:7.3f} s  {per_post_ms:6.3f} ms/post  {probes:5d} probes")


if __name__ == "__main__":
    main()
