"""Secret detection: a pasted token is refused; ordinary captions are not."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitops_publisher.core import secrets
from gitops_publisher.core.secrets import find_secret_keys, find_secrets, secret_kind, shown_key


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("act.1a2B3c4D5e6F7g8H9i0JkLmNoPq", "a TikTok token"),
        ("here rft.Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2 oops", "a TikTok token"),
        ("Authorization: Bearer abcdefghijklmnop1234", "an Authorization header"),
        ("ghp_" + "a1B2c3D4e5" * 4, "a GitHub token"),
        ("AKIAIOSFODNN7EXAMPLE", "an AWS access key"),
        ("xoxb-1234567890-abcdef", "a Slack token"),
        ("-----BEGIN RSA PRIVATE KEY-----", "a private key"),
        ("k3J9xQ2mZ8pL5vR1tY7wB4nC6hF0gD2sA9eU3iO8", "a high-entropy credential"),
        ("GOCSPX-1a2B3c4D5e6F7g8H9i0JkLmNoPq", "a Google OAuth client secret"),
        ("token ya29.a0AfB_byC1d2E3f4G5h6I7j8K9", "a Google access token"),
        ("1//0gAbCdEfGhIjKlMnOpQrStUvWxYz", "a Google refresh token"),
        ("AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "a Google API key"),
    ],
)
def test_token_shapes_are_recognised(value: str, kind: str) -> None:
    assert secret_kind(value) == kind


@pytest.mark.parametrize(
    "caption",
    [
        "Meet the new drop 🚀 #launch @acmeofficial",
        "Read more: https://example.com/blog/2026/11/launch?utm_source=tiktok&utm_campaign=x1y2z3",
        "Shop now at https://shop.example.com/products/SKU-8f3a2b9c1d4e5f60718293a4b5c6d7e8f9",
        "#supercalifragilisticexpialidocious2026launchparty #a #b",
        "made_with_love_by_the_acme_team_2026_edition",
        "commit 3f2a9c1d4e5b6a7f8091a2b3c4d5e6f708192a3b fixed the intro",  # hex: low entropy
        "Bearer of good news: we ship today!",
        "The activity act.1 starts now",
        "Part 1//2 of the series, https://example.com/a1//b",
        "",
    ],
)
def test_ordinary_captions_are_not_secrets(caption: str) -> None:
    assert secret_kind(caption) is None


WORDS = st.sampled_from(
    ["new", "drop", "launch", "today", "Thank", "you", "2026", "🚀", "❤️", "café", "—", "!"]
)
TAGS = st.from_regex(r"#[A-Za-z][A-Za-z0-9_]{0,30}", fullmatch=True)
MENTIONS = st.from_regex(r"@[a-z][a-z0-9_.]{0,23}", fullmatch=True)
URLS = st.from_regex(
    r"https://[a-z]{3,12}\.(com|io|co\.uk)(/[A-Za-z0-9_-]{1,40}){0,4}", fullmatch=True
)


@given(st.lists(WORDS | TAGS | MENTIONS | URLS, max_size=40))
def test_captions_made_of_words_hashtags_mentions_and_urls_pass(parts: list[str]) -> None:
    assert secret_kind(" ".join(parts)) is None


def test_credential_keys_count_whatever_the_value_and_name_their_path() -> None:
    document = {
        "accounts": {"brand-us": {"refresh_token": "short", "refresh_token_env": "TOKEN_US"}},
        "client_secret": "x",
        "password": "",  # empty: nothing leaked
        "nested": [{"api_key": "abc"}, "act.1a2B3c4D5e6F7g8H9i0JkLmNoPq"],
    }
    found = dict(find_secrets(document))
    assert found == {
        ("accounts", "brand-us", "refresh_token"): "a credential under 'refresh_token'",
        ("client_secret",): "a credential under 'client_secret'",
        ("nested", 0, "api_key"): "a credential under 'api_key'",
        ("nested", 1): "a TikTok token",
    }


def test_a_clean_document_has_no_secrets() -> None:
    assert list(find_secrets({"id": "launch", "caption": "hi #x", "accounts": ["a"]})) == []


def test_secret_shaped_keys_are_found_and_never_shown() -> None:
    token = "ghp_" + "Ab3dEf6hIj9lMn2pQr5tUv8xYz1BcD4fGh7J"
    document = {"caption": "hi", "interactions": {token: True}, "list": [{"rft." + "x" * 20: 1}]}
    assert dict(find_secret_keys(document)) == {
        ("interactions", token): "a GitHub token",
        ("list", 0, "rft." + "x" * 20): "a TikTok token",
    }
    assert shown_key(token) == "[not shown: a GitHub token]"
    assert shown_key("caption") == "caption"
    assert shown_key(3) == "3"


def _first_kind(value: str) -> str | None:
    """secret_kind as written before its one-scan shortcut: each shape in turn, then words."""
    for kind, pattern in secrets._PATTERNS:
        if pattern.search(value):
            return kind
    for word in value.split():
        if (
            secrets._WORD.fullmatch(word)
            and re.search(r"\d", word)
            and re.search(r"[A-Za-z]", word)
        ):
            if secrets._entropy(word) > 4.0:
                return "a high-entropy credential"
    return None


SHAPES = st.sampled_from(
    ["act.", "rft.", "Bearer ", "bearer\t", "ghp_", "github_pat_", "AKIA", "xoxb-", "GOCSPX-"]
    + ["ya29.", "1//", "AIza", "-----BEGIN ", "PRIVATE KEY-----", " ", "/", "é", "\n"]
)
RUNS = st.from_regex(r"[A-Za-z0-9_=+.~-]{1,45}", fullmatch=True)


@given(st.lists(SHAPES | RUNS | WORDS, max_size=12).map("".join))
def test_the_one_scan_finds_what_each_shape_in_turn_finds(value: str) -> None:
    assert secret_kind(value) == _first_kind(value)


def test_a_text_with_two_shapes_is_named_by_the_first_shape_of_the_list() -> None:
    value = "xoxb-1234567890-abcdef then act.1a2B3c4D5e6F7g8H9i0JkLmNoPq"
    assert secret_kind(value) == "a TikTok token"


def test_a_text_without_any_shape_is_decided_by_one_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    class Unscanned:
        def search(self, _value: str) -> None:
            raise AssertionError("scanned shape by shape")

    shapes = tuple((kind, Unscanned()) for kind, _ in secrets._PATTERNS)
    monkeypatch.setattr(secrets, "_PATTERNS", shapes)
    assert secret_kind("Meet the new drop 🚀 #launch @acmeofficial") is None
    assert secret_kind("brand-us") is None
