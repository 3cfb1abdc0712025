"""``publisher auth`` logs in, shows and refreshes an account of any platform in the registry.

The promise of the account port (``core/auth_port.py``): a new platform is its folder and its
registry line, and ``cli/auth_cmd.py`` needs no edit. Here the new platform is the fake one
(``providers/fake.py``) registered as ``vine``, and an account of it in ``publisher.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result

from gitops_publisher.core.identity import Identity
from gitops_publisher.core.models import Config
from gitops_publisher.providers.fake import FakePlatform, FakeProvider
from gitops_publisher.providers.fake_auth import FakeAccountAuth
from gitops_publisher.providers.registry import PLATFORMS
from gitops_publisher.workspace import project as workspace


@dataclass(frozen=True)
class VineAccount:
    """An account of the new platform, as its model in ``core/models.py`` would be."""

    provider: str = "vine"
    refresh_token_env: str = "VINE_REFRESH"
    username: str = "clip.main"

    @property
    def identity_handle(self) -> str:
        return self.username

    @property
    def identity_id(self) -> None:
        return None


@pytest.fixture
def vine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakePlatform:
    """``vine`` in the registry, and ``clip-main``, a vine account, in publisher.yaml."""
    platform = FakePlatform(
        FakeProvider(),
        name="vine",
        title="Vine",
        account_auth=FakeAccountAuth(identity=Identity("vine-7", "clip.main")),
        tokens_here=frozenset({"clip-main"}),
    )
    monkeypatch.setitem(PLATFORMS, "vine", platform)
    load = workspace.load_config

    def with_vine(root: Path) -> Config:  # the schema admits the providers of core/models.py
        return load(root).model_copy(update={"accounts": {"clip-main": VineAccount()}})

    monkeypatch.setattr(workspace, "load_config", with_vine)
    monkeypatch.setenv("PUBLISHER_TOKEN_STORE", str(tmp_path / "tokens.json"))
    for name in ("PUBLISHER_TOKEN_KEY", "CI"):
        monkeypatch.delenv(name, raising=False)
    # `auth status` and `auth refresh` end with the check of missing credentials, as apply
    # begins with it; what an account lacks is its platform's to say (Platform.missing_app,
    # has_tokens): the fake's app is in the environment and its token in VINE_REFRESH.
    for name in ("FAKE_APP_KEY", platform.app_secret_env, "VINE_REFRESH"):
        monkeypatch.setenv(name, "set")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "publisher.yaml").write_text(
        "version: 1\naccounts:\n  unused:\n    refresh_token_env: UNUSED\n"
    )
    monkeypatch.chdir(root)
    return platform


def test_an_account_of_a_new_platform_logs_in_and_is_shown(
    vine: FakePlatform, publisher: Callable[..., Result]
) -> None:
    before = publisher("auth", "status", "--account", "clip-main")
    assert "account clip-main: no credentials" in before.stdout  # as the platform says

    login = publisher("auth", "login", "--account", "clip-main", "--no-browser")
    assert login.exit_code == 0, login.output
    assert login.stdout.splitlines() == [
        "https://fake.invalid/authorize?account=clip-main",
        "Logged in account clip-main as @clip.main (open_id vine-7).",
        "  scopes: post",
        "  refresh token expires: 2027-12-05 00:00 UTC",
        "  stored in memory",
    ]
    assert "(http://127.0.0.1:.../callback/?code=...)" in login.stderr  # its redirect path
    assert vine.account_auth.logins == [("clip-main", False)]
    assert vine.auth_openings[-1].writeback is None  # a login writes nothing back

    shown = publisher("auth", "status", "--account", "clip-main")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines() == [
        "account clip-main: credentials from local token store",
        "  handle: @clip.main",
        "  fake_id: vine-7",
        "  scopes: post",
        "  access token expires: 2026-12-06 00:00 UTC",
        "  refresh token expires: 2027-12-05 00:00 UTC",
    ]
    table = publisher("auth", "status")
    assert table.exit_code == 0, table.output
    assert (
        table.stdout.split()
        == (
            "ACCOUNT HANDLE FAKE_ID SCOPES REFRESH TOKEN EXPIRES CREDENTIALS "
            "clip-main @clip.main vine-7 post 2027-12-05 00:00 UTC local store"
        ).split()
    )
    assert vine.auth_openings[-1].writeback is not None  # status starts from the live token

    refreshed = publisher("auth", "refresh", "--account", "clip-main")
    assert refreshed.exit_code == 0, refreshed.output
    assert refreshed.stdout.splitlines()[0] == "Refreshed account clip-main (fake_id vine-7)."
    assert vine.account_auth.refreshes == ["clip-main"]


def test_a_login_as_someone_else_is_refused_in_the_platforms_words(
    vine: FakePlatform, publisher: Callable[..., Result]
) -> None:
    vine.account_auth.identity = Identity("vine-8", "someone.else")
    refused = publisher("auth", "login", "--account", "clip-main", "--no-browser")
    assert refused.exit_code == 1
    assert "login refused, nothing was stored" in refused.stderr
    assert vine.account_auth.logins == []
    sandboxed = publisher("--sandbox", "auth", "login", "--account", "clip-main")
    assert sandboxed.exit_code == 1 and "`publisher auth` is for real Vine" in sandboxed.stderr
