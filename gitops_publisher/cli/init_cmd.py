"""``publisher init [DIR]``: scaffold a content repository a new user can apply right away.

Thin: the files come from ``workspace/scaffold.py``; this module asks for what is missing (on a
terminal), writes, and says what to do next.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import click

from gitops_publisher.cli.main import AppContext
from gitops_publisher.errors import PublisherError


@click.command()
@click.argument(
    "directory", required=False, type=click.Path(file_okay=False, path_type=Path), metavar="[DIR]"
)
@click.option("--account", help="Name of the first account (e.g. brand-us).")
@click.option(
    "--provider",
    type=click.Choice(["tiktok", "youtube"]),
    default=None,
    help="Its platform: a TikTok account or a YouTube channel. [default: tiktok; on a "
    "terminal without --account, asked]",
)
@click.option(
    "--username",
    "--handle",
    "username",
    help="Its handle (TikTok username, YouTube @handle), '@' optional (optional).",
)
@click.option("--timezone", default="UTC", show_default=True, help="IANA zone for schedules.")
@click.option("--force", is_flag=True, help="Replace files that exist (each one is listed).")
@click.pass_obj
def init(
    app: AppContext,
    directory: Path | None,
    account: str | None,
    provider: str | None,
    username: str | None,
    timezone: str,
    force: bool,
) -> None:
    """Create a content repository in DIR (default: the project directory).

    Writes publisher.yaml with one account (TikTok, or a YouTube channel with --provider
    youtube), an example post and video, .gitignore, .gitattributes (Git LFS for videos), the
    GitHub workflow, and the editor schemas. Refuses to overwrite anything without --force.
    """
    from gitops_publisher.core.models import Config
    from gitops_publisher.providers.registry import DEFAULT_PROVIDER, PLATFORMS
    from gitops_publisher.workspace.scaffold import (
        SCAFFOLDED,
        scaffold_files,
        secrets_to_set,
        token_env,
        write_scaffold,
    )

    root = directory if directory is not None else app.project_dir
    if account is None:
        if not _interactive():
            raise PublisherError(
                "which account? there is no terminal to ask on",
                hint="pass --account NAME (and --username HANDLE), e.g. "
                "`publisher init --account brand-us --username acme` (a YouTube channel: "
                "`publisher init --provider youtube --account acme-shorts --handle @acme`)",
            )
        if provider is None:
            choices = ", ".join(f"{p} ({PLATFORMS[p].title})" for p in SCAFFOLDED)
            provider = click.prompt(
                f"Platform: {choices}",
                type=click.Choice(SCAFFOLDED),
                default=DEFAULT_PROVIDER,
                show_choices=False,
                err=True,
            )
        account = click.prompt("Account name (lowercase, e.g. brand-us)", err=True)
        if username is None:
            title = PLATFORMS[provider].title
            username = (
                click.prompt(
                    f"Its {title} handle (empty to skip)", default="", show_default=False, err=True
                )
                or None
            )
    provider = provider or DEFAULT_PROVIDER
    title = PLATFORMS[provider].title
    username = username.lstrip("@") if username else None
    settings = {
        "provider": provider,
        "refresh_token_env": token_env(account, provider),
        "timezone": timezone,
    }
    if username and provider == "youtube":
        settings["handle"] = f"@{username}"
    elif username:  # written as the account's username: the handle it must be
        settings["username"] = username
    values = {"[key]": account, "timezone": timezone, "handle": username, "username": username}
    try:  # the same rules publisher.yaml is checked with, before writing anything
        Config.model_validate({"version": 1, "accounts": {account: settings}})
    except ValueError as exc:
        raise _invalid(exc, values) from None
    files = scaffold_files(account, username, timezone, provider)
    replaced = write_scaffold(root, files, force=force)
    for path in replaced:
        click.echo(f"replaced {path}", err=True)
    here = root == Path()
    where = "" if here else f" -C {shlex.quote(str(root))}"
    enter = "" if here else f"cd {shlex.quote(str(root))} && "  # not the shell's repository
    click.echo(f"Created a content repository in {root} for {title} account {account}.")
    click.echo("Next:")
    click.echo(f"  publisher{where} validate               check it (no network)")
    click.echo(
        f"  publisher{where} apply --sandbox --yes  publish the example to the local sandbox"
    )
    click.echo(
        f"  publisher{where} auth login --account {account}   then `publisher apply` for real"
    )
    click.echo(
        f"  {enter}git init && git add -A && git commit -m 'publisher init'; on GitHub add the "
        "secrets " + ", ".join(secrets_to_set(account, provider))
    )


#: What init checks, by the last field of pydantic's error location: (what, the rule).
_RULES = {
    "[key]": (
        "account name",
        "an account name is 1-64 lowercase letters, digits, '.', '_' or '-' (e.g. brand-us)",
    ),
    "timezone": ("time zone", "a time zone is an IANA name such as Europe/Paris or UTC"),
    "handle": ("handle", "a YouTube @handle is 3-30 letters, digits, '.', '_' or '-'"),
    "username": (
        "username",
        "a TikTok username is the @handle, not the display name: 1-64 letters, digits, '.', "
        "'_' or '-'",
    ),
}


def _invalid(exc: ValueError, values: dict[str, str | None]) -> PublisherError:
    """Name only the values the config model refused (all of them if it does not say)."""
    errors: list[dict[str, Any]] = getattr(exc, "errors", list)()
    refused = {str(error["loc"][-1]) for error in errors}
    wrong = [key for key in _RULES if key in refused] or list(_RULES)
    shown = ", ".join(f"{_RULES[key][0]} {values[key]!r}" for key in wrong if values[key])
    return PublisherError(f"{shown} is not valid", hint="; ".join(_RULES[k][1] for k in wrong))


def _interactive() -> bool:
    """Whether a person can answer the questions (a terminal on stdin)."""
    return sys.stdin is not None and sys.stdin.isatty()
