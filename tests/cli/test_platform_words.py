"""What the commands say names the platform of the accounts concerned, not TikTok always."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gitops_publisher.apply.events import UploadProgress
from gitops_publisher.cli.main import cli
from gitops_publisher.cli.views.apply_output import Redactor, open_printer
from gitops_publisher.cli.views.apply_progress import RichPrinter
from gitops_publisher.core.plan import Action, Change, Plan
from tests.cli.test_apply_progress import terminal
from tests.cli.test_youtube_manifests import CHANNEL, CONFIG, project

YOUTUBE_ONLY = """\
version: 1
accounts:
  acme-yt:
    provider: youtube
    handle: "@acme"
    refresh_token_env: YOUTUBE_REFRESH_TOKEN_ACME
defaults:
  youtube: {privacy: public}
"""


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "platform"),
    [
        (["auth", "login", "--account", "acme-yt", "--sandbox"], "real YouTube"),
        (["--sandbox", "auth", "login", "--account", "acme-yt"], "real YouTube"),
        (["auth", "status", "--account", "acme-yt", "--sandbox"], "real YouTube"),
        (["auth", "refresh", "--account", "acme-yt", "--sandbox"], "real YouTube"),
        (["auth", "login", "--account", "brand-us", "--sandbox"], "real TikTok"),
        (["--sandbox", "auth", "refresh", "--account", "brand-us"], "real TikTok"),
        (["auth", "status", "--sandbox"], "real TikTok and YouTube"),
    ],
)
def test_auth_under_the_sandbox_names_the_accounts_platform(
    make_repo: Callable[..., Any], args: list[str], platform: str
) -> None:
    code, output = run(project(make_repo), *args)
    assert code == 1
    assert f"`publisher auth` is for {platform}\n" in output
    assert "apply --sandbox` need no login" in output
    # ... and how to try `publisher auth` on a sandbox all the same: a served one.
    words = " ".join(output.split())
    assert "against `publisher sandbox serve` (docs/sandbox.md" in words


def test_state_rms_help_names_both_platforms() -> None:
    result = CliRunner().invoke(cli, ["state", "rm", "--help"])
    words = " ".join(result.output.split())
    assert "(the posts stay on TikTok or YouTube)" in words and "``" not in words


def test_the_help_of_auths_sandbox_option_says_it_is_refused() -> None:
    # It read "Use the embedded TikTok and YouTube emulators; no credentials needed.", which
    # every auth command then refused.
    for command in ("login", "status", "refresh"):
        result = CliRunner().invoke(cli, ["auth", command, "--help"])
        words = " ".join(result.output.split())
        assert "--sandbox Refused: the embedded sandbox logs its accounts in by itself" in words
        assert "no credentials needed" not in words


def test_auth_status_under_the_sandbox_for_youtube_channels_only(
    make_repo: Callable[..., Any],
) -> None:
    code, output = run(project(make_repo, YOUTUBE_ONLY), "auth", "status", "--sandbox")
    assert code == 1
    assert "is for real YouTube\n" in output and "TikTok" not in output


def test_apply_logs_each_platforms_handle_in_its_own_words(
    make_repo: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLISHER_SANDBOX_TIME_SCALE", "200")
    root = project(make_repo, CONFIG.replace(f"    channel_id: {CHANNEL}\n", ""))
    code, output = run(root, "apply", "--sandbox", "--yes")
    assert code == 0, output
    lines = output.splitlines()
    youtube = [line for line in lines if line.startswith("[launch@acme-yt] ")]
    tiktok = [line for line in lines if line.startswith("[launch@brand-us] ")]
    assert any(
        re.fullmatch(r"\[launch@acme-yt\] upload session …[\w-]{4}; uploading", x) for x in youtube
    )
    assert any(
        re.fullmatch(r"\[launch@brand-us\] publish_id v_pub_\S+; uploading", x) for x in tiktok
    )
    assert not [line for line in youtube if "publish_id" in line or "TikTok" in line]
    # The session URI is a capability: no output shows it, apply's nor the state commands'.
    text = (root / ".publisher" / "sandbox" / "state.json").read_text()
    session = json.loads(text)["resources"]["launch@acme-yt"]["publish_id"]
    # Published: the state keeps the session closed, its capability dropped (core/handles.py).
    assert session.startswith("closed:v1:") and "upload_id" not in text and "://" not in session
    shown = [output]
    for args in (
        ["state", "list"],
        ["state", "show", "launch@acme-yt"],
        ["plan"],
        ["plan", "--format", "json"],
        ["calendar", "--format", "json"],
        ["calendar", "--format", "ics"],
        ["calendar"],
    ):
        code, text = run(root, "--sandbox", *args)
        assert code == 0, text
        shown.append(text)
    for text in shown:
        assert session not in text and "upload_id" not in text


def test_the_live_display_says_which_platform_processes_an_upload() -> None:
    changes = [
        Change(
            address=f"a@{account}", post_id="a", account=account, action=Action.CREATE, reason=""
        )
        for account in ("brand-us", "acme-yt")
    ]
    changes[1] = changes[1].model_copy(update={"provider": "youtube"})
    plan = Plan(
        created_at=datetime(2026, 12, 1, tzinfo=UTC), lineage="l", serial=0, changes=changes
    )
    with open_printer(plan, Redactor(), json_mode=False, color=False, tty=True, env={}) as printer:
        assert isinstance(printer, RichPrinter)
        assert printer.platforms == {"brand-us": "TikTok", "acme-yt": "YouTube"}
    console, buffer = terminal(no_color=True)
    printer = RichPrinter(Redactor(), {"acme-yt": 1}, console=console, platforms=printer.platforms)
    with printer:
        printer(UploadProgress("a@acme-yt", 10, 10))
    assert "processing at YouTube…" in buffer.getvalue()
    assert "TikTok" not in buffer.getvalue()


def test_a_youtube_only_user_reads_no_tiktok_in_plans_state_commands_or_help(
    make_repo: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLISHER_SANDBOX_TIME_SCALE", "200")
    post = "version: 1\nid: launch\naccounts: [acme-yt]\nvideo: media/launch-teaser.mp4\n"
    root = make_repo({"publisher.yaml": YOUTUBE_ONLY, "posts/launch.yaml": post + "caption: Hi\n"})
    seen: list[str] = []

    def publisher(*args: str) -> str:
        code, output = run(root.root, *args)
        assert code == 0, output
        seen.append(output)
        return output

    publisher("apply", "--sandbox", "--yes")
    root.write("posts/launch.yaml", post + "caption: Hello\n")  # drift: YouTube's words
    assert "YouTube posts are never edited" in publisher("plan", "--sandbox")
    assert "YouTube posts are never edited" in publisher(
        "plan", "--sandbox", "--format", "markdown"
    )
    root.write("posts/launch.yaml", post.replace("id: launch", "id: other") + "caption: Hi\n")
    assert "YouTube posts are never deleted" in publisher("plan", "--sandbox")
    state = root.root / ".publisher" / "sandbox" / "state.json"
    video = json.loads(state.read_text())["resources"]["launch@acme-yt"]["post_ids"][0]
    removed = publisher("state", "rm", "--yes", "launch@acme-yt", "--sandbox")
    assert "YouTube keeps the posts" in removed and "stay on YouTube" in removed
    root.write("posts/launch.yaml", post + "caption: Hi\n")
    before = state.read_bytes()
    # "--": a YouTube video id may begin with "-" (1 in 64), which click would take for an option.
    code, imported = run(root.root, "state", "import", "--sandbox", "--", "launch@acme-yt", video)
    assert code == 0, imported  # was a crash (exit 70): the video id taken for a session URI
    assert "Imported launch@acme-yt" in imported and state.read_bytes() != before
    assert [text for text in seen if "TikTok" in text] == []
    helps = [publisher(*args, "--help") for args in ([], ["auth"], ["apply"], ["sandbox"])]
    for wrong in ("TikTok emulator", "to TikTok,", "TikTok API emulator", "to TikTok (or"):
        assert [text for text in helps if wrong in text] == []


def test_auth_status_heads_its_id_column_after_the_accounts_platforms(
    make_repo: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PUBLISHER_TOKEN_STORE", str(tmp_path / "tokens.json"))
    monkeypatch.setenv("YOUTUBE_REFRESH_TOKEN_ACME", "not-a-real-one")
    _code, youtube = run(project(make_repo, YOUTUBE_ONLY), "auth", "status")
    assert youtube.splitlines()[0].split()[:3] == ["ACCOUNT", "HANDLE", "CHANNEL_ID"]
    assert "TikTok" not in youtube and "OPEN_ID" not in youtube
    both_root = make_repo({"publisher.yaml": CONFIG}, name="two").root
    _code, both = run(both_root, "auth", "status")
    assert both.splitlines()[0].split()[:3] == ["ACCOUNT", "HANDLE", "CHANNEL_ID/OPEN_ID"]
