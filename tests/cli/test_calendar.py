"""``publisher calendar`` on real repositories: text, JSON, and an ICS file parsed back."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import icalendar
import jsonschema
import pytest
from click.testing import Result

from gitops_publisher import planning
from gitops_publisher.cli.views.calendar_ics import escape_text, fold
from gitops_publisher.core.state import Record, State
from gitops_publisher.workspace.state_file import dump_state

from .projects import CONFIG

Run = Callable[..., Result]
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"
CAPTION = 'Line one; "quoted", with commas\\backslash\nline two 🚀 ' + "long " * 30

POSTS = {
    "posts/paris.yaml": f"""\
version: 1
id: paris
accounts: [brand-us, brand-uk]
video: media/launch-teaser.mp4
caption: {json.dumps(CAPTION, ensure_ascii=False)}
publish_at: {{at: "2026-10-26 09:00", tz: Europe/Paris}}
not_after: {{at: "2026-10-26 12:00", tz: Europe/Paris}}
on_missed: skip
""",
    "posts/summer.yaml": """\
version: 1
id: summer
accounts: [brand-uk]
video: media/tutorial-part1.mp4
publish_at: {at: "2026-10-24 09:00", tz: Europe/Paris}
""",
    "posts/live.yaml": """\
version: 1
id: live
accounts: [brand-us]
video: media/tutorial-part2.mp4
caption: "Already out"
""",
}


@pytest.fixture(autouse=True)
def before_every_post(monkeypatch: pytest.MonkeyPatch) -> None:
    """The calendar is looked at on 1 October 2026, before every post's time and window."""
    monkeypatch.setattr(planning, "utc_now", lambda: datetime(2026, 10, 1, tzinfo=UTC))


def make(make_repo: Callable[..., Any], publisher: Run, posts: dict[str, str] = POSTS) -> Path:
    root: Path = make_repo({"publisher.yaml": CONFIG, **posts}).root
    plan = json.loads(publisher("-C", root, "plan", "--format", "json").stdout)
    live = next(c for c in plan["changes"] if c["address"] == "live@brand-us")
    at = datetime(2026, 10, 20, 18, 5, tzinfo=UTC)
    record = Record(
        post_id="live",
        account="brand-us",
        status="published",
        fingerprint=live["fingerprint"],
        mode="direct",
        video="media/tutorial-part2.mp4",
        publish_id="v_pub_file~7",
        url="https://www.tiktok.com/@acme/video/7",
        created_at=at,
        updated_at=at,
        published_at=at,
    )
    path = root / ".publisher" / "state.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dump_state(State().with_record(record)))
    return root


def test_the_ics_file_parses_back_with_every_post_at_its_instant(
    make_repo: Callable[..., Any], publisher: Run, tmp_path: Path
) -> None:
    root = make(make_repo, publisher)
    out = tmp_path / "posts.ics"
    result = publisher("-C", root, "calendar", "--format", "ics", "-o", out)
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert all(line.endswith(b"\r") for line in raw.split(b"\n")[:-1])  # CRLF everywhere
    assert all(len(line) <= 76 for line in raw.split(b"\n"))  # 75 octets + CR
    parsed = icalendar.Calendar.from_ical(raw)
    events = {str(e["UID"]): e for e in parsed.walk("VEVENT")}
    assert set(events) == {
        "paris@brand-us/scheduled@gitops-publisher",
        "paris@brand-uk/scheduled@gitops-publisher",
        "summer@brand-uk/scheduled@gitops-publisher",
        "live@brand-us/v_pub_file~7@gitops-publisher",
    }
    paris = events["paris@brand-us/scheduled@gitops-publisher"]
    # 09:00 in Paris the day after summer time ended is 08:00 UTC; two days earlier, 07:00
    assert paris.decoded("DTSTART") == datetime(2026, 10, 26, 8, tzinfo=UTC)
    assert paris.decoded("DTEND") == datetime(2026, 10, 26, 11, tzinfo=UTC)
    summer = events["summer@brand-uk/scheduled@gitops-publisher"]
    assert summer.decoded("DTSTART") == datetime(2026, 10, 24, 7, tzinfo=UTC)
    description = str(paris["DESCRIPTION"])
    assert f"caption: {CAPTION.strip()}" in description  # escaping and folding undone exactly
    assert "scheduled on brand-us at 2026-10-26 04:00 EDT (America/New_York)" in description
    live = events["live@brand-us/v_pub_file~7@gitops-publisher"]
    assert str(live["URL"]) == "https://www.tiktok.com/@acme/video/7"
    assert str(live["STATUS"]) == "CONFIRMED"


def test_text_groups_by_account_and_day_in_its_zone(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    root = make(make_repo, publisher)
    result = publisher("-C", root, "calendar")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("brand-uk (Europe/London)") < out.index("brand-us (America/New_York)")
    uk = out.split("brand-us (America/New_York)")[0]
    assert "  2026-10-24 Sat\n    08:00 BST  scheduled  summer" in uk
    assert (
        "  2026-10-26 Mon\n    08:00 GMT  scheduled  paris  "
        "window until 2026-10-26 11:00 GMT, then skip" in uk
    )
    us = out.split("brand-us (America/New_York)")[1]
    assert (
        "  2026-10-20 Tue\n    14:05 EDT  published  live  https://www.tiktok.com/@acme/video/7"
        in us
    )


def test_json_with_a_range(make_repo: Callable[..., Any], publisher: Run) -> None:
    root = make(make_repo, publisher)
    result = publisher(
        "-C", root, "calendar", "--format", "json", "--from", "2026-10-25", "--to", "2026-10-31"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    schema = json.loads((SCHEMA_DIR / "calendar.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)
    assert [(e["address"], e["day"], e["local_time"]) for e in document["entries"]] == [
        ("paris@brand-uk", "2026-10-26", "08:00 GMT"),
        ("paris@brand-us", "2026-10-26", "04:00 EDT"),
    ]
    assert document["timezones"] == {"brand-uk": "Europe/London", "brand-us": "America/New_York"}
    bad = publisher("-C", root, "calendar", "--from", "2026-10-31", "--to", "2026-10-01")
    assert bad.exit_code == 1 and "--to 2026-10-01 is before --from 2026-10-31" in bad.stderr


def test_a_nonexistent_local_time_is_an_error_at_its_line(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    post = POSTS["posts/summer.yaml"].replace("2026-10-24 09:00", "2027-03-28 02:30")
    root: Path = make_repo({"publisher.yaml": CONFIG, "posts/summer.yaml": post}).root
    result = publisher("-C", root, "validate", "--no-media-checks")
    assert result.exit_code == 1
    assert (
        "posts/summer.yaml:5:13 publish_at: 2027-03-28 02:30 does not exist in Europe/Paris"
        in result.stderr
    ), result.stderr
    assert "Traceback" not in result.output


def test_ics_text_escaping_and_folding_by_octets() -> None:
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"
    line = "DESCRIPTION:" + "é" * 80
    folded = fold(line).split("\r\n ")
    assert all(len(piece.encode()) <= 75 for piece in folded)
    assert "".join(folded) == line  # no character split across lines
