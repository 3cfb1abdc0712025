"""``apply`` without credentials says everything to set in one run, for both platforms."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitops_publisher.cli.github_cmd import action_cli
from gitops_publisher.cli.main import cli
from gitops_publisher.github.action import run_action
from tests.cli.test_youtube_manifests import CONFIG, project
from tests.github.conftest import EVENTS

UNSET = (
    "TIKTOK_CLIENT_KEY",
    "TIKTOK_CLIENT_SECRET",
    "TIKTOK_REFRESH_TOKEN_BRAND_US",
    "YOUTUBE_CLIENT_ID",
    "YOUTUBE_CLIENT_SECRET",
    "YOUTUBE_REFRESH_TOKEN_ACME",
    "PUBLISHER_TOKEN_KEY",
)


@pytest.fixture
def bare_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PUBLISHER_TOKEN_STORE", str(tmp_path / "store" / "tokens.json"))


def apply(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), "apply", "--yes"])
    return result.exit_code, result.output


def test_every_missing_credential_is_named_at_once(
    make_repo: Callable[..., Any], bare_env: None
) -> None:
    root = project(make_repo)
    code, output = apply(root)
    assert code == 1
    lines = [line for line in output.splitlines() if line.startswith("environment ")]
    assert lines == [
        "environment TIKTOK_CLIENT_KEY/TIKTOK_CLIENT_SECRET: set your TikTok app's client key "
        "and secret, or use --sandbox to try things out",
        "environment YOUTUBE_CLIENT_ID/YOUTUBE_CLIENT_SECRET: set the Google OAuth client id and "
        'secret account acme-yt uses (a Google Cloud client of type "Desktop app"; '
        "docs/youtube.md shows how to create one), or use --sandbox to try things out",
        "environment YOUTUBE_REFRESH_TOKEN_ACME: account acme-yt has no token here: set "
        "YOUTUBE_REFRESH_TOKEN_ACME to its refresh token, or run `publisher auth login "
        "--account acme-yt`",
        "environment TIKTOK_REFRESH_TOKEN_BRAND_US: account brand-us has no token here: set "
        "TIKTOK_REFRESH_TOKEN_BRAND_US to its refresh token, or run `publisher auth login "
        "--account brand-us`",
    ]
    assert "nothing was posted, state untouched" in output
    assert not (root / ".publisher" / "state.json").exists()


def test_only_the_accounts_apply_would_open_are_asked_for(
    make_repo: Callable[..., Any], bare_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A post for the YouTube channel only: TikTok's app and token are not needed.
    post = "version: 1\nid: launch\naccounts: [acme-yt]\nvideo: media/launch-teaser.mp4\n"
    post += 'caption: "Hi #Shorts"\n'
    root = make_repo({"publisher.yaml": CONFIG, "posts/launch.yaml": post}).root
    monkeypatch.setenv("YOUTUBE_CLIENT_ID", "1234-abc.apps.googleusercontent.com")
    monkeypatch.setenv("YOUTUBE_CLIENT_SECRET", "not-a-real-one")
    code, output = apply(root)
    assert code == 1
    assert [line.split(":")[0] for line in output.splitlines() if "environment" in line] == [
        "environment YOUTUBE_REFRESH_TOKEN_ACME"
    ]


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), *args])
    return result.exit_code, result.output


def environment_lines(output: str) -> list[str]:
    """The variables named by each ``environment VAR: ...`` line, in order."""
    return [line.split(":")[0] for line in output.splitlines() if line.startswith("environment ")]


EVERY = [  # what apply names for the project: TikTok's app, the Google client, two tokens
    "environment TIKTOK_CLIENT_KEY/TIKTOK_CLIENT_SECRET",
    "environment YOUTUBE_CLIENT_ID/YOUTUBE_CLIENT_SECRET",
    "environment YOUTUBE_REFRESH_TOKEN_ACME",
    "environment TIKTOK_REFRESH_TOKEN_BRAND_US",
]


def test_auth_status_names_every_missing_credential_as_apply_does(
    make_repo: Callable[..., Any], bare_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(make_repo)
    code, output = run(root, "auth", "status")
    assert code == 1
    assert environment_lines(output) == EVERY == environment_lines(apply(root)[1])
    assert "Error: credentials are missing (4 error(s)" in output
    # apply suggests --sandbox for a missing app; auth, which refuses --sandbox, must not.
    assert "--sandbox" not in output and "--sandbox to try things out" in apply(root)[1]
    assert "set your TikTok app's client key and secret\n" in output
    # Tokens alone are not enough: the apps they refresh with are named too.
    monkeypatch.setenv("TIKTOK_REFRESH_TOKEN_BRAND_US", "rft.not-a-real-one")
    monkeypatch.setenv("YOUTUBE_REFRESH_TOKEN_ACME", "not-a-real-one")
    code, output = run(root, "auth", "status")
    assert code == 1 and environment_lines(output) == EVERY[:2]
    code, output = run(root, "auth", "status", "--account", "acme-yt")
    assert code == 1 and environment_lines(output) == [EVERY[1]]
    assert "credentials from environment variable YOUTUBE_REFRESH_TOKEN_ACME" in output
    assert "not-a-real-one" not in output


@pytest.mark.parametrize(
    ("account", "named"),
    [("brand-us", [EVERY[0], EVERY[3]]), ("acme-yt", [EVERY[1], EVERY[2]])],
)
def test_auth_refresh_and_state_import_name_all_the_account_lacks(
    make_repo: Callable[..., Any], bare_env: None, account: str, named: list[str]
) -> None:
    root = project(make_repo)
    code, output = run(root, "auth", "refresh", "--account", account)
    assert code == 1 and environment_lines(output) == named, output
    # Its own platform's credentials only: a YouTube channel needs no TikTok app.
    code, output = run(root, "state", "import", f"launch@{account}", "v_pub_1")
    assert code == 1 and environment_lines(output) == named, output
    assert not (root / ".publisher" / "state.json").exists()


def test_plan_names_the_variables_of_every_check_it_skips(
    make_repo: Callable[..., Any], bare_env: None
) -> None:
    code, output = run(project(make_repo), "plan")
    assert code == 0, output
    notices = [line for line in output.splitlines() if line.startswith("Notice: ")]
    assert notices == [
        "Notice: creator checks skipped: no TikTok app credentials here (TIKTOK_CLIENT_KEY/"
        "TIKTOK_CLIENT_SECRET, as on pull requests from forks); apply checks again before posting",
        "Notice: channel checks skipped for acme-yt: no Google OAuth client here ("
        "YOUTUBE_CLIENT_ID/YOUTUBE_CLIENT_SECRET, as on pull requests from forks); apply checks "
        "again before uploading",
        "Notice: channel checks skipped for acme-yt: no token for it here (set "
        "YOUTUBE_REFRESH_TOKEN_ACME, or run `publisher auth login --account acme-yt`)",
        "Notice: creator checks skipped for brand-us: no token for it here (set "
        "TIKTOK_REFRESH_TOKEN_BRAND_US, or run `publisher auth login --account brand-us`)",
    ]


def test_the_actions_plan_and_apply_name_every_missing_credential(
    make_repo: Callable[..., Any],
    bare_env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = project(make_repo)
    summary = tmp_path / "summary.md"

    def action(event: str, payload: str) -> tuple[int, str]:
        env = {
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(EVENTS / payload),
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_OUTPUT": str(tmp_path / "output"),
            "GITHUB_STEP_SUMMARY": str(summary),
            "INPUT_COMMENT": "false",
            "INPUT_REVIEWED_ONLY": "false",
        }
        out = io.StringIO()
        code = run_action(env, base_dir=root, sandbox=False, cli=action_cli(), out=out)
        return code, out.getvalue()

    code, _log = action("pull_request", "pull_request.json")  # a pull request of this repository
    assert code == 0
    for variable in (
        "TIKTOK_CLIENT_KEY/TIKTOK_CLIENT_SECRET",
        "YOUTUBE_CLIENT_ID/YOUTUBE_CLIENT_SECRET",
        "set YOUTUBE_REFRESH_TOKEN_ACME",
        "set TIKTOK_REFRESH_TOKEN_BRAND_US",
    ):
        assert variable in summary.read_text()
    code, _log = action("push", "push_main.json")
    assert code == 1
    assert environment_lines(capsys.readouterr().err) == EVERY
