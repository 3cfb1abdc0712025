"""Captions as TikTok sees them: defaults applied, length in UTF-16 code units."""

from __future__ import annotations

import re

from gitops_publisher.core.models import CaptionDefaults

# TikTok turns "#word" into a tag; "#" inside a word (an anchor, "C#") is not one.
HASHTAG = re.compile(r"(?<![\w#])#\w+")


def hashtags(caption: str) -> list[str]:
    """The caption's ``#hashtags`` as TikTok recognises them, in order (``#`` included)."""
    return HASHTAG.findall(caption)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, TikTok's unit for ``title`` (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def compose_caption(caption: str, defaults: CaptionDefaults, *, apply_defaults: bool) -> str:
    """Return the caption with the team's suffix and missing default hashtags appended.

    A hashtag already present in the caption (case-insensitive, as a whole word, or as TikTok
    tags it: ``#acme.`` and ``(#acme)`` hold ``#acme``) is not repeated. Hashtags are
    separated by spaces so TikTok recognises them.
    """
    text = caption.strip()
    if not apply_defaults:
        return text
    if defaults.suffix and defaults.suffix.strip() not in text:
        text = f"{text}\n{defaults.suffix.strip()}" if text else defaults.suffix.strip()
    words = {word.lower() for word in text.split()} | {tag.lower() for tag in hashtags(text)}
    missing = []
    for tag in defaults.hashtags:
        tag = tag if tag.startswith("#") else f"#{tag}"
        if tag.lower() not in words:
            missing.append(tag)
    if missing:
        joined = " ".join(missing)
        text = f"{text} {joined}" if text else joined
    return text
