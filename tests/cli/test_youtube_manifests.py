"""YouTube accounts and ``youtube:`` fields through the real command: positions, plans, apply."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from gitops_publisher.sandbox import SandboxWorld

Run = Callable[..., Result]
CHANNEL = "UCabcdefghijklmnopqrstuv"

CONFIG = f"""\
version: 1
accounts:
  brand-us:
    refresh_token_env: TIKTOK_REFRESH_TOKEN_BRAND_US
    timezone: America/New_York
  acme-yt:
    provider: youtube
    handle: "@acme"
    channel_id: {CHANNEL}
    refresh_token_env: YOUTUBE_REFRESH_TOKEN_ACME
    timezone: Europe/Paris
defaults:
  privacy: SELF_ONLY
  youtube:
    privacy: public
    category: 28
"""
POST = """\
version: 1
id: launch
accounts: [brand-us, acme-yt]
video: media/launch-teaser.mp4
caption: "Meet the new drop 🚀 #launch #Shorts"
youtube:
  default_language: en
"""


def project(make_repo: Callable[..., Any], config: str = CONFIG, post: str = POST) -> Path:
    root: Path = make_repo({"publisher.yaml": config, "posts/launch.yaml": post}).root
    return root


def test_every_plan_format_shows_what_youtube_receives(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    root = project(make_repo)
    text = publisher("-C", root, "plan")
    assert text.exit_code == 0, text.output
    youtube = text.stdout.split("launch@acme-yt")[1]
    assert 'title      "Meet the new drop 🚀 #launch #Shorts" (36/100, from the caption)' in youtube
    assert "tags       launch, Shorts (13/500, from the caption)" in youtube
    assert "privacy    public" in youtube
    assert "category 28 (Science & Technology)" in youtube and "language en" in youtube
    tiktok = text.stdout.split("launch@brand-us")[1].split("launch@acme-yt")[0]
    assert "(36/2200 UTF-16)" in tiktok and "title " not in tiktok
    assert "acme-yt:" not in text.stdout.split("TikTok limits")[1]  # TikTok's limits only
    markdown = publisher("-C", root, "plan", "--format", "markdown").stdout
    assert "36/100, from the caption" in markdown
    document = json.loads(publisher("-C", root, "plan", "--format", "json").stdout)
    changes = {c["address"]: c for c in document["changes"]}
    assert changes["launch@acme-yt"]["provider"] == "youtube"
    assert changes["launch@acme-yt"]["youtube"] == {
        "resource": {
            "snippet": {
                "title": "Meet the new drop 🚀 #launch #Shorts",
                "description": "Meet the new drop 🚀 #launch #Shorts",
                "tags": ["launch", "Shorts"],
                "categoryId": "28",
                "defaultLanguage": "en",
            },
            "status": {"privacyStatus": "public"},
        },
        "notify_subscribers": True,
        "derived": ["title", "description", "tags"],
    }
    assert changes["launch@brand-us"]["provider"] == "tiktok"
    assert changes["launch@brand-us"]["youtube"] is None


def test_a_scheduled_youtube_post_shows_youtube_scheduling(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    post = POST.replace("  default_language: en\n", "  default_language: en\n  privacy: private\n")
    post += "publish_at: 2099-12-01T09:00:00-05:00\n"
    root = project(make_repo, post=post)
    text = publisher("-C", root, "plan")
    assert text.exit_code == 0, text.output
    youtube = text.stdout.split("launch@acme-yt")[1]
    assert "private until 2099-12-01T14:00:00Z, then public (YouTube's scheduling)" in youtube


@pytest.mark.parametrize(
    ("config_edit", "post_edit", "expected"),
    [
        # The account union: each provider its own fields, errors at the key's line.
        (
            ('    handle: "@acme"', "    username: acme"),
            None,
            "publisher.yaml:8:5 accounts.acme-yt.username: unknown field 'username'",
        ),
        (
            ("    provider: youtube", "    provider: vimeo"),
            None,
            "publisher.yaml:7:15 accounts.acme-yt.provider: provider must be tiktok or youtube",
        ),
        (
            (f"channel_id: {CHANNEL}", "channel_id: acme"),
            None,
            "publisher.yaml:9:17 accounts.acme-yt.channel_id: must be a YouTube channel id",
        ),
        (
            ("    category: 28", "    category: 18"),
            None,
            "publisher.yaml:16:15 defaults.youtube.category: is not a category a video can be",
        ),
        # The post's youtube: block, at the field's line.
        (
            None,
            ("  default_language: en", "  title: " + "t" * 101),
            "posts/launch.yaml:7:10 youtube.title: is 101 characters",
        ),
        (
            None,
            ("  default_language: en", "  title: A <b>"),
            "posts/launch.yaml:7:10 youtube.title: YouTube refuses '<' and '>' in a title",
        ),
        (
            None,
            ("  default_language: en", "  tags: [" + ", ".join(["ab cd"] * 72) + "]"),
            "posts/launch.yaml:7:9 youtube.tags: the tags count 575 characters",
        ),
        (
            None,
            ("  default_language: en", "  default_language: english"),
            "posts/launch.yaml:7:21 youtube.default_language: must be a language code",
        ),
        # Derived values: at the caption they come from.
        (
            None,
            ('caption: "Meet', 'caption: "' + "x" * 90 + " Meet"),
            "posts/launch.yaml:5:10 caption: the caption's first line, acme-yt's YouTube title, is",
        ),
        # publish_at only with private.
        (
            None,
            ("youtube:", "publish_at: 2026-12-01T09:00:00-05:00\nyoutube:"),
            "posts/launch.yaml:6:13 publish_at: YouTube schedules only private videos",
        ),
    ],
)
def test_youtube_limits_are_errors_at_file_line_and_nothing_is_posted(
    make_repo: Callable[..., Any],
    publisher: Run,
    config_edit: tuple[str, str] | None,
    post_edit: tuple[str, str] | None,
    expected: str,
) -> None:
    config = CONFIG.replace(*config_edit) if config_edit else CONFIG
    post = POST.replace(*post_edit) if post_edit else POST
    root = project(make_repo, config, post)
    for command in (("validate", "--no-media-checks"), ("plan",), ("apply", "--sandbox", "--yes")):
        result = publisher("-C", root, *command)
        assert result.exit_code == 1, result.output
        assert expected in result.stderr, result.stderr
        assert "Traceback" not in result.output
    assert not (root / ".publisher" / "sandbox" / "state.json").exists()


def test_secrets_in_youtube_fields_are_refused_and_never_shown(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    secret = "GOCSPX-1a2B3c4D5e6F7g8H9i0JkLmNoPq"
    config = CONFIG.replace(
        "    timezone: Europe/Paris\n",
        f"    timezone: Europe/Paris\n    client_secret: {secret}\n",
    ).replace("YOUTUBE_REFRESH_TOKEN_ACME", "1//0gAbCdEfGhIjKlMnOpQrStUvWxYz")
    root = project(make_repo, config)
    result = publisher("-C", root, "validate", "--no-media-checks")
    assert result.exit_code == 1
    assert secret not in result.output and "1//0gAb" not in result.output
    assert "publisher.yaml:12:20 accounts.acme-yt.client_secret: this value looks like" in (
        result.stderr
    )
    assert "accounts.acme-yt.refresh_token_env: this value looks like a Google refresh token" in (
        result.stderr
    )


def test_apply_publishes_one_post_to_tiktok_and_youtube_once(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    root = project(make_repo, CONFIG.replace(f"    channel_id: {CHANNEL}\n", ""))
    first = publisher("-C", root, "apply", "--sandbox", "--yes")
    assert first.exit_code == 0, first.output
    state = json.loads((root / ".publisher" / "sandbox" / "state.json").read_text())
    records = state["resources"]
    assert {a: r["status"] for a, r in records.items()} == {
        "launch@brand-us": "published",
        "launch@acme-yt": "published",
    }
    youtube = records["launch@acme-yt"]
    assert youtube["url"] == f"https://www.youtube.com/shorts/{youtube['post_ids'][0]}"
    assert youtube["sent"]["youtube"]["resource"]["snippet"]["title"] == (
        "Meet the new drop 🚀 #launch #Shorts"
    )
    assert "upload_id" not in first.output  # the session URI is a capability: never shown
    second = publisher("-C", root, "apply", "--sandbox", "--yes")
    assert second.exit_code == 0, second.output
    assert "Nothing to publish now" in second.output
    after = json.loads((root / ".publisher" / "sandbox" / "state.json").read_text())
    assert after["serial"] == state["serial"]
    # state list heads the handle column with the platform's word, HANDLE when they differ.
    for selectors, heading in (((), "HANDLE"), (("launch@acme-yt",), "HANDLE")):
        listed = publisher("-C", root, "state", "list", "--sandbox", *selectors)
        assert listed.stdout.splitlines()[0].split() == ["ADDRESS", "STATUS", heading, "UPDATED"]
    listed = publisher("-C", root, "state", "list", "--sandbox", "launch@brand-us")
    assert listed.stdout.splitlines()[0].split()[2] == "PUBLISH_ID"


def test_the_plan_shows_youtube_scheduling_and_quota_in_every_format(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    post = POST.replace("  default_language: en\n", "  privacy: private\n")
    post += "publish_at: 2099-01-10T09:00:00-05:00\n"
    config = CONFIG + "youtube:\n  quota: {model: units}\n"
    root = project(make_repo, config, post)
    text = publisher("-C", root, "plan")
    assert text.exit_code == 0, text.output
    youtube = text.stdout.split("launch@acme-yt")[1].split("launch@brand-us")[0]
    assert "create   scheduled by YouTube: uploaded now as private, public at publish_at" in youtube
    assert (
        "schedule   2099-01-10 15:00 CET (Europe/Paris): uploaded now, YouTube makes it public "
        "then (private + publishAt)" in youtube
    )
    assert "wait     scheduled for 2099-01-10 09:00 EST" in text.stdout  # TikTok waits
    assert "YouTube quota used by this apply (per Google project):" in text.stdout
    assert (
        "YOUTUBE_CLIENT_ID: 1 upload(s) + 0 today, in units · ≥1,602 + ≥0 today of 10,000 "
        "units/day "
        "(units model)" in text.stdout
    )
    markdown = publisher("-C", root, "plan", "--format", "markdown").stdout
    assert (
        "what YouTube will receive" in markdown
        and "**YouTube quota used by this apply**" in markdown
    )
    document = json.loads(publisher("-C", root, "plan", "--format", "json").stdout)
    (quota,) = document["youtube_quotas"]
    assert (quota["client"], quota["model"], quota["uploads"], quota["units"]) == (
        "YOUTUBE_CLIENT_ID",
        "units",
        1,
        1602,
    )
    actions = {c["address"]: c["action"] for c in document["changes"]}
    assert actions == {"launch@acme-yt": "create", "launch@brand-us": "wait"}


def test_a_token_of_another_channel_stops_the_youtube_account_only(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    root = project(make_repo)  # channel_id pinned; the sandbox's @acme gets another id
    SandboxWorld.load_or_create(root / ".publisher" / "sandbox" / "world").ensure_channel("@acme")
    result = publisher("-C", root, "apply", "--sandbox", "--yes")
    assert result.exit_code == 1, result.output
    assert (
        f"account acme-yt is channel_id {CHANNEL} in publisher.yaml, but its token belongs to "
        "@acme (channel_id UC" in result.output
    )
    assert "correct channel_id in publisher.yaml" in result.output
    state = json.loads((root / ".publisher" / "sandbox" / "state.json").read_text())
    assert list(state["resources"]) == ["launch@brand-us"]
    world = json.loads((root / ".publisher" / "sandbox" / "world" / "world.json").read_text())
    assert world["youtube"]["sessions"] == {}  # nothing was sent to YouTube


def test_the_sandbox_makes_each_account_the_user_publisher_yaml_names_by_id(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    # docs/youtube.md §2 names a channel by its channel_id (and TikTok's docs by open_id):
    # `--sandbox` must publish such a project as written, not refuse its own channel.
    open_id = "-000abcdEFGHijklmnop"
    config = CONFIG.replace(
        "    refresh_token_env: TIKTOK_REFRESH_TOKEN_BRAND_US\n",
        f'    refresh_token_env: TIKTOK_REFRESH_TOKEN_BRAND_US\n    open_id: "{open_id}"\n',
    )
    root = project(make_repo, config)
    applied = publisher("-C", root, "apply", "--sandbox", "--yes")
    assert applied.exit_code == 0, applied.output
    state = json.loads((root / ".publisher" / "sandbox" / "state.json").read_text())
    records = state["resources"]
    assert records["launch@acme-yt"]["status"] == "published"
    assert records["launch@acme-yt"]["open_id"] == CHANNEL
    assert records["launch@brand-us"]["open_id"] == open_id


def test_mode_draft_on_a_post_for_youtube_alone_is_a_warning_at_its_line(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    """YouTube has no drafts: a post for YouTube channels alone that says ``mode: draft`` is
    published as its privacy says (public here), which the reviewer must be told; with a
    TikTok account beside it the draft is TikTok's, and nothing is said."""
    alone = POST.replace("[brand-us, acme-yt]", "[acme-yt]") + "mode: draft\n"
    root = project(make_repo, post=alone)
    checked = publisher("-C", root, "validate")
    assert checked.exit_code == 0, checked.output
    assert "posts/launch.yaml:8" in checked.output
    assert "mode: draft sends a post to the creator's inbox, which YouTube does not have" in (
        checked.output
    )
    planned = publisher("-C", root, "plan")
    assert "which YouTube does not have" in planned.output


def test_mode_draft_beside_a_tiktok_account_is_tiktoks_draft_and_says_nothing(
    make_repo: Callable[..., Any], publisher: Run
) -> None:
    both = project(make_repo, post=POST + "mode: draft\n")
    checked = publisher("-C", both, "validate")
    assert checked.exit_code == 0, checked.output
    assert "creator's inbox" not in checked.output
