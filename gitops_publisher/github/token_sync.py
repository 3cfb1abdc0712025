"""Keep the encrypted token write-back on the state branch between CI runs.

TikTok rotates refresh tokens (the old one dies at once), so after a run the account's
``refresh_token_env`` secret is stale and only the write-back ``.publisher/tokens.enc``
(Fernet, key ``PUBLISHER_TOKEN_KEY``) holds the live token. A CI checkout is thrown away, so:

* before apply, the Action restores that file from the state branch (:func:`synced_writeback`);
* during apply, every save of a rotated set is pushed to the branch before the set is used
  (:class:`BranchMirror`, wired by :func:`state_branch_mirror`): the same write-ahead rule as
  for publish_ids, so a job killed right after a rotation leaves the live token on the remote;
* after apply, whatever happened, the file is pushed again if it still differs (a safety net:
  normally the mirror already pushed these exact bytes and nothing is committed).

Parallel shards rotate different accounts: a push race merges per account (ours for the
accounts this run rotated, theirs for the rest).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from gitops_publisher.core.models import StateConfig

WRITEBACK_FILE = ".publisher/tokens.enc"
COMMIT_MESSAGE = "publisher: rotated TikTok tokens (encrypted)\n"


Merge = Callable[[bytes | None], bytes]
"""``merge(current_on_branch) -> content to commit``."""


class BlobStore(Protocol):
    """What this module needs from the git-branch state store."""

    def read(self) -> object: ...  # noqa: D102 - fetches the branch tip

    def branch_path(self, project_dir: Path, relative: str) -> str: ...  # noqa: D102

    def peek_bytes(self, path: str) -> bytes | None: ...  # noqa: D102

    def put_bytes(self, path: str, data: bytes, *, message: str, merge: Merge) -> None: ...  # noqa: D102


class BranchMirror:
    """Pushes each new content of ``tokens.enc`` to the state branch, synchronously.

    Plugged into :class:`~gitops_publisher.providers.tiktok.token_store.EncryptedTokenFile`
    as its ``mirror``: the file knows where it is mirrored, so every path that saves a rotated
    set through it (apply, the creator checks of ``plan``) gets the write-ahead rule with no
    global hook and no change to the refresh flow. A push race (another shard rotated another
    account) re-fetches and sets only this save's entry on the new tip (the file's own merge).

    Args:
        store: the git-branch store, whose branch and remote this pushes to.
        project: the project directory; the file sits in the branch as the state file does.
    """

    def __init__(self, store: BlobStore, project: Path) -> None:
        self._store = store
        self._path = store.branch_path(project, WRITEBACK_FILE)
        self._fetched = False

    def __call__(self, merge: Merge) -> None:
        """Commit ``merge(content on the tip)`` and push it; return once it is on the remote.

        Raises:
            StateError: the push failed (permissions, network) or kept losing races; the
                rotated set is still in the local file and pushed again at the end of the run.
        """
        from gitops_publisher.errors import StateError

        try:
            if not self._fetched:
                self._store.read()  # the current tip, so the first push lands on it
                self._fetched = True
            self._store.put_bytes(self._path, merge(None), message=COMMIT_MESSAGE, merge=merge)
        except StateError as exc:
            raise StateError(
                f"TikTok rotated a refresh token and it could not be saved to the state "
                f"branch: {exc}",
                hint=exc.hint or "the job needs `permissions: contents: write`",
            ) from exc


def state_branch_mirror(project: Path, state: StateConfig) -> BranchMirror | None:
    """The mirror on the branch the apply records its state to; None for other backends.

    The apply runs in the ``publisher`` CLI (the Action invokes it in-process, other CI calls
    it directly), so the mirror is built there from what selects the state store, the same
    way: ``publisher.yaml`` and ``PUBLISHER_STATE_BRANCH`` (the Action's ``state-branch``).
    That keeps the CLI free of Action-only hooks, and a separate store object (its own git
    process) is safe beside the state writes, which run in a worker thread.

    Raises:
        StateError: the git-branch backend is selected and ``project`` is not in a git
            repository.
    """
    from gitops_publisher.workspace.state_stores import open_state_store

    store = git_branch_store(open_state_store(project, state, sandbox=False))
    return None if store is None else BranchMirror(store, project)


def git_branch_store(store: object) -> BlobStore | None:
    """The git-branch store behind a state store (shards wrap it), or None."""
    from gitops_publisher.workspace.git_state import GitBranchStateStore

    own = getattr(store, "own", store)
    return own if isinstance(own, GitBranchStateStore) else None


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
                if current is None or current == restored or current == now:
                    return now  # == now: the mirror pushed it already; no new commit
                return merge_tokens(current, restored, now, key, names, api_url)

            store.read()  # the tip the mirror pushed to: usually already holds ``now``
            store.put_bytes(in_branch, now, message=COMMIT_MESSAGE, merge=merge)


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
            if mine is None or mine == files["base"].load(api_url, account):
                continue  # not rotated by this run
            if mine != files["theirs"].load(api_url, account):
                files["theirs"].save(api_url, account, mine)
        return (Path(tmp) / "theirs").read_bytes()
