"""``testing_mode: true`` on a YouTube account: plan warns in every format, fingerprints stay."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from tests.cli.test_youtube_manifests import CHANNEL, CONFIG, POST, project

Run = Callable[..., Result]
TESTING = CONFIG.replace(
    f"    channel_id: {CHANNEL}\n", f"    channel_id: {CHANNEL}\n    testing_mode: true\n"
)
WARNING = (
    "acme-yt: testing_mode: its Google app's OAuth consent screen is in Testing, so its refresh "
    "token expires 7 days after `publisher auth login`, and apply then fails with invalid_grant"
)


def plan(make_repo: Callable[..., Any], publisher: Run, config: str, *args: str) -> Result:
    """``plan --offline`` of a fresh repository (one per call: each has its own name)."""
    name = f"repo{next(_numbers)}"
    root: Path = make_repo({"publisher.yaml": config, "posts/launch.yaml": POST}, name=name).root
    result = publisher("-C", root, "plan", "--offline", *args)
    assert result.exit_code == 0, result.output
    return result


_numbers = itertools.count()


def test_plan_warns_in_every_format(make_repo: Callable[..., Any], publisher: Run) -> None:
    text = plan(make_repo, publisher, TESTING).output
    assert WARNING in text and "update YOUTUBE_REFRESH_TOKEN_ACME" in text
    document = json.loads(plan(make_repo, publisher, TESTING, "--format", "json").stdout)
    assert any(w.startswith(WARNING) for w in document["warnings"])
    markdown = plan(make_repo, publisher, TESTING, "--format", "markdown").stdout
    assert "acme-yt\\: testing\\_mode\\: its Google app" in markdown  # escaped Markdown
    assert "invalid\\_grant" in markdown


def test_no_warning_without_the_flag_and_the_same_fingerprints(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    flagged = json.loads(plan(make_repo, publisher, TESTING, "--format", "json").stdout)
    plain = json.loads(plan(make_repo, publisher, CONFIG, "--format", "json").stdout)
    assert not any("testing_mode" in w for w in plain["warnings"])
    assert plain["fingerprints"] == flagged["fingerprints"]
    assert [c["fingerprint"] for c in plain["changes"]] == [
        c["fingerprint"] for c in flagged["changes"]
    ]


def test_a_tiktok_account_refuses_the_flag(make_repo: Callable[..., Any], publisher: Run) -> None:
    config = CONFIG.replace(
        "    refresh_token_env: TIKTOK_REFRESH_TOKEN_BRAND_US\n",
        "    refresh_token_env: TIKTOK_REFRESH_TOKEN_BRAND_US\n    testing_mode: true\n",
    )
    root = project(make_repo, config)
    result = publisher("-C", root, "validate")
    assert result.exit_code == 1
    assert "publisher.yaml:5:5 accounts.brand-us.testing_mode: unknown field" in result.output
