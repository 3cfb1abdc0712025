"""Connections to TikTok or to the embedded sandbox, per account, for plan and apply.

``--sandbox`` starts the emulator on a loopback port in a background thread (real HTTP, the
same client code as production), with its world, tokens and state under
``.publisher/sandbox/``. Its clock runs ``PUBLISHER_SANDBOX_TIME_SCALE`` times faster (20 by
default) so processing and moderation delays take a fraction of a second; the engine's waits
are scaled to match.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_publisher.core.identity import handle
from gitops_publisher.core.models import Config
from gitops_publisher.errors import AuthError, Diagnostic, PreflightError

SANDBOX_DIR = Path(".publisher") / "sandbox"
DEFAULT_SANDBOX_TIME_SCALE = 20.0


@dataclass
class Connection:
    """Where the API is and how to get each account's tokens.

    Attributes:
        api_url: the API base URL.
        client_key / client_secret: the app's credentials.
        load_tokens: account name -> stored token set (JSON dict) or None.
        save_tokens: persists a rotated token set BEFORE it is used.
        time_scale: how much faster than real time the server's clock runs.
        sandbox: True for the embedded emulator.
    """

    api_url: str
    client_key: str
    client_secret: str
    load_tokens: Callable[[str], dict[str, Any] | None]
    save_tokens: Callable[[str, dict[str, Any]], None]
    time_scale: float = 1.0
    sandbox: bool = False
    secrets: set[str] = field(default_factory=set)


class _SandboxTokens:
    """The sandbox's tokens, kept in the same 0600 token store ``auth login`` uses.

    It has its own file and a fixed key, because the embedded server's port changes every run.
    """

    KEY = "sandbox"

    def __init__(self, path: Path) -> None:
        from gitops_publisher.providers.token_store import TokenStore

        self.store = TokenStore(path)

    def load(self, account: str) -> dict[str, Any] | None:
        tokens = self.store.load(self.KEY, account)
        return None if tokens is None else tokens.to_storage()

    def save(self, account: str, tokens: dict[str, Any]) -> None:
        from gitops_publisher.providers.tokens import TokenSet

        self.store.save(self.KEY, account, TokenSet.model_validate(tokens))

    def seed(self, account: str, refresh_token: str) -> None:
        from gitops_publisher.providers.tokens import TokenSet

        self.store.save(self.KEY, account, TokenSet.from_refresh_token(refresh_token))


def sandbox_time_scale() -> float:
    """``PUBLISHER_SANDBOX_TIME_SCALE`` or the default."""
    raw = os.environ.get("PUBLISHER_SANDBOX_TIME_SCALE", "")
    try:
        value = float(raw) if raw else DEFAULT_SANDBOX_TIME_SCALE
    except ValueError:
        value = DEFAULT_SANDBOX_TIME_SCALE
    return value if value > 0 else DEFAULT_SANDBOX_TIME_SCALE


@contextmanager
def sandbox_connection(root: Path, config: Config) -> Iterator[Connection]:
    """Start the embedded emulator for ``root`` and yield a connection to it.

    Each configured account becomes a sandbox user named by its ``username`` (else by the
    account's name) the first time; its tokens are kept in ``.publisher/sandbox/token-store.json``.
    """
    from gitops_publisher.sandbox import (
        SANDBOX_CLIENT_KEY,
        SANDBOX_CLIENT_SECRET,
        SandboxWorld,
        ScaledClock,
        create_app,
        serve_in_thread,
    )

    directory = root / SANDBOX_DIR
    world_dir = directory / "world"
    tokens = _SandboxTokens(directory / "token-store.json")
    scale = sandbox_time_scale()
    clock = ScaledClock(scale)
    world = SandboxWorld.load_or_create(world_dir, clock=clock)
    for name, account in sorted(config.accounts.items()):
        if account.provider != "tiktok":  # a TikTok emulator user for TikTok accounts only
            continue
        user = handle(account.identity_handle) or name
        if tokens.load(name) is None or world.find_account(username=user) is None:
            refresh = world.ensure_account(user)
            tokens.seed(name, refresh)
    app = create_app(world_dir, clock=clock)
    with serve_in_thread(app) as base_url:
        yield Connection(
            api_url=base_url,
            client_key=SANDBOX_CLIENT_KEY,
            client_secret=SANDBOX_CLIENT_SECRET,
            load_tokens=tokens.load,
            save_tokens=tokens.save,
            time_scale=scale,
            sandbox=True,
        )


def environment_connection(
    root: Path, config: Config, *, warn: Callable[[str], None] = lambda _m: None
) -> Connection:
    """A connection to TikTok with credentials from the environment.

    Each account starts from its ``refresh_token_env`` variable (CI) or the local store of
    ``publisher auth login``. TikTok rotates refresh tokens at every refresh, so a rotated set
    is written back before use: encrypted next to the state with ``PUBLISHER_TOKEN_KEY``
    (``.publisher/tokens.enc``, safe to commit), else to the local store. With the git-branch
    state backend that file is first restored from the state branch (a fresh CI checkout
    starts from the live token, not the retired secret) and each rotation is pushed there
    at once (:func:`~gitops_publisher.workspace.token_sync.ci_writeback`).

    Raises:
        PreflightError: the app's credentials or an account's refresh token are missing.
        StateError: the git-branch backend is selected outside a git repository, or the
            state branch cannot be fetched.
        AuthError: ``PUBLISHER_TOKEN_KEY`` is not a Fernet key or does not decrypt the file.
    """
    from gitops_publisher.providers.tiktok import urls
    from gitops_publisher.providers.tiktok.credentials import AccountTokens
    from gitops_publisher.providers.token_store import TokenStore
    from gitops_publisher.workspace.token_sync import ci_writeback

    problems = []
    key = os.environ.get("TIKTOK_CLIENT_KEY", "")
    secret = os.environ.get("TIKTOK_CLIENT_SECRET", "")
    if not key or not secret:
        problems.append(
            Diagnostic(
                "environment",
                None,
                None,
                "TIKTOK_CLIENT_KEY/TIKTOK_CLIENT_SECRET",
                "set your TikTok app's client key and secret (or use --sandbox to try things out)",
            )
        )
    if problems:
        raise PreflightError(problems, "credentials are missing")
    api = urls.api_url()
    writeback = ci_writeback(root, config.state, config.accounts, api)
    tokens = AccountTokens(
        accounts=config.accounts,
        api_url=api,
        store=TokenStore(),
        writeback=writeback,
        warn=warn,
    )
    return Connection(api, key, secret, tokens.load, tokens.save)


@dataclass
class AccountClients:
    """Open clients per account, and their auth flows (for the tokens they hold)."""

    clients: dict[str, Any]
    auths: dict[str, Any] = field(default_factory=dict)


@asynccontextmanager
async def open_clients(
    connection: Connection,
    accounts: Mapping[str, Any],
    names: list[str],
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[AccountClients]:
    """Build an authenticated :class:`TikTokClient` per account name.

    Raises:
        AuthError: an account has no token (says how to log in or which variable to set).
    """
    async with AsyncExitStack() as stack:
        yield await _open(connection, accounts, names, stack, sleep, clock)


async def _open(
    connection: Connection,
    accounts: Mapping[str, Any],
    names: list[str],
    stack: AsyncExitStack,
    sleep: Callable[[float], Awaitable[None]],
    clock: Callable[[], float],
) -> AccountClients:
    from gitops_publisher.providers.tiktok.auth import RefreshingAuth, TokenEndpoint
    from gitops_publisher.providers.tiktok.client import TikTokClient
    from gitops_publisher.providers.tiktok.ratelimit import SlidingWindowLimiter
    from gitops_publisher.providers.tokens import TokenSet

    # The clients share one TLS context (providers/tls.py): 40 clients for 20 accounts.
    limiter = SlidingWindowLimiter(clock=clock, sleep=sleep)
    clients: dict[str, Any] = {}
    auths: dict[str, Any] = {}
    for name in names:
        stored = connection.load_tokens(name)
        if stored is None:
            env = accounts[name].refresh_token_env if name in accounts else "its variable"
            raise AuthError(
                f"no credentials for account {name}",
                hint=f"set {env} to its refresh token, or run "
                f"`publisher auth login --account {name}`",
            )
        if set(stored) == {"refresh_token"}:
            tokens = TokenSet.from_refresh_token(str(stored["refresh_token"]))
        else:
            tokens = TokenSet.model_validate(stored)
        connection.secrets.update(tokens.secrets())
        endpoint = TokenEndpoint(
            connection.client_key,
            connection.client_secret,
            base_url=connection.api_url,
        )
        stack.push_async_callback(endpoint.aclose)

        def persist(new: TokenSet, account: str = name) -> None:
            connection.secrets.update(new.secrets())
            connection.save_tokens(account, new.to_storage())

        auth = RefreshingAuth(tokens, endpoint, persist=persist, account=name)
        auths[name] = auth
        client = TikTokClient(
            auth,
            base_url=connection.api_url,
            account=name,
            limiter=limiter,
            sleep=sleep,
            clock=clock,
        )
        stack.push_async_callback(client.aclose)
        clients[name] = client
    return AccountClients(clients, auths)
