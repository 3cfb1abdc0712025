"""``publisher validate`` and ``publisher plan`` on real repositories: formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import Result

from gitops_publisher.core.plan import Plan
from gitops_publisher.core.state import Record, State
from gitops_publisher.planning import read_plan
from gitops_publisher.workspace.state_file import dump_state

from .projects import CONFIG

Run = Callable[..., Result]
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

POSTS = {
    "posts/new.yaml": """\
version: 1
id: fresh
accounts: [brand-us, brand-uk]
video: media/launch-teaser.mp4
caption: "Meet the new drop 🚀 #launch"
privacy: PUBLIC_TO_EVERYONE
""",
    "posts/later.yaml": """\
version: 1
id: far-future
accounts: [brand-us]
video: media/tutorial-part1.mp4
caption: "Scheduled"
publish_at: 2099-06-01T13:00:00Z
""",
    "posts/kept.yaml": """\
version: 1
id: kept
accounts: [brand-us]
video: media/tutorial-part2.mp4
caption: "Already out"
---
version: 1
id: edited
accounts: [brand-uk]
video: media/customer-story.mp4
caption: "Edited after publishing"
mode: draft
""",
}


def plan_schema() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / "plan.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def plan_json(publisher: Run, root: Path, *args: str) -> dict[str, Any]:
    result = publisher("-C", root, "plan", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def record_for(change: dict[str, Any], **fields: Any) -> Record:
    values = {
        "post_id": change["post_id"],
        "account": change["account"],
        "status": "published" if change["mode"] == "direct" else "inbox",
        "fingerprint": change["fingerprint"],
        "mode": change["mode"],
        "video": change["video"],
        "publish_id": "v_pub_file~v2-1.7300000000000000001",
        "created_at": T0,
        "updated_at": T0,
        "published_at": T0,
    }
    return Record.model_validate(values | fields)


def write_state(root: Path, records: list[Record]) -> None:
    resources = {each.address: each for each in records}
    state = State(lineage="11111111-2222-4333-8444-555555555555", serial=7, resources=resources)
    path = root / ".publisher" / "state.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dump_state(state))


@pytest.fixture
def repo(make_repo: Callable[..., Any], publisher: Run) -> Path:
    """A repo in every state: new, scheduled, published, drifted, orphaned, in flight."""
    root: Path = make_repo({"publisher.yaml": CONFIG, **POSTS}).root
    changes = {c["address"]: c for c in plan_json(publisher, root)["changes"]}
    write_state(
        root,
        [
            record_for(changes["kept@brand-us"]),
            record_for(changes["edited@brand-uk"], fingerprint="sha256:before-the-edit"),
            record_for(changes["kept@brand-us"], post_id="removed", publish_id="v_pub_file~9"),
            record_for(changes["kept@brand-us"], post_id="stuck", status="processing"),
        ],
    )
    return root


# --- validate ---------------------------------------------------------------------------------


def test_the_examples_validate_clean(content_repo: Any, publisher: Run) -> None:
    result = publisher("-C", content_repo.root, "validate")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith(
        "Valid: 10 post(s) in 8 file(s), 17 address(es) across 4 account(s)"
    )
    assert result.stderr == ""


def test_validate_warns_when_there_are_no_posts(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    root = make_repo({"publisher.yaml": CONFIG}).root
    result = publisher("-C", root, "validate")
    assert result.exit_code == 0
    assert "warning: posts: no manifests found under posts/" in result.stderr


def test_validate_warns_about_a_manifest_it_does_not_read_because_of_its_case(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    post = "version: 1\nid: x\naccounts: [brand-us]\nvideo: media/x.mp4\ncaption: x\n"
    root = make_repo({"publisher.yaml": CONFIG, "posts/Launch.YAML": post}).root
    result = publisher("-C", root, "validate")
    assert result.exit_code == 0
    assert (
        "warning: posts/Launch.YAML: not read: a manifest's name ends in .yaml or .yml, "
        "in lowercase: rename it"
    ) in result.stderr


# --- plan: text -------------------------------------------------------------------------------


def test_the_text_plan_shows_every_action_and_what_will_be_sent(repo: Path, publisher: Run) -> None:
    result = publisher("-C", repo, "plan")
    assert result.exit_code == 0, result.output
    out = result.stdout
    expected = {
        "+ fresh@brand-us": "create",
        "+ fresh@brand-uk": "create",
        "… far-future@brand-us": "wait",
        "? stuck@brand-us": "resume",
        "~ edited@brand-uk": "drift",
        "- removed@brand-us": "orphan",
    }
    lines = out.splitlines()
    for head, action in expected.items():
        assert any(line.strip().startswith(head) and f" {action} " in line for line in lines), head
    assert "kept@brand-us" in out and "noop" in out
    assert "scheduled for 2099-06-01 09:00 EDT (America/New_York)" in out
    assert '"Meet the new drop 🚀 #launch" (28/2200 UTF-16)' in out
    assert "PUBLIC_TO_EVERYONE · comments off · duet off · stitch off" in out
    assert "brand-us: 1 init(s) at 6/min" in out  # the resume only asks TikTok: no init
    assert "Plan: 2 to publish" in out.splitlines()[-1]
    assert "Warning: edited@brand-uk: changed since it was published" in out


def test_the_examples_plan_shows_posts_to_publish(content_repo: Any, publisher: Run) -> None:
    result = publisher("-C", content_repo.root, "plan")
    assert result.exit_code == 0, result.output
    assert "+ launch-teaser@brand-us" in result.stdout
    assert "partner-collab@brand-us" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("Plan: ")


# --- plan: json and markdown ------------------------------------------------------------------


def test_the_json_plan_validates_against_the_published_schema(repo: Path, publisher: Run) -> None:
    document = plan_json(publisher, repo)
    assert list(plan_schema().iter_errors(document)) == []
    assert document["format_version"] == 1
    assert (document["lineage"], document["serial"]) == ("11111111-2222-4333-8444-555555555555", 7)
    actions = {c["address"]: c["action"] for c in document["changes"]}
    assert actions == {
        "edited@brand-uk": "drift",
        "far-future@brand-us": "wait",
        "fresh@brand-uk": "create",
        "fresh@brand-us": "create",
        "kept@brand-us": "noop",
        "removed@brand-us": "orphan",
        "stuck@brand-us": "resume",
    }
    Plan.model_validate(document)  # and it is the model's own format


def test_the_examples_json_plan_validates(content_repo: Any, publisher: Run) -> None:
    document = plan_json(publisher, content_repo.root)
    assert list(plan_schema().iter_errors(document)) == []
    assert len(document["changes"]) == 17


def test_the_markdown_plan_is_a_reviewable_comment(repo: Path, publisher: Run) -> None:
    result = publisher("-C", repo, "plan", "--format", "markdown")
    assert result.exit_code == 0, result.output
    md = result.stdout
    assert md.startswith("### publisher plan\n")
    assert "| 🟢 | `fresh@brand-us` | + create | new post |" in md
    assert "| 🔵 | `stuck@brand-us` |" in md
    assert "<details><summary><code>fresh@brand-uk</code>: what TikTok will receive</summary>" in md
    assert "1 address(es) published and unchanged." in md
    assert "kept@brand-us" not in md  # unchanged rows are summarised, not listed


# --- exit codes -------------------------------------------------------------------------------


def test_detailed_exitcode_is_2_with_changes_and_0_without(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    root = make_repo({"publisher.yaml": CONFIG, **POSTS}).root
    assert publisher("-C", root, "plan", "--detailed-exitcode").exit_code == 2
    assert publisher("-C", root, "plan").exit_code == 0  # without the flag, changes are fine

    document = plan_json(publisher, root)
    write_state(
        root,
        [record_for(c) for c in document["changes"] if c["action"] == "create"]
        + [record_for(c) for c in document["changes"] if c["post_id"] in ("kept", "edited")],
    )
    result = publisher("-C", root, "plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("No changes.")


# A post whose publish window closed long ago and must not be published late: a plan error.
TOO_LATE = """\
version: 1
id: too-late
accounts: [brand-us]
video: media/tutorial-part1.mp4
publish_at: 2020-01-01T09:00:00Z
not_after: 2020-01-02T09:00:00Z
on_missed: fail
"""


def test_a_missed_window_that_must_fail_exits_1(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    root = make_repo({"publisher.yaml": CONFIG, "posts/late.yaml": TOO_LATE}).root
    result = publisher("-C", root, "plan")
    assert result.exit_code == 1
    assert "Error: too-late@brand-us: its publish window passed (on_missed: fail)" in result.stdout


def test_an_unknown_target_is_a_clean_error(repo: Path, publisher: Run) -> None:
    result = publisher("-C", repo, "plan", "--target", "nope@brand-us")
    assert result.exit_code == 1
    assert "'nope@brand-us' matches no post" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("option", "typed", "meant"),
    [("--target", "fresh@brand-su", "fresh@brand-us"), ("--replace", "fersh", "fresh")],
)
def test_a_mistyped_target_suggests_the_address_meant(
    repo: Path, publisher: Run, option: str, typed: str, meant: str
) -> None:
    result = publisher("-C", repo, "plan", option, typed)
    assert result.exit_code == 1
    assert f"'{typed}' matches no post" in result.stderr
    assert f"did you mean {meant}" in result.stderr


@pytest.mark.parametrize("typed", ["brand-us", "@brand-us"])
def test_a_target_naming_an_account_says_how_to_select_its_posts(
    repo: Path, publisher: Run, typed: str
) -> None:
    result = publisher("-C", repo, "plan", "--target", typed)
    assert result.exit_code == 1
    assert f"'{typed}' matches no post: brand-us is an account" in result.stderr
    assert "name each of its posts as POST_ID@brand-us" in result.stderr


def test_targets_narrow_the_plan(repo: Path, publisher: Run) -> None:
    document = plan_json(publisher, repo, "--target", "fresh")
    assert sorted(c["address"] for c in document["changes"]) == [
        "fresh@brand-uk",
        "fresh@brand-us",
    ]


# --- saved plans ------------------------------------------------------------------------------


def test_a_saved_plan_round_trips(repo: Path, publisher: Run, tmp_path: Path) -> None:
    out = tmp_path / "release.plan"
    result = publisher("-C", repo, "plan", "--format", "json", "-o", out)
    assert result.exit_code == 0, result.output
    assert f"Saved the plan to {out}" in result.stderr
    printed = json.loads(result.stdout)
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved == printed
    assert list(plan_schema().iter_errors(saved)) == []
    plan = read_plan(out)
    assert plan.model_dump(mode="json") == printed
    assert plan.fingerprints["fresh@brand-us"].startswith("sha256:")
    assert (plan.lineage, plan.serial) == ("11111111-2222-4333-8444-555555555555", 7)


def test_a_plan_with_errors_is_not_saved_and_an_old_one_is_not_applied(
    make_repo: Callable[..., Any], publisher: Run, tmp_path: Path
) -> None:
    # A failed plan approves nothing: saved, `apply PLANFILE` published its other posts.
    root = make_repo({"publisher.yaml": CONFIG, **POSTS, "posts/late.yaml": TOO_LATE}).root
    out = tmp_path / "release.plan"
    result = publisher("-C", root, "plan", "-o", out)
    assert result.exit_code == 1
    assert f"Not saved to {out}: the plan has errors" in result.stderr
    assert not out.exists()

    out.write_text("earlier", encoding="utf-8")
    result = publisher("-C", root, "plan", "-o", out)
    assert "(the file there is an earlier plan, left as it was)" in result.stderr
    assert out.read_text(encoding="utf-8") == "earlier"

    # A failed plan saved by an older version: refused before anything is read or sent.
    document = json.loads(publisher("-C", root, "plan", "--format", "json").stdout)
    assert document["errors"] and any(c["action"] == "create" for c in document["changes"])
    out.write_text(json.dumps(document), encoding="utf-8")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    result = publisher("-C", root, "apply", "--yes", out)
    assert result.exit_code == 1, result.output
    assert "approves nothing: nothing was published" in result.stderr
    assert "make the plan again once its errors are fixed" in result.stderr
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert after == before


def test_plan_at_a_later_time_shows_the_posts_due_then(repo: Path, publisher: Run) -> None:
    def action(*args: str) -> str:
        result = publisher("-C", repo, "plan", "--format", "json", *args)
        assert result.exit_code == 0, result.output
        (change,) = [
            c for c in json.loads(result.stdout)["changes"] if c["address"] == "far-future@brand-us"
        ]
        return str(change["action"])

    assert action() == "wait"
    assert action("--at", "2099-06-01T12:59:59Z") == "wait"
    assert action("--at", "2099-06-01T15:00+02:00") == "create"  # 13:00 UTC: due
    shown = publisher("-C", repo, "plan", "--at", "2099-06-01T13:00Z")
    assert "Notice: planned as of 2099-06-01T13:00:00+00:00, not now" in shown.stderr


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (("--at", "2099-06-01 13:00"), "has no offset", "add the offset: 2099-06-01 13:00Z"),
        (("--at", "next friday"), "is not a time", "ISO 8601 with its offset"),
        (("--at", "2099-06-01T13:00Z", "-o", "p.json"), "cannot be saved", "drop --at"),
    ],
)
def test_plan_at_refuses_what_it_cannot_honour(
    repo: Path, publisher: Run, args: tuple[str, ...], message: str, hint: str
) -> None:
    result = publisher("-C", repo, "plan", *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr and hint in result.stderr
    assert "Traceback" not in result.output and not (repo / "p.json").exists()


def test_a_plan_file_that_cannot_be_written_is_a_user_error(
    repo: Path, publisher: Run, tmp_path: Path
) -> None:
    # A mistyped directory was an unexpected FileNotFoundError: exit 70 and a crash log.
    out = tmp_path / "no-such-dir" / "release.plan"
    result = publisher("-C", repo, "plan", "-o", out)
    assert result.exit_code == 1, result.output
    assert f"cannot write the plan to {out}: No such file or directory" in result.stderr
    assert "choose another -o FILE" in result.stderr and "bug" not in result.output


# --- the real command -------------------------------------------------------------------------


def test_the_real_command_plans_and_refuses_bad_input(make_repo: Callable[..., Any]) -> None:
    root = make_repo({"publisher.yaml": CONFIG, **POSTS}).root
    command = [sys.executable, "-m", "gitops_publisher", "-C", str(root)]
    done = subprocess.run(
        [*command, "plan", "--format", "json", "--detailed-exitcode"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert list(plan_schema().iter_errors(json.loads(done.stdout))) == []

    (root / "posts" / "broken.yaml").write_text("version: 1\nid: [\n", encoding="utf-8")
    done = subprocess.run([*command, "validate"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "posts/broken.yaml:3:1: YAML syntax error" in done.stderr
    assert "Traceback" not in done.stderr


def test_on_missed_without_not_after_is_a_warning_at_its_line(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    """``on_missed`` acts once a window (``not_after``) closes: without one, a missed
    ``publish_at`` is published late whatever it says, which its author meant to prevent."""
    post = POSTS["posts/later.yaml"] + "on_missed: skip\n"
    root = make_repo({"publisher.yaml": CONFIG, "posts/later.yaml": post}).root
    checked = publisher("-C", root, "validate", "--no-media-checks")
    assert checked.exit_code == 0, checked.output
    assert (
        "warning: posts/later.yaml:7:12 on_missed: on_missed applies once the publish window "
        "closes, and this post has no not_after: a missed publish_at is published late "
        "whatever on_missed says; add not_after (the window's end), or remove on_missed"
    ) in checked.stderr, checked.stderr
    windowed = post + "not_after: 2099-06-01T15:00:00Z\n"
    (root / "posts" / "later.yaml").write_text(windowed, encoding="utf-8")
    checked = publisher("-C", root, "validate", "--no-media-checks")
    assert checked.exit_code == 0 and "on_missed" not in checked.stderr, checked.stderr
