"""A post YouTube schedules itself (private + publishAt) is never called "published" early.

Apply uploads it at once and records it; until its ``publish_at`` every output says
"scheduled by YouTube for <time>": the apply summary and result events, JSON results, the
next plan, ``state show`` and the calendar.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from tests.cli.test_youtube_manifests import CHANNEL, CONFIG, POST, project

Run = Callable[..., Result]
WHEN = "2099-01-10T14:00:00Z"
SCHEDULED = f"scheduled by YouTube for {WHEN}"
SCHEDULED_POST = (
    POST.replace("  default_language: en\n", "  privacy: private\n")
    + "publish_at: 2099-01-10T09:00:00-05:00\n"
)


def unpinned(make_repo: Callable[..., Any], post: str) -> Path:
    """The project of ``post``, its channel named by handle alone (the sandbox's own id)."""
    return project(make_repo, CONFIG.replace(f"    channel_id: {CHANNEL}\n", ""), post)


def test_every_output_says_scheduled_by_youtube_until_publish_at(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    root = unpinned(make_repo, SCHEDULED_POST)
    applied = publisher("-C", root, "apply", "--sandbox", "--yes", "--target", "launch@acme-yt")
    assert applied.exit_code == 0, applied.output
    lines = applied.output.splitlines()
    event = next(line for line in lines if line.startswith("[launch@acme-yt] scheduled"))
    assert event.startswith("[launch@acme-yt] scheduled: https://www.youtube.com/shorts/")
    assert event.endswith(f"({SCHEDULED}; private until then)")
    row = next(line for line in lines if line.startswith("launch@acme-yt "))
    assert row.split()[1] == "scheduled" and SCHEDULED in row
    assert "published" not in event + row
    assert not any(line.startswith("[launch@acme-yt] published") for line in lines)

    state = json.loads((root / ".publisher" / "sandbox" / "state.json").read_text())
    assert state["resources"]["launch@acme-yt"]["status"] == "published"  # it exists
    shown = json.loads(publisher("-C", root, "--sandbox", "state", "show", "launch@acme-yt").stdout)
    assert shown["scheduled"] == f"{SCHEDULED}; private until then"
    listed = publisher("-C", root, "--sandbox", "state", "list").stdout.splitlines()
    (row,) = [line for line in listed if line.startswith("launch@acme-yt ")]
    assert row.split()[1] == "scheduled", listed  # not "published" while YouTube keeps it private
    document = json.loads(
        publisher("-C", root, "--sandbox", "state", "list", "--format", "json").stdout
    )
    (record,) = [r for r in document["resources"] if r["address"] == "launch@acme-yt"]
    assert (record["status"], record["scheduled"]) == (
        "published",  # the record's status, as the state has it
        f"{SCHEDULED}; private until then",
    )

    planned = json.loads(publisher("-C", root, "plan", "--sandbox", "--format", "json").stdout)
    (change,) = [c for c in planned["changes"] if c["address"] == "launch@acme-yt"]
    assert (change["action"], change["reason"]) == ("noop", f"{SCHEDULED}, unchanged")

    calendar = json.loads(publisher("-C", root, "--sandbox", "calendar", "--format", "json").stdout)
    (entry,) = [e for e in calendar["entries"] if e["account"] == "acme-yt"]
    assert entry["kind"] == "scheduled" and entry["at"].startswith("2099-01-10T14:00:00")


def test_json_results_say_scheduled(make_repo: Callable[..., Any], publisher: Run) -> None:
    root = unpinned(make_repo, SCHEDULED_POST)
    applied = publisher(
        "-C", root, "apply", "--sandbox", "--yes", "--target", "launch@acme-yt", "--format", "json"
    )
    assert applied.exit_code == 0, applied.output
    (result,) = json.loads(applied.stdout)["results"]
    assert result["outcome"] == "scheduled"
    assert result["message"] == f"{SCHEDULED}; private until then"


PAST_POST = (
    POST.replace("  default_language: en\n", "  privacy: private\n")
    + "publish_at: 2020-01-10T09:00:00-05:00\n"
)


def test_a_publish_at_already_passed_is_not_shown_as_a_schedule(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    # YouTube publishes a video whose publishAt has passed as soon as it is processed
    # (docs/reference/youtube-data-api.md): the plan must not promise "private until" then.
    root = unpinned(make_repo, PAST_POST)
    text = publisher("-C", root, "plan", "--sandbox", "--target", "launch@acme-yt")
    assert text.exit_code == 0, text.output
    markdown = publisher("-C", root, "plan", "--sandbox", "--format", "markdown").stdout
    for shown in (text.stdout, markdown.split("launch@acme-yt</code>")[1]):
        assert "private until" not in shown and "makes it public then" not in shown
        assert "has passed" in shown and "public once YouTube has processed it" in shown
    assert "publishAt 2020-01-10T14:00:00Z has passed: public once YouTube has" in text.stdout
    assert "2020-01-10 15:00 CET (Europe/Paris): passed; uploaded now, public once" in text.stdout


def test_the_calendar_shows_a_late_upload_when_it_went_public(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    root = unpinned(make_repo, PAST_POST)
    applied = publisher("-C", root, "apply", "--sandbox", "--yes", "--target", "launch@acme-yt")
    assert applied.exit_code == 0, applied.output
    state = json.loads((root / ".publisher" / "sandbox" / "state.json").read_text())
    published_at = state["resources"]["launch@acme-yt"]["published_at"]
    calendar = json.loads(publisher("-C", root, "--sandbox", "calendar", "--format", "json").stdout)
    (entry,) = [e for e in calendar["entries"] if e["account"] == "acme-yt"]
    # It went public when it was published, not at the publish_at that had passed.
    assert entry["kind"] == "published" and entry["at"][:19] == published_at[:19]


def test_a_drift_or_replace_of_a_scheduled_video_says_it_still_goes_public(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    # Nothing edits the uploaded video: it keeps its publishAt, so moving publish_at (drift)
    # or --replace leaves it going public at the old time, beside any new one.
    root = unpinned(make_repo, SCHEDULED_POST)
    applied = publisher("-C", root, "apply", "--sandbox", "--yes", "--target", "launch@acme-yt")
    assert applied.exit_code == 0, applied.output
    moved = SCHEDULED_POST.replace("2099-01-10T09:00:00", "2099-01-11T09:00:00")
    (root / "posts" / "launch.yaml").write_text(moved)
    still = f"the uploaded video is still {SCHEDULED}: it goes public then unless"
    for extra in ((), ("--replace", "launch@acme-yt")):
        planned = publisher("-C", root, "plan", "--sandbox", "--format", "json", *extra)
        (change,) = [c for c in json.loads(planned.stdout)["changes"] if c["provider"] == "youtube"]
        assert change["action"] == ("replace" if extra else "drift")
        assert still in change["reason"], change["reason"]
