"""``publisher auth``: log an account in to its platform, show its token status, refresh it.

Thin: each platform's side is its :meth:`Platform.auth` (the account port,
``core/auth_port.py``; ``providers/<platform>/account_auth.py``), found in the registry by
the account's ``provider:``; this module parses options and prints, and names no platform.
No token value is ever printed, only handles, ids, scopes and expiry times, except the one
refresh token ``auth login --for-ci`` is asked to print on stdout for a CI secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import webbrowser
from functools import partial
from typing import TYPE_CHECKING

import click

from gitops_publisher.cli.main import AppContext, sandbox_flag
from gitops_publisher.core.auth_port import AuthOpening, NoExpiryDate, account_named, when
from gitops_publisher.errors import PublisherError

if TYPE_CHECKING:
    from collections.abc import Callable

    from gitops_publisher.core.auth_port import AccountAuth, LoggedIn, RefreshExpiry
    from gitops_publisher.core.models import AccountConfig
    from gitops_publisher.core.state import State


@click.group()
def auth() -> None:
    """Log in to TikTok or YouTube, show or refresh an account's tokens."""


class _Auths:
    """Each platform's ``publisher auth`` (``core/auth_port.py``), opened once on first use.

    The registry maps an account's ``provider:`` to its platform; the command names none.
    """

    def __init__(self, app: AppContext, warnings: list[str], *, ci_tokens: bool = True) -> None:
        """``ci_tokens``: with the write-back as apply opens it.

        That is, on a git-branch state, restored from the state branch first (``status``
        shows, and ``refresh`` starts from, the live token rather than a retired secret) and
        each rotation pushed there before the command returns, as in apply.

        Raises:
            ConfigError: publisher.yaml is invalid.
        """
        from gitops_publisher.workspace.project import load_config
        from gitops_publisher.workspace.token_sync import ci_writeback

        self.config = load_config(app.project_dir)
        accounts = self.config.accounts
        writeback = partial(ci_writeback, app.project_dir, self.config.state, accounts)
        self._opening = AuthOpening(
            app.project_dir, accounts, warnings.append, writeback if ci_tokens else None
        )
        self._opened: dict[str, AccountAuth] = {}

    def account(self, name: str) -> AccountConfig:
        """The config of account ``name``.

        Raises:
            AuthError: no such account in publisher.yaml.
        """
        return account_named(self.config.accounts, name)

    def of(self, provider: str) -> AccountAuth:
        """The ``publisher auth`` of platform ``provider`` (opened on first use).

        Raises:
            AuthError: ``PUBLISHER_TOKEN_KEY`` is set but is not a Fernet key.
            StateError: the write-back's state branch cannot be fetched.
        """
        from gitops_publisher.providers.registry import PLATFORMS

        if provider not in self._opened:
            self._opened[provider] = PLATFORMS[provider].auth(self._opening)
        return self._opened[provider]

    def for_account(self, name: str) -> AccountAuth:
        """The ``publisher auth`` of account ``name``'s platform.

        Raises:
            AuthError: no such account, or as :meth:`of`.
        """
        return self.of(self.account(name).provider)


#: ``auth``'s ``--sandbox``: accepted, as after any command, to say what to do instead.
_sandbox_refused = sandbox_flag(
    "Refused: the embedded sandbox logs its accounts in by itself. To try `publisher auth`, "
    "serve the sandbox and point the project at it (docs/sandbox.md)."
)


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
        "for real, or to try `publisher auth` first, against `publisher sandbox serve` "
        '(docs/sandbox.md, "publisher auth against a served sandbox")',
    )


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
@_sandbox_refused
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
    """Log ACCOUNT in through its platform's login page; tokens go to the store.

    The user (channel) who logs in must be the account's: its username/open_id (handle/
    channel_id) in publisher.yaml and the one it first published as (its pin). Anyone else
    is refused; nothing is stored.

    With --for-ci the refresh token is printed on stdout (the one place the tool prints a
    token, on request) for the account's CI secret, and not stored here.
    """
    from gitops_publisher.core.identity import expected_of, unconfigured_notice

    _refuse_sandbox(app, name)
    warnings: list[str] = []
    auths = _Auths(app, warnings, ci_tokens=False)  # logs in to the local store only
    account = auths.account(name)
    auth = auths.of(account.provider)
    want = expected_of(_read_state(app, warnings), name, account)
    done = asyncio.run(
        auth.login(
            name,
            expect=want,
            for_ci=for_ci,
            open_browser=_opener(auth, no_browser=no_browser, for_ci=for_ci),
            port=port,
            paste=_read_pasted_line,
        )
    )
    notice = unconfigured_notice(name, want, done.identity)
    if notice is not None:
        warnings.append(notice)
    _flush(warnings)
    if for_ci:
        _explain_ci_token(name, account.refresh_token_env, done)
        click.echo(done.refresh_token.get_secret_value())
        return
    click.echo(f"Logged in account {name} as {done.who}.")
    click.echo(f"  scopes: {', '.join(done.scopes) or 'none'}")
    click.echo(_refresh_line(done.refresh_expires))
    click.echo(f"  stored in {done.stored_in}")


def _opener(auth: AccountAuth, *, no_browser: bool, for_ci: bool) -> Callable[[str], None]:
    """Opens the login page in the browser, or prints its URL (and how to paste back)."""

    def open_browser(url: str) -> None:
        if no_browser or not webbrowser.open(url):
            click.echo("Open this URL in a browser and allow access:", err=True)
            click.echo(url, err=for_ci)  # with --for-ci, stdout carries the token alone
            click.echo(
                "If that browser runs on another machine, its last page will not load: copy "
                f"the address it shows (http://127.0.0.1:...{auth.callback_path}?code=...) and "
                "paste it here, then press Enter.",
                err=True,
            )
        else:
            click.echo(
                f"Opened the {auth.login_page} login page in your browser; waiting...", err=True
            )

    return open_browser


def _explain_ci_token(name: str, variable: str, done: LoggedIn) -> None:
    """Say on stderr what the token printed on stdout is for, and what not to do with it."""
    for line in (
        f"Minted a refresh token for CI for account {name} as {done.who}{done.ci_detail}.",
        f"Standard output holds it alone: put it in the CI secret {variable}, for example",
        f"  publisher auth login --account {name} --for-ci | gh secret set {variable}",
        *done.ci_note,
        "This is the only output of a token by this tool: clear it from your scrollback.",
    ):
        click.echo(line, err=True)


def _refresh_line(expiry: RefreshExpiry) -> str:
    """The refresh token's line: its expiry date, or the rules of a platform that gives none."""
    if isinstance(expiry, NoExpiryDate):
        return f"  refresh token: {expiry.rule}"
    return f"  refresh token expires: {when(expiry)}"


@auth.command()
@click.option(
    "--account", "name", help="Account name from publisher.yaml (default: every account)."
)
@_sandbox_refused
@click.pass_obj
def status(app: AppContext, name: str | None) -> None:
    """Show ACCOUNT's handle, open_id or channel_id, scopes, token expiries (never tokens).

    Without --account, every account in one table.
    """
    from gitops_publisher.core.identity import pinned

    _refuse_sandbox(app, name)
    warnings: list[str] = []
    auths = _Auths(app, warnings)
    if name is None:
        _status_table(app, auths, warnings)
        return
    auth = auths.for_account(name)
    state = _read_state(app, warnings)
    info = auth.status(name, pinned(state, name))
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
    click.echo(f"  {auth.id_field}: {info.account_id or info.unknown_id}")
    click.echo(f"  scopes: {', '.join(info.scopes) or 'unknown'}")
    click.echo(f"  access token expires: {when(info.access_expires_at)}")
    click.echo(_refresh_line(info.refresh_expires))
    for message in (*info.warnings, *info.notices):
        click.echo(f"warning: {message}", err=True)
    _require_credentials(app, [name])


def _require_credentials(app: AppContext, names: list[str]) -> None:
    """What ``apply`` says of missing credentials, for ``names``: every one, by variable.

    Raises:
        PreflightError: a credential is missing (an app's, a client's or a token).
    """
    from gitops_publisher.compose import require_credentials
    from gitops_publisher.workspace.project import load_config

    # auth refuses --sandbox (_refuse_sandbox): its messages do not suggest it
    require_credentials(load_config(app.project_dir), names, try_sandbox=False)


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


def _status_table(app: AppContext, auths: _Auths, warnings: list[str]) -> None:
    """``auth status`` for every account: one row each; then every credential missing (exit 1)."""
    from gitops_publisher.core.identity import pinned
    from gitops_publisher.providers.registry import DEFAULT_PROVIDER

    accounts = auths.config.accounts
    names = sorted(accounts)
    providers: set[str] = {accounts[name].provider for name in names} or {DEFAULT_PROVIDER}
    ids = sorted({auths.of(provider).id_field.upper() for provider in providers})
    ident = "/".join(ids)  # OPEN_ID (TikTok), CHANNEL_ID (YouTube), or both
    state = _read_state(app, warnings)
    infos = [auths.for_account(name).status(name, pinned(state, name)) for name in names]
    handles = _handles(app, names, state)
    _flush(warnings)
    header = ("ACCOUNT", "HANDLE", ident, "SCOPES", "REFRESH TOKEN EXPIRES", "CREDENTIALS")
    rows = [header]
    for info in infos:
        refresh = _refresh_cell(info.refresh_expires) if info.source else "-"
        rows.append(
            (
                info.account,
                handles[info.account],
                info.account_id or info.unknown_id_short,
                ",".join(info.scopes) or "-",
                refresh,
                {
                    "env": info.env_var,
                    "writeback": "write-back",
                    "kept": "local store (rotated)",
                    "store": "local store",
                }.get(info.source or "", "none: run `publisher auth login`"),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    for info in infos:
        for message in info.warnings:
            click.echo(f"warning: {message}", err=True)
    for info in infos:
        for message in info.notices:
            click.echo(f"warning: {message}", err=True)
    _require_credentials(app, names)


def _refresh_cell(expiry: RefreshExpiry) -> str:
    """The refresh token's expiry in the status table."""
    return expiry.short if isinstance(expiry, NoExpiryDate) else when(expiry)


@auth.command()
@click.option("--account", "name", required=True, help="Account name from publisher.yaml.")
@_sandbox_refused
@click.pass_obj
def refresh(app: AppContext, name: str) -> None:
    """Refresh ACCOUNT's tokens now (a refresh token that rotates is saved first)."""
    from gitops_publisher.workspace.project import load_config

    _refuse_sandbox(app, name)
    if name in load_config(app.project_dir).accounts:
        _require_credentials(app, [name])
    warnings: list[str] = []
    done = asyncio.run(_Auths(app, warnings).for_account(name).refresh(name))
    _flush(warnings)
    click.echo(f"Refreshed account {name} ({done.detail}).")
    click.echo(f"  access token expires: {when(done.access_expires_at)}")
    if done.rotated:
        click.echo(_refresh_line(done.refresh_expires))
