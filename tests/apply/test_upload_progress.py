"""An upload's progress never goes back: a re-sent chunk holds the figure and says so."""

from __future__ import annotations

from collections import defaultdict

from gitops_publisher.apply.events import Event, Outcome, UploadGauge, UploadProgress

from .harness import CHUNK, PostSpec, apply_once

BIG = "media/big.mp4"
SIZE = 2 * CHUNK + 4321  # three chunks


def test_dropped_connections_never_move_an_uploads_progress_back(project, emulator, tokens):
    root = project(["brand-us"], [PostSpec("launch", ["brand-us"], video=BIG)], big={BIG: SIZE})
    seen: dict[str, list[UploadProgress]] = defaultdict(list)

    def on_event(event: Event) -> None:
        if isinstance(event, UploadProgress):
            seen[event.address].append(event)

    with emulator() as em:
        tokens.login(em, ["brand-us"])
        em.set_faults({"upload": {"drop_rate": 0.3, "drop_after_rate": 0.3}})
        report = apply_once(root, em, tokens, on_event=on_event)
        dropped = [r for r in em.requests() if r["endpoint"] == "upload" and r["status"] is None]
    assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
    assert dropped  # chunks really were sent again
    events = seen["launch@brand-us"]
    figures = [event.sent for event in events]
    assert figures == sorted(figures), figures  # was: back to the confirmed offset, 0 first
    assert figures[-1] == SIZE and all(event.total == SIZE for event in events)
    # while bytes already counted go out again, the events say so; the last one does not
    resent = [event for event in events if event.resending]
    assert resent and not events[-1].resending


def test_the_gauge_holds_the_highest_figure_until_the_transfer_passes_it() -> None:
    gauge = UploadGauge("launch@brand-us")
    # a chunk's answer lost at 10 (back to 0), then a 416 resync behind what had left (12)
    positions = [5, 10, 0, 5, 10, 15, 12, 20]
    events = [gauge.at(position, 20) for position in positions]
    assert [event.sent for event in events] == [5, 10, 10, 10, 10, 15, 15, 20]
    assert [event.resending for event in events] == [0, 0, 1, 1, 0, 0, 1, 0]
    assert {(event.address, event.total) for event in events} == {("launch@brand-us", 20)}
