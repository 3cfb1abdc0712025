"""Fixtures of the apply suite: a secret scan around every test, projects, the emulator."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from .harness import (
    Emulator,
    PostSpec,
    SecretScan,
    TokenBox,
    build_project,
    fast_options,
    served_emulator,
)
from .harness import scan as scan


@pytest.fixture
def project(make_repo: Any) -> Callable[..., Path]:
    """``project(accounts, posts, big={path: size}) -> root``: a committed content repo."""

    def make(
        accounts: Sequence[str], posts: Sequence[PostSpec], big: dict[str, int] | None = None
    ) -> Path:
        files: dict[str, str | bytes] = {}
        build_project(files.__setitem__, accounts, posts, big=big)
        return Path(make_repo(files, media=False).root)

    return make


@pytest.fixture
def emulator(tmp_path: Path, scan: SecretScan) -> Callable[..., Any]:
    """``emulator(scale=100, **options)`` -> context manager yielding :class:`Emulator`."""

    def start(scale: float = 100.0, **options: Any) -> Any:
        return served_emulator(tmp_path / "world", fast_options(**options), scale, scan)

    return start


@pytest.fixture
def tokens(scan: SecretScan) -> TokenBox:
    return TokenBox(scan)


__all__ = ["Emulator"]
