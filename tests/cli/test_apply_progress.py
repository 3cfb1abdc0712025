"""Apply's output: rich bars on a (fake) terminal, plain lines elsewhere, NO_COLOR honoured."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from rich.console import Console

from gitops_publisher.apply.events import Outcome, Result, UploadProgress
from gitops_publisher.cli.main import cli
from gitops_publisher.cli.views.apply_output import (
    ApplyPrinter,
    Redactor,
    open_printer,
    transfer_rate,
    wants_live_display,
)
from gitops_publisher.cli.views.apply_progress import RichPrinter
from gitops_publisher.core.plan import Action, Change, Plan

MB = 1_000_000
COLOUR = re.compile(r"\x1b\[[0-9;]*m")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_first_sample_alone_has_no_rate() -> None:
    assert transfer_rate((10.0, 10 * MB), (10.0, 10 * MB)) is None  # was "161.1 GB/s"
    assert transfer_rate((10.0, 10 * MB), (10.2, 20 * MB)) is None  # too short to mean much
    assert transfer_rate((10.0, 10 * MB), (12.0, 30 * MB)) == 10 * MB  # bytes since the first


@pytest.mark.parametrize(
    ("tty", "env", "live"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"CI": "true"}, False),
        (True, {"CI": "false"}, True),
        (True, {"TERM": "dumb"}, False),
    ],
)
def test_a_live_display_only_on_an_interactive_terminal_outside_ci(
    tty: bool, env: dict[str, str], live: bool
) -> None:
    assert wants_live_display(tty=tty, env=env) is live


def terminal(*, no_color: bool = False) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=True,
        color_system=None if no_color else "truecolor",
        no_color=no_color,
        width=120,
        legacy_windows=False,
    )
    return console, buffer


def test_rich_draws_a_bar_per_concurrent_upload_and_a_line_per_account() -> None:
    console, buffer = terminal()
    clock = Clock()
    redact = Redactor({"sk-secret-123"})
    printer = RichPrinter(redact, {"brand-us": 2, "brand-uk": 1}, console=console, clock=clock)
    frames: list[str] = []
    with printer:
        printer(UploadProgress("a@brand-us", 10 * MB, 40 * MB))
        printer(UploadProgress("b@brand-uk", 5 * MB, 50 * MB))
        frames.append(buffer.getvalue())
        clock.now += 2
        printer(UploadProgress("a@brand-us", 30 * MB, 40 * MB))
        printer(UploadProgress("b@brand-uk", 25 * MB, 50 * MB))
        frames.append(buffer.getvalue())
        printer(Result("a@brand-us", "create", Outcome.PUBLISHED, url="https://t/a"))
        printer(Result("c@brand-us", "create", Outcome.FAILED, message="token sk-secret-123"))
    first, second = (COLOUR.sub("", f) for f in frames)
    last_frame = second[len(first) :]
    # both uploads at once, each its own bar with size, rate and time left
    assert "a@brand-us" in last_frame and "b@brand-uk" in last_frame
    assert "30.0/40.0 MB" in last_frame and "10.0 MB/s" in last_frame  # 20 MB in 2 s
    assert "25.0/50.0 MB" in last_frame
    assert "0:00:01" in last_frame or "0:00:02" in last_frame  # a@: 10 MB left at 10 MB/s
    assert "GB/s" not in first  # one sample: no rate at all, never an absurd one
    assert "?" in first
    out = COLOUR.sub("", buffer.getvalue())
    assert "brand-us" in out and "2/2" in out and "1 failed, 1 published" in out
    assert "[a@brand-us] published: https://t/a" in out
    assert "sk-secret-123" not in out and "token ***" in out
    assert "\x1b[32m" in buffer.getvalue() or "\x1b[38;2" in buffer.getvalue()  # coloured


def test_no_color_draws_the_same_display_without_colour() -> None:
    console, buffer = terminal(no_color=True)
    printer = RichPrinter(Redactor(), {"brand-us": 1}, console=console, clock=Clock())
    with printer:
        printer(UploadProgress("a@brand-us", 10 * MB, 40 * MB))
        printer(Result("a@brand-us", "create", Outcome.PUBLISHED, url="https://t/a"))
    assert "[a@brand-us] published" in buffer.getvalue()
    assert not COLOUR.search(buffer.getvalue())


def test_a_resent_chunk_holds_the_bar_and_says_resending() -> None:
    # The engine's events never go back (apply/events.py UploadGauge); while bytes already
    # counted go out again the bar stays where it was and its status says why it stalls.
    console, buffer = terminal(no_color=True)
    printer = RichPrinter(Redactor(), {"brand-us": 1}, console=console, clock=Clock())
    bars: list[str] = []
    with printer:
        for resending in (False, True, False):  # the last chunk's answer lost, then resent
            printer(UploadProgress("a@brand-us", 40 * MB, 40 * MB, resending=resending))
            bars.append(buffer.getvalue().splitlines()[-1])
    sent, held, again = bars
    assert "40.0/40.0 MB" in held and "resending…" in held and "processing" not in held
    assert "processing…" in sent and "processing…" in again


def test_plain_lines_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    printer = ApplyPrinter(Redactor(), color=False, clock=clock)
    printer(UploadProgress("a@brand-us", 10 * MB, 40 * MB))
    clock.now += 2
    printer(UploadProgress("a@brand-us", 20 * MB, 40 * MB))
    clock.now += 2
    printer(UploadProgress("a@brand-us", 40 * MB, 40 * MB))
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "[a@brand-us] uploaded 10.0 MB of 40.0 MB (25%)",  # one sample: no rate yet
        "[a@brand-us] uploaded 20.0 MB of 40.0 MB (50%) at 5.0 MB/s",
        "[a@brand-us] uploaded 40.0 MB of 40.0 MB (100%) at 7.5 MB/s",
    ]


def test_plain_lines_keep_each_upload_of_one_account_apart(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # An account's pipeline uploads several posts at once: their events interleave, and each
    # line still names its post, with that upload's own steps and rate.
    clock = Clock()
    printer = ApplyPrinter(Redactor(), color=False, clock=clock)
    printer(UploadProgress("a@brand-us", 10 * MB, 40 * MB))
    printer(UploadProgress("b@brand-us", 5 * MB, 20 * MB))
    clock.now += 2
    printer(UploadProgress("b@brand-us", 20 * MB, 20 * MB))
    printer(UploadProgress("a@brand-us", 20 * MB, 40 * MB))
    printer(Result("b@brand-us", "create", Outcome.PUBLISHED, url="https://t/b"))
    assert capsys.readouterr().out.splitlines() == [
        "[a@brand-us] uploaded 10.0 MB of 40.0 MB (25%)",
        "[b@brand-us] uploaded 5.0 MB of 20.0 MB (25%)",
        "[b@brand-us] uploaded 20.0 MB of 20.0 MB (100%) at 7.5 MB/s",
        "[a@brand-us] uploaded 20.0 MB of 40.0 MB (50%) at 5.0 MB/s",
        "[b@brand-us] published: https://t/b",
    ]


def test_open_printer_picks_plain_lines_in_ci(capsys: pytest.CaptureFixture[str]) -> None:
    plan = Plan(
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        lineage="l",
        serial=0,
        changes=[
            Change(
                address="a@brand-us",
                post_id="a",
                account="brand-us",
                action=Action.CREATE,
                reason="new",
            ),
        ],
    )
    with open_printer(
        plan, Redactor(), json_mode=False, color=None, tty=True, env={"CI": "true"}
    ) as printer:
        assert isinstance(printer, ApplyPrinter)
    with open_printer(plan, Redactor(), json_mode=False, color=False, tty=True, env={}) as printer:
        assert isinstance(printer, RichPrinter)
        assert printer.console.no_color


def test_no_color_environment_turns_colour_off_even_when_forced(
    content_repo: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = content_repo.root  # type: ignore[attr-defined]
    runner = CliRunner()
    coloured = runner.invoke(cli, ["-C", str(root), "plan", "--no-media-checks"], color=True)
    assert COLOUR.search(coloured.stdout)
    monkeypatch.setenv("NO_COLOR", "1")
    plain = runner.invoke(cli, ["-C", str(root), "plan", "--no-media-checks"], color=True)
    assert plain.exit_code == 0 and not COLOUR.search(plain.stdout)


def test_rich_stays_out_of_start_up_and_of_plain_output() -> None:
    code = (
        "import sys\n"
        "from gitops_publisher.cli.main import cli\n"
        "import gitops_publisher.cli.apply_cmd, gitops_publisher.cli.views.apply_output\n"
        "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "print('rich' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
