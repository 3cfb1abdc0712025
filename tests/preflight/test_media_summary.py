"""Pre-flight's summary of a video shows the chunk plan of the platform it is asked for."""

from __future__ import annotations

from gitops_publisher.media.facts import VideoFacts
from gitops_publisher.preflight.media import media_summary

FACTS = VideoFacts("mp4", "h264", "aac", 1080, 1920, 0, 30.0, 30_000, 40_000_000)


def test_the_summary_has_the_chunk_plan_of_the_platform_asked() -> None:
    tiktok = media_summary(FACTS)  # the default platform: TikTok's init, 4 chunks of 10 MB
    assert (tiktok.chunk_size, tiktok.chunk_count) == (10_000_000, 4)
    youtube = media_summary(FACTS, "youtube")  # resumable PUTs of 16 MiB
    assert (youtube.chunk_size, youtube.chunk_count) == (16 * 2**20, 3)
    assert youtube.model_copy(update={"chunk_size": 10_000_000, "chunk_count": 4}) == tiktok
