"""The keys that seal upload session URIs for the state (``core/handles.py``'s sealed form).

A YouTube upload session URI is a capability (reference §2.3: "treat the session URI as a
secret"), and the state is committed to git. :class:`SessionSealer` encrypts it (Fernet)
before it is recorded and decrypts it when a later run resumes the upload or asks its
outcome. Its key:

- with ``PUBLISHER_TOKEN_KEY`` set (CI's write-back key): a key derived from it for this
  purpose alone (HKDF-Expand, RFC 5869, with the token key as its pseudorandom key), so
  every run given the same secret opens what another sealed;
- otherwise a key file of this machine, ``session-seal.key`` beside the local token store
  (``PUBLISHER_TOKEN_STORE``'s directory, else ``$XDG_CONFIG_HOME/gitops-publisher``),
  mode 0600, made the first time a session is sealed. The embedded sandbox keeps its own
  beside its world (``.publisher/sandbox/``).

A run without the key that sealed a session cannot open it: the engine treats the session as
unknown to this run (``apply/resume.py``), and the message says which key it needs.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
from collections.abc import Mapping
from pathlib import Path

from gitops_publisher.core import handles
from gitops_publisher.errors import SealError
from gitops_publisher.providers.token_store import KEY_ENV, FernetBox, default_store_path

KEY_FILE = "session-seal.key"
_INFO = b"gitops-publisher: upload session seal v1"


def derived_key(token_key: str) -> bytes:
    """The sealing key of ``PUBLISHER_TOKEN_KEY`` (a Fernet key itself, never the same).

    HKDF-Expand (RFC 5869) of one SHA-256 block: the token key is already 32 random bytes,
    so it serves as the pseudorandom key; the info string binds the result to this use.

    Raises:
        SealError: ``token_key`` is not a Fernet key.
    """
    try:
        FernetBox(token_key.encode())
        raw = base64.urlsafe_b64decode(token_key.encode())
    except (ValueError, binascii.Error):
        raise SealError(f"{KEY_ENV} is not a valid Fernet key") from None
    block = hmac.new(raw, _INFO + b"\x01", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(block)


class SessionSealer:
    """Seals and opens session URIs (satisfies ``core.handles.Sealer``).

    Args:
        token_key: ``PUBLISHER_TOKEN_KEY`` ("" when unset).
        key_file: this machine's key file, used when ``token_key`` is unset (and to open
            what it sealed).

    Raises:
        SealError: (from the constructor) ``token_key`` is not a Fernet key.
    """

    def __init__(self, *, token_key: str, key_file: Path) -> None:
        self.key_file = key_file
        self._env = FernetBox(derived_key(token_key)) if token_key else None
        self._local: FernetBox | None = None
        self._sealed: dict[str, str] = {}  # URI -> its sealed text in this run

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str] | None = None, *, key_dir: Path | None = None
    ) -> SessionSealer:
        """The sealer of ``env`` (default: the process's): its key, else the key file.

        ``key_dir``: where the key file is (default: the local token store's directory).

        Raises:
            SealError: ``PUBLISHER_TOKEN_KEY`` is not a Fernet key.
        """
        env = os.environ if env is None else env
        directory = key_dir if key_dir is not None else default_store_path(env).parent
        return cls(token_key=env.get(KEY_ENV, ""), key_file=directory / KEY_FILE)

    def seal(self, handle: str) -> str:
        """``handle`` sealed, if it is a session URI (the same text for it all run long).

        Raises:
            SealError: the key file cannot be made.
        """
        if not handles.is_capability(handle):
            return handle
        found = self._sealed.get(handle)
        if found is not None:
            return found
        kind, box = "env", self._env
        if box is None:
            kind, box = "local", self._local_box(create=True)
        assert box is not None
        token = box.encrypt(handle.encode()).decode()
        sealed = self._sealed[handle] = handles.sealed_form(handle, kind, token)
        return sealed

    def unseal(self, handle: str) -> str:
        """The URI a sealed ``handle`` holds; another handle as it is.

        Raises:
            SealError: it was sealed with a key this run does not have (the message and
                hint say which), or it is closed (its post is recorded).
        """
        parts = handles.sealed_parts(handle)
        if parts is None:
            if handles.is_closed(handle):
                raise SealError("its upload session is closed (its post was recorded)")
            return handle
        kind, sha, token = parts
        box = self._env if kind == "env" else self._local_box(create=False)
        plain = box.decrypt(token.encode()) if box is not None else None
        if plain is None or hashlib.sha256(plain).hexdigest() != sha:
            raise self._cannot(kind, box is not None)
        uri = plain.decode()
        self._sealed.setdefault(uri, handle)  # rewritten records keep their bytes
        return uri

    def _cannot(self, kind: str, had_key: bool) -> SealError:
        if kind == "env":
            what = (
                f"with another {KEY_ENV} than this run's"
                if had_key
                else f"with {KEY_ENV}, which is not set here"
            )
            return SealError(
                f"its upload session was sealed {what}",
                hint=f"set {KEY_ENV} to the key of the run that started it",
            )
        what = (
            f"with another machine's key file than this one's ({self.key_file})"
            if had_key
            else f"with the key file of the machine that started it; there is none here "
            f"({self.key_file})"
        )
        return SealError(
            f"its upload session was sealed {what}",
            hint=f"run `publisher apply` on the machine that started it; set {KEY_ENV} "
            "(the same on every machine and in CI) so that any run can resume another's",
        )

    def _local_box(self, *, create: bool) -> FernetBox | None:
        """This machine's key (made first when ``create``); None when there is none."""
        if self._local is None:
            key = _read_key(self.key_file)
            if key is None and create:
                key = _create_key(self.key_file)
            if key is None:
                return None
            try:
                self._local = FernetBox(key)
            except ValueError:
                raise SealError(
                    f"{self.key_file}: not a key file",
                    hint="it seals upload sessions of the state; restore it from a backup, or "
                    "delete it (unfinished uploads it sealed then start again)",
                ) from None
        return self._local


def _read_key(path: Path) -> bytes | None:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SealError(f"cannot read the key file {path}: {exc.strerror}") from None


def _create_key(path: Path) -> bytes:
    """Write a new key to ``path`` (0600) unless another process just did; return the key.

    The key is written to a temporary file and linked into place, which fails when the file
    exists: two runs making it at once agree on one key, never overwrite each other's.

    Raises:
        SealError: the directory or the file cannot be written.
    """
    key = FernetBox.new_key()
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)
        except FileExistsError:
            found = _read_key(path)
            assert found is not None
            return found
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        raise SealError(
            f"cannot write the key file {path}: {exc.strerror}",
            hint=f"set {KEY_ENV} (a Fernet key) or PUBLISHER_TOKEN_STORE to a writable place",
        ) from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    return key
