"""The engine through the provider port, on the fake platform: exactly once, without HTTP.

Each test runs the real planner and the real engine against :class:`FakeProvider`, whose
script says how the platform answers; the fake keeps the platform's truth, which the state
is compared with. The emulator suites remain the integration tier.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_publisher.apply.engine import Engine
from gitops_publisher.apply.events import Event, Log, Outcome, Result
from gitops_publisher.apply.inflight import CLOCK_SKEW
from gitops_publisher.apply.settle import PollPolicy
from gitops_publisher.apply.statebox import StateBox
from gitops_publisher.core import handles
from gitops_publisher.core.address import Address
from gitops_publisher.core.desired import DesiredPost, VideoRef
from gitops_publisher.core.plan import Action
from gitops_publisher.core.planner import plan
from gitops_publisher.core.ports import Failed, NotStarted, Published
from gitops_publisher.core.state import MemoryStateStore, Provenance, Record
from gitops_publisher.errors import ApiError, AuthError
from gitops_publisher.providers.errors import RateLimited, UploadContended, UploadError
from gitops_publisher.providers.fake import FakePlatform, FakeProvider, FakeSealer, Script

from .builders import NOW, desired_post

SIZE = 1000
SEALED_LIFETIME = timedelta(days=7)  # the World's platform's sealed handles (as YouTube's)


class Killed(BaseException):
    """The process dies here (SIGKILL): nothing after this line of the run happens."""


def post(post_id: str = "teaser", account: str = "brand-us") -> DesiredPost:
    base = desired_post(post_id)
    return DesiredPost(**{**base.__dict__, "address": Address(post_id, account)})


class World:
    """One project's state across runs, and the fake platform's accounts."""

    def __init__(self, root: Path, **accounts: FakeProvider) -> None:
        self.root = root
        (root / "media").mkdir(parents=True, exist_ok=True)
        (root / "media" / "a.mp4").write_bytes(b"\0" * SIZE)
        self.store = MemoryStateStore()
        self.accounts = accounts or {"brand-us": FakeProvider()}
        self.events: list[Event] = []
        self.sealer = FakeSealer()  # this machine's key: every run of the world has it
        self.platform = FakePlatform(sealed_handle_lifetime=SEALED_LIFETIME)

    def record(self, address: str = "teaser@brand-us") -> Record:
        return self.store.state.resources[address]

    def actions(self, posts: Sequence[DesiredPost]) -> dict[str, str]:
        planned = plan(posts, self.store.read(), NOW, accounts={})
        return {c.address: c.action.value for c in planned.changes}

    def apply(
        self, posts: Sequence[DesiredPost], *, at: datetime = NOW, lock: str | None = None
    ) -> list[Result]:
        """One run at ``at``, holding the state lock ``lock`` (None: none that proves anything)."""
        planned = plan(posts, self.store.read(), at, accounts={})

        async def sleep(_seconds: float) -> None:
            return None

        engine = Engine(
            box=StateBox(self.store, self.store.read(), sealer=self.sealer),
            providers=self.accounts,
            root=self.root,
            now=lambda: at,
            sleep=sleep,
            clock=lambda: 0.0,
            emit=self.events.append,
            provenance=Provenance(lock=lock),
            poll=PollPolicy(initial=1, factor=1, maximum=1, timeout=10, moderation_wait=3),
            upload_lifetimes=dict.fromkeys(self.accounts, self.platform.upload_target_lifetime),
            sealed_lifetimes=dict.fromkeys(self.accounts, self.platform.sealed_handle_lifetime),
        )
        by_address = {str(p.address): p for p in posts}
        return asyncio.run(engine.run(planned, by_address))


def outcomes(results: Sequence[Result]) -> list[tuple[str, str, Outcome]]:
    return [(r.address, r.action, r.outcome) for r in results]


def test_the_handle_is_recorded_before_the_first_byte(tmp_path: Path) -> None:
    fake = FakeProvider()
    world = World(tmp_path, **{"brand-us": fake})
    seen: list[Record] = []

    def on_call(method: str, handle: str) -> None:
        if method == "transfer":
            seen.append(world.record())

    fake.on_call = on_call
    results = world.apply([post()])
    assert outcomes(results) == [("teaser@brand-us", "create", Outcome.PUBLISHED)]
    [at_transfer] = seen
    assert at_transfer.status == "uploading" and at_transfer.publish_id == "fake_pub~1"
    assert world.store.writes >= 2  # the intent, then the handle, before any byte
    assert world.record().status == "published" and world.record().url
    assert fake.published() == ["fake_pub~1"]


def test_no_second_start_after_a_lost_start_answer(tmp_path: Path) -> None:
    fake = FakeProvider(scripts=[Script(lose_answer=True)])
    world = World(tmp_path, **{"brand-us": fake})
    results = world.apply([post()])
    assert outcomes(results) == [("teaser@brand-us", "create", Outcome.FAILED)]
    assert fake.count("start") == 1 and fake.count("transfer") == 0
    assert world.record().status == "initiating" and world.record().publish_id is None
    # The lost attempt got no byte, so it cannot publish: the next run may start again.
    assert world.actions([post()]) == {"teaser@brand-us": "retry"}
    assert outcomes(world.apply([post()])) == [("teaser@brand-us", "retry", Outcome.PUBLISHED)]
    assert fake.count("start") == 2 and len(fake.published()) == 1


def test_killed_mid_transfer_resumes_from_the_handle_at_the_reported_offset(
    tmp_path: Path,
) -> None:
    fake = FakeProvider(capability=True, default=Script(resumable=True))
    world = World(tmp_path, **{"brand-us": fake})

    def kill_mid_transfer(method: str, handle: str) -> None:
        if method == "transfer" and fake.publishes[handle].transfers == 0:
            fake.publishes[handle].received = 400  # the platform kept the first 400 bytes
            fake.publishes[handle].size = SIZE
            raise Killed

    fake.on_call = kill_mid_transfer
    with pytest.raises(Killed):
        world.apply([post()])
    [handle] = fake.publishes
    sealed = world.record().publish_id or ""
    assert world.record().status == "uploading" and handles.is_sealed(sealed)
    assert handles.same(sealed, handle)  # the state holds it sealed, never as it is
    fake.on_call = None
    assert world.actions([post()]) == {"teaser@brand-us": "resume"}
    results = world.apply([post()])
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.PUBLISHED)]
    assert fake.count("start") == 1  # resumed, never started again
    transfers = [h for m, h in fake.calls if m == "transfer"]
    assert transfers == [handle, handle]
    assert fake.published() == [handle]
    # Published: the state keeps the session closed (shown form and digest, no capability).
    assert handles.is_closed(world.record().publish_id or "")
    assert handles.same(world.record().publish_id, handle)
    # A capability handle is stored, never shown.
    shown = [e for e in world.events if isinstance(e, Log | Result)]
    assert all(handle not in str(e) for e in shown)


LOCK_A = "sha256:" + "a" * 16  # the state lock of clone A (its machine, directory, file)
LOCK_B = "sha256:" + "b" * 16  # another clone's: proves nothing about A's runs
WINDOW = timedelta(hours=1) + CLOCK_SKEW  # the fake's upload target lifetime + the margin


def interrupted_mid_transfer(world: World, fake: FakeProvider, *, lock: str | None) -> Record:
    """Run A starts the post and stops with 400 of its bytes sent (killed, or still going)."""

    def stop(method: str, handle: str) -> None:
        if method == "transfer":
            fake.publishes[handle].received, fake.publishes[handle].size = 400, SIZE
            raise Killed

    fake.on_call = stop
    with pytest.raises(Killed):
        world.apply([post()], lock=lock)
    fake.on_call = None
    record = world.record()
    assert record.status == "uploading" and record.updated_at == NOW
    return record


def test_a_young_unfinished_upload_another_run_may_be_sending_is_left_pending(
    tmp_path: Path,
) -> None:
    """Two clones: B must not give up the upload A may still be sending (TikTok-like)."""
    fake = FakeProvider()  # only the run that started it can send the rest
    world = World(tmp_path, **{"brand-us": fake})
    started = interrupted_mid_transfer(world, fake, lock=LOCK_A)
    for minutes in (1, 40, 74):  # B, then later runs of B's clone, all inside the window
        results = world.apply([post()], at=NOW + timedelta(minutes=minutes), lock=LOCK_B)
        assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.PENDING)]
        assert world.record() == started  # untouched: no "failed", so nothing retries it
        assert world.actions([post()]) == {"teaser@brand-us": "resume"}
    assert "another run may still be uploading it" in results[0].message
    assert "left as it is until 2026-12-01 10:15 UTC" in results[0].message, results[0].message
    assert fake.count("start") == 1 and fake.count("transfer") == 1
    # A was alive after all: its upload completes, and the next run records the one post.
    fake.publishes["fake_pub~1"].received = SIZE
    results = world.apply([post()], at=NOW + timedelta(minutes=50), lock=LOCK_B)
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.PUBLISHED)]
    assert fake.published() == ["fake_pub~1"] and fake.count("start") == 1


def test_an_unfinished_upload_past_its_upload_window_is_abandoned_then_published_once(
    tmp_path: Path,
) -> None:
    fake = FakeProvider()
    world = World(tmp_path, **{"brand-us": fake})
    interrupted_mid_transfer(world, fake, lock=LOCK_A)
    late = NOW + WINDOW + timedelta(seconds=1)  # nobody can send its bytes any more
    results = world.apply([post()], at=late, lock=LOCK_B)
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.FAILED)]
    assert "the interrupted upload cannot complete" in results[0].message
    assert world.record().fail_reason == "upload_failed" and fake.count("start") == 1
    assert world.actions([post()]) == {"teaser@brand-us": "retry"}
    assert outcomes(world.apply([post()], at=late)) == [
        ("teaser@brand-us", "retry", Outcome.PUBLISHED)
    ]
    assert len(fake.published()) == 1
    assert [h.publish_id for h in world.record().history] == ["fake_pub~1"]


def test_a_rerun_under_the_lock_the_upload_was_started_under_gives_it_up_at_once(
    tmp_path: Path,
) -> None:
    """A crash rerun in the same clone: the run that started it held this lock, so it ended."""
    fake = FakeProvider()
    world = World(tmp_path, **{"brand-us": fake})
    assert interrupted_mid_transfer(world, fake, lock=LOCK_A).provenance.lock == LOCK_A
    results = world.apply([post()], at=NOW + timedelta(minutes=1), lock=LOCK_A)
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.FAILED)]
    assert world.record().fail_reason == "upload_failed"
    world.apply([post()], at=NOW + timedelta(minutes=2), lock=LOCK_A)
    assert len(fake.published()) == 1 and fake.count("start") == 2


def test_no_lock_proves_nothing_even_when_neither_run_had_one(tmp_path: Path) -> None:
    fake = FakeProvider()
    world = World(tmp_path, **{"brand-us": fake})
    started = interrupted_mid_transfer(world, fake, lock=None)
    results = world.apply([post()], at=NOW + timedelta(minutes=1), lock=None)
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.PENDING)]
    assert world.record() == started


def test_a_lost_final_answer_is_asked_about_not_uploaded_again(tmp_path: Path) -> None:
    fake = FakeProvider(default=Script(lose_last_answer=True, processing_polls=2))
    world = World(tmp_path, **{"brand-us": fake})
    results = world.apply([post()])
    assert outcomes(results) == [("teaser@brand-us", "create", Outcome.PUBLISHED)]
    assert fake.count("start") == 1 and fake.count("transfer") == 1
    assert len(fake.published()) == 1


def test_a_dropped_transfer_fails_without_a_post_and_the_next_run_retries(
    tmp_path: Path,
) -> None:
    fake = FakeProvider(scripts=[Script(drop_at=300)])
    world = World(tmp_path, **{"brand-us": fake})
    results = world.apply([post()])
    assert outcomes(results) == [("teaser@brand-us", "create", Outcome.FAILED)]
    assert world.record().fail_reason == "upload_failed"
    assert world.actions([post()]) == {"teaser@brand-us": "retry"}
    world.apply([post()])
    assert len(fake.published()) == 1 and fake.count("start") == 2


def test_an_expired_upload_target_with_nothing_sent_starts_once_more(tmp_path: Path) -> None:
    fake = FakeProvider(scripts=[Script(expire=True)])
    world = World(tmp_path, **{"brand-us": fake})
    results = world.apply([post()])
    assert outcomes(results) == [("teaser@brand-us", "create", Outcome.PUBLISHED)]
    assert fake.count("start") == 2 and len(fake.published()) == 1
    assert [h.fail_reason for h in world.record().history] == ["upload_expired"]


def killed_as_the_transfer_begins(
    world: World, fake: FakeProvider, lock: str | None = None
) -> None:
    """One run killed as the video's transfer begins (the handle recorded, no byte sent)."""

    def kill(method: str, handle: str) -> None:
        if method == "transfer":
            raise Killed

    fake.on_call = kill
    with pytest.raises(Killed):
        world.apply([post()], lock=lock)
    fake.on_call = None


def test_a_gone_session_on_resume_means_nothing_was_published(tmp_path: Path) -> None:
    fake = FakeProvider(capability=True, default=Script(resumable=True, gone=True))
    world = World(tmp_path, **{"brand-us": fake})
    killed_as_the_transfer_begins(world, fake)
    results = world.apply([post()])
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.FAILED)]
    assert world.record().fail_reason == "upload_expired"
    assert world.actions([post()]) == {"teaser@brand-us": "retry"}


def test_a_handle_forgotten_after_every_byte_arrived_is_never_published_again(
    tmp_path: Path,
) -> None:
    """A record past ``uploading`` says the platform accepted every byte: its post exists.

    YouTube's completed session replays the video for a while, then may expire (reference
    §6: "if the old session had already completed you now duplicate"). A run that found the
    handle gone took it for an upload that never happened, recorded it ``upload_expired``
    and the next run uploaded the video again: two posts for one address.
    """

    class Expiring(FakeProvider):
        async def outcome(
            self, handle: str, size: int, *, privacy: str | None = None, attempt: Any = None
        ) -> Any:
            if handle in expired:
                self._seen("outcome", handle)
                return NotStarted("the upload session answered HTTP 404 (fake)")
            return await super().outcome(handle, size, privacy=privacy, attempt=attempt)

    expired: set[str] = set()
    fake = Expiring(capability=True, default=Script(resumable=True, processing_polls=50))
    world = World(tmp_path, **{"brand-us": fake})
    assert outcomes(world.apply([post()])) == [("teaser@brand-us", "create", Outcome.PENDING)]
    handle = world.record().publish_id
    assert world.record().status == "processing" and handle is not None
    expired.update(fake.publishes)  # days later: the completed session is gone
    for _ in range(2):
        results = world.apply([post()])
        assert (world.record().status, world.record().publish_id) == ("processing", handle)
        assert world.actions([post()]) == {"teaser@brand-us": "resume"}
        assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.FAILED)]
        assert "not published again" in results[0].message
    assert fake.count("start") == 1 and fake.count("transfer") == 1


def test_an_upload_whose_video_changed_is_left_to_a_run_that_may_still_send_it(
    tmp_path: Path,
) -> None:
    """A resumable upload whose video changed since it began is not sent on (the rest of
    another video would make a video of neither). Giving it up is safe only once no run can
    still be sending it: clone one may be completing it while clone two, which pulled the
    new video, runs; had clone two given it up, its next run would upload the new video
    while clone one's upload completed, two posts for one address.
    """
    fake = FakeProvider(capability=True, default=Script(resumable=True))
    world = World(tmp_path, **{"brand-us": fake})
    killed_as_the_transfer_begins(world, fake, lock=LOCK_A)
    started = world.record()
    new = DesiredPost(
        **{**post().__dict__, "video": VideoRef("media/a.mp4", "git:new", SIZE), "fingerprint": "2"}
    )
    results = world.apply([new], lock=LOCK_B)
    assert world.record() == started  # left as it is: clone one may be sending it
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.PENDING)]
    assert results[0].message.startswith("the video changed since this upload began")
    assert fake.count("transfer") == 1  # nothing of the new video went into it
    results = world.apply([new], lock=LOCK_A)  # clone one's run is over
    assert (world.record().status, world.record().fail_reason) == ("failed", "upload_failed")
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.FAILED)]
    assert outcomes(world.apply([new])) == [("teaser@brand-us", "retry", Outcome.PUBLISHED)]
    assert len(fake.published()) == 1


def test_processing_then_failed_is_recorded_with_the_platform_reason(tmp_path: Path) -> None:
    fake = FakeProvider(default=Script(processing_polls=3, result=Failed("internal", True)))
    world = World(tmp_path, **{"brand-us": fake})
    results = world.apply([post()])
    assert outcomes(results) == [("teaser@brand-us", "create", Outcome.FAILED)]
    assert results[0].message == "Fake: internal"
    assert world.record().fail_reason == "internal" and fake.count("outcome") == 4


def test_still_processing_when_time_runs_out_is_resumed_next_run(tmp_path: Path) -> None:
    fake = FakeProvider(default=Script(processing_polls=50))
    world = World(tmp_path, **{"brand-us": fake})
    results = world.apply([post()])
    assert outcomes(results) == [("teaser@brand-us", "create", Outcome.PENDING)]
    assert results[0].message == "still PROCESSING at Fake; the next run asks again"
    assert world.record().status == "processing"
    fake.publishes["fake_pub~1"].script.processing_polls = 0
    assert outcomes(world.apply([post()])) == [("teaser@brand-us", "resume", Outcome.PUBLISHED)]
    assert fake.count("start") == 1


def test_a_refusal_that_stops_the_account_spares_the_other_accounts(tmp_path: Path) -> None:
    stopper = ApiError("spam_risk_too_many_posts", "cap", "", 403, stops_account=True)
    us = FakeProvider(scripts=[Script(refuse=stopper)])
    uk = FakeProvider()
    world = World(tmp_path, **{"brand-us": us, "brand-uk": uk})
    posts = [post("a"), post("b"), post("a", "brand-uk")]
    results = {r.address: r for r in world.apply(posts)}
    assert results["a@brand-us"].outcome is Outcome.FAILED
    assert world.record("a@brand-us").fail_reason == "spam_risk_too_many_posts"
    assert results["b@brand-us"].outcome is Outcome.NOT_ATTEMPTED
    assert "spam_risk_too_many_posts" in results["b@brand-us"].message
    assert results["a@brand-uk"].outcome is Outcome.PUBLISHED
    assert us.count("start") == 1


def test_a_refusal_that_does_not_stop_the_account_lets_the_queue_go_on(tmp_path: Path) -> None:
    refusal = ApiError("privacy_level_option_mismatch", "no", "", 403)
    fake = FakeProvider(scripts=[Script(refuse=refusal)])
    world = World(tmp_path, **{"brand-us": fake})
    results = {r.address: r.outcome for r in world.apply([post("a"), post("b")])}
    assert results == {"a@brand-us": Outcome.FAILED, "b@brand-us": Outcome.PUBLISHED}


def test_rate_limited_start_leaves_the_intent_for_a_safe_retry(tmp_path: Path) -> None:
    limited = RateLimited("rate_limit_exceeded", "slow down", "", 429, None)
    fake = FakeProvider(scripts=[Script(refuse=limited)])
    world = World(tmp_path, **{"brand-us": fake})
    assert outcomes(world.apply([post()])) == [("teaser@brand-us", "create", Outcome.FAILED)]
    assert world.record().status == "initiating"


def test_an_account_that_cannot_authenticate_is_stopped(tmp_path: Path) -> None:
    fake = FakeProvider(scripts=[Script(refuse=AuthError("token revoked"))])
    world = World(tmp_path, **{"brand-us": fake})
    results = {r.address: r.outcome for r in world.apply([post("a"), post("b")])}
    assert results == {"a@brand-us": Outcome.FAILED, "b@brand-us": Outcome.NOT_ATTEMPTED}


def test_a_public_post_waits_a_little_for_its_id(tmp_path: Path) -> None:
    class LateIds(FakeProvider):
        async def outcome(self, handle: str, size: int, *, privacy: str | None = None):  # type: ignore[no-untyped-def]
            self.calls.append(("outcome", handle))
            if self.count("outcome") < 3:
                return Published(ids_pending=privacy == "PUBLIC_TO_EVERYONE", note="later")
            return Published(("7",), "https://fake.invalid/7")

    fake = LateIds()
    world = World(tmp_path, **{"brand-us": fake})
    public = DesiredPost(**{**post().__dict__, "privacy": "PUBLIC_TO_EVERYONE"})
    results = world.apply([public])
    assert results[0].url == "https://fake.invalid/7" and fake.count("outcome") == 3


def test_an_upload_error_after_every_byte_settles_instead_of_failing(tmp_path: Path) -> None:
    error = UploadError("the last answer was a 400", status=400, bytes_confirmed=SIZE)
    fake = FakeProvider(default=Script(lose_last_answer=True, drop=error))
    world = World(tmp_path, **{"brand-us": fake})
    assert outcomes(world.apply([post()])) == [("teaser@brand-us", "create", Outcome.PUBLISHED)]
    assert world.actions([post()]) == {"teaser@brand-us": Action.NOOP.value}


def test_a_session_another_client_is_sending_into_is_left_to_it_not_failed(
    tmp_path: Path,
) -> None:
    """Two clones on one resumable session (YouTube-like): B's bytes are not kept, A's are.

    B resumes the recorded session while A is still sending into it; the platform keeps none
    of B's chunks. Before 2026-12-04 B recorded the attempt failed, and the next run started
    a second session while A's upload completed: two posts for one address.
    """
    fake = FakeProvider(capability=True, default=Script(resumable=True))
    world = World(tmp_path, **{"brand-us": fake})
    started = interrupted_mid_transfer(world, fake, lock=LOCK_A)

    def a_is_sending(method: str, handle: str) -> None:
        if method == "transfer":
            raise UploadContended(
                "the session kept none of the chunk (fake)", status=308, bytes_confirmed=400
            )

    fake.on_call = a_is_sending
    results = world.apply([post()], at=NOW + timedelta(minutes=1), lock=LOCK_B)
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.PENDING)]
    assert "receiving this upload from another client" in results[0].message
    assert world.record() == started  # untouched: no "failed", so nothing starts it again
    assert world.actions([post()]) == {"teaser@brand-us": "resume"}
    # A's upload completes; the next run finds the one post and records it.
    fake.on_call = None
    [handle] = fake.publishes  # the session URI (the state holds it sealed)
    fake.publishes[handle].received = SIZE
    results = world.apply([post()], at=NOW + timedelta(minutes=2), lock=LOCK_B)
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.PUBLISHED)]
    assert fake.published() == [handle] and fake.count("start") == 1


def test_a_session_another_key_sealed_is_left_to_the_runs_with_it_while_it_may_live(
    tmp_path: Path,
) -> None:
    """A run that cannot open the recorded session (another machine's key) cannot ask about
    it nor send the rest: the run that began it may still be sending, so the attempt is
    left as it is until the session would have expired, then given up (never two posts)."""
    fake = FakeProvider(capability=True, default=Script(resumable=True))
    world = World(tmp_path, **{"brand-us": fake})
    killed_as_the_transfer_begins(world, fake, lock=LOCK_A)
    started = world.record()
    world.sealer = FakeSealer()  # another machine: another key
    results = world.apply([post()], at=NOW + timedelta(minutes=1), lock=LOCK_B)
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.PENDING)]
    assert "sealed with another key (fake)" in results[0].message
    assert "use the key of the run that started it" in results[0].message
    assert "`publisher state rm teaser@brand-us` lets the next run" in results[0].message
    assert world.record() == started and fake.count("start") == 1
    later = NOW + SEALED_LIFETIME + CLOCK_SKEW + timedelta(minutes=1)
    results = world.apply([post()], at=later, lock=LOCK_B)
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.FAILED)]
    assert world.record().fail_reason == "upload_expired"
    assert world.actions([post()]) == {"teaser@brand-us": "retry"}
    assert fake.count("transfer") == 1  # the session was never sent to


def test_a_sealed_upload_is_given_up_after_its_own_platforms_lifetime(tmp_path: Path) -> None:
    """How long a sealed handle may take bytes is its platform's to say, not the engine's."""
    fake = FakeProvider(capability=True, default=Script(resumable=True))
    world = World(tmp_path, **{"brand-us": fake})
    world.platform = FakePlatform(sealed_handle_lifetime=timedelta(hours=2))
    killed_as_the_transfer_begins(world, fake, lock=LOCK_A)
    started = world.record()
    world.sealer = FakeSealer()  # another machine: another key
    window = timedelta(hours=2) + CLOCK_SKEW
    results = world.apply([post()], at=NOW + window - timedelta(minutes=1), lock=LOCK_B)
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.PENDING)]
    assert "left as it is until 2026-12-01 11:15 UTC" in results[0].message, results[0].message
    assert world.record() == started
    results = world.apply([post()], at=NOW + window + timedelta(minutes=1), lock=LOCK_B)
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.FAILED)]
    assert world.record().fail_reason == "upload_expired"
    assert world.actions([post()]) == {"teaser@brand-us": "retry"}
    assert fake.count("start") == 1 and fake.count("transfer") == 1


def test_a_sealed_upload_whose_platform_states_no_lifetime_is_never_given_up_on_time_alone(
    tmp_path: Path,
) -> None:
    """No lifetime: no time after which nobody can be sending it. It waits for a run that
    knows the one that began it has ended (never two posts), however late."""
    fake = FakeProvider(capability=True, default=Script(resumable=True))
    world = World(tmp_path, **{"brand-us": fake})
    world.platform = FakePlatform(sealed_handle_lifetime=None)
    killed_as_the_transfer_begins(world, fake, lock=LOCK_A)
    started = world.record()
    world.sealer = FakeSealer()  # another machine: another key
    results = world.apply([post()], at=NOW + timedelta(days=365), lock=LOCK_B)
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.PENDING)]
    assert "Fake states no lifetime for it" in results[0].message, results[0].message
    assert "`publisher state rm teaser@brand-us` lets the next run" in results[0].message
    assert world.record() == started and world.actions([post()]) == {"teaser@brand-us": "resume"}
    results = world.apply([post()], at=NOW + timedelta(days=366), lock=LOCK_A)  # A's clone
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.FAILED)]
    assert world.record().fail_reason == "upload_expired"
    assert outcomes(world.apply([post()], at=NOW + timedelta(days=366))) == [
        ("teaser@brand-us", "retry", Outcome.PUBLISHED)
    ]
    assert fake.count("start") == 2 and len(fake.published()) == 1


def test_a_session_another_key_sealed_is_given_up_at_once_when_its_run_has_ended(
    tmp_path: Path,
) -> None:
    """The same state lock: the run that began it is over, and nobody else has the key."""
    fake = FakeProvider(capability=True, default=Script(resumable=True))
    world = World(tmp_path, **{"brand-us": fake})
    killed_as_the_transfer_begins(world, fake, lock=LOCK_A)
    world.sealer = FakeSealer()  # its key file was lost
    results = world.apply([post()], at=NOW + timedelta(minutes=1), lock=LOCK_A)
    assert outcomes(results) == [("teaser@brand-us", "resume", Outcome.FAILED)]
    assert world.record().fail_reason == "upload_expired"
    assert "the next run publishes the post again" in results[0].message
