"""The git-branch state store against a real bare remote: orphan branch, push per write, races."""

from __future__ import annotations

import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pinned_git
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pinned_git import commit_all, git, init_repo, push_to_new_bare

from gitops_publisher.core import handles
from gitops_publisher.core.state import STATE_VERSION, Endpoint, Record, State
from gitops_publisher.errors import (
    StateBindingError,
    StateConflictError,
    StateError,
    StateLockedError,
)
from gitops_publisher.planning import adopts_unbound
from gitops_publisher.workspace.git_state import GitBranchStateStore
from gitops_publisher.workspace.state_file import dump_state, load_state
from gitops_publisher.workspace.state_merge import (
    StateEncoder,
    diff_records,
    envelope_changes,
    replay,
)
from gitops_publisher.workspace.state_stores import BoundStateStore

from .records import T0
from .records import record as workspace_record


def record(post_id: str, account: str = "brand-us", **changes: object) -> Record:
    """What a run records first: uploading, with a publish_id of its own."""
    first = {"status": "uploading", "video": "media/a.mp4", "publish_id": f"v_pub~{post_id}"}
    return workspace_record(post_id, account, **(first | changes))


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    seed = init_repo(tmp_path / "seed")
    (seed / "publisher.yaml").write_text("version: 1\n")
    commit_all(seed, "content")
    return push_to_new_bare(seed, tmp_path / "remote.git")


def clone(remote: Path, name: str) -> Path:
    return pinned_git.clone(remote, remote.parent / name)


def remote_state(remote: Path, path: str = "state.json") -> State:
    data = subprocess.run(
        ["git", "show", f"publisher-state:{path}"],
        cwd=remote,
        check=True,
        capture_output=True,
    ).stdout
    return load_state(data, source="remote")


def log(remote: Path) -> list[str]:
    return git(remote, "log", "--format=%s", "publisher-state").splitlines()


def test_missing_branch_reads_empty_and_first_write_creates_an_orphan_branch(remote: Path) -> None:
    work = clone(remote, "a")
    store = GitBranchStateStore(work, ".publisher/state.json")
    state = store.read()
    assert state.resources == {} and state.serial == 0
    assert store.read().lineage == state.lineage  # one lineage until the first write

    store.write(state.with_record(record("launch")))

    on_remote = remote_state(remote, ".publisher/state.json")
    assert list(on_remote.resources) == ["launch@brand-us"]
    assert on_remote.lineage == state.lineage
    assert git(remote, "rev-list", "--count", "publisher-state").strip() == "1"  # orphan
    assert log(remote) == ["publisher: record launch@brand-us (uploading)"]
    # the work tree, index and HEAD are untouched
    assert git(work, "status", "--porcelain") == ""
    assert git(work, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_a_missing_branch_starts_from_the_state_file_of_the_work_tree(remote: Path) -> None:
    # A project that kept its state in a file (`publisher init` writes `backend: file`; posts
    # imported or applied locally), whose workflow's `state-branch` then reads the branch:
    # an empty state there would publish every recorded post again.
    work = clone(remote, "a")
    (work / ".publisher").mkdir()
    committed = State().with_record(record("launch", status="published"))
    (work / ".publisher" / "state.json").write_bytes(dump_state(committed))
    commit_all(work, "state")
    notes: list[str] = []
    store = GitBranchStateStore(work, ".publisher/state.json", notify=notes.append)

    state = store.read()
    assert set(state.resources) == {"launch@brand-us"}
    assert store.read().resources == state.resources  # read again, before any write
    assert any("launch" not in n and "1 record" in n for n in notes), notes
    store.write(state.with_record(record("teaser")))

    # The first write pushes the file's records with this run's: nothing is left behind.
    on_remote = remote_state(remote, ".publisher/state.json")
    assert set(on_remote.resources) == {"launch@brand-us", "teaser@brand-us"}
    assert on_remote.resources["launch@brand-us"] == committed.resources["launch@brand-us"]
    # From then on the branch is the state: the work tree's file is not read again.
    (work / ".publisher" / "state.json").write_bytes(dump_state(State()))
    again = GitBranchStateStore(clone(remote, "b"), ".publisher/state.json").read()
    assert set(again.resources) == {"launch@brand-us", "teaser@brand-us"}
    assert set(GitBranchStateStore(work, ".publisher/state.json").read().resources) == {
        "launch@brand-us",
        "teaser@brand-us",
    }


def test_orphan_branch_shares_no_history_with_content(remote: Path) -> None:
    store = GitBranchStateStore(clone(remote, "a"), "state.json")
    store.write(store.read().with_record(record("launch")))
    done = subprocess.run(
        ["git", "merge-base", "main", "publisher-state"], cwd=remote, capture_output=True
    )
    assert done.returncode == 1


def test_every_write_is_one_pushed_commit_listing_the_addresses(remote: Path) -> None:
    store = GitBranchStateStore(clone(remote, "a"), ".publisher/state.json")
    state = store.read().with_record(record("a")).with_record(record("b"))
    store.write(state)
    state = state.with_record(record("a", status="published"))
    store.write(state)
    assert log(remote) == [
        "publisher: record a@brand-us (published)",
        "publisher: record a@brand-us (uploading), b@brand-us (uploading)",
    ]
    body = git(remote, "log", "-1", "--format=%b", "publisher-state")
    assert "- a@brand-us (published)" in body
    assert remote_state(remote, ".publisher/state.json").serial == 2


def test_no_commit_when_nothing_changed(remote: Path) -> None:
    store = GitBranchStateStore(clone(remote, "a"), "state.json")
    state = store.read().with_record(record("a"))
    store.write(state)
    store.write(state)
    fresh = GitBranchStateStore(clone(remote, "b"), "state.json")
    fresh.write(fresh.read())
    assert len(log(remote)) == 1


def test_a_second_clone_reads_what_the_first_pushed(remote: Path) -> None:
    first = GitBranchStateStore(clone(remote, "a"), "state.json")
    first.write(first.read().with_record(record("a", status="published")))
    second = GitBranchStateStore(clone(remote, "b"), "state.json")
    assert second.read().resources["a@brand-us"].status == "published"


def test_push_race_replays_disjoint_records_on_the_new_tip(remote: Path) -> None:
    one = GitBranchStateStore(clone(remote, "a"), "state.json")
    two = GitBranchStateStore(clone(remote, "b"), "state.json")
    s1, s2 = one.read(), two.read()
    one.write(s1.with_record(record("a", account="brand-us")))
    s2 = s2.with_record(record("b", account="brand-uk"))
    two.write(s2)  # rejected, re-fetched, replayed
    two.write(s2.with_record(record("b", account="brand-uk", status="published")))

    final = remote_state(remote)
    assert sorted(final.resources) == ["a@brand-us", "b@brand-uk"]
    assert final.resources["b@brand-uk"].status == "published"
    assert final.lineage == s1.lineage  # the first branch's lineage wins for both
    assert final.serial == 3
    assert len(log(remote)) == 3


def test_the_same_address_recorded_differently_is_a_conflict(remote: Path) -> None:
    one = GitBranchStateStore(clone(remote, "a"), "state.json")
    two = GitBranchStateStore(clone(remote, "b"), "state.json")
    s1, s2 = one.read(), two.read()
    one.write(s1.with_record(record("launch", publish_id="v_pub~one")))
    with pytest.raises(StateConflictError, match=r"launch@brand-us differently") as caught:
        two.write(s2.with_record(record("launch", publish_id="v_pub~two")))
    assert "concurrency" in caught.value.hint
    assert remote_state(remote).resources["launch@brand-us"].publish_id == "v_pub~one"


def test_threads_racing_on_one_remote_lose_nothing(remote: Path) -> None:
    clones = [clone(remote, f"c{i}") for i in range(4)]
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            store = GitBranchStateStore(clones[index], "state.json", sleep=lambda _s: None)
            state = store.read()
            for step in range(3):
                rec = record(f"p{index}-{step}", account=f"acct{index}")
                state = state.with_record(rec)
                store.write(state)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    final = remote_state(remote)
    assert len(final.resources) == 12
    assert final.serial == 12


def test_two_stores_of_one_clone_push_from_two_threads_without_ref_lock_errors(
    remote: Path,
) -> None:
    # An apply writes records from its state thread while the token mirror pushes a rotated
    # token from the event loop: two stores of one clone share the remote-tracking ref.
    work = clone(remote, "work")
    records = GitBranchStateStore(work, "state.json", sleep=lambda _s: None)
    tokens = GitBranchStateStore(work, "state.json", sleep=lambda _s: None)
    errors: list[BaseException] = []

    def write_records() -> None:
        try:
            state = records.read()
            for step in range(15):
                state = state.with_record(record(f"p{step}"))
                records.write(state)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def push_tokens() -> None:
        try:
            for step in range(15):
                tokens.read()
                data = f"token file {step}\n".encode()
                tokens.put_bytes(
                    ".publisher/tokens.enc", data, message="t\n", merge=lambda _c, d=data: d
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    done = threading.Event()

    def keep_fetching() -> None:  # what another store's read does meanwhile
        reader = GitBranchStateStore(work, "state.json")
        try:
            while not done.is_set():
                reader.read()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writers = [threading.Thread(target=write_records), threading.Thread(target=push_tokens)]
    fetcher = threading.Thread(target=keep_fetching)
    fetcher.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    done.set()
    fetcher.join(timeout=60)
    assert errors == []
    assert len(remote_state(remote).resources) == 15
    shown = git(remote, "show", "publisher-state:.publisher/tokens.enc")
    assert shown == "token file 14\n"


def test_removal_is_recorded_and_replayed(remote: Path) -> None:
    store = GitBranchStateStore(clone(remote, "a"), "state.json")
    state = store.read().with_record(record("a")).with_record(record("b"))
    store.write(state)
    store.write(state.without("a@brand-us"))
    assert list(remote_state(remote).resources) == ["b@brand-us"]
    assert log(remote)[0] == "publisher: record a@brand-us (removed)"


def test_subdirectory_projects_keep_their_own_file(remote: Path) -> None:
    work = clone(remote, "a")
    (work / "team-a").mkdir()
    store = GitBranchStateStore.for_project(
        work / "team-a", ".publisher/state.json", branch="publisher-state"
    )
    assert store.path == "team-a/.publisher/state.json"
    store.write(store.read().with_record(record("a")))
    assert remote_state(remote, "team-a/.publisher/state.json").resources
    assert store.list_paths() == ["team-a/.publisher/state.json"]


def test_newer_version_on_the_branch_is_refused(remote: Path) -> None:
    store = GitBranchStateStore(clone(remote, "a"), "state.json")
    store.write(store.read().with_record(record("a")))
    work = clone(remote, "b")
    git(work, "checkout", "-q", "publisher-state")
    (work / "state.json").write_text('{"version": 99}')
    git(work, "commit", "-qam", "future")
    git(work, "push", "-q", "origin", "publisher-state")
    with pytest.raises(StateError, match="newer gitops-publisher"):
        store.read()


def test_unreachable_remote_is_a_state_error(tmp_path: Path, remote: Path) -> None:
    work = clone(remote, "a")
    git(work, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    with pytest.raises(StateError, match="could not fetch the state branch"):
        GitBranchStateStore(work, "state.json").read()


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="needs a git repository"):
        GitBranchStateStore(tmp_path, "state.json")


def test_lock_is_held_per_clone(remote: Path) -> None:
    work = clone(remote, "a")
    store, other = GitBranchStateStore(work, "state.json"), GitBranchStateStore(work, "state.json")
    with store.lock(purpose="apply"), pytest.raises(StateLockedError), other.lock(purpose="apply"):
        pass
    with other.lock(purpose="apply"):
        pass


def test_the_held_lock_id_is_the_clones_own(remote: Path) -> None:
    """Runs of one clone share a lock id; another clone's runs (other machines) never do."""
    one, two = clone(remote, "a"), clone(remote, "b")
    ids = []
    for work in (one, one, two):
        store = GitBranchStateStore(work, "state.json")
        with store.lock(purpose="apply"):
            ids.append(store.held_lock())
        assert store.held_lock() is None
    assert ids[0] is not None and ids[0] == ids[1] != ids[2]


# --- the pure merge ------------------------------------------------------------------------

addresses = st.sampled_from([f"p{i}" for i in range(6)])


@given(
    base_ids=st.sets(addresses),
    ours=st.dictionaries(addresses, st.sampled_from(["uploading", "published", None])),
    theirs=st.dictionaries(addresses, st.sampled_from(["processing", "failed", None])),
)
def test_replay_keeps_both_sides_when_they_touch_different_addresses(
    base_ids: set[str], ours: dict[str, str | None], theirs: dict[str, str | None]
) -> None:
    theirs = {k: v for k, v in theirs.items() if k not in ours}  # disjoint changes
    base = State()
    for post in base_ids:
        base = base.with_record(record(post))

    def changed(state: State, edits: dict[str, str | None]) -> State:
        for post, status in edits.items():
            if status is None:
                state = state.without(f"{post}@brand-us")
            else:
                state = state.with_record(record(post, status=status))
        return state

    mine, other = changed(base, ours), changed(base, theirs)
    merged = replay(diff_records(base, mine), base, other)
    for post in {*ours, *theirs, *base_ids}:
        address = f"{post}@brand-us"
        expected = (mine if post in ours else other).resources.get(address)
        assert merged.resources.get(address) == expected
    assert merged.lineage == other.lineage


def test_replay_with_nothing_new_returns_the_same_state() -> None:
    base = State().with_record(record("a"))
    assert replay({}, base, base) is base
    later = base.with_record(record("a", updated_at=T0 + timedelta(seconds=1)))
    assert replay(diff_records(base, later), base, later) is later


def test_an_attempt_another_run_gave_up_on_is_recorded_as_this_run_saw_it_end() -> None:
    # Run B resumed run A's upload, could not send its bytes and recorded it abandoned; run A
    # was alive, sent every byte, and now records the same publish_id as processing.
    base = State().with_record(record("p"))  # uploading v_pub~p, as both runs read it
    later = T0 + timedelta(minutes=1)
    abandoned = base.with_record(
        record("p", status="failed", fail_reason="upload_failed", updated_at=later)
    )
    for status in ("processing", "published"):
        mine = base.with_record(record("p", status=status, updated_at=later))
        merged = replay(diff_records(base, mine), base, abandoned)
        assert merged.resources["p@brand-us"] == mine.resources["p@brand-us"]
        assert merged.serial == abandoned.serial + 1


def test_a_youtube_attempt_is_one_attempt_whichever_form_each_run_keeps_its_session_in() -> None:
    # The state an older version wrote holds the session URI; run B gave the attempt up and
    # wrote it sealed with its key, run A saw every byte arrive and wrote it sealed with its
    # own (another ciphertext): the same session, so A's evidence wins as it did before.
    uri = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=Zq9"
    base = State().with_record(record("p", publish_id=uri))
    later = T0 + timedelta(minutes=1)
    sealed_by_b = handles.sealed_form(uri, "local", "Bbbb")
    abandoned = base.with_record(
        record(
            "p",
            status="failed",
            fail_reason="upload_expired",
            publish_id=sealed_by_b,
            updated_at=later,
        )
    )
    for status, kept in (
        ("processing", handles.sealed_form(uri, "env", "Aaaa")),
        ("published", handles.closed(uri)),
    ):
        mine = base.with_record(record("p", status=status, publish_id=kept, updated_at=later))
        merged = replay(diff_records(base, mine), base, abandoned)
        assert merged.resources["p@brand-us"] == mine.resources["p@brand-us"]
    other = handles.sealed_form(uri.replace("Zq9", "Other"), "env", "Aaaa")
    mine = base.with_record(record("p", status="processing", publish_id=other, updated_at=later))
    with pytest.raises(StateConflictError, match="p@brand-us differently"):
        replay(diff_records(base, mine), base, abandoned)  # another session: a conflict


@pytest.mark.parametrize(
    ("theirs", "mine"),
    [
        # the platform's own verdict on the attempt is not an inference: a conflict
        ({"status": "failed", "fail_reason": "file_format_check_failed"}, {"status": "processing"}),
        # another attempt (a new publish_id) is another post: a conflict
        ({"status": "failed", "fail_reason": "upload_failed", "publish_id": "v_pub~other"},
         {"status": "processing"}),
        # no evidence: this run has not seen the bytes arrive either
        ({"status": "failed", "fail_reason": "upload_failed"},
         {"status": "failed", "fail_reason": "upload_expired"}),
        # the other run has evidence, this one gives up: the other run's record stays
        ({"status": "processing"}, {"status": "failed", "fail_reason": "upload_failed"}),
    ],
)  # fmt: skip
def test_anything_else_both_runs_changed_stays_a_conflict(
    theirs: dict[str, str], mine: dict[str, str]
) -> None:
    base = State().with_record(record("p"))
    later = T0 + timedelta(minutes=1)
    other = base.with_record(record("p", updated_at=later, **theirs))
    ours = base.with_record(record("p", updated_at=later + timedelta(seconds=1), **mine))
    with pytest.raises(StateConflictError, match="p@brand-us differently"):
        replay(diff_records(base, ours), base, other)


# --- the incremental encoder ---------------------------------------------------------------

statuses = st.sampled_from(["initiating", "uploading", "processing", "published", "failed"])


@given(
    steps=st.lists(
        st.tuples(addresses, st.one_of(st.none(), statuses), st.text(max_size=12)), max_size=12
    )
)
def test_encoder_writes_exactly_what_dump_state_writes(
    steps: list[tuple[str, str | None, str]],
) -> None:
    encoder = StateEncoder()
    state = State()
    assert encoder.dump(state) == dump_state(state)
    for post, status, caption_like in steps:
        if status is None:
            state = state.without(f"{post}@brand-us")
        else:
            state = state.with_record(record(post, status=status, fail_reason=caption_like or None))
        assert encoder.dump(state) == dump_state(state)


def test_encoder_writes_the_endpoint_binding_like_dump_state() -> None:
    state = State(
        endpoints={
            "tiktok": Endpoint(api_url="https://open.tiktokapis.com", app="sha256:abababababababab")
        }
    ).with_record(record("a"))
    assert StateEncoder().dump(state) == dump_state(state)


# --- version 1 on the branch, and the endpoint binding ----------------------------------------

V1_GOLDEN = Path(__file__).parent.parent / "golden" / "state" / "v1.json"
TIKTOK = {"tiktok": Endpoint(api_url="https://open.tiktokapis.com", app="sha256:0011223344556677")}
SERVED = {"tiktok": Endpoint(api_url="http://127.0.0.1:8765", app="sha256:0011223344556677")}


def put_on_branch(remote: Path, path: str, data: bytes) -> None:
    """Commit ``data`` as ``path`` on a new publisher-state branch of ``remote``."""
    work = clone(remote, "writer")
    git(work, "checkout", "-q", "--orphan", "publisher-state")
    git(work, "rm", "-rqf", ".")
    (work / path).write_bytes(data)
    git(work, "add", path)
    git(work, "commit", "-qm", "a state written by gitops-publisher 0.x")
    git(work, "push", "-q", "origin", "publisher-state")


def test_a_v1_state_on_the_branch_is_migrated_and_bound_by_its_first_write(remote: Path) -> None:
    put_on_branch(remote, "state.json", V1_GOLDEN.read_bytes())
    store = BoundStateStore(
        GitBranchStateStore(clone(remote, "a"), "state.json"), TIKTOK, adopts_unbound
    )
    state = store.read()
    assert state.version == STATE_VERSION and state.endpoints == {} and state.serial == 4
    store.write(state.with_record(record("a")))
    on_remote = remote_state(remote)
    assert on_remote.version == STATE_VERSION and on_remote.endpoints == TIKTOK
    assert set(load_state(V1_GOLDEN.read_bytes(), source="v1").resources) < set(on_remote.resources)
    served = BoundStateStore(GitBranchStateStore(clone(remote, "b"), "state.json"), SERVED)
    with pytest.raises(StateBindingError, match="http://127.0.0.1:8765"):
        served.read()


def test_a_v1_state_with_records_is_not_adopted_by_a_served_sandbox(remote: Path) -> None:
    put_on_branch(remote, "state.json", V1_GOLDEN.read_bytes())
    served = BoundStateStore(GitBranchStateStore(clone(remote, "a"), "state.json"), SERVED)
    with pytest.raises(StateBindingError, match="from before states recorded their endpoint"):
        served.read()


def test_replay_carries_the_binding_and_refuses_two_different_ones() -> None:
    base = State().with_record(record("a"))
    theirs = base.with_record(record("b"))
    ours = base.model_copy(update={"endpoints": TIKTOK}).with_record(record("c"))
    merged = replay(diff_records(base, ours), base, theirs, envelope_changes(base, ours))
    assert merged.endpoints == TIKTOK
    assert set(merged.resources) == {"a@brand-us", "b@brand-us", "c@brand-us"}
    other = theirs.model_copy(update={"endpoints": SERVED})
    with pytest.raises(StateConflictError, match="endpoints"):
        replay(diff_records(base, ours), base, other, envelope_changes(base, ours))
