"""Content policy: each rule, its severity, and what it points at."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gitops_publisher.core.desired import VideoRef, resolve_post
from gitops_publisher.core.models import Config, PostManifest
from gitops_publisher.core.policy import Policy, PolicyViolation, check_config, check_post

ACCOUNTS = {
    "brand-us": {"refresh_token_env": "TOKEN_US"},
    "brand-uk": {"refresh_token_env": "TOKEN_UK"},
}
VIDEO = VideoRef("media/a.mp4", "git:aaaa", 1_000)


def violations(
    policy: dict[str, Any],
    manifest: dict[str, Any] | None = None,
    defaults: dict[str, Any] | None = None,
) -> list[PolicyViolation]:
    config = Config.model_validate(
        {
            "version": 1,
            "accounts": ACCOUNTS,
            "defaults": {"privacy": "PUBLIC_TO_EVERYONE", **(defaults or {})},
            "policy": policy,
        }
    )
    fields = {"id": "launch", "accounts": ["brand-us", "brand-uk"], "video": "media/a.mp4"}
    parsed = PostManifest.model_validate(fields | (manifest or {}))
    posts, problems = resolve_post(parsed, config, "posts/a.yaml", VIDEO)
    assert problems == []
    return check_post(config.policy, parsed, config.defaults, posts)


def messages(found: list[PolicyViolation]) -> list[str]:
    return [v.message for v in found]


def test_no_policy_checks_nothing() -> None:
    assert Policy().empty
    assert violations({}, {"caption": "guaranteed #a #b #c @x"}) == []


def test_banned_term_matches_whole_words_case_insensitively() -> None:
    policy = {"banned_terms": {"terms": ["free money", "guaranteed"]}}
    found = violations(policy, {"caption": "FREE money, Guaranteed!"})
    assert [v.field for v in found] == ["caption", "caption"]
    assert messages(found) == [
        "caption contains 'free money', banned by policy.banned_terms: remove or reword it",
        "caption contains 'guaranteed', banned by policy.banned_terms: remove or reword it",
    ]
    assert violations(policy, {"caption": "freedom, unguaranteed money"}) == []


def test_banned_term_in_the_config_suffix_is_found_too() -> None:
    found = violations(
        {"banned_terms": {"terms": ["cheapest"]}},
        {"caption": "Hello"},
        {"caption": {"suffix": "The cheapest shop"}},
    )
    assert len(found) == 1


def test_banned_terms_per_account_name_the_account() -> None:
    policy = {"banned_terms": {"accounts": {"brand-uk": ["sale"]}, "severity": "warning"}}
    found = violations(policy, {"caption": "Big sale today"})
    assert found == [
        PolicyViolation(
            "caption",
            "caption contains 'sale', banned for account brand-uk by "
            "policy.banned_terms.accounts: remove or reword it, or drop the account",
            "warning",
        )
    ]
    assert violations(policy, {"caption": "Big sale", "accounts": ["brand-us"]}) == []


def test_per_account_terms_must_name_declared_accounts() -> None:
    policy = Policy.model_validate({"banned_terms": {"accounts": {"brand-fr": ["x"]}}})
    (problem,) = check_config(policy, ["brand-us", "brand-uk"])
    assert problem.field == "policy.banned_terms.accounts.brand-fr"
    assert problem.message == (
        "unknown account 'brand-fr'; declare it under accounts: (known: brand-uk, brand-us)"
    )
    dotted = Policy.model_validate({"banned_terms": {"accounts": {"brand.fr": ["x"]}}})
    (problem,) = check_config(dotted, ["brand-us"])
    assert problem.path == ("policy", "banned_terms", "accounts", "brand.fr")  # one key


def test_branded_content_needs_disclosure_text() -> None:
    policy = {"brand_content_disclosure": {"any_of": ["#ad", "paid partnership"]}}
    branded = {"disclosure": {"brand_content": True}}
    (found,) = violations(policy, {"caption": "New drop #adventure", **branded})
    assert found.field == "caption"
    assert found.severity == "error"
    assert "add one of '#ad', 'paid partnership'" in found.message
    assert violations(policy, {"caption": "New drop #AD", **branded}) == []
    assert violations(policy, {"caption": "Paid Partnership with X", **branded}) == []
    assert violations(policy, {"caption": "Not branded"}) == []


def test_hashtag_and_mention_limits_count_the_final_caption() -> None:
    policy = {"max_hashtags": {"limit": 2}, "max_mentions": {"limit": 1, "severity": "warning"}}
    found = violations(
        policy,
        {"caption": "#one #two @a @b.c mail me at x@example.com"},
        {"caption": {"hashtags": ["#acme"]}},
    )
    assert [(v.severity, v.message) for v in found] == [
        (
            "error",
            "caption has 3 hashtags (defaults applied); policy.max_hashtags allows 2: remove some",
        ),
        (
            "warning",
            "caption has 2 mentions (defaults applied); policy.max_mentions allows 1: remove some",
        ),
    ]


def test_ai_generated_must_be_declared_in_manifest_or_defaults() -> None:
    policy = {"require_ai_generated": {}}
    (found,) = violations(policy)
    assert found.field == "disclosure.ai_generated"
    assert found.severity == "error"
    assert violations(policy, {"disclosure": {"ai_generated": False}}) == []
    assert violations(policy, defaults={"disclosure": {"ai_generated": True}}) == []


def test_manifest_disclosure_without_ai_generated_hides_the_default() -> None:
    (found,) = violations(
        {"require_ai_generated": {"severity": "warning"}},
        {"disclosure": {"brand_organic": True}},
        {"disclosure": {"ai_generated": False}},
    )
    assert found.severity == "warning"
    assert found.message.endswith("this manifest's disclosure replaces the defaults' as a whole")


def test_caption_pattern_must_and_must_not_match() -> None:
    policy = {
        "caption_pattern": {
            "must_match": r"^[\x00-\x7F]*$",
            "must_not_match": r"(?i)\bTODO\b",
            "meaning": "ASCII only, no TODO",
        }
    }
    assert messages(violations(policy, {"caption": "Ünïcode todo"})) == [
        "caption does not match policy.caption_pattern.must_match (ASCII only, no TODO): reword it",
        "caption matches policy.caption_pattern.must_not_match (ASCII only, no TODO): reword it",
    ]
    assert violations(policy, {"caption": "Plain text"}) == []


def test_drafts_are_not_checked_they_carry_no_caption() -> None:
    found = violations(
        {"banned_terms": {"terms": ["sale"]}, "require_ai_generated": {}},
        {"caption": "sale", "mode": "draft"},
    )
    assert found == []


@pytest.mark.parametrize(
    ("policy", "needle"),
    [
        ({"caption_pattern": {"must_match": "("}}, "not a valid regular expression"),
        ({"caption_pattern": {}}, "set must_match, must_not_match, or both"),
        ({"max_hashtags": {"limit": -1}}, "greater than or equal to 0"),
        ({"banned_terms": {"terms": [" "]}}, "String should match pattern"),
        ({"max_hashtags": {"limit": 1, "severity": "fatal"}}, "'error' or 'warning'"),
        ({"brand_content_disclosure": {"any_of": []}}, "at least 1 item"),
        ({"banned_term": {}}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_policy_is_refused(policy: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle.replace("(", r"\(")):
        Policy.model_validate(policy)


def test_each_account_caption_is_checked_and_pointed_at_where_it_is_written() -> None:
    policy = {
        "banned_terms": {"terms": ["guaranteed"], "accounts": {"brand-uk": ["sale"]}},
        "max_hashtags": {"limit": 1},
    }
    found = violations(
        policy,
        {"caption": "Big sale #a", "captions": {"brand-uk": "Guaranteed fun #a #b"}},
    )
    assert [(v.field, v.path, v.message.split(",")[0]) for v in found] == [
        ("captions.brand-uk", ("captions", "brand-uk"), "caption contains 'guaranteed'"),
        (
            "captions.brand-uk",
            ("captions", "brand-uk"),
            "caption has 2 hashtags (defaults applied); policy.max_hashtags allows 1: remove some",
        ),
    ]  # brand-us's "sale" is only banned on brand-uk, whose caption has none


def test_a_caption_shared_by_accounts_is_reported_once() -> None:
    found = violations({"banned_terms": {"terms": ["guaranteed"]}}, {"caption": "guaranteed"})
    assert [v.field for v in found] == ["caption"]
