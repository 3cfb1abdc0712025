"""A plan too long for one comment: continued in more, and approving only what they show.

A reviewer approves by merging what the pull request's comments showed (design §12): each
post a reviewed plan approves has its whole details block (what the platform will receive)
in the sticky comment or a continuation, and the merge run checks it again.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_publisher.cli.views.plan_markdown import render_markdown
from gitops_publisher.core.plan import Action, Plan
from gitops_publisher.core.reviewed import ReviewedPlan, reviewed_from_plan
from gitops_publisher.escape import html_text
from gitops_publisher.github.plan_comments import (
    CUT,
    MAX_COMMENTS,
    continuation_marker,
    continued_in,
    part_number,
    plan_comments,
    shown_blocks,
    shown_reviewed,
)
from gitops_publisher.github.report import COMMENT_LIMIT, marker, reviewed_in, reviewed_line
from tests.cli.plan_sample import sample_plan

URL = "https://github.com/acme/content/actions/runs/42"


def big_plan(count: int, caption: int = 1_000) -> Plan:
    """``count`` creates of the sample plan's first post, each with a ``caption``-long caption."""
    sample = sample_plan()
    first = sample.changes[0]
    changes = [
        first.model_copy(
            update={
                "address": f"post-{i:04}@brand-us",
                "post_id": f"post-{i:04}",
                "caption": f"post {i} " + "x" * caption,
                "fingerprint": f"sha256:{i:064x}",
            }
        )
        for i in range(count)
    ]
    return sample.model_copy(update={"changes": changes, "quotas": [], "youtube_quotas": []})


def comments_of(plan: Plan, **options: int) -> tuple[list[str], ReviewedPlan, list[str]]:
    made = plan_comments(
        "site",
        render_markdown(plan, title="publisher plan: `site`"),
        run_url=URL,
        reviewed=reviewed_from_plan(plan, pull_request=7),
        **options,
    )
    assert made.reviewed is not None
    return made.bodies, made.reviewed, made.not_shown


def parts_of(bodies: list[str]) -> dict[int, list[str]]:
    return {n: [body] for n, body in enumerate(bodies[1:], start=2)}


def test_a_plan_that_fits_is_one_comment_as_before() -> None:
    plan = sample_plan()
    reviewed = reviewed_from_plan(plan, pull_request=7)
    markdown = render_markdown(plan)
    made = plan_comments("site", markdown, notes=["note"], reviewed=reviewed)
    assert made.bodies == [f"{marker('site')}\n{reviewed_line(reviewed)}\n> note\n\n{markdown}"]
    assert made.reviewed == reviewed and made.not_shown == []
    assert continued_in(made.bodies[0]) is None  # no continuation line in a plan that fits


def test_every_post_a_reviewed_plan_approves_has_a_block_the_comments_find() -> None:
    """The contract with the Markdown view: a post's block starts with its address."""
    plan = sample_plan()
    reviewed = reviewed_from_plan(plan)
    assert {Action.CREATE, Action.WAIT} <= {c.action for c in plan.changes}
    shown = shown_blocks(render_markdown(plan))
    assert {html_text(address) for address in reviewed.posts} <= shown
    assert shown_reviewed(reviewed, render_markdown(plan), {}) == (reviewed, [])


def test_a_long_plan_continues_and_every_approved_post_is_shown_whole() -> None:
    plan = big_plan(400)
    bodies, reviewed, not_shown = comments_of(plan)
    assert 3 <= len(bodies) <= MAX_COMMENTS
    assert not_shown == []
    assert set(reviewed.posts) == {c.address for c in plan.changes}  # all of them approved
    assert bodies[0].startswith(marker("site") + "\n")
    assert reviewed_in(bodies[0]) == reviewed
    assert f"it continues in the next {len(bodies) - 1} comment(s)" in bodies[0]
    for number, body in enumerate(bodies[1:], start=2):
        assert body.startswith(continuation_marker("site", number) + "\n")
        assert part_number(body, "site") == number
    for body in bodies:
        assert len(body) <= COMMENT_LIMIT
        assert body.count("<details>") == body.count("</details>")
        assert CUT not in body
    for change in plan.changes:  # each block whole, in exactly one comment
        holding = [b for b in bodies if html_text(change.address) in shown_blocks(b)]
        assert len(holding) == 1
        assert change.caption is not None and html_text(change.caption) in holding[0]
    assert "Continued in the next comment (part 2 of" in bodies[0]
    # the merge run finds the same posts shown
    assert shown_reviewed(reviewed, bodies[0], parts_of(bodies)) == (reviewed, [])


def test_a_table_going_on_in_the_next_comment_gets_its_header_again() -> None:
    plan = big_plan(1_000, caption=100)
    bodies, reviewed, not_shown = comments_of(plan)
    assert not_shown == [] and len(reviewed.posts) == 1_000
    assert "| 🟢 | `post-0000@brand-us`" in bodies[0]
    assert "| 🟢 | `post-0999@brand-us`" not in bodies[0]
    assert "\n| | address | action | why |\n|---|---|---|---|\n| 🟢 |" in bodies[1]


def test_what_no_comment_can_hold_is_not_approved_and_the_comment_says_so() -> None:
    plan = big_plan(400)
    bodies, reviewed, not_shown = comments_of(plan, max_comments=3)
    assert len(bodies) == 3
    assert not_shown and set(not_shown).isdisjoint(reviewed.posts)
    assert set(reviewed.posts) | set(not_shown) == {c.address for c in plan.changes}
    for address in reviewed.posts:
        assert any(html_text(address) in shown_blocks(b) for b in bodies)
    for address in not_shown:
        assert not any(html_text(address) in shown_blocks(b) for b in bodies)
    assert reviewed_in(bodies[0]) == reviewed
    assert f"⛔ **{len(not_shown)} post(s) this plan publishes are NOT approved" in bodies[0]
    assert "split the pull request" in bodies[0]
    assert f"The full plan is in the [run summary]({URL})" in bodies[-1]
    assert all(len(body) <= COMMENT_LIMIT for body in bodies)
    assert shown_reviewed(reviewed, bodies[0], parts_of(bodies)) == (reviewed, [])


def test_a_one_comment_cap_cuts_as_before_and_approves_only_what_it_shows() -> None:
    plan = big_plan(200)
    bodies, reviewed, not_shown = comments_of(plan, max_comments=1)
    (body,) = bodies
    assert len(body) <= COMMENT_LIMIT
    assert 0 < len(reviewed.posts) < 200 and len(not_shown) == 200 - len(reviewed.posts)
    assert "it continues" not in body and continued_in(body) is None


def test_the_merge_approves_no_post_of_a_continuation_missing_edited_or_stale() -> None:
    plan = big_plan(400)
    bodies, reviewed, _ = comments_of(plan)
    in_part_2 = sorted(a for a in reviewed.posts if html_text(a) in shown_blocks(bodies[2 - 1]))
    assert in_part_2
    parts = parts_of(bodies)
    deleted = {n: b for n, b in parts.items() if n != 2}
    assert shown_reviewed(reviewed, bodies[0], deleted)[1] == in_part_2
    edited = {**parts, 2: [bodies[1].replace("post 1", "post 1 (edited)")]}
    assert shown_reviewed(reviewed, bodies[0], edited)[1] == in_part_2
    stale_bodies, _, _ = comments_of(big_plan(400, caption=900))
    stale = {**parts, 2: [stale_bodies[1]]}  # an older push's part 2, left in place
    assert shown_reviewed(reviewed, bodies[0], stale)[1] == in_part_2
    duplicated = {**parts, 2: [stale_bodies[1], bodies[1]]}
    assert shown_reviewed(reviewed, bodies[0], duplicated)[1] == []
    # GitHub handing the body back with CRLF line ends changes nothing
    crlf = {n: [b.replace("\n", "\r\n") for b in found] for n, found in parts.items()}
    assert shown_reviewed(reviewed, bodies[0], crlf)[1] == []


def test_a_comment_cut_by_an_older_version_approves_only_what_it_shows() -> None:
    """Before continuations, a cut comment's reviewed plan approved every post."""
    plan = big_plan(200)
    reviewed = reviewed_from_plan(plan, pull_request=7)
    markdown = render_markdown(plan)
    kept = markdown[: COMMENT_LIMIT - len(reviewed_line(reviewed)) - 200].rsplit("\n", 1)[0]
    if kept.count("<details>") > kept.count("</details>"):
        kept += f"\n{CUT}\n</details>"
    old = f"{marker('site')}\n{reviewed_line(reviewed)}\n\n{kept}\n\n---\n**cut**\n"
    approved, dropped = shown_reviewed(reviewed, old, {})
    assert dropped and approved.posts
    assert set(approved.posts) == {a for a in reviewed.posts if html_text(a) in shown_blocks(old)}


def test_a_block_longer_than_a_whole_comment_is_cut_short_and_not_approved() -> None:
    lines = ["- **caption**: hi", "- **privacy**: SELF\\_ONLY", "- **disclosure**: none"]
    block = (
        "<details><summary><code>{}</code>: what TikTok will receive</summary>\n\n{}\n\n</details>"
    )
    posts = {f"p{i}@a": f"sha256:{i:016x}" for i in range(3)}
    blocks = [
        block.format(a, "\n".join(lines * (40 if i == 1 else 1))) for i, a in enumerate(posts)
    ]
    reviewed = ReviewedPlan(pull_request=7, plan_hash="sha256:0", posts=posts)
    made = plan_comments(
        "site", "### plan\n\n" + "\n".join(blocks) + "\n", reviewed=reviewed, limit=1_500
    )
    assert made.not_shown == ["p1@a"]
    assert made.reviewed is not None and set(made.reviewed.posts) == {"p0@a", "p2@a"}
    (long,) = [b for b in made.bodies if "<code>p1@a</code>" in b]
    assert f"{CUT}\n</details>" in long
    assert all(len(b) <= 1_500 for b in made.bodies)


def test_a_continuation_marker_names_one_directory_and_one_part() -> None:
    body = continuation_marker("a:2", 3) + "\ntext"
    assert part_number(body, "a:2") == 3
    assert part_number(body, "a") is None
    assert part_number(continuation_marker("a", 2), "a") == 2
    assert part_number(marker("a"), "a") is None
    assert not continuation_marker("a", 2).startswith(marker("a")[:-4])
    assert part_number("lol " + continuation_marker("a", 2), "a") is None


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=900), min_size=1, max_size=40),
    limit=st.integers(min_value=1_800, max_value=6_000),
    max_comments=st.integers(min_value=1, max_value=6),
)
def test_any_split_keeps_each_comment_in_limit_and_approves_only_whole_blocks(
    sizes: list[int], limit: int, max_comments: int
) -> None:
    posts = {f"p{i}@a": f"sha256:{i:016x}" for i in range(len(sizes))}
    rows = [f"| 🟢 | `{a}` | + create | due |" for a in posts]
    blocks = [
        f"<details><summary><code>{a}</code>: what TikTok will receive</summary>\n\n"
        + "\n".join(f"- **line**: {'y' * 30}" for _ in range(size // 40))
        + "\n\n</details>"
        for a, size in zip(posts, sizes, strict=True)
    ]
    markdown = "### plan\n\n| | address | action | why |\n|---|---|---|---|\n"
    markdown += "\n".join(rows) + "\n\n" + "\n".join(blocks) + "\n"
    reviewed = ReviewedPlan(pull_request=7, plan_hash="sha256:0", posts=posts)
    made = plan_comments(
        "site", markdown, reviewed=reviewed, limit=limit, max_comments=max_comments
    )
    assert made.reviewed is not None
    assert 1 <= len(made.bodies) <= max_comments
    assert all(len(body) <= limit for body in made.bodies)
    assert set(made.reviewed.posts) | set(made.not_shown) == set(posts)
    whole = set().union(*(shown_blocks(b) for b in made.bodies))
    assert set(made.reviewed.posts) == whole & set(posts)
    parts = parts_of(made.bodies)
    assert shown_reviewed(made.reviewed, made.bodies[0], parts) == (made.reviewed, [])
    for body in made.bodies[1:]:  # a table going on repeats its header
        if re.search(r"^\| 🟢", body, re.MULTILINE):
            assert "| | address | action | why |\n|---|---|---|---|" in body


def test_each_comment_renders_its_rows_as_a_table_and_its_blocks_whole_on_github() -> None:
    """As GitHub's renderer (cmark-gfm) draws them: no row falls out of its table."""
    from markdown_html import to_html

    bodies, _, _ = comments_of(big_plan(1_000, caption=100))
    rendered = [to_html(body) for body in bodies]
    rows = sum(html.count("<td>🟢</td>") for html in rendered)
    assert rows == 1_000
    assert sum(html.count("<summary><code>post-") for html in rendered) == 1_000
    for html in rendered:
        assert html.count("<details>") == html.count("</details>")
    assert "<strong>publisher plan: <code>site</code> (continued)</strong>" in rendered[1]
