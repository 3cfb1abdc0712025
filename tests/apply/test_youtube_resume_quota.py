"""Resumes of expired YouTube sessions against the Google project's daily units, via the emulator.

Each resume of an upload whose session expired lists the channel's uploads to find its video
(channels.list, playlistItems.list, videos.list for uploads listed with another title: a unit
each). The plan counts them (3 units a resume, what apply holds before a lookup, 1 more for
reading its video), and apply spends
no more on lookups than the day's units leave beside what the plan's other calls need: a
lookup that does not fit is not made, and its upload is left for a run after the reset,
instead of running into ``quotaExceeded``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_publisher.apply.events import Log, Outcome
from gitops_publisher.planning import make_plan
from gitops_publisher.workspace.state_file import dump_state

from .harness import (
    PostSpec,
    apply_channels,
    assert_youtube_exactly_once,
    committed_project,
    config_yaml,
    lose_settled_writes,
    pending_changes,
    read_state,
    youtube_sessions,
)

DAY = 86_400.0
VIDEO = "media/tutorial-part1.mp4"
EXPIRING = {"completed_sessions_expire": True, "session_ttl_sec": DAY, "processing_base_sec": 0.0}
UNITS_PER_DAY = 8
POSTS = ("a", "b", "c")
STATE = ".publisher/state.json"


def backdate(root: Path, seconds: float) -> None:
    """Move every record's times ``seconds`` back, as if its run had been that long ago."""
    state = read_state(root)
    back = timedelta(seconds=seconds)
    resources = {
        address: record.model_copy(
            update={"created_at": record.created_at - back, "updated_at": record.updated_at - back}
        )
        for address, record in state.resources.items()
    }
    (root / STATE).write_bytes(dump_state(state.model_copy(update={"resources": resources})))


def forgotten_uploads(root: Path, em: Any, token: dict[str, str]) -> None:
    """Three uploads completed, but their records never said so (the state writes after the
    handle were lost); two days later their sessions are gone, and so is that day's quota."""
    with pytest.MonkeyPatch.context() as patched:
        lose_settled_writes(patched)
        apply_channels(root, em, token)
    assert {r.status for r in read_state(root).resources.values()} == {"uploading"}
    assert len(em.get("/_sandbox/youtube/videos")["videos"]) == 3
    backdate(root, 2 * DAY)
    em.clock.jump(2 * DAY)


def with_units(root: Path, em: Any, units: int) -> None:
    """The project's units a day, as publisher.yaml says and as the emulator charges."""
    config = config_yaml([], ["studio"]) + f"youtube:\n  quota:\n    units_per_day: {units}\n"
    (root / "publisher.yaml").write_text(config)
    em.set_options(youtube=em.service.options.youtube.model_copy(update={"daily_units": units}))


def planned_units(root: Path) -> int:
    """The units the plan counts for the project (the state's endpoint, as apply plans)."""
    bound = read_state(root).endpoints
    (quota,) = make_plan(root, sandbox=False, endpoints=bound).plan.youtube_quotas
    return quota.units


def project(tmp_path: Path) -> Path:
    """One channel's project with a post of each of :data:`POSTS`."""
    return committed_project(
        tmp_path / "repo",
        [],
        [PostSpec(name, ["studio"], video=VIDEO) for name in POSTS],
        files={"publisher.yaml": config_yaml([], ["studio"])},
        youtube=["studio"],
    )


def test_resumes_that_must_look_for_their_videos_stay_within_the_days_units(
    tmp_path: Path, emulator
) -> None:
    """Three uploads completed, but their records never said so (the state writes after the
    handle were lost); their sessions expired since. With 8 units a day, the plan counts 13
    and warns; apply looks for the first video (3 units: channels.list, a page, videos.list
    re-reading the two others) and reads it (1), then stops looking: the other two are left
    pending, no call is refused with quotaExceeded, and the run after the reset records them.
    Nothing is uploaded twice."""
    root = project(tmp_path)
    with emulator(youtube=EXPIRING) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        forgotten_uploads(root, em, token)
        with_units(root, em, UNITS_PER_DAY)
        seen = len(em.requests())
        logs: list[str] = []
        report = apply_channels(
            root,
            em,
            token,
            on_event=lambda e: logs.append(e.message) if isinstance(e, Log) else None,
        )

        outcomes = [(r.address, r.outcome) for r in report.results]
        assert outcomes == [
            ("a@studio", Outcome.PUBLISHED),
            ("b@studio", Outcome.PENDING),
            ("c@studio", Outcome.PENDING),
        ]
        for result in report.results[1:]:
            assert "the list was not asked for" in result.message
            assert f"({UNITS_PER_DAY:,} units a day, at least " in result.message
            assert " spent since midnight Pacific, " in result.message
        statuses = [r["status"] for r in em.requests()[seen:]]
        assert 403 not in statuses  # no quotaExceeded: the lookups stopped first
        assert em.get("/_sandbox/youtube/quota")["units"] <= UNITS_PER_DAY
        assert (
            "YouTube project of YOUTUBE_CLIENT_ID: looking for the videos of expired upload "
            "sessions took 3 unit(s)" in logs
        )
        # The plan said so before anything was sent.
        (quota,) = report.plan.youtube_quotas
        assert (quota.resumes, quota.lookup_units, quota.units) == (3, 9, 1 + 3 + 9)
        (warning,) = [w for w in report.plan.warnings if w.startswith("YouTube")]
        assert "needs at least 13 units (9 of them to look for the videos of 3 resumed" in warning
        assert pending_changes(root) == ["b@studio:resume", "c@studio:resume"]

        # After the reset (the tool's clock is the machine's: the quota is raised instead),
        # the two left are found and recorded.
        with_units(root, em, 100)
        later = apply_channels(root, em, token)
        assert [r.outcome for r in later.results] == [Outcome.PUBLISHED] * 2
        assert pending_changes(root) == []
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert_youtube_exactly_once(root, videos, sessions, {f"{name}@studio": VIDEO for name in POSTS})


def test_at_the_exact_edge_the_plan_counts_every_resume_apply_makes(
    tmp_path: Path, emulator
) -> None:
    """The plan counts what apply holds before a lookup (channels.list, a page, the
    videos.list re-reading the uploads listed with another title) and the read of the video
    found: with exactly the units the plan counts, the plan has no warning and apply finds
    all three videos, none left pending, no call refused."""
    root = project(tmp_path)
    with emulator(youtube=EXPIRING) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        forgotten_uploads(root, em, token)
        edge = planned_units(root)
        with_units(root, em, edge)
        seen = len(em.requests())
        report = apply_channels(root, em, token)

        assert [w for w in report.plan.warnings if w.startswith("YouTube")] == []
        assert [r.outcome for r in report.results] == [Outcome.PUBLISHED] * 3
        assert 403 not in [r["status"] for r in em.requests()[seen:]]
        assert em.get("/_sandbox/youtube/quota")["units"] == edge  # the count was exact
        assert pending_changes(root) == []
        videos = em.get("/_sandbox/youtube/videos")["videos"]
        sessions = youtube_sessions(em.service.world)
    assert_youtube_exactly_once(root, videos, sessions, {f"{name}@studio": VIDEO for name in POSTS})


class OneFault:
    """The emulator's fault draws: the first request of a faulty endpoint gets its error."""

    def __init__(self) -> None:
        self.draws = iter((0.9, 0.0, 0.9, 0.9))  # drop, error, rate limit, drop after

    def random(self) -> float:
        return next(self.draws, 0.9)


def test_a_list_call_sent_again_after_a_5xx_is_charged_again(tmp_path: Path, emulator) -> None:
    """Every request costs quota, refused ones included (reference §5.1): a playlistItems.list
    answered 500 and sent again is two calls, and the lookup's budget is charged for each,
    so the units apply says its lookups took are the list calls it sent."""
    root = committed_project(
        tmp_path / "repo",
        [],
        [PostSpec("a", ["studio"], video=VIDEO)],
        files={"publisher.yaml": config_yaml([], ["studio"])},
        youtube=["studio"],
    )
    with emulator(youtube=EXPIRING) as em:
        token = {"studio": em.service.world.ensure_channel("@studio")}
        with pytest.MonkeyPatch.context() as patched:
            lose_settled_writes(patched)
            apply_channels(root, em, token)
        backdate(root, 2 * DAY)
        em.clock.jump(2 * DAY)
        em.set_faults({"youtube_playlist_items_list": {"error_rate": 0.5}})
        em.service.fault_rng = OneFault()
        seen = len(em.requests())
        logs: list[str] = []
        report = apply_channels(
            root,
            em,
            token,
            on_event=lambda e: logs.append(e.message) if isinstance(e, Log) else None,
        )
        sent = em.requests()[seen:]

    assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
    pages = [r["status"] for r in sent if r["endpoint"] == "youtube_playlist_items_list"]
    assert pages == [500, 200]
    listing = [
        r
        for r in sent
        if r["endpoint"] == "youtube_playlist_items_list"
        or (r["endpoint"] == "youtube_channels_list" and "contentDetails" in r["query"])
        or (r["endpoint"] == "youtube_videos_list" and "part=snippet" in r["query"])
    ]
    (took,) = [line for line in logs if "looking for the videos of expired" in line]
    assert took.endswith(f"took {len(listing)} unit(s)")
    assert len(listing) == 3  # channels.list, the page twice
