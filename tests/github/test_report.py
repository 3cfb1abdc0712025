"""The comment body's limit, the outputs file format, the masks, and event decisions."""

from __future__ import annotations

import io
from pathlib import Path

from gitops_publisher.core.state import State
from gitops_publisher.github.event import INPUT_VARIABLES, Inputs, Run, decide
from gitops_publisher.github.plan_comments import plan_comments
from gitops_publisher.github.report import COMMENT_LIMIT, marker, mask, write_outputs

from .conftest import parse_outputs


def test_short_plan_is_kept_whole() -> None:
    body = plan_comments("site", "### plan\n\nall good\n", notes=["note"]).bodies
    assert body == [f"{marker('site')}\n> note\n\n### plan\n\nall good\n"]


def test_long_plan_is_continued_in_comments_each_within_the_limit() -> None:
    """``test_plan_comments.py`` has the rest: what each approves, what a merge checks."""
    rows = [f"| 🟢 | `post-{i}@acct` | + create | due |" for i in range(3000)]
    details = [
        f"<details><summary>post-{i}</summary>\n\n- caption: {'x' * 40}\n\n</details>"
        for i in range(3000)
    ]
    plan = "### plan\n\n" + "\n".join(rows + details) + "\n"
    assert len(plan) > COMMENT_LIMIT
    bodies = plan_comments("site", plan).bodies
    assert 6 <= len(bodies) <= 7  # 330,000 characters
    assert bodies[0].startswith(marker("site"))
    for body in bodies:
        assert len(body) <= COMMENT_LIMIT
        assert body.count("<details>") == body.count("</details>")
    assert "| 🟢 | `post-0@acct` |" in bodies[0]
    assert "- caption" in bodies[-1] and "cut here" not in bodies[-1]


def test_outputs_survive_multiline_values(tmp_path: Path) -> None:
    path = tmp_path / "out"
    write_outputs(path, {"plan_json": '{\n "a": 1\n}', "published": "3"}, io.StringIO())
    write_outputs(path, {"has_changes": "true"}, io.StringIO())
    assert parse_outputs(path.read_text()) == {
        "plan_json": '{\n "a": 1\n}',
        "published": "3",
        "has_changes": "true",
    }


def test_mask_each_value_once_and_each_line_of_multiline_secrets() -> None:
    out = io.StringIO()
    mask(["abc", "", "abc", "line1\nline2"], out)
    assert out.getvalue().splitlines() == [
        "::add-mask::abc",
        "::add-mask::line1",
        "::add-mask::line2",
    ]


def run(event: str, ref: str = "refs/heads/main", payload: dict[str, object] | None = None) -> Run:
    body = payload if payload is not None else {"repository": {"default_branch": "main"}}
    return Run(event_name=event, payload=body, ref=ref, repository="acme/content")


def test_decisions() -> None:
    assert decide(run("push"), "auto")[0] == "apply"
    assert decide(run("workflow_dispatch"), "auto")[0] == "apply"
    assert decide(run("push", "refs/heads/dev"), "auto")[0] == "explain"
    assert decide(run("push", "refs/heads/dev"), "apply")[0] == "refuse"
    assert decide(run("push", payload={}), "auto")[0] == "explain"  # default branch unknown
    assert decide(run("schedule", payload={}), "auto")[0] == "apply"
    assert decide(run("pull_request"), "auto")[0] == "plan"
    assert decide(run("pull_request"), "apply")[0] == "refuse"
    assert decide(run("pull_request_target"), "auto")[0] == "explain"
    assert decide(run("release"), "auto")[0] == "explain"
    assert decide(run("push"), "plan")[0] == "plan"
    assert decide(run("release"), "validate")[0] == "validate"


def test_fork_detection() -> None:
    def pr(head: object) -> Run:
        payload = {
            "pull_request": {
                "number": 1,
                "head": {"repo": head},
                "base": {"repo": {"full_name": "acme/content"}},
            }
        }
        return run("pull_request", payload=payload)

    assert not pr({"full_name": "acme/content"}).is_fork
    assert pr({"full_name": "mallory/content"}).is_fork
    assert pr(None).is_fork  # the fork was deleted
    assert not run("push").is_fork


def test_inputs_defaults_and_spellings() -> None:
    assert Inputs.from_env({}) == Inputs()
    env = {
        INPUT_VARIABLES["working-directory"]: "./site/",
        INPUT_VARIABLES["comment"]: "off",
        INPUT_VARIABLES["args"]: "--shard 2/4 --target 'a b'",
        INPUT_VARIABLES["command"]: "Plan",
        "GITHUB_TOKEN": "from-env",
    }
    inputs = Inputs.from_env(env)
    assert inputs.working_directory == "site"
    assert inputs.comment is False
    assert inputs.args == ("--shard", "2/4", "--target", "a b")
    assert inputs.command == "plan"
    assert inputs.github_token == "from-env"


def test_bad_inputs_say_which() -> None:
    import pytest

    from gitops_publisher.errors import PublisherError

    for name, value, words in (
        ("command", "deploy", "input command"),
        ("comment", "maybe", "input comment"),
        ("args", "'unclosed", "input args"),
    ):
        with pytest.raises(PublisherError, match=words):
            Inputs.from_env({INPUT_VARIABLES[name]: value})


def test_a_youtube_post_whose_session_the_run_only_closed_is_not_newly_published() -> None:
    """An older state's published record holds its session URI; the run's first write closes
    it (core/handles.py): the same post, not one this run published."""
    from gitops_publisher.core import handles
    from gitops_publisher.github.action import newly_published
    from tests.workspace.records import record

    uri = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=Zq9"
    old = record("s", "studio", status="published", publish_id=uri)
    before = State().with_record(old)
    after = before.with_record(old.model_copy(update={"publish_id": handles.closed(uri)}))
    assert newly_published(before, after) == []
    other = handles.closed(uri.replace("Zq9", "New"))
    replaced = before.with_record(old.model_copy(update={"publish_id": other}))
    assert newly_published(before, replaced) == ["s@studio"]
