"""``publisher preview``: write each post's cover frame as a PNG, for reviewers.

What is decoded and written, and how, is :mod:`gitops_publisher.covers`; this module parses
the options, picks the addresses (``--plan PLANFILE``: those a saved plan publishes) and
prints what was written.
"""

from __future__ import annotations

from pathlib import Path

import click

from gitops_publisher.cli.main import AppContext
from gitops_publisher.covers import (
    PLAN_HINT,
    PREVIEW_DIR,
    decode_covers,
    publishing_addresses,
    select_posts,
    uncovered_note,
    with_covers,
    write_pngs,
)
from gitops_publisher.errors import AddressError, ConfigError
from gitops_publisher.escape import terminal
from gitops_publisher.media.frames import load_av
from gitops_publisher.workspace.project import load_project

_SELECT_HINT = "name the addresses to preview, or pass --all or --plan PLANFILE (only one)"


@click.command()
@click.argument("addresses", nargs=-1, metavar="[ADDRESS]...")
@click.option("--all", "all_posts", is_flag=True, help="Preview every address in the manifests.")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PLANFILE",
    help="Preview the addresses a saved plan (`publisher plan -o FILE`) publishes: its "
    "create, replace and retry changes (the ones that upload a video).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Directory for the PNG files [default: {PREVIEW_DIR} in the project].",
)
@click.pass_obj
def preview(
    app: AppContext,
    addresses: tuple[str, ...],
    all_posts: bool,
    plan_file: Path | None,
    out_dir: Path | None,
) -> None:
    """Write the cover frame of each ADDRESS (POST_ID@ACCOUNT) as PNG, for review.

    The frame is taken at the post's cover_timestamp_ms (the first frame when unset), as
    TikTok will show it; the files are named POST_ID@ACCOUNT.png. YouTube picks a Short's
    thumbnail itself, so its addresses have no cover to preview (--all and --plan leave
    them out and say so). Needs the optional dependency: pip install
    'gitops-publisher[preview]'.
    """
    if sum((bool(addresses), all_posts, plan_file is not None)) != 1:
        raise AddressError(_SELECT_HINT, hint=PLAN_HINT)
    if plan_file is not None:
        from gitops_publisher.planning import read_plan

        addresses = tuple(publishing_addresses(read_plan(plan_file)))
        if not addresses:  # said without PyAV: a CI step that has nothing to show passes
            click.echo(
                f"Nothing to preview: {plan_file} publishes no video (no create, replace or retry)."
            )
            return
    load_av()  # before reading the project: a missing extra is the first thing to say
    project = load_project(app.project_dir)
    chosen = select_posts(project, addresses, all_posts, from_plan=plan_file is not None)
    posts, left = with_covers(project, chosen)
    uncovered = [str(post.address) for post in left]
    if uncovered and addresses and plan_file is None:  # named by the user
        raise AddressError(
            f"{uncovered_note(uncovered)}; nothing was written",
            hint="name the post's TikTok addresses, or pass --all",
        )
    previews, problems = decode_covers(project, posts)
    if problems:
        raise ConfigError(problems, "no preview written")
    directory = out_dir if out_dir is not None else app.project_dir / PREVIEW_DIR
    for written in write_pngs(posts, previews, directory):
        click.echo(terminal(f"Wrote {_display(written.path)}  {written.description}"))
    if uncovered:
        click.echo(terminal(f"Skipped: {uncovered_note(uncovered)}."))


def _display(path: Path) -> str:
    """``path`` relative to the working directory when inside it (as the user would type it)."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)
