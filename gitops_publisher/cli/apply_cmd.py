"""``publisher apply``: publish what the plan says, exactly once."""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gitops_publisher.cli.errors import EXIT_ERROR
from gitops_publisher.cli.main import AppContext, format_option, sandbox_option

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from gitops_publisher.apply.run import ApplyReport
    from gitops_publisher.core.models import Notifier
    from gitops_publisher.core.plan import Plan
    from gitops_publisher.core.state import Provenance
    from gitops_publisher.notify.send import Delivery
    from gitops_publisher.planning import Planned


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
    "--allow-repost",
    "allow_repost",
    multiple=True,
    metavar="ADDRESS",
    help="Create ADDRESS although it posts an orphan's video again (a probable rename).",
)
@click.option("--wait", is_flag=True, help="Keep running; publish scheduled posts when due.")
@format_option(
    "text", "json", help="json: also on errors, a document with the problems and their counts."
)
@click.option(
    "--shard",
    metavar="K/N",
    help="Only the accounts of shard K of N, with their own state file (CI matrix).",
)
@click.option(
    "--reviewed-only",
    is_flag=True,
    help="Publish only posts a merged pull request's plan showed as they are now (approvals "
    "in the state); report the others as not reviewed.",
)
@sandbox_option
@click.pass_obj
def apply(
    app: AppContext,
    planfile: Path | None,
    yes: bool,
    targets: tuple[str, ...],
    replace: tuple[str, ...],
    allow_repost: tuple[str, ...],
    wait: bool,
    fmt: str,
    shard: str | None,
    reviewed_only: bool,
) -> None:
    """Publish the plan's posts to TikTok and YouTube (or the sandbox); record each result."""
    from gitops_publisher.apply.run import ApplyReport, execute
    from gitops_publisher.apply.scheduler import run_until_done, waiting_line
    from gitops_publisher.cli.views.apply_output import (
        Redactor,
        open_printer,
        results_json,
        summary_table,
    )
    from gitops_publisher.cli.views.plan_text import render_text
    from gitops_publisher.compose import connect
    from gitops_publisher.core.plan import ACTING
    from gitops_publisher.core.renames import refuse_reposts, unused_allowances
    from gitops_publisher.core.shard import Shard
    from gitops_publisher.errors import PublisherError
    from gitops_publisher.planning import (
        check_not_stale,
        open_project,
        persist_moves,
        read_plan,
    )
    from gitops_publisher.providers.registry import titles

    if planfile is not None and (targets or replace or wait):
        raise PublisherError(
            "a saved plan fixes what it does: --target/--replace/--wait go without PLANFILE"
        )
    saved = read_plan(planfile) if planfile is not None else None
    if saved is not None and saved.errors:  # older versions saved failed plans too
        raise PublisherError(
            f"{planfile} is a plan with {len(saved.errors)} error(s), which approves nothing: "
            "nothing was published",
            hint="make the plan again once its errors are fixed: `publisher plan -o FILE`",
        )
    if saved is not None:
        targets, replace = tuple(saved.targets), tuple(saved.replace)
    selected, replacing = frozenset(targets), frozenset(replace)
    part = Shard.parse(shard) if shard else None
    ctx = click.get_current_context()
    failed = False

    def run_once() -> Plan:
        nonlocal failed
        origin = apply_origin(app.project_dir)
        opened = open_project(app.project_dir, sandbox=app.sandbox, shard=part)
        with opened.store.lock(purpose="apply"):  # planned from the state read under it
            planned = opened.plan(targets=selected, replace=replacing, reviewed_only=reviewed_only)
            if saved is not None:
                check_not_stale(saved, planned)
            plan = planned.plan
            if fmt == "text":
                click.echo(render_text(plan, color=app.color))
            if plan.errors:
                ctx.exit(EXIT_ERROR)
            for address in unused_allowances(plan.changes, frozenset(allow_repost)):
                click.echo(
                    f"warning: --allow-repost {address} allows nothing: no post of this plan "
                    "at that address would post an orphan's video again",
                    err=True,
                )
            refuse_reposts(plan.changes, frozenset(allow_repost))
            if plan.publishes and not yes and saved is None:
                if not _interactive():
                    raise PublisherError(
                        "apply needs confirmation: run it in a terminal, or pass --yes "
                        "(or apply a reviewed plan file: `publisher apply PLANFILE`)"
                    )
                where = titles(c.provider for c in plan.changes if c.action in ACTING)
                where = f"the {where} sandbox" if app.sandbox else where
                if not click.confirm(
                    f"Publish these posts to {where}? Once published, they cannot be edited or "
                    "deleted from here"
                ):
                    click.echo("Apply cancelled: nothing was published.", err=True)
                    ctx.exit(EXIT_ERROR)
            # state only: no confirmation for moves alone
            planned = persist_moves(planned, warn=lambda m: click.echo(m, err=True))
            for old, new in sorted(plan.moves.items()):
                click.echo(f"Moved {old} -> {new} in {planned.store.describe()}.", err=True)
            if not plan.publishes:
                if fmt == "json":
                    click.echo(results_json([], Redactor()))
                elif plan.has_changes:  # else the plan's last line said it already
                    click.echo("Nothing to publish now.")
                # `when: always` means after every apply, this one included; the others
                # have nothing new to hear (a skip stays in every plan until its manifest goes)
                always = [n for n in planned.project.config.notify if n.when == "always"]
                if always:
                    empty = ApplyReport(plan)
                    for delivery in notify(
                        planned,
                        empty,
                        sandbox=app.sandbox,
                        redact=Redactor(),
                        run_url=origin.run_url,
                        notifiers=always,
                    ):
                        click.echo(delivery.line(), err=True)
                return plan
            redactor = Redactor()
            acting = sorted({c.account for c in plan.changes if c.action in ACTING})
            with connect(
                planned,
                sandbox=app.sandbox,
                warn=lambda m: click.echo(m, err=True),
                names=acting,  # every credential they lack is said at once
            ) as connection:
                redactor.secrets = connection.secrets
                app.secrets.append(connection.secrets)  # a crash's log is masked too
                with open_printer(
                    plan, redactor, json_mode=fmt == "json", color=app.color
                ) as printer:
                    report = execute(planned, connection, emit=printer, origin=origin)
        if fmt == "json":
            click.echo(results_json(report.results, redactor))
        else:
            click.echo("")
            click.echo(summary_table(report.results, redactor))
        failed = failed or not report.ok
        if planned.project.config.notify:
            deliveries = notify(
                planned, report, sandbox=app.sandbox, redact=redactor, run_url=origin.run_url
            )
            for delivery in deliveries:
                click.echo(delivery.line(), err=True)
        return plan

    if wait:
        last: list[Plan] = []

        def one_round() -> Plan:
            last[:] = [run_once()]
            return last[0]

        run_until_done(
            one_round,
            now=lambda: datetime.now(UTC),
            sleep=time.sleep,
            on_wait=lambda due: click.echo(
                waiting_line(last[0]) or f"Waiting until {due.isoformat()} (Ctrl-C stops safely)."
            ),
        )
    else:
        run_once()
    if failed:
        ctx.exit(EXIT_ERROR)


def apply_origin(project_dir: Path) -> Provenance:
    """Where this apply comes from: the CI run's variables, else the checkout's ``HEAD``.

    Read here, at the edge, and handed to the engine (which adds the plan's hash).
    """
    from gitops_publisher.github.event import ci_origin
    from gitops_publisher.workspace.git_state import head_commit

    origin = ci_origin(os.environ)
    if origin.commit is None:
        origin = origin.model_copy(update={"commit": head_commit(project_dir)})
    return origin


def notify(
    planned: Planned,
    report: ApplyReport,
    *,
    sandbox: bool,
    redact: Callable[[str], str],
    run_url: str | None,
    notifiers: Sequence[Notifier] | None = None,
) -> list[Delivery]:
    """Tell the config's webhooks (or ``notifiers``) what this apply did; never raises."""
    from gitops_publisher.notify.message import build_notification
    from gitops_publisher.notify.send import send_all

    captions = {str(p.address): p.caption for p in planned.project.posts if p.mode == "direct"}
    notification = build_notification(
        report.plan,
        report.results,
        captions,
        sandbox=sandbox,
        run_url=run_url,
        redact=redact,
    )
    chosen = planned.project.config.notify if notifiers is None else notifiers
    return send_all(chosen, notification, os.environ)


def _interactive() -> bool:
    """Whether a person can answer the confirmation (a terminal on stdin)."""
    return sys.stdin is not None and sys.stdin.isatty()
