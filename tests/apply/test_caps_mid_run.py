"""A platform cap reached in the middle of a run, with several publishes of the account in flight.

A cap the platform enforces at the start (TikTok's pending drafts, a creator's daily posts;
YouTube's daily uploads) refuses the start that goes over it: nothing is created for that
post, and the account stops. The post itself was never judged: the next run, once the cap
has room again, must publish it (once), not plan it as a post the platform rejected.
"""

from __future__ import annotations

from pathlib import Path

from gitops_publisher.apply.events import Outcome

from .harness import (
    PostSpec,
    apply_channels,
    apply_once,
    assert_exactly_once,
    assert_youtube_exactly_once,
    committed_project,
    pending_changes,
    read_state,
    youtube_sessions,
)

VIDEOS = ("media/tutorial-part1.mp4", "media/tutorial-part2.mp4", "media/customer-story.mp4")


def drafts(count: int) -> list[PostSpec]:
    return [
        PostSpec(f"d{i}", ["brand-us"], video=VIDEOS[i % 3], mode="draft") for i in range(count)
    ]


def split(outcomes: dict[str, Outcome], done: Outcome) -> tuple[list[str], list[str]]:
    """The addresses refused at the start, and those the account's stop left unattempted.

    Two of the four fit the cap. Which, and whether the fourth start went out before the
    third's refusal stopped the account, depends on the order the concurrent starts arrive.
    """
    assert sorted(o for o in outcomes.values() if o is done) == [done] * 2, outcomes
    refused = sorted(a for a, o in outcomes.items() if o is Outcome.FAILED)
    rest = sorted(a for a, o in outcomes.items() if o is Outcome.NOT_ATTEMPTED)
    assert refused and len(refused) + len(rest) == 2, outcomes
    return refused, rest


def next_plan(refused: list[str], rest: list[str]) -> list[str]:
    return sorted([f"{a}:retry" for a in refused] + [f"{a}:create" for a in rest])


def test_the_pending_drafts_cap_reached_mid_run_is_retried_once_it_has_room(
    project, emulator, tokens
):
    root = project(["brand-us"], drafts(4))
    with emulator(pending_share_cap=2) as em:
        tokens.login(em, ["brand-us"])
        first = apply_once(root, em, tokens)
        outcomes = {r.address: r.outcome for r in first.results}
        refused, rest = split(outcomes, Outcome.INBOX)
        state = read_state(root)
        assert {state.resources[a].fail_reason for a in refused} == {
            "spam_risk_too_many_pending_share"
        }
        # Nothing was created for them: the next run publishes them again.
        assert sorted(pending_changes(root)) == next_plan(refused, rest)
        em.set_options(pending_share_cap=10)
        second = apply_once(root, em, tokens)
        assert {r.outcome for r in second.results} == {Outcome.INBOX}
        assert_exactly_once(root, em.posts(), {f"d{i}@brand-us": VIDEOS[i % 3] for i in range(4)})
        assert pending_changes(root) == []


def test_youtubes_daily_uploads_used_up_mid_run_are_retried_the_next_day(tmp_path: Path, emulator):
    root = committed_project(
        tmp_path / "repo",
        [],
        [PostSpec(f"s{i}", ["studio"], video=VIDEOS[i % 3]) for i in range(4)],
        youtube=["studio"],
    )
    with emulator(youtube={"daily_uploads": 2, "processing_base_sec": 0.0}) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        results = apply_channels(root, em, token).results
        first = {r.address: r.outcome for r in results}
        refused, rest = split(first, Outcome.PUBLISHED)
        state = read_state(root)
        assert {state.resources[a].fail_reason for a in refused} == {"quotaExceeded"}
        # The result says what to do, not only Google's words: when the quota comes back.
        said = {r.message for r in results if r.address in refused and r.outcome is Outcome.FAILED}
        assert said and all("it resets at midnight Pacific Time" in m for m in said), said
        # The quota resets at midnight Pacific Time; nothing was uploaded for them.
        assert sorted(pending_changes(root)) == next_plan(refused, rest)
        em.set_options(youtube=em.service.options.youtube.model_copy(update={"daily_uploads": 10}))
        second = {r.address: r.outcome for r in apply_channels(root, em, token).results}
        assert set(second.values()) == {Outcome.PUBLISHED}
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
        assert_youtube_exactly_once(
            root, videos, sessions, {f"s{i}@studio": VIDEOS[i % 3] for i in range(4)}
        )
        assert pending_changes(root) == []
