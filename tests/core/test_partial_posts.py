"""Checking a post whose file has invalid fields: every rule not reading them still runs.

``draft_posts`` and ``check_post`` take the manifest's invalid fields (``unknown``, left at
their defaults in the model): a rule reading one is skipped, every other rule runs, and the
posts are never returned for planning by ``resolve_post``.
"""

from __future__ import annotations

from typing import Any

from gitops_publisher.core.desired import VideoRef, draft_posts, resolve_post
from gitops_publisher.core.models import Config, PostManifest
from gitops_publisher.core.policy import check_post

CONFIG = Config.model_validate(
    {
        "version": 1,
        "accounts": {
            "brand-us": {"refresh_token_env": "TOKEN_US"},
            "shorts": {"provider": "youtube", "refresh_token_env": "TOKEN_YT"},
        },
        "defaults": {"youtube": {"privacy": "private"}},
        "policy": {
            "banned_terms": {"terms": ["guaranteed"]},
            "brand_content_disclosure": {"any_of": ["#ad"]},
            "require_ai_generated": {},
        },
    }
)
VIDEO = VideoRef("media/a.mp4", "git:aaaa", 1_000)


def manifest(**fields: Any) -> PostManifest:
    base = {"id": "launch", "accounts": ["brand-us", "shorts"], "video": "media/a.mp4"}
    return PostManifest.model_validate(base | fields)


def found(post: PostManifest, *unknown: str) -> list[str]:
    """``field: message`` of every problem and policy violation, for ``unknown`` fields."""
    posts, problems = draft_posts(post, CONFIG, "posts/a.yaml", VIDEO, unknown=frozenset(unknown))
    violations = check_post(CONFIG.policy, post, CONFIG.defaults, posts, unknown=frozenset(unknown))
    return [f"{p.field}: {p.message}" for p in problems] + [
        f"{v.field}: {v.message}" for v in violations
    ]


def test_a_valid_post_resolves_as_before() -> None:
    post = manifest(caption="Hello #ad", privacy="SELF_ONLY", disclosure={"ai_generated": False})
    assert found(post) == []
    drafts, _ = draft_posts(post, CONFIG, "posts/a.yaml", VIDEO)
    assert resolve_post(post, CONFIG, "posts/a.yaml", VIDEO) == (drafts, [])


def test_an_unknown_privacy_is_not_reported_missing_but_the_caption_is_checked() -> None:
    post = manifest(caption="guaranteed", disclosure={"ai_generated": False})
    assert [f.split(":")[0] for f in found(post)] == ["privacy", "caption"]
    assert [f.split(":")[0] for f in found(post, "privacy")] == ["caption"]


def test_an_unknown_caption_skips_every_rule_reading_it() -> None:
    post = manifest(privacy="SELF_ONLY", disclosure={"ai_generated": False})
    assert any("YouTube needs a title" in f for f in found(post))  # no caption: no title
    assert found(post, "caption") == []


def test_an_unknown_disclosure_field_skips_only_its_rules() -> None:
    post = manifest(caption="Hello", privacy="PUBLIC_TO_EVERYONE")
    assert [f.split(":")[0] for f in found(post)] == ["disclosure.ai_generated"]
    assert found(post, "disclosure.ai_generated") == []
    branded = manifest(
        caption="Hello",
        privacy="PUBLIC_TO_EVERYONE",
        disclosure={"brand_content": True, "ai_generated": False},
    )
    assert [f.split(":")[0] for f in found(branded)] == ["caption"]  # no '#ad' in it
    assert found(branded, "disclosure.brand_content") == []


def test_an_unknown_youtube_field_leaves_the_other_youtube_rules() -> None:
    post = manifest(
        accounts=["shorts"],
        caption="Hello",
        publish_at="2026-12-10T09:00:00Z",
        youtube={"privacy": "public"},
        disclosure={"ai_generated": False},
    )
    assert [f.split(":")[0] for f in found(post, "youtube.title")] == ["youtube.privacy"]
    assert found(post, "youtube.privacy") == []
    assert found(post, "publish_at") == []  # the schedule is not known: nothing to check


def test_unknown_accounts_check_nothing_and_no_post_is_planned() -> None:
    post = manifest(caption="guaranteed")
    assert draft_posts(post, CONFIG, "posts/a.yaml", VIDEO, unknown=frozenset({"accounts"})) == (
        [],
        [],
    )
