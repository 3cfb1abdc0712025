"""``publisher apply``: publish what the plan says, exactly once."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gitops_publisher.cli.errors import EXIT_ERROR
from gitops_publisher.cli.main import AppContext, sandbox_option


@click.command()
@click.argument("planfile", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--target", "targets", multiple=True, metavar="ADDRESS", help="Only these addresses.")
@click.option(
    "--replace",
    "replace",
    multiple=True,
    metavar="ADDRESS",
    help="Publish anew although published.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@sandbox_option
@click.pass_obj
def apply(
    app: AppContext,
    planfile: Path | None,
    yes: bool,
    targets: tuple[str, ...],
    replace: tuple[str, ...],
    fmt: str,
) -> None:
    """Publish the plan's posts to TikTok (or the sandbox) and record each result."""
    from gitops_publisher.apply.run import connect, execute
    from gitops_publisher.cli.views.apply_output import (
        ApplyPrinter,
        Redactor,
        is_tty,
        results_json,
        summary_table,
    )
    from gitops_publisher.cli.views.plan_text import render_text
    from gitops_publisher.errors import PublisherError
    from gitops_publisher.planning import check_not_stale, make_plan, read_plan, replan

    if planfile is not None and (targets or replace):
        raise PublisherError(
            "a saved plan already fixes its targets; --target/--replace go with `publisher plan`"
        )
    saved = read_plan(planfile) if planfile is not None else None
    if saved is not None:
        targets, replace = tuple(saved.targets), tuple(saved.replace)
    planned = make_plan(
        app.project_dir, sandbox=app.sandbox, targets=frozenset(targets), replace=frozenset(replace)
    )
    ctx = click.get_current_context()
    with planned.store.lock(purpose="apply"):
        planned = replan(planned, targets=frozenset(targets), replace=frozenset(replace))
        if saved is not None:
            check_not_stale(saved, planned)
        plan = planned.plan
        if fmt == "text":
            click.echo(render_text(plan, color=app.color))
        if plan.errors:
            ctx.exit(EXIT_ERROR)
        if not plan.has_changes:
            if fmt == "json":
                click.echo(results_json([], Redactor()))
            else:
                click.echo("Nothing to publish now.")
            return
        if not yes and saved is None:
            if not sys.stdin.isatty():
                raise PublisherError(
                    "apply needs confirmation: run it in a terminal, or pass --yes "
                    "(or apply a reviewed plan file: `publisher apply PLANFILE`)"
                )
            click.confirm("Publish these posts? TikTok cannot edit or delete them", abort=True)
        redactor = Redactor()
        printer = ApplyPrinter(redactor, tty=is_tty(), json_mode=fmt == "json", color=app.color)
        with connect(planned, sandbox=app.sandbox) as connection:
            redactor.secrets = connection.secrets
            report = execute(planned, connection, emit=printer)
    if fmt == "json":
        click.echo(results_json(report.results, redactor))
    else:
        click.echo("")
        click.echo(summary_table(report.results, redactor))
    if not report.ok:
        ctx.exit(EXIT_ERROR)
