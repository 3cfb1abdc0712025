"""``publisher calendar``: every scheduled and published post per account and day."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from gitops_publisher.cli.main import AppContext, sandbox_option


@click.command()
@click.option(
    "--from",
    "start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="DAY",
    help="First day shown (YYYY-MM-DD, in each account's time zone).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="DAY",
    help="Last day shown (YYYY-MM-DD, inclusive).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "ics", "json"]),
    default="text",
    show_default=True,
    help="ics: an iCalendar file to subscribe to in a calendar application.",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of standard output.",
)
@sandbox_option
@click.pass_obj
def calendar(
    app: AppContext, start: datetime | None, end: datetime | None, fmt: str, out: Path | None
) -> None:
    """Show scheduled and published posts per account and day, in each account's zone."""
    from gitops_publisher.core.calendar import build_calendar
    from gitops_publisher.core.plan import Action
    from gitops_publisher.core.planner import plan
    from gitops_publisher.errors import PublisherError
    from gitops_publisher.planning import utc_now
    from gitops_publisher.providers.registry import PLATFORMS
    from gitops_publisher.workspace.project import load_project
    from gitops_publisher.workspace.state_stores import open_state_store

    first: date | None = start.date() if start else None
    last: date | None = end.date() if end else None
    if first is not None and last is not None and last < first:
        raise PublisherError(f"--to {last} is before --from {first}", hint="swap them, or drop one")
    project = load_project(app.project_dir)
    state = open_state_store(app.project_dir, project.config.state, sandbox=app.sandbox).read()
    now = utc_now()  # the plan's clock: windows closed for the plan are closed here
    # What the plan leaves failed (a platform's rejection for good): the planner's rule.
    planned = plan(project.posts, state, now, accounts=project.config.accounts, platforms=PLATFORMS)
    rejected = {
        c.address: c.reason
        for c in planned.changes
        if c.action is Action.FAILED and c.address in state.resources
    }
    result = build_calendar(
        project.posts,
        state,
        project.config.accounts,
        now,
        start=first,
        end=last,
        rejected=rejected,
    )
    for warning in project.warnings:
        click.echo(warning.render(), err=True)
    if fmt == "json":
        text = result.model_dump_json(indent=2) + "\n"
    elif fmt == "ics":
        from gitops_publisher.cli.views.calendar_ics import render_ics

        text = render_ics(result)
    else:
        from gitops_publisher.cli.views.calendar_text import render_calendar_text

        text = render_calendar_text(result, color=app.color if out is None else False) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_bytes(text.encode("utf-8"))
    except OSError as exc:
        raise PublisherError(f"cannot write {out}: {exc.strerror}") from exc
    click.echo(f"Wrote {len(result.entries)} post(s) to {out}.", err=True)
