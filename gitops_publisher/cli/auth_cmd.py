"""``publisher auth``: log an account in to TikTok or YouTube, show its token status, refresh it.

Thin: the work is in ``providers/<platform>/account_auth.py``; this module parses options and
prints. No token value is ever printed, only handles, open_ids, scopes and expiry times,
except the one refresh token ``auth login --for-ci`` is asked to print on stdout for a CI
secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import webbrowser
from datetime import datetime
from typing import TYPE_CHECKING

import click

from gitops_publisher.cli.main import AppContext, sandbox_option
from gitops_publisher.errors import PublisherError

if TYPE_CHECKING:
    from collections.abc import Callable

    from gitops_publisher.core.identity import Identity
    from gitops_publisher.core.models import YouTubeAccount
    from gitops_publisher.core.state import State
    from gitops_publisher.providers.tiktok.account_auth import AccountStatus, AuthSetup
    from gitops_publisher.providers.tokens import TokenSet


@click.group()
def auth() -> None:
    """Log in to TikTok or YouTube, show or refresh an account's tokens."""


def _setup(app: AppContext, warnings: list[str], *, ci_tokens: bool = True) -> AuthSetup:
    """What the auth commands need; ``ci_tokens``: with the write-back as apply opens it.

    That is, on a git-branch state, restored from the state branch first (``status`` shows,
    and ``refresh`` starts from, the live token rather than a retired secret) and each
    rotation pushed there before the command returns, as in apply.
    """
    from gitops_publisher.providers.tiktok.account_auth import auth_setup
    from gitops_publisher.workspace.project import load_config

    config = load_config(app.project_dir)
    writeback = None
    if ci_tokens:
        from gitops_publisher.providers.tiktok import urls
        from gitops_publisher.workspace.token_sync import ci_writeback

        writeback = ci_writeback(app.project_dir, config.state, config.accounts, urls.api_url())
    return auth_setup(app.project_dir, config.accounts, warn=warnings, writeback=writeback)


def _refuse_sandbox(app: AppContext, name: str | None) -> None:
    """Under ``--sandbox``, refuse: its accounts log in by themselves (``compose.py``).

    The message names the platform of account ``name`` (of every account without it), as
    the registry titles it.

    Raises:
        PublisherError: ``--sandbox`` was given.
        ConfigError: publisher.yaml is invalid.
    """
    if not app.sandbox:
        return
    from gitops_publisher.providers.registry import titles
    from gitops_publisher.workspace.project import load_config

    accounts = load_config(app.project_dir).accounts
    chosen = [accounts[name]] if name in accounts else list(accounts.values())
    raise PublisherError(
        "the sandbox logs its accounts in by itself: `publisher auth` is for real "
        + titles(account.provider for account in chosen),
        hint="`plan --sandbox` and `apply --sandbox` need no login; drop --sandbox to log in "
        "for real",
    )


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "unknown"


def _flush(warnings: list[str]) -> None:
    for message in warnings:
        click.echo(f"warning: {message}", err=True)


async def _read_pasted_line() -> str | None:
    """One line from stdin, read in a daemon thread so an unanswered read never holds the exit.

    None at the end of input (no terminal, as in CI): the login then waits for the browser.
    """
    loop = asyncio.get_running_loop()
    line: asyncio.Future[str | None] = loop.create_future()

    def read() -> None:
        try:
            text = sys.stdin.readline() if sys.stdin is not None else ""
        except (OSError, ValueError):  # stdin closed or absent
            text = ""
        with contextlib.suppress(RuntimeError):  # the loop may be gone (login done)
            loop.call_soon_threadsafe(_settle, line, text.strip() or None)

    threading.Thread(target=read, name="paste-redirect-url", daemon=True).start()
    return await line


def _settle(future: asyncio.Future[str | None], value: str | None) -> None:
    if not future.done():
        future.set_result(value)


def _read_state(app: AppContext, warnings: list[str]) -> State:
    """The project's state for the accounts' pins; an empty one (with a warning) if unreadable.

    Raises:
        ConfigError: publisher.yaml is invalid.
    """
    from gitops_publisher.core.state import State
    from gitops_publisher.workspace.project import load_config
    from gitops_publisher.workspace.state_stores import open_state_store

    config = load_config(app.project_dir)
    try:
        return open_state_store(app.project_dir, config.state, sandbox=False).read()
    except PublisherError as exc:
        warnings.append(f"the state cannot be read ({exc}): the accounts' pins are not checked")
        return State()


@auth.command()
@click.option("--account", "name", required=True, help="Account name from publisher.yaml.")
@sandbox_option
@click.option(
    "--no-browser",
    is_flag=True,
    help="Print the login URL instead of opening it; the redirect URL can be pasted back.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Loopback port (0: any).")
@click.option(
    "--for-ci",
    is_flag=True,
    help="Mint a refresh token for a CI secret: print it on stdout, keep nothing usable here.",
)
@click.pass_obj
def login(app: AppContext, name: str, no_browser: bool, port: int, for_ci: bool) -> None:
    """Log ACCOUNT in (TikTok's desktop flow, Google's for YouTube); tokens go to the store.

    The user (channel) who logs in must be the account's: its username/open_id (handle/
    channel_id) in publisher.yaml and the one it first published as (its pin). Anyone else
    is refused; nothing is stored.

    With --for-ci the refresh token is printed on stdout (the one place the tool prints a
    token, on request) for the account's CI secret, and not stored here.
    """
    from gitops_publisher.core.identity import expected_of, unconfigured_notice
    from gitops_publisher.core.models import YouTubeAccount
    from gitops_publisher.providers.tiktok.account_auth import login_account
    from gitops_publisher.workspace.project import load_config

    _refuse_sandbox(app, name)
    warnings: list[str] = []
    account = load_config(app.project_dir).accounts.get(name)
    if isinstance(account, YouTubeAccount):
        _login_youtube(app, name, account, no_browser, port, for_ci)
        return
    setup = _setup(app, warnings, ci_tokens=False)  # logs in to the local store only
    variable = setup.account(name).refresh_token_env
    want = expected_of(_read_state(app, warnings), name, account)
    open_browser = _opener("TikTok", "/callback/", no_browser=no_browser, for_ci=for_ci)

    tokens, seen = asyncio.run(
        login_account(
            setup,
            name,
            open_browser=open_browser,
            port=port,
            for_ci=for_ci,
            paste=_read_pasted_line,
            expect=want,
        )
    )
    notice = unconfigured_notice(name, want, seen)
    if notice is not None:
        warnings.append(notice)
    _flush(warnings)
    if for_ci:
        _explain_ci_token(name, variable, tokens, seen)
        click.echo(tokens.refresh_token.get_secret_value())
        return
    click.echo(f"Logged in account {name} as {seen.describe()}.")
    click.echo(f"  scopes: {', '.join(tokens.scopes) or 'none'}")
    click.echo(f"  refresh token expires: {_when(tokens.refresh_expires_at)}")
    click.echo(f"  stored in {setup.tokens.store.path}")


def _opener(platform: str, path: str, *, no_browser: bool, for_ci: bool) -> Callable[[str], None]:
    """Opens the login page in the browser, or prints its URL (and how to paste back)."""

    def open_browser(url: str) -> None:
        if no_browser or not webbrowser.open(url):
            click.echo("Open this URL in a browser and allow access:", err=True)
            click.echo(url, err=for_ci)  # with --for-ci, stdout carries the token alone
            click.echo(
                "If that browser runs on another machine, its last page will not load: copy "
                f"the address it shows (http://127.0.0.1:...{path}?code=...) and paste it "
                "here, then press Enter.",
                err=True,
            )
        else:
            click.echo(f"Opened the {platform} login page in your browser; waiting...", err=True)

    return open_browser


def _login_youtube(
    app: AppContext, name: str, account: YouTubeAccount, no_browser: bool, port: int, for_ci: bool
) -> None:
    """``auth login`` for a YouTube account: Google's installed-app flow, the channel checked.

    Google's refresh tokens do not rotate, so a token minted ``--for-ci`` may also be used
    here; it is still not stored, as the flag promises.
    """
    from gitops_publisher.core.identity import YOUTUBE, Identity, expected_of, unconfigured_notice
    from gitops_publisher.providers.youtube.account_auth import login_account, youtube_auth_setup

    warnings: list[str] = []
    setup = youtube_auth_setup(
        client_id_env=account.client_id_env, client_secret_env=account.client_secret_env
    )
    want = expected_of(_read_state(app, warnings), name, account)
    tokens, channel = asyncio.run(
        login_account(
            setup,
            name,
            open_browser=_opener("Google", "/", no_browser=no_browser, for_ci=for_ci),
            port=port,
            paste=_read_pasted_line,
            expect=want,
            store=not for_ci,
        )
    )
    seen = Identity(channel.id, channel.handle)
    notice = unconfigured_notice(name, want, seen)
    if notice is not None:
        warnings.append(notice)
    _flush(warnings)
    who = seen.describe(YOUTUBE) + (f", {channel.title!r}" if channel.title else "")
    if for_ci:
        variable = account.refresh_token_env
        for line in (
            f"Minted a refresh token for CI for account {name} as {who}.",
            f"Standard output holds it alone: put it in the CI secret {variable}, for example",
            f"  publisher auth login --account {name} --for-ci | gh secret set {variable}",
            "Google does not rotate refresh tokens: it stays valid until revoked, unused for six",
            'months, or 7 days after this login while the OAuth consent screen is in "Testing".',
            "This is the only output of a token by this tool: clear it from your scrollback.",
        ):
            click.echo(line, err=True)
        click.echo(tokens.refresh_token.get_secret_value())
        return
    click.echo(f"Logged in account {name} as {who}.")
    click.echo(f"  scopes: {', '.join(tokens.scopes) or 'none'}")
    click.echo(
        "  refresh token: does not expire by itself, except 7 days after this login while the "
        'Google Cloud project\'s OAuth consent screen is in "Testing" (docs/youtube.md)'
    )
    click.echo(f"  stored in {setup.store.path}")


def _explain_ci_token(name: str, variable: str, tokens: TokenSet, seen: Identity) -> None:
    """Say on stderr what the token printed on stdout is for, and what not to do with it."""
    from gitops_publisher.providers.token_store import KEY_ENV

    for line in (
        f"Minted a refresh token for CI for account {name} as {seen.describe()} "
        f"(scopes: {', '.join(tokens.scopes) or 'none'}; "
        f"expires {_when(tokens.refresh_expires_at)}).",
        f"Standard output holds it alone: put it in the CI secret {variable}, for example",
        f"  publisher auth login --account {name} --for-ci | gh secret set {variable}",
        "It is not kept on this machine. TikTok rotates refresh tokens at every refresh, so",
        "use it only in CI: a refresh anywhere else would retire it there (a command here",
        f"that finds it in {variable} refuses to refresh it).",
        f"Set {KEY_ENV} in CI too, so the rotated token is written back after the first run.",
        "This is the only output of a token by this tool: clear it from your scrollback.",
    ):
        click.echo(line, err=True)


@auth.command()
@click.option(
    "--account", "name", help="Account name from publisher.yaml (default: every account)."
)
@sandbox_option
@click.pass_obj
def status(app: AppContext, name: str | None) -> None:
    """Show ACCOUNT's handle, open_id or channel_id, scopes, token expiries (never tokens).

    Without --account, every account in one table.
    """
    from gitops_publisher.core.models import YouTubeAccount

    _refuse_sandbox(app, name)
    warnings: list[str] = []
    setup = _setup(app, warnings)
    if name is None:
        _status_table(app, setup, warnings)
        return
    info = _account_status(setup, name)
    state = _read_state(app, warnings)
    handle = _handles(app, [name], state)[name]
    _flush(warnings)
    if info.source is None:
        click.echo(f"account {name}: no credentials")
        click.echo(f"  run `publisher auth login --account {name}`, or set {info.env_var} in CI")
        _require_credentials(app, [name])  # raises: the missing token is one of them
        return
    source = {
        "env": f"environment variable {info.env_var}",
        "writeback": f"rotated token written back (seeded from {info.env_var})",
        "kept": f"rotated token kept in the local token store (seeded from {info.env_var})",
        "store": "local token store",
    }[info.source]
    click.echo(f"account {name}: credentials from {source}")
    click.echo(f"  handle: {handle}")
    account = setup.account(name)
    if isinstance(account, YouTubeAccount):
        click.echo(f"  channel_id: {_channel_id(account, name, state) or 'unknown'}")
    else:
        click.echo(f"  open_id: {info.open_id or 'unknown until the first refresh'}")
    click.echo(f"  scopes: {', '.join(info.scopes) or 'unknown'}")
    click.echo(f"  access token expires: {_when(info.access_expires_at)}")
    if isinstance(account, YouTubeAccount):
        click.echo(f"  refresh token: {_google_refresh(account)}")
    else:
        click.echo(f"  refresh token expires: {_when(info.refresh_expires_at)}")
    for warning in info.warnings:
        click.echo(f"warning: {warning.message}", err=True)
    for message in _testing_mode(setup, [name]):
        click.echo(f"warning: {message}", err=True)
    _require_credentials(app, [name])


def _require_credentials(app: AppContext, names: list[str]) -> None:
    """What ``apply`` says of missing credentials, for ``names``: every one, by variable.

    Raises:
        PreflightError: a credential is missing (app, Google client or token).
    """
    from gitops_publisher.compose import require_credentials
    from gitops_publisher.workspace.project import load_config

    require_credentials(load_config(app.project_dir), names)


def _channel_id(account: YouTubeAccount, name: str, state: State) -> str:
    """The channel id ``publisher.yaml`` names, else the pinned one (``(pinned)``), else ""."""
    from gitops_publisher.core.identity import pinned

    if account.channel_id:
        return account.channel_id
    pin = pinned(state, name)
    return f"{pin.open_id} (pinned)" if pin is not None and pin.open_id else ""


def _google_refresh(account: YouTubeAccount) -> str:
    """When a Google refresh token dies: no date is given, only rules (reference §1.4)."""
    if account.testing_mode:
        return "expires 7 days after its login (testing_mode: the consent screen is in Testing)"
    return "does not expire by itself (until revoked, or unused for six months)"


def _testing_mode(setup: AuthSetup, names: list[str]) -> list[str]:
    """The warnings for YouTube accounts whose Google app is in testing mode."""
    from gitops_publisher.core.models import YouTubeAccount
    from gitops_publisher.core.youtube import testing_mode_warning

    out = []
    for name in names:
        account = setup.account(name)
        if isinstance(account, YouTubeAccount) and account.testing_mode:
            out.append(testing_mode_warning(name, account.refresh_token_env))
    return out


def _account_status(setup: AuthSetup, name: str) -> AccountStatus:
    """The account's token status, read from its platform's store (no network)."""
    from gitops_publisher.core.models import YouTubeAccount
    from gitops_publisher.providers.tiktok.account_auth import AccountStatus, account_status
    from gitops_publisher.providers.youtube.account_auth import youtube_auth_setup

    account = setup.account(name)
    if not isinstance(account, YouTubeAccount):
        return account_status(setup, name)
    youtube = youtube_auth_setup(
        client_id_env=account.client_id_env, client_secret_env=account.client_secret_env
    )
    tokens = youtube.tokens(name, account.refresh_token_env)
    if tokens is None:
        return AccountStatus(account=name, source=None, env_var=account.refresh_token_env)
    has_access = bool(tokens.access_token.get_secret_value())
    return AccountStatus(
        account=name,
        source="env" if youtube.env.get(account.refresh_token_env) else "store",
        env_var=account.refresh_token_env,
        scopes=tokens.scopes,
        access_expires_at=tokens.access_expires_at if has_access else None,
    )


def _handles(app: AppContext, names: list[str], state: State) -> dict[str, str]:
    """Each account's handle as publisher.yaml names it, else as pinned, else ``-``."""
    from gitops_publisher.core.identity import handle, pinned
    from gitops_publisher.workspace.project import load_config

    accounts = load_config(app.project_dir).accounts
    out = {}
    for name in names:
        configured = handle(accounts[name].identity_handle) if name in accounts else ""
        pin = pinned(state, name)
        if configured:
            out[name] = f"@{configured}"
        elif pin is not None and pin.username:
            out[name] = f"@{handle(pin.username)} (pinned)"
        else:
            out[name] = "-"
    return out


def _status_table(app: AppContext, setup: AuthSetup, warnings: list[str]) -> None:
    """``auth status`` for every account: one row each; then every credential missing (exit 1)."""
    from gitops_publisher.core.identity import PLATFORMS
    from gitops_publisher.core.models import YouTubeAccount
    from gitops_publisher.workspace.project import load_config

    names = sorted(setup.accounts)
    infos = [_account_status(setup, name) for name in names]
    state = _read_state(app, warnings)
    handles = _handles(app, names, state)
    _flush(warnings)
    accounts = load_config(app.project_dir).accounts
    ids = sorted({PLATFORMS[accounts[name].provider].id_field.upper() for name in names})
    ident = "/".join(ids) or "OPEN_ID"  # OPEN_ID (TikTok), CHANNEL_ID (YouTube), or both
    header = ("ACCOUNT", "HANDLE", ident, "SCOPES", "REFRESH TOKEN EXPIRES", "CREDENTIALS")
    rows = [header]
    for info in infos:
        account = setup.account(info.account)
        identity = info.open_id
        refresh = _when(info.refresh_expires_at) if info.source else "-"
        if isinstance(account, YouTubeAccount):  # a channel id; Google gives no expiry date
            identity = _channel_id(account, info.account, state)
            if info.source:
                refresh = "login + 7 days (testing_mode)" if account.testing_mode else "never"
        rows.append(
            (
                info.account,
                handles[info.account],
                identity or "-",
                ",".join(info.scopes) or "-",
                refresh,
                {"env": info.env_var, "writeback": "write-back", "store": "local store"}.get(
                    info.source or "", "none: run `publisher auth login`"
                ),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    for info in infos:
        for warning in info.warnings:
            click.echo(f"warning: {warning.message}", err=True)
    for message in _testing_mode(setup, names):
        click.echo(f"warning: {message}", err=True)
    _require_credentials(app, names)


@auth.command()
@click.option("--account", "name", required=True, help="Account name from publisher.yaml.")
@sandbox_option
@click.pass_obj
def refresh(app: AppContext, name: str) -> None:
    """Refresh ACCOUNT's tokens now (TikTok rotates the refresh token; it is saved first)."""
    from gitops_publisher.core.models import YouTubeAccount
    from gitops_publisher.providers.tiktok.account_auth import refresh_account
    from gitops_publisher.workspace.project import load_config

    _refuse_sandbox(app, name)
    account = load_config(app.project_dir).accounts.get(name)
    if account is not None:
        _require_credentials(app, [name])
    if isinstance(account, YouTubeAccount):
        _refresh_youtube(app, name, account)
        return
    warnings: list[str] = []
    tokens = asyncio.run(refresh_account(_setup(app, warnings), name))
    _flush(warnings)
    click.echo(f"Refreshed account {name} (open_id {tokens.open_id or 'unknown'}).")
    click.echo(f"  access token expires: {_when(tokens.access_expires_at)}")
    click.echo(f"  refresh token expires: {_when(tokens.refresh_expires_at)}")


def _refresh_youtube(app: AppContext, name: str, account: YouTubeAccount) -> None:
    """``auth refresh`` for a YouTube account (the refresh token stays the same)."""
    from gitops_publisher.providers.youtube.account_auth import refresh_account, youtube_auth_setup

    setup = youtube_auth_setup(
        client_id_env=account.client_id_env, client_secret_env=account.client_secret_env
    )
    tokens = asyncio.run(refresh_account(setup, name, account.refresh_token_env))
    click.echo(f"Refreshed account {name} (YouTube; Google keeps the same refresh token).")
    click.echo(f"  access token expires: {_when(tokens.access_expires_at)}")
