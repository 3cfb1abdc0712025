"""A reviewer sees a post's publish window in the plan, not only in the calendar.

``not_after`` and ``on_missed`` decide whether a post scheduled for later is ever published;
the plan a pull request shows (text and Markdown alike) says so beside its schedule.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from gitops_publisher.cli.views.plan_markdown import render_markdown
from gitops_publisher.cli.views.plan_text import render_text
from tests.core.test_youtube_plan import desired, make

WINDOW = {
    "publish_at": {"at": "2026-12-12 10:00", "tz": "America/New_York"},
    "not_after": {"at": "2026-12-12 12:00", "tz": "America/New_York"},
}


def test_the_plan_shows_each_posts_window_and_what_happens_once_it_closes() -> None:
    posts = [
        *desired("flash", "brand-us", on_missed="skip", **WINDOW),
        *desired("promo", "brand-us", on_missed="fail", **WINDOW),
        *desired("plain", "brand-us", publish_at="2026-12-12T15:00:00Z"),
        *desired("yt", "shorts-a", on_missed="skip", youtube={"privacy": "private"}, **WINDOW),
    ]
    result = make(posts, now=datetime(2026, 12, 5, 9, tzinfo=UTC))
    text = render_text(result, color=False)
    skip = "until 2026-12-12 17:00 UTC (UTC), then skip: not published once it closes"
    fail = "until 2026-12-12 17:00 UTC (UTC), then fail: apply refuses it"
    assert f"      window     {skip}" in text
    assert f"      window     {fail}" in text
    youtube = text[text.index("yt@shorts-a") :]
    assert "      window     until 2026-12-12 17:00 UTC (UTC), then skip" in youtube
    plain = text[text.index("plain@brand-us") :].split("\n  ")[0]
    assert "window" not in plain  # no not_after: no window row
    assert f"**window**: {skip}" in render_markdown(result).replace("\\:", ":")
    changes = json.loads(result.model_dump_json())["changes"]
    assert {c["address"]: c["on_missed"] for c in changes} == {
        "flash@brand-us": "skip",
        "promo@brand-us": "fail",
        "plain@brand-us": None,
        "yt@shorts-a": "skip",
    }
