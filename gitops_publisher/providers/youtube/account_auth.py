"""What ``publisher auth login|status|refresh`` do for a YouTube account, without click.

:class:`YouTubeAccountAuth` is YouTube's side of the account port (``core/auth_port.py``),
which the CLI opens through the registry (:meth:`YouTubePlatform.auth`) and only renders.

The OAuth client (a Google Cloud "Desktop app" client) comes from environment variables named
by the account (``YOUTUBE_CLIENT_ID`` / ``YOUTUBE_CLIENT_SECRET`` by default), read here at the
edge and passed down as values. Tokens live in the same local store as TikTok's
(``providers/token_store.py``), keyed by the YouTube API URL and the account name.

Where an account's tokens come from: its ``refresh_token_env`` variable when set (CI), else
the local store. Google does not rotate refresh tokens, so using the secret never retires it
and nothing needs writing back; a refreshed access token is still kept in the local store
(tagged with the secret it descends from) so the next command on this machine reuses it
instead of refreshing again.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Unpack

import httpx

from gitops_publisher.core.auth_port import (
    AccountStatus,
    LoggedIn,
    NoExpiryDate,
    Refreshed,
    account_named,
)
from gitops_publisher.core.identity import YOUTUBE, Expected, Identity, mismatch
from gitops_publisher.core.models import YouTubeAccount
from gitops_publisher.core.youtube import testing_mode_warning
from gitops_publisher.errors import AuthError
from gitops_publisher.providers.errors import no_credentials
from gitops_publisher.providers.loopback import BrowserOptions
from gitops_publisher.providers.token_client import refresh_now
from gitops_publisher.providers.token_store import TokenStore, default_store_path, seed_fingerprint
from gitops_publisher.providers.tokens import TokenSet
from gitops_publisher.providers.youtube import urls
from gitops_publisher.providers.youtube.api_models import Channel
from gitops_publisher.providers.youtube.login import FLOW, login
from gitops_publisher.providers.youtube.oauth import GoogleAuth, GoogleTokenEndpoint

if TYPE_CHECKING:
    from gitops_publisher.core.models import AccountConfig


@dataclass
class YouTubeAuthSetup:
    """URLs, the OAuth client and the token store, read once from the environment.

    Attributes:
        api_url: the Data API base (tokens are keyed by it).
        auth_url, token_url, revoke_url: Google's OAuth endpoints (or the sandbox's).
        client_id, client_secret: the Desktop app client ("" when unset).
        store: the local token store.
        env: the environment, for the accounts' ``refresh_token_env``.
        transport: an httpx transport for every request (tests); None: the network.
    """

    api_url: str
    auth_url: str
    token_url: str
    revoke_url: str
    client_id: str
    client_secret: str
    store: TokenStore
    env: Mapping[str, str]
    transport: httpx.AsyncBaseTransport | None = None

    def endpoint(self) -> GoogleTokenEndpoint:
        """Return the token endpoint with the app's client.

        Raises:
            AuthError: the client id or secret is not set.
        """
        if not self.client_id or not self.client_secret:
            raise AuthError(
                "the Google OAuth client id and secret are not set",
                hint=f"set {urls.CLIENT_ID_ENV} and {urls.CLIENT_SECRET_ENV} (or the variables "
                'the account names) to a Google Cloud OAuth client of type "Desktop app"; '
                "docs/youtube.md shows how to create one",
            )
        return GoogleTokenEndpoint(
            self.client_id,
            self.client_secret,
            token_url=self.token_url,
            revoke_url=self.revoke_url,
            transport=self.transport,
        )

    def tokens(self, name: str, refresh_token_env: str) -> TokenSet | None:
        """Return the account's starting tokens (see the module doc), or None.

        Raises:
            AuthError: the local store is unreadable.
        """
        secret = self.env.get(refresh_token_env, "")
        entry = self.store.load_entry(self.api_url, name)
        if not secret:
            return None if entry is None else entry.tokens
        if entry is not None and entry.tokens.refresh_token.get_secret_value() == secret:
            return entry.tokens  # its access token may still be valid
        return TokenSet.from_refresh_token(secret)

    def save(self, name: str, tokens: TokenSet, refresh_token_env: str = "") -> None:
        """Keep ``tokens`` in the local store (tagged when they descend from the env secret)."""
        secret = self.env.get(refresh_token_env, "") if refresh_token_env else ""
        from_secret = bool(secret) and tokens.refresh_token.get_secret_value() == secret
        origin = seed_fingerprint(secret) if from_secret else ""
        self.store.save(self.api_url, name, tokens, origin=origin)


def youtube_auth_setup(
    env: Mapping[str, str] | None = None,
    *,
    client_id_env: str = urls.CLIENT_ID_ENV,
    client_secret_env: str = urls.CLIENT_SECRET_ENV,
    store: TokenStore | None = None,
) -> YouTubeAuthSetup:
    """Read the URLs, the OAuth client and the token store from ``env`` (default os.environ)."""
    env = os.environ if env is None else env
    return YouTubeAuthSetup(
        api_url=urls.api_url(env),
        auth_url=urls.auth_url(env),
        token_url=urls.token_url(env),
        revoke_url=urls.revoke_url(env),
        client_id=env.get(client_id_env, ""),
        client_secret=env.get(client_secret_env, ""),
        store=store or TokenStore(default_store_path(env)),
        env=env,
    )


async def login_account(
    setup: YouTubeAuthSetup,
    name: str,
    *,
    expect: Expected | None = None,
    store: bool = True,
    **browser: Unpack[BrowserOptions],
) -> tuple[TokenSet, Channel]:
    """Log the account in through the browser, check which channel it is, store the tokens.

    ``browser`` (``open_browser``, ``port``, ``timeout``, ``paste``) meets the user
    (:class:`~gitops_publisher.providers.loopback.BrowserOptions`).

    The channel behind the new token (channels.list ``mine=true``) must be the one ``expect``
    names (``Identity(open_id=channel id, username=handle)``: the configured identity and the
    account's pin); any other channel is refused and nothing is stored. The tokens kept and
    returned carry its id as their ``open_id``. With ``store=False``
    (a login for a CI secret) nothing is stored either: Google's refresh tokens do not
    rotate, so the same token may serve CI and this machine alike.

    Returns:
        The tokens and the channel they belong to.

    Raises:
        AuthError: missing client id/secret, the login failed or was refused, a permission
            was unticked, the account has no channel, or it is another channel than expected.
        ProviderError: YouTube could not be reached for the channel check.
    """
    from gitops_publisher.providers.youtube.client import YouTubeClient
    from gitops_publisher.providers.youtube.envelope import YouTubeApiError

    endpoint = setup.endpoint()
    try:
        tokens = await login(endpoint, auth_url=setup.auth_url, **browser)
        newest = [tokens]
        auth = GoogleAuth(tokens, endpoint, persist=newest.append, account=name)
        client = YouTubeClient(auth, base_url=setup.api_url, transport=setup.transport)
        try:
            channel = await client.channel()
        except YouTubeApiError as exc:
            if exc.code == "youtubeSignupRequired":
                raise AuthError(
                    f"login refused, nothing was stored: {exc}", hint=exc.hint
                ) from None
            raise
        finally:
            await client.aclose()
    finally:
        await endpoint.aclose()
    seen = Identity(channel.id, channel.handle)
    # Whatever the caller passed, a YouTube account speaks of channels (channel_id, handle).
    want = replace(expect or Expected(), platform=YOUTUBE)
    problem = mismatch(name, want, seen)
    if problem is not None:
        raise AuthError(f"login refused, nothing was stored: {problem}")
    # The channel is kept with the tokens, as TikTok's answer carries its open_id: `auth
    # status` shows it before any upload pins it (a refresh keeps it: providers/bearer.py).
    tokens = newest[-1].model_copy(update={"open_id": channel.id})
    if store:
        setup.store.save(setup.api_url, name, tokens)
    return tokens, channel


async def refresh_account(setup: YouTubeAuthSetup, name: str, refresh_token_env: str) -> TokenSet:
    """Refresh the account's access token now and keep it (``publisher auth refresh``).

    Raises:
        AuthError: no tokens, missing client, or Google refused (``invalid_grant`` says why,
            the 7-day expiry of apps in testing mode first).
    """
    tokens = setup.tokens(name, refresh_token_env)
    if tokens is None:
        raise no_credentials(name, refresh_token_env)
    return await refresh_now(
        GoogleAuth,
        tokens,
        setup.endpoint(),
        persist=lambda new: setup.save(name, new, refresh_token_env),
        account=name,
    )


# What `auth status` says of a channel id that no config, token or pin holds (a bare secret):
# apply checks the channel before uploading, and its first upload's records pin it.
UNKNOWN_CHANNEL_ID = (
    "not yet known: pinned at the first upload (or set channel_id in publisher.yaml)"
)
UNKNOWN_CHANNEL_ID_SHORT = "not yet known"

# When a Google refresh token dies: no date is given, only rules (reference §1.4).
KEPT = NoExpiryDate("does not expire by itself (until revoked, or unused for six months)")
TESTING = NoExpiryDate(
    "expires 7 days after its login (testing_mode: the consent screen is in Testing)",
    "login + 7 days (testing_mode)",
)
AFTER_LOGIN = NoExpiryDate(
    "does not expire by itself, except 7 days after this login while the Google Cloud "
    'project\'s OAuth consent screen is in "Testing" (docs/youtube.md)'
)

CI_NOTE = (  # where a token minted for CI may be used: anywhere, it is never rotated
    "Google does not rotate refresh tokens: it stays valid until revoked, unused for six",
    'months, or 7 days after this login while the OAuth consent screen is in "Testing".',
)


@dataclass
class YouTubeAccountAuth:
    """YouTube's ``publisher auth`` (satisfies ``core.auth_port.AccountAuth``).

    Each channel's Google client is the one its ``client_id_env``/``client_secret_env`` name.

    Attributes:
        accounts: the config's accounts.
    """

    accounts: Mapping[str, AccountConfig]
    id_field: str = YOUTUBE.id_field
    login_page: str = FLOW.platform
    callback_path: str = FLOW.callback_path

    def _account(self, name: str) -> tuple[YouTubeAccount, YouTubeAuthSetup]:
        """The channel's config and its auth setup.

        Raises:
            AuthError: no such account in publisher.yaml.
        """
        account = account_named(self.accounts, name)
        assert isinstance(account, YouTubeAccount), name  # the registry picked this platform
        setup = youtube_auth_setup(
            client_id_env=account.client_id_env, client_secret_env=account.client_secret_env
        )
        return account, setup

    def status(self, name: str, pin: Identity | None) -> AccountStatus:
        """The channel's token status, read from its secret or the local store (no network).

        Raises:
            AuthError: unknown account, or the local store is unreadable.
        """
        account, youtube = self._account(name)
        notices = (
            (testing_mode_warning(name, account.refresh_token_env),) if account.testing_mode else ()
        )
        refresh = TESTING if account.testing_mode else KEPT
        tokens = youtube.tokens(name, account.refresh_token_env)
        if tokens is None:
            return AccountStatus(
                account=name,
                source=None,
                env_var=account.refresh_token_env,
                account_id=_channel_id(account, None, pin),
                refresh_expires=refresh,
                unknown_id=UNKNOWN_CHANNEL_ID,
                unknown_id_short=UNKNOWN_CHANNEL_ID_SHORT,
                notices=notices,
            )
        has_access = bool(tokens.access_token.get_secret_value())
        return AccountStatus(
            account=name,
            source="env" if youtube.env.get(account.refresh_token_env) else "store",
            env_var=account.refresh_token_env,
            account_id=_channel_id(account, tokens, pin),
            unknown_id=UNKNOWN_CHANNEL_ID,
            unknown_id_short=UNKNOWN_CHANNEL_ID_SHORT,
            scopes=tuple(tokens.scopes),
            access_expires_at=tokens.access_expires_at if has_access else None,
            refresh_expires=refresh,
            notices=notices,
        )

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
        """Google's installed-app flow, the channel checked (:func:`login_account`).

        Google's refresh tokens do not rotate, so a token minted ``for_ci`` may also be used
        here; it is still not stored, as the flag promises.

        Raises:
            AuthError, ProviderError: as :func:`login_account`.
        """
        _account, setup = self._account(name)
        tokens, channel = await login_account(
            setup,
            name,
            open_browser=open_browser,
            port=port,
            paste=paste,
            expect=expect,
            store=not for_ci,
        )
        seen = Identity(channel.id, channel.handle)
        return LoggedIn(
            identity=seen,
            who=seen.describe(YOUTUBE) + (f", {channel.title!r}" if channel.title else ""),
            scopes=tuple(tokens.scopes),
            refresh_expires=AFTER_LOGIN,
            stored_in=str(setup.store.path),
            refresh_token=tokens.refresh_token,
            ci_note=CI_NOTE,
        )

    async def refresh(self, name: str) -> Refreshed:
        """A new access token; the refresh token stays the same (:func:`refresh_account`).

        Raises:
            AuthError: as :func:`refresh_account`.
        """
        account, setup = self._account(name)
        tokens = await refresh_account(setup, name, account.refresh_token_env)
        return Refreshed(
            detail="YouTube; Google keeps the same refresh token",
            access_expires_at=tokens.access_expires_at,
            rotated=False,
        )


def _channel_id(account: YouTubeAccount, tokens: TokenSet | None, pin: Identity | None) -> str:
    """The channel id the account is known by, or "".

    That is the one ``publisher.yaml`` names, else the one its login saw (kept with the
    tokens; a bare secret has none), else the pinned one (``(pinned)``).
    """
    if account.channel_id:
        return account.channel_id
    if tokens is not None and tokens.open_id:
        return tokens.open_id
    return f"{pin.open_id} (pinned)" if pin is not None and pin.open_id else ""
