"""Apply's live output: log lines (CI) or progress (terminal), then a summary table."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import click

from gitops_publisher.apply.events import Event, Log, Outcome, Result, UploadProgress
from gitops_publisher.cli.views.plan_text import human_size

_OUTCOME_COLOURS = {
    Outcome.PUBLISHED: "green",
    Outcome.INBOX: "green",
    Outcome.PENDING: "cyan",
    Outcome.FAILED: "red",
    Outcome.NOT_ATTEMPTED: "yellow",
}


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
    """Renders engine events; ``tty`` draws a progress line per upload, else plain logs."""

    redact: Redactor
    tty: bool = False
    json_mode: bool = False
    color: bool | None = None
    _started: dict[str, float] = field(default_factory=dict)
    _last_step: dict[str, int] = field(default_factory=dict)

    def __call__(self, event: Event) -> None:
        """Render one event."""
        if self.json_mode:
            return
        if isinstance(event, Log):
            prefix = f"[{event.address}] " if event.address else ""
            self._line(self.redact(prefix + event.message))
        elif isinstance(event, UploadProgress):
            self._progress(event)
        elif isinstance(event, Result):
            colour = _OUTCOME_COLOURS[event.outcome]
            text = f"[{event.address}] {event.outcome.value}"
            detail = event.url or event.message
            if detail:
                text += f": {detail}"
            self._line(
                click.style(self.redact(text), fg=colour)
                if self.color is not False
                else self.redact(text)
            )

    def _line(self, text: str) -> None:
        if self.tty:
            click.echo("\r\033[K", nl=False)
        click.echo(text)

    def _progress(self, event: UploadProgress) -> None:
        now = time.monotonic()
        started = self._started.setdefault(event.address, now)
        elapsed = max(now - started, 1e-6)
        rate = event.sent / elapsed
        if self.tty:
            width = 24
            done = int(width * event.sent / max(event.total, 1))
            eta = (event.total - event.sent) / rate if rate > 0 else 0.0
            bar = "#" * done + "." * (width - done)
            click.echo(
                f"\r\033[K  {event.address} [{bar}] {human_size(event.sent)}/"
                f"{human_size(event.total)} {human_size(int(rate))}/s ETA {eta:.0f}s",
                nl=False,
            )
            if event.sent >= event.total:
                click.echo("")
            return
        step = int(4 * event.sent / max(event.total, 1))  # log at 25 % steps in CI
        if step != self._last_step.get(event.address, -1):
            self._last_step[event.address] = step
            click.echo(
                f"[{event.address}] uploaded {human_size(event.sent)} of "
                f"{human_size(event.total)} ({100 * event.sent // max(event.total, 1)}%)"
            )


def summary_table(results: Iterable[Result], redact: Redactor) -> str:
    """The closing table: address, result, post URL or error."""
    rows = [(r.address, r.outcome.value, redact(r.url or r.message or "")) for r in results]
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
