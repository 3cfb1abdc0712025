"""Which tokens a run starts from when tokens.enc is restored from the state branch.

The branch copy wins (every rotation our code saves is pushed there before it is used),
except where that would throw away the only live token: no file on the branch, or a local
rotation whose push failed. Under the Action the restore happens twice in one process (the
Action, then the CLI it runs); the end-of-run merge must not undo another shard's rotation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pinned_git import git
from pydantic import SecretStr

from gitops_publisher.core.models import StateConfig
from gitops_publisher.providers.tiktok.credentials import WRITEBACK_FILE
from gitops_publisher.providers.token_store import (
    KEY_ENV,
    EncryptedTokenFile,
    StoredCiTokens,
)
from gitops_publisher.providers.tokens import TokenSet
from gitops_publisher.workspace.git_state import GitBranchStateStore
from gitops_publisher.workspace.token_sync import (
    BranchMirror,
    ci_writeback,
    restore_writeback,
    synced_writeback,
)

from .conftest import Checkout

API = "https://open.tiktokapis.com"
KEY = Fernet.generate_key().decode()
ACCOUNTS = ["brand-uk", "brand-us"]
STATE = StateConfig(backend="git-branch", path="state.json")


def entry(refresh: str, hour: int, origin: str = "seed") -> StoredCiTokens:
    """A rotated set obtained at ``hour`` (its access token expires a day later)."""
    tokens = TokenSet(
        access_token=SecretStr(f"act.{refresh}"),
        access_expires_at=datetime(2026, 11, 2, hour, tzinfo=UTC),
        refresh_token=SecretStr(refresh),
    )
    return StoredCiTokens(tokens, origin)


def store_of(work: Path) -> GitBranchStateStore:
    store = GitBranchStateStore.for_project(work, "state.json", branch="publisher-state")
    store.read()
    return store


def other_job(checkout: Checkout, name: str = "other") -> EncryptedTokenFile:
    """Another runner's write-back, mirrored to the same branch (a parallel shard)."""
    work = checkout.work.parent / name
    if not work.exists():
        git(checkout.work.parent, "clone", "-q", str(checkout.remote), name)
    store = GitBranchStateStore.for_project(work, "state.json", branch="publisher-state")
    return EncryptedTokenFile(work / WRITEBACK_FILE, KEY, mirror=BranchMirror(store, work))


def local_file(work: Path, **entries: StoredCiTokens) -> EncryptedTokenFile:
    tokens = EncryptedTokenFile(work / WRITEBACK_FILE, KEY)
    for account, stored in entries.items():
        tokens.save(API, account.replace("_", "-"), stored)
    return tokens


def refresh(tokens: EncryptedTokenFile, account: str) -> str | None:
    found = tokens.load(API, account)
    return None if found is None else found.tokens.refresh_token.get_secret_value()


def test_the_branch_copy_replaces_an_older_local_file(checkout: Checkout) -> None:
    other_job(checkout).save(API, "brand-us", entry("rft.us2", hour=2))
    local = local_file(checkout.work, brand_us=entry("rft.us1", hour=1))
    restore_writeback(store_of(checkout.work), checkout.work, KEY, ACCOUNTS, API)
    assert refresh(local, "brand-us") == "rft.us2"


def test_without_a_file_on_the_branch_the_local_file_is_kept(checkout: Checkout) -> None:
    local = local_file(checkout.work, brand_us=entry("rft.us1", hour=1))
    before = local.path.read_bytes()
    assert restore_writeback(store_of(checkout.work), checkout.work, KEY, ACCOUNTS, API) is None
    assert local.path.read_bytes() == before


@pytest.mark.parametrize(
    ("local_entry", "kept"),
    [
        (entry("rft.us3", hour=3), "rft.us3"),  # a later rotation whose push failed
        (entry("rft.us3", hour=3, origin="old-secret"), "rft.us2"),  # another chain
        (entry("rft.us1", hour=1), "rft.us2"),  # older: the branch wins
    ],
    ids=["later-rotation-kept", "other-chain-dropped", "older-dropped"],
)
def test_a_local_rotation_the_branch_lacks_is_never_dropped(
    checkout: Checkout, local_entry: StoredCiTokens, kept: str
) -> None:
    other_job(checkout).save(API, "brand-us", entry("rft.us2", hour=2))
    local = local_file(checkout.work, brand_us=local_entry, brand_uk=entry("rft.uk1", hour=1))
    restore_writeback(store_of(checkout.work), checkout.work, KEY, ACCOUNTS, API)
    assert refresh(local, "brand-us") == kept
    assert refresh(local, "brand-uk") == "rft.uk1"  # the branch has no brand-uk at all


def test_the_action_merges_against_the_cli_restore_and_keeps_another_shards_rotation(
    checkout: Checkout, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PUBLISHER_STATE_BRANCH", raising=False)
    shard = other_job(checkout)
    shard.save(API, "brand-us", entry("rft.us1", hour=1))
    shard.save(API, "brand-uk", entry("rft.uk1", hour=1))
    with synced_writeback(store_of(checkout.work), checkout.work, KEY, ACCOUNTS, API):
        shard.save(API, "brand-uk", entry("rft.uk2", hour=2))
        # The CLI the Action runs in-process restores again: it sees uk2.
        ours = ci_writeback(checkout.work, STATE, ACCOUNTS, API, env={KEY_ENV: KEY})
        assert ours is not None and refresh(ours, "brand-uk") == "rft.uk2"
        shard.save(API, "brand-uk", entry("rft.uk3", hour=3))  # the shard rotates again
        ours.mirror = None  # the push at the rotation failed: the end-of-run merge pushes it
        ours.save(API, "brand-us", entry("rft.us2", hour=2))
    on_branch = EncryptedTokenFile(checkout.work.parent / "read.enc", KEY)
    on_branch.path.write_bytes(
        git(checkout.remote, "show", f"publisher-state:{WRITEBACK_FILE}").encode()
    )
    assert refresh(on_branch, "brand-us") == "rft.us2"  # this run's rotation
    assert refresh(on_branch, "brand-uk") == "rft.uk3"  # not set back to the dead uk2
