"""The Action asks each account's platform what to mask and how to show a post it holds back.

A new platform is its registry entry: the Action names none (``Platform.secret_variables``,
``Platform.pending_note``, ``Platform.title``), so a fake platform in the registry's place is
handled as is: its secrets masked, its words in the summary, the fork note and the hints.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gitops_publisher import github
from gitops_publisher.core.models import TikTokAccount
from gitops_publisher.core.state import Record, State
from gitops_publisher.errors import PublisherError
from gitops_publisher.github.action import _secret_values, fork_note, published_lines
from gitops_publisher.github.step_env import secret_env
from gitops_publisher.providers.fake import FakePlatform
from gitops_publisher.providers.registry import DEFAULT_PROVIDER, PLATFORMS
from gitops_publisher.providers.youtube.platform import YOUTUBE
from tests.apply.code_scan import platforms_named

from .conftest import RunAction

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def test_the_secrets_masked_are_those_each_platform_names(tmp_path: Path) -> None:
    (tmp_path / "publisher.yaml").write_text(
        "version: 1\naccounts:\n  brand-us:\n    refresh_token_env: TT_REFRESH\n",
        encoding="utf-8",
    )
    env = {
        "TT_REFRESH": "rft.x",
        "FAKE_APP_SECRET": "fake-app-secret",
        "TIKTOK_CLIENT_SECRET": "tiktok-secret",
        "PUBLISHER_TOKEN_KEY": "token-key",
    }
    # The fake platform in TikTok's place: its app secret is masked, TikTok's is not asked for.
    values = _secret_values(env, tmp_path, platforms={"tiktok": FakePlatform()})
    assert {"rft.x", "fake-app-secret", "token-key"} <= set(values)
    assert "tiktok-secret" not in values
    # Without the config, the platforms' own secrets are still masked.
    assert "fake-app-secret" in _secret_values(
        env, tmp_path / "missing", platforms={"fake": FakePlatform()}
    )


def test_a_post_its_platform_holds_back_says_so_in_the_platforms_words() -> None:
    record = Record(
        post_id="launch",
        account="brand-us",
        status="published",
        fingerprint="sha256:x",
        mode="direct",
        video="media/a.mp4",
        url="https://fake.invalid/v/1",
        created_at=NOW,
        updated_at=NOW,
        published_at=NOW,
    )
    after = State().with_record(record)
    accounts = {"brand-us": TikTokAccount(refresh_token_env="TT_REFRESH")}
    held = FakePlatform(pending="held by Fake until noon", visible_at=NOW + timedelta(hours=3))
    (line,) = published_lines(after, ["launch@brand-us"], accounts, {"tiktok": held})
    assert line == ("- `launch@brand-us`: <https://fake.invalid/v/1> (held by Fake until noon)")
    (visible,) = published_lines(after, ["launch@brand-us"], accounts, {"tiktok": FakePlatform()})
    assert "held" not in visible


def test_the_action_names_no_platform_in_its_code() -> None:
    """Only docstrings and comments of ``github/`` may name one, as an example."""
    files = sorted(Path(github.__file__).parent.glob("*.py"))
    assert len(files) > 5
    named = {
        f.name: found for f in files if (found := platforms_named(f.read_text(encoding="utf-8")))
    }
    assert named == {}


def test_a_forks_plan_names_the_projects_platforms_it_did_not_contact(
    action: RunAction, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each platform of the project's accounts, in its own title; a platform the registry
    has and the project does not use is not named."""
    monkeypatch.setitem(PLATFORMS, "fake", FakePlatform(title="Fakeo"))
    run = action(
        "pull_request", "pull_request_fork.json", github_token="read-only", TIKTOK_CLIENT_SECRET=""
    )
    assert run.result.exit_code == 0, run.log
    assert "without contacting TikTok or YouTube." in run.summary
    assert "Fakeo" not in run.summary


def test_the_fork_note_names_each_platform_by_its_title(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PLATFORMS, "fake", FakePlatform(title="Fakeo"))
    assert "without contacting TikTok. " in fork_note({"tiktok"})
    assert "without contacting Fakeo or TikTok. " in fork_note({"tiktok", "fake"})
    # Before the project is read (its plan failed): every platform of the registry.
    assert "without contacting Fakeo, TikTok or YouTube. " in fork_note()


def test_secret_envs_hint_shows_the_default_platforms_own_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def hint() -> str:
        with pytest.raises(PublisherError) as caught:
            secret_env("not a line")
        return caught.value.hint

    monkeypatch.setitem(PLATFORMS, DEFAULT_PROVIDER, FakePlatform(app_secret_env="FAKE_SECRET"))
    assert hint().endswith(" e.g. FAKE_SECRET=${{ secrets.FAKE_SECRET }}")
    # A default platform with no secret of its own (each account names its own): the token key.
    monkeypatch.setitem(PLATFORMS, DEFAULT_PROVIDER, YOUTUBE)
    assert hint().endswith(" e.g. PUBLISHER_TOKEN_KEY=${{ secrets.PUBLISHER_TOKEN_KEY }}")
