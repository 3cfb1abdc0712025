r"""Untrusted text made safe where it is shown: a terminal, GitHub Markdown, an HTML element.

A manifest, its file name and its mapping keys are written by whoever opens a pull request, so
every renderer routes the user text it shows through one of these functions (one home per
rule). They change only what is *shown*: JSON output, state, plans and what TikTok receives
keep the exact values.

* :func:`terminal`: control characters (C0 but TAB, DEL, C1), U+2028/U+2029 and the bidi
  controls are written as visible escapes (``\x1b``, ``\u202e``), so a caption holding
  ``ESC[2J`` cannot clear a screen and draw a fake plan, nor a file name start a new log line;
* :func:`md_text`: inline Markdown text (also a table cell; never at the start of a line):
  line breaks shown as ``⏎``, the characters that open inline syntax backslash-escaped (no
  code, emphasis, link, HTML, entity, autolink, math or table pipe), and ``@name`` / ``#123``
  broken by a zero-width space so the bot pings no one;
* :func:`md_code`: an inline code span whose backtick fence is longer than any run inside;
* :func:`md_fence`: a fenced code block likewise (a key holding a fence cannot close it);
* :func:`md_url`: a link only for a plain ``https`` URL, else code;
* :func:`html_text`: text inside an HTML element of the Markdown (``<summary>``).
"""

from __future__ import annotations

import html
import re

#: C0 controls but TAB, DEL, C1 controls, the Unicode line/paragraph separators (which some
#: renderers break lines on) and the bidi embedding/override/isolate marks ("Trojan Source").
_INVISIBLE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_INVISIBLE_BUT_LF = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\r": "\\r"}
#: The ASCII characters that open an inline construct of CommonMark, GFM or GitHub: code,
#: emphasis, strikethrough, links and footnotes, raw HTML and autolinks, entities, table
#: pipes, math (``$``) and scheme autolinks (``:``); ``www.`` is broken by escaping its dot.
_INLINE_SYNTAX = re.compile(r"([\\`*_~\[\]<>&|$:])|(?<![^\s*_~(])(www)(\.)", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\n")
#: ``@octocat``, ``@acme/team`` and ``#12``, ``GH-12`` references GitHub links and notifies.
#: After every ``@``, and after ``#`` / ``GH-`` before a digit or at the end (the text may be
#: followed by more text the caller writes).
_PING = re.compile(r"(?<=@)|(?:(?<=#)|(?<=GH-)|(?<=gh-))(?=[0-9]|$)")
_ZERO_WIDTH_SPACE = "\u200b"
_BACKTICKS = re.compile("`+")
_SAFE_URL = re.compile(r"https://[A-Za-z0-9][A-Za-z0-9.-]*(?:/[A-Za-z0-9._~%!$&'()*+,;=:@/?#-]*)?")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal(text: str, *, newlines: bool = False) -> str:
    r"""``text`` with its control characters written visibly (``\x1b``, ``\r``, ``\n``).

    Args:
        text: user text (a caption, a path, a mapping key, a message quoting them).
        newlines: keep LF as a line break (a multi-line message); CR is always escaped.
    """
    pattern = _INVISIBLE_BUT_LF if newlines else _INVISIBLE
    return pattern.sub(_visible, text)


def unpinged(text: str) -> str:
    """``text`` with ``@mentions`` and issue references broken by a zero-width space.

    GitHub notifies the people and teams a comment names and links ``#12`` to issues; in a
    comment the bot writes, user text must do neither. The reader sees the same characters.
    """
    return _PING.sub(_ZERO_WIDTH_SPACE, text)


def md_text(text: str) -> str:
    """``text`` as inline Markdown that renders as exactly these characters (cells included).

    Line breaks become `` ⏎ `` (a Markdown line break could start an HTML block that hides
    what follows); other control characters are shown as by :func:`terminal`.
    """
    one_line = terminal(_LINE_BREAK.sub(" ⏎ ", text))
    return _INLINE_SYNTAX.sub(_escaped, unpinged(one_line))


def _escaped(match: re.Match[str]) -> str:
    if match[1]:
        return "\\" + match[1]
    return f"{match[2]}\\{match[3]}"


def md_code(text: str, *, cell: bool = False) -> str:
    """``text`` as an inline code span, fenced by more backticks than any run inside it.

    Args:
        text: user text; line breaks become ``⏎``, control characters visible.
        cell: the span is inside a GFM table cell, where ``|`` must be escaped even in code.
    """
    shown = terminal(_LINE_BREAK.sub("⏎", text))
    if cell:
        shown = shown.replace("|", "\\|")
    fence = "`" * (_longest_backtick_run(shown) + 1)
    if not shown:
        shown = " "
    elif shown.strip(" ") and (shown[0] in "` " or shown[-1] in "` "):
        shown = f" {shown} "  # CommonMark strips one space each side when both are there
    return f"{fence}{shown}{fence}"


def md_fence(text: str) -> str:
    """``text`` as a fenced code block (lines kept, CR and controls visible).

    The fence is longer than any backtick run in ``text``, so no line of it can close the
    block early and draw Markdown of its own below. Starts and ends on a line of its own.
    """
    shown = terminal(text.replace("\r\n", "\n"), newlines=True)
    fence = "`" * max(3, _longest_backtick_run(shown) + 1)
    return f"{fence}\n{shown}\n{fence}"


def md_url(url: str) -> str:
    """An ``https`` URL as a link (``<url>``); anything else as inline code, never a link."""
    if _SAFE_URL.fullmatch(url):
        return f"<{url}>"
    return md_code(url)


def html_text(text: str) -> str:
    """``text`` inside an HTML element of a Markdown document (one line, entities escaped)."""
    return html.escape(terminal(_LINE_BREAK.sub("⏎", text)), quote=True)


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)
