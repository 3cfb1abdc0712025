"""The ``publisher`` command: a click group whose subcommands import lazily.

Importing httpx, gitpython or jsonschema costs about 100 ms each here, so ``publisher --help``
must not import them: each subcommand lives in its own module, loaded when it is invoked.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

# name -> (module, attribute, one-line help shown by --help without importing the module)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": (
        "gitops_publisher.cli.validate_cmd",
        "validate",
        "Check config, manifests and media; no network.",
    ),
    "plan": ("gitops_publisher.cli.plan_cmd", "plan", "Show what apply would publish."),
    "apply": (
        "gitops_publisher.cli.apply_cmd",
        "apply",
        "Publish what the plan says, exactly once.",
    ),
    "auth": (
        "gitops_publisher.cli.auth_cmd",
        "auth",
        "Log in to TikTok or YouTube, show or refresh tokens.",
    ),
    "state": (
        "gitops_publisher.cli.state_cmd",
        "state",
        "Inspect and edit the state of published posts.",
    ),
    "sandbox": (
        "gitops_publisher.cli.sandbox_cmd",
        "sandbox",
        "Run the local TikTok and YouTube API emulators.",
    ),
    "init": (
        "gitops_publisher.cli.init_cmd",
        "init",
        "Create a content repository (config, example post, workflow).",
    ),
    "show": ("gitops_publisher.cli.show_cmd", "show", "Show a saved plan file."),
    "schema": ("gitops_publisher.cli.schema_cmd", "schema", "Print the JSON Schemas."),
    "calendar": (
        "gitops_publisher.cli.calendar_cmd",
        "calendar",
        "Scheduled and published posts per account and day (text, ICS, JSON).",
    ),
    "preview": (
        "gitops_publisher.cli.preview_cmd",
        "preview",
        "Write a post's cover frame as PNG.",
    ),
    "github": ("gitops_publisher.cli.github_cmd", "github", "Run as the GitHub Action entrypoint."),
}


@dataclass
class AppContext:
    """Global options shared by every subcommand (``ctx.obj``)."""

    project_dir: Path
    sandbox: bool
    verbose: int
    color: bool | None
    #: the running command's ``--format``: with ``json`` its errors go to stdout as JSON too
    output_format: str = "text"
    #: the secret values each connection opened by the command came to know (its growing
    #: set: tokens, upload session URIs): the error handler masks them in the crash log too
    secrets: list[AbstractSet[str]] = field(default_factory=list)


def _set_sandbox(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value and isinstance(ctx.find_object(AppContext), AppContext):
        ctx.find_object(AppContext).sandbox = True  # type: ignore[union-attr]
    return value


def sandbox_flag(
    help_text: str = "Use the embedded TikTok and YouTube emulators; no credentials needed.",
) -> Callable[[F], F]:
    """``--sandbox`` after a subcommand, with the help that says what it does there."""
    return click.option(
        "--sandbox",
        "sandbox_flag",
        is_flag=True,
        expose_value=False,
        callback=_set_sandbox,
        help=help_text,
    )


#: ``--sandbox`` accepted after the subcommand too (``publisher apply --sandbox``).
sandbox_option = sandbox_flag()


def remember_format(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """``--format`` callback: the error handler answers a ``json`` command in JSON too."""
    app = ctx.find_object(AppContext)
    if app is not None:
        app.output_format = value
    return value


def format_option(*choices: str, help: str) -> Callable[[F], F]:
    """``--format`` (``text`` by default) remembered for the error handler (JSON errors)."""
    option: Callable[[F], F] = click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default="text",
        show_default=True,
        callback=remember_format,
        help=help,
    )
    return option


#: ``--no-media-checks`` for validate and plan: skip probing videos (facts and media rules).
no_media_checks_option = click.option(
    "--no-media-checks",
    is_flag=True,
    help="Do not inspect videos (duration, resolution, codecs); YAML and policy are still checked.",
)


class LazyGroup(click.Group):
    """A group that lists commands from a table and imports each only when it runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the commands whose module exists."""
        return sorted(name for name, spec in _COMMANDS.items() if _module_exists(spec[0]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import the command's module on demand."""
        spec = _COMMANDS.get(cmd_name)
        if spec is None or not _module_exists(spec[0]):
            return None
        module = importlib.import_module(spec[0])
        command: click.Command = getattr(module, spec[1])
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands from the table, without importing them (keeps --help fast)."""
        rows = [(name, _COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Parse the global options; a command line click refuses exits 1 (not click's 2)."""
        from gitops_publisher.cli.errors import usage_error

        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise usage_error(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand inside the single error handler."""
        from gitops_publisher.cli.errors import handle_errors

        with handle_errors(ctx):
            return super().invoke(ctx)


def _module_exists(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="Run as if started in DIR (the content repository).",
)
@click.option(
    "--sandbox",
    is_flag=True,
    help="Use the embedded TikTok and YouTube emulators; no credentials needed.",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Only `sandbox serve` uses it: each API request it receives (credentials "
    "redacted), and the web server's own log (start, stop, errors).",
)
@click.option("--no-color", is_flag=True, help="Never colour the output (also: NO_COLOR=1).")
@click.version_option(package_name="gitops-publisher", prog_name="publisher")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path, sandbox: bool, verbose: int, no_color: bool) -> None:
    """Publish video posts declared as YAML in git: plan, review, apply, never twice."""
    ctx.obj = AppContext(
        project_dir=project_dir,
        sandbox=sandbox,
        verbose=verbose,
        # NO_COLOR set to anything non-empty turns colour off (https://no-color.org).
        color=False if no_color or os.environ.get("NO_COLOR") else None,
    )


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    return cli.main(args=argv, prog_name="publisher")
