"""Where tokens live between runs (design §7).

- :class:`TokenStore`: the local JSON file of ``publisher auth login``, mode 0600 under the
  user's config dir, keyed by (API base URL, account), written atomically under a lock. It
  also keeps, without a key, the rotations of an env secret (tagged with the secret they
  descend from, as the write-back is), and the tag of each token minted for CI by
  ``publisher auth login --for-ci`` (never the token itself).
- :class:`EncryptedTokenFile`: the CI write-back. TikTok rotates the refresh token on every
  refresh, so the one in the account's ``refresh_token_env`` secret goes stale after the first
  run; the rotated one is kept Fernet-encrypted (key from ``PUBLISHER_TOKEN_KEY``) next to the
  state. :func:`choose_ci_tokens` picks between the secret and its kept descendants. A
  :data:`Mirror` (the state branch, in CI) gets each new content before
  :meth:`EncryptedTokenFile.save` returns.
- :func:`refresh_expiry_warnings`: what ``auth status`` and ``plan`` warn about.
- :class:`FernetBox`: Fernet with one key, for ``providers/sealing.py`` (this module is the
  one that imports cryptography).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gitops_publisher.errors import AuthError
from gitops_publisher.oslocks import wait_lock
from gitops_publisher.providers.tokens import TokenSet

STORE_ENV = "PUBLISHER_TOKEN_STORE"
KEY_ENV = "PUBLISHER_TOKEN_KEY"
WRITEBACK_FILE = ".publisher/tokens.enc"
"""The encrypted write-back, relative to the project (and to it on the state branch): one
file for the rotated tokens of every platform that rotates them (TikTok's)."""
FORMAT_VERSION = 1

Mirror = Callable[[Callable[[bytes | None], bytes]], None]
"""``mirror(merge)`` stores the write-back off this machine: ``merge(what_is_there)`` gives the
content to store over what the mirror holds (None: nothing yet); raises when it cannot."""


def default_store_path(env: Mapping[str, str] | None = None) -> Path:
    """Return ``$PUBLISHER_TOKEN_STORE``, else ``$XDG_CONFIG_HOME`` or ``~/.config`` based."""
    env = os.environ if env is None else env
    if env.get(STORE_ENV):
        return Path(env[STORE_ENV]).expanduser()
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "gitops-publisher" / "tokens.json"


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file, fsync, rename), mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        wait_lock(fd)
        yield
    finally:
        os.close(fd)


def _tokens(raw: Any, where: str) -> TokenSet:
    try:
        return TokenSet.model_validate(raw)
    except ValidationError:  # its message could quote a token: say only where
        raise AuthError(f"{where}: stored tokens are malformed") from None


class TokenStore:
    """The local token file.

    ``{"version": 1, "tokens": {api_url: {account: {...}}}, "for_ci": {api_url: {account:
    tag}}}``. An entry rotated from an env secret also holds ``origin``, that secret's
    :func:`seed_fingerprint` (older versions ignore the extra key).
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_store_path()

    def _read(self) -> dict[str, Any]:
        try:
            document = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {"version": FORMAT_VERSION, "tokens": {}}
        except ValueError:
            raise AuthError(f"{self.path}: not valid JSON; delete it and log in again") from None
        if not isinstance(document, dict) or not isinstance(document.get("tokens"), dict):
            raise AuthError(f"{self.path}: not a token store")
        return document

    def _write(self, document: dict[str, Any]) -> None:
        write_private(self.path, json.dumps(document, indent=2).encode())

    def load(self, api_url: str, account: str) -> TokenSet | None:
        """Return the account's tokens for this API host, or None.

        Raises:
            AuthError: the file is unreadable.
        """
        entry = self.load_entry(api_url, account)
        return None if entry is None else entry.tokens

    def load_entry(self, api_url: str, account: str) -> StoredCiTokens | None:
        """Return the account's tokens and the env secret they descend from ("" for a login).

        Raises:
            AuthError: the file is unreadable.
        """
        raw = self._read()["tokens"].get(api_url.rstrip("/"), {}).get(account)
        if raw is None:
            return None
        tokens = _tokens(raw, f"{self.path} [{account}]")
        origin = raw.get("origin") if isinstance(raw, dict) else None
        return StoredCiTokens(tokens=tokens, origin=origin if isinstance(origin, str) else "")

    def save(self, api_url: str, account: str, tokens: TokenSet, *, origin: str = "") -> None:
        """Store the account's tokens (atomic, 0600, locked against other processes).

        Args:
            api_url: the API host the tokens belong to.
            account: the account name.
            tokens: the set to keep.
            origin: :func:`seed_fingerprint` of the env secret the set was rotated from;
                empty for a login.
        """
        entry = tokens.to_storage()
        if origin:
            entry["origin"] = origin
        with _locked(self.path):
            document = self._read()
            document["tokens"].setdefault(api_url.rstrip("/"), {})[account] = entry
            self._write(document)

    def delete(self, api_url: str, account: str) -> bool:
        """Forget the account's tokens; return whether there were any."""
        with _locked(self.path):
            document = self._read()
            found = document["tokens"].get(api_url.rstrip("/"), {}).pop(account, None)
            if found is not None:
                self._write(document)
            return found is not None

    def mark_for_ci(self, api_url: str, account: str, origin: str) -> None:
        """Remember that the refresh token tagged ``origin`` was minted for CI, not for here."""
        with _locked(self.path):
            document = self._read()
            marks = document.get("for_ci")
            if not isinstance(marks, dict):
                marks = document["for_ci"] = {}
            marks.setdefault(api_url.rstrip("/"), {})[account] = origin
            self._write(document)

    def minted_for_ci(self, api_url: str, account: str) -> str:
        """Return the tag of the account's last token minted for CI ("" when none).

        Raises:
            AuthError: the file is unreadable.
        """
        marks = self._read().get("for_ci")
        mark = marks.get(api_url.rstrip("/"), {}).get(account) if isinstance(marks, dict) else None
        return mark if isinstance(mark, str) else ""


def seed_fingerprint(refresh_token: str) -> str:
    """Return a one-way tag of the refresh token a write-back chain started from."""
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class StoredCiTokens:
    """A kept rotation: the newest tokens, and the env secret the chain started from.

    ``origin`` is that secret's :func:`seed_fingerprint`; empty for a local login's tokens.
    """

    tokens: TokenSet
    origin: str


class EncryptedTokenFile:
    """Fernet-encrypted tokens for CI, keyed by (API base URL, account).

    Args:
        path: the file, usually next to the state (``.publisher/tokens.enc``).
        key: a Fernet key (``PUBLISHER_TOKEN_KEY``; make one with ``Fernet.generate_key()``).
        mirror: where each save is also pushed before it returns (the state branch in CI),
            because a CI machine's disk does not outlive a killed job.

    Raises:
        AuthError: (from the constructor) the key is not a Fernet key.
    """

    def __init__(self, path: Path, key: str | bytes, *, mirror: Mirror | None = None) -> None:
        from cryptography.fernet import Fernet

        self.path = path
        self.mirror = mirror
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise AuthError(f"{KEY_ENV} is not a valid Fernet key") from None

    def _read(self) -> dict[str, Any]:
        return self._decrypt(self._read_bytes())

    def _read_bytes(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def _decrypt(self, blob: bytes | None) -> dict[str, Any]:
        from cryptography.fernet import InvalidToken

        if blob is None:
            return {}
        try:
            document = json.loads(self._fernet.decrypt(blob))
        except (InvalidToken, ValueError):
            raise AuthError(
                f"{self.path}: cannot be decrypted", hint=f"is {KEY_ENV} the key that wrote it?"
            ) from None
        return document if isinstance(document, dict) else {}

    def load(self, api_url: str, account: str) -> StoredCiTokens | None:
        """Return the account's newest tokens and their origin tag, or None."""
        raw = self._read().get(api_url.rstrip("/"), {}).get(account)
        if not isinstance(raw, dict):
            return None
        tokens = _tokens(raw.get("tokens"), f"{self.path} [{account}]")
        return StoredCiTokens(tokens=tokens, origin=str(raw.get("origin", "")))

    def save(self, api_url: str, account: str, stored: StoredCiTokens) -> None:
        """Encrypt and write the account's entry (atomic, 0600, locked), then mirror it.

        The mirror gets this file's exact bytes when it still holds what this file held
        before; otherwise (another run wrote meanwhile) its content with this one entry set.

        Raises:
            AuthError: the file, or the mirror's copy, is not decryptable with this key.
            StateError: (from the mirror) the new content could not be stored there.
        """
        with _locked(self.path):
            before = self._read_bytes()
            after = self._with_entry(before, api_url, account, stored)
            write_private(self.path, after)
        if self.mirror is None:
            return

        def merge(current: bytes | None) -> bytes:
            if current == before:
                return after
            return self._with_entry(current, api_url, account, stored)

        self.mirror(merge)

    def _with_entry(
        self, blob: bytes | None, api_url: str, account: str, stored: StoredCiTokens
    ) -> bytes:
        document = self._decrypt(blob)
        document.setdefault(api_url.rstrip("/"), {})[account] = {
            "tokens": stored.tokens.to_storage(),
            "origin": stored.origin,
        }
        return self._fernet.encrypt(json.dumps(document).encode())


class FernetBox:
    """Fernet encryption with one key (what ``providers/sealing.py`` seals sessions with).

    Raises:
        ValueError: (from the constructor) ``key`` is not a Fernet key.
    """

    def __init__(self, key: bytes) -> None:
        from cryptography.fernet import Fernet

        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise ValueError("not a Fernet key") from None

    @staticmethod
    def new_key() -> bytes:
        """A fresh random key (URL-safe base64 of 32 bytes)."""
        from cryptography.fernet import Fernet

        return Fernet.generate_key()

    def encrypt(self, data: bytes) -> bytes:
        """``data`` encrypted and authenticated."""
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes | None:
        """What ``token`` holds, or None when this key did not make it (or it was altered)."""
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            return None


def choose_ci_tokens(env_refresh_token: str, *kept: StoredCiTokens | None) -> StoredCiTokens:
    """Return the tokens to start from when the account's secret is ``env_refresh_token``.

    A kept rotation (the write-back's entry, the local store's) wins while it descends from
    the current secret (its origin tag matches): the secret itself died at the first
    rotation. Of two such, the later rotation (its access token expires later) wins. A
    different secret means someone logged in again and updated it: start over from it.
    """
    origin = seed_fingerprint(env_refresh_token)
    descendants = [k for k in kept if k is not None and k.origin == origin]
    if descendants:
        return max(descendants, key=lambda k: k.tokens.access_expires_at)
    return StoredCiTokens(tokens=TokenSet.from_refresh_token(env_refresh_token), origin=origin)


@dataclass(frozen=True)
class ExpiryWarning:
    """A refresh token that expires soon (or already did)."""

    account: str
    expires_at: datetime
    days_left: float

    @property
    def message(self) -> str:
        """Return the warning as the CLI prints it."""
        when = self.expires_at.strftime("%Y-%m-%d %H:%M UTC")
        state = (
            f"expired on {when}"
            if self.days_left <= 0
            else f"expires in {self.days_left:.0f} day(s), on {when}"
        )
        return (
            f"account {self.account}: the TikTok refresh token {state}; "
            f"run `publisher auth login --account {self.account}`"
        )


def refresh_expiry_warnings(
    tokens: Mapping[str, TokenSet], now: datetime, days: int = 14
) -> list[ExpiryWarning]:
    """Return a warning per account whose refresh token expires within ``days``.

    Accounts whose refresh expiry is unknown (a bare env secret) give no warning.
    """
    warnings: list[ExpiryWarning] = []
    for account, token_set in sorted(tokens.items()):
        expires = token_set.refresh_expires_at
        if expires is None or expires - now > timedelta(days=days):
            continue
        left = (expires - now).total_seconds() / 86400
        warnings.append(ExpiryWarning(account=account, expires_at=expires, days_left=left))
    return warnings


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
