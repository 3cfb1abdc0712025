"""The streamed write of an upload body: exact bytes, whatever the pieces."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gitops_publisher.sandbox import ingest as ingest_module
from gitops_publisher.sandbox.ingest import BATCH_BYTES, ingest


async def _pieces(data: bytes, sizes: list[int]) -> AsyncIterator[bytes]:
    offset = 0
    for size in sizes:
        yield data[offset : offset + size]
        offset += size


def _split(total: int, rng: random.Random, largest: int) -> list[int]:
    sizes = []
    while total:
        size = min(total, rng.randint(1, largest))
        sizes.append(size)
        total -= size
    return sizes


@pytest.mark.parametrize("largest", [1000, 300_000, 3 * BATCH_BYTES])
@pytest.mark.parametrize("start", [0, 12_345, BATCH_BYTES])
def test_part_file_holds_exactly_the_body(tmp_path: Path, largest: int, start: int) -> None:
    rng = random.Random(largest + start)
    body = rng.randbytes(2 * BATCH_BYTES + 777)
    prefix = rng.randbytes(start)
    part = tmp_path / "x.part"
    part.write_bytes(prefix)
    with part.open("r+b") as handle:
        handle.seek(start)
        stream = _pieces(body, _split(len(body), rng, largest))
        received, head = asyncio.run(ingest(stream, handle, len(body)))
    assert received == len(body)
    assert head == body[:64]
    assert part.read_bytes() == prefix + body


def test_bytes_past_the_limit_are_never_written(tmp_path: Path) -> None:
    body = random.Random(1).randbytes(BATCH_BYTES + 10)
    part = tmp_path / "x.part"
    with part.open("w+b") as handle:
        stream = _pieces(body, [BATCH_BYTES // 2] * 2 + [10])
        received, _ = asyncio.run(ingest(stream, handle, BATCH_BYTES))
    assert received > BATCH_BYTES  # the caller refuses the chunk and truncates
    assert part.stat().st_size <= BATCH_BYTES


def test_small_batches_still_give_exact_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_module, "BATCH_BYTES", 4096)
    body = random.Random(2).randbytes(50_000)
    part = tmp_path / "x.part"
    with part.open("w+b") as handle:
        handle.write(b"\0" * 100)
        handle.seek(100)
        asyncio.run(ingest(_pieces(body, [9_999, 1, 40_000]), handle, len(body)))
    assert part.read_bytes()[100:] == body
