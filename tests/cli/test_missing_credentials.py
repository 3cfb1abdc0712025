"""``apply`` without credentials says everything to set in one run, for both platforms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitops_publisher.cli.main import cli
from tests.cli.test_youtube_manifests import CONFIG, project

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
        "and secret (or use --sandbox to try things out)",
        "environment YOUTUBE_CLIENT_ID/YOUTUBE_CLIENT_SECRET: set the Google OAuth client id and "
        'secret account acme-yt uses (a Google Cloud client of type "Desktop app"; '
        "docs/youtube.md shows how to create one)",
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
