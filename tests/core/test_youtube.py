"""YouTube accounts and fields: the limits, the derivation from the caption, the fingerprint."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from gitops_publisher.core.desired import FieldProblem, VideoRef, resolve_post
from gitops_publisher.core.models import Config, PostManifest, TikTokAccount, YouTubeAccount
from gitops_publisher.core.youtube import caption_tags, first_line
from gitops_publisher.core.youtube_limits import tags_length, title_length

CHANNEL = "UC" + "abcdefghijklmnopqrstuv"
VIDEO = VideoRef("media/launch.mp4", "git:" + "1" * 40, 1000)


def config(**defaults: Any) -> Config:
    return Config.model_validate(
        {
            "version": 1,
            "accounts": {
                "brand-us": {"refresh_token_env": "TOKEN_US"},
                "acme-yt": {
                    "provider": "youtube",
                    "refresh_token_env": "YT_TOKEN",
                    "handle": "@acme",
                    "channel_id": CHANNEL,
                },
                "acme-yt2": {"provider": "youtube", "refresh_token_env": "YT_TOKEN_2"},
            },
            "defaults": {"privacy": "SELF_ONLY", **defaults},
        }
    )


def manifest(**fields: Any) -> PostManifest:
    return PostManifest.model_validate(
        {
            "id": "launch",
            "accounts": ["brand-us", "acme-yt"],
            "video": VIDEO.path,
            "caption": "Meet the new drop 🚀 #launch #Shorts\nOut now at acme.example",
            "youtube": {"privacy": "public"},
        }
        | fields
    )


def resolve(post: PostManifest, conf: Config | None = None) -> tuple[dict[str, Any], list[Any]]:
    posts, problems = resolve_post(post, conf or config(), "posts/launch.yaml", VIDEO)
    return {p.address.account: p for p in posts}, problems


# --- the accounts -----------------------------------------------------------------------------


def test_provider_picks_the_account_model_and_tiktok_stays_the_default() -> None:
    accounts = config().accounts
    assert isinstance(accounts["brand-us"], TikTokAccount)
    assert isinstance(accounts["acme-yt"], YouTubeAccount)
    youtube = accounts["acme-yt"]
    assert (youtube.identity_handle, youtube.identity_id) == ("@acme", CHANNEL)
    assert (youtube.client_id_env, youtube.client_secret_env) == (
        "YOUTUBE_CLIENT_ID",
        "YOUTUBE_CLIENT_SECRET",
    )


@pytest.mark.parametrize(
    ("account", "loc", "kind"),
    [
        ({"provider": "youtube", "refresh_token_env": "T", "username": "x"}, "username", "extra"),
        ({"refresh_token_env": "T", "channel_id": CHANNEL}, "channel_id", "extra"),
        ({"provider": "youtube", "refresh_token_env": "T", "channel_id": "UC1"}, "channel_id", ""),
        (
            {"provider": "youtube", "refresh_token_env": "T", "daily_post_cap": 3},
            "daily_post_cap",
            "",
        ),
        ({"provider": "youtube", "refresh_token_env": "T", "handle": "@a"}, "handle", ""),
        ({"provider": "vimeo", "refresh_token_env": "T"}, "", "provider"),
    ],
)
def test_each_provider_validates_its_own_fields(
    account: dict[str, Any], loc: str, kind: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Config.model_validate({"version": 1, "accounts": {"a": account}})
    (error,) = caught.value.errors()
    assert error["loc"][-1] == loc if loc else error["type"] == kind


# --- the limits (reference §3) ----------------------------------------------------------------


def test_tags_count_commas_and_the_quotes_of_tags_with_spaces() -> None:
    assert tags_length(["Foo Baz"]) == 9
    assert tags_length(["Foo-Baz"]) == 7
    assert tags_length(["Foo Baz", "Foo-Baz"]) == 9 + 1 + 7
    assert tags_length([]) == 0


def test_a_title_counts_utf16_units_so_an_emoji_counts_two() -> None:
    assert title_length("🚀") == 2
    PostManifest.model_validate({**_base(), "youtube": {"title": "a" * 98 + "🚀"}})
    with pytest.raises(ValidationError, match="is 101 characters"):
        PostManifest.model_validate({**_base(), "youtube": {"title": "a" * 99 + "🚀"}})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "A <b> title"}, "refuses '<' and '>' in a title"),
        ({"title": "   "}, "needs a non-empty title"),
        ({"description": "é" * 2501}, "is 5002 bytes of UTF-8"),
        ({"description": "1 > 0"}, "refuses '<' and '>' in a description"),
        ({"tags": ["ab cd"] * 72}, "count 575 characters"),
        ({"tags": ["ok", " "]}, "a tag is empty"),
        ({"category": 18}, "is not a category a video can be given"),
        ({"category": "Music"}, "is not a category a video can be given"),
        ({"privacy": "friends"}, "'public', 'unlisted' or 'private'"),
        ({"default_language": "english"}, "String should match pattern"),
    ],
)
def test_every_limit_is_a_field_error(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PostManifest.model_validate({**_base(), "youtube": fields})
    (error,) = caught.value.errors()
    assert error["loc"] == ("youtube", next(iter(fields)))
    assert message in error["msg"]


def test_limits_at_the_edge_pass() -> None:
    fields = {
        "title": "t" * 100,
        "description": "é" * 2500,  # 5,000 bytes
        "tags": ["a" * 249, "b" * 250],  # 249 + a comma + 250 = 500
        "category": 22,
        "default_language": "pt-BR",
    }
    post = PostManifest.model_validate({**_base(), "youtube": fields})
    assert post.youtube is not None and post.youtube.category == "22"


def _base() -> dict[str, Any]:
    return {"id": "launch", "accounts": ["acme-yt"], "video": VIDEO.path}


# --- what YouTube receives ----------------------------------------------------------------------


def test_unset_title_description_and_tags_are_derived_from_the_caption() -> None:
    posts, problems = resolve(manifest())
    assert problems == []
    upload = posts["acme-yt"].youtube
    assert upload is not None
    assert upload.resource == {
        "snippet": {
            "title": "Meet the new drop 🚀 #launch #Shorts",
            "description": "Meet the new drop 🚀 #launch #Shorts\nOut now at acme.example",
            "tags": ["launch", "Shorts"],
        },
        "status": {"privacyStatus": "public"},
    }
    assert upload.notify_subscribers is True
    assert upload.derived == ("title", "description", "tags")
    assert posts["acme-yt"].provider == "youtube" and posts["acme-yt"].post_info == {}
    assert posts["brand-us"].provider == "tiktok" and posts["brand-us"].youtube is None


def test_the_derivation_uses_the_accounts_own_caption_with_its_defaults() -> None:
    conf = config(caption={"hashtags": ["#acme"], "suffix": "Follow for more"})
    post = manifest(captions={"acme-yt": "\n  Launch day  \n#launch #LAUNCH #Acme"})
    posts, problems = resolve(post, conf)
    assert problems == []
    snippet = posts["acme-yt"].youtube.snippet
    assert snippet["title"] == "Launch day"
    assert snippet["description"] == "Launch day  \n#launch #LAUNCH #Acme\nFollow for more"
    assert snippet["tags"] == ["launch", "Acme"]  # once each, case-insensitive


def test_explicit_fields_win_and_from_caption_false_derives_nothing() -> None:
    fields = {"title": "Our launch", "tags": ["acme launch"], "privacy": "unlisted"}
    posts, _ = resolve(manifest(youtube=fields))
    snippet = posts["acme-yt"].youtube.snippet
    assert (snippet["title"], snippet["tags"]) == ("Our launch", ["acme launch"])
    assert snippet["description"].startswith("Meet the new drop")
    assert posts["acme-yt"].youtube.derived == ("description",)
    posts, _ = resolve(manifest(youtube={**fields, "from_caption": False}))
    assert posts["acme-yt"].youtube.snippet == {
        "title": "Our launch",
        "description": "",
        "tags": ["acme launch"],
    }
    _, problems = resolve(manifest(youtube={"privacy": "public", "from_caption": False}))
    assert [p.message for p in problems] == ["YouTube needs a title for acme-yt: set youtube.title"]


def test_the_post_overrides_defaults_youtube_field_by_field() -> None:
    conf = config(
        youtube={
            "privacy": "unlisted",
            "category": 28,
            "default_language": "en",
            "made_for_kids": False,
        }
    )
    posts, problems = resolve(
        manifest(youtube={"category": "27", "notify_subscribers": False}), conf
    )
    assert problems == []
    upload = posts["acme-yt"].youtube
    assert upload.snippet["categoryId"] == "27" and upload.snippet["defaultLanguage"] == "en"
    assert upload.status == {"privacyStatus": "unlisted", "selfDeclaredMadeForKids": False}
    assert upload.notify_subscribers is False


def test_synthetic_media_follows_the_ai_disclosure_unless_set() -> None:
    posts, _ = resolve(manifest())
    assert "containsSyntheticMedia" not in posts["acme-yt"].youtube.status  # nothing declared
    posts, _ = resolve(manifest(disclosure={"ai_generated": True}))
    assert posts["acme-yt"].youtube.status["containsSyntheticMedia"] is True
    posts, _ = resolve(manifest(), config(disclosure={"ai_generated": False}))
    assert posts["acme-yt"].youtube.status["containsSyntheticMedia"] is False
    youtube = {"privacy": "public", "contains_synthetic_media": False}
    posts, _ = resolve(manifest(disclosure={"ai_generated": True}, youtube=youtube))
    assert posts["acme-yt"].youtube.status["containsSyntheticMedia"] is False


def test_publish_at_goes_to_youtube_as_private_plus_publish_at_in_utc() -> None:
    at = "2026-12-01T09:00:00-05:00"
    posts, problems = resolve(manifest(publish_at=at, youtube={"privacy": "private"}))
    assert problems == []
    assert posts["acme-yt"].youtube.status == {
        "privacyStatus": "private",
        "publishAt": "2026-12-01T14:00:00Z",
    }


def test_publish_at_with_another_privacy_is_refused_where_the_privacy_is() -> None:
    at = "2026-12-01T09:00:00-05:00"
    _, problems = resolve(manifest(publish_at=at))  # youtube.privacy: public in the post
    (problem,) = problems
    assert problem.path == ("youtube", "privacy")
    assert "YouTube schedules only private videos" in problem.message
    post = manifest(publish_at=at, youtube={"title": "T"})
    _, problems = resolve(post, config(youtube={"privacy": "public"}))  # from the defaults
    assert [p.path for p in problems] == [("publish_at",)]


def test_a_youtube_account_needs_a_privacy() -> None:
    _, problems = resolve(manifest(youtube=None))
    assert problems == [
        FieldProblem(
            "accounts.1",
            "YouTube needs a privacy for acme-yt: set youtube.privacy (public, unlisted or "
            "private) here or under defaults.youtube in publisher.yaml",
            ("accounts", 1),
        )
    ]


@pytest.mark.parametrize(
    ("caption", "message"),
    [
        ("x" * 101, "the caption's first line, acme-yt's YouTube title, is 101 characters"),
        ("1 < 2 #math", "the caption's first line, acme-yt's YouTube title, YouTube refuses '<'"),
        ("Title\n" + "é" * 2500, "the caption, acme-yt's YouTube description, is 5006 bytes"),
        ("T\n" + " ".join(f"#tag{i:03}" for i in range(80)), "the caption's hashtags"),
    ],
)
def test_derived_values_are_checked_at_the_caption(caption: str, message: str) -> None:
    _, problems = resolve(manifest(caption=caption, accounts=["acme-yt"]))
    assert {problem.path for problem in problems} == {("caption",)}
    assert problems[0].message.startswith(message)
    assert all(
        problem.message.endswith(("youtube.title", "youtube.description", "youtube.tags"))
        for problem in problems
    )


def test_a_caption_tiktok_could_not_take_is_fine_for_youtube_only() -> None:
    long = "Title\n" + "word " * 600  # 3,006 UTF-16 units: over TikTok's 2,200
    posts, problems = resolve(manifest(caption=long, accounts=["acme-yt"], privacy=None))
    assert problems == [] and posts["acme-yt"].youtube is not None
    _, problems = resolve(manifest(caption=long))
    assert [p.path for p in problems] == [("caption",)]
    assert "TikTok allows 2200" in problems[0].message


def test_youtube_targets_ignore_tiktok_only_rules() -> None:
    # No TikTok privacy and draft mode: fine when only YouTube accounts are named.
    conf = Config.model_validate(
        {
            "version": 1,
            "accounts": {"acme-yt": {"provider": "youtube", "refresh_token_env": "T"}},
            "defaults": {"mode": "draft"},
        }
    )
    posts, problems = resolve(manifest(accounts=["acme-yt"]), conf)
    assert problems == [] and posts["acme-yt"].mode == "direct"


# --- fingerprints -----------------------------------------------------------------------------


def test_youtube_prints_hash_what_youtube_receives_and_tiktok_prints_ignore_the_block() -> None:
    posts, _ = resolve(manifest())
    plain, _ = resolve(manifest(youtube=None, accounts=["brand-us"]))
    assert posts["brand-us"].fingerprint == plain["brand-us"].fingerprint
    changed, _ = resolve(manifest(youtube={"privacy": "public", "category": 22}))
    assert changed["brand-us"].fingerprint == posts["brand-us"].fingerprint
    assert changed["acme-yt"].fingerprint != posts["acme-yt"].fingerprint
    again, _ = resolve(manifest())
    assert again["acme-yt"].fingerprint == posts["acme-yt"].fingerprint
    assert posts["acme-yt"].fingerprint != posts["brand-us"].fingerprint
    other = VideoRef(VIDEO.path, "git:" + "2" * 40, 1000)
    moved, _ = resolve_post(manifest(), config(), "posts/other.yaml", other)
    assert moved[1].fingerprint != posts["acme-yt"].fingerprint
    # Two YouTube accounts receiving the same share a fingerprint, as TikTok's do.
    both, _ = resolve(manifest(accounts=["acme-yt", "acme-yt2"]))
    assert both["acme-yt"].fingerprint == both["acme-yt2"].fingerprint


def test_first_line_and_caption_tags() -> None:
    assert first_line("\n \n  Hello \nworld") == "Hello"
    assert first_line("") == ""
    assert caption_tags("a #one b#no #Two #one mail@x.y #two_3") == ["one", "Two", "two_3"]


def test_a_schedule_in_another_zone_is_sent_in_utc() -> None:
    when = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    posts, _ = resolve(manifest(publish_at=when, youtube={"privacy": "private"}))
    assert posts["acme-yt"].youtube.publish_at == "2026-07-01T09:00:00Z"
