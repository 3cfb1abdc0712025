"""The single place that turns exceptions into messages and exit codes.

Exit codes (design §3): 0 success, 1 error (the user's input, credentials, TikTok, the state:
something to fix outside the code; a command line click refuses too), 2 plan has changes
(``--detailed-exitcode``), 70 a bug in gitops-publisher (sysexits.h's ``EX_SOFTWARE``), 130
interrupted. A :class:`PublisherError`
prints its message (and diagnostics), never a traceback. Anything unexpected is a bug: one
short line names the exception's type and asks for a report; the traceback goes to a log
file (``PUBLISHER_LOG_DIR``, else the temporary directory), the secrets the command knows of
masked, and the line says where.

Messages quote file names, keys and captions, so they are shown with control characters
visible (``escape.terminal``). In GitHub Actions, each diagnostic with a file also becomes an
annotation on the pull request's diff, and the error text is written with workflow commands
stopped (``github/commands.py``): nothing it quotes can run as ``::error`` or ``::add-mask::``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from gitops_publisher.errors import ConfigError, Diagnostic, PreflightError, PublisherError
from gitops_publisher.escape import terminal
from gitops_publisher.github.commands import (
    in_github_actions,
    repository_path,
    step_annotations,
    stopped,
)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
#: sysexits.h ``EX_SOFTWARE`` ("an internal software error"): apart from 1, so a script or a
#: CI step can tell "fix your input" from "report this".
EXIT_BUG = 70
EXIT_INTERRUPTED = 130


#: The most problems an error lists, in reading order (file, then line); a summary line
#: counts the rest. One run reports every problem of every manifest, so a mistake shared by
#: hundreds (a renamed account) would otherwise bury the first ones under a screenful.
MAX_SHOWN = 200

#: Commands that may publish: only their failures say that nothing was posted.
POSTING_COMMANDS = frozenset({"apply", "github"})
#: Commands that never change the state: their failures need not say it is untouched.
READ_ONLY_COMMANDS = frozenset({"validate", "schema", "show", "init"})


def format_error(exc: PublisherError, command: str | None = None) -> str:
    """Render a user-facing error, diagnostics first, with the hint last.

    ``command`` (the subcommand that failed) decides the count's trailer: only a command that
    can publish says "nothing was posted" (``validate`` saying it puzzled users).
    """
    lines: list[str] = []
    if isinstance(exc, ConfigError | PreflightError):
        diags = exc.diagnostics
        lines.extend(d.render() for d in diags[:MAX_SHOWN])
        if len(diags) > MAX_SHOWN:
            hidden = diags[MAX_SHOWN:]
            hidden_errors = sum(1 for d in hidden if d.severity == "error")
            lines.append(
                f"… and {len(hidden)} more ({hidden_errors} error(s)), not shown: "
                "`--format json` lists every one"
            )
        errors = sum(1 for d in diags if d.severity == "error")
        if command in READ_ONLY_COMMANDS:
            trailer = ""
        elif command in POSTING_COMMANDS or command is None:
            trailer = "; nothing was posted, state untouched"
        else:
            trailer = "; state untouched"
        lines.append(f"Error: {terminal(str(exc), newlines=True)} ({errors} error(s){trailer})")
    else:
        lines.append(f"Error: {terminal(str(exc), newlines=True)}")
    if exc.hint:
        lines.append(f"  hint: {terminal(exc.hint, newlines=True)}")
    return "\n".join(lines)


def echo_warnings(warnings: Iterable[Diagnostic], project_dir: Path) -> None:
    """The project's warnings on stderr, one line each; annotations in GitHub Actions."""
    if not in_github_actions():
        for warning in warnings:
            click.echo(warning.render(), err=True)
        return
    for line in step_annotations(warnings, directory=repository_path(project_dir)):
        click.echo(line, err=True)


def _echo_error(exc: PublisherError, ctx: click.Context) -> None:
    text = format_error(exc, ctx.invoked_subcommand)
    if not in_github_actions():
        click.echo(text, err=True)
        return
    from gitops_publisher.cli.main import AppContext

    app = ctx.find_object(AppContext)
    where = repository_path(app.project_dir if app is not None else Path())
    for line in step_annotations(getattr(exc, "diagnostics", []), directory=where):
        click.echo(line, err=True)
    with stopped(sys.stderr):
        click.echo(text, file=sys.stderr)


def _known_secrets(ctx: click.Context) -> set[str]:
    """The secret values the command's connections came to know (tokens, upload sessions)."""
    from gitops_publisher.cli.main import AppContext

    app = ctx.find_object(AppContext)
    return set().union(*app.secrets) if app is not None else set()


def _crash_log(exc: BaseException, secrets: set[str]) -> str:
    """Write ``exc``'s traceback to a new log file; say where (or why it could not be).

    The file is meant for a (public) bug report, and an exception's text can quote anything
    it was handed: ``secrets`` and URL-borne credentials (``upload_id=``...) are masked.
    """
    from gitops_publisher.cli.views.apply_output import Redactor
    from gitops_publisher.providers.redact import redact_url_secrets

    directory = Path(os.environ.get("PUBLISHER_LOG_DIR") or tempfile.gettempdir())
    text = redact_url_secrets(Redactor(secrets)("".join(traceback.format_exception(exc))))
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="publisher-crash-", suffix=".log", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:  # the report must still be short and without a traceback
        return f"The traceback could not be written to {directory} ({error.strerror})."
    return f"The traceback was written to {name}; please attach it to the report."


def _json_failure(ctx: click.Context, exc: BaseException) -> None:
    """With ``--format json``, the failure also goes to stdout as a JSON document."""
    from gitops_publisher.cli.main import AppContext

    app = ctx.find_object(AppContext)
    if app is None or app.output_format != "json":
        return
    import json

    from gitops_publisher.cli.views.problems_json import failure_document

    document = failure_document(ctx.invoked_subcommand, exc)
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


def usage_error(exc: click.UsageError) -> click.UsageError:
    """A command line click refused (unknown option or command, bad value): exit 1, not 2.

    click exits 2 for these, the code ``plan --detailed-exitcode`` gives to "there are changes
    to apply": a CI step reading it would take a mistyped option for a plan to apply.
    """
    exc.exit_code = EXIT_ERROR  # type: ignore[misc]  # this one instance, read by click's main
    return exc


@contextmanager
def handle_errors(ctx: click.Context) -> Iterator[None]:
    """Translate exceptions raised by a subcommand into messages and exit codes."""
    try:
        yield
    except click.UsageError as exc:
        raise usage_error(exc) from None
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except PublisherError as exc:
        _json_failure(ctx, exc)
        _echo_error(exc, ctx)
        ctx.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        click.echo(
            "Interrupted; state is consistent. Run `publisher plan` to see where it stopped.",
            err=True,
        )
        ctx.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # the one place that catches everything
        _json_failure(ctx, exc)
        where = _crash_log(exc, _known_secrets(ctx))
        click.echo(
            f"Error: unexpected {type(exc).__name__}; this is a bug in gitops-publisher, "
            f"please report it (exit {EXIT_BUG}).\n  {terminal(where)}",
            err=True,
        )
        ctx.exit(EXIT_BUG)
