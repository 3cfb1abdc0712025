"""Every retry path of apply, against the emulator's seeded faults, with exactly-once checked.

Faults are switched on the live emulator (``Emulator.set_faults``); where a path needs a fault
to stop at a given moment, an event callback switches it, which is deterministic.
"""

from __future__ import annotations

from gitops_publisher.apply.events import Event, Log, Outcome, UploadProgress

from .harness import (
    CHUNK,
    PostSpec,
    apply_once,
    assert_exactly_once,
    pending_changes,
    read_state,
)

VIDEO = "media/tutorial-part1.mp4"
BIG = "media/big.mp4"


def one_post(project, video: str = VIDEO, big: dict[str, int] | None = None):
    return project(["brand-us"], [PostSpec("launch", ["brand-us"], video=video)], big=big)


def converge(root, em, tokens, runs: int = 4) -> list:
    reports = []
    for _ in range(runs):
        if not pending_changes(root):
            break
        reports.append(apply_once(root, em, tokens))
    assert pending_changes(root) == []
    return reports


def uploads(em) -> list[int]:
    return [r["status"] for r in em.requests() if r["endpoint"] == "upload"]


def test_5xx_on_init_leaves_initiating_and_the_retry_publishes_once(project, emulator, tokens):
    root = one_post(project)
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        em.set_faults({"video_init": {"error_rate": 1.0, "error_status": 503}})
        report = apply_once(root, em, tokens)
        assert [r.outcome for r in report.results] == [Outcome.FAILED]
        assert "not repeated" in report.results[0].message
        record = read_state(root).resources["launch@brand-us"]
        assert (record.status, record.publish_id) == ("initiating", None)
        inits = [r for r in em.requests() if r["endpoint"] == "video_init"]
        assert len(inits) == 1  # never blindly repeated
        assert pending_changes(root) == ["launch@brand-us:retry"]
        em.set_faults({})
        converge(root, em, tokens)
        assert_exactly_once(root, em.posts(), {"launch@brand-us": VIDEO})
        assert read_state(root).resources["launch@brand-us"].attempts == 2


def test_init_answer_lost_after_tiktok_accepted_it_still_publishes_once(project, emulator, tokens):
    root = one_post(project)
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        em.set_faults({"video_init": {"drop_after_rate": 1.0}})
        report = apply_once(root, em, tokens)
        assert [r.outcome for r in report.results] == [Outcome.FAILED]
        assert read_state(root).resources["launch@brand-us"].status == "initiating"
        # TikTok created a publish_id nobody heard of; without its upload_url it never publishes.
        (orphan,) = em.posts()
        assert orphan["status"] == "PROCESSING_UPLOAD" and orphan["byte_count"] == 0
        em.set_faults({})
        converge(root, em, tokens)
        found = assert_exactly_once(root, em.posts(), {"launch@brand-us": VIDEO})
        assert found["launch@brand-us"]["publish_id"] != orphan["publish_id"]
        assert len(em.posts()) == 2


def test_chunk_answer_lost_is_resent_and_resynced_without_a_second_post(project, emulator, tokens):
    root = one_post(project)
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        em.set_faults({"upload": {"drop_after_rate": 1.0}})
        first = apply_once(root, em, tokens, on_event=lambda e: _heal_after_first_put(em, e))
        assert [r.outcome for r in first.results] == [Outcome.PUBLISHED]
        statuses = uploads(em)
        assert statuses[-1] == 416  # the re-sent chunk: "all chunks received"
        assert_exactly_once(root, em.posts(), {"launch@brand-us": VIDEO})
        assert len(em.posts()) == 1


def _heal_after_first_put(em, event: Event) -> None:
    # Runs inside the engine; once the server has logged one upload, stop dropping answers.
    if any(r["endpoint"] == "upload" for r in em.service.requests):
        em.set_faults({})


def test_a_failed_chunk_is_retried_alone(project, emulator, tokens):
    root = one_post(project, video=BIG, big={BIG: 3 * CHUNK + 123_457})
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        em.set_faults({"upload": {"fail_chunk": 2}})
        report = apply_once(root, em, tokens)
        assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
        # chunk 1 ok, chunk 2 refused once then accepted, chunk 3 completes the upload
        assert uploads(em) == [206, 500, 206, 201]
        found = assert_exactly_once(root, em.posts(), {"launch@brand-us": BIG})
        assert found["launch@brand-us"]["total_chunk_count"] == 3


def test_expired_upload_url_asks_status_then_inits_anew_only_because_nothing_published(
    project, emulator, tokens
):
    root = one_post(project)
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        em.set_faults({"upload": {"expire_upload_urls": True}})
        seen: list[str] = []

        def on_event(event: Event) -> None:
            if isinstance(event, Log):
                seen.append(event.message)
                if "new init" in event.message:
                    em.set_faults({})

        report = apply_once(root, em, tokens, on_event=on_event)
        assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
        endpoints = [r["endpoint"] for r in em.requests()]
        first_403 = endpoints.index("upload")
        # the old publish_id's status was asked before the second init
        assert endpoints[first_403 + 1 :].index("status") < endpoints[first_403 + 1 :].index(
            "video_init"
        )
        assert endpoints.count("video_init") == 2
        assert_exactly_once(root, em.posts(), {"launch@brand-us": VIDEO})
        assert any("expired" in line for line in seen)


def test_429_storm_is_waited_out_and_every_post_published_once(project, emulator, tokens):
    accounts = ["brand-us", "brand-uk"]
    posts = [PostSpec(f"p{i}", accounts) for i in range(4)]
    root = project(accounts, posts)
    with emulator(scale=2000.0, seed=11, retry_after_header=True) as em:
        tokens.login(em, accounts)
        storm = {"rate_limit_rate": 0.4}
        em.set_faults({name: storm for name in ("video_init", "status", "upload", "creator_info")})
        reports = converge(root, em, tokens, runs=3)
        assert reports[0].results
        limited = [r for r in em.requests() if r["status"] == 429]
        assert len(limited) >= 5
        expected = {f"p{i}@{a}": VIDEO for i in range(4) for a in accounts}
        assert_exactly_once(root, em.posts(), expected)


def test_access_token_expiring_mid_apply_refreshes_and_rotation_is_used(project, emulator, tokens):
    posts = [PostSpec(f"p{i}", ["brand-us"]) for i in range(3)]
    root = project(["brand-us"], posts)
    # One post after another, so the token dies between two posts' requests (with the
    # account's default pipeline the others could be done by the time the clock jumps).
    config = root / "publisher.yaml"
    config.write_text(
        config.read_text().replace("  brand-us:\n", "  brand-us:\n    in_flight: 1\n")
    )
    assert "in_flight: 1" in config.read_text()
    with emulator(access_token_ttl_sec=3600) as em:
        tokens.login(em, ["brand-us"])
        original = tokens.sets["brand-us"]["refresh_token"]

        def expire_after_first(event: Event) -> None:
            if getattr(event, "outcome", None) is Outcome.PUBLISHED and em.clock.offset == 0:
                em.clock.jump(7200)  # the access token (1 h) is now dead at TikTok

        report = apply_once(root, em, tokens, on_event=expire_after_first)
        assert [r.outcome for r in report.results] == [Outcome.PUBLISHED] * 3
        assert em.clock.offset == 7200
        rejected = [r for r in em.requests() if r["status"] == 401]
        assert rejected, "the expired access token was refused once"
        assert len(tokens.saves) == 2  # first refresh, then the refresh after the 401
        rotated = tokens.sets["brand-us"]["refresh_token"]
        assert rotated != original
        assert em.try_refresh(original) != 200  # the old refresh token died on rotation
        assert_exactly_once(root, em.posts(), {f"p{i}@brand-us": VIDEO for i in range(3)})
        assert pending_changes(root) == []
        # The next run starts from the saved (rotated) set: no new login needed.
        (root / "posts" / "more.yaml").write_text(PostSpec("more", ["brand-us"]).yaml())
        later = apply_once(root, em, tokens)
        assert [r.outcome for r in later.results] == [Outcome.PUBLISHED]


def test_init_refused_by_a_429_storm_stays_retryable(project, emulator, tokens):
    root = one_post(project)
    with emulator(scale=5000.0) as em:
        tokens.login(em, ["brand-us"])
        em.set_faults({"video_init": {"rate_limit_rate": 1.0}})
        report = apply_once(root, em, tokens)
        assert [r.outcome for r in report.results] == [Outcome.FAILED]
        assert "rate_limit_exceeded" in report.results[0].message
        assert read_state(root).resources["launch@brand-us"].status == "initiating"
        assert pending_changes(root) == ["launch@brand-us:retry"]
        em.set_faults({})
        converge(root, em, tokens)
        assert_exactly_once(root, em.posts(), {"launch@brand-us": VIDEO})


def test_expired_url_after_every_byte_arrived_waits_for_processing_instead_of_a_new_init(
    project, emulator, tokens
):
    # The last chunk's answer is lost; by the time the client sends it again the URL has
    # expired (403). TikTok has every byte and is processing it: a new init would post twice.
    root = one_post(project)
    with emulator(processing_base_sec=30.0) as em:
        tokens.login(em, ["brand-us"])
        em.set_faults({"upload": {"drop_after_rate": 1.0}})
        sent_all = []

        def on_event(event: Event) -> None:
            if isinstance(event, UploadProgress):
                if sent_all and event.resending:  # the client rewinds to resend
                    em.set_faults({"upload": {"expire_upload_urls": True}})
                elif event.sent == event.total:
                    sent_all.append(True)

        report = apply_once(root, em, tokens, on_event=on_event)
        assert uploads(em)[-1] == 403
        assert [r["endpoint"] for r in em.requests()].count("video_init") == 1
        assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
        assert_exactly_once(root, em.posts(), {"launch@brand-us": VIDEO})
        assert len(em.posts()) == 1


def test_a_flaky_network_everywhere_still_converges_to_exactly_once(project, emulator, tokens):
    accounts = ["brand-us", "brand-uk"]
    posts = [PostSpec(f"p{i}", accounts) for i in range(3)]
    root = project(accounts, posts)
    with emulator(scale=2000.0, seed=5) as em:
        tokens.login(em, accounts)
        flaky = {"error_rate": 0.2, "drop_rate": 0.1}
        em.set_faults(
            {
                "token": flaky,  # never drop_after: a lost rotation cannot be recovered
                "creator_info": flaky,
                "status": {**flaky, "drop_after_rate": 0.1},
                "upload": {**flaky, "drop_after_rate": 0.1},
                "video_init": {**flaky, "drop_after_rate": 0.2},
            }
        )
        converge(root, em, tokens, runs=8)
        faults = [r["fault"] for r in em.requests() if r["fault"]]
        assert len(faults) >= 5
        expected = {f"p{i}@{a}": VIDEO for i in range(3) for a in accounts}
        assert_exactly_once(root, em.posts(), expected)
