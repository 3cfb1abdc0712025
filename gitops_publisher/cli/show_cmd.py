"""``publisher show PLANFILE``: render a saved plan as text, JSON or Markdown (``terraform show``).

Reading only: no state, no network, no project needed. The file is checked like ``apply
PLANFILE`` checks it; a file that is no plan of this version is explained at JSON pointers
against ``schema/plan.schema.json``.
"""

from __future__ import annotations

from pathlib import Path

import click

from gitops_publisher.cli.main import AppContext, format_option


@click.command()
@click.argument("planfile", type=click.Path(dir_okay=False, path_type=Path))
@format_option(
    "text", "json", "markdown", help="json: the plan document (on errors, the problems)."
)
@click.pass_obj
def show(app: AppContext, planfile: Path, fmt: str) -> None:
    """Show the saved plan PLANFILE (from `publisher plan -o PLANFILE`)."""
    from gitops_publisher.planning import read_plan

    saved = read_plan(planfile)
    if fmt == "json":
        click.echo(saved.model_dump_json(indent=2))
    elif fmt == "markdown":
        from gitops_publisher.cli.views.plan_markdown import render_markdown

        click.echo(render_markdown(saved), nl=False)
    else:
        from gitops_publisher.cli.views.plan_text import render_text

        click.echo(render_text(saved, color=app.color))
