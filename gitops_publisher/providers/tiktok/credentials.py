"""Which tokens an account starts from, and where a rotated set is saved (design §7, §12).

Order, per account:

1. the account's ``refresh_token_env`` variable when set (CI, or a local ``.env``). TikTok
   retires that secret at its first refresh, so a kept rotation descending from that same
   secret wins over it: the write-back's entry (``PUBLISHER_TOKEN_KEY``) or the local
   store's, whichever is later (see :func:`token_store.choose_ci_tokens`). A changed
   secret matches neither and wins;
2. otherwise the local store filled by ``publisher auth login``.

A rotated set is saved where it can be found again: the encrypted write-back for env-seeded
accounts, or without a key the local store, tagged with the secret it descends from. The
kept set also holds the access token, so the next command reuses it until it nears expiry
instead of refreshing again (each refresh of a rotating token is a moment where a killed
process can lose the account).

Two refreshes are refused before they happen, because they would retire a secret that is
still needed elsewhere (:meth:`AccountTokens.usable_set`): in CI (``CI=true``) without a
write-back, where the rotated token would die with the machine; and on a machine that
minted the secret for CI with ``publisher auth login --for-ci``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from gitops_publisher.errors import AuthError
from gitops_publisher.providers.token_store import (
    KEY_ENV,
    EncryptedTokenFile,
    StoredCiTokens,
    TokenStore,
    choose_ci_tokens,
    seed_fingerprint,
)
from gitops_publisher.providers.token_store import (  # the shared write-back, for callers here
    WRITEBACK_FILE as WRITEBACK_FILE,
)
from gitops_publisher.providers.token_store import (
    writeback_from_env as writeback_from_env,
)
from gitops_publisher.providers.tokens import TokenSet

Source = Literal["env", "writeback", "kept", "store"]
"""Where an account's tokens came from: its secret, the write-back, a rotation of the
secret kept in the local store, or a local login."""


def running_in_ci(env: Mapping[str, str]) -> bool:
    """Whether ``CI`` says this is a CI job (GitHub Actions, GitLab and others set it)."""
    return env.get("CI", "").strip().lower() in ("true", "1", "yes")


class HasRefreshTokenEnv(Protocol):
    """The part of an account's config used here (``core.models.AccountConfig``)."""

    @property
    def refresh_token_env(self) -> str:
        """Name of the variable holding the refresh token."""
        ...


@dataclass
class AccountTokens:
    """Loads and saves token sets per account name (the callbacks of ``compose.Connection``).

    Args:
        accounts: account name -> config (for ``refresh_token_env``).
        api_url: API base URL; tokens are keyed by it.
        store: the local store (``publisher auth login``, and rotations without a key).
        writeback: the encrypted CI file, or None when ``PUBLISHER_TOKEN_KEY`` is unset.
        env: environment mapping (default ``os.environ``).
        warn: told when a refresh retired an env secret on this machine.
    """

    accounts: Mapping[str, HasRefreshTokenEnv]
    api_url: str
    store: TokenStore
    writeback: EncryptedTokenFile | None = None
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    warn: Callable[[str], None] = lambda message: None
    sources: dict[str, Source] = field(default_factory=dict)
    _origins: dict[str, str] = field(default_factory=dict)

    def has_credentials(self, name: str) -> bool:
        """Whether :meth:`load_set` finds tokens for the account, cheaply.

        The same order as :meth:`load_set`; the write-back is not decrypted, because it is
        only read when the account's secret is set, which alone answers yes.

        Raises:
            AuthError: the local store is unreadable.
        """
        return bool(self._secret(name)) or self.store.load(self.api_url, name) is not None

    def load_set(self, name: str) -> TokenSet | None:
        """Return the account's starting tokens, or None when it has none.

        Raises:
            AuthError: a token file cannot be read or decrypted.
        """
        secret = self._secret(name)
        if secret:
            written_back = self.writeback.load(self.api_url, name) if self.writeback else None
            kept = self.store.load_entry(self.api_url, name)
            chosen = choose_ci_tokens(secret, written_back, kept)
            self._origins[name] = chosen.origin
            self.sources[name] = (
                "writeback" if chosen is written_back else "kept" if chosen is kept else "env"
            )
            return chosen.tokens
        tokens = self.store.load(self.api_url, name)
        if tokens is not None:
            self.sources[name] = "store"
        return tokens

    def usable_set(self, name: str) -> TokenSet | None:
        """:meth:`load_set` for a command that may refresh the tokens it gets.

        Raises:
            AuthError: a token file cannot be read, or refreshing the account's secret here
                would retire it where it is still needed (see the module doc); nothing has
                been sent to TikTok.
        """
        tokens = self.load_set(name)
        if tokens is None or self.sources.get(name) != "env":
            return tokens
        variable = self.accounts[name].refresh_token_env
        if running_in_ci(self.env) and self.writeback is None:
            raise AuthError(
                f"account {name}: refreshing {variable} here would retire it for every later "
                f"run (TikTok rotates refresh tokens at each refresh) and the new one would "
                f"be lost with this CI machine: {KEY_ENV} is not set",
                hint=f"set {KEY_ENV} (a Fernet key) so the rotated token is written back "
                f"encrypted (on a git-branch state, to the state branch); {variable} is "
                f"still valid, nothing was refreshed",
            )
        if not running_in_ci(self.env) and self.store.minted_for_ci(
            self.api_url, name
        ) == seed_fingerprint(self._secret(name)):
            raise AuthError(
                f"account {name}: {variable} holds the refresh token minted for CI with "
                f"`publisher auth login --for-ci`; refreshing it on this machine would "
                f"retire it in CI",
                hint=f"unset {variable} here and run `publisher auth login --account {name}` "
                f"for local use",
            )
        return tokens

    def _secret(self, name: str) -> str:
        """The account's ``refresh_token_env`` value ("" when unset or unknown account)."""
        account = self.accounts.get(name)
        return self.env.get(account.refresh_token_env, "") if account is not None else ""

    def save_set(self, name: str, tokens: TokenSet) -> None:
        """Save a rotated set where the account's tokens came from (before it is used)."""
        origin = self._origins.get(name)
        if origin is not None and self.writeback is not None:
            self.writeback.save(self.api_url, name, StoredCiTokens(tokens, origin))
            return
        if origin is not None and self.sources.get(name) == "env":
            variable = self.accounts[name].refresh_token_env
            self.warn(
                f"account {name}: TikTok rotated the refresh token of {variable}, which no "
                f"longer works anywhere else; the new one is kept in {self.store.path} for "
                f"this machine (for CI, mint a token of its own with `publisher auth login "
                f"--account {name} --for-ci` and set {KEY_ENV})"
            )
        self.store.save(self.api_url, name, tokens, origin=origin or "")
        if origin is not None:
            self.sources[name] = "kept"

    # ``compose.Connection`` speaks JSON dicts.
    def load(self, name: str) -> dict[str, Any] | None:
        """Return :meth:`usable_set` as a storage dict (secrets included), or None.

        Raises:
            AuthError: as :meth:`usable_set`.
        """
        tokens = self.usable_set(name)
        return None if tokens is None else tokens.to_storage()

    def save(self, name: str, tokens: dict[str, Any]) -> None:
        """Save a storage dict (see :meth:`save_set`)."""
        self.save_set(name, TokenSet.model_validate(tokens))
