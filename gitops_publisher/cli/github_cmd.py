"""``publisher github``: the GitHub Action's entrypoint (see ``action.yml``).

Reads the event and the ``INPUT_*`` variables from the environment, then plans, applies,
validates or explains (``gitops_publisher/github/action.py``). Plan and apply run through
this same CLI, in process.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from gitops_publisher.cli.main import AppContext, sandbox_option

if TYPE_CHECKING:
    from collections.abc import Callable

    from gitops_publisher.github.action import Cli


def _invoke(argv: list[str]) -> int:
    """Run ``publisher ARGV`` in this process; return its exit code."""
    from gitops_publisher.cli.main import cli

    try:
        result = cli.main(args=argv, prog_name="publisher", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        return 1
    return result if isinstance(result, int) else 0


def action_cli(invoke: Callable[[list[str]], int] = _invoke) -> Cli:
    """This CLI as the Action uses it: its commands, its error text, its Markdown plan.

    The one way ``github/`` reaches ``cli/``: handed in, never imported.
    """
    from gitops_publisher.cli.errors import format_error
    from gitops_publisher.cli.views.plan_markdown import render_markdown
    from gitops_publisher.github.action import Cli

    return Cli(invoke=invoke, format_error=format_error, render_markdown=render_markdown)


@click.command()
@sandbox_option
@click.pass_obj
def github(app: AppContext) -> None:
    """Run as the GitHub Action: plan pull requests, apply the default branch and schedules."""
    from gitops_publisher.github.action import run_action

    code = run_action(os.environ, base_dir=app.project_dir, sandbox=app.sandbox, cli=action_cli())
    click.get_current_context().exit(code)
