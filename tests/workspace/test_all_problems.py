"""One load reports every independent problem of the manifests, and no problem that follows.

A post with an invalid field still has its other checks run (duplicate id, video, accounts,
caption length, privacy, YouTube, content policy) on the fields that did validate; a check
reading an invalid field is skipped, so no message follows from a field already reported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_publisher.core.desired import VideoRef, draft_posts
from gitops_publisher.core.models import Config, PostManifest
from gitops_publisher.errors import ConfigError, Diagnostic
from gitops_publisher.workspace.config_file import _PLACEHOLDERS as _CONFIG_PLACEHOLDERS
from gitops_publisher.workspace.config_file import unknown_in_post
from gitops_publisher.workspace.project import _PLACEHOLDERS, load_project
from gitops_publisher.workspace.sources import Source, validate_partial

MakeRepo = Callable[..., Any]

CONFIG = """\
version: 1
accounts:
  brand-us: {refresh_token_env: TOKEN_US}
  brand-uk: {refresh_token_env: TOKEN_UK}
  shorts: {provider: youtube, refresh_token_env: TOKEN_YT}
defaults:
  privacy: SELF_ONLY
  youtube: {privacy: private}
policy:
  banned_terms: {terms: [guaranteed], accounts: {brand-uk: [cheapest]}}
  brand_content_disclosure: {any_of: ["#ad"]}
"""


def problems(make_repo: MakeRepo, files: dict[str, str], config: str = CONFIG) -> list[str]:
    """``file:line field: message`` of every problem (warnings too), in the order shown."""
    repo = make_repo({"publisher.yaml": config, **files})
    with pytest.raises(ConfigError) as caught:
        load_project(repo.root)
    return [_short(d) for d in caught.value.diagnostics]


def _short(diagnostic: Diagnostic) -> str:
    return f"{diagnostic.file}:{diagnostic.line} {diagnostic.field}: {diagnostic.message}"


def test_a_bad_field_does_not_hide_the_other_problems_of_its_post(make_repo: MakeRepo) -> None:
    post = """\
version: 1
id: launch
accounts: [brand-us, nobody]
video: media/missing.mp4
caption: "guaranteed results"
privacy: PUBLIK
cover_timestamp_ms: -5
"""
    found = problems(make_repo, {"posts/a.yaml": post})
    assert [f.split(": ")[0] for f in found] == [
        "posts/a.yaml:3 accounts.1",
        "posts/a.yaml:4 video",
        "posts/a.yaml:5 caption",
        "posts/a.yaml:6 privacy",
        "posts/a.yaml:7 cover_timestamp_ms",
    ]
    assert "unknown account 'nobody'" in found[0]
    assert "media/missing.mp4 does not exist" in found[1]
    assert "'guaranteed', banned by policy.banned_terms" in found[2]
    assert "must be 'PUBLIC_TO_EVERYONE'" in found[3]  # and not "needs a privacy level"


def test_each_post_and_each_file_reports_its_own_problems(make_repo: MakeRepo) -> None:
    first = """\
version: 1
id: one
accounts: [brand-uk]
video: media/launch-teaser.mp4
caption: "cheapest drop"
interactions: {comments: maybe}
---
version: 1
id: two
accounts: [brand-us]
video: media/launch-teaser.mp4
caption: guaranteed
"""
    second = """\
version: 1
id: three
accounts: [brand-us]
video: media/nope.mp4
caption: fine
publish_at: 2026-12-05T09:00:00Z
not_after: 2026-12-01T09:00:00Z
"""
    found = problems(make_repo, {"posts/a.yaml": first, "posts/b.yaml": second})
    assert [f.split(": ")[0] for f in found] == [
        "posts/a.yaml:5 caption",  # brand-uk's banned term, although interactions is invalid
        "posts/a.yaml:6 interactions.comments",
        "posts/a.yaml:12 caption",  # the next document of the same file
        "posts/b.yaml:4 video",
        "posts/b.yaml:7 not_after",
    ]


def test_an_invalid_post_still_claims_its_id(make_repo: MakeRepo) -> None:
    first = "version: 1\nid: launch\naccounts: [brand-us]\nvideo: media/launch-teaser.mp4\n"
    found = problems(
        make_repo,
        {
            "posts/a.yaml": first + "privacy: PUBLIK\n",
            "posts/b.yaml": first,
        },
    )
    assert found[-1] == (
        "posts/b.yaml:2 id: duplicate post id 'launch' (first at posts/a.yaml:2:5): ids must "
        "be unique"
    )
    assert len(found) == 2


def test_no_problem_follows_from_an_invalid_field(make_repo: MakeRepo) -> None:
    post = """\
version: 1
id: launch
accounts: [brand-us, shorts]
video: media/launch-teaser.mp4
caption: 42
privacy: 7
disclosure: {brand_content: perhaps}
youtube: {title: "a <b> title", from_caption: false}
"""
    found = problems(make_repo, {"posts/a.yaml": post})
    # Only the fields themselves: no "needs a privacy level" (privacy is set, though
    # invalid), no "YouTube needs a title" (it is set, though invalid), no caption rule
    # (the caption is not known) and no branded-content rule (brand_content is not known).
    assert [f.split(": ")[0] for f in found] == [
        "posts/a.yaml:5 caption",
        "posts/a.yaml:6 privacy",
        "posts/a.yaml:7 disclosure.brand_content",
        "posts/a.yaml:8 youtube.title",
    ]


def test_a_bad_youtube_field_does_not_hide_another_youtube_rule(make_repo: MakeRepo) -> None:
    post = """\
version: 1
id: launch
accounts: [shorts]
video: media/launch-teaser.mp4
caption: Launch
publish_at: 2026-12-05T09:00:00Z
youtube: {privacy: public, category: 999}
"""
    found = problems(make_repo, {"posts/a.yaml": post})
    assert [f.split(": ")[0] for f in found] == [
        "posts/a.yaml:7 youtube.privacy",
        "posts/a.yaml:7 youtube.category",
    ]
    assert "YouTube schedules only private videos" in found[0]


def test_a_misspelled_key_does_not_make_its_field_look_empty(make_repo: MakeRepo) -> None:
    post = """\
version: 1
id: launch
accounts: [shorts]
video: media/launch-teaser.mp4
captoin: Launch day
"""
    found = problems(make_repo, {"posts/a.yaml": post})
    assert len(found) == 1  # not also "YouTube needs a title ... (or a caption)"
    assert "unknown field 'captoin' (did you mean 'caption'?)" in found[0]


def test_a_secret_is_refused_and_the_rest_checked_without_showing_it(
    make_repo: MakeRepo,
) -> None:
    token = "act.1234567890abcdefghijklmnopqrstuv"
    post = f"""\
version: 1
id: launch
accounts: [brand-us]
video: media/missing.mp4
caption: "guaranteed {token}"
"""
    found = problems(make_repo, {"posts/a.yaml": post})
    assert [f.split(": ")[0] for f in found] == ["posts/a.yaml:4 video", "posts/a.yaml:5 caption"]
    assert "looks like a TikTok token" in found[1]
    assert not any(token in f or "banned" in f for f in found)


def test_a_file_of_another_version_is_not_checked_further(make_repo: MakeRepo) -> None:
    post = "version: 2\nid: launch\naccounts: [nobody]\nvideo: media/missing.mp4\n"
    found = problems(make_repo, {"posts/a.yaml": post})
    assert [f.split(": ")[0] for f in found] == ["posts/a.yaml:1 version"]


def test_the_manifests_are_checked_beside_a_broken_config(make_repo: MakeRepo) -> None:
    post = "version: 1\nid: launch\naccounts: [brand-us]\nvideo: media/missing.mp4\nmode: x\n"
    config = CONFIG.replace("{refresh_token_env: TOKEN_UK}", "{refresh_token_env: lower}")
    found = problems(make_repo, {"posts/a.yaml": post}, config)
    assert [f.split(": ")[0] for f in found] == [
        "publisher.yaml:4 accounts.brand-uk.refresh_token_env",
        "posts/a.yaml:4 video",
        "posts/a.yaml:5 mode",
    ]


def test_a_config_field_no_manifest_reads_leaves_the_manifests_checked(
    make_repo: MakeRepo,
) -> None:
    post = "version: 1\nid: launch\naccounts: [brand-uk]\nvideo: media/launch-teaser.mp4\n"
    config = CONFIG.replace("{refresh_token_env: TOKEN_UK}", "{refresh_token_env: TOKEN_UK, ")
    config = config.replace("TOKEN_UK, ", "TOKEN_UK, timezone: Mars/Base}")
    found = problems(make_repo, {"posts/a.yaml": post + "caption: cheapest\n"}, config)
    assert [f.split(": ")[0] for f in found] == [
        "publisher.yaml:4 accounts.brand-uk.timezone",
        "posts/a.yaml:5 caption",  # brand-uk's banned term: the account itself is known
    ]


def test_a_post_is_checked_except_where_it_relies_on_an_invalid_default(
    make_repo: MakeRepo,
) -> None:
    post = "version: 1\nid: launch\naccounts: [brand-us]\nvideo: media/launch-teaser.mp4\n"
    config = CONFIG.replace("privacy: SELF_ONLY", "privacy: PRIVATE")
    found = problems(make_repo, {"posts/a.yaml": post + "caption: guaranteed\n"}, config)
    # not "a direct post needs a privacy level": the default it relies on is what is wrong
    assert [f.split(": ")[0] for f in found] == [
        "publisher.yaml:7 defaults.privacy",
        "posts/a.yaml:5 caption",
    ]


def test_an_invalid_caption_default_of_an_account_skips_only_its_posts_captions(
    make_repo: MakeRepo,
) -> None:
    config = CONFIG.replace(
        "{refresh_token_env: TOKEN_UK}", "{refresh_token_env: TOKEN_UK, caption: {suffix: 1}}"
    )
    post = "version: 1\naccounts: [{}]\nvideo: media/launch-teaser.mp4\ncaption: guaranteed\n"
    found = problems(
        make_repo,
        {
            "posts/a.yaml": post.replace("{}", "brand-uk") + "id: uk\n",
            "posts/b.yaml": post.replace("{}", "brand-us") + "id: us\n",
        },
        config,
    )
    assert [f.split(": ")[0] for f in found] == [
        "publisher.yaml:4 accounts.brand-uk.caption.suffix",
        "posts/b.yaml:4 caption",  # brand-us's caption is known; brand-uk's suffix is not
    ]


def test_the_video_of_a_post_with_problems_is_checked_against_the_media_rules(
    make_repo: MakeRepo,
) -> None:
    post = "version: 1\nid: launch\naccounts: [brand-us]\nvideo: media/broken.mp4\n"
    repo = make_repo(
        {
            "publisher.yaml": CONFIG,
            "media/broken.mp4": b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 5000,
            "posts/a.yaml": post + "privacy: PUBLIK\n",
        }
    )
    with pytest.raises(ConfigError) as caught:
        load_project(repo.root, check_media=True)
    found = [_short(d) for d in caught.value.diagnostics]
    assert [f.split(": ")[0] for f in found] == ["posts/a.yaml:4 video", "posts/a.yaml:5 privacy"]
    assert "media/broken.mp4" in found[0]


_KEYS = [
    *PostManifest.model_fields,
    *Config.model_fields,
    "title",
    "privacy",
    "brand_content",
    "refresh_token_env",
    "timezone",
    "provider",
    "brand-us",
    "captoin",
]
_CONFIG = Config.model_validate(
    {"version": 1, "accounts": {"brand-us": {"refresh_token_env": "T"}}, "policy": {}}
)
_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.sampled_from(
        ["brand-us", "shorts", "SELF_ONLY", "private", "2026-12-05T09:00:00Z", "Mars/Base"]
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(_KEYS) | st.integers(), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=8),
    st.sampled_from([PostManifest, Config]),
)
def test_any_mapping_is_checked_in_part_or_refused_never_a_crash(
    document: dict[str, Any], model: type[PostManifest] | type[Config]
) -> None:
    out: list[Diagnostic] = []
    placeholders = _PLACEHOLDERS if model is PostManifest else _CONFIG_PLACEHOLDERS
    valid, unknown = validate_partial(
        Source("posts/a.yaml", ""), 0, document, model, out, placeholders=placeholders
    )
    assert (valid is not None and not unknown) == (not out)  # valid exactly when no problem
    if valid is not None and model is PostManifest and out:
        draft_posts(valid, _CONFIG, "posts/a.yaml", VideoRef("", "", 0), unknown=unknown)


@pytest.mark.parametrize(
    ("invalid", "post", "unknown"),
    [
        ("defaults.privacy", {}, {"privacy"}),
        ("defaults.privacy", {"privacy": "SELF_ONLY"}, set()),  # the post sets its own
        ("defaults.mode", {}, {"mode"}),
        ("defaults.disclosure", {"disclosure": {}}, set()),
        ("defaults.caption", {}, {"caption"}),
        ("defaults.youtube", {}, {"youtube"}),
        ("defaults.on_missed", {}, set()),  # no check reads it
        ("defaults", {"mode": "draft"}, {"privacy", "disclosure", "caption", "youtube"}),
        ("accounts.brand-us.caption", {}, {"caption"}),
        ("accounts.brand-uk.caption", {}, set()),  # not an account of the post
        ("accounts.brand-us.timezone", {}, set()),
        ("policy.banned_terms", {}, set()),  # the rule is left out, not the post's fields
        ("notify", {}, set()),
    ],
)
def test_what_an_invalid_config_field_leaves_unknown_in_a_post(
    invalid: str, post: dict[str, Any], unknown: set[str]
) -> None:
    manifest = PostManifest.model_validate(
        {"id": "a", "accounts": ["brand-us"], "video": "media/a.mp4"} | post
    )
    assert unknown_in_post(frozenset({invalid}), manifest) == unknown


@pytest.mark.parametrize(
    ("accounts", "expected"),
    [
        # nothing valid is left: accounts: as a whole is unknown
        ("[42]", ["posts/a.yaml:3 accounts.0: must be text: put it in quotes"]),
        # what is left names brand-us twice: a problem of its own, then the same
        (
            "[brand-us, 42, brand-us]",
            [
                "posts/a.yaml:3 accounts: accounts lists the same account twice",
                "posts/a.yaml:3 accounts.1: must be text: put it in quotes",
            ],
        ),
    ],
)
def test_accounts_left_invalid_by_a_bad_entry_skip_the_account_checks(
    make_repo: MakeRepo, accounts: str, expected: list[str]
) -> None:
    post = f"version: 1\nid: launch\naccounts: {accounts}\nvideo: media/missing.mp4\n"
    found = problems(make_repo, {"posts/a.yaml": post + "caption: guaranteed\n"})
    assert found[:-1] == expected  # and no caption rule: no account of the post is known
    assert found[-1].startswith("posts/a.yaml:4 video: video file media/missing.mp4")


def test_a_mistyped_caption_key_beside_every_account_s_own_caption(make_repo: MakeRepo) -> None:
    post = """\
version: 1
id: launch
accounts: [brand-us, brand-uk]
video: media/launch-teaser.mp4
captions: {brand-us: guaranteed, brand-uk: fine, Brand_X: the key of no account}
"""
    found = problems(make_repo, {"posts/a.yaml": post})
    assert [f.split(": ")[0] for f in found] == [
        "posts/a.yaml:5 captions.brand-us",  # every account has its own: all are checked
        "posts/a.yaml:5 captions.Brand_X",
    ]
    assert "'guaranteed', banned by policy.banned_terms" in found[0]
