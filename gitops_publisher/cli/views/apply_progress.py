"""Apply's live display on a terminal: a rich progress bar per upload and a line per account.

Only ``publisher apply`` on an interactive terminal imports this module, so ``import rich``
(about 30 ms, and pygments behind it) stays out of every other command's start-up
(``bench/cli_startup.py`` counts the heavy imports of ``publisher --help``).

rich measures each upload's rate and time left from its own samples over time, so the first
sample alone shows no rate (the hand-drawn line it replaces divided a first chunk by a
microsecond and showed "161.1 GB/s").
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from types import TracebackType

from rich.console import Console, Group
from rich.live import Live
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from gitops_publisher.apply.events import Event, Log, Outcome, Result, UploadProgress
from gitops_publisher.escape import terminal

_STYLES = {
    Outcome.PUBLISHED: "green",
    Outcome.SCHEDULED: "green",
    Outcome.INBOX: "green",
    Outcome.PENDING: "cyan",
    Outcome.FAILED: "red",
    Outcome.NOT_ATTEMPTED: "yellow",
}


def terminal_console(*, no_color: bool) -> Console:
    """The console on stdout; ``no_color`` keeps the display but drops every colour."""
    return Console(no_color=no_color, highlight=False)


class RichPrinter:
    """Renders engine events with rich; use it as a context manager around the apply.

    Args:
        redact: masks secrets in every text shown.
        accounts: account -> number of addresses this apply acts on (one line each).
        console: where to draw (tests pass a Console writing to a buffer).
        clock: monotonic seconds, for rates and times left (tests pass a fake clock).
        platforms: account -> its platform's title (``TikTok``), for "processing at TikTok…".
    """

    def __init__(
        self,
        redact: Callable[[str], str],
        accounts: Mapping[str, int],
        *,
        console: Console,
        clock: Callable[[], float] = time.monotonic,
        platforms: Mapping[str, str] | None = None,
    ) -> None:
        self.redact = redact
        self.platforms = platforms or {}
        self.console = console
        self.accounts = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=20),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            console=console,
            get_time=clock,
        )
        self.uploads = Progress(
            TextColumn("  {task.description}"),
            BarColumn(bar_width=20),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[status]}"),
            console=console,
            get_time=clock,
        )
        self._account_tasks: dict[str, TaskID] = {
            name: self.accounts.add_task(name, total=count, status="")
            for name, count in sorted(accounts.items())
        }
        self._upload_tasks: dict[str, TaskID] = {}
        self._outcomes: dict[str, Counter[str]] = {name: Counter() for name in accounts}
        self.live = Live(
            Group(self.accounts, self.uploads),
            console=console,
            auto_refresh=False,
            transient=False,
        )

    def __enter__(self) -> RichPrinter:
        self.live.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.live.refresh()
        self.live.stop()

    def __call__(self, event: Event) -> None:
        """Render one event and refresh the display."""
        if isinstance(event, Log):
            prefix = f"[{event.address}] " if event.address else ""
            shown = terminal(self.redact(prefix + event.message))
            self.console.print(Text(shown), highlight=False)
        elif isinstance(event, UploadProgress):
            self._progress(event)
        else:
            self._result(event)
        self.live.refresh()

    def _progress(self, event: UploadProgress) -> None:
        task = self._upload_tasks.get(event.address)
        if task is None:
            task = self.uploads.add_task(event.address, total=event.total, status="")
            self._upload_tasks[event.address] = task
        where = self.platforms.get(event.address.partition("@")[2])
        if event.resending:  # the bar holds (the events never go back) and says why it stalls
            status = "resending…"
        elif event.sent >= event.total:
            status = f"processing at {where}…" if where else "processing…"
        else:
            status = ""
        self.uploads.update(task, completed=event.sent, status=status)

    def _result(self, event: Result) -> None:
        task = self._upload_tasks.pop(event.address, None)
        if task is not None:
            self.uploads.remove_task(task)
        account = event.address.partition("@")[2]
        line = Text(f"[{event.address}] {event.outcome.value}", style=_STYLES[event.outcome])
        detail = event.detail
        if detail:
            line.append(f": {terminal(self.redact(detail))}")
        self.console.print(line, highlight=False)
        if account in self._account_tasks:
            counts = self._outcomes[account]
            counts[event.outcome.value] += 1
            status = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
            self.accounts.update(self._account_tasks[account], advance=1, status=status)
