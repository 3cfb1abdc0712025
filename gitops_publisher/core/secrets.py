"""Spotting values that look like secrets, so a pasted token is refused and never echoed."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a TikTok token", re.compile(r"\b(?:act|rft|clt)\.[A-Za-z0-9!*._~%-]{16,}")),
    ("an Authorization header", re.compile(r"\bBearer\s+[A-Za-z0-9._~+/=-]{16,}", re.I)),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,})")),
    ("an AWS access key", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a Google OAuth client secret", re.compile(r"\bGOCSPX-[A-Za-z0-9_-]{20,}")),
    ("a Google access token", re.compile(r"\bya29\.[A-Za-z0-9_-]{20,}")),
    ("a Google refresh token", re.compile(r"(?<![\w/])1//[A-Za-z0-9_-]{20,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
)
#: Whether any of :data:`_PATTERNS` matches: one scan where a text holds none (nearly all).
_ANY_PATTERN = re.compile(
    "|".join(f"(?{'i' if p.flags & re.I else ''}:{p.pattern})" for _, p in _PATTERNS)
)
_WORD = re.compile(r"[A-Za-z0-9_+=-]{40,}")
_SECRET_KEYS = re.compile(
    r"(?:^|_)(?:token|secret|password|passwd|api_?key|client_secret|authorization)$", re.I
)


def _entropy(word: str) -> float:
    counts = Counter(word)
    return -sum(n / len(word) * math.log2(n / len(word)) for n in counts.values())


def secret_kind(value: str) -> str | None:
    """Return what kind of secret ``value`` looks like, or None.

    Besides known token shapes, a 40+ character word mixing letters and digits with high
    entropy counts (URLs are not words here: they contain ``/`` and ``:``).
    """
    if _ANY_PATTERN.search(value) is not None:
        for kind, pattern in _PATTERNS:  # the first kind in this order, as always
            if pattern.search(value):
                return kind
    if _WORD.search(value) is None:  # no word of 40 such characters
        return None
    for word in value.split():
        if _WORD.fullmatch(word) and re.search(r"\d", word) and re.search(r"[A-Za-z]", word):
            if _entropy(word) > 4.0:
                return "a high-entropy credential"
    return None


def shown_key(key: object) -> str:
    """A mapping key as messages may show it: a secret-shaped key is replaced by its kind.

    Keys are echoed in field paths, "unknown field" and duplicate-key messages, so a token
    pasted as a key (``ghp_...: 1``) would be printed by the very message refusing it.
    """
    text = str(key)
    kind = secret_kind(text)
    return text if kind is None else f"[not shown: {kind}]"


def find_secrets(document: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Yield ``(path, kind)`` for every value in ``document`` that looks like a secret.

    A key named like a credential (``refresh_token``, ``client_secret``...) with a
    non-empty string value counts too, whatever the value looks like.
    """
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                child = (*path, str(key))
                if isinstance(item, str) and item and _SECRET_KEYS.search(str(key)):
                    yield child, f"a credential under '{key}'"
                    continue
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in enumerate(value))
        elif isinstance(value, str):
            kind = secret_kind(value)
            if kind is not None:
                yield path, kind


def find_secret_keys(document: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Yield ``(path, kind)`` for every mapping key in ``document`` that looks like a secret.

    ``path`` ends with the key itself; the message about it must show it with
    :func:`shown_key` only.
    """
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                kind = secret_kind(str(key))
                if kind is not None:
                    yield (*path, str(key)), kind
                if isinstance(item, dict | list):  # a scalar holds no key
                    stack.append(((*path, str(key)), item))
        elif isinstance(value, list):
            stack.extend(
                ((*path, index), item)
                for index, item in enumerate(value)
                if isinstance(item, dict | list)
            )
