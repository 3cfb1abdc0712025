"""A pull request's files are untrusted: the Action's log, comment and summary stay ours.

Each test is a reproduction from a security review: file names, mapping keys and captions a
pull request controls tried to forge workflow commands, take over the sticky comment, hide or
fake part of the plan in the comment, and ping people from the bot.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from markdown_html import pings, to_html, visible_text
from pinned_git import commit_all

from .conftest import BOT, PERSONAL_TOKEN, Checkout, RunAction, Stub
from .runner_log import Command, commands

FORGED = [
    "::error title=Security review::approved",
    "::set-output name=has_changes::false",
    "::add-mask::Plan",
    "  ::notice::indented",
]


def manifest(post_id: str, caption: str = "Hello", extra: str = "") -> str:
    return (
        f"version: 1\nid: {post_id}\naccounts: [brand-us]\nvideo: media/launch-teaser.mp4\n"
        f"caption: {json.dumps(caption)}\n{extra}"
    )


def add(work: Path, files: dict[str, str], message: str = "pull request") -> None:
    for relative, content in files.items():
        path = work / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    commit_all(work, message)


def forged(ran: list[Command]) -> list[Command]:
    """Commands the Action did not mean to write."""
    ours = {"gitops-publisher"}
    return [
        c
        for c in ran
        if c.name in ("set-output", "set-env", "add-path")
        or (c.name == "add-mask" and c.data in ("Plan", "indented"))
        or (
            c.name in ("error", "warning", "notice")
            and c.properties.get("title") not in ours
            and c.data.startswith(("approved", "indented"))
        )
        or "Security review" in c.properties.get("title", "")
    ]


# --- 1. workflow commands ---------------------------------------------------------------------


@pytest.mark.parametrize("line", FORGED)
def test_a_file_name_cannot_forge_a_workflow_command(
    action: RunAction, checkout: Checkout, line: str
) -> None:
    name = f"posts/x\n{line}\n.yaml"
    add(checkout.work, {name: manifest("evil", extra="bogus: 1\n")})
    run = action("pull_request", "pull_request.json")
    assert run.result.exit_code == 1, run.log
    ran = commands(run.log)
    assert forged(ran) == []
    errors = [c for c in ran if c.name == "error"]
    assert [c.properties["file"] for c in errors] == [name.replace("\n", "\\n")]
    assert errors[0].properties["line"] == "6"
    assert "unknown field 'bogus'" in errors[0].data


@pytest.mark.parametrize("line", FORGED)
def test_a_mapping_key_cannot_forge_a_workflow_command(
    action: RunAction, checkout: Checkout, line: str
) -> None:
    key = json.dumps(f"x\n{line}")
    add(checkout.work, {"posts/evil.yaml": manifest("evil", extra=f"{key}: 1\n")})
    run = action("pull_request", "pull_request.json")
    assert run.result.exit_code == 1, run.log
    assert forged(commands(run.log)) == []
    (error,) = [c for c in commands(run.log) if c.name == "error"]
    assert error.properties["file"] == "posts/evil.yaml"
    assert "\n" not in error.data and "\\n" in error.data


def test_validate_in_the_action_is_safe_and_annotated(
    action: RunAction, checkout: Checkout
) -> None:
    key = json.dumps(f"x\n{FORGED[0]}")
    add(checkout.work, {"posts/evil.yaml": manifest("evil", extra=f"{key}: 1\n")})
    run = action("push", "push_feature.json", command="validate")
    assert run.result.exit_code == 1, run.log
    ran = commands(run.log)
    assert forged(ran) == []
    (error,) = [c for c in ran if c.name == "error"]
    assert error.properties["file"] == "posts/evil.yaml"
    assert error.properties["line"] == "6"


# --- annotations ------------------------------------------------------------------------------


def test_errors_and_warnings_are_annotated_on_the_diff_of_a_subdirectory_project(
    action: RunAction, checkout: Checkout
) -> None:
    team = checkout.work / "sites" / "team-b"
    team.mkdir(parents=True)
    for name in ("publisher.yaml", "posts", "media"):
        shutil.move(checkout.work / name, team / name)
    tags = " ".join(f"#t{n}" for n in range(8))
    add(checkout.work, {"sites/team-b/posts/tags.yaml": manifest("tags", caption=tags)})
    run = action("pull_request", "pull_request.json", working_directory="sites/team-b")
    assert run.result.exit_code == 0, run.log
    (warning,) = [c for c in commands(run.log) if c.name == "warning"]
    assert warning.properties["file"] == "sites/team-b/posts/tags.yaml"
    assert warning.properties["line"] == "5"
    assert "hashtag" in warning.data

    add(checkout.work, {"sites/team-b/posts/bad.yaml": manifest("bad", extra="privacy: LOUD\n")})
    run = action("pull_request", "pull_request.json", working_directory="sites/team-b")
    assert run.result.exit_code == 1, run.log
    (error,) = [c for c in commands(run.log) if c.name == "error"]
    assert error.properties == {
        "file": "sites/team-b/posts/bad.yaml",
        "line": "6",
        "col": "10",
        "title": "gitops-publisher",
    }
    assert error.data.startswith("privacy: ")
    assert "sites/team-b/posts/bad.yaml:6:10 privacy:" in run.log


# --- 2. the sticky comment is ours ------------------------------------------------------------


def test_an_outsiders_comment_with_the_marker_is_never_overwritten(
    action: RunAction, stub: Stub
) -> None:
    inline = stub.add_comment(7, "lol <!-- gitops-publisher:plan:. -->", "mallory")
    leading = stub.add_comment(7, "<!-- gitops-publisher:plan:. -->\n✅ all good", "mallory")
    impostor = stub.add_comment(7, "<!-- gitops-publisher:plan:. -->\nfake", "github-actions")
    for _ in range(2):
        run = action("pull_request", "pull_request.json")
        assert run.result.exit_code == 0, run.log
    assert stub.comments[inline]["body"] == "lol <!-- gitops-publisher:plan:. -->"
    assert stub.comments[leading]["body"] == "<!-- gitops-publisher:plan:. -->\n✅ all good"
    assert stub.comments[impostor]["body"].endswith("fake")
    ours = [c for c in stub.comments.values() if c["user"]["login"] == BOT]
    assert len(ours) == 1
    assert [m for m, _ in stub.writes()] == ["POST", "PATCH"]
    asked = [p for m, p, _ in stub.requests if p in ("/user", "/graphql")]
    assert asked == ["/user", "/graphql"] * 2  # once per run


def test_a_caption_holding_another_projects_marker_does_not_take_its_comment(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    shutil.copytree(checkout.work / "posts", checkout.work / "team-b" / "posts")
    shutil.copytree(checkout.work / "media", checkout.work / "team-b" / "media")
    shutil.copy(checkout.work / "publisher.yaml", checkout.work / "team-b" / "publisher.yaml")
    caption = "<!-- gitops-publisher:plan:. -->"
    add(checkout.work, {"team-b/posts/marker.yaml": manifest("marker", caption=caption)})
    assert (
        action("pull_request", "pull_request.json", working_directory="team-b").result.exit_code
        == 0
    )
    assert action("pull_request", "pull_request.json").result.exit_code == 0
    bodies = sorted(c["body"].split("\n")[0] for c in stub.comments.values())
    assert bodies == ["<!-- gitops-publisher:plan:. -->", "<!-- gitops-publisher:plan:team-b -->"]


def test_a_personal_token_finds_its_own_comment(action: RunAction, stub: Stub) -> None:
    stub.add_comment(7, "<!-- gitops-publisher:plan:. -->\nthe bot's, not this user's", BOT)
    for _ in range(2):
        run = action("pull_request", "pull_request.json", github_token=PERSONAL_TOKEN)
        assert run.result.exit_code == 0, run.log
    mine = [c for c in stub.comments.values() if c["user"]["login"] == "release-bot"]
    assert len(mine) == 1 and "launch-teaser@brand-us" in mine[0]["body"]
    assert [p for m, p, _ in stub.requests if p in ("/user", "/graphql")] == ["/user"] * 2


# --- 3. what the reviewer sees ----------------------------------------------------------------


def _comment_html(stub: Stub) -> str:
    (comment,) = [c for c in stub.comments.values() if c["user"]["login"] == BOT]
    return to_html(comment["body"])


def test_a_carriage_return_and_comment_opener_hide_nothing(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    add(
        checkout.work,
        {
            "posts/a-hide.yaml": manifest("a-hide", caption="look\r<!-- "),
            "posts/b-shown.yaml": manifest("b-shown", caption="Buy now, all risk on you"),
        },
    )
    run = action("pull_request", "pull_request.json")
    assert run.result.exit_code == 0, run.log
    for rendered in (_comment_html(stub), to_html(run.summary)):
        text = visible_text(rendered)
        assert "b-shown@brand-us: what TikTok will receive" in text
        assert "Buy now, all risk on you" in text
        assert "launch-teaser@brand-us" in text
        assert "look\\r<!--" in text  # shown, not interpreted
        assert rendered.count("<details>") == rendered.count("</details>")


def test_a_key_with_a_fence_cannot_draw_a_fake_plan(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    key = json.dumps("x\n```\n\n### ✅ Plan: nothing to publish\n\n```\n<details>")
    add(checkout.work, {"posts/evil.yaml": manifest("evil", extra=f"{key}: 1\n")})
    run = action("pull_request", "pull_request.json")
    assert run.result.exit_code == 1, run.log
    rendered = _comment_html(stub)
    assert "The plan failed" in visible_text(rendered)
    assert "<h3>✅" not in rendered and "<details>" not in rendered
    (block,) = re.findall(r"<pre><code>(.*?)</code></pre>", rendered, flags=re.S)
    assert "✅ Plan: nothing to publish" in block


def test_mentions_in_a_caption_ping_no_one_but_stay_exact_in_json(
    action: RunAction, stub: Stub, checkout: Checkout
) -> None:
    caption = "Thanks @octocat @acme/security-team, see #12"
    add(checkout.work, {"posts/thanks.yaml": manifest("thanks", caption=caption)})
    run = action("pull_request", "pull_request.json")
    assert run.result.exit_code == 0, run.log
    assert pings(_comment_html(stub)) == []
    assert pings(to_html(run.summary)) == []
    assert caption in visible_text(_comment_html(stub)).replace("\u200b", "")
    plan = json.loads(run.outputs["plan_json"])
    (change,) = [c for c in plan["changes"] if c["address"] == "thanks@brand-us"]
    assert change["caption"].startswith(caption)
