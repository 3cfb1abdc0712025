"""Keep the encrypted token write-back on the state branch between CI runs.

A platform that rotates refresh tokens (``Platform.rotates_refresh_tokens``: TikTok; the old
one dies at once) leaves the account's ``refresh_token_env`` secret stale after a run, and
only the write-back ``.publisher/tokens.enc`` (Fernet, key ``PUBLISHER_TOKEN_KEY``) holds the
live token. Its entries are the accounts of such platforms, each under its platform's API URL
(:func:`rotating`); a new rotating platform needs no edit here. A CI checkout is thrown away, so:

* before any refresh, every credentialed entry point (``apply``, the creator checks of
  ``plan``, ``auth status|refresh``; in the bare CLI or through the Action) restores that file
  from the state branch (:func:`restore_writeback`, through :func:`ci_writeback` in the CLI
  and :func:`synced_writeback` in the Action);
* every save of a rotated set is pushed to the branch before the set is used
  (:class:`BranchMirror`, wired by :func:`ci_writeback`): the same write-ahead rule as
  for publish_ids, so a job killed right after a rotation leaves the live token on the remote;
* after an Action run, whatever happened, the file is pushed again if it still differs (a
  safety net: normally the mirror already pushed these exact bytes and nothing is committed).

Parallel shards rotate different accounts: a push race merges per account (ours for the
accounts this run rotated, theirs for the rest).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gitops_publisher.providers.token_store import WRITEBACK_FILE as WRITEBACK_FILE

if TYPE_CHECKING:
    from gitops_publisher.core.models import AccountConfig, StateConfig
    from gitops_publisher.core.ports import Platform
    from gitops_publisher.providers.token_store import EncryptedTokenFile

Entries = Iterable[str | tuple[str, str]]
"""The write-back entries to keep: ``(API URL, account)`` pairs (:func:`rotating`), or
account names stored under the ``api_url`` given beside them."""


def rotating(
    accounts: Mapping[str, AccountConfig],
    env: Mapping[str, str] | None = None,
    platforms: Mapping[str, Platform] | None = None,
) -> list[tuple[str, str]]:
    """``(API URL, account)`` of each account whose platform rotates refresh tokens.

    The write-back's entries: an account's tokens are kept under its platform's API URL in
    ``env`` (``Platform.api_base_url``). ``platforms``: the registry by default.
    """
    from gitops_publisher.providers.registry import DEFAULT_PROVIDER, PLATFORMS

    platforms = PLATFORMS if platforms is None else platforms
    found = []
    for name, account in sorted(accounts.items()):
        platform = platforms.get(getattr(account, "provider", DEFAULT_PROVIDER))
        if platform is not None and platform.rotates_refresh_tokens:
            found.append((platform.api_base_url(env), name))
    return found


def _rotators() -> str:
    """``TikTok``: the platforms of the registry that rotate refresh tokens, for messages."""
    from gitops_publisher.providers.registry import PLATFORMS, titles

    return titles(n for n, p in PLATFORMS.items() if p.rotates_refresh_tokens)


def commit_message() -> str:
    """``publisher: rotated TikTok tokens (encrypted)``: the write-back's commits."""
    return f"publisher: rotated {_rotators()} tokens (encrypted)\n"


def _entries(accounts: Entries, api_url: str) -> list[tuple[str, str]]:
    """``accounts`` as ``(API URL, account)`` pairs (a bare name is under ``api_url``)."""
    return sorted(
        (api_url, entry) if isinstance(entry, str) else (entry[0], entry[1]) for entry in accounts
    )


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

    Plugged into :class:`~gitops_publisher.providers.token_store.EncryptedTokenFile`
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
            message = commit_message()
            self._store.put_bytes(self._path, merge(None), message=message, merge=merge)
        except StateError as exc:
            raise StateError(
                f"{_rotators()} rotated a refresh token and it could not be saved to the state "
                f"branch: {exc}",
                hint=exc.hint or "the job needs `permissions: contents: write`",
            ) from exc


def ci_writeback(
    project: Path,
    state: StateConfig,
    accounts: Entries,
    api_url: str = "",
    env: Mapping[str, str] | None = None,
) -> EncryptedTokenFile | None:
    """The project's encrypted write-back, restored from the state branch and mirrored there.

    What every credentialed command of the ``publisher`` CLI opens (``apply``, the creator
    checks of ``plan``, ``auth status|refresh``), so that the bare CLI in a fresh CI checkout
    starts from the live token on the branch, exactly as under the Action (which runs the
    same commands in-process). ``accounts``: the entries to keep (:data:`Entries`; the
    project's :func:`rotating` accounts). None without ``PUBLISHER_TOKEN_KEY``; on another
    backend than git-branch, the plain local file. The branch is selected as the state store is:
    ``publisher.yaml`` and ``PUBLISHER_STATE_BRANCH`` (the Action's ``state-branch``), so a
    separate store object (its own git process) is safe beside the state writes.

    Raises:
        AuthError: the key is not a Fernet key, or does not decrypt the files.
        StateError: the git-branch backend is selected outside a git repository, or the
            branch cannot be fetched.
    """
    from gitops_publisher.providers.token_store import KEY_ENV, writeback_from_env
    from gitops_publisher.workspace.state_stores import open_state_store

    env = os.environ if env is None else env
    writeback = writeback_from_env(project / WRITEBACK_FILE, env)
    if writeback is None:
        return None
    store = git_branch_store(open_state_store(project, state, sandbox=False))
    if store is not None:
        store.read()  # fetch the tip
        restore_writeback(store, project, env[KEY_ENV], accounts, api_url)
        writeback.mirror = BranchMirror(store, project)
    return writeback


def git_branch_store(store: object) -> BlobStore | None:
    """The git-branch store behind a state store (shards wrap it), or None."""
    from gitops_publisher.workspace.git_state import GitBranchStateStore

    own = getattr(store, "own", store)
    return own if isinstance(own, GitBranchStateStore) else None


_restored: dict[Path, bytes | None] = {}
"""Per local file, the branch copy its last :func:`restore_writeback` in this process took."""


def restore_writeback(
    store: BlobStore, project: Path, key: str, accounts: Entries, api_url: str = ""
) -> bytes | None:
    """Replace the local ``tokens.enc`` by the state branch's copy (on the tip last fetched).

    Why the branch copy wins: on a git-branch state, every rotated set our code saves is
    pushed to the branch by :class:`BranchMirror` before the save returns, hence before the
    set is used. So per account the branch holds the newest token our runs obtained, never
    one older than a local file our code wrote; a CI checkout has no local file at all, and
    the account's secret died at the first rotation. Starting from anything else refreshes
    with a retired token: ``invalid_grant``, and a login by hand.

    Two cases keep local content, since dropping it could lose the only live token:

    * the branch has no file (first run, or a project moving to the git-branch backend):
      the local file stays as it is;
    * a local entry the branch lacks, or a later rotation of the same chain than the
      branch's (its access token expires later): a save whose push failed (that run stopped
      with "could not be saved to the state branch"). The entry is kept in the local file;
      it reaches the branch with its next rotation, or the Action's end-of-run push.

    Returns:
        The branch copy (the base :func:`synced_writeback` merges this run's rotations
        against), or None when the branch has none.

    Raises:
        AuthError: ``key`` does not decrypt a copy (only when both exist and differ).
    """
    from gitops_publisher.providers.token_store import write_private

    local = project / WRITEBACK_FILE
    branch = store.peek_bytes(store.branch_path(project, WRITEBACK_FILE))
    held = local.read_bytes() if local.exists() else None
    if branch is not None:
        content = branch
        if held is not None and held != branch:
            content = _keep_later_local(branch, held, key, _entries(accounts, api_url))
        if content != held:
            write_private(local, content)
    _restored[local.absolute()] = branch
    return branch


def _keep_later_local(
    branch: bytes, local: bytes, key: str, entries: list[tuple[str, str]]
) -> bytes:
    """``branch`` with the local entries it lacks or holds an earlier rotation of."""
    with _decrypted(key, branch=branch, local=local) as files:
        for api_url, account in entries:
            mine = files["local"].load(api_url, account)
            there = files["branch"].load(api_url, account)
            later = (
                there is not None
                and mine is not None
                and mine.origin == there.origin
                and mine.tokens.access_expires_at > there.tokens.access_expires_at
            )
            if mine is not None and (there is None or later):
                files["branch"].save(api_url, account, mine)
        return files["branch"].path.read_bytes()


@contextmanager
def synced_writeback(
    store: BlobStore | None, project: Path, key: str, accounts: Entries, api_url: str = ""
) -> Iterator[None]:
    """Restore ``tokens.enc`` from the branch; after the block, commit it back if it changed.

    The restore is :func:`restore_writeback`, as in the bare CLI. The CLI run inside the
    block (in-process) restores again; the merge afterwards is against what the last restore
    left, so the entries another shard pushed in between are not taken for this run's.
    Does nothing without a git-branch store or without ``PUBLISHER_TOKEN_KEY``.

    Raises:
        StateError: the file could not be pushed back (after the block ran).
        AuthError: the key does not decrypt the file (only when a merge is needed).
    """
    if store is None or not key:
        yield
        return
    entries = _entries(accounts, api_url)
    in_branch = store.branch_path(project, WRITEBACK_FILE)
    local = project / WRITEBACK_FILE
    restore_writeback(store, project, key, entries)
    try:
        yield
    finally:
        restored = _restored.get(local.absolute())
        now = local.read_bytes() if local.exists() else None
        if now is not None and now != restored:

            def merge(current: bytes | None) -> bytes:
                if current is None or current == restored or current == now:
                    return now  # == now: the mirror pushed it already; no new commit
                return merge_tokens(current, restored, now, key, entries)

            store.read()  # the tip the mirror pushed to: usually already holds ``now``
            store.put_bytes(in_branch, now, message=commit_message(), merge=merge)


@contextmanager
def _decrypted(key: str, **blobs: bytes | None) -> Iterator[dict[str, EncryptedTokenFile]]:
    """Each blob as an :class:`EncryptedTokenFile` in a private temporary directory."""
    from gitops_publisher.providers.token_store import EncryptedTokenFile, write_private

    with tempfile.TemporaryDirectory(prefix="publisher-tokens-") as tmp:
        files = {}
        for name, data in blobs.items():
            path = Path(tmp) / name
            if data is not None:
                write_private(path, data)
            files[name] = EncryptedTokenFile(path, key)
        yield files


def merge_tokens(
    theirs: bytes,
    base: bytes | None,
    ours: bytes,
    key: str,
    accounts: Entries,
    api_url: str = "",
) -> bytes:
    """``theirs`` with the entries of the accounts ``ours`` changed since ``base``.

    Raises:
        AuthError: ``key`` does not decrypt one of the files.
    """
    with _decrypted(key, theirs=theirs, base=base, ours=ours) as files:
        for url, account in _entries(accounts, api_url):
            mine = files["ours"].load(url, account)
            if mine is None or mine == files["base"].load(url, account):
                continue  # not rotated by this run
            if mine != files["theirs"].load(url, account):
                files["theirs"].save(url, account, mine)
        return files["theirs"].path.read_bytes()
