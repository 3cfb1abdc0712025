"""Resolving manifests per account, and the fingerprints that notice a change."""

from __future__ import annotations

from typing import Any

import pytest

from gitops_publisher.core.desired import (
    FieldProblem,
    VideoRef,
    build_post_info,
    fingerprint,
    resolve_post,
)
from gitops_publisher.core.models import Config, Disclosure, Interactions, PostManifest

CONFIG: dict[str, Any] = {
    "accounts": {
        "brand-us": {"refresh_token_env": "TOKEN_US"},
        "brand-uk": {"refresh_token_env": "TOKEN_UK"},
    },
    "defaults": {
        "privacy": "SELF_ONLY",
        "interactions": {"comments": True},
        "caption": {"suffix": "by Acme", "hashtags": ["#acme"]},
    },
}
VIDEO = VideoRef("media/a.mp4", "git:aaaa", 1_000)


def resolve(
    manifest: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
    *,
    file: str = "posts/a.yaml",
    video: VideoRef = VIDEO,
) -> tuple[list[Any], list[FieldProblem]]:
    fields = {"id": "launch", "accounts": ["brand-us", "brand-uk"], "video": "media/a.mp4"}
    return resolve_post(
        PostManifest.model_validate(fields | (manifest or {})),
        Config.model_validate({"version": 1} | (config or CONFIG)),
        file,
        video,
    )


def fingerprint_of(manifest: dict[str, Any] | None = None, **kwargs: Any) -> str:
    posts, problems = resolve(manifest, **kwargs)
    assert problems == []
    assert len({p.fingerprint for p in posts}) == 1  # the same post for every account
    return str(posts[0].fingerprint)


def test_one_desired_post_per_account_with_defaults_merged() -> None:
    posts, problems = resolve({"caption": "Hello"})
    assert problems == []
    assert [str(p.address) for p in posts] == ["launch@brand-us", "launch@brand-uk"]
    post = posts[0]
    assert post.caption == "Hello\nby Acme #acme"
    assert post.privacy == "SELF_ONLY"
    assert post.post_info == {
        "title": "Hello\nby Acme #acme",
        "privacy_level": "SELF_ONLY",
        "disable_comment": False,  # defaults: comments on
        "disable_duet": True,
        "disable_stitch": True,
        "brand_content_toggle": False,
        "brand_organic_toggle": False,
        "is_aigc": False,
    }
    assert post.fingerprint.startswith("sha256:")


def test_manifest_values_win_over_defaults() -> None:
    posts, _ = resolve(
        {"privacy": "PUBLIC_TO_EVERYONE", "interactions": {"duet": True}, "caption_defaults": False}
    )
    info = posts[0].post_info
    assert info["privacy_level"] == "PUBLIC_TO_EVERYONE"
    assert (info["disable_comment"], info["disable_duet"]) == (True, False)  # whole block wins
    assert "title" not in info  # no caption at all: TikTok gets no title


def test_post_info_carries_cover_and_disclosure() -> None:
    info = build_post_info(
        "hi",
        "FOLLOWER_OF_CREATOR",
        Interactions(comments=True, duet=True, stitch=True),
        Disclosure(brand_content=True, ai_generated=True),
        1200,
    )
    assert info["video_cover_timestamp_ms"] == 1200
    assert (info["brand_content_toggle"], info["brand_organic_toggle"], info["is_aigc"]) == (
        True,
        False,
        True,
    )
    assert not any(info[k] for k in ("disable_comment", "disable_duet", "disable_stitch"))


def test_a_draft_sends_no_post_info() -> None:
    posts, problems = resolve({"mode": "draft", "caption": "notes for the team"})
    assert problems == []
    assert posts[0].post_info == {}
    assert posts[0].privacy is None


# --- fingerprints -----------------------------------------------------------------------------


def test_the_fingerprint_ignores_the_manifest_file_and_the_schedule() -> None:
    base = fingerprint_of()
    assert fingerprint_of(file="posts/elsewhere/renamed.yml") == base
    assert fingerprint_of({"publish_at": "2027-01-01T00:00:00Z"}) == base  # not sent to TikTok


@pytest.mark.parametrize(
    "change",
    [
        {"caption": "different words"},
        {"privacy": "PUBLIC_TO_EVERYONE"},
        {"interactions": {"comments": False}},
        {"disclosure": {"brand_organic": True}},
        {"cover_timestamp_ms": 500},
        {"mode": "draft"},
        {"caption_defaults": False},
    ],
)
def test_every_field_sent_to_tiktok_changes_the_fingerprint(change: dict[str, Any]) -> None:
    assert fingerprint_of(change) != fingerprint_of()


def test_a_new_video_changes_the_fingerprint() -> None:
    other = VideoRef("media/a.mp4", "git:bbbb", 1_000)
    assert fingerprint_of(video=other) != fingerprint_of()
    moved = VideoRef("media/moved.mp4", "git:aaaa", 1_000)  # same content, new path: same post
    assert fingerprint_of(video=moved) == fingerprint_of()


def test_changing_the_team_suffix_changes_posts_that_use_it() -> None:
    config = CONFIG | {"defaults": CONFIG["defaults"] | {"caption": {"suffix": "by Acme Inc"}}}
    assert fingerprint_of(config=config) != fingerprint_of()
    assert fingerprint_of({"caption_defaults": False}, config=config) == fingerprint_of(
        {"caption_defaults": False}
    )


def test_editing_a_drafts_caption_is_not_a_change_since_nothing_is_sent() -> None:
    assert fingerprint_of({"mode": "draft", "caption": "a"}) == fingerprint_of(
        {"mode": "draft", "caption": "b"}
    )


def test_fingerprint_is_canonical_json_of_what_is_sent() -> None:
    one = fingerprint("direct", {"a": 1, "b": "é"}, "git:x")
    assert one == fingerprint("direct", {"b": "é", "a": 1}, "git:x")
    assert one != fingerprint("draft", {"a": 1, "b": "é"}, "git:x")


# --- problems ---------------------------------------------------------------------------------


def test_problems_are_reported_per_field_and_nothing_is_resolved() -> None:
    config = CONFIG | {"defaults": {"caption": {"hashtags": ["#x"]}}}  # no default privacy
    posts, problems = resolve(
        {"accounts": ["brand-us", "brand-fr"], "caption": "🚀" * 1100}, config=config
    )
    assert posts == []
    fields = {p.field: p.message for p in problems}
    assert set(fields) == {"accounts.1", "caption", "privacy"}
    assert "unknown account 'brand-fr'" in fields["accounts.1"]
    assert "2203 UTF-16" in fields["caption"]  # 2200 + " #x"
    assert "needs a privacy level" in fields["privacy"]


def test_a_mistyped_account_among_many_is_suggested_and_the_known_list_is_short() -> None:
    # An agency's publisher.yaml names dozens of clients: the message suggests the close
    # name and lists a few of the rest instead of every account, once per problem.
    clients = {f"client-{i:02d}": {"refresh_token_env": f"TOKEN_{i:02d}"} for i in range(40)}
    config = CONFIG | {"accounts": clients}
    manifest = {"accounts": ["cilent-07"], "captions": {"client_07": "x"}}
    _, problems = resolve(manifest, config=config)
    fields = {p.field: p.message for p in problems}
    assert fields["accounts.0"] == (
        "unknown account 'cilent-07' (did you mean 'client-07'?); declare it under accounts: "
        "in publisher.yaml (known: client-00, client-01, client-02, client-03, client-04, "
        "client-05, client-06, client-07, client-08, client-09 and 30 more)"
    )
    assert "in captions (did you mean 'client-07'?)" in fields["captions.client_07"]


def test_branded_content_cannot_be_private() -> None:
    _, problems = resolve({"disclosure": {"brand_content": True}})
    assert [p.field for p in problems] == ["disclosure.brand_content"]


def test_exactly_2200_units_is_allowed() -> None:
    posts, problems = resolve({"caption": "🚀" * 1100, "caption_defaults": False})
    assert problems == []
    assert posts[0].caption_utf16 == 2200


# --- per-account captions ---------------------------------------------------------------------


def test_captions_override_the_caption_per_account_with_defaults_applied() -> None:
    posts, problems = resolve({"caption": "Hello", "captions": {"brand-uk": "Hello, mate"}})
    assert problems == []
    by_account = {p.address.account: p for p in posts}
    assert by_account["brand-us"].caption == "Hello\nby Acme #acme"
    assert by_account["brand-uk"].caption == "Hello, mate\nby Acme #acme"
    assert by_account["brand-uk"].post_info["title"] == "Hello, mate\nby Acme #acme"
    assert by_account["brand-us"].caption_at == ("caption",)
    assert by_account["brand-uk"].caption_at == ("captions", "brand-uk")
    # each account fingerprints what it sends; the other account's post is untouched
    assert by_account["brand-uk"].fingerprint != by_account["brand-us"].fingerprint
    assert by_account["brand-us"].fingerprint == fingerprint_of({"caption": "Hello"})


def test_an_account_caption_default_replaces_the_team_default_for_that_account() -> None:
    config = CONFIG | {
        "accounts": CONFIG["accounts"]
        | {"brand-jp": {"refresh_token_env": "TOKEN_JP", "caption": {"hashtags": ["#アクメ"]}}}
    }
    posts, problems = resolve(
        {"accounts": ["brand-us", "brand-jp"], "caption": "Hi", "captions": {"brand-jp": "新作"}},
        config,
    )
    assert problems == []
    assert [p.caption for p in posts] == ["Hi\nby Acme #acme", "新作 #アクメ"]


def test_captions_naming_an_unknown_or_unlisted_account_are_errors() -> None:
    config = CONFIG | {
        "accounts": CONFIG["accounts"] | {"brand.jp": {"refresh_token_env": "TOKEN_JP"}}
    }
    posts, problems = resolve(
        {"captions": {"brand-fr": "Bonjour", "brand.jp": "こんにちは"}}, config
    )
    assert posts == []
    assert [(p.field, p.path) for p in problems] == [
        ("captions.brand-fr", ("captions", "brand-fr")),
        ("captions.brand.jp", ("captions", "brand.jp")),  # a dot in the name: still one key
    ]
    assert "unknown account 'brand-fr' in captions" in problems[0].message
    assert "does not publish to: add it to accounts:" in problems[1].message


def test_the_length_limit_applies_to_each_account_caption() -> None:
    posts, problems = resolve({"caption": "ok", "captions": {"brand-uk": "🚀" * 1096}})
    assert posts == []
    assert [(p.path, p.message.split(" is ")[0]) for p in problems] == [
        (("captions", "brand-uk"), "caption for brand-uk")
    ]
    assert "2206 UTF-16 code units" in problems[0].message  # 1096 * 2 + suffix and hashtag


def test_the_same_caption_everywhere_keeps_one_fingerprint() -> None:
    same = fingerprint_of({"caption": "Hello", "captions": {"brand-uk": "Hello"}})
    assert same == fingerprint_of({"caption": "Hello"})
