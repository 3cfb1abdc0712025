"""Media-transfer rules (reference §5) as the sandbox enforces them, in MiB units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitops_publisher.sandbox.chunking import (
    ChunkRuleError,
    check_chunk_plan,
    parse_content_range,
)

MIB = 1_048_576
MAX = 4 * 1024 * MIB


def check(size: int, chunk: int, count: int, strict: bool = False) -> None:
    check_chunk_plan(size, chunk, count, MIB, MAX, strict)


def test_documented_example_50_000_123_bytes_in_10_000_000_byte_chunks() -> None:
    plan = check_chunk_plan(50_000_123, 10_000_000, 5, MIB, MAX)
    assert [plan.expected_range(i) for i in range(5)] == [
        (0, 9_999_999),
        (10_000_000, 19_999_999),
        (20_000_000, 29_999_999),
        (30_000_000, 39_999_999),
        (40_000_000, 50_000_122),
    ]


def test_documented_example_4_mib_video_in_one_chunk() -> None:
    plan = check_chunk_plan(4_194_304, 4_194_304, 1, MIB, MAX)
    assert plan.expected_range(0) == (0, 4_194_303)


def test_ceil_chunk_count_is_refused() -> None:
    with pytest.raises(ChunkRuleError, match="total chunk count"):
        check(50_000_123, 10_000_000, 6)


@pytest.mark.parametrize(
    ("size", "chunk", "count"),
    [
        (4_194_304, 1_048_576, 4),  # under 5 MB: one chunk only
        (4_194_304, 4_194_304, 2),
        (4_000_000, 5_000_000, 1),  # under 5 MB: chunk_size must equal video_size
        (20 * MIB, 5 * MIB - 1, 4),  # chunk under 5 MB
        (200 * MIB, 64 * MIB + 1, 3),  # chunk over 64 MB
        (100 * MIB, 64 * MIB, 1),  # over 64 MB must be chunked
        (100 * MIB, 100 * MIB, 1),
        (1001 * 5 * MIB, 5 * MIB, 1001),  # more than 1000 chunks
        (0, 0, 0),
        (MAX + 1, 64 * MIB, (MAX + 1) // (64 * MIB)),
    ],
)
def test_rule_breaking_plans_are_refused(size: int, chunk: int, count: int) -> None:
    with pytest.raises(ChunkRuleError):
        check(size, chunk, count)


@pytest.mark.parametrize("value", [True, 1.5, "10", None, -1])
def test_sizes_must_be_positive_integers(value: object) -> None:
    with pytest.raises(ChunkRuleError):
        check_chunk_plan(value, 10 * MIB, 1, MIB, MAX)


def test_single_short_chunk_is_accepted_unless_strict() -> None:
    check(15 * MIB, 10 * MIB, 1)
    with pytest.raises(ChunkRuleError):
        check(15 * MIB, 10 * MIB, 1, strict=True)


def test_decimal_unit_moves_the_limits() -> None:
    # 5,000,000 B is a valid chunk with MB = 10^6 but not with MiB.
    check_chunk_plan(20_000_000, 5_000_000, 4, 1_000_000, MAX)
    with pytest.raises(ChunkRuleError):
        check(20_000_000, 5_000_000, 4)


@given(
    size=st.integers(min_value=5 * MIB, max_value=MAX),
    chunk=st.integers(min_value=5 * MIB, max_value=64 * MIB),
)
def test_every_valid_floor_plan_covers_the_file_exactly(size: int, chunk: int) -> None:
    count = size // chunk
    if not 1 <= count <= 1000 or (count == 1 and size > 64 * MIB):
        with pytest.raises(ChunkRuleError):
            check(size, chunk, count)
        return
    plan = check_chunk_plan(size, chunk, count, MIB, MAX)
    ranges = [plan.expected_range(i) for i in range(count)]
    assert ranges[0][0] == 0 and ranges[-1][1] == size - 1
    assert all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    assert all(5 * MIB <= last - first + 1 <= 64 * MIB for first, last in ranges[:-1])
    assert ranges[-1][1] - ranges[-1][0] + 1 <= 128 * MIB


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("bytes 0-30567099/30567100", (0, 30_567_099, 30_567_100)),
        ("bytes 5-4/10", None),
        ("bytes 0-10/10", None),
        ("bytes=0-9/10", None),
        ("bytes 0-9/*", None),
        ("", None),
    ],
)
def test_content_range_parsing(text: str, parsed: tuple[int, int, int] | None) -> None:
    assert parse_content_range(text) == parsed
