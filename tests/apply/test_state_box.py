"""StateBox: what a put promises about durability, waited for or written in the background.

And what a put leaves of a session URI: kept at rest for every account whose platform's handles
may be sessions, the records of the others put as they are.
"""

import asyncio
import time

import pytest

from gitops_publisher.apply import records
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core import handles, sessions
from gitops_publisher.core.ports import Published
from gitops_publisher.core.state import MemoryStateStore, Record, State
from gitops_publisher.errors import StateError
from gitops_publisher.providers.fake import FakeSealer

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


async def _until_written(box: StateBox) -> None:
    """Let the background writes finish, as a run's other work would meanwhile."""
    await asyncio.gather(*box._background, return_exceptions=True)


def test_a_background_write_that_failed_before_flush_is_still_raised_by_flush() -> None:
    async def go() -> None:
        store = FailingStore()
        box = StateBox(store, store.read())
        record = records.initialized(started_record(), "v_pub_file~1", None, NOW)
        await box.put(record)
        store.broken = True
        await box.put(records.uploaded(record, NOW), wait=False)
        await _until_written(box)  # it failed, and nobody was waiting for it
        with pytest.raises(StateError, match="could not record .*publish_id v_pub_file~1"):
            await box.flush()
        assert store.state.resources[record.address].status == "uploading"

    asyncio.run(go())


def test_a_failed_background_write_healed_by_a_later_write_ends_the_run_well() -> None:
    async def go() -> None:
        store = FailingStore()
        box = StateBox(store, store.read())
        record = records.initialized(started_record(), "v_pub_file~1", None, NOW)
        await box.put(record)
        store.broken = True
        await box.put(records.uploaded(record, NOW), wait=False)
        await _until_written(box)
        store.broken = False  # the disk has room again
        await box.put(started_record("launch"))  # writes the whole state, the upload too
        await box.flush()
        assert store.state.resources[record.address].status == "processing"

    asyncio.run(go())


class SlowStore(MemoryStateStore):
    """Each write takes a while in its worker thread (an fsync), and records what it wrote."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[State] = []

    def write(self, state: State) -> None:
        time.sleep(0.002)
        self.written.append(state)
        super().write(state)


def test_concurrent_puts_of_one_account_lose_no_record() -> None:
    # Several publishes of one account complete at once (the pipeline): each put, waited
    # for or not, must be in the state the store holds after flush, and every write that
    # reached the store is a superset of the writes before it (no record goes back).
    async def go() -> SlowStore:
        store = SlowStore()
        box = StateBox(store, store.read())

        async def publish(number: int) -> None:
            record = started_record(f"p{number:02d}")
            await box.put(record)
            record = records.initialized(record, f"pub~{number}", None, NOW)
            await box.put(record)
            await asyncio.sleep(0)
            await box.put(records.settled(record, Published(), NOW), wait=False)

        await asyncio.gather(*(publish(n) for n in range(12)))
        await box.flush()
        return store

    store = asyncio.run(go())
    held = store.read().resources
    assert sorted(held) == [f"p{n:02d}@brand-us" for n in range(12)]
    assert {r.status for r in held.values()} == {"published"}
    assert store.writes < 36  # group-committed: fewer writes than puts
    for before, after in zip(store.written, store.written[1:], strict=False):
        assert after.serial > before.serial
        assert set(before.resources) <= set(after.resources)


def test_a_failed_write_never_shows_an_upload_session_uri() -> None:
    session = "https://www.googleapis.com/upload/youtube/v3/videos?upload_id=SeCrEtSeSsIoN9"

    async def go() -> None:
        store = FailingStore()
        box = StateBox(store, store.read())
        record = records.initialized(started_record(), session, None, NOW)
        await box.put(record)
        store.broken = True
        with pytest.raises(StateError) as raised:
            await box.put(records.uploaded(record, NOW))
        shown = f"{raised.value} {raised.value.hint}"
        assert "SeCrEtSeSsIoN9" not in shown and "upload_id" not in shown
        assert "(processing, upload session …IoN9)" in shown and "publish_id" not in shown
        assert "run `publisher plan`" in shown

    asyncio.run(go())


URI = "https://upload.invalid/upload?upload_type=resumable&upload_id=abc123"


def test_only_the_records_of_accounts_whose_handles_may_be_sessions_are_kept_at_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A platform whose handles are never sessions (TikTok's publish_ids) has its accounts'
    records put as they are: no record of theirs is asked whether it holds one."""
    asked: list[str] = []
    at_rest = sessions.at_rest

    def asking(record: Record, sealer: handles.Sealer | None) -> Record:
        asked.append(record.account)
        return at_rest(record, sealer)

    monkeypatch.setattr(sessions, "at_rest", asking)

    async def go() -> MemoryStateStore:
        store = MemoryStateStore()
        box = StateBox(
            store, store.read(), sealer=FakeSealer(), plain_accounts=frozenset({"brand-us"})
        )
        await box.put(records.initialized(started_record(), "v_pub_file~1", None, NOW))
        studio = started_record("clip").model_copy(update={"account": "studio"})
        await box.put(records.initialized(studio, URI, None, NOW))
        return store

    store = asyncio.run(go())
    assert asked == ["studio"]
    assert store.state.resources["teaser@brand-us"].publish_id == "v_pub_file~1"
    assert handles.is_sealed(store.state.resources["clip@studio"].publish_id or "")


def test_a_session_recorded_while_a_plain_account_was_on_another_platform_stays_sealed() -> None:
    """The state holds a sealed session under an account now on a platform without sessions
    (its ``provider:`` changed): once resumed, its record is sealed again when put."""
    sealer = FakeSealer()
    record = records.initialized(started_record(), URI, None, NOW)
    sealed = sessions.at_rest(record, sealer)
    assert handles.is_sealed(sealed.publish_id or "")

    async def go() -> MemoryStateStore:
        store = MemoryStateStore()
        store.write(store.read().with_record(sealed))
        box = StateBox(store, store.read(), sealer=sealer, plain_accounts=frozenset({"brand-us"}))
        opened = box.unsealed(box.state.resources[sealed.address])
        assert opened.publish_id == URI
        await box.put(records.failed(opened, "upload_expired", NOW))
        return store

    kept = asyncio.run(go()).state.resources[sealed.address]
    assert (kept.status, kept.publish_id) == ("failed", sealed.publish_id)
