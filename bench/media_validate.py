"""Media pre-flight cost: probe without cache, cold cache, warm cache; and `publisher validate`.

Scenario from issue 5: 1,000 posts sharing 200 distinct videos.

1. ``inspect_video`` alone: the 200 videos are copies of the committed valid test/example videos
   under 200 names, each with its own content id (the cache is keyed by content id, so this
   exercises 200 distinct entries; the bytes need not differ).
2. ``publisher validate`` as a user runs it (a subprocess, interpreter start-up included) on a
   committed git repository of 1,000 manifests whose 200 videos really differ (each copy carries
   its own trailing ``free`` box, so git gives each its own blob id): cold probe cache, warm
   probe cache, and ``--no-media-checks``.

    .venv/bin/python bench/media_validate.py [--posts 1000] [--videos 200] [--repeat 3]

Prints one line per scenario (median of --repeat runs): total seconds, per post, probes made.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gitops_publisher.media import VideoFacts, probe_video
from gitops_publisher.preflight import inspect_video

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


CONFIG = """\
version: 1
accounts:
  brand-us: {refresh_token_env: TOKEN_US}
  brand-uk: {refresh_token_env: TOKEN_UK}
defaults:
  privacy: SELF_ONLY
  caption: {hashtags: ["#acme"]}
"""


def make_repo(root: Path, posts: int, videos: int) -> None:
    """A committed content repository: ``posts`` manifests (10 per file) over ``videos`` videos."""
    (root / "media").mkdir(parents=True)
    (root / "posts").mkdir()
    (root / "publisher.yaml").write_text(CONFIG, encoding="utf-8")
    isobmff = [p for p in SOURCES if p.suffix in (".mp4", ".mov")]
    for i in range(videos):
        source = isobmff[i % len(isobmff)]
        # A trailing 12-byte 'free' box: still a complete file (bare trailing bytes read as a
        # truncated box), but with its own git blob id.
        data = source.read_bytes() + (12).to_bytes(4, "big") + b"free" + i.to_bytes(4, "big")
        (root / "media" / f"video-{i:04d}{source.suffix}").write_bytes(data)
    names = sorted(p.name for p in (root / "media").iterdir())
    for start in range(0, posts, 10):
        docs = [
            f"version: 1\nid: post-{i:05d}\naccounts: [brand-us, brand-uk]\n"
            f'video: media/{names[i % len(names)]}\ncaption: "Post {i}"\n'
            for i in range(start, min(start + 10, posts))
        ]
        (root / "posts" / f"batch-{start // 10:04d}.yaml").write_text("---\n".join(docs))
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "content"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def run_validate(root: Path, *extra: str) -> float:
    command = [sys.executable, "-m", "gitops_publisher", "-C", str(root), "validate", *extra]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-2000:]
    return elapsed


def validate_section(work: Path, posts: int, videos: int, repeat: int) -> None:
    root = work / "repo"
    make_repo(root, posts, videos)
    cache = root / ".publisher" / "cache" / "media"

    def cold() -> float:
        shutil.rmtree(cache, ignore_errors=True)
        return run_validate(root)

    run_validate(root, "--no-media-checks")  # warm the OS page cache and .pyc files
    scenarios: list[tuple[str, Callable[[], float]]] = [
        ("cold cache", cold),
        ("warm cache", lambda: run_validate(root)),
        ("--no-media-checks", lambda: run_validate(root, "--no-media-checks")),
    ]
    print(f"publisher validate: {posts} posts sharing {videos} videos (median of {repeat})")
    timings: dict[str, list[float]] = {name: [] for name, _ in scenarios}
    for _ in range(repeat):  # interleaved, so background load hits every scenario alike
        for name, once in scenarios:
            timings[name].append(once())
    for name, values in timings.items():
        print(f"{name:>18}: {statistics.median(values):7.3f} s")


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
        print()
        validate_section(work, args.posts, args.videos, args.repeat)


if __name__ == "__main__":
    main()
