import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gitops_publisher.providers.tiktok.chunks import plan_chunks

GiB = 1024**3
UNITS = (10**6, 2**20)  # both readings of TikTok's "MB"


def test_documented_example_fifty_megabytes() -> None:
    plan = plan_chunks(50_000_123)
    assert plan.chunk_size == 10_000_000
    assert plan.total_chunk_count == 5
    assert plan.ranges[:4] == tuple((i * 10_000_000, (i + 1) * 10_000_000 - 1) for i in range(4))
    assert plan.ranges[4] == (40_000_000, 50_000_122)
    assert plan.ranges[4][1] - plan.ranges[4][0] + 1 == 10_000_123


def test_documented_example_four_mib_goes_whole() -> None:
    plan = plan_chunks(4_194_304)
    assert (plan.chunk_size, plan.total_chunk_count, plan.ranges) == (
        4_194_304,
        1,
        ((0, 4_194_303),),
    )


def test_fifteen_megabytes_goes_whole_rather_than_count_one_with_smaller_chunk() -> None:
    plan = plan_chunks(15_000_000)
    assert (plan.chunk_size, plan.total_chunk_count) == (15_000_000, 1)


def test_four_gib_uses_ten_megabyte_chunks() -> None:
    plan = plan_chunks(4 * GiB)
    assert plan.chunk_size == 10_000_000
    assert plan.total_chunk_count == 429


def test_huge_file_gets_bigger_chunks_to_stay_under_1000() -> None:
    plan = plan_chunks(20_000_000_000)
    assert plan.total_chunk_count <= 1000
    assert plan.chunk_size == 20_000_000


@pytest.mark.parametrize("size", [0, -1])
def test_empty_file_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match="empty"):
        plan_chunks(size)


def test_preferred_chunk_outside_limits_is_refused() -> None:
    with pytest.raises(ValueError):
        plan_chunks(100_000_000, preferred_chunk=64 * 2**20)


def test_index_starting_at() -> None:
    plan = plan_chunks(50_000_123)
    assert plan.index_starting_at(0) == 0
    assert plan.index_starting_at(40_000_000) == 4
    assert plan.index_starting_at(50_000_000) is None
    assert plan.index_starting_at(1) is None


def assert_valid_under(size: int, unit: int, preferred: int) -> None:
    plan = plan_chunks(size, preferred_chunk=preferred)
    mb5, mb64, mb128 = 5 * unit, 64 * unit, 128 * unit
    count, chunk = plan.total_chunk_count, plan.chunk_size
    assert 1 <= count <= 1000
    assert count == size // chunk  # rule 1: rounded down
    assert len(plan.ranges) == count
    # contiguous cover of [0, size)
    assert plan.ranges[0][0] == 0 and plan.ranges[-1][1] == size - 1
    for (_, last), (first, _) in zip(plan.ranges, plan.ranges[1:], strict=False):
        assert first == last + 1
    lengths = [last - first + 1 for first, last in plan.ranges]
    assert all(n == chunk for n in lengths[:-1])
    final = lengths[-1]
    assert chunk <= final < 2 * chunk
    if size < mb5:  # rule 3: whole file
        assert count == 1 and chunk == size
    if count == 1:
        assert chunk == size and (size < mb5 or size <= mb64)
    else:
        assert mb5 <= chunk <= mb64  # rule 2
        assert final <= mb128
    if size > mb64:  # rule 4
        assert count >= 2


@settings(max_examples=2000, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=4 * GiB),
    preferred=st.sampled_from([10_000_000, 5 * 2**20, 64_000_000, 33_333_333]),
)
@example(size=5_000_000, preferred=10_000_000)
@example(size=5_242_879, preferred=10_000_000)
@example(size=64_000_000, preferred=64_000_000)
@example(size=64_000_001, preferred=64_000_000)
@example(size=67_108_864, preferred=64_000_000)
@example(size=127_999_999, preferred=64_000_000)
@example(size=19_999_999, preferred=10_000_000)
@example(size=20_000_000, preferred=10_000_000)
@example(size=4 * GiB, preferred=5 * 2**20)
def test_plan_is_valid_under_both_readings_of_megabyte(size: int, preferred: int) -> None:
    for unit in UNITS:
        assert_valid_under(size, unit, preferred)
