"""Captions as TikTok counts and sees them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gitops_publisher.core.caption import compose_caption, utf16_length
from gitops_publisher.core.models import CaptionDefaults

TEAM = CaptionDefaults(suffix="Made by Acme", hashtags=["#acme", "launch"])


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert utf16_length("") == 0
    assert utf16_length("hello") == 5
    assert utf16_length("café") == 4  # é is one BMP character
    assert utf16_length("日本語") == 3
    assert utf16_length("🚀") == 2
    assert utf16_length("👍🏽") == 4  # thumbs up + skin tone modifier: two astral code points
    assert utf16_length("❤️") == 2  # heart (BMP) + variation selector (BMP)


@given(st.text())
def test_utf16_length_is_one_unit_per_bmp_character_and_two_beyond(text: str) -> None:
    assert utf16_length(text) == sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def test_defaults_append_the_suffix_then_missing_hashtags() -> None:
    text = compose_caption("  New drop 🚀  ", TEAM, apply_defaults=True)
    assert text == "New drop 🚀\nMade by Acme #acme #launch"


def test_hashtags_already_present_are_not_repeated_whatever_their_case() -> None:
    text = compose_caption("New drop #ACME", TEAM, apply_defaults=True)
    assert text == "New drop #ACME\nMade by Acme #launch"


def test_a_suffix_already_in_the_caption_is_not_repeated() -> None:
    text = compose_caption("Hi\nMade by Acme #acme #launch", TEAM, apply_defaults=True)
    assert text == "Hi\nMade by Acme #acme #launch"


def test_an_empty_caption_gets_only_the_defaults() -> None:
    assert compose_caption("", TEAM, apply_defaults=True) == "Made by Acme #acme #launch"
    assert compose_caption("", CaptionDefaults(), apply_defaults=True) == ""


def test_a_post_can_opt_out_of_the_defaults() -> None:
    assert compose_caption("  Just this  ", TEAM, apply_defaults=False) == "Just this"


def test_a_hashtag_that_is_only_a_prefix_of_a_word_still_counts_as_missing() -> None:
    text = compose_caption("#acmecorp rocks", TEAM, apply_defaults=True)
    assert text.endswith("#acme #launch")


def test_a_hashtag_followed_by_punctuation_is_present_and_not_repeated() -> None:
    # TikTok tags "#acme." and "(#launch)" as #acme and #launch: appending them again posted
    # "Big sale #acme. (#launch)\nMade by Acme #acme #launch", each tag twice.
    text = compose_caption("Big sale #acme. (#launch)", TEAM, apply_defaults=True)
    assert text == "Big sale #acme. (#launch)\nMade by Acme"


def test_a_default_hashtag_with_a_hyphen_is_found_as_written() -> None:
    team = CaptionDefaults(hashtags=["#new-drop"])
    assert compose_caption("Out now #new-drop", team, apply_defaults=True) == "Out now #new-drop"
