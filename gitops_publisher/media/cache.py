"""Probe results cached by content id, so ``plan`` on thousands of posts re-probes nothing.

A content id (git blob id, LFS sha256, or a streamed sha256) names the bytes, so a result stored
under it stays true forever: one small JSON file per id under a directory the caller chooses
(``<project>/.publisher/cache/media/``). Writes are atomic (temp file + rename); an entry that
cannot be read, is corrupt, or comes from another cache version is treated as a miss and
rewritten. The cache is only an optimisation: failing to write it never fails a command.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitops_publisher.media.facts import MediaProbeError, VideoFacts
from gitops_publisher.media.probe import probe_video

CACHE_VERSION = 1
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

ProbeFunction = Callable[[Path], VideoFacts]


def probe_cached(
    path: Path, content_id: str, cache_dir: Path, *, probe: ProbeFunction = probe_video
) -> VideoFacts:
    """Return the facts of ``path``, from the cache when ``content_id`` was probed before.

    A cached entry whose recorded size differs from the file's size is ignored (a content id
    that does not match the file must not hide a real problem). Problems that follow from the
    file's bytes (empty, not a video, no video track) are cached too and raised again.

    Args:
        path: the video file.
        content_id: an id of the file's bytes (git blob id, sha256 hex...), computed by the caller.
        cache_dir: directory holding the entries; created when missing.
        probe: the function that reads a file (injected by tests and benchmarks).

    Raises:
        MediaProbeError: the file is missing or is not a readable video (see ``probe_video``).
    """
    entry_path = cache_dir / _entry_name(content_id)
    size = _file_size(path)
    cached = _read_entry(entry_path, size)
    if isinstance(cached, VideoFacts):
        return cached
    if isinstance(cached, _CachedProblem):
        raise MediaProbeError(path, cached.problem, hint=cached.hint)
    try:
        facts = probe(path)
    except MediaProbeError as exc:
        if exc.about_content:
            _write_entry(entry_path, {"size": size, "problem": exc.problem, "hint": exc.hint})
        raise
    _write_entry(entry_path, {"size": size, "facts": facts.to_json()})
    return facts


class _CachedProblem:
    def __init__(self, problem: str, hint: str) -> None:
        self.problem = problem
        self.hint = hint


def _entry_name(content_id: str) -> str:
    if _SAFE_ID.fullmatch(content_id):
        return f"{content_id}.json"
    return hashlib.sha256(content_id.encode("utf-8")).hexdigest() + ".json"


def _file_size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _read_entry(entry_path: Path, size: int | None) -> VideoFacts | _CachedProblem | None:
    if size is None:
        return None  # missing file: let the probe report it, never answer from the cache
    try:
        data: Any = json.loads(entry_path.read_bytes())
        if data.get("version") != CACHE_VERSION or data.get("size") != size:
            return None
        if "facts" in data:
            return VideoFacts.from_json(data["facts"])
        problem, hint = data["problem"], data.get("hint", "")
        if isinstance(problem, str) and isinstance(hint, str):
            return _CachedProblem(problem, hint)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass  # absent, unreadable, or corrupt: a miss
    return None


def _write_entry(entry_path: Path, data: dict[str, Any]) -> None:
    payload = json.dumps({"version": CACHE_VERSION, **data}, sort_keys=True).encode("utf-8")
    try:
        entry_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=entry_path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            Path(tmp_name).replace(entry_path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only or full disk only costs a re-probe next time
