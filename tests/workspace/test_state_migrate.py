"""An address recorded in the base file and a shard's: the refusal, and ``state migrate``."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

import pinned_git
import pytest
from pinned_git import commit_all, init_repo, push_to_new_bare

from gitops_publisher.core.shard import Shard
from gitops_publisher.core.state import Approval, MemoryStateStore, Record, State
from gitops_publisher.errors import StateError, StateLockedError
from gitops_publisher.workspace import state_shards
from gitops_publisher.workspace.git_state import GitBranchStateStore
from gitops_publisher.workspace.state_migrate import migrate
from gitops_publisher.workspace.state_shards import CombinedStateStore
from gitops_publisher.workspace.state_stores import state_files
from tests.workspace.records import T0, record

BASE = ".publisher/state.json"
SHARD = Shard(1, 2)


def state(*records: Record, serial: int = 3) -> State:
    return State(serial=serial, resources={r.address: r for r in records})


class Named(MemoryStateStore):
    """A memory store with a file's name, logging its writes into ``log``."""

    def __init__(self, name: str, initial: State, log: list[str]) -> None:
        super().__init__(initial)
        self.name, self.log = name, log

    def describe(self) -> str:
        return self.name

    def write(self, state: State) -> None:
        self.log.append(self.name)
        super().write(state)


def combined(own: State, base: State, *, shard: Shard | None = SHARD) -> CombinedStateStore:
    return CombinedStateStore(
        Named("state.shard-1-of-2.json" if shard else BASE, own, []),
        lambda: [(BASE if shard else ".publisher/state.shard-1-of-2.json", base)],
        lambda _account: True,
        shard=shard,
        sandbox=True,
    )


def test_a_shard_forgetting_a_record_the_base_holds_the_same_names_both_and_the_fix() -> None:
    store = combined(state(record()), state(record()))
    current = store.read()
    with pytest.raises(StateError) as refused:
        store.write(current.without("launch@brand-us"))
    assert "state.shard-1-of-2.json and .publisher/state.json, the same record in each" in str(
        refused.value
    )
    assert "`publisher state migrate --shard 1/2 --sandbox` once" in refused.value.hint
    assert isinstance(store.own, Named) and store.own.log == []  # untouched


def test_differing_copies_say_what_differs_in_which_file() -> None:
    processing = record(status="processing")
    store = combined(state(record(updated_at=T0 + timedelta(minutes=1))), state(processing))
    with pytest.raises(StateError) as refused:
        store.write(store.read().without("launch@brand-us"))
    message = str(refused.value)
    assert "the copies differ (state.shard-1-of-2.json / .publisher/state.json:" in message
    assert "status published / processing" in message


def test_a_record_only_in_the_base_is_moved_there_first() -> None:
    store = combined(state(), state(record()))
    with pytest.raises(StateError) as refused:
        store.write(store.read().moved("launch@brand-us", "renamed@brand-us"))
    assert "recorded in .publisher/state.json;" in str(refused.value)
    assert "publisher state migrate --shard 1/2 --sandbox" in refused.value.hint


def test_unsharded_a_duplicate_points_at_the_shard_to_migrate_into() -> None:
    store = combined(state(record()), state(record()), shard=None)
    with pytest.raises(StateError) as refused:
        store.write(store.read().without("launch@brand-us"))
    assert refused.value.hint.startswith("run `publisher state migrate --shard 1/2 --sandbox`")
    assert refused.value.hint.endswith("then run this command again with --shard 1/2")
    # Only in the shard's file: the option alone does it, as before.
    alone = combined(state(), state(record()), shard=None)
    with pytest.raises(StateError) as plain:
        alone.write(alone.read().without("launch@brand-us"))
    assert plain.value.hint.startswith("run the command again with --shard 1/2 for")


def takes_brand_us(rec: Record) -> bool:
    return rec.account == "brand-us"


def test_migrate_writes_the_target_first_then_takes_the_copies_out() -> None:
    log: list[str] = []
    processing = record("teaser", status="processing")
    target = Named("shard", state(record("teaser", post_ids=["7"], updated_at=T0)), log)
    base = Named("base", state(record(), processing, record("uk", account="brand-uk")), log)
    moved = migrate(target, [("base", base)], takes_brand_us)
    assert log == ["shard", "base"]  # a crash between the two leaves duplicates, not a loss
    assert [m.address for m in moved] == ["launch@brand-us", "teaser@brand-us"]
    assert moved[0].differed == () and moved[0].sources == ("base",)
    assert moved[1].differed[0] == "status published / processing"
    assert target.state.resources["teaser@brand-us"].status == "published"
    assert set(target.state.resources) == {"launch@brand-us", "teaser@brand-us"}
    assert set(base.state.resources) == {"uk@brand-uk"}  # another shard's: left
    assert (target.state.serial, base.state.serial) == (4, 4)


def test_migrate_with_nothing_to_take_locks_and_writes_nothing() -> None:
    log: list[str] = []
    target = Named("shard", state(), log)
    other = Named("shard-2", state(record("uk", account="brand-uk")), log)
    with other.lock(purpose="apply --shard 2/2"):  # another shard's apply is running
        assert migrate(target, [("shard-2", other)], takes_brand_us) == []
    assert log == []


class Locked(Named):
    def lock(self, *, purpose: str) -> AbstractContextManager[None]:
        raise StateLockedError(f"{self.name} is locked by publisher apply")


def test_migrate_refused_by_a_held_lock_changes_nothing() -> None:
    log: list[str] = []
    target = Named("shard", state(), log)
    base = Locked("base", state(record()), log)  # an unsharded apply holds the base
    with pytest.raises(StateLockedError, match="base is locked"):
        migrate(target, [("base", base)], takes_brand_us)
    assert log == [] and not target.state.resources


class Failing(Named):
    def write(self, state: State) -> None:
        raise StateError("disk full")


def test_a_failed_removal_leaves_both_copies() -> None:
    target = Named("shard", state(), [])
    base = Failing("base", state(record()), [])
    with pytest.raises(StateError, match="disk full"):
        migrate(target, [("base", base)], takes_brand_us)
    assert "launch@brand-us" in target.state.resources
    assert "launch@brand-us" in base.state.resources


def test_migrate_on_a_state_branch_moves_records_between_its_files(tmp_path: Path) -> None:
    seed = init_repo(tmp_path / "seed")
    (seed / "publisher.yaml").write_text("version: 1\n")
    commit_all(seed, "content")
    remote = push_to_new_bare(seed, tmp_path / "remote.git")
    work = pinned_git.clone(remote, tmp_path / "work")
    base = GitBranchStateStore(work, BASE)
    base.write(base.read().with_record(record(status="processing")))
    base.write(base.read().with_record(record("guide", account="devrel")))
    shard = Shard(2, 2)  # brand-us's (devrel is in 1/2)
    own = base.sibling(shard.state_path(BASE))
    own.read()
    own.write(State().with_record(record(updated_at=T0 + timedelta(minutes=1))))

    store = state_shards.git_store(work, BASE, "publisher-state", shard)
    target, others = state_files(store)
    moved = migrate(target, others, lambda rec: shard.holds(rec.account))
    assert [m.address for m in moved] == ["launch@brand-us"]
    fresh = GitBranchStateStore(work, BASE)
    assert set(fresh.read().resources) == {"guide@devrel"}
    kept = fresh.sibling(shard.state_path(BASE)).read().resources["launch@brand-us"]
    assert kept.status == "published"


def test_reading_takes_the_copy_that_knows_the_outcome_not_the_newest() -> None:
    # The base's run saw the post published; a shard's run, later, gave the same upload up.
    abandoned = record(status="failed", fail_reason="upload_expired", updated_at=T0)
    published = record(updated_at=T0 - timedelta(minutes=5))
    read = combined(state(abandoned), state(published)).read()
    assert read.resources["launch@brand-us"] == published  # the newest would be retried


def test_approvals_recorded_before_sharding_still_approve_in_a_shard() -> None:
    # Merges before the project sharded recorded their approvals in the base file, which a
    # shard never writes: a post approved then and due later was "not reviewed" forever.
    before = Approval(fingerprint="sha256:" + "a" * 16, pull_request=7, plan_hash="h1")
    later = Approval(fingerprint="sha256:" + "b" * 16, pull_request=9, plan_hash="h2")
    base = state().with_reviewed({"launch@brand-us": before, "teaser@brand-us": before})
    own = state().with_reviewed({"teaser@brand-us": later})
    read = combined(own, base).read()
    assert read.reviewed == {"launch@brand-us": before, "teaser@brand-us": later}

    elsewhere = CombinedStateStore(
        Named("state.shard-2-of-2.json", state(), []),
        lambda: [(BASE, base)],
        lambda account: account != "brand-us",  # brand-us is another shard's account
        shard=Shard(2, 2),
    )
    assert elsewhere.read().reviewed == {}
