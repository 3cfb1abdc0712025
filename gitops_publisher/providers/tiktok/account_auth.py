"""What ``publisher auth login|status|refresh`` do for a TikTok account, without click.

:class:`TikTokAccountAuth` is TikTok's side of the account port (``core/auth_port.py``),
which the CLI opens through the registry (:meth:`TikTokPlatform.auth`) and only renders.
The app credentials come from ``TIKTOK_CLIENT_KEY`` / ``TIKTOK_CLIENT_SECRET``, read here at
the edge and passed down as values.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Unpack

from gitops_publisher.core.auth_port import (
    AccountStatus,
    AuthOpening,
    LoggedIn,
    Refreshed,
    account_named,
    when,
)
from gitops_publisher.core.identity import TIKTOK, Expected, Identity, mismatch
from gitops_publisher.errors import ApiError, AuthError
from gitops_publisher.providers.errors import no_credentials
from gitops_publisher.providers.loopback import BrowserOptions
from gitops_publisher.providers.tiktok import urls
from gitops_publisher.providers.tiktok.auth import RefreshingAuth, TokenEndpoint, utc_now
from gitops_publisher.providers.tiktok.credentials import (
    WRITEBACK_FILE,
    AccountTokens,
    HasRefreshTokenEnv,
    writeback_from_env,
)
from gitops_publisher.providers.tiktok.login import DEFAULT_SCOPES, FLOW, login
from gitops_publisher.providers.token_client import refresh_now
from gitops_publisher.providers.token_store import (
    KEY_ENV,
    EncryptedTokenFile,
    TokenStore,
    default_store_path,
    refresh_expiry_warnings,
    seed_fingerprint,
)
from gitops_publisher.providers.tokens import TokenSet


@dataclass
class AuthSetup:
    """Everything the auth commands need, read once from the environment and config."""

    api_url: str
    auth_url: str
    client_key: str
    client_secret: str
    tokens: AccountTokens
    accounts: Mapping[str, HasRefreshTokenEnv]

    def account(self, name: str) -> HasRefreshTokenEnv:
        """Return the account's config.

        Raises:
            AuthError: no such account in publisher.yaml.
        """
        return account_named(self.accounts, name)

    def endpoint(self) -> TokenEndpoint:
        """Return the token endpoint with the app's credentials.

        Raises:
            AuthError: TIKTOK_CLIENT_KEY or TIKTOK_CLIENT_SECRET is not set.
        """
        if not self.client_key or not self.client_secret:
            raise AuthError(
                "TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET must be set",
                hint="they are your TikTok app's client key and secret (developers.tiktok.com)",
            )
        return TokenEndpoint(self.client_key, self.client_secret, base_url=self.api_url)


def auth_setup(
    project_dir: Path,
    accounts: Mapping[str, HasRefreshTokenEnv],
    env: Mapping[str, str] | None = None,
    warn: Callable[[str], None] | None = None,
    *,
    writeback: EncryptedTokenFile | None = None,
) -> AuthSetup:
    """Read URLs, app credentials and token stores from ``env`` (default ``os.environ``).

    Args:
        project_dir: the project; its write-back is ``.publisher/tokens.enc`` there.
        accounts: account name -> config.
        env: the environment.
        warn: receives warnings (a rotation that could not be written back durably).
        writeback: the write-back to use, as the CLI opened it (on a git-branch state,
            restored from the state branch and mirrored there, see
            ``workspace.token_sync.ci_writeback``); default: the project's local file when
            ``PUBLISHER_TOKEN_KEY`` is set, mirrored nowhere.

    Raises:
        AuthError: ``PUBLISHER_TOKEN_KEY`` is set but is not a Fernet key.
    """
    env = os.environ if env is None else env
    api_url = urls.api_url(env)
    if writeback is None:
        writeback = writeback_from_env(project_dir / WRITEBACK_FILE, env)
    tokens = AccountTokens(
        accounts=accounts,
        api_url=api_url,
        store=TokenStore(default_store_path(env)),
        writeback=writeback,
        env=env,
        warn=warn or (lambda _message: None),
    )
    return AuthSetup(
        api_url=api_url,
        auth_url=urls.auth_url(env),
        client_key=env.get("TIKTOK_CLIENT_KEY", ""),
        client_secret=env.get("TIKTOK_CLIENT_SECRET", ""),
        tokens=tokens,
        accounts=accounts,
    )


# What `auth status` says of an open_id no token holds (tokens from a bare secret carry none):
# the first refresh learns it. The short form is the status table's cell.
UNKNOWN_OPEN_ID = "unknown until the first refresh"
UNKNOWN_OPEN_ID_SHORT = "not yet known"


def account_status(setup: AuthSetup, name: str, now: datetime | None = None) -> AccountStatus:
    """Return the account's token status without contacting TikTok.

    Raises:
        AuthError: unknown account, or an unreadable token file.
    """
    env_var = setup.account(name).refresh_token_env
    tokens = setup.tokens.load_set(name)
    if tokens is None:
        return AccountStatus(
            account=name,
            source=None,
            env_var=env_var,
            unknown_id=UNKNOWN_OPEN_ID,
            unknown_id_short=UNKNOWN_OPEN_ID_SHORT,
        )
    has_access = bool(tokens.access_token.get_secret_value())
    warnings = refresh_expiry_warnings({name: tokens}, now or utc_now())
    return AccountStatus(
        account=name,
        source=setup.tokens.sources.get(name),
        env_var=env_var,
        account_id=tokens.open_id,
        unknown_id=UNKNOWN_OPEN_ID,
        unknown_id_short=UNKNOWN_OPEN_ID_SHORT,
        scopes=tuple(tokens.scopes),
        access_expires_at=tokens.access_expires_at if has_access else None,
        refresh_expires=tokens.refresh_expires_at,
        warnings=tuple(warning.message for warning in warnings),
    )


async def login_account(
    setup: AuthSetup,
    name: str,
    *,
    for_ci: bool = False,
    expect: Expected | None = None,
    **browser: Unpack[BrowserOptions],
) -> tuple[TokenSet, Identity]:
    """Log the account in through the browser, check who logged in, store the tokens.

    ``browser`` (``open_browser``, ``port``, ``timeout``, ``paste``) meets the user
    (:class:`~gitops_publisher.providers.loopback.BrowserOptions`).

    The user who completed the login (the token's open_id, creator_info's handle) must be
    the one ``expect`` names (``publisher.yaml``'s identity and the account's pin); a login
    as anyone else is refused and nothing is stored (not even a ``for_ci`` tag).

    With ``for_ci`` the tokens are minted for a CI secret instead: they are NOT stored here
    (a local refresh would retire the secret, since TikTok rotates refresh tokens), only a
    one-way tag of the refresh token is, so that a local command handed that secret refuses
    to refresh it (:meth:`AccountTokens.usable_set`). The local store's own login, if any,
    is left as it was.

    Returns:
        The tokens and the user they belong to.

    Raises:
        AuthError: unknown account, missing app credentials, the login failed, or another
            TikTok user logged in than the account is (the message names both).
    """
    setup.account(name)
    endpoint = setup.endpoint()
    try:
        tokens = await login(
            endpoint,
            client_key=setup.client_key,
            auth_base=setup.auth_url,
            scopes=DEFAULT_SCOPES,
            **browser,
        )
        tokens, seen = await _who(setup, name, tokens, endpoint)
    finally:
        await endpoint.aclose()
    problem = mismatch(name, expect or Expected(), seen)
    if problem is not None:
        raise AuthError(f"login refused, nothing was stored: {problem}")
    if for_ci:
        refresh_token = tokens.refresh_token.get_secret_value()
        setup.tokens.store.mark_for_ci(setup.api_url, name, seed_fingerprint(refresh_token))
    else:
        setup.tokens.store.save(setup.api_url, name, tokens)
    return tokens, seen


async def _who(
    setup: AuthSetup, name: str, tokens: TokenSet, endpoint: TokenEndpoint
) -> tuple[TokenSet, Identity]:
    """The user behind fresh ``tokens``: their open_id and creator_info's handle.

    The handle is left empty when creator_info is refused (a login without video.publish):
    the open_id still identifies the user. Returns the newest tokens too (a 401 may rotate).
    """
    from gitops_publisher.providers.tiktok.client import TikTokClient

    newest = [tokens]
    auth = RefreshingAuth(tokens, endpoint, persist=newest.append)
    client = TikTokClient(auth, base_url=setup.api_url, account=name)
    try:
        username = (await client.creator_info()).creator_username
    except ApiError:
        username = ""
    finally:
        await client.aclose()
    return newest[-1], Identity(newest[-1].open_id, username)


async def refresh_account(setup: AuthSetup, name: str) -> TokenSet:
    """Refresh the account's tokens now and save the rotated set where they came from.

    Raises:
        AuthError: unknown account, no tokens, missing app credentials, a refresh that would
            retire a secret still needed elsewhere (:meth:`AccountTokens.usable_set`), or
            TikTok refused (:class:`TokenRefreshError`).
    """
    env_var = setup.account(name).refresh_token_env
    tokens = setup.tokens.usable_set(name)
    if tokens is None:
        raise no_credentials(name, env_var)
    return await refresh_now(
        RefreshingAuth,
        tokens,
        setup.endpoint(),
        persist=lambda new: setup.tokens.save_set(name, new),
        account=name,
    )


@dataclass
class TikTokAccountAuth:
    """TikTok's ``publisher auth`` (satisfies ``core.auth_port.AccountAuth``).

    Attributes:
        setup: the app credentials and the token stores, read once for the command.
    """

    setup: AuthSetup
    id_field: str = TIKTOK.id_field
    login_page: str = FLOW.platform
    callback_path: str = FLOW.callback_path

    def status(self, name: str, pin: Identity | None) -> AccountStatus:
        """:func:`account_status`: the open_id is the token's (``pin`` is not needed).

        Raises:
            AuthError: unknown account, or an unreadable token file.
        """
        return account_status(self.setup, name)

    async def login(
        self,
        name: str,
        *,
        expect: Expected,
        for_ci: bool,
        open_browser: Callable[[str], None],
        port: int,
        paste: Callable[[], Awaitable[str | None]],
    ) -> LoggedIn:
        """:func:`login_account`, and what the CLI says of it.

        Raises:
            AuthError: as :func:`login_account`.
        """
        tokens, seen = await login_account(
            self.setup,
            name,
            open_browser=open_browser,
            port=port,
            for_ci=for_ci,
            paste=paste,
            expect=expect,
        )
        variable = self.setup.account(name).refresh_token_env
        scopes = ", ".join(tokens.scopes) or "none"
        return LoggedIn(
            identity=seen,
            who=seen.describe(),
            scopes=tuple(tokens.scopes),
            refresh_expires=tokens.refresh_expires_at,
            stored_in=str(self.setup.tokens.store.path),
            refresh_token=tokens.refresh_token,
            ci_detail=f" (scopes: {scopes}; expires {when(tokens.refresh_expires_at)})",
            ci_note=_ci_note(variable),
        )

    async def refresh(self, name: str) -> Refreshed:
        """:func:`refresh_account`: TikTok rotates the refresh token (saved first).

        Raises:
            AuthError: as :func:`refresh_account`.
        """
        tokens = await refresh_account(self.setup, name)
        return Refreshed(
            detail=f"open_id {tokens.open_id or 'unknown'}",
            access_expires_at=tokens.access_expires_at,
            refresh_expires=tokens.refresh_expires_at,
        )


def _ci_note(variable: str) -> tuple[str, ...]:
    """Where to use a token minted for CI: TikTok retires it at its first refresh."""
    return (
        "It is not kept on this machine. TikTok rotates refresh tokens at every refresh, so",
        "use it only in CI: a refresh anywhere else would retire it there (a command here",
        f"that finds it in {variable} refuses to refresh it).",
        f"Set {KEY_ENV} in CI too, so the rotated token is written back after the first run.",
    )


def open_auth(opening: AuthOpening) -> TikTokAccountAuth:
    """TikTok's ``publisher auth`` for one command (:meth:`TikTokPlatform.auth`).

    With ``opening.writeback``, rotations go to the write-back it opens for TikTok's API
    (restored from the state branch first, as apply does); without, to the local one alone.

    Raises:
        AuthError: ``PUBLISHER_TOKEN_KEY`` is set but is not a Fernet key.
        StateError: the write-back's state branch cannot be fetched.
    """
    writeback = opening.writeback(urls.api_url()) if opening.writeback is not None else None
    assert writeback is None or isinstance(writeback, EncryptedTokenFile), writeback
    return TikTokAccountAuth(
        auth_setup(opening.project_dir, opening.accounts, warn=opening.warn, writeback=writeback)
    )
