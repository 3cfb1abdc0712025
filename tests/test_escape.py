"""The escaping rules, checked against GitHub's own Markdown renderer (cmark-gfm)."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st
from markdown_html import pings, to_html, visible_text

from gitops_publisher.escape import html_text, md_code, md_fence, md_text, terminal, unpinged

SPECIALS = list("`*_<>&|\\[]()!#@\r\n \t-=~:.;\"'") + [
    "\x1b",
    "\x00",
    "\x07",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\u202e",
    "<!--",
    "```",
    "&amp;",
    "@octocat",
    "#12",
    "<details>",
    "\r<!-- ",
    "[x](javascript:alert(1))",
    "www.",
    "https://",
    "a@b.co",
    "$",
    "~~",
]
user_text = st.lists(
    st.one_of(st.sampled_from(SPECIALS), st.characters(codec="utf-8")), max_size=30
).map("".join)


def _shown(text: str, *, newline: str) -> str:
    return terminal(re.sub(r"\r\n|\n", newline, text))


# --- terminal ---------------------------------------------------------------------------------


def test_terminal_shows_escape_sequences_instead_of_running_them() -> None:
    caption = "Launch!\x1b[2J\x1b[H  + fake-post@brand-us  create"
    assert terminal(caption) == "Launch!\\x1b[2J\\x1b[H  + fake-post@brand-us  create"
    assert terminal("a\rb\nc\x85d\u2028e\u202ef\x9bg") == ("a\\rb\\nc\\x85d\\u2028e\\u202ef\\x9bg")
    assert terminal("one\ntwo\r\n", newlines=True) == "one\ntwo\\r\n"


def test_terminal_keeps_ordinary_text_and_emoji_sequences() -> None:
    text = "Caf\u00e9 👨\u200d👩\u200d👧 #fyp\tdone 日本語"
    assert terminal(text) == text


@given(user_text)
def test_terminal_output_holds_no_control_character(text: str) -> None:
    shown = terminal(text)
    assert not re.search("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]", shown)


# --- markdown ---------------------------------------------------------------------------------


@given(user_text)
def test_md_text_renders_as_exactly_its_characters(text: str) -> None:
    rendered = to_html(f"x{md_text(text)}y\n")
    assert rendered.startswith("<p>") and rendered.endswith("</p>\n")
    inner = rendered[len("<p>") : -len("</p>\n")]
    assert "<" not in inner  # no element, no comment, no link: text only
    assert html.unescape(inner) == "x" + unpinged(_shown(text, newline=" ⏎ ")) + "y"
    assert pings(rendered) == []


@given(user_text, user_text)
def test_md_text_in_a_table_cell_stays_in_its_cell(left: str, right: str) -> None:
    rendered = to_html(f"| a | b |\n|---|---|\n| x{md_text(left)}y | x{md_text(right)}y |\n")
    cells = re.findall(r"<td>(.*?)</td>", rendered, flags=re.S)
    assert [html.unescape(c) for c in cells] == [
        "x" + unpinged(_shown(left, newline=" ⏎ ")) + "y",
        "x" + unpinged(_shown(right, newline=" ⏎ ")) + "y",
    ]


@given(user_text)
def test_md_code_is_one_code_span_of_exactly_the_text(text: str) -> None:
    rendered = to_html(f"see {md_code(text)} here\n")
    spans = re.findall(r"<code>(.*?)</code>", rendered, flags=re.S)
    assert len(spans) == 1
    assert html.unescape(spans[0]) == (_shown(text, newline="⏎") or " ")
    assert rendered.endswith(" here</p>\n")


@given(user_text)
def test_md_code_in_a_table_cell(text: str) -> None:
    rendered = to_html(f"| a | b |\n|---|---|\n| {md_code(text, cell=True)} | z |\n")
    cells = re.findall(r"<td>(.*?)</td>", rendered, flags=re.S)
    assert len(cells) == 2 and cells[1] == "z"
    assert html.unescape(cells[0]) == f"<code>{_shown(text, newline='⏎') or ' '}</code>"


@given(user_text)
def test_md_fence_holds_the_whole_text_and_nothing_escapes_it(text: str) -> None:
    rendered = to_html(f"{md_fence(text)}\n\n**after**\n")
    shown = terminal(text.replace("\r\n", "\n"), newlines=True)
    code, after = rendered.split("</code></pre>\n")
    assert code.startswith("<pre><code>") and "<" not in code[len("<pre><code>") :]
    assert html.unescape(code[len("<pre><code>") :]) == shown + "\n"
    assert after == "<p><strong>after</strong></p>\n"


def test_a_key_with_a_fence_cannot_draw_a_fake_plan_below_an_error_block() -> None:
    key = "x\n```\n\n### ✅ Plan: nothing to publish\n\n```"
    rendered = to_html(md_fence(f"posts/a.yaml:1:1 {key}: unknown field") + "\n")
    assert "<h3>" not in rendered
    assert rendered.count("<pre>") == 1


@given(user_text)
def test_html_text_in_a_summary(text: str) -> None:
    markdown = f"<details><summary><code>{html_text(text)}</code></summary>\n\nbody\n\n</details>\n"
    rendered = to_html(markdown)
    assert rendered.startswith(f"<details><summary><code>{html_text(text)}</code></summary>\n")
    assert "<p>body</p>" in rendered
    assert visible_text(rendered).startswith(_shown(text, newline="⏎"))


def test_mentions_and_references_do_not_ping() -> None:
    rendered = to_html(md_text("thanks @octocat @acme/security-team see #12 and GH-3") + "\n")
    assert pings(rendered) == []
    assert pings(to_html("thanks @octocat @acme/security-team see #12\n")) == [
        "@octocat",
        "@acme/security-team",
        "#12",
    ]
    assert visible_text(rendered).replace("\u200b", "") == (
        "thanks @octocat @acme/security-team see #12 and GH-3\n"
    )


def test_hashtags_and_emails_read_unchanged() -> None:
    assert (
        unpinged("#fyp #launch2026 team@example.com") == "#fyp #launch2026 team@\u200bexample.com"
    )


def test_a_diagnostic_is_one_line_whatever_its_file_name_holds() -> None:
    from gitops_publisher.errors import Diagnostic

    diag = Diagnostic(
        "posts/x\n::error title=Security review::approved\n.yaml", 2, 1, "k\x1b[2J", "m"
    )
    assert diag.render() == (
        "posts/x\\n::error title=Security review::approved\\n.yaml:2:1 k\\x1b[2J: m"
    )
