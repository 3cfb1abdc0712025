"""The plan views' output, pinned: text (plain and coloured) and Markdown of one sample plan.

The sample (``plan_sample.py``) has a change of every kind the views show, on both
platforms, and both budget sections; a change of any rendered character shows here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gitops_publisher.cli.views.plan_markdown import render_markdown
from gitops_publisher.cli.views.plan_text import render_text
from gitops_publisher.core.plan import Plan
from tests.cli.plan_sample import sample_plan

GOLDEN = Path(__file__).parent.parent / "golden" / "plan"


@pytest.mark.parametrize(
    ("name", "render"),
    [
        # The text view ends without a line break (click.echo adds it); its files end with one.
        ("plan.txt", lambda plan: render_text(plan, color=False) + "\n"),
        ("plan-colour.txt", lambda plan: render_text(plan, color=True) + "\n"),
        ("plan-summary.txt", lambda plan: render_text(plan, color=False, detailed=False) + "\n"),
        ("plan.md", render_markdown),
    ],
)
def test_the_plan_renders_as_its_golden_file(name: str, render: Callable[[Plan], str]) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert render(sample_plan()) == expected
