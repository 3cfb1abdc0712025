"""The file state store: canonical JSON, atomic writes with a backup, version and lock rules."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitops_publisher.core.models import StateConfig
from gitops_publisher.core.state import STATE_VERSION, State
from gitops_publisher.errors import PublisherError, StateError, StateLockedError
from gitops_publisher.workspace.locking import LockInfo
from gitops_publisher.workspace.state_file import FileStateStore, dump_state, load_state
from gitops_publisher.workspace.state_stores import open_state_store

from .records import T0, record

GOLDENS = Path(__file__).parent.parent / "golden" / "state"
GOLDEN = GOLDENS / "v2.json"  # the current version, bound to TikTok
V1 = GOLDENS / "v1.json"  # as version 1 wrote it (December 2026): no endpoint binding
V1_MIGRATED = GOLDENS / "v1-migrated.json"  # V1 read, then written by this version


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / ".publisher" / "state.json"


@pytest.fixture
def golden_store(state_path: Path) -> FileStateStore:
    state_path.parent.mkdir(parents=True)
    shutil.copyfile(GOLDEN, state_path)
    return FileStateStore(state_path)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# --- canonical format -------------------------------------------------------------------------


def test_golden_state_reserialises_byte_identical() -> None:
    data = GOLDEN.read_bytes()
    state = load_state(data, source="golden")
    assert dump_state(state) == data
    assert state.serial == 5 and state.version == STATE_VERSION == 2
    assert state.endpoints["tiktok"].api_url == "https://open.tiktokapis.com"
    assert state.resources["launch-teaser@brand-us"].status == "published"
    assert state.resources["launch-teaser@brand-uk"].updated_at.utcoffset() is not None


def test_format_is_exactly_json_dumps_sorted_and_indented() -> None:
    state = load_state(GOLDEN.read_bytes(), source="golden")
    expected = json.dumps(
        state.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False
    )
    assert dump_state(state) == (expected + "\n").encode("utf-8")
    assert "media/café.mp4" in GOLDEN.read_text(encoding="utf-8")


def test_format_is_sorted_indented_with_trailing_newline() -> None:
    text = dump_state(State(lineage="l").with_record(record())).decode()
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.startswith('{\n  "endpoints": {},\n  "lineage": "l",\n')
    assert list(json.loads(text)) == ["endpoints", "lineage", "resources", "serial", "version"]


def test_one_changed_record_is_a_small_diff(golden_store: FileStateStore) -> None:
    before = golden_store.path.read_text().splitlines()
    state = golden_store.read()
    failed = state.resources["launch-teaser@brand-uk"]
    golden_store.write(state.with_record(failed.model_copy(update={"status": "published"})))
    after = golden_store.path.read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [
        ('      "status": "processing",', '      "status": "published",'),
        ('  "serial": 5,', '  "serial": 6,'),
    ]


# --- migration from older versions ------------------------------------------------------------


def test_v1_golden_migrates_to_the_current_version_unbound() -> None:
    state = load_state(V1.read_bytes(), source="v1")
    assert state.version == STATE_VERSION and state.endpoints == {}
    assert dump_state(state) == V1_MIGRATED.read_bytes()
    # Only the envelope changed: every record (and so every fingerprint) is kept as it was.
    v1_records = json.loads(V1.read_text(encoding="utf-8"))["resources"]
    assert state.model_dump(mode="json")["resources"] == v1_records
    assert state.serial == 4 and state.lineage == "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def test_v1_file_is_rewritten_as_current_version_by_the_first_write_keeping_a_v1_backup(
    state_path: Path,
) -> None:
    state_path.parent.mkdir(parents=True)
    shutil.copyfile(V1, state_path)
    store = FileStateStore(state_path)
    state = store.read()
    assert state_path.read_bytes() == V1.read_bytes()  # reading never rewrites
    store.write(state.with_record(record()))
    written = json.loads(state_path.read_text(encoding="utf-8"))
    assert written["version"] == STATE_VERSION and written["endpoints"] == {}
    assert store.backup_path.read_bytes() == V1.read_bytes()
    assert FileStateStore(state_path).read().resources["launch@brand-us"] == record()


def test_every_older_version_has_a_migration_step() -> None:
    from gitops_publisher.workspace.state_file import MIGRATIONS

    assert sorted(MIGRATIONS) == list(range(1, STATE_VERSION))


# --- reading ----------------------------------------------------------------------------------


def test_missing_file_reads_as_empty_state_and_creates_nothing(state_path: Path) -> None:
    store = FileStateStore(state_path)
    first = store.read()
    assert first.resources == {} and first.serial == 0 and first.version == STATE_VERSION
    assert store.read().lineage == first.lineage
    store.write(first)  # nothing to record yet
    assert not state_path.parent.exists()


def test_first_real_write_creates_the_file_with_that_lineage(state_path: Path) -> None:
    store = FileStateStore(state_path)
    empty = store.read()
    store.write(empty.with_record(record()))
    again = FileStateStore(state_path).read()
    assert again.lineage == empty.lineage and again.serial == 1
    assert again.resources["launch@brand-us"] == record()
    assert not store.backup_path.exists()


def test_newer_version_is_refused_naming_both_versions(state_path: Path) -> None:
    state_path.parent.mkdir(parents=True)
    state_path.write_text(json.dumps({"version": 7, "lineage": "x", "serial": 1, "resources": {}}))
    with pytest.raises(StateError) as info:
        FileStateStore(state_path).read()
    message = str(info.value)
    assert "state version 7" in message and f"state version {STATE_VERSION} at most" in message
    assert str(state_path) in message
    assert "upgrade gitops-publisher" in info.value.hint


def test_corrupt_file_names_the_file_and_points_to_the_backup(
    golden_store: FileStateStore,
) -> None:
    state = golden_store.read()
    golden_store.write(state.without("cafe-story@brand-uk"))  # creates the backup
    golden_store.path.write_text('{"version": 1, "lineage": ')  # a torn hand edit
    with pytest.raises(StateError) as info:
        golden_store.read()
    assert str(golden_store.path) in str(info.value) and "not valid JSON" in str(info.value)
    assert "line 1" in str(info.value)
    assert str(golden_store.backup_path) in info.value.hint
    assert load_state(golden_store.backup_path.read_bytes(), source="b").serial == 5


def test_corrupt_file_without_backup_says_restore_from_git(state_path: Path) -> None:
    state_path.parent.mkdir(parents=True)
    state_path.write_bytes(b"\xff\xfe")
    with pytest.raises(StateError, match="not UTF-8") as info:
        FileStateStore(state_path).read()
    assert "git" in info.value.hint


def test_invalid_record_is_reported_by_field_without_echoing_values(state_path: Path) -> None:
    doc = json.loads(GOLDEN.read_text())
    doc["resources"]["launch-teaser@brand-us"]["status"] = "sk-live-THIS-LOOKS-SECRET"
    doc["resources"]["launch-teaser@brand-us"]["token"] = "another-SECRET"
    state_path.parent.mkdir(parents=True)
    state_path.write_text(json.dumps(doc))
    with pytest.raises(StateError) as info:
        FileStateStore(state_path).read()
    message = str(info.value)
    assert "resources.launch-teaser@brand-us.status:" in message
    assert "resources.launch-teaser@brand-us.token: Extra inputs are not permitted" in message
    assert "SECRET" not in message and "SECRET" not in repr(info.value.__cause__)


def test_record_filed_under_another_address_is_refused(state_path: Path) -> None:
    doc = json.loads(dump_state(State().with_record(record())))
    doc["resources"] = {"other@brand-us": doc["resources"]["launch@brand-us"]}
    state_path.parent.mkdir(parents=True)
    state_path.write_text(json.dumps(doc))
    with pytest.raises(StateError, match="resources.other@brand-us holds the record of launch"):
        FileStateStore(state_path).read()


@pytest.mark.parametrize("document", ["[]", '{"lineage": "x"}', '{"version": "1"}'])
def test_documents_that_are_not_state_envelopes_are_refused(
    state_path: Path, document: str
) -> None:
    state_path.parent.mkdir(parents=True)
    state_path.write_text(document)
    with pytest.raises(StateError, match=str(state_path)):
        FileStateStore(state_path).read()


# --- writing ----------------------------------------------------------------------------------


def test_backup_holds_exactly_the_previous_version(golden_store: FileStateStore) -> None:
    previous = golden_store.path.read_bytes()
    state = golden_store.read().with_record(record())
    golden_store.write(state)
    assert golden_store.backup_path.read_bytes() == previous
    newer = state.with_record(record(status="failed", fail_reason="internal"))
    golden_store.write(newer)
    assert golden_store.backup_path.read_bytes() == dump_state(state)
    assert golden_store.path.read_bytes() == dump_state(newer)


def test_unchanged_state_is_not_written(golden_store: FileStateStore) -> None:
    before = golden_store.path.stat()
    state = golden_store.read()
    same = state.with_record(state.resources["launch-teaser@brand-us"])
    assert same.serial == state.serial
    golden_store.write(same)
    golden_store.write(state)
    after = golden_store.path.stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)
    assert not golden_store.backup_path.exists()


def test_crash_at_rename_leaves_the_old_state_and_no_temp_file(
    golden_store: FileStateStore,
) -> None:
    old = golden_store.path.read_bytes()
    target = golden_store.path

    def crash_on_state(src: Path, dst: Path) -> None:
        if Path(dst) == target:
            raise OSError(28, "No space left on device")
        Path(src).replace(dst)

    crashing = FileStateStore(target, replace=crash_on_state)
    with pytest.raises(StateError, match="No space left on device") as info:
        crashing.write(crashing.read().with_record(record()))
    assert "intact" in info.value.hint
    assert target.read_bytes() == old
    assert golden_store.read() == load_state(old, source="old")
    assert leftovers(target.parent) == []


def test_crash_before_any_rename_leaves_the_first_state_absent(state_path: Path) -> None:
    def crash(src: Path, dst: Path) -> None:
        raise OSError(5, "Input/output error")

    store = FileStateStore(state_path, replace=crash)
    with pytest.raises(StateError):
        store.write(State().with_record(record()))
    assert not state_path.exists() and leftovers(state_path.parent) == []


def test_overwriting_another_lineage_is_refused(golden_store: FileStateStore) -> None:
    stranger = State().with_record(record()).with_record(record("b")).with_record(record("c"))
    stranger = stranger.model_copy(update={"serial": 99})
    before = golden_store.path.read_bytes()
    with pytest.raises(StateError, match="holds another state"):
        golden_store.write(stranger)
    assert golden_store.path.read_bytes() == before


def test_a_write_that_would_lose_a_newer_state_is_refused(golden_store: FileStateStore) -> None:
    stale = golden_store.read()
    other_run = FileStateStore(golden_store.path)
    other_run.write(other_run.read().with_record(record("theirs")))
    with pytest.raises(StateError, match=r"serial 6 on disk, this run would write serial 6"):
        golden_store.write(stale.with_record(record("mine")))
    assert "theirs@brand-us" in golden_store.read().resources


def test_written_file_is_readable_by_others(state_path: Path) -> None:
    FileStateStore(state_path).write(State().with_record(record()))
    assert state_path.stat().st_mode & 0o777 == 0o644


# --- locking ----------------------------------------------------------------------------------


def test_lock_file_says_who_holds_it_and_is_removed_after(state_path: Path) -> None:
    store = FileStateStore(state_path, clock=lambda: T0)
    with store.lock(purpose="publisher apply"):
        info = LockInfo.from_bytes(store.lock_path.read_bytes())
        assert info == LockInfo(os.getpid(), socket.gethostname(), "publisher apply", T0)
    assert not store.lock_path.exists()


def test_lock_is_released_when_the_block_raises(state_path: Path) -> None:
    store = FileStateStore(state_path)
    with pytest.raises(RuntimeError), store.lock(purpose="publisher apply"):
        raise RuntimeError("boom")
    with store.lock(purpose="publisher apply"):
        pass


def test_second_lock_in_the_same_process_is_refused_with_holder_and_time(
    state_path: Path,
) -> None:
    first = FileStateStore(state_path, clock=lambda: T0)
    later = datetime(2026, 11, 25, 16, 35, tzinfo=UTC)
    second = FileStateStore(state_path, clock=lambda: later)
    with first.lock(purpose="publisher apply"):
        with pytest.raises(StateLockedError) as info:
            with second.lock(purpose="publisher state rm"):
                pass
        message = str(info.value)
        assert f"the state {state_path} is locked by `publisher apply`" in message
        assert f"pid {os.getpid()} on host {socket.gethostname()}" in message
        assert "since 2026-11-25 16:30:00 UTC (5m ago)" in message
        assert "not re-entrant" in info.value.hint
        assert LockInfo.from_bytes(first.lock_path.read_bytes()) is not None
    with second.lock(purpose="publisher state rm"):
        pass


HOLDER = """
import sys
from pathlib import Path
from gitops_publisher.workspace.state_file import FileStateStore
store = FileStateStore(Path(sys.argv[1]))
with store.lock(purpose="publisher apply"):
    print("locked", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


def test_lock_held_by_another_process_is_refused_until_released(state_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline() == "locked\n"
        store = FileStateStore(state_path)
        with pytest.raises(StateLockedError) as info:
            with store.lock(purpose="publisher apply"):
                pass
        assert f"pid {holder.pid} on host" in str(info.value)
        assert f"stop process {holder.pid}" in info.value.hint
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline() == "released\n"
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    with store.lock(purpose="publisher apply"):
        pass


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


def test_stale_lock_of_a_dead_process_on_this_host_is_taken_over_with_a_notice(
    state_path: Path,
) -> None:
    notices: list[str] = []
    store = FileStateStore(state_path, clock=lambda: T0, notify=notices.append)
    pid = dead_pid()
    stale = LockInfo(
        pid, socket.gethostname(), "publisher apply", datetime(2026, 11, 24, tzinfo=UTC)
    )
    state_path.parent.mkdir(parents=True)
    store.lock_path.write_bytes(stale.to_bytes())
    with store.lock(purpose="publisher state rm"):
        holder = LockInfo.from_bytes(store.lock_path.read_bytes())
        assert holder is not None and holder.pid == os.getpid()
        assert holder.purpose == "publisher state rm"
    assert not store.lock_path.exists()
    assert len(notices) == 1
    assert "stale lock" in notices[0] and f"pid {pid}" in notices[0]
    assert "2026-11-24 00:00:00 UTC" in notices[0] and "no longer running" in notices[0]


def test_lock_from_another_host_is_refused_with_how_to_break_it(state_path: Path) -> None:
    store = FileStateStore(state_path, clock=lambda: T0)
    remote = LockInfo(1, "ci-runner-7", "publisher apply", datetime(2026, 11, 25, 14, tzinfo=UTC))
    state_path.parent.mkdir(parents=True)
    store.lock_path.write_bytes(remote.to_bytes())
    with pytest.raises(StateLockedError) as info:
        with store.lock(purpose="publisher apply"):
            pass
    assert "pid 1 on host ci-runner-7" in str(info.value) and "(2h ago)" in str(info.value)
    assert f"rm {store.lock_path}" in info.value.hint
    assert LockInfo.from_bytes(store.lock_path.read_bytes()) == remote


def test_unreadable_lock_file_is_refused_not_taken(state_path: Path) -> None:
    store = FileStateStore(state_path)
    state_path.parent.mkdir(parents=True)
    store.lock_path.write_text("garbage")
    with pytest.raises(StateLockedError, match="unreadable") as info:
        with store.lock(purpose="publisher apply"):
            pass
    assert f"rm {store.lock_path}" in info.value.hint
    assert store.lock_path.read_text() == "garbage"


def test_an_empty_lock_file_left_by_a_run_killed_as_it_took_the_lock_is_taken_over(
    state_path: Path,
) -> None:
    # A SIGKILL between creating the lock file and writing who holds it leaves it empty;
    # every later run refused it as unreadable, so nothing was published again until a
    # person removed it.
    notices: list[str] = []
    store = FileStateStore(state_path, clock=lambda: T0, notify=notices.append)
    state_path.parent.mkdir(parents=True)
    store.lock_path.write_bytes(b"")
    with store.lock(purpose="publisher apply"):
        holder = LockInfo.from_bytes(store.lock_path.read_bytes())
        assert holder is not None and holder.pid == os.getpid()
    assert not store.lock_path.exists()
    assert len(notices) == 1 and "lock file was empty" in notices[0]


def test_a_run_whose_new_lock_file_is_taken_over_before_it_writes_does_not_also_hold_it(
    state_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other side of the rule above: run A creates the lock file, and before A writes
    # its info, run B finds it empty and takes it over. A must not think it holds it too.
    from gitops_publisher.workspace import locking

    store = FileStateStore(state_path)
    state_path.parent.mkdir(parents=True)
    taker = LockInfo(os.getpid(), socket.gethostname(), "publisher apply", T0)
    real_try_lock = locking.try_lock
    calls = 0

    def taken_over_first(fd: int) -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:  # A's first lock: B takes the empty file over and is still running
            store.lock_path.write_bytes(taker.to_bytes())
            return False
        return real_try_lock(fd)

    monkeypatch.setattr(locking, "try_lock", taken_over_first)
    monkeypatch.setattr(locking, "pid_alive", lambda pid: True)
    with pytest.raises(StateLockedError, match="is locked by `publisher apply`"):
        with store.lock(purpose="publisher apply"):
            pass
    assert LockInfo.from_bytes(store.lock_path.read_bytes()) == taker


def test_a_lock_broken_by_hand_during_a_run_is_not_removed_at_release(state_path: Path) -> None:
    store = FileStateStore(state_path)
    other = FileStateStore(state_path)
    with store.lock(purpose="publisher apply"):
        store.lock_path.unlink()  # someone followed the hint while we still ran
        with other.lock(purpose="publisher apply"):
            pass
        other_lock = LockInfo(1, "elsewhere", "publisher apply", T0)
        store.lock_path.write_bytes(other_lock.to_bytes())
    assert LockInfo.from_bytes(store.lock_path.read_bytes()) == other_lock


# --- the registry -----------------------------------------------------------------------------


def test_registry_opens_the_configured_file(tmp_path: Path) -> None:
    store = open_state_store(tmp_path, StateConfig(path="state/main.json"), sandbox=False)
    assert isinstance(store, FileStateStore)
    assert store.path == tmp_path / "state" / "main.json"


def test_sandbox_keeps_its_own_state(tmp_path: Path) -> None:
    for config in (StateConfig(), StateConfig(backend="git-branch")):
        store = open_state_store(tmp_path, config, sandbox=True)
        assert isinstance(store, FileStateStore)
        assert store.path == tmp_path / ".publisher" / "sandbox" / "state.json"


def test_git_branch_backend_needs_a_git_repository(tmp_path: Path) -> None:
    with pytest.raises(PublisherError, match="git-branch state backend needs a git repository"):
        open_state_store(tmp_path, StateConfig(backend="git-branch"), sandbox=False)


def test_the_held_lock_has_one_id_per_file_and_machine_and_none_while_free(
    tmp_path: Path,
) -> None:
    """What an attempt's ``provenance.lock`` is compared with (apply/inflight.py)."""
    path = tmp_path / "one" / ".publisher" / "state.json"
    store = FileStateStore(path)
    assert store.held_lock() is None
    with store.lock(purpose="apply"):
        first = store.held_lock()
    assert store.held_lock() is None
    later = FileStateStore(path)  # a later run of the same file
    with later.lock(purpose="apply"):
        again = later.held_lock()
        assert FileStateStore(path).held_lock() is None  # a store that holds nothing
    other = FileStateStore(tmp_path / "two" / ".publisher" / "state.json")  # another clone
    with other.lock(purpose="apply"):
        elsewhere = other.held_lock()
    shard = FileStateStore(path.with_name("state.shard-1-of-2.json"))  # its own lock
    with shard.lock(purpose="apply"):
        sharded = shard.held_lock()
    assert first is not None and first.startswith("sha256:") and again == first
    assert elsewhere is not None and len({first, elsewhere, sharded}) == 3
    assert str(tmp_path) not in first  # a digest: no path


def test_a_lock_id_names_the_running_machine(tmp_path: Path) -> None:
    from gitops_publisher.workspace.locking import lock_id

    lock = tmp_path / "state.json.lock"
    boot_a, boot_b = tmp_path / "boot-a", tmp_path / "boot-b"
    boot_a.write_text("1b7c9f3e-0000-4000-8000-000000000001\n")
    boot_b.write_text("1b7c9f3e-0000-4000-8000-000000000002\n")  # another machine, or rebooted
    assert lock_id(lock, boot_id=boot_a) == lock_id(lock, boot_id=boot_a)
    assert lock_id(lock, boot_id=boot_a) != lock_id(lock, boot_id=boot_b)
    # Without a boot id (not Linux) the host name stands in for the machine.
    assert lock_id(lock, boot_id=tmp_path / "missing").startswith("sha256:")
