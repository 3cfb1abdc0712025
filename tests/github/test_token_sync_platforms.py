"""The write-back keeps the accounts of every platform that rotates refresh tokens.

``workspace/token_sync.py`` names no platform: which accounts' tokens it keeps, and under which
API URL, comes from each account's platform (``Platform.rotates_refresh_tokens``,
``Platform.api_base_url``), so a new rotating platform is written back without an edit there.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.fernet import Fernet

from gitops_publisher.core.models import Config
from gitops_publisher.providers.fake import FakePlatform
from gitops_publisher.providers.registry import PLATFORMS
from gitops_publisher.providers.token_store import EncryptedTokenFile, StoredCiTokens
from gitops_publisher.providers.tokens import TokenSet
from gitops_publisher.workspace import token_sync
from gitops_publisher.workspace.git_state import GitBranchStateStore
from gitops_publisher.workspace.token_sync import WRITEBACK_FILE, rotating, synced_writeback

from .conftest import Checkout, git

TIKTOK_API = "https://open.tiktokapis.com"
FAKE_API = "https://fake.invalid"
KEY = Fernet.generate_key().decode()
ACCOUNTS = Config.model_validate(
    {
        "version": 1,
        "accounts": {
            "brand-us": {"refresh_token_env": "TT"},
            "shorts": {"provider": "youtube", "refresh_token_env": "YT"},
        },
    }
).accounts
# The fake platform, rotating, in YouTube's place: its channel's tokens are written back too.
ROTATING = {**PLATFORMS, "youtube": replace(FakePlatform(), rotates_refresh_tokens=True)}


def entry(refresh: str) -> StoredCiTokens:
    return StoredCiTokens(TokenSet.from_refresh_token(refresh), origin="seed")


def test_the_entries_are_the_accounts_of_rotating_platforms_under_their_api() -> None:
    assert rotating(ACCOUNTS, env={}) == [(TIKTOK_API, "brand-us")]  # Google does not rotate
    assert rotating(ACCOUNTS, env={}, platforms=ROTATING) == [
        (TIKTOK_API, "brand-us"),
        (FAKE_API, "shorts"),
    ]
    served = {"PUBLISHER_TIKTOK_API_URL": "http://127.0.0.1:8765"}
    assert rotating(ACCOUNTS, env=served) == [("http://127.0.0.1:8765", "brand-us")]


def test_a_new_rotating_platforms_rotation_reaches_the_branch_and_the_next_checkout(
    checkout: Checkout, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(PLATFORMS, "fake", replace(FakePlatform(), rotates_refresh_tokens=True))
    entries = rotating(ACCOUNTS, env={}, platforms=ROTATING)
    store = GitBranchStateStore.for_project(checkout.work, "state.json", branch="publisher-state")
    store.read()
    with synced_writeback(store, checkout.work, KEY, entries):
        local = EncryptedTokenFile(checkout.work / WRITEBACK_FILE, KEY)
        local.save(TIKTOK_API, "brand-us", entry("rft.tiktok"))
        local.save(FAKE_API, "shorts", entry("rft.fake"))
    # The commit names every platform of the registry that rotates, the new one too.
    assert checkout.branch_log() == ["publisher: rotated Fake and TikTok tokens (encrypted)"]
    assert token_sync.commit_message() == "publisher: rotated Fake and TikTok tokens (encrypted)\n"

    fresh = checkout.work.parent / "next-run"
    git(checkout.work.parent, "clone", "-q", str(checkout.remote), "next-run")
    again = GitBranchStateStore.for_project(fresh, "state.json", branch="publisher-state")
    again.read()
    with synced_writeback(again, fresh, KEY, entries):
        restored = EncryptedTokenFile(fresh / WRITEBACK_FILE, KEY)
        fake = restored.load(FAKE_API, "shorts")
        assert fake is not None and fake.tokens.refresh_token.get_secret_value() == "rft.fake"
