"""One plan with a change of every kind the plan views show, for their golden files.

Planned by the real planner (TikTok direct and draft, TikTok waiting, YouTube scheduled with
tags, YouTube derived from the caption, both platforms' budget sections), then given what a
plan made against a state holds (handles, media facts, drifts, a move, a resume's quota).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gitops_publisher.core.desired import DesiredPost, VideoRef, resolve_post
from gitops_publisher.core.models import Config, PostManifest
from gitops_publisher.core.plan import Action, Change, FieldChange, MediaSummary, Plan
from gitops_publisher.core.planner import plan
from gitops_publisher.core.state import State
from gitops_publisher.providers.registry import PLATFORMS

NOW = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
CONFIG = Config.model_validate(
    {
        "version": 1,
        "accounts": {
            "brand-us": {"refresh_token_env": "TOKEN_US", "timezone": "America/New_York"},
            "brand-uk": {"refresh_token_env": "TOKEN_UK", "timezone": "Europe/London"},
            "shorts-a": {"provider": "youtube", "refresh_token_env": "YT_A"},
            "shorts-c": {
                "provider": "youtube",
                "refresh_token_env": "YT_C",
                "client_id_env": "OTHER_GOOGLE_CLIENT_ID",
            },
        },
        "defaults": {"privacy": "SELF_ONLY", "youtube": {"privacy": "public"}},
    }
)
VIDEO = VideoRef("media/a.mp4", "git:aaaabbbbccccdddd", 1_234_567)
MEDIA = MediaSummary(
    container="mp4",
    video_codec="h264",
    audio_codec="aac",
    width=1080,
    height=1920,
    fps=30,
    duration_ms=21_500,
    size=12_345_678,
    chunk_size=10_000_000,
    chunk_count=2,
)


def _posts(post_id: str, *accounts: str, **fields: Any) -> list[DesiredPost]:
    manifest = PostManifest.model_validate(
        {"id": post_id, "accounts": list(accounts), "video": VIDEO.path, **fields}
    )
    posts, problems = resolve_post(manifest, CONFIG, f"posts/{post_id}.yaml", VIDEO)
    assert problems == []
    return posts


def sample_plan() -> Plan:
    """The plan the golden files render (deterministic: a fixed clock, no state)."""
    posts = [
        *_posts(
            "launch",
            "brand-us",
            caption="Meet the new drop\nout now #launch",
            interactions={"comments": True},
            cover_timestamp_ms=1200,
            disclosure={"brand_content": True, "ai_generated": True},
            privacy="PUBLIC_TO_EVERYONE",
        ),
        *_posts("notes", "brand-uk", caption="notes for the team", mode="draft"),
        *_posts("later", "brand-us", caption="soon", publish_at="2099-01-10T09:00:00-05:00"),
        *_posts(
            "teaser",
            "shorts-a",
            caption="Teaser #shorts",
            publish_at="2099-01-10T09:00:00-05:00",
            youtube={
                "title": "The teaser",
                "description": "Line one\nline two",
                "tags": ["launch", "new drop"],
                "category": 28,
                "default_language": "en",
                "privacy": "private",
            },
        ),
        *_posts(
            "clip",
            "shorts-c",
            caption="A clip from the launch\nwith more words #shorts #launch",
            youtube={"made_for_kids": False, "contains_synthetic_media": True},
        ),
    ]
    state = State(lineage="00000000-0000-4000-8000-000000000000")
    planned = plan(posts, state, NOW, accounts=CONFIG.accounts, platforms=PLATFORMS)
    changes = {c.address: c for c in planned.changes}
    launch = changes["launch@brand-us"].model_copy(update={"media": MEDIA})
    resumed = changes["notes@brand-uk"].model_copy(
        update={
            "action": Action.RESUME,
            "reason": "init sent, outcome unknown",
            "publish_id": "v_inbox_file~7",
            "status": "uploading",
        }
    )
    session = changes["clip@shorts-c"].model_copy(
        update={
            "action": Action.RESUME,
            "reason": "upload started, outcome unknown",
            "publish_id": "upload session …abcd",
            "status": "uploading",
        }
    )
    drifted = launch.model_copy(
        update={
            "address": "old@brand-us",
            "post_id": "old",
            "action": Action.DRIFT,
            "reason": "the manifest changed since it was published",
            "diff": [
                FieldChange(field="caption", before="was\nthis", after="now this"),
                FieldChange(field="video_size", before=1000, after=2_000_000),
                FieldChange(field="interactions.duet", before=True, after=False),
                FieldChange(field="cover_timestamp_ms", before=None, after=500),
                FieldChange(field="privacy", before="SELF_ONLY", after="PUBLIC_TO_EVERYONE"),
            ],
        }
    )
    drifted_yt = changes["teaser@shorts-a"].model_copy(
        update={
            "address": "older@shorts-a",
            "post_id": "older",
            "action": Action.DRIFT,
            "reason": "the manifest changed since it was published",
            "diff": [
                FieldChange(field="youtube.title", before="Old", after="New title"),
                FieldChange(field="youtube.description", before="a\nb", after=None),
                FieldChange(field="youtube.tags", before="x, y", after="x"),
                FieldChange(field="youtube.made_for_kids", before=None, after=False),
            ],
        }
    )
    unrecorded = changes["later@brand-us"].model_copy(
        update={
            "address": "ancient@brand-us",
            "action": Action.DRIFT,
            "reason": "the video changed since it was published",
            "diff": None,
        }
    )
    moved = changes["later@brand-us"].model_copy(
        update={
            "address": "renamed@brand-uk",
            "action": Action.NOOP,
            "reason": "published, unchanged",
            "moved_from": "former@brand-uk",
        }
    )
    ordered = [
        launch,
        resumed,
        changes["later@brand-us"],
        changes["teaser@shorts-a"],
        session,
        drifted,
        drifted_yt,
        unrecorded,
        moved,
    ]
    (google, *_) = planned.youtube_quotas
    other = google.model_copy(
        update={
            "client": "THIRD_GOOGLE_CLIENT_ID",
            "accounts": ["shorts-x", "shorts-y"],
            "model": "units",
            "upload_limit": None,
            "resumes": 2,
            "lookup_units": 6,
            "units": 3_215,
        }
    )
    return planned.model_copy(
        update={
            "changes": ordered,
            "youtube_quotas": [*planned.youtube_quotas, other],
            "moves": {"former@brand-uk": "renamed@brand-uk"},
            "warnings": ["a warning"],
        }
    )


def sample_change(**update: Any) -> Change:
    """The sample's TikTok direct change with ``update`` (for single-change checks)."""
    return sample_plan().changes[0].model_copy(update=update)
