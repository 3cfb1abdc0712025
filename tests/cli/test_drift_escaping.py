"""A drifted caption is user text: escaped where the diff shows it (terminal, Markdown)."""

from __future__ import annotations

from core.test_planner import CONFIG, NOW, desired, record, state_of

from gitops_publisher.cli.views.plan_markdown import render_markdown
from gitops_publisher.cli.views.plan_text import render_text
from gitops_publisher.core.drift import snapshot
from gitops_publisher.core.planner import plan


def test_control_characters_and_markdown_in_a_caption_cannot_escape_the_diff() -> None:
    (published,) = desired(caption="calm")
    (edited,) = desired(caption="\x1b[2J`fake` | @octocat\n## Plan: nothing")
    result = plan(
        [edited],
        state_of(record(published, sent=snapshot(published))),
        NOW,
        accounts=CONFIG.accounts,
    )
    text = render_text(result, color=False)
    assert "\x1b" not in text and "\\x1b[2J" in text
    md = render_markdown(result)
    diff_row = next(line for line in md.splitlines() if line.startswith("| `caption` |"))
    assert diff_row.count(" | ") == 2  # the pipe in the caption did not split the cell
    assert "\n## Plan" not in md and "\x1b" not in md
