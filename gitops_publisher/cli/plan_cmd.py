"""``publisher plan``: show what apply would do."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime
from pathlib import Path

import click

from gitops_publisher.cli.errors import EXIT_CHANGES, EXIT_ERROR
from gitops_publisher.cli.main import (
    AppContext,
    format_option,
    no_media_checks_option,
    sandbox_option,
)


@click.command()
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan for `publisher apply FILE`.",
)
@format_option(
    "text",
    "json",
    "markdown",
    help="json: also on errors, a document with the problems and their counts (stdout).",
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 0 when nothing changes, 2 when something would."
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="ADDRESS",
    help="Only plan these addresses (POST@ACCOUNT or POST).",
)
@click.option(
    "--replace",
    "replace",
    multiple=True,
    metavar="ADDRESS",
    help="Plan to publish these anew although published.",
)
@click.option(
    "--shard",
    metavar="K/N",
    help="Only the accounts of shard K of N, with their own state file (CI matrix).",
)
@click.option(
    "--offline",
    is_flag=True,
    help="No network: skip the account checks (TikTok creator_info, YouTube channel; fork "
    "pull requests have no credentials).",
)
@click.option(
    "--at",
    "at",
    metavar="TIME",
    help="Plan as a run at TIME would (ISO 8601 with its offset, e.g. 2026-12-12T09:00+09:00): "
    "which scheduled posts are due then, with today's manifests and state. A preview: it "
    "cannot be saved with -o.",
)
@sandbox_option
@no_media_checks_option
@click.pass_obj
def plan(
    app: AppContext,
    out: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    targets: tuple[str, ...],
    replace: tuple[str, ...],
    shard: str | None,
    offline: bool,
    no_media_checks: bool,
    at: str | None,
) -> None:
    """Show what `publisher apply` would publish, and why."""
    from gitops_publisher.cli.errors import echo_warnings
    from gitops_publisher.cli.views.plan_markdown import render_markdown
    from gitops_publisher.cli.views.plan_text import render_text
    from gitops_publisher.core.shard import Shard
    from gitops_publisher.errors import PublisherError
    from gitops_publisher.escape import terminal
    from gitops_publisher.planning import make_plan, save_plan
    from gitops_publisher.workspace.project import ProjectProblems

    when = _planned_time(at) if at is not None else None
    if when is not None and out is not None:
        raise PublisherError(
            "a plan --at another time cannot be saved: `apply FILE` publishes now",
            hint="drop --at to save the plan, or drop -o to preview what a run then would do",
        )
    try:
        planned = make_plan(
            app.project_dir,
            sandbox=app.sandbox,
            targets=frozenset(targets),
            replace=frozenset(replace),
            shard=Shard.parse(shard) if shard else None,
            media_checks=not no_media_checks,
            now=when,
        )
    except ProjectProblems as problems:
        if offline:
            raise
        from gitops_publisher.compose import checked_despite_problems

        error, notices = checked_despite_problems(
            problems,
            sandbox=app.sandbox,
            shard=Shard.parse(shard) if shard else None,
            warn=lambda m: click.echo(terminal(m), err=True),
        )
        for notice in notices:
            click.echo(f"Notice: {terminal(notice)}", err=True)
        raise error from None
    result = planned.plan
    echo_warnings(planned.project.warnings, app.project_dir)
    if when is not None:
        click.echo(
            f"Notice: planned as of {when.isoformat()}, not now: what a run then would do with "
            "the manifests and state of now (a preview; nothing here can be applied)",
            err=True,
        )
    from gitops_publisher.compose import reviewed_plan

    result, notices = reviewed_plan(
        planned,
        sandbox=app.sandbox,
        offline=offline,
        warn=lambda m: click.echo(terminal(m), err=True),
    )
    for notice in notices:
        click.echo(f"Notice: {terminal(notice)}", err=True)
    if fmt == "json":
        click.echo(result.model_dump_json(indent=2))
    elif fmt == "markdown":
        click.echo(render_markdown(result, warnings=planned.project.warnings), nl=False)
    else:
        click.echo(render_text(result, color=app.color))
    if out is not None and result.errors:
        # A failed plan approves nothing (as in the Action): saving it would let
        # `apply PLANFILE` publish the other posts of a plan whose review showed errors.
        earlier = " (the file there is an earlier plan, left as it was)" if out.exists() else ""
        click.echo(
            f"Not saved to {out}{earlier}: the plan has errors. Fix them, or plan the posts "
            "without errors with --target, then save that plan.",
            err=True,
        )
    elif out is not None:
        save_plan(result, out)
        again = _apply_command(app, shard, out)
        click.echo(f"Saved the plan to {out}; run `{again}` to apply exactly it.", err=True)
    ctx = click.get_current_context()
    if result.errors:
        ctx.exit(EXIT_ERROR)
    if detailed_exitcode and result.has_changes:
        ctx.exit(EXIT_CHANGES)


def _apply_command(app: AppContext, shard: str | None, out: Path) -> str:
    """The command that applies the saved plan ``out``: same project, sandbox and shard."""
    words = ["publisher"]
    if app.project_dir != Path():
        words += ["-C", str(app.project_dir)]
    words.append("apply")
    if app.sandbox:
        words.append("--sandbox")
    if shard:
        words += ["--shard", shard]
    return shlex.join([*words, str(out)])


def _planned_time(text: str) -> datetime:
    """``--at``'s time, aware.

    Raises:
        PublisherError: not an ISO 8601 time, or one without its offset (whose zone would
            be a guess).
    """
    from gitops_publisher.errors import PublisherError

    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PublisherError(
            f"--at {text!r} is not a time",
            hint="give it as ISO 8601 with its offset, e.g. 2026-12-12T09:00+09:00 or "
            "2026-12-12T00:00Z",
        ) from None
    if when.tzinfo is None:
        raise PublisherError(
            f"--at {text!r} has no offset, so its zone would be a guess",
            hint=f"add the offset: {text.strip()}Z for UTC, or e.g. {text.strip()}+09:00",
        )
    return when.astimezone(UTC)
