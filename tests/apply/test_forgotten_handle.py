"""The engine with a platform that forgets handles (YouTube's sessions expire), on the fake.

When a resumed attempt's handle may have taken every byte, the engine passes the recorded
attempt to ``outcome`` so that the platform can find the post the handle made; a post found
is recorded, several candidates leave the attempt as it is and are named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitops_publisher.apply.events import Outcome
from gitops_publisher.core import handles
from gitops_publisher.core.ports import Attempt, NotStarted, Published
from gitops_publisher.core.state import PriorPublish
from gitops_publisher.providers.errors import OutcomeUnclear, UploadError
from gitops_publisher.providers.fake import FakeProvider, Script

from .test_engine_port import World, killed_as_the_transfer_begins, outcomes, post


class Forgetting(FakeProvider):
    """A platform that forgets the handles in :attr:`forgotten`; ``found`` says what then."""

    forgotten: set[str]
    found: Any = None  # a post id, an exception, or None (nothing found)

    async def outcome(
        self,
        handle: str,
        size: int,
        *,
        privacy: str | None = None,
        attempt: Attempt | None = None,
    ) -> Any:
        if handle not in self.forgotten:
            return await super().outcome(handle, size, privacy=privacy, attempt=attempt)
        self._seen("outcome", handle)
        self.attempts.append((handle, attempt))
        if attempt is None or self.found is None:
            return NotStarted("the handle expired (fake)")
        if isinstance(self.found, Exception):
            raise self.found
        return Published((self.found,), f"https://fake.invalid/{self.found}")


def session(world: World) -> str:
    """The session URI of the record (the state keeps it sealed with the world's key)."""
    handle = world.record().publish_id
    assert handle is not None
    return world.sealer.unseal(handle)


def forgetting(**script: Any) -> Forgetting:
    fake = Forgetting(capability=True, default=Script(resumable=True, **script))
    fake.forgotten = set()
    return fake


def test_a_forgotten_handle_whose_post_is_found_is_recorded_published(tmp_path: Path) -> None:
    fake = forgetting()
    world = World(tmp_path, **{"brand-us": fake})
    killed_as_the_transfer_begins(world, fake)
    handle = session(world)
    assert world.record().status == "uploading"
    # The platform got every byte (the kill came after its last answer), then forgot.
    fake.publishes[handle].received = fake.publishes[handle].size = 1000
    fake.forgotten.add(handle)
    fake.found = "7000000000000000042"
    results = world.apply([post()])
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.PUBLISHED)]
    record = world.record()
    assert (record.status, record.post_ids) == ("published", ["7000000000000000042"])
    assert handles.same(record.publish_id, handle)
    assert world.actions([post()]) == {"teaser@brand-us": "noop"}
    assert fake.count("start") == 1


def test_the_attempt_passed_is_the_records(tmp_path: Path) -> None:
    """Its start (its handle recorded), what it sent, and every post id the state holds
    for other attempts (other addresses, this address's earlier publishes)."""
    fake = forgetting()
    world = World(tmp_path, **{"brand-us": fake})
    world.apply([post("other")])
    killed_as_the_transfer_begins(world, fake)
    earlier = PriorPublish(publish_id="old", status="published", post_ids=["7000000000000000009"])
    record = world.record().model_copy(update={"history": [earlier]})
    world.store.write(world.store.read().with_record(record))
    handle = session(world)
    fake.forgotten.add(handle)
    world.apply([post(), post("other")])
    [passed] = [a for h, a in fake.attempts if h == handle]
    assert record.began_at is not None
    assert passed == Attempt(
        began=record.began_at,
        sent=record.sent,
        known=frozenset({*world.record("other@brand-us").post_ids, "7000000000000000009"}),
    )


def test_several_candidates_leave_the_attempt_as_it_is_and_name_them(tmp_path: Path) -> None:
    fake = forgetting()
    world = World(tmp_path, **{"brand-us": fake})
    killed_as_the_transfer_begins(world, fake)
    before = world.record()
    fake.forgotten.add(session(world))
    fake.found = OutcomeUnclear("2 posts may be it: v1, v2 (fake)", candidates=("v1", "v2"))
    for _ in range(2):
        [result] = world.apply([post()])
        assert (result.action, result.outcome) == ("resume", Outcome.FAILED)
        assert "v1, v2" in result.message
        assert "`publisher state rm teaser@brand-us`" in result.message
        assert "Nothing is published again" in result.message
        assert world.record() == before
        assert world.actions([post()]) == {"teaser@brand-us": "resume"}
    assert fake.count("start") == 1 and fake.count("transfer") == 1


def test_nothing_found_for_a_forgotten_handle_that_had_every_byte_is_not_published_again(
    tmp_path: Path,
) -> None:
    """``processing`` said the platform had every byte; the post is not found (deleted since,
    or the platform's list lags): it is still never started again."""
    fake = forgetting(processing_polls=50)
    world = World(tmp_path, **{"brand-us": fake})
    world.apply([post()])
    record = world.record()
    assert record.status == "processing"
    fake.forgotten.add(session(world))
    [result] = world.apply([post()])
    assert result.outcome is Outcome.FAILED and "not published again" in result.message
    assert world.record() == record
    assert fake.attempts[-1][1] is not None  # it was asked to look
    assert fake.count("start") == 1


def test_a_last_answer_lost_as_the_handle_is_forgotten_is_found_in_the_same_run(
    tmp_path: Path,
) -> None:
    """Every byte arrived but the transfer never heard so, and the platform forgot the handle
    meanwhile (a YouTube session that expired just then): the run asks with the attempt, and
    the post found is recorded instead of the attempt being failed (and published again)."""
    fake = forgetting(
        lose_last_answer=True,
        drop=UploadError("the upload session answered HTTP 404", status=404, bytes_confirmed=0),
    )
    fake.found = "7000000000000000077"

    def forget(method: str, handle: str) -> None:
        if method == "transfer":
            fake.forgotten.add(handle)

    fake.on_call = forget
    world = World(tmp_path, **{"brand-us": fake})
    assert outcomes(world.apply([post()])) == [("teaser@brand-us", "create", Outcome.PUBLISHED)]
    assert world.record().post_ids == ["7000000000000000077"]
    assert world.actions([post()]) == {"teaser@brand-us": "noop"}
    assert fake.count("start") == 1
