"""The encrypted token write-back survives CI: restored from the state branch, pushed back."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet

from gitops_publisher.providers.token_store import EncryptedTokenFile, StoredCiTokens
from gitops_publisher.providers.tokens import TokenSet
from gitops_publisher.workspace.git_state import GitBranchStateStore
from gitops_publisher.workspace.token_sync import WRITEBACK_FILE, merge_tokens, synced_writeback

from .conftest import Checkout, git

API = "https://open.tiktokapis.com"
KEY = Fernet.generate_key().decode()


def entry(refresh: str) -> StoredCiTokens:
    return StoredCiTokens(TokenSet.from_refresh_token(refresh), origin="seed")


def file_with(path: Path, **accounts: str) -> bytes:
    tokens = EncryptedTokenFile(path, KEY)
    for account, refresh in accounts.items():
        tokens.save(API, account, entry(refresh))
    return path.read_bytes()


def refresh_of(data: bytes, account: str, tmp: Path) -> str:
    path = tmp / "read"
    path.write_bytes(data)
    stored = EncryptedTokenFile(path, KEY).load(API, account)
    assert stored is not None
    return stored.tokens.refresh_token.get_secret_value()


def test_merge_keeps_each_runs_rotations(tmp_path: Path) -> None:
    base = file_with(tmp_path / "base", a="rft.a1", b="rft.b1")
    theirs = file_with(tmp_path / "theirs", a="rft.a1", b="rft.b2")  # the other shard rotated b
    ours = file_with(tmp_path / "ours", a="rft.a2", b="rft.b1")  # this run rotated a
    merged = merge_tokens(theirs, base, ours, KEY, ["a", "b"], API)
    assert refresh_of(merged, "a", tmp_path) == "rft.a2"
    assert refresh_of(merged, "b", tmp_path) == "rft.b2"


def test_rotated_tokens_reach_the_branch_and_the_next_checkout(checkout: Checkout) -> None:
    store = GitBranchStateStore.for_project(checkout.work, "state.json", branch="publisher-state")
    store.read()
    with synced_writeback(store, checkout.work, KEY, ["brand-us"], API):
        EncryptedTokenFile(checkout.work / WRITEBACK_FILE, KEY).save(
            API, "brand-us", entry("rft.rotated")
        )
    assert checkout.branch_log() == ["publisher: rotated TikTok tokens (encrypted)"]
    blob = git(checkout.remote, "show", f"publisher-state:{WRITEBACK_FILE}")
    assert "rft.rotated" not in blob  # encrypted on the branch

    fresh = checkout.work.parent / "next-run"
    git(checkout.work.parent, "clone", "-q", str(checkout.remote), "next-run")
    again = GitBranchStateStore.for_project(fresh, "state.json", branch="publisher-state")
    again.read()
    with synced_writeback(again, fresh, KEY, ["brand-us"], API):
        restored = EncryptedTokenFile(fresh / WRITEBACK_FILE, KEY).load(API, "brand-us")
        assert restored is not None
        assert restored.tokens.refresh_token.get_secret_value() == "rft.rotated"
    assert len(checkout.branch_log()) == 1  # unchanged: no commit


def test_without_a_key_nothing_is_touched(checkout: Checkout) -> None:
    store = GitBranchStateStore.for_project(checkout.work, "state.json", branch="publisher-state")
    store.read()
    with synced_writeback(store, checkout.work, "", ["brand-us"], API):
        pass
    assert not checkout.branch_exists()
