"""Shards: a deterministic partition of accounts, so a CI matrix applies them in parallel.

``publisher apply --shard K/N`` acts only on the accounts for which ``shard_of(account, N) ==
K`` and records them in its own state file (``state.shard-K-of-N.json``), so N jobs never
write the same file. The hash is stable across machines, Python versions and runs
(``hash()`` is salted per process, so it cannot be used). Pure.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from gitops_publisher.errors import PublisherError

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_SHARD_NAME = re.compile(r"\.shard-(\d+)-of-(\d+)$")


def shard_of(account: str, n: int) -> int:
    """The shard (1..n) that ``account`` belongs to: sha256 of its name, modulo ``n``."""
    digest = hashlib.sha256(account.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n + 1


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based, as a GitHub Actions matrix counts)."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """Parse ``K/N``.

        Raises:
            PublisherError: not ``K/N`` with 1 <= K <= N.
        """
        match = _SPEC.match(text)
        if match is None or not 1 <= int(match[1]) <= int(match[2]):
            raise PublisherError(
                f"--shard {text!r} is not K/N with 1 <= K <= N",
                hint="for a matrix of 4 jobs use --shard 1/4 ... --shard 4/4",
            )
        return cls(int(match[1]), int(match[2]))

    def holds(self, account: str) -> bool:
        """Whether ``account`` is in this shard."""
        return shard_of(account, self.count) == self.index

    def state_path(self, path: str) -> str:
        """``.publisher/state.json`` -> ``.publisher/state.shard-2-of-4.json``."""
        pure = PurePosixPath(path)
        return pure.with_name(
            f"{pure.stem}.shard-{self.index}-of-{self.count}{pure.suffix}"
        ).as_posix()

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def of_file(cls, path: str) -> Shard | None:
        """The shard whose state file ``path`` is (``state.shard-2-of-4.json``), else None."""
        match = _SHARD_NAME.search(PurePosixPath(path).stem)
        return None if match is None else cls(int(match[1]), int(match[2]))


def is_state_file_of(candidate: str, base: str) -> bool:
    """Whether ``candidate`` is ``base`` itself or one of its shard files (any N)."""
    cand, pure = PurePosixPath(candidate), PurePosixPath(base)
    if cand.parent != pure.parent or cand.suffix != pure.suffix:
        return False
    if cand.name == pure.name:
        return True
    stem = cand.stem
    match = _SHARD_NAME.search(stem)
    return match is not None and stem[: match.start()] == pure.stem
