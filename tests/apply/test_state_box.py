"""StateBox: what a put promises about durability, waited for or written in the background."""

import asyncio
from datetime import UTC, datetime

import pytest

from gitops_publisher.apply import records
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core.address import Address
from gitops_publisher.core.desired import DesiredPost, VideoRef
from gitops_publisher.core.state import MemoryStateStore, Provenance, Record, State
from gitops_publisher.errors import StateError

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _record(post_id: str = "teaser") -> Record:
    post = DesiredPost(
        address=Address(post_id, "brand-us"),
        manifest_file=f"posts/{post_id}.yaml",
        video=VideoRef("media/a.mp4", "git:abc", 1000),
        mode="direct",
        caption="hi",
        privacy="SELF_ONLY",
        post_info={"privacy_level": "SELF_ONLY"},
        publish_at=None,
        not_after=None,
        on_missed="publish",
        fingerprint="sha256:1",
    )
    return records.start(post, None, NOW, Provenance())


class FailingStore(MemoryStateStore):
    """Refuses every write once ``broken`` is set (a full disk)."""

    broken = False

    def write(self, state: State) -> None:
        if self.broken:
            raise StateError("disk full")
        super().write(state)


def test_a_waited_put_is_on_the_store_when_it_returns() -> None:
    async def go() -> None:
        store = MemoryStateStore()
        box = StateBox(store, store.read())
        record = _record()
        await box.put(record)
        assert store.state.resources[record.address].status == "initiating"

    asyncio.run(go())


def test_a_background_put_is_durable_after_flush_and_rides_the_next_write() -> None:
    async def go() -> None:
        store = MemoryStateStore()
        box = StateBox(store, store.read())
        first = records.initialized(_record(), "v_pub_file~1", None, NOW)
        await box.put(first)
        done = records.from_status(
            records.uploaded(first, NOW), "PUBLISH_COMPLETE", None, [], None, NOW
        )
        await box.put(done, wait=False)
        assert box.state.resources[done.address].status == "published"  # seen at once
        second = _record("launch")
        await box.put(second)  # its write holds the outcome too, whatever the order
        await box.flush()
        assert store.state.resources[done.address].status == "published"
        assert store.state.resources[second.address].status == "initiating"

    asyncio.run(go())


def test_a_failed_background_write_is_raised_by_flush() -> None:
    async def go() -> None:
        store = FailingStore()
        box = StateBox(store, store.read())
        record = records.initialized(_record(), "v_pub_file~1", None, NOW)
        await box.put(record)
        store.broken = True
        await box.put(records.uploaded(record, NOW), wait=False)
        with pytest.raises(StateError, match="could not record .*publish_id v_pub_file~1"):
            await box.flush()
        assert store.state.resources[record.address].status == "uploading"

    asyncio.run(go())
