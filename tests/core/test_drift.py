"""What was sent, and drift's field-level diff (like ``terraform plan``)."""

from __future__ import annotations

from dataclasses import replace

from gitops_publisher.core.drift import diff, snapshot
from gitops_publisher.core.plan import Action, FieldChange
from gitops_publisher.core.state import Sent

from .test_planner import desired, make, only, record, state_of


def test_the_snapshot_keeps_what_tiktok_receives_in_the_manifests_words() -> None:
    (post,) = desired(
        caption="hello",
        interactions={"comments": True, "duet": False, "stitch": True},
        disclosure={"ai_generated": True},
        cover_timestamp_ms=1200,
    )
    sent = snapshot(post)
    assert sent.model_dump() == {
        "mode": "direct",
        "video_id": "git:aaaa",
        "video_size": 1000,
        "caption": "hello",
        "privacy": "SELF_ONLY",
        "interactions": {"comments": True, "duet": False, "stitch": True},
        "disclosure": {"brand_content": False, "brand_organic": False, "ai_generated": True},
        "cover_timestamp_ms": 1200,
    }
    (draft,) = desired(mode="draft")
    assert snapshot(draft) == Sent(mode="draft", video_id="git:aaaa", video_size=1000)


def test_drift_lists_each_changed_field_before_and_after() -> None:
    (published,) = desired(caption="first words")
    (edited,) = desired(
        caption="second thoughts",
        privacy="PUBLIC_TO_EVERYONE",
        interactions={"duet": True},
        video_id="git:bbbb",
    )
    sent = record(published, sent=snapshot(published))
    change = only(make([edited], state_of(sent)))
    assert change.action is Action.DRIFT
    assert change.diff == [
        FieldChange(field="video", before="git:aaaa", after="git:bbbb"),
        FieldChange(field="caption", before="first words", after="second thoughts"),
        FieldChange(field="privacy", before="SELF_ONLY", after="PUBLIC_TO_EVERYONE"),
        FieldChange(field="interactions.duet", before=False, after=True),
    ]


def test_a_record_without_a_snapshot_has_no_diff_rather_than_a_guess() -> None:
    (published,) = desired(caption="first words")
    (edited,) = desired(caption="second thoughts")
    change = only(make([edited], state_of(record(published))))
    assert change.action is Action.DRIFT and change.diff is None


def test_only_drift_carries_a_diff() -> None:
    (post,) = desired()
    noop = only(make([post], state_of(record(post, sent=snapshot(post)))))
    assert noop.action is Action.NOOP and noop.diff is None
    assert diff(snapshot(post), replace(post)) == []
