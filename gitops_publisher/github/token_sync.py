"""Keep the encrypted token write-back on the state branch between CI runs.

TikTok rotates refresh tokens (the old one dies at once), so after a run the account's
``refresh_token_env`` secret is stale and only the write-back ``.publisher/tokens.enc``
(Fernet, key ``PUBLISHER_TOKEN_KEY``) holds the live token. A CI checkout is thrown away, so
the Action restores that file from the state branch before apply and commits it back after,
whatever happened. Parallel shards rotate different accounts: a push race merges per account
(ours for the accounts this run rotated, theirs for the rest).

Known limit: a job killed between a rotation and the end of the run loses the rotated token;
the account then needs a new refresh token (``publisher auth login``, then update the secret).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

WRITEBACK_FILE = ".publisher/tokens.enc"


class BlobStore(Protocol):
    """What this module needs from the git-branch state store."""

    def branch_path(self, project_dir: Path, relative: str) -> str: ...  # noqa: D102

    def peek_bytes(self, path: str) -> bytes | None: ...  # noqa: D102

    def put_bytes(self, path: str, data: bytes, *, message: str, merge: Merge) -> None: ...  # noqa: D102


class Merge(Protocol):
    """``merge(current_on_branch) -> content to commit``."""

    def __call__(self, current: bytes | None) -> bytes: ...  # noqa: D102


@contextmanager
def synced_writeback(
    store: BlobStore | None, project: Path, key: str, accounts: Iterable[str], api_url: str
) -> Iterator[None]:
    """Restore ``tokens.enc`` from the branch; after the block, commit it back if it changed.

    Does nothing without a git-branch store or without ``PUBLISHER_TOKEN_KEY``.

    Raises:
        StateError: the file could not be pushed back (after the block ran).
        AuthError: the key does not decrypt the file (only when a merge is needed).
    """
    if store is None or not key:
        yield
        return
    in_branch = store.branch_path(project, WRITEBACK_FILE)
    local = project / WRITEBACK_FILE
    restored = store.peek_bytes(in_branch)
    if restored is not None:
        from gitops_publisher.providers.tiktok.token_store import write_private

        write_private(local, restored)
    try:
        yield
    finally:
        now = local.read_bytes() if local.exists() else None
        if now is not None and now != restored:
            names = sorted(accounts)

            def merge(current: bytes | None) -> bytes:
                if current is None or current == restored:
                    return now
                return merge_tokens(current, restored, now, key, names, api_url)

            store.put_bytes(
                in_branch,
                now,
                message="publisher: rotated TikTok tokens (encrypted)\n",
                merge=merge,
            )


def merge_tokens(
    theirs: bytes,
    base: bytes | None,
    ours: bytes,
    key: str,
    accounts: list[str],
    api_url: str,
) -> bytes:
    """``theirs`` with the entries of the accounts ``ours`` changed since ``base``.

    Raises:
        AuthError: ``key`` does not decrypt one of the files.
    """
    from gitops_publisher.providers.tiktok.token_store import EncryptedTokenFile, write_private

    with tempfile.TemporaryDirectory(prefix="publisher-tokens-") as tmp:
        files = {}
        for name, data in (("theirs", theirs), ("base", base), ("ours", ours)):
            path = Path(tmp) / name
            if data is not None:
                write_private(path, data)
            files[name] = EncryptedTokenFile(path, key)
        for account in accounts:
            mine = files["ours"].load(api_url, account)
            if mine is not None and mine != files["base"].load(api_url, account):
                files["theirs"].save(api_url, account, mine)
        return (Path(tmp) / "theirs").read_bytes()
