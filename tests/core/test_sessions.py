"""``core/sessions.py``: what every write of the state keeps of an upload session."""

from __future__ import annotations

from datetime import UTC, datetime

from gitops_publisher.core import handles
from gitops_publisher.core.sessions import state_at_rest, unsealed
from gitops_publisher.core.state import PriorPublish, Record, State
from gitops_publisher.providers.fake import FakeSealer

URI = "https://upload.example/upload/youtube/v3/videos?uploadType=resumable&upload_id=abcdWXYZ"
NOW = datetime(2026, 12, 5, tzinfo=UTC)


def record(post_id: str, status: str, handle: str | None, **update: object) -> Record:
    base = Record(
        post_id=post_id,
        account="studio",
        status=status,  # type: ignore[arg-type]
        fingerprint="sha256:" + "0" * 64,
        mode="direct",
        video="media/a.mp4",
        publish_id=handle,
        created_at=NOW,
        updated_at=NOW,
    )
    return base.model_copy(update=update)


def old_state() -> State:
    prior = PriorPublish(publish_id=URI + "1", status="failed")
    records = [
        record("done", "published", URI + "2", history=[prior]),
        record("going", "uploading", URI + "3"),
        record("tiktok", "published", "v_pub_file~v2-1.1"),
        record("fresh", "initiating", None),
    ]
    return State(serial=7, resources={r.address: r for r in records})


def test_only_an_unfinished_upload_in_plain_needs_a_key() -> None:
    assert unsealed(old_state()) == ["going@studio"]
    assert unsealed(state_at_rest(old_state(), FakeSealer())) == []


def test_recorded_sessions_close_unfinished_ones_seal_and_nothing_else_changes() -> None:
    before = old_state()
    sealer = FakeSealer()
    after = state_at_rest(before, sealer)
    assert after.serial == before.serial + 1  # one successor, whatever changed
    done, going = after.resources["done@studio"], after.resources["going@studio"]
    assert handles.is_closed(done.publish_id or "")
    assert handles.is_closed(done.history[0].publish_id)
    assert handles.is_sealed(going.publish_id or "")
    assert sealer.unseal(going.publish_id or "") == URI + "3"  # never dropped
    for address, old in before.resources.items():
        new = after.resources[address]
        assert handles.same(new.publish_id, old.publish_id)
        assert new.model_dump(exclude={"publish_id", "history"}) == old.model_dump(
            exclude={"publish_id", "history"}
        )
    assert after.resources["tiktok@studio"] is before.resources["tiktok@studio"]
    assert state_at_rest(after, sealer) is after  # at rest already: not rewritten


def test_without_a_sealer_the_unfinished_upload_keeps_its_session() -> None:
    after = state_at_rest(old_state(), None)
    assert after.resources["going@studio"].publish_id == URI + "3"
    assert handles.is_closed(after.resources["done@studio"].publish_id or "")
