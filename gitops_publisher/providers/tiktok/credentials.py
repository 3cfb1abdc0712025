"""Which tokens an account starts from, and where a rotated set is saved (design §7).

Order, per account:

1. the account's ``refresh_token_env`` variable when set (CI). If a write-back file is
   configured (``PUBLISHER_TOKEN_KEY``) and holds a newer set descending from that same
   secret, the newer set wins (see :func:`token_store.choose_ci_tokens`);
2. otherwise the local store filled by ``publisher auth login``.

A rotated set is saved where it came from: the encrypted write-back file for env-seeded
accounts (or, without a key, the local store, with a warning: the next CI run would start
from a refresh token that TikTok has already retired), the local store otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from gitops_publisher.providers.tiktok.token_store import (
    KEY_ENV,
    EncryptedTokenFile,
    StoredCiTokens,
    TokenStore,
    choose_ci_tokens,
)
from gitops_publisher.providers.tiktok.tokens import TokenSet

Source = Literal["env", "writeback", "store"]

WRITEBACK_FILE = ".publisher/tokens.enc"
"""The encrypted write-back, relative to the project (and to it on the state branch)."""


class HasRefreshTokenEnv(Protocol):
    """The part of an account's config used here (``core.models.AccountConfig``)."""

    @property
    def refresh_token_env(self) -> str:
        """Name of the variable holding the refresh token."""
        ...


@dataclass
class AccountTokens:
    """Loads and saves token sets per account name; matches the apply runtime's callbacks.

    Args:
        accounts: account name -> config (for ``refresh_token_env``).
        api_url: API base URL; tokens are keyed by it.
        store: the local store (``publisher auth login``).
        writeback: the encrypted CI file, or None when ``PUBLISHER_TOKEN_KEY`` is unset.
        env: environment mapping (default ``os.environ``).
        warn: told about a rotated token that could not be written back durably.
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
            stored = self.writeback.load(self.api_url, name) if self.writeback else None
            chosen = choose_ci_tokens(secret, stored)
            self._origins[name] = chosen.origin
            self.sources[name] = "writeback" if chosen is stored else "env"
            return chosen.tokens
        tokens = self.store.load(self.api_url, name)
        if tokens is not None:
            self.sources[name] = "store"
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
        if origin is not None:
            self.warn(
                f"account {name}: TikTok rotated the refresh token; without {KEY_ENV} it is only "
                f"kept in {self.store.path}, so update the secret or set {KEY_ENV} for CI"
            )
        self.store.save(self.api_url, name, tokens)

    # The apply runtime's ``Connection`` speaks JSON dicts.
    def load(self, name: str) -> dict[str, Any] | None:
        """Return :meth:`load_set` as a storage dict (secrets included), or None."""
        tokens = self.load_set(name)
        return None if tokens is None else tokens.to_storage()

    def save(self, name: str, tokens: dict[str, Any]) -> None:
        """Save a storage dict (see :meth:`save_set`)."""
        self.save_set(name, TokenSet.model_validate(tokens))


def writeback_from_env(
    path: Path, env: Mapping[str, str] | None = None
) -> EncryptedTokenFile | None:
    """Return the encrypted write-back file at ``path`` when ``PUBLISHER_TOKEN_KEY`` is set.

    Raises:
        AuthError: the key is not a Fernet key.
    """
    env = os.environ if env is None else env
    key = env.get(KEY_ENV, "")
    return EncryptedTokenFile(path, key) if key else None
