"""``publisher init``: from an empty directory to a sandbox apply with the real command."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from apply.harness import run_publisher
from click.testing import CliRunner
from pinned_git import GIT_ENV, commit_all, git, init_repo
from ruamel.yaml import YAML

from gitops_publisher.cli import init_cmd
from gitops_publisher.cli.main import cli
from gitops_publisher.workspace.scaffold import workflow

REPO = Path(__file__).resolve().parents[2]
SANDBOX = Path(".publisher") / "sandbox"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PUBLISHER_SANDBOX_TIME_SCALE": "100",
        "PUBLISHER_TOKEN_STORE": str(tmp_path / "tokens.json"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "NO_COLOR": "1",
    }


def test_init_then_validate_plan_and_a_sandbox_apply(tmp_path: Path, env: dict[str, str]) -> None:
    root = tmp_path / "content"
    made = run_publisher(tmp_path, "init", str(root), "--account", "brand-us", env=env)
    assert made.returncode == 0, made.stderr
    assert "apply --sandbox" in made.stdout  # says what to do next
    validated, planned, applied = commit_validate_plan_apply(root, env)
    assert "Valid: 1 post(s)" in validated.stdout
    assert "example@brand-us" in planned.stdout and "create" in planned.stdout
    assert re.search(r"example@brand-us\s+published", applied.stdout)


def test_the_next_steps_commit_the_new_repository_not_the_one_it_was_run_from(
    tmp_path: Path, env: dict[str, str]
) -> None:
    # The README runs `publisher init ../my-posts` from a clone of gitops-publisher: the
    # printed `git init && git add -A && git commit` line, pasted as it is, must commit the
    # new content repository, not whatever repository the shell is in.
    here = init_repo(tmp_path / "a clone")
    (here / "notes.txt").write_text("not content\n", encoding="utf-8")
    made = subprocess.run(
        [sys.executable, "-m", "gitops_publisher", "init", "../my posts", "--account", "brand-us"],
        cwd=here,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    (line,) = [line for line in made.stdout.splitlines() if "git init" in line]
    pasted = line.strip().split("; on GitHub")[0]
    subprocess.run(pasted, shell=True, cwd=here, env={**env, **GIT_ENV}, check=True)
    content = tmp_path / "my posts"
    assert "publisher.yaml" in git(content, "ls-files").split()
    assert git(here, "status", "--porcelain") == "?? notes.txt\n"  # untouched, uncommitted


Ran = subprocess.CompletedProcess[str]


def commit_validate_plan_apply(root: Path, env: dict[str, str]) -> tuple[Ran, Ran, Ran]:
    """A new user's first steps in a scaffold: commit, validate, plan, apply, plan again.

    Each must succeed (the plan with changes, the second plan without), and leave nothing to
    commit; their outputs are returned for what the caller checks.
    """
    git(root, "init", "-q")
    commit_all(root, "publisher init")
    validated = run_publisher(root, "validate", env=env)
    assert validated.returncode == 0, validated.stderr
    planned = run_publisher(root, "plan", "--sandbox", "--detailed-exitcode", env=env)
    assert planned.returncode == 2, planned.stderr
    applied = run_publisher(root, "apply", "--sandbox", "--yes", env=env)
    assert applied.returncode == 0, applied.stderr
    again = run_publisher(root, "plan", "--sandbox", "--detailed-exitcode", env=env)
    assert again.returncode == 0, again.stdout  # recorded: nothing left to do
    # what the runs wrote is ignored; what must be committed is not
    status = git(root, "status", "--porcelain", "--untracked-files=all")
    assert status == "", status
    return validated, planned, applied


def test_the_scaffold_is_complete_and_its_schemas_travel_with_it(
    tmp_path: Path, env: dict[str, str]
) -> None:
    root = tmp_path / "content"
    made = run_publisher(tmp_path, "init", str(root), "--account", "brand-us", env=env)
    assert made.returncode == 0, made.stderr
    moved = Path(shutil.move(root, tmp_path / "copied" / "anywhere"))  # a clone elsewhere
    ignore = (moved / ".gitignore").read_text()
    for pattern in (".publisher/cache/", ".publisher/sandbox/", "*.lock", "*.backup", "preview"):
        assert pattern in ignore
    attributes = (moved / ".gitattributes").read_text()
    assert "*.mp4 filter=lfs diff=lfs merge=lfs -text" in attributes
    assert (moved / "media" / ".gitkeep").exists()
    for manifest in (moved / "publisher.yaml", moved / "posts" / "example.yaml"):
        modeline = manifest.read_text().splitlines()[0]
        target = modeline.split("$schema=", 1)[1]
        assert not target.startswith(("http", "/")) and (manifest.parent / target).is_file()
    settings = json.loads((moved / ".vscode" / "settings.json").read_text())
    assert all((moved / path).is_file() for path in settings["yaml.schemas"])
    schema = json.loads((moved / ".publisher" / "schema" / "post.schema.json").read_text())
    assert schema["$id"] == "urn:gitops-publisher:schema:post:v1"
    flow = YAML(typ="safe").load((moved / ".github" / "workflows" / "publish.yml").read_text())
    (apply_step,) = [s for s in flow["jobs"]["apply"]["steps"] if "secret-env" in s.get("with", {})]
    secret_env = apply_step["with"]["secret-env"].splitlines()
    assert (
        "TIKTOK_REFRESH_TOKEN_BRAND_US=${{ secrets.TIKTOK_REFRESH_TOKEN_BRAND_US }}" in secret_env
    )
    assert "secrets." not in str(flow["jobs"]["plan"])


def test_init_refuses_to_overwrite_and_force_lists_what_it_replaces(
    tmp_path: Path, env: dict[str, str]
) -> None:
    (tmp_path / "publisher.yaml").write_text("mine\n")
    (tmp_path / ".gitignore").write_text("mine\n")
    refused = run_publisher(tmp_path, "init", "--account", "brand-us", env=env)
    assert refused.returncode == 1
    assert "already has .gitignore, publisher.yaml; nothing was written" in refused.stderr
    assert "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert (tmp_path / "publisher.yaml").read_text() == "mine\n"
    assert not (tmp_path / "posts").exists()
    forced = run_publisher(tmp_path, "init", "--account", "brand-us", "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    assert forced.stderr.splitlines()[:2] == ["replaced .gitignore", "replaced publisher.yaml"]
    assert "brand-us:" in (tmp_path / "publisher.yaml").read_text()


def test_init_without_an_account_and_without_a_terminal_says_what_to_pass(
    tmp_path: Path, env: dict[str, str]
) -> None:
    result = run_publisher(tmp_path, "init", env=env)
    assert result.returncode == 1
    assert "pass --account NAME" in result.stderr
    bad = run_publisher(tmp_path, "init", "--account", "Brand US", env=env)
    assert bad.returncode == 1 and "is not valid" in bad.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "wrong", "right"),
    [
        (["--account", "Brand_US"], "account name 'Brand_US'", "lowercase letters"),
        (["--account", "b", "--timezone", "Europe/Pariss"], "time zone 'Europe/Pariss'", "IANA"),
        (["--provider", "youtube", "--account", "b", "--handle", "a b"], "handle 'a b'", "@handle"),
        # a display name for the TikTok username: publisher.yaml would not validate
        (["--account", "b", "--username", "Client Z"], "username 'Client Z'", "display name"),
    ],
)
def test_init_names_only_the_value_that_is_wrong(
    tmp_path: Path, args: list[str], wrong: str, right: str
) -> None:
    # "account name 'b', time zone 'Europe/Pariss' is not valid" left the user to guess which.
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "new"), *args])
    assert result.exit_code == 1
    (error, hint) = result.stderr.splitlines()
    assert error == f"Error: {wrong} is not valid"
    assert hint.startswith("  hint: ") and right in hint
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(
    ("provider", "account"), [("tiktok", "brand-us"), ("youtube", "acme-shorts"), ("tiktok", "x")]
)
def test_the_example_posts_comments_line_up(tmp_path: Path, provider: str, account: str) -> None:
    result = CliRunner().invoke(
        cli, ["init", str(tmp_path), "--provider", provider, "--account", account]
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "posts" / "example.yaml").read_text(encoding="utf-8")
    fields = [line for line in text.splitlines() if not line.startswith("#") and " # " in line]
    assert {line.index(" # ") for line in fields} == {34}, text  # id, accounts, video


def test_init_on_a_terminal_asks_for_the_account_and_handle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(init_cmd, "_interactive", lambda: True)
    result = CliRunner().invoke(
        cli, ["-C", str(tmp_path), "init"], input="\nbrand-jp\n@acme_jp\n", catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "Platform: tiktok (TikTok), youtube (YouTube) [tiktok]" in result.stderr
    assert "Account name" in result.stderr and "TikTok handle" in result.stderr
    config = (tmp_path / "publisher.yaml").read_text()
    assert "  brand-jp:" in config and "acme_jp" in config
    assert "refresh_token_env: TIKTOK_REFRESH_TOKEN_BRAND_JP" in config


def test_init_on_a_terminal_asks_for_the_platform_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(init_cmd, "_interactive", lambda: True)
    result = CliRunner().invoke(
        cli, ["-C", str(tmp_path), "init"], input="youtube\nacme-shorts\n@acme\n"
    )
    assert result.exit_code == 0, result.output
    assert "YouTube handle" in result.stderr
    config = (tmp_path / "publisher.yaml").read_text()
    assert "provider: youtube" in config and 'handle: "@acme"' in config


def test_the_scaffold_workflow_is_the_example_workflow() -> None:
    example = (REPO / "examples" / ".github" / "workflows" / "publish.yml").read_text()
    names = ["TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET", "PUBLISHER_TOKEN_KEY"]
    names += ["TIKTOK_REFRESH_TOKEN_BRAND_US", "TIKTOK_REFRESH_TOKEN_BRAND_UK"]
    names += ["TIKTOK_REFRESH_TOKEN_DEVREL", "YOUTUBE_CLIENT_ID", "YOUTUBE_CLIENT_SECRET"]
    assert workflow([*names, "YOUTUBE_REFRESH_TOKEN_ACME_SHORTS"]) == example


def test_init_a_youtube_channel_then_validate_plan_and_a_sandbox_apply(
    tmp_path: Path, env: dict[str, str]
) -> None:
    root = tmp_path / "content"
    args = ["init", str(root), "--provider", "youtube", "--account", "acme-shorts"]
    made = run_publisher(tmp_path, *args, "--handle", "@acme", env=env)
    assert made.returncode == 0, made.stderr
    assert "for YouTube account acme-shorts" in made.stdout
    assert (
        "YOUTUBE_CLIENT_ID, YOUTUBE_CLIENT_SECRET, PUBLISHER_TOKEN_KEY, "
        "YOUTUBE_REFRESH_TOKEN_ACME_SHORTS" in made.stdout
    )
    config = YAML(typ="safe").load((root / "publisher.yaml").read_text())
    assert config["accounts"] == {
        "acme-shorts": {
            "provider": "youtube",
            "handle": "@acme",
            "refresh_token_env": "YOUTUBE_REFRESH_TOKEN_ACME_SHORTS",
            "timezone": "UTC",
        }
    }
    assert config["defaults"] == {"youtube": {"privacy": "private"}}  # nothing of TikTok's
    flow = YAML(typ="safe").load((root / ".github" / "workflows" / "publish.yml").read_text())
    (apply_step,) = [s for s in flow["jobs"]["apply"]["steps"] if "secret-env" in s.get("with", {})]
    secret_env = apply_step["with"]["secret-env"].splitlines()
    names = (
        "YOUTUBE_CLIENT_ID",
        "YOUTUBE_CLIENT_SECRET",
        "PUBLISHER_TOKEN_KEY",  # seals the upload sessions the state keeps
        "YOUTUBE_REFRESH_TOKEN_ACME_SHORTS",
    )
    assert secret_env == [f"{name}=${{{{ secrets.{name} }}}}" for name in names]  # no TikTok app
    assert flow["jobs"]["apply"]["environment"] == "publishing"

    validated, planned, applied = commit_validate_plan_apply(root, env)
    assert "checked against YouTube's media rules" in validated.stdout
    assert re.search(r"\+ example@acme-shorts\s+create", planned.stdout)
    assert "Warning" not in planned.stdout + planned.stderr  # a Short, vertical and short
    assert re.search(
        r"example@acme-shorts\s+published\s+https://www\.youtube\.com/shorts/", applied.stdout
    )
    assert "TikTok" not in applied.stdout + applied.stderr


def test_init_refuses_a_youtube_handle_it_would_not_accept_later(
    tmp_path: Path, env: dict[str, str]
) -> None:
    bad = run_publisher(
        tmp_path, "init", "--provider", "youtube", "--account", "acme", "--handle", "a b", env=env
    )
    assert bad.returncode == 1 and "handle 'a b' is not valid" in bad.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_directory_that_cannot_be_written_is_a_user_error(tmp_path: Path) -> None:
    # Under a file (as under a directory without permission): it was an unexpected
    # FileNotFoundError or NotADirectoryError, exit 70 and a crash log.
    (tmp_path / "a-file").write_text("x")
    where = tmp_path / "a-file" / "posts"
    result = CliRunner().invoke(cli, ["init", str(where), "--account", "brand-us"])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: cannot write {where}/")
    assert "with a directory you can write to" in result.stderr and "bug" not in result.output


@pytest.mark.parametrize("provider", ["tiktok", "youtube"])
def test_the_example_publish_at_is_a_time_to_come_in_the_accounts_zone(
    tmp_path: Path, provider: str
) -> None:
    """Uncommented as written, the example schedules the post (a week ahead, 09:00 where the
    account is) instead of naming a past time, which would publish it at once."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    result = CliRunner().invoke(
        cli,
        [
            "init",
            str(tmp_path),
            "--provider",
            provider,
            "--account",
            "a",
            "--timezone",
            "Asia/Tokyo",
        ],
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "posts" / "example.yaml").read_text(encoding="utf-8")
    (value,) = re.findall(r"^# publish_at: (\S+)", text, flags=re.M)
    at = datetime.fromisoformat(value)
    assert at.utcoffset() == timedelta(hours=9)  # Tokyo's offset, written out
    local = at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.hour, local.minute) == (9, 0)
    assert timedelta(days=6) < at - datetime.now(UTC) < timedelta(days=8)
