"""Content ids of videos: what the fingerprint uses to notice a changed video.

One of the two modules that import gitpython (the other is ``git_state.py``; import-linter's
``one-module-per-library`` contract keeps it so): here, only to read the index. The id of a
file is its git blob id (``git:<sha1>``): taken from the git index when the file is tracked and
unmodified by git's own test (size and time to the nanosecond, and not changed since the
index was written; no hashing at all), otherwise computed by streaming the file as git would,
so committing a file never changes its id and therefore never turns a post into drift. A file
tracked through Git LFS is identified by the sha256 in its pointer (``lfs:<sha256>``). Streamed
hashes are cached by (path, size, mtime) under ``.publisher/cache/``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LFS_PREFIX = b"version https://git-lfs.github.com/spec/v1"
_READ = 1 << 20


@dataclass(frozen=True)
class _IndexEntry:
    sha: str
    size: int
    mtime_ns: int


def git_blob_id(path: Path) -> str:
    """Stream ``path`` and return its git blob sha1 (``git hash-object``)."""
    size = path.stat().st_size
    digest = hashlib.sha1(f"blob {size}\0".encode(), usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(_READ):
            digest.update(chunk)
    return digest.hexdigest()


def parse_lfs_pointer(data: bytes) -> str | None:
    """Return the sha256 oid of a Git LFS pointer file's content, or None."""
    if not data.startswith(LFS_PREFIX):
        return None
    for line in data.decode("ascii", "replace").splitlines():
        if line.startswith("oid sha256:"):
            return line.split(":", 1)[1].strip()
    return None


class ContentIds:
    """Content ids for files under ``root`` (the project directory).

    Args:
        root: the project directory; paths passed in are relative to it.
        cache_file: where streamed hashes are cached (None: no cache).
    """

    def __init__(self, root: Path, cache_file: Path | None = None) -> None:
        self.root = root.resolve()
        self.cache_file = cache_file
        self._index: dict[str, _IndexEntry] | None = None
        self._index_mtime_ns = 0  # when the index was written (git's racy-clean check)
        self._repo: Any = None
        self._git_prefix = ""
        self._cache: dict[str, Any] = {}
        self._tracked: dict[str, str] = {}  # blob sha -> content id
        self._dirty = False
        if cache_file is not None and cache_file.is_file():
            with contextlib.suppress(OSError, ValueError):
                self._cache = json.loads(cache_file.read_text(encoding="utf-8"))

    def _load_index(self) -> dict[str, _IndexEntry]:
        if self._index is not None:
            return self._index
        self._index = {}
        self._index_mtime_ns = 0
        top = _find_git_top(self.root)
        if top is None:
            return self._index
        try:
            import git  # gitpython, imported only when a repository is there
        except ImportError:  # pragma: no cover - a declared dependency
            return self._index
        try:
            self._repo = git.Repo(top)
            entries = self._repo.index.entries
            self._index_mtime_ns = Path(self._repo.index.path).stat().st_mtime_ns
        except (git.exc.GitError, OSError, ValueError):
            return self._index
        prefix = self.root.relative_to(top).as_posix()
        self._git_prefix = "" if prefix == "." else prefix + "/"
        for (path, stage), entry in entries.items():
            if stage == 0 and path.startswith(self._git_prefix):
                seconds, nanoseconds = entry.mtime
                self._index[path[len(self._git_prefix) :]] = _IndexEntry(
                    entry.hexsha, entry.size, seconds * 1_000_000_000 + nanoseconds
                )
        return self._index

    def content_id(self, relative: str) -> str:
        """Return the content id of the file at ``relative`` (posix, inside root).

        Raises:
            OSError: the file cannot be read.
        """
        path = self.root / relative
        stat = path.stat()
        entry = self._load_index().get(relative)
        if entry is not None and self._unchanged(entry, stat):
            if stat.st_size < 1024 and _is_lfs_pointer(path):
                # Tracked but never smudged (LFS objects not pulled): the pointer is in the
                # working tree in place of the video.
                return f"lfs-pointer:{parse_lfs_pointer(path.read_bytes())}"
            return self._tracked_id(entry)
        key = f"{relative}|{stat.st_size}|{stat.st_mtime_ns}"
        cached = self._cache.get(key)
        if isinstance(cached, str):
            return cached
        if _is_lfs_pointer(path):
            oid = parse_lfs_pointer(path.read_bytes()[:1024])
            value = f"lfs-pointer:{oid}"
        else:
            value = "git:" + git_blob_id(path)
        self._cache[key] = value
        self._dirty = True
        return value

    def _unchanged(self, entry: _IndexEntry, stat: os.stat_result) -> bool:
        """Whether the index's blob id is the file's, without reading the file (git's rule).

        Size and modification time to the nanosecond as the index recorded them (a file
        rewritten at the same size within the second kept its id when only seconds were
        compared). And, as git does for "racily clean" entries, never for a file modified
        no earlier than the index was written: rewritten in the same clock tick as
        ``git add`` read it, its time matches the index's although its bytes do not. Such a
        file is hashed (and cached) instead.
        """
        mtime_ns = stat.st_mtime_ns
        if entry.mtime_ns % 1_000_000_000 == 0:  # a git that records whole seconds only
            mtime_ns -= mtime_ns % 1_000_000_000
        return (
            entry.size == stat.st_size
            and entry.mtime_ns == mtime_ns
            and stat.st_mtime_ns < self._index_mtime_ns
        )

    def _tracked_id(self, entry: _IndexEntry) -> str:
        known = self._tracked.get(entry.sha)
        if known is None:
            known = self._tracked[entry.sha] = self._read_tracked_id(entry)
        return known

    def _read_tracked_id(self, entry: _IndexEntry) -> str:
        # With Git LFS the index holds the pointer's blob while the working tree holds the
        # video, so the stored object is small; read it and use the pointer's sha256. This
        # asks git (one object header) once per distinct blob, not once per post.
        if self._repo is not None and entry.size > 1024:
            try:
                info = self._repo.odb.info(bytes.fromhex(entry.sha))
                if info.size < 1024:
                    data = self._repo.odb.stream(bytes.fromhex(entry.sha)).read()
                    oid = parse_lfs_pointer(data)
                    if oid is not None:
                        return f"lfs:{oid}"
            except Exception:  # noqa: BLE001 - gitpython's BadObject & co: use the blob id
                pass
        return f"git:{entry.sha}"

    def save(self) -> None:
        """Persist the streamed-hash cache (atomically; best effort)."""
        if not self._dirty or self.cache_file is None:
            return
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._cache, sort_keys=True), encoding="utf-8")
        tmp.replace(self.cache_file)
        self._dirty = False


def _is_lfs_pointer(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(LFS_PREFIX)) == LFS_PREFIX


def _find_git_top(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None
