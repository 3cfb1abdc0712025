"""Per-account captions through the real command: errors at file:line, every plan format."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from .projects import CONFIG

Run = Callable[..., Result]

POST = """\
version: 1
id: launch
accounts: [brand-us, brand-uk]
video: media/launch-teaser.mp4
caption: "Meet the new drop #launch"
captions:
  brand-uk: "Meet the new drop, mates #launch"
privacy: PUBLIC_TO_EVERYONE
"""


def test_every_plan_format_shows_each_account_caption(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    root: Path = make_repo({"publisher.yaml": CONFIG, "posts/launch.yaml": POST}).root
    text = publisher("-C", root, "plan")
    assert text.exit_code == 0, text.output

    def section(address: str) -> str:
        return text.stdout.split(address)[1].split("launch@")[0]

    assert '"Meet the new drop, mates #launch" (32/2200 UTF-16)' in section("launch@brand-uk")
    assert '"Meet the new drop #launch" (25/2200 UTF-16)' in section("launch@brand-us")
    markdown = publisher("-C", root, "plan", "--format", "markdown").stdout
    assert markdown.count("Meet the new drop, mates #launch") == 1
    assert markdown.count("Meet the new drop #launch") == 1
    document = json.loads(publisher("-C", root, "plan", "--format", "json").stdout)
    captions = {c["address"]: c["caption"] for c in document["changes"]}
    assert captions == {
        "launch@brand-us": "Meet the new drop #launch",
        "launch@brand-uk": "Meet the new drop, mates #launch",
    }
    prints = {c["address"]: c["fingerprint"] for c in document["changes"]}
    assert prints["launch@brand-us"] != prints["launch@brand-uk"]


def test_a_caption_for_an_unknown_account_is_an_error_at_its_line(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    post = POST.replace("  brand-uk:", "  brand-jp:")
    root: Path = make_repo({"publisher.yaml": CONFIG, "posts/launch.yaml": post}).root
    result = publisher("-C", root, "validate", "--no-media-checks")
    assert result.exit_code == 1
    assert (
        "posts/launch.yaml:7:3 captions.brand-jp: unknown account 'brand-jp' in captions"
        in result.stderr
    )
    assert "Traceback" not in result.output
