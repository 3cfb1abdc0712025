"""The ``git-branch`` state backend: the state file committed to a dedicated branch.

The state lives on its own branch (``publisher-state`` by default, created as an orphan branch
on the first write), so state commits neither trigger content workflows nor conflict with
content pull requests. The work tree, the index and ``HEAD`` are never touched: blobs, trees
and commits are made with plumbing on a private index file.

* ``read`` fetches the branch and reads the state blob at its tip (no branch: the state file at
  the same path in the work tree, which a project kept before it moved to the branch, else
  an empty state).
* ``write`` commits the changed records on top of the tip and pushes at once, so a record is
  on the remote before the engine goes on (the write-ahead rule holds across a killed CI job).
* A rejected push (another run pushed first) re-fetches and replays this run's changes on
  the new tip: records are per address, so two runs' changes are disjoint and merge cleanly.
  An address that the other run recorded differently is a real conflict:
  :class:`~gitops_publisher.errors.StateConflictError`, and this run stops.
* The lock is a local lock file (one apply per clone) plus push-or-fail: a write can only
  land on the tip it was made from.

gitpython is imported here and in ``content_ids.py`` (which reads the index) only; the
``one-module-per-library`` contract in ``pyproject.toml`` keeps it so.
"""

from __future__ import annotations

import io
import os
import random
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import git
from gitdb import IStream  # type: ignore[import-untyped]

from gitops_publisher.core.state import Record, State
from gitops_publisher.errors import StateError
from gitops_publisher.workspace.confined import escape_problem
from gitops_publisher.workspace.locking import Clock, Held, Notify, store_lock
from gitops_publisher.workspace.state_file import load_state
from gitops_publisher.workspace.state_merge import (
    StateEncoder,
    commit_message,
    diff_records,
    envelope_changes,
    replay,
)

_PUSH_ATTEMPTS = 20  # each rejection means another run's write landed: progress is bounded
_BACKOFF_CAP = 0.5
_REJECTED = re.compile(r"\[rejected\]|fetch first|non-fast-forward|stale info|\[remote rejected\]")
_MISSING_REF = re.compile(r"couldn't find remote ref|no such ref|not our ref", re.IGNORECASE)
_DEFAULT_IDENTITY = ("gitops-publisher", "gitops-publisher@users.noreply.github.com")
_REF_LOCKED = re.compile(r"cannot lock ref|Unable to create '[^']*\.lock'")
_REF_LOCK_ATTEMPTS = 8

_REMOTE_REFS = threading.Lock()
"""Serializes the fetches and pushes of every store in this process. Two stores of one clone
(the apply's state store on its writer thread, the token mirror's on the event loop) both
update the remote-tracking ref, and git refuses to move a ref that another git process holds
locked ("cannot lock ref"). Other processes in the same clone (a ``plan`` next to an
``apply``) cannot take this lock: a locked ref is retried briefly instead."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _ignore(_message: str) -> None:
    return None


def head_commit(directory: Path) -> str | None:
    """The commit checked out in the repository around ``directory``; None outside one.

    What a local ``apply`` records as its provenance's commit (in CI, ``GITHUB_SHA``).
    """
    try:
        return git.Repo(directory, search_parent_directories=True).head.commit.hexsha
    except (git.exc.GitError, OSError, ValueError):  # no repository, or no commit yet
        return None


class GitBranchStateStore:
    """A :class:`~gitops_publisher.core.state.StateStore` on a branch of a git remote.

    Attributes:
        branch: the state branch (``publisher-state``).
        path: the state file inside the branch (POSIX, relative to the repository root).
        remote: the remote the branch is fetched from and pushed to.
    """

    def __init__(
        self,
        repo_dir: Path,
        path: str,
        *,
        branch: str = "publisher-state",
        remote: str = "origin",
        clock: Clock = _utc_now,
        notify: Notify = _ignore,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Open the repository containing ``repo_dir`` (nothing is fetched yet).

        ``sleep`` waits a jittered moment after a rejected push, so that racing runs spread
        out instead of colliding again.

        Raises:
            StateError: ``repo_dir`` is not inside a git repository.
        """
        try:
            self._repo = git.Repo(repo_dir, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
            raise StateError(
                f"the git-branch state backend needs a git repository, and {repo_dir} is not "
                "inside one",
                hint="run in a clone of the content repository, or use `state: {backend: file}`",
            ) from exc
        self.branch = branch
        self.path = PurePosixPath(path).as_posix()
        self.remote = remote
        self._clock = clock
        self._notify = notify
        self._sleep = sleep
        self._ref = f"refs/remotes/{remote}/{branch}"
        self._tip: str | None = None  # the remote tip this store last saw
        self._remote_state: State | None = None  # the state at that tip (None: no file)
        self._given: State | None = None  # the state last handed to or received from callers
        self._encoder = StateEncoder()
        self._held = Held()

    @classmethod
    def for_project(
        cls, project_dir: Path, state_path: str, *, branch: str, remote: str = "origin"
    ) -> GitBranchStateStore:
        """A store whose file sits at ``state_path`` relative to ``project_dir`` in the branch.

        A project in a subdirectory keeps its state under that subdirectory, so several
        working directories of one repository share the branch without sharing a file.

        Raises:
            StateError: ``project_dir`` is not inside a git repository.
        """
        store = cls(project_dir, state_path, branch=branch, remote=remote)
        store.path = store.branch_path(project_dir, state_path)
        return store

    def sibling(self, path: str) -> GitBranchStateStore:
        """Another file on the same branch and remote (shard files)."""
        other = GitBranchStateStore.__new__(GitBranchStateStore)
        other.__dict__.update(self.__dict__)
        other.path = path
        other._tip, other._remote_state, other._given = None, None, None
        other._encoder = StateEncoder()
        other._held = Held()  # its own lock (``publisher state migrate`` takes it)
        return other

    def describe(self) -> str:
        """``publisher-state:.publisher/state.json on origin``."""
        return f"{self.branch}:{self.path} on {self.remote}"

    def read(self) -> State:
        """Fetch the branch and return the state at its tip (empty if there is none yet).

        Raises:
            StateError: the remote cannot be fetched, or the file is corrupt or newer.
        """
        self._fetch()
        if self._remote_state is None and (seeded := self._work_tree_state()) is not None:
            # None of it is on the branch yet: the first write pushes every record.
            self._given = State(lineage=seeded.lineage)
            return seeded
        if self._remote_state is not None:
            state = self._remote_state
        else:
            state = self._given_if_fresh() or State()
        self._given = state
        return state

    def list_paths(self) -> list[str]:
        """State files on the branch tip (as of the last fetch) under this file's directory."""
        if self._tip is None:
            return []
        directory = PurePosixPath(self.path).parent
        tree = self._repo.commit(self._tip).tree
        if directory.as_posix() not in ("", "."):
            try:
                tree = tree / directory.as_posix()
            except KeyError:
                return []
        return sorted(
            (directory / blob.name).as_posix() for blob in tree.blobs if blob.name.endswith(".json")
        )

    def write(self, state: State) -> None:
        """Commit the records that changed since the last read or write, and push at once.

        Nothing is committed when no record (nor the envelope's binding) changed. A rejected
        push is retried on the new tip with this run's changes replayed.

        Raises:
            StateConflictError: another run recorded one of these addresses differently.
            StateError: the push failed for another reason (permissions, network).
        """
        given = self._given if self._given is not None else State(lineage=state.lineage)
        changes = diff_records(given, state)
        envelope = envelope_changes(given, state)
        if not changes and not envelope:
            self._given = state
            return
        for attempt in range(_PUSH_ATTEMPTS):
            theirs = self._remote_state or State(lineage=state.lineage)
            merged = replay(changes, given, theirs, envelope)
            if self._remote_state is not None and merged is theirs:
                break
            commit = self._commit(merged, changes, envelope)
            if self._push(commit):
                self._tip, self._remote_state = commit, merged
                break
            self._sleep(random.uniform(0, min(_BACKOFF_CAP, 0.02 * 2**attempt)))
            self._fetch()
        else:
            raise StateError(
                f"could not push the state to {self.describe()}: other runs kept pushing first",
                hint="serialise applies with a workflow `concurrency` group",
            )
        self._given = state

    def branch_path(self, project_dir: Path, relative: str) -> str:
        """Where ``relative`` (to ``project_dir``) lives in the branch, like the state file."""
        root = Path(self._repo.working_tree_dir or project_dir).resolve()
        try:
            prefix = project_dir.resolve().relative_to(root).as_posix()
        except ValueError:
            prefix = "."
        return PurePosixPath(prefix, relative).as_posix()

    def peek_bytes(self, path: str) -> bytes | None:
        """Any file's bytes on the tip last fetched (None when absent)."""
        if self._tip is None:
            return None
        try:
            blob = self._repo.commit(self._tip).tree / path
        except KeyError:
            return None
        data: bytes = blob.data_stream.read()
        return data

    def put_bytes(
        self, path: str, data: bytes, *, message: str, merge: Callable[[bytes | None], bytes]
    ) -> None:
        """Commit another file to the branch (the encrypted token write-back) and push it.

        ``merge(current)`` returns the content to commit given the file's bytes on the tip it
        is committed onto; it is called again after a rejected push.

        Raises:
            StateError: the push failed for another reason than a race, or kept losing races.
        """
        for attempt in range(_PUSH_ATTEMPTS):
            content = merge(self.peek_bytes(path)) if self._tip is not None else data
            commit = self._commit_blob(path, content, message)
            if commit is None or self._push(commit):
                if commit is not None:
                    self._tip = commit
                return
            self._sleep(random.uniform(0, min(_BACKOFF_CAP, 0.02 * 2**attempt)))
            self._fetch()
        raise StateError(
            f"could not push {path} to {self.branch}: other runs kept pushing first",
            hint="serialise applies with a workflow `concurrency` group",
        )

    def lock(self, *, purpose: str) -> AbstractContextManager[None]:
        """Hold a local lock (one run per clone); across machines, writes are push-or-fail.

        Raises:
            StateLockedError: another run in this clone holds it.
        """
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{self.branch}-{self.path}")
        lock_path = Path(self._repo.git_dir) / "gitops-publisher" / f"{safe}.lock"

        return store_lock(
            lock_path,
            purpose=purpose,
            what=f"the state {self.describe()}",
            clock=self._clock,
            notify=self._notify,
            held=self._held,
        )

    def held_lock(self) -> str | None:
        """The id of this clone's lock while held (``workspace/locking.py``).

        The lock is one clone's (its git directory; a worktree has its own), so it proves
        something only of the records this clone's runs started: such a run has ended. Runs
        of other clones and machines write the same branch under other locks, at any time,
        and their records carry their own ids.
        """
        return self._held.id

    # --- git plumbing ----------------------------------------------------------------------

    def _work_tree_state(self) -> State | None:
        """The state file at this path in the work tree, for a branch without one yet.

        A project that kept its state in a file (``backend: file``, what ``publisher init``
        writes) and is then applied with the branch (the Action's ``state-branch`` input, or
        ``backend: git-branch``) has its records there, the only ones: an empty state would
        publish every one of its posts again. A file that leads out of the repository
        through a symlink is not read.

        Raises:
            StateError: the file is corrupt or of a newer version.
        """
        root = Path(self._repo.working_tree_dir or ".")
        path = root / self.path
        if escape_problem(root, self.path) is not None or not path.is_file():
            return None
        state = load_state(path.read_bytes(), source=self.path)
        if not state.resources:
            return None
        self._notify(
            f"{self.describe()} does not exist yet: starting from the work tree's "
            f"{self.path} ({len(state.resources)} record(s)), which the first write pushes "
            "to the branch"
        )
        return state

    def _given_if_fresh(self) -> State | None:
        # No file yet: keep one empty state (one lineage) for this store's lifetime.
        return self._given if self._given is not None and not self._given.resources else None

    def _git_on_remote_ref(self, command: str, *args: str) -> None:
        """Run ``git COMMAND ARGS``, which moves the remote-tracking ref, one at a time.

        Raises:
            git.GitCommandError: git failed, other than on a ref another process held.
        """
        for attempt in range(_REF_LOCK_ATTEMPTS):
            try:
                with _REMOTE_REFS:
                    getattr(self._repo.git, command)(*args)
                return
            except git.GitCommandError as exc:
                if attempt + 1 == _REF_LOCK_ATTEMPTS or not _REF_LOCKED.search(str(exc.stderr)):
                    raise
            self._sleep(random.uniform(0, min(_BACKOFF_CAP, 0.02 * 2**attempt)))

    def _fetch(self) -> None:
        args = ["--no-tags", "--quiet"]
        if self._repo.git.rev_parse("--is-shallow-repository").strip() == "true":
            args.append("--depth=1")  # a CI checkout: the tip is all a merge needs
        try:
            self._git_on_remote_ref(
                "fetch", *args, self.remote, f"+refs/heads/{self.branch}:{self._ref}"
            )
        except git.GitCommandError as exc:
            if not _MISSING_REF.search(str(exc.stderr)):
                raise StateError(
                    f"could not fetch the state branch {self.describe()}: "
                    f"{_first_line(exc.stderr)}",
                    hint="check the remote and the job's permissions (contents: read)",
                ) from exc
            self._tip, self._remote_state = None, None
            return
        self._tip = self._repo.git.rev_parse(self._ref).strip()
        self._remote_state = self._load_tip()

    def _load_tip(self) -> State | None:
        return self.peek(self.path)

    def peek(self, path: str) -> State | None:
        """The state file ``path`` on the tip last fetched, without fetching (shard files).

        Raises:
            StateError: the file is corrupt or from a newer version.
        """
        data = self.peek_bytes(path)
        if data is None:
            return None
        return load_state(
            data,
            source=f"{self.branch}:{path} on {self.remote}",
            recovery_hint=f"restore it from the branch history: git log {self._ref} -- {path}",
        )

    def _commit(
        self, state: State, changes: Mapping[str, Record | None], envelope: Iterable[str] = ()
    ) -> str:
        message = commit_message(changes, _run_url(changes), envelope)
        commit = self._commit_blob(self.path, self._encoder.dump(state), message, force=True)
        assert commit is not None
        return commit

    def _commit_blob(
        self, path: str, data: bytes, message: str, *, force: bool = False
    ) -> str | None:
        """A commit on the tip with ``path`` set to ``data``; None if that changes nothing."""
        with tempfile.TemporaryDirectory(prefix="publisher-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            git_ = self._repo.git
            stored = self._repo.odb.store(IStream("blob", len(data), io.BytesIO(data)))
            blob = stored.hexsha.decode("ascii")
            if self._tip is None:
                git_.read_tree("--empty", env=env)
            else:
                git_.read_tree(self._tip, env=env)
            git_.update_index("--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
            tree = git_.write_tree(env=env).strip()
            if not force and self._tip is not None:
                if tree == git_.rev_parse(f"{self._tip}^{{tree}}").strip():
                    return None
            parents = ["-p", self._tip] if self._tip else []
            message_file = Path(tmp) / "message"
            message_file.write_text(message, encoding="utf-8")  # argv is too short for 10k lines
            return str(
                git_.commit_tree(
                    tree, *parents, "-F", str(message_file), env=self._identity()
                ).strip()
            )

    def _push(self, commit: str) -> bool:
        try:
            # git push also moves the remote-tracking ref of the pushed branch.
            self._git_on_remote_ref(
                "push", "--porcelain", "--quiet", self.remote, f"{commit}:refs/heads/{self.branch}"
            )
        except git.GitCommandError as exc:
            if _REJECTED.search(f"{exc.stdout}\n{exc.stderr}"):
                return False
            raise StateError(
                f"could not push the state to {self.describe()}: {_first_line(exc.stderr)}",
                hint="the job needs `permissions: contents: write` and a checkout that keeps "
                "its credentials; nothing after this record was published",
            ) from exc
        try:
            self._git_on_remote_ref("update_ref", self._ref, commit)
        except git.GitCommandError as exc:  # pushed, so only this clone's view is behind
            raise StateError(
                f"pushed to {self.describe()} but could not update {self._ref}: "
                f"{_first_line(exc.stderr)}",
                hint="run the command again; what was pushed is on the remote",
            ) from exc
        return True

    def _identity(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for role in ("AUTHOR", "COMMITTER"):
            name, email = os.environ.get(f"GIT_{role}_NAME"), os.environ.get(f"GIT_{role}_EMAIL")
            if not name or not email:
                env[f"GIT_{role}_NAME"], env[f"GIT_{role}_EMAIL"] = self._configured_identity()
        return env

    def _configured_identity(self) -> tuple[str, str]:
        reader = self._repo.config_reader()
        name = reader.get_value("user", "name", "")
        email = reader.get_value("user", "email", "")
        if name and email:
            return str(name), str(email)
        return _DEFAULT_IDENTITY


def _run_url(changes: Mapping[str, Record | None]) -> str | None:
    for rec in changes.values():
        if rec is not None and rec.provenance.run_url:
            return rec.provenance.run_url
    return None


def _first_line(text: object) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    lines = [line.removeprefix("stderr: ").strip("'") for line in lines]
    return lines[0] if lines else "git failed"
