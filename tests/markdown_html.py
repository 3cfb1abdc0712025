"""What GitHub shows for a Markdown document: cmark-gfm, GitHub's own renderer, in tests.

Rendered with raw HTML passed through (GitHub keeps ``<details>``, ``<summary>``, comments):
a test sees the HTML blocks an attacker's text could open, not cmark's "raw HTML omitted".
"""

from __future__ import annotations

import html
import re

import cmarkgfm
from cmarkgfm.cmark import Options

#: GitHub's mention and issue-reference patterns, on rendered text (outside code).
MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9][A-Za-z0-9-]*(?:/[\w.-]+)?")
ISSUE_REFERENCE = re.compile(r"(?<![\w&])#[0-9]+\b")


def to_html(markdown: str) -> str:
    """The HTML GitHub's renderer makes of ``markdown`` (GFM, tables, raw HTML kept)."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


def visible_text(rendered: str) -> str:
    """The text a reader sees: tags and HTML comments removed, entities decoded."""
    without_comments = re.sub(r"<!--.*?-->", "", rendered, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", without_comments))


def pings(rendered: str) -> list[str]:
    """The ``@mentions`` and ``#123`` GitHub would link in ``rendered`` (code excluded)."""
    outside_code = re.sub(r"<(code|pre)>.*?</\1>", "", rendered, flags=re.S)
    text = visible_text(outside_code)
    return MENTION.findall(text) + ISSUE_REFERENCE.findall(text)
