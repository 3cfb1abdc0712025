"""Several posts of one account through the pipeline, over real HTTP against the emulator."""

from __future__ import annotations

from pathlib import Path

from gitops_publisher.apply.events import Outcome

from .harness import PostSpec, apply_once, assert_exactly_once, pending_changes

VIDEOS = ("media/tutorial-part1.mp4", "media/tutorial-part2.mp4", "media/customer-story.mp4")


def posts(count: int) -> list[PostSpec]:
    return [PostSpec(f"p{i}", ["brand-us"], video=VIDEOS[i % 3]) for i in range(count)]


def set_in_flight(root: Path, value: int) -> None:
    config = root / "publisher.yaml"
    text = config.read_text(encoding="utf-8")
    anchor = "    refresh_token_env: TT_RT_BRAND_US\n"
    config.write_text(text.replace(anchor, anchor + f"    in_flight: {value}\n"), "utf-8")


def test_eight_posts_of_one_account_fill_the_init_window_and_publish_once(
    project, emulator, tokens
):
    root = project(["brand-us"], posts(8))
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        report = apply_once(root, em, tokens)
        assert {r.outcome for r in report.results} == {Outcome.PUBLISHED}
        assert_exactly_once(root, em.posts(), {f"p{i}@brand-us": VIDEOS[i % 3] for i in range(8)})
        assert pending_changes(root) == []
        requests = em.requests()
        assert not [r for r in requests if r["status"] == 429]
        inits = [r["time"] for r in requests if r["endpoint"].endswith("init")]
        first_status = min(r["time"] for r in requests if r["endpoint"] == "status")
        # Five in flight (the default) before any outcome is asked; never seven inits in a
        # sliding minute of TikTok's time (the emulator's clock).
        assert sum(1 for t in inits if t < first_status) == 5
        assert len(inits) == 8
        assert all(
            later - earlier >= 60.0 for earlier, later in zip(inits, inits[6:], strict=False)
        )


def test_in_flight_one_publishes_one_post_after_another(project, emulator, tokens):
    root = project(["brand-us"], posts(3))
    set_in_flight(root, 1)
    with emulator() as em:
        tokens.login(em, ["brand-us"])
        report = apply_once(root, em, tokens)
        assert {r.outcome for r in report.results} == {Outcome.PUBLISHED}
        order = [r["endpoint"] for r in em.requests() if r["endpoint"] != "upload"]
        calls = [e for e in order if e.endswith("init") or e == "status"]
        # Each init only after the previous post's outcome was asked.
        assert calls[0].endswith("init") and calls[1] == "status"
        assert [i for i, e in enumerate(calls) if e.endswith("init")][1] > calls.index("status")
        assert sum(1 for e in calls if e.endswith("init")) == 3


def test_status_fetches_start_only_once_processing_may_have_finished(project, emulator, tokens):
    root = project(["brand-us"], posts(3))
    processing = 2.0  # the emulator's default, and the engine's first poll interval
    with emulator(processing_base_sec=processing) as em:
        tokens.login(em, ["brand-us"])
        report = apply_once(root, em, tokens)
        assert {r.outcome for r in report.results} == {Outcome.PUBLISHED}
        done = sorted(p["upload_completed_at"] + processing for p in em.posts())
        fetches = sorted(r["time"] for r in em.requests() if r["endpoint"] == "status")
        # No fetch as an upload ends (TikTok has only begun processing): each post's first
        # (and here only) status fetch comes once its processing is over. The k-th fetch is
        # after the k-th post's end, since each post's fetch is after its own.
        assert len(fetches) == 3
        assert all(at >= end for at, end in zip(fetches, done, strict=True)), (fetches, done)
