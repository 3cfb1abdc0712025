"""Cover previews in the Action: PNGs for the workflow artifact, one line in the PR comment."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from gitops_publisher.core.plan import Action, Change, Plan
from gitops_publisher.core.shard import Shard
from gitops_publisher.github import previews
from gitops_publisher.github.previews import PREVIEW_OUTPUTS, artifact_name, make_previews
from gitops_publisher.workspace.project import load_project

from .conftest import ActionRun, Checkout, RunAction, Stub, git

pytest.importorskip("av")  # the [preview] extra; CI installs it through [test]

ACTION = Path(__file__).resolve().parents[2] / "action.yml"
TEASER = "posts/launch/teaser.yaml"  # cover_timestamp_ms: 1200 on line 9, value at column 21
RUN_URL = "https://github.com/acme/content/actions/runs/4001"  # the first run of a test


def publishing(run: ActionRun, *, youtube: bool = False) -> list[str]:
    """The addresses the run's plan creates, replaces or retries (on YouTube too, if asked)."""
    changes = json.loads(run.outputs["plan_json"])["changes"]
    return sorted(
        c["address"]
        for c in changes
        if c["action"] in ("create", "replace", "retry")
        and (youtube or c["provider"] != "youtube")  # YouTube shows no chosen cover
    )


def comment(stub: Stub) -> str:
    (only,) = stub.comments.values()
    body: str = only["body"]
    return body


def pngs(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def set_cover(checkout: Checkout, value: str) -> None:
    path = checkout.work / TEASER
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("cover_timestamp_ms: 1200", value), encoding="utf-8")
    git(checkout.work, "commit", "-qam", "cover past the end")


# --- the entrypoint -----------------------------------------------------------------------------


def test_previews_write_each_published_cover_and_the_comment_points_at_the_artifact(
    action: RunAction, stub: Stub, tmp_path: Path
) -> None:
    temp = tmp_path / "runner-temp"
    run = action("pull_request", "pull_request.json", INPUT_PREVIEWS="true", RUNNER_TEMP=str(temp))
    assert run.result.exit_code == 0, run.log
    directory = temp / "gitops-publisher" / "cover-previews"
    addresses = publishing(run)
    assert len(addresses) >= 5 and len(publishing(run, youtube=True)) > len(addresses)
    assert "cover previews: no cover preview for" in run.log
    assert pngs(directory) == [f"{a}.png" for a in addresses]
    for address in addresses:
        assert (directory / f"{address}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    line = (
        f"> 🖼️ Cover previews: {len(addresses)} frame(s) in the workflow artifact "
        f"`cover-previews` ([workflow run]({RUN_URL}))"
    )
    body = comment(stub)
    assert line in body.splitlines()
    assert "launch-teaser@brand-us" in body and "create" in body  # the plan is still there
    assert line in run.summary.splitlines()
    assert run.outputs["preview_dir"] == str(directory)
    assert run.outputs["preview_artifact"] == "cover-previews"
    assert f"Wrote {directory / 'launch-teaser@brand-us.png'}  cover 1200 ms" in run.log


def test_previews_are_off_by_default(action: RunAction, stub: Stub, tmp_path: Path) -> None:
    temp = tmp_path / "runner-temp"
    run = action("pull_request", "pull_request.json", RUNNER_TEMP=str(temp))
    assert run.result.exit_code == 0, run.log
    assert "Cover previews" not in comment(stub)
    assert not set(PREVIEW_OUTPUTS) & set(run.outputs)
    assert not temp.exists()


def test_a_cover_past_the_end_fails_the_plan_at_its_line_before_any_preview(
    action: RunAction, stub: Stub, checkout: Checkout, tmp_path: Path
) -> None:
    # Pre-flight (validate/plan) refuses it: TikTok would silently take the first frame.
    set_cover(checkout, "cover_timestamp_ms: 9000")
    temp = tmp_path / "runner-temp"
    run = action("pull_request", "pull_request.json", INPUT_PREVIEWS="true", RUNNER_TEMP=str(temp))
    assert run.result.exit_code == 1, run.log
    problem = (
        f"{TEASER}:9:21 cover_timestamp_ms: 9000 ms is past the end of media/launch-teaser.mp4 "
        "(5000 ms long)"
    )
    assert problem in comment(stub)
    assert "Cover previews" not in comment(stub)
    assert not (temp / "gitops-publisher" / "cover-previews").exists()


def test_without_pyav_the_plan_posts_and_says_why_there_are_no_previews(
    action: RunAction, stub: Stub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "av", None)  # `import av` now raises ImportError
    run = action(
        "pull_request",
        "pull_request.json",
        INPUT_PREVIEWS="true",
        RUNNER_TEMP=str(tmp_path / "runner-temp"),
    )
    assert run.result.exit_code == 0, run.log
    body = comment(stub)
    assert (
        "> ⚠️ Cover previews were not made: `publisher preview needs the optional dependency: "
        "pip install 'gitops-publisher[preview]'`"
    ) in body.splitlines()
    assert "launch-teaser@brand-us" in body
    assert not set(PREVIEW_OUTPUTS) & set(run.outputs)
    assert "::warning::cover previews were not made" in run.log


def test_an_unexpected_failure_in_the_previews_does_not_hide_the_plan(
    action: RunAction, stub: Stub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("decoder exploded")

    monkeypatch.setattr(previews, "make_previews", broken)
    run = action("pull_request", "pull_request.json", INPUT_PREVIEWS="true")
    assert run.result.exit_code == 0, run.log
    body = comment(stub)
    assert "> ⚠️ Cover previews failed unexpectedly (RuntimeError); see the job log." in body
    assert "launch-teaser@brand-us" in body
    assert "RuntimeError: decoder exploded" in run.log
    assert run.outputs["has_changes"] == "true"


def test_a_fork_pull_request_gets_previews_without_secrets(
    action: RunAction, stub: Stub, tmp_path: Path
) -> None:
    temp = tmp_path / "runner-temp"
    run = action(
        "pull_request",
        "pull_request_fork.json",
        github_token="read-only",
        TIKTOK_CLIENT_SECRET="",
        PUBLISHER_TOKEN_KEY="",
        INPUT_PREVIEWS="true",
        RUNNER_TEMP=str(temp),
    )
    assert run.result.exit_code == 0, run.log
    directory = temp / "gitops-publisher" / "cover-previews"
    assert pngs(directory) == [f"{a}.png" for a in publishing(run)]
    assert "frame(s) in the workflow artifact `cover-previews`" in run.summary
    assert run.outputs["preview_dir"] == str(directory)


def test_each_working_directory_and_shard_has_its_own_artifact(
    action: RunAction, stub: Stub, checkout: Checkout, tmp_path: Path
) -> None:
    (checkout.work / "sites" / "team-b").mkdir(parents=True)
    for name in ("publisher.yaml", "posts", "media"):
        git(checkout.work, "mv", name, f"sites/team-b/{name}")
    temp = tmp_path / "runner-temp"
    run = action(
        "pull_request",
        "pull_request.json",
        working_directory="sites/team-b",
        args="--shard 1/2",
        INPUT_PREVIEWS="true",
        RUNNER_TEMP=str(temp),
    )
    assert run.result.exit_code == 0, run.log
    name = "cover-previews-sites-team-b-shard-1-of-2"
    assert run.outputs["preview_artifact"] == name
    directory = temp / "gitops-publisher" / name
    assert run.outputs["preview_dir"] == str(directory)
    assert pngs(directory) == [f"{a}.png" for a in publishing(run)]
    assert f"workflow artifact `{name}`" in comment(stub)


def test_previews_are_for_pull_requests_only(action: RunAction, tmp_path: Path) -> None:
    temp = tmp_path / "runner-temp"
    run = action(
        "push", "push_feature.json", command="plan", INPUT_PREVIEWS="true", RUNNER_TEMP=str(temp)
    )
    assert run.result.exit_code == 0, run.log
    assert "cover previews are made for pull requests only" in run.log
    assert not set(PREVIEW_OUTPUTS) & set(run.outputs)
    assert not temp.exists()


def test_a_previews_value_other_than_true_or_false_is_refused(action: RunAction) -> None:
    run = action("pull_request", "pull_request.json", INPUT_PREVIEWS="sometimes")
    assert run.result.exit_code == 1
    assert "input previews: 'sometimes' is not true or false" in run.log


# --- the pieces ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("directory", "shard", "name"),
    [
        (".", None, "cover-previews"),
        ("team-b", None, "cover-previews-team-b"),
        ("sites/team b", None, "cover-previews-sites-team-b"),
        (".", Shard(2, 4), "cover-previews-shard-2-of-4"),
        ('a:b*"c"', Shard(1, 2), "cover-previews-a-b-c-shard-1-of-2"),
    ],
)
def test_artifact_names_are_unique_per_project_and_shard_and_valid(
    directory: str, shard: Shard | None, name: str
) -> None:
    assert artifact_name(directory, shard) == name
    assert not set(name) & set('"<>|*?\\/:\r\n')  # what upload-artifact refuses


def test_a_plan_that_uploads_no_video_says_so(checkout: Checkout, tmp_path: Path) -> None:
    project = load_project(checkout.work)
    plan = Plan(created_at=datetime(2026, 11, 1, tzinfo=UTC), lineage="x", serial=0, changes=[])
    shown = make_previews(
        project, plan, directory=tmp_path / "out", artifact="cover-previews", run_url=RUN_URL
    )
    assert shown.notes == ["🖼️ Cover previews: none (nothing in this plan uploads a video)."]
    assert shown.outputs() == {}
    assert not (tmp_path / "out").exists()


def test_a_plan_that_uploads_only_to_youtube_has_no_cover_to_show(
    make_repo: Any, tmp_path: Path
) -> None:
    config = (
        "version: 1\naccounts:\n  shorts:\n    provider: youtube\n    channel_id: "
        "UCabcdefghijklmnopqrstuv\n    refresh_token_env: YT_RT\n"
    )
    post = (
        "version: 1\nid: clip\naccounts: [shorts]\nvideo: media/launch-teaser.mp4\n"
        "caption: A clip\nyoutube: {privacy: public}\n"
    )
    root = make_repo({"publisher.yaml": config, "posts/clip.yaml": post}).root
    change = Change(
        address="clip@shorts", post_id="clip", account="shorts", action=Action.CREATE, reason="new"
    )
    plan = Plan(
        created_at=datetime(2026, 11, 1, tzinfo=UTC), lineage="x", serial=0, changes=[change]
    )
    shown = make_previews(
        load_project(root), plan, directory=tmp_path / "out", artifact="a", run_url=RUN_URL
    )
    assert shown.count == 0 and shown.outputs() == {}
    assert shown.notes == [
        "🖼️ Cover previews: none (what this plan uploads goes to platforms that pick their own "
        "thumbnail)."
    ]
    assert any("clip@shorts" in line for line in shown.log)
    assert not (tmp_path / "out").exists()


def test_many_failed_covers_stay_one_warning_line(make_repo: Any, tmp_path: Path) -> None:
    config = "version: 1\naccounts:\n  brand-us: {refresh_token_env: TT_RT_US}\n"
    post = (
        "version: 1\nid: post-{n}\naccounts: [brand-us]\nvideo: media/launch-teaser.mp4\n"
        "caption: Number {n}\nprivacy: SELF_ONLY\ncover_timestamp_ms: 9000\n"
    )
    files = {f"posts/p{n}.yaml": post.format(n=n) for n in range(7)}
    root = make_repo({"publisher.yaml": config, **files}).root
    changes = [
        Change(
            address=f"post-{n}@brand-us",
            post_id=f"post-{n}",
            account="brand-us",
            action=Action.CREATE,
            reason="new post",
        )
        for n in range(7)
    ]
    plan = Plan(
        created_at=datetime(2026, 11, 1, tzinfo=UTC), lineage="x", serial=0, changes=changes
    )
    shown = make_previews(
        load_project(root), plan, directory=tmp_path / "out", artifact="a", run_url=RUN_URL
    )
    assert shown.count == 0 and shown.outputs() == {}
    (line,) = shown.notes
    assert line.startswith(
        "⚠️ Cover previews: no frame for 7 address(es) (`post-0@brand-us`, `post-1@brand-us`, "
        "`post-2@brand-us`, `post-3@brand-us`, `post-4@brand-us` and 2 more): `posts/p0.yaml:7:21 "
        "cover_timestamp_ms: 9000 ms is past the end"
    )
    assert line.endswith("(and 6 more problem(s) in the job log)")
    assert len(shown.log) == 7


# --- action.yml ---------------------------------------------------------------------------------


def load_action() -> Any:
    return YAML(typ="safe").load(ACTION.read_text(encoding="utf-8"))


def test_the_previews_input_is_off_by_default_and_reaches_the_entrypoint() -> None:
    action = load_action()
    assert action["inputs"]["previews"]["default"] == "false"
    assert "PyAV" in action["inputs"]["previews"]["description"]
    entry = next(s for s in action["runs"]["steps"] if s.get("id") == "publisher")
    assert entry["env"]["INPUT_PREVIEWS"] == "${{ inputs.previews }}"


def test_the_upload_step_runs_only_with_the_input_and_frames_to_upload() -> None:
    steps = load_action()["runs"]["steps"]
    names = [s.get("id") or s.get("uses", "") for s in steps]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    # v4.6.2, pinned by commit (test_action_yml checks every pin's form)
    assert upload["uses"] == "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02"
    assert names.index("publisher") < steps.index(upload)
    condition = upload["if"]
    assert "inputs.previews == 'true'" in condition
    assert "steps.publisher.outputs.preview_dir != ''" in condition
    assert "!cancelled()" in condition  # also after a plan with errors: the comment points here
    assert upload["with"]["name"] == "${{ steps.publisher.outputs.preview_artifact }}"
    assert upload["with"]["path"] == "${{ steps.publisher.outputs.preview_dir }}"
    assert upload["with"]["retention-days"] == 14
    assert upload["with"]["overwrite"] is True


def step_outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


@pytest.fixture
def install(tmp_path: Path) -> Any:
    """Run action.yml's pip-key and install scripts with a ``python`` that records pip's call.

    Returns ``run(previews, event, command) -> (lock file, package spec, cache key variant)``.
    """
    steps = load_action()["runs"]["steps"]
    key_step = next(s for s in steps if s.get("id") == "pip-key")
    install_step = next(s for s in steps if "pip install" in s.get("run", ""))
    assert key_step["env"] == {
        "PREVIEWS": "${{ inputs.previews }}",
        "COMMAND": "${{ inputs.command }}",
    }
    assert install_step["env"] == {"LOCK": "${{ steps.pip-key.outputs.lock }}"}
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["key"].endswith("-${{ steps.pip-key.outputs.variant }}")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python"
    fake.write_text(
        '#!/bin/sh\nif [ "$3" = cache ]; then echo /pip-cache; else printf "%s\\n" "$@"; fi\n',
        encoding="utf-8",
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)

    def script(step: dict[str, Any]) -> str:
        text: str = step["run"]
        assert "${{" not in text
        return text

    def run(previews: str, event: str, command: str) -> tuple[str, str, str]:
        output = tmp_path / f"output-{previews}-{event}-{command}"
        env = {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_EVENT_NAME": event,
            "GITHUB_OUTPUT": str(output),
            "PREVIEWS": previews,
            "COMMAND": command,
            "GITHUB_ACTION_PATH": str(ACTION.parent),
        }
        subprocess.run(["bash", "-e", "-c", script(key_step)], env=env, check=True)
        outputs = step_outputs(output)
        variant = outputs["variant"]
        env["LOCK"] = outputs["lock"]
        done = subprocess.run(
            ["bash", "-e", "-c", script(install_step)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        args = done.stdout.splitlines()
        lock = args[args.index("-r") + 1]  # the first pip call: the locked requirements
        return lock, args[-1], variant  # the package is the second call's last argument

    return run


@pytest.mark.parametrize(
    ("previews", "event", "command", "extra"),
    [
        ("true", "pull_request", "auto", True),
        ("True", "pull_request", "plan", True),
        ("false", "pull_request", "auto", False),
        ("true", "push", "auto", False),  # apply never makes previews
        ("true", "schedule", "auto", False),
        ("true", "pull_request", "validate", False),
    ],
)
def test_pyav_is_installed_and_cached_apart_only_for_pull_request_plans_with_previews(
    install: Any, previews: str, event: str, command: str, extra: bool
) -> None:
    lock, spec, variant = install(previews, event, command)
    locks = ACTION.parent / "requirements"
    assert lock == str(locks / ("action-preview.txt" if extra else "action.txt"))
    assert spec == str(ACTION.parent)  # installed --no-deps: the lock brings PyAV or not
    assert variant == ("preview" if extra else "plain")
