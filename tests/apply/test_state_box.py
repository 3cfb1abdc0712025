"""StateBox: what a put promises about durability, waited for or written in the background."""

import asyncio

import pytest

from gitops_publisher.apply import records
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core.ports import Published
from gitops_publisher.core.state import MemoryStateStore, State
from gitops_publisher.errors import StateError

from .builders import NOW, started_record


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
        record = started_record()
        await box.put(record)
        assert store.state.resources[record.address].status == "initiating"

    asyncio.run(go())


def test_a_background_put_is_durable_after_flush_and_rides_the_next_write() -> None:
    async def go() -> None:
        store = MemoryStateStore()
        box = StateBox(store, store.read())
        first = records.initialized(started_record(), "v_pub_file~1", None, NOW)
        await box.put(first)
        done = records.settled(records.uploaded(first, NOW), Published(), NOW)
        await box.put(done, wait=False)
        assert box.state.resources[done.address].status == "published"  # seen at once
        second = started_record("launch")
        await box.put(second)  # its write holds the outcome too, whatever the order
        await box.flush()
        assert store.state.resources[done.address].status == "published"
        assert store.state.resources[second.address].status == "initiating"

    asyncio.run(go())


def test_a_failed_background_write_is_raised_by_flush() -> None:
    async def go() -> None:
        store = FailingStore()
        box = StateBox(store, store.read())
        record = records.initialized(started_record(), "v_pub_file~1", None, NOW)
        await box.put(record)
        store.broken = True
        await box.put(records.uploaded(record, NOW), wait=False)
        with pytest.raises(StateError, match="could not record .*publish_id v_pub_file~1"):
            await box.flush()
        assert store.state.resources[record.address].status == "uploading"

    asyncio.run(go())
