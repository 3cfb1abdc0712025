"""One address in several state files: the copy kept never forgets an attempt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitops_publisher.core.duplicates import better_informed, differences
from gitops_publisher.core.state import PriorPublish, Record
from tests.workspace.records import T0, record


def later(minutes: int) -> object:
    return T0 + timedelta(minutes=minutes)


def attempt(rec: Record) -> PriorPublish:
    return PriorPublish(publish_id=rec.publish_id or "", status=rec.status, post_ids=rec.post_ids)


def test_identical_copies_are_one_record() -> None:
    one = record()
    assert better_informed([one, record()]) is one
    assert differences(one, record()) == []


def test_one_attempt_a_known_outcome_beats_a_newer_unknown_one() -> None:
    published = record(post_ids=["7"])
    processing = record(status="processing", updated_at=later(5))
    assert better_informed([processing, published]) == published
    assert better_informed([published, processing]) == published
    failed = record(status="failed", fail_reason="spam_risk_too_many_posts")
    assert better_informed([processing, failed]) == failed


def test_one_attempt_all_bytes_sent_beats_a_newer_abandonment() -> None:
    # Another run gave the upload up (an inference); this copy saw every byte accepted.
    processing = record(status="processing")
    abandoned = record(status="failed", fail_reason="upload_expired", updated_at=later(5))
    assert better_informed([abandoned, processing]) == processing


def test_one_attempt_neither_settled_the_newest_wins() -> None:
    old = record(status="uploading")
    new = record(status="uploading", attempts=2, updated_at=later(1))
    assert better_informed([old, new]) == new


def test_a_later_attempt_wins_and_keeps_what_the_other_knew_of_the_earlier_one() -> None:
    first = record(publish_id="p1", post_ids=["7"])  # the base's copy: p1 published
    # A retry elsewhere knew p1 as processing only (archived before it settled).
    retry = record(
        publish_id="p2",
        status="uploading",
        updated_at=later(1),
        history=[PriorPublish(publish_id="p1", status="processing")],
    )
    kept = better_informed([first, retry])
    assert kept.publish_id == "p2"
    assert kept.history == [attempt(first)]  # p1 as the better-informed copy has it


def test_independent_attempts_keep_both_the_newest_current() -> None:
    one = record(publish_id="p1", post_ids=["7"], updated_at=later(2))
    other = record(publish_id="p2", post_ids=["8"])
    kept = better_informed([other, one])
    assert kept.publish_id == "p1"
    assert [p.publish_id for p in kept.history] == ["p2"]


def test_an_intent_without_a_handle_sent_nothing_and_is_not_kept_as_an_attempt() -> None:
    intent = record(status="initiating", publish_id=None)
    published = record(updated_at=later(1))
    assert better_informed([intent, published]) == published


def test_copies_of_different_addresses_are_refused() -> None:
    with pytest.raises(ValueError, match="one address"):
        better_informed([record("a"), record("b")])
    with pytest.raises(ValueError):
        better_informed([])


def test_differences_name_each_field_and_escape_the_state_files_text() -> None:
    one = record(status="processing", fail_reason=None)
    other = record(status="failed", fail_reason="bad\x1b[2Jreason", updated_at=later(1))
    found = differences(one, other)
    assert found[0] == "status processing / failed"
    assert "fail_reason - / bad\\x1b[2Jreason" in found
    assert any(item.startswith("updated_at ") for item in found)
    assert differences(one, one.model_copy(update={"provenance": {"commit": "c"}})) == [
        "provenance or what was sent"
    ]


_STATUSES = ["initiating", "uploading", "processing", "published", "inbox", "failed"]
_copies = st.lists(
    st.builds(
        lambda handle, status, minutes, prior: record(
            publish_id=handle,
            status=status,
            fail_reason="upload_expired" if status == "failed" else None,
            updated_at=later(minutes),
            history=[PriorPublish(publish_id=prior, status="failed")] if prior else [],
        ),
        st.sampled_from(["p1", "p2", "p3", None]),
        st.sampled_from(_STATUSES),
        st.integers(0, 3),
        st.sampled_from(["p1", "p4", None]),
    ),
    min_size=1,
    max_size=4,
)


@given(_copies)
def test_no_attempt_any_copy_knew_of_is_forgotten(copies: list[Record]) -> None:
    kept = better_informed(copies)
    known = {kept.publish_id} | {p.publish_id for p in kept.history}
    for copy in copies:
        assert copy.publish_id is None or copy.publish_id in known
        assert {p.publish_id for p in copy.history} <= known
    assert len({p.publish_id for p in kept.history}) == len(kept.history)  # each once
