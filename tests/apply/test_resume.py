"""A run stopped at each step resumes by asking TikTok, never by a second post.

The stop is raised from the engine's event callback at a chosen event: the state is exactly
what a process killed at that moment leaves (every transition is written before the next
network call). Real SIGKILLs of the real command are in tests/e2e/test_crash.py.
"""

from __future__ import annotations

import pytest

from gitops_publisher.apply.events import Event, Log, Outcome, UploadProgress

from .harness import (
    CHUNK,
    PostSpec,
    apply_once,
    assert_exactly_once,
    pending_changes,
    read_state,
)

BIG = "media/big.mp4"


class Killed(BaseException):
    """Stands for the process dying: nothing after it runs."""


def stop_when(predicate):
    def on_event(event: Event) -> None:
        if predicate(event):
            raise Killed

    return on_event


def converge(root, em, tokens, runs: int = 4) -> list[list[tuple[str, str]]]:
    seen = []
    for _ in range(runs):
        if not pending_changes(root):
            break
        report = apply_once(root, em, tokens)
        seen.append([(r.action, r.outcome.value) for r in report.results])
    assert pending_changes(root) == []
    return seen


@pytest.fixture
def big_post(project):
    return project(
        ["brand-us"], [PostSpec("launch", ["brand-us"], video=BIG)], big={BIG: 2 * CHUNK + 4321}
    )


def test_killed_between_init_and_upload_resumes_then_publishes_once(big_post, emulator, tokens):
    root = big_post
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        with pytest.raises(Killed):
            apply_once(
                root,
                em,
                tokens,
                on_event=stop_when(lambda e: isinstance(e, Log) and "uploading" in e.message),
            )
        record = read_state(root).resources["launch@brand-us"]
        assert record.status == "uploading" and record.publish_id  # write-ahead
        assert pending_changes(root) == ["launch@brand-us:resume"]
        steps = converge(root, em, tokens)
        # resume asks TikTok: nothing arrived, so it is abandoned; then published anew
        assert steps == [[("resume", "failed")], [("retry", "published")]]
        assert_exactly_once(root, em.posts(), {"launch@brand-us": BIG})
        first = next(p for p in em.posts() if p["publish_id"] == record.publish_id)
        assert first["status"] == "PROCESSING_UPLOAD" and first["byte_count"] == 0


def test_killed_mid_upload_never_publishes_the_partial_upload(big_post, emulator, tokens):
    root = big_post
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        mid = stop_when(lambda e: isinstance(e, UploadProgress) and CHUNK < e.sent < e.total)
        with pytest.raises(Killed):
            apply_once(root, em, tokens, on_event=mid)
        converge(root, em, tokens)
        assert_exactly_once(root, em.posts(), {"launch@brand-us": BIG})
        partial = [p for p in em.posts() if p["status"] != "PUBLISH_COMPLETE"]
        assert len(partial) == 1 and 0 < partial[0]["byte_count"] < partial[0]["video_size"]


def test_killed_between_upload_and_status_resumes_without_a_new_init(big_post, emulator, tokens):
    root = big_post
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        after_upload = stop_when(lambda e: isinstance(e, Log) and e.message.startswith("uploaded;"))
        with pytest.raises(Killed):
            apply_once(root, em, tokens, on_event=after_upload)
        record = read_state(root).resources["launch@brand-us"]
        assert record.status == "processing"
        inits = [r for r in em.requests() if r["endpoint"] == "video_init"]
        steps = converge(root, em, tokens)
        assert steps == [[("resume", "published")]]
        assert [r for r in em.requests() if r["endpoint"] == "video_init"] == inits
        found = assert_exactly_once(root, em.posts(), {"launch@brand-us": BIG})
        assert found["launch@brand-us"]["publish_id"] == record.publish_id
        assert len(em.posts()) == 1


def test_ctrl_c_mid_upload_leaves_a_consistent_state_and_releases_the_lock(
    big_post, emulator, tokens
):
    root = big_post
    with emulator() as em:
        tokens.login(em, ["brand-us"])

        def interrupt(event: Event) -> None:
            if isinstance(event, UploadProgress) and event.sent > CHUNK:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            apply_once(root, em, tokens, on_event=interrupt)
        state = read_state(root)  # a valid state file, the publish_id in it
        assert state.resources["launch@brand-us"].status == "uploading"
        assert not (root / ".publisher" / "state.json.lock").exists()
        steps = converge(root, em, tokens)  # the lock is free: the next apply runs
        assert steps[0][0][0] == "resume"
        assert_exactly_once(root, em.posts(), {"launch@brand-us": BIG})


def test_a_stop_on_one_account_does_not_lose_the_other_accounts_posts(project, emulator, tokens):
    accounts = ["a1", "a2"]
    root = project(accounts, [PostSpec(f"p{i}", accounts) for i in range(2)])
    with emulator() as em:
        tokens.login(em, accounts)
        stop = stop_when(lambda e: getattr(e, "outcome", None) is Outcome.PUBLISHED)
        with pytest.raises(Killed):
            apply_once(root, em, tokens, on_event=stop)
        converge(root, em, tokens)
        expected = {f"p{i}@{a}": "media/tutorial-part1.mp4" for i in range(2) for a in accounts}
        assert_exactly_once(root, em.posts(), expected)


def test_a_resumed_public_post_gets_its_url(project, emulator, tokens):
    # The account check of the run that resumes gives the creator's handle even when the
    # account publishes nothing new in that run, so the resumed post's URL can be built.
    root = project(["brand-us"], [PostSpec("launch", ["brand-us"], privacy="PUBLIC_TO_EVERYONE")])
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        after_upload = stop_when(lambda e: isinstance(e, Log) and e.message.startswith("uploaded;"))
        with pytest.raises(Killed):
            apply_once(root, em, tokens, on_event=after_upload)
        assert converge(root, em, tokens) == [[("resume", "published")]]
        record = read_state(root).resources["launch@brand-us"]
        found = assert_exactly_once(
            root, em.posts(), {"launch@brand-us": "media/tutorial-part1.mp4"}
        )
        ids = [str(i) for i in found["launch@brand-us"]["post_ids"]]
        assert ids and record.url == f"https://www.tiktok.com/@brand-us/video/{ids[0]}"
