"""Apply's live output: log lines (CI, pipes) or a rich display (terminal), then a summary.

:func:`open_printer` chooses: on an interactive terminal outside CI, the rich display of
``cli/views/apply_progress.py`` (imported only then); otherwise :class:`ApplyPrinter`'s plain
lines, uploads logged at 25 % steps with their measured rate.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import click

from gitops_publisher.apply.events import Event, Log, Outcome, Result, UploadProgress
from gitops_publisher.cli.views.plan_text import human_size
from gitops_publisher.core.plan import ACTING, Plan
from gitops_publisher.escape import terminal
from gitops_publisher.providers.registry import PLATFORMS

_OUTCOME_COLOURS = {
    Outcome.PUBLISHED: "green",
    Outcome.SCHEDULED: "green",
    Outcome.INBOX: "green",
    Outcome.PENDING: "cyan",
    Outcome.FAILED: "red",
    Outcome.NOT_ATTEMPTED: "yellow",
}
#: A rate needs this much time between two samples to mean anything.
MIN_RATE_SECONDS = 0.5


def transfer_rate(first: tuple[float, int], last: tuple[float, int]) -> float | None:
    """Bytes per second between two ``(seconds, bytes sent)`` samples, None if unknown.

    The first sample only says when measuring started: the bytes it reports were sent
    before it, over an unknown time, so they do not count. Until samples span
    :data:`MIN_RATE_SECONDS` there is no rate (not an absurd one).
    """
    elapsed = last[0] - first[0]
    if elapsed < MIN_RATE_SECONDS or last[1] < first[1]:
        return None
    return (last[1] - first[1]) / elapsed


def wants_live_display(*, tty: bool, env: Mapping[str, str]) -> bool:
    """A live display only on an interactive terminal, never in CI or a dumb terminal."""
    ci = env.get("CI", "").strip().lower() not in ("", "0", "false")
    return tty and not ci and env.get("TERM", "") != "dumb"


def no_color_requested(env: Mapping[str, str]) -> bool:
    """``NO_COLOR`` set to anything non-empty (https://no-color.org)."""
    return bool(env.get("NO_COLOR", ""))


@dataclass
class Redactor:
    """Replaces every known secret value with ``***`` (tokens never reach output)."""

    secrets: set[str] = field(default_factory=set)

    def __call__(self, text: str) -> str:
        """Return ``text`` with secrets masked."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret and len(secret) >= 6:
                text = text.replace(secret, "***")
        return text


@dataclass
class ApplyPrinter:
    """Renders engine events as plain lines (CI logs, pipes); uploads at 25 % steps."""

    redact: Redactor
    json_mode: bool = False
    color: bool | None = None
    clock: Callable[[], float] = time.monotonic
    _first: dict[str, tuple[float, int]] = field(default_factory=dict)
    _last_step: dict[str, int] = field(default_factory=dict)

    def __call__(self, event: Event) -> None:
        """Render one event."""
        if self.json_mode:
            return
        if isinstance(event, Log):
            prefix = f"[{event.address}] " if event.address else ""
            click.echo(terminal(self.redact(prefix + event.message)))
        elif isinstance(event, UploadProgress):
            self._progress(event)
        elif isinstance(event, Result):
            colour = _OUTCOME_COLOURS[event.outcome]
            text = f"[{event.address}] {event.outcome.value}"
            detail = event.detail
            if detail:
                text += f": {detail}"
            text = terminal(self.redact(text))
            click.echo(click.style(text, fg=colour) if self.color is not False else text)

    def _progress(self, event: UploadProgress) -> None:
        now = self.clock()
        first = self._first.setdefault(event.address, (now, event.sent))
        step = int(4 * event.sent / max(event.total, 1))  # log at 25 % steps
        if step == self._last_step.get(event.address, -1):
            return
        self._last_step[event.address] = step
        rate = transfer_rate(first, (now, event.sent))
        speed = f" at {human_size(int(rate))}/s" if rate else ""
        click.echo(
            f"[{event.address}] uploaded {human_size(event.sent)} of "
            f"{human_size(event.total)} ({100 * event.sent // max(event.total, 1)}%){speed}"
        )


@contextmanager
def open_printer(
    plan: Plan,
    redact: Redactor,
    *,
    json_mode: bool,
    color: bool | None,
    tty: bool | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[Callable[[Event], None]]:
    """The printer for this apply: a rich live display on a terminal, else plain lines.

    ``tty`` and ``env`` default to stdout's and the process's; ``color=False`` (``--no-color``
    or ``NO_COLOR``) draws the display without colour.
    """
    environ = os.environ if env is None else env
    live = wants_live_display(tty=is_tty() if tty is None else tty, env=environ)
    if json_mode or not live:
        yield ApplyPrinter(redact, json_mode=json_mode, color=color)
        return
    from gitops_publisher.cli.views.apply_progress import RichPrinter, terminal_console

    acting: dict[str, int] = {}
    for change in plan.changes:
        if change.action in ACTING:
            acting[change.account] = acting.get(change.account, 0) + 1
    platforms = {c.account: PLATFORMS[c.provider].title for c in plan.changes}
    no_color = color is False or no_color_requested(environ)
    console = terminal_console(no_color=no_color)
    with RichPrinter(redact, acting, console=console, platforms=platforms) as printer:
        yield printer


def summary_table(results: Iterable[Result], redact: Redactor) -> str:
    """The closing table: address, result, post URL or error."""
    rows = [(r.address, r.outcome.value, terminal(redact(r.detail))) for r in results]
    if not rows:
        return "Nothing was published."
    width_a = max(len("ADDRESS"), *(len(r[0]) for r in rows))
    width_o = max(len("RESULT"), *(len(r[1]) for r in rows))
    lines = [f"{'ADDRESS'.ljust(width_a)}  {'RESULT'.ljust(width_o)}  POST URL / DETAIL"]
    lines.extend(f"{a.ljust(width_a)}  {o.ljust(width_o)}  {d}" for a, o, d in rows)
    return "\n".join(lines)


def results_json(results: Iterable[Result], redact: Redactor) -> str:
    """Machine-readable results for ``--format json``."""
    items = []
    for result in results:
        data = asdict(result)
        data["outcome"] = result.outcome.value
        data["message"] = redact(result.message)
        items.append(data)
    return json.dumps({"format_version": 1, "results": items}, indent=2)


def is_tty() -> bool:
    """Whether stdout is an interactive terminal."""
    return sys.stdout.isatty()
