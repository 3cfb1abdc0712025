"""``publisher sandbox serve``: run the local TikTok and YouTube API emulator on a socket."""

from __future__ import annotations

import math
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource


@click.group(name="sandbox")
def sandbox() -> None:
    """Run the local TikTok and YouTube API emulator (see docs/sandbox.md)."""


def _project_dir(ctx: click.Context) -> Path:
    obj = ctx.find_root().obj
    project_dir = getattr(obj, "project_dir", None)
    return Path(project_dir) if project_dir is not None else Path()


def _load_options(path: Path | None, seed: int | None) -> Any:
    from gitops_publisher.sandbox import SandboxOptions
    from gitops_publisher.sandbox.world import WorldFileError, read_options_file

    try:
        options = SandboxOptions() if path is None else read_options_file(path)
    except WorldFileError as exc:
        raise click.ClickException(str(exc)) from exc
    return options if seed is None else options.model_copy(update={"seed": seed})


def _finite_scale(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """``--time-scale``: also refuse ``inf`` and ``nan``, which FloatRange lets through."""
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number.", ctx, param)
    return value


def _clock_line(clock: Any) -> str:
    """How sandbox time runs, for ``serve``'s banner."""
    from datetime import UTC, datetime

    from gitops_publisher.sandbox import ManualClock

    if isinstance(clock, ManualClock):
        at = datetime.fromtimestamp(clock.now(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"Clock:           manual, at {at}   (POST /_sandbox/clock/advance moves it)"
    scale = getattr(clock, "time_scale", 1.0)
    return "Clock:           real time" if scale == 1 else f"Clock:           {scale:g}x real time"


def describe(base_url: str, world: Any) -> list[str]:
    """Lines ``serve`` prints: where the API and admin routes are, the app and its users."""
    accounts = ", ".join(
        f"{a.username} ({'private' if a.is_private else 'public'})" for a in world.data.accounts
    )
    youtube = world.data.youtube
    channels = ", ".join(f"{c.handle} ({c.id})" for c in youtube.channels)
    return [
        f"Sandbox (TikTok + YouTube) listening on {base_url}",
        f"  Admin:         {base_url}/_sandbox/   (posts, requests, world, faults, options)",
        "TikTok:",
        f"  API base URL:  {base_url}   (PUBLISHER_TIKTOK_API_URL and PUBLISHER_TIKTOK_AUTH_URL)",
        f"  Client key:    {world.data.client.client_key}   (secret: docs/sandbox.md or --world)",
        f"  Accounts:      {accounts or '(none; POST /_sandbox/accounts)'}",
        "YouTube:",
        f"  API root URL:  {base_url}/   (discovery rootUrl; uploads: /upload/youtube/v3/videos)",
        f"  OAuth:         auth_uri {base_url}/o/oauth2/auth, token_uri {base_url}/token",
        f"  Client id:     {youtube.client.client_id}   (secret: docs/sandbox.md or --world)",
        f"  Channels:      {channels or '(none; POST /_sandbox/youtube/channels)'}",
        f"World dir:       {world.directory}",
        _clock_line(world.clock),
        "Press Ctrl-C to stop.",
    ]


@sandbox.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port (0: any free).")
@click.option(
    "--world",
    "world_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="World file (JSON/YAML): app credentials and accounts.",
)
@click.option(
    "--dir",
    "world_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the world persists [default: PROJECT/.publisher/sandbox/world, as --sandbox].",
)
@click.option(
    "--time-scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    callback=_finite_scale,
    help="Run sandbox time this many times faster (expiry, windows, processing). Not with "
    "--manual-clock.",
)
@click.option(
    "--manual-clock",
    is_flag=True,
    help="Sandbox time stands still until POST /_sandbox/clock/advance moves it; it resumes "
    "where the world's time stands. Not with --time-scale.",
)
@click.option(
    "--options",
    "options_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="SandboxOptions as JSON/YAML (limits, faults, switches).",
)
@click.option("--seed", type=int, help="Seed of fault injection and ids.")
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    world_file: Path | None,
    world_dir: Path | None,
    time_scale: float,
    manual_clock: bool,
    options_file: Path | None,
    seed: int | None,
) -> None:
    """Serve the TikTok and YouTube API emulator (one host) until Ctrl-C."""
    from gitops_publisher.compose import serving_world
    from gitops_publisher.errors import StateLockedError
    from gitops_publisher.sandbox import SandboxWorld, WorldFileError, create_app

    if manual_clock and ctx.get_parameter_source("time_scale") != ParameterSource.DEFAULT:
        raise click.UsageError(
            "--manual-clock and --time-scale exclude each other: a manual clock stands still "
            "until POST /_sandbox/clock/advance moves it; --time-scale X runs time by itself, "
            "X times faster"
        )
    # The same world `--sandbox` uses (compose.py: .publisher/sandbox/world), so serving a
    # project shows the posts its sandbox runs made.
    directory = world_dir or _project_dir(ctx) / ".publisher" / "sandbox" / "world"
    options = _load_options(options_file, seed)
    with ExitStack() as held:
        try:
            # Before the world is read: a `--sandbox` run, or another serve, writes it too.
            held.enter_context(serving_world(directory))
            clock = _clock(directory, time_scale, manual_clock)
            world = SandboxWorld.load_or_create(directory, seed_file=world_file, clock=clock)
            app = create_app(directory, options, clock)
        except StateLockedError as exc:
            raise click.ClickException(
                f"{exc} (a --sandbox run of this project, or another `publisher sandbox "
                "serve`): let it finish or stop it, or pass --dir another directory"
            ) from exc
        except WorldFileError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:  # the world directory cannot be made or written
            raise click.ClickException(
                f"cannot keep the world in {directory}: {exc.strerror}; pass --dir a directory "
                "you can write to"
            ) from exc
        _serve(ctx, app, world, host, port, directory)


def _clock(directory: Path, time_scale: float, manual: bool) -> Any:
    """The served world's clock: manual (from the world's time), else scaled."""
    from gitops_publisher.sandbox.clock import clock_for_scale, manual_clock
    from gitops_publisher.sandbox.world import resume_time

    return manual_clock(resume_time(directory)) if manual else clock_for_scale(time_scale)


def _serve(ctx: click.Context, app: Any, world: Any, host: str, port: int, directory: Path) -> None:
    """Listen, print where, and serve ``app`` until Ctrl-C (the world is held meanwhile)."""
    from gitops_publisher.sandbox import sandbox_service
    from gitops_publisher.sandbox.server import base_url_of, bind, make_server

    try:
        sock = bind(host, port)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror} (another `publisher sandbox "
            "serve`?): pass another --port, or --port 0 for any free one"
        ) from exc
    for line in describe(base_url_of(sock), world):
        click.echo(line)
    sys.stdout.flush()  # a parent process waits for these lines before talking to us
    if _verbose(ctx):  # each API request on stderr, as `GET /_sandbox/requests` keeps them
        sandbox_service(app).access_log = lambda line: click.echo(line, err=True)
    server = make_server(app, log_level="info" if _verbose(ctx) else "warning")
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn shuts down gracefully, then re-raises the signal: Ctrl-C is the normal stop.
        click.echo("Sandbox stopped; the world is saved in " + str(directory))
    finally:
        sock.close()


def _verbose(ctx: click.Context) -> bool:
    return bool(getattr(ctx.find_root().obj, "verbose", 0))
