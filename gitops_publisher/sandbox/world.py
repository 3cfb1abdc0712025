"""The sandbox world on disk: load, seed, save atomically, and manage accounts.

A world lives in a directory (``.publisher/sandbox/`` under a project for ``--sandbox``)::

    world.json      app, accounts, hashed tokens, posts and pending uploads; under "youtube":
                    the Google client, channels, their hashed tokens, upload sessions, quota
    time            the latest sandbox time an answer was given at (see ``keep_time``)
    uploads/        partial upload bodies (``<upload_id>.part``)
    media/          assembled videos, only with ``SandboxOptions.keep_media``

A restarted server loads the same world, so a second ``publisher apply --sandbox`` meets the
posts of the first. A world file (JSON or YAML, format in docs/sandbox.md) seeds a new world
and adds its missing accounts to an existing one.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import tempfile
import threading
import weakref
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar, Token
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin

import pydantic_core
from pydantic import BaseModel, ValidationError

from gitops_publisher.sandbox.clock import Clock, ManualClock, RealClock, ScaledClock
from gitops_publisher.sandbox.models import (
    ASSIGNED,
    Account,
    ClientApp,
    PostRecord,
    WorldData,
    WorldRecord,
)
from gitops_publisher.sandbox.options import SandboxOptions
from gitops_publisher.sandbox.tokens import new_refresh_token, register_refresh_token
from gitops_publisher.sandbox.youtube import grants
from gitops_publisher.sandbox.youtube.models import Channel, GoogleClient, UploadSession

WORLD_FILE = "world.json"
TIME_FILE = "time"
_DEFAULT_REFRESH_TTL = 15_552_000


class WorldFileError(ValueError):
    """A world file could not be read or does not match the documented format."""


def default_accounts() -> list[Account]:
    """Accounts of a world created without a file: one public, one private creator."""
    return [
        Account(username="sandbox.creator", nickname="Sandbox Creator"),
        Account(username="sandbox.private", nickname="Sandbox Private", is_private=True),
    ]


def default_channels() -> list[Channel]:
    """YouTube channels of a world created without a file (or without ``youtube.channels``)."""
    return [Channel(handle="@sandbox.channel", title="Sandbox Channel")]


def read_world_file(path: Path) -> dict[str, Any]:
    """Parse a world file (``.json``, or YAML for anything else) into a plain mapping.

    Raises:
        WorldFileError: unreadable file, bad syntax, or a top level that is not a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorldFileError(f"{path}: cannot read the file: {exc.strerror}") from exc
    try:
        if path.suffix.lower() == ".json":
            raw = json.loads(text)
        else:
            from ruamel.yaml import YAML

            raw = YAML(typ="safe").load(text)
    except Exception as exc:  # noqa: BLE001 - any parser error is a bad world file
        raise WorldFileError(f"{path}: not valid JSON/YAML: {exc}") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise WorldFileError(f"{path}: the top level must be a mapping")
    return raw


def _described(exc: ValidationError) -> str:
    """A world file's invalid entry, its fields named and never its values (tokens)."""
    from gitops_publisher.sandbox.envelope import describe_validation

    return describe_validation(exc)


def read_kept_time(directory: Path) -> float:
    """The time :meth:`SandboxWorld.keep_time` recorded in ``directory`` (0 without a record)."""
    try:
        return float((directory / TIME_FILE).read_bytes())
    except (OSError, ValueError):
        return 0.0


def resume_time(directory: Path) -> float:
    """The sandbox time the world in ``directory`` goes on from (0: no world, or no time yet).

    The ``time`` file's record; :meth:`SandboxWorld.load_or_create` then moves a scaled or
    manual clock on to ``world.json``'s ``last_time`` if that is later. A ``time`` file left
    beside no ``world.json`` is a deleted world's, which a new world does not inherit.
    """
    if not (directory / WORLD_FILE).exists():
        return 0.0
    return read_kept_time(directory)


def read_options_file(path: Path) -> SandboxOptions:
    """Read :class:`SandboxOptions` from a JSON/YAML file (``serve --options``).

    Raises:
        WorldFileError: unreadable file, bad syntax, or options that do not validate (the
            message names the fields, never their values).
    """
    from gitops_publisher.sandbox.envelope import describe_validation

    try:
        return SandboxOptions.model_validate(read_world_file(path))
    except ValidationError as exc:
        raise WorldFileError(f"{path}: {describe_validation(exc)}") from exc


class SaveBatch:
    """Group commit of the saves a sandbox app makes while it answers requests.

    Inside a request (between :meth:`begin` and :meth:`end`, which the app calls), a route's
    ``world.save()`` only marks the world changed; the app awaits :meth:`settle` before the
    first byte of an answer leaves and again when the request ends (answered, failed or
    dropped by an injected fault), so no client ever sees an answer whose change is not on
    disk: the promise ``save()`` kept when it wrote at once. Changes of requests that arrive
    while a write is in flight share the next write, and the write (with its fsync) runs in a
    worker thread, so the event loop serves other requests meanwhile. Writing the whole world
    once per change took 64 % of the emulator's request time with 20 accounts publishing at
    once (``bench/apply_accounts.py``).

    The writes are :class:`concurrent.futures.Future` objects, awaitable from any event loop
    (the in-process sandbox may serve from more than one, see ``sandbox/digest.py``). Every
    request of a loop waiting for the same write awaits one asyncio future of it: wrapping the
    write once per waiter woke the loop from the writer thread once per waiter (14 % of the
    emulator's request time with 20 accounts publishing at once).
    """

    def __init__(self, world: SandboxWorld) -> None:
        """Batch the saves of ``world``."""
        self.world = world
        self._lock = threading.Lock()
        self._marked = 0  # changes made so far
        self._written = 0  # changes that are on disk
        self._durable = False  # whether a change since the last write asked for fsync
        self._writing: Future[None] | None = None
        # The write in flight as an asyncio future, per event loop waiting for it.
        self._waited: dict[asyncio.AbstractEventLoop, asyncio.Future[None]] = {}
        self._writer: ThreadPoolExecutor | None = None

    def begin(self) -> Token[SaveBatch | None]:
        """Enter a request: ``save()`` of this world marks instead of writing."""
        return _BATCH.set(self)

    def end(self, token: Token[SaveBatch | None]) -> None:
        """Leave the request entered with ``token``."""
        _BATCH.reset(token)

    def mark(self, durable: bool) -> None:
        """Record a change (``durable``: it must be fsynced, see :meth:`SandboxWorld.save`)."""
        with self._lock:
            self._marked += 1
            self._durable = self._durable or durable

    async def save(self, durable: bool = True) -> None:
        """Mark a change and return once it is on disk."""
        self.mark(durable)
        await self.settle()

    async def settle(self) -> None:
        """Return once every change marked so far is written (and fsynced where asked).

        Raises:
            OSError: the world could not be written (the change stays marked: the next
                settle tries again).
        """
        target = self._marked
        while self._written < target:
            # Shielded: a cancelled request must not cancel the others' wait for the write.
            await asyncio.shield(self._write_next())

    def _write_next(self) -> asyncio.Future[None]:
        """The write in flight, or a new one of every change marked so far, in this loop."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._writing is None:
                target, durable = self._marked, self._durable
                self._durable = False
                number, payload = self.world.snapshot()  # in the loop's thread: consistent
                if self._writer is None:
                    self._writer = ThreadPoolExecutor(1, thread_name_prefix="sandbox-save")
                self._writing = self._writer.submit(self._write, target, number, payload, durable)
                self._waited = {}
            waited = self._waited.get(loop)
            if waited is None:
                waited = self._waited[loop] = asyncio.wrap_future(self._writing, loop=loop)
            return waited

    def _write(self, target: int, number: int, payload: list[bytes], durable: bool) -> None:
        try:
            self.world.write(number, payload, durable)
        except BaseException:
            with self._lock:
                self._durable = self._durable or durable
                self._writing = None
            raise
        with self._lock:
            self._written = max(self._written, target)
            self._writing = None


_BATCH: ContextVar[SaveBatch | None] = ContextVar("sandbox_save_batch", default=None)
#: The most pieces one ``os.writev`` call takes (POSIX guarantees at least 16).
_IOV_MAX = max(16, os.sysconf("SC_IOV_MAX")) if hasattr(os, "sysconf") else 16
_PWRITE = getattr(os, "pwrite", None)  # not on Windows

_SCALARS = (str, int, float, bool, NoneType)
#: The fields of ``world.json`` whose records are cached by :class:`WorldJson`, in order.
_CACHED = ("tokens", "posts")


def _scalar(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Literal:
        return all(isinstance(arg, _SCALARS) for arg in get_args(annotation))
    if origin in (Union, UnionType):
        return all(_scalar(arg) for arg in get_args(annotation))
    return annotation in _SCALARS


def cacheable(model: type[BaseModel]) -> bool:
    """Whether :class:`WorldJson` may keep a record of this class serialised between saves.

    Only a :class:`WorldRecord` (each assignment marks it changed) whose every field is a
    scalar (str, int, float, bool, None, a Literal or a union of them) or a tuple of
    scalars: a list, dict or nested model could change in place, unmarked.
    """
    if not issubclass(model, WorldRecord):
        return False
    for field in model.model_fields.values():
        annotation = field.annotation
        args = get_args(annotation)
        if get_origin(annotation) is tuple and len(args) == 2 and args[1] is Ellipsis:
            if not _scalar(args[0]):
                return False
        elif not _scalar(annotation):
            return False
    return True


class WorldJson:
    """``world.json`` bytes, re-serialising only the tokens and posts changed since last time.

    The bytes are exactly ``WorldData.model_dump_json(indent=1)``: the world without its
    token and post records, with the records' own JSON spliced in at their place. A record's
    JSON is reused while the same object sits under the same key and no field of it was
    assigned since (:data:`ASSIGNED`; so ``5`` replacing ``5.0`` or ``True`` replacing ``1``
    is a change). Dumping the whole world on every batch of saves cost about 1 ms per 100
    posts of the world, each batch: the sandbox's largest cost per request with 20 accounts
    publishing at once (bench/README.md, "Many accounts"); comparing each record's values
    instead still cost about 4 µs a record.

    :meth:`pieces` hands the bytes over in pieces, each record's JSON a piece of its own, and
    the writer writes them one after another: joining them into one buffer of the world's size
    (136 KB with 100 posts) cost more than all the rest, because an allocation that large
    comes fresh from the kernel each time (glibc maps it: 80 page faults, 0.25 ms of system
    time a save on the bench machine).
    """

    def __init__(self) -> None:
        """Start with nothing cached."""
        self._cache: dict[str, dict[str, tuple[BaseModel | None, bytes]]] = {
            name: {} for name in _CACHED
        }
        self._cacheable: dict[type[BaseModel], bool] = {}

    def dump(self, data: WorldData) -> bytes:
        """Return ``data.model_dump_json(indent=1).encode()``."""
        return b"".join(self.pieces(data))

    def pieces(self, data: WorldData) -> list[bytes]:
        """Return the bytes of :meth:`dump` in pieces, in order."""
        rest = data.model_dump_json(indent=1, exclude=set(_CACHED)).encode()
        at = rest.index(b'\n "youtube": ')  # the field after the cached ones (a test checks)
        pieces = [rest[:at]]
        for name in _CACHED:
            pieces.append(b'\n "%s": ' % name.encode())
            self._records(name, getattr(data, name), pieces)
            pieces.append(b",")
        pieces.append(rest[at:])
        return pieces

    def _records(self, name: str, records: Mapping[str, BaseModel], pieces: list[bytes]) -> None:
        """Append the JSON of one cached dict, at its depth in the world (2 spaces an entry)."""
        if not records:
            self._cache[name] = {}
            pieces.append(b"{}")
            return
        held_for = self._cache[name].get
        assigned = ASSIGNED
        fresh: dict[str, tuple[BaseModel | None, bytes]] = {}
        separator = b"{\n"
        for key, record in records.items():
            pieces.append(separator)
            separator = b",\n"
            held = held_for(key)
            if held is not None and held[0] is record and id(record) not in assigned:
                fresh[key] = held
                pieces.append(held[1])
                continue
            # Unmarked before it is read: an assignment from now on is seen next time.
            assigned.discard(id(record))
            entry = b"  %s: %s" % (
                pydantic_core.to_json(key),
                record.model_dump_json(indent=1).encode().replace(b"\n", b"\n  "),
            )
            kind = type(record)
            if kind not in self._cacheable:
                self._cacheable[kind] = cacheable(kind)
            fresh[key] = (record if self._cacheable[kind] else None, entry)
            pieces.append(entry)
        pieces.append(b"\n }")
        self._cache[name] = fresh


def write_pieces(fd: int, pieces: list[bytes]) -> None:
    """Write ``pieces`` in order to the file descriptor ``fd``, in as few system calls as can be.

    ``os.writev`` takes up to ``IOV_MAX`` pieces a call (a partial write goes on from where
    it stopped). Where the OS has no ``writev`` (Windows) the pieces are joined and written
    at once. Writing them one by one through a buffered file cost a system call per 8 KiB,
    0.2 ms more a save than one call with 100 posts in the world.

    Raises:
        OSError: the write failed (disk full...).
    """
    writev = getattr(os, "writev", None)
    if writev is None:
        data = memoryview(b"".join(pieces))
        while data:
            data = data[os.write(fd, data) :]
        return
    pending = list(pieces)
    at = 0
    while at < len(pending):
        batch = pending[at : at + _IOV_MAX]
        written = writev(fd, batch)
        for piece in batch:
            if written < len(piece):
                pending[at] = piece[written:]
                break
            written -= len(piece)
            at += 1


class SandboxWorld:
    """The mutable world of one sandbox directory."""

    def __init__(self, directory: Path, data: WorldData, clock: Clock | None = None) -> None:
        """Wrap ``data`` stored in ``directory`` (use :meth:`load_or_create`)."""
        self.directory = directory
        self.data = data
        self.clock: Clock = clock or RealClock()
        self._write_lock = threading.Lock()
        self._snapshots = 0  # snapshots taken, numbering them
        self._on_disk = 0  # number of the snapshot world.json holds
        self._json = WorldJson()
        self.batch = SaveBatch(self)
        self._time_lock = threading.Lock()
        self._time_kept = 0.0  # the time the time file holds (as far as this process wrote)
        self._time_fd: int | None = None

    # ------------------------------------------------------------------ loading / saving
    @classmethod
    def load_or_create(
        cls, directory: Path, seed_file: Path | None = None, clock: Clock | None = None
    ) -> SandboxWorld:
        """Load the world in ``directory``, creating it (from ``seed_file`` or defaults).

        With a ``seed_file`` and an existing world, the file's accounts missing from the world
        are added; existing accounts, tokens and posts are kept.

        Raises:
            WorldFileError: the seed file or ``world.json`` is unreadable or invalid.
        """
        directory = Path(directory)
        path = directory / WORLD_FILE
        seed = read_world_file(seed_file) if seed_file is not None else None
        world: SandboxWorld
        if path.exists():
            try:
                data = WorldData.model_validate_json(path.read_bytes())
            except ValidationError as exc:  # fields named, never their values (its app secret)
                raise WorldFileError(f"{path}: corrupt sandbox world: {_described(exc)}") from exc
            except OSError as exc:
                raise WorldFileError(f"{path}: corrupt sandbox world: {exc}") from exc
            world = cls(directory, data, clock)
            if isinstance(world.clock, ScaledClock | ManualClock):  # never back in time
                world.clock.advance_to(max(data.last_time, read_kept_time(directory)))
            if seed is not None:
                for account in _seed_accounts(seed, seed_file):
                    if world.find_account(username=account.username) is None:
                        world.add_account(account)
                for channel in _seed_channels(seed, seed_file):
                    if world.find_channel(channel.handle) is None:
                        world.add_channel(channel)
        else:
            (directory / TIME_FILE).unlink(missing_ok=True)  # a deleted world's time
            client = ClientApp()
            google = GoogleClient()
            accounts = default_accounts()
            channels = default_channels()
            if seed is not None:
                try:
                    client = ClientApp.model_validate(seed.get("client") or {})
                    google = GoogleClient.model_validate(_youtube_seed(seed).get("client") or {})
                except ValidationError as exc:
                    raise WorldFileError(f"{seed_file}: client: {_described(exc)}") from exc
                accounts = _seed_accounts(seed, seed_file) or accounts
                channels = _seed_channels(seed, seed_file) or channels
            world = cls(directory, WorldData(client=client), clock)
            world.data.youtube.client = google
            for account in accounts:
                world.add_account(account)
            for channel in channels:
                world.add_channel(channel)
        world.save()
        return world

    def save(self, durable: bool = True) -> None:
        """Write ``world.json`` atomically (temp file, fsync, rename).

        ``durable=False`` skips the fsync (still atomic for a restarted process): the upload
        route uses it after each chunk, because fsync there would also force the ingested
        chunk data to disk (ext4 ordered mode) and cap ingest at the disk's speed. Inside a
        request of the app the write is batched (:class:`SaveBatch`).
        """
        batch = _BATCH.get()
        if batch is not None and batch.world is self:
            batch.mark(durable)
            return
        self.write(*self.snapshot(), durable)

    def snapshot(self) -> tuple[int, list[bytes]]:
        """Return the world as ``world.json``'s bytes in pieces, numbered for :meth:`write`."""
        self.data.last_time = max(self.data.last_time, self.clock.now())
        self._snapshots += 1
        return self._snapshots, self._json.pieces(self.data)

    def write(self, number: int, payload: list[bytes], durable: bool) -> None:
        """Put snapshot ``number`` (its bytes in pieces) on disk, unless a later one is there."""
        with self._write_lock:
            path = self.directory / WORLD_FILE
            if number < self._on_disk:  # a later snapshot won the race to the disk
                if durable:
                    with path.open("rb") as handle:
                        os.fsync(handle.fileno())
                return
            try:
                fd, tmp = tempfile.mkstemp(prefix=".world.", dir=self.directory)
            except FileNotFoundError:
                self.directory.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=".world.", dir=self.directory)
            try:
                try:
                    write_pieces(fd, payload)
                    if durable:
                        os.fsync(fd)
                finally:
                    os.close(fd)
                Path(tmp).replace(path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self._on_disk = number

    def keep_time(self) -> None:
        """Record that the sandbox has answered at ``clock.now()``; call before an answer leaves.

        A restarted world's scaled clock starts from the latest time it recorded, so no client
        sees time go back: a post it saw published does not read "processing" again, a token
        or upload session it saw expire does not come back, a creator it saw free of the daily
        cap is not capped again. ``world.json``'s ``last_time`` is written only with a change,
        and reads change nothing (TikTok's status fetch, creator_info, a refused token...).

        Every answer records its time, whatever it depended on: which answers depend on time
        having passed a moment is most of them (processing, moderation, publishAt, expiry of
        tokens, upload URLs and sessions, the 24-hour caps), and a rule added later would
        have to remember to say so. The record is cheap instead: one ``pwrite`` of a fixed
        width number into the small ``time`` file, about 1 µs, where a save of the world
        (``save(durable=False)``) cost about 300 µs with 100 posts (2026-12-05). Not fsynced,
        like the upload's saves (``durable=False``): a restarted process reads it; a crash of
        the machine may lose it, and a torn or empty file reads as no record.

        Raises:
            OSError: the time file cannot be written (the answer must not leave).
        """
        with self._time_lock:  # the time read and written in order, across threads
            now = self.clock.now()
            if now <= self._time_kept:
                return
            fd = self._time_fd
            if fd is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0)
                fd = self._time_fd = os.open(self.directory / TIME_FILE, flags, 0o644)
                weakref.finalize(self, os.close, fd)
            # Fixed width, never part of a longer one left; 17 significant digits read back
            # the very float (a manual clock resumes exactly where it was advanced to).
            record = b"%24.17g\n" % now
            if _PWRITE is not None:
                _PWRITE(fd, record, 0)
            else:  # Windows
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, record)
            self._time_kept = now

    @property
    def uploads_dir(self) -> Path:
        """Directory of partial upload bodies."""
        return self.directory / "uploads"

    @property
    def media_dir(self) -> Path:
        """Directory of kept assembled videos."""
        return self.directory / "media"

    # ------------------------------------------------------------------ accounts
    def find_account(
        self, username: str | None = None, open_id: str | None = None
    ) -> Account | None:
        """Return the account with this username or open_id, if any."""
        for account in self.data.accounts:
            if username is not None and account.username == username:
                return account
            if open_id is not None and account.open_id == open_id:
                return account
        return None

    def add_account(self, account: Account, refresh_ttl: int = _DEFAULT_REFRESH_TTL) -> str:
        """Add ``account`` and return a valid refresh token for it (not saved: call save).

        A refresh token given in the account (world file) is registered; otherwise one is
        minted. Only its hash is kept.

        Raises:
            ValueError: an account with this username or open_id exists.
        """
        account = account.model_copy(deep=True)
        if not account.open_id:
            account.open_id = "sbx-" + secrets.token_hex(16)
        if not account.nickname:
            account.nickname = account.username
        if self.find_account(username=account.username) is not None:
            raise ValueError(f"account {account.username!r} already exists")
        if self.find_account(open_id=account.open_id) is not None:
            raise ValueError(f"open_id {account.open_id!r} already exists")
        token = account.refresh_token or new_refresh_token()
        account.refresh_token = None
        self.data.accounts.append(account)
        register_refresh_token(
            self.data, token, account.open_id, account.scopes, self.clock.now(), refresh_ttl
        )
        return token

    def ensure_account(
        self,
        username: str,
        refresh_ttl: int = _DEFAULT_REFRESH_TTL,
        open_id: str | None = None,
    ) -> str:
        """Make sure ``username`` exists and return a refresh token valid now; saves.

        A new user gets ``open_id`` when given and no other user has it (a project's account
        that names its open_id), else a generated one. Each call mints a new refresh token
        (as if the user logged in again), so a caller never depends on a token another run
        may have rotated away.
        """
        account = self.find_account(username=username)
        if account is None:
            if open_id and self.find_account(open_id=open_id) is not None:
                open_id = None  # another user's: the client's identity check says so
            token = self.add_account(Account(username=username, open_id=open_id or ""), refresh_ttl)
        else:
            token = new_refresh_token()
            register_refresh_token(
                self.data, token, account.open_id, account.scopes, self.clock.now(), refresh_ttl
            )
        self.save()
        return token

    # ------------------------------------------------------------------ YouTube channels
    def find_channel(
        self, handle: str | None = None, channel_id: str | None = None
    ) -> Channel | None:
        """Return the YouTube channel with this ``@handle`` or id, if any."""
        return grants.find_channel(self.data.youtube, handle, channel_id)

    def add_channel(self, channel: Channel, testing_mode: bool = False) -> str:
        """Add a YouTube ``channel``; return a valid refresh token for it (not saved).

        With ``testing_mode`` the token expires 7 days from now (the consent screen's
        "Testing" status, reference §1.4).

        Raises:
            ValueError: a channel with this handle or id exists.
        """
        now = self.clock.now()
        expires_at = grants.refresh_expiry(channel.scopes, now, testing_mode, 7 * 86_400)
        return grants.add_channel(self.data.youtube, channel, now, expires_at)

    def ensure_channel(
        self, handle: str, testing_mode: bool = False, channel_id: str | None = None
    ) -> str:
        """Make sure the channel ``@handle`` exists; return a refresh token valid now; saves.

        A new channel gets ``channel_id`` when given and no other channel has it (a
        project's account that names its channel id), else a generated one. Each call
        registers a new refresh token (a fresh consent), so a caller never depends on a
        token revoked or expired since.
        """
        handle = handle if handle.startswith("@") else "@" + handle
        channel = self.find_channel(handle)
        if channel is None:
            if channel_id and self.find_channel(channel_id=channel_id) is not None:
                channel_id = None  # another channel's: the client's identity check says so
            token = self.add_channel(Channel(handle=handle, id=channel_id or ""), testing_mode)
        else:
            token = grants.new_refresh_value()
            now = self.clock.now()
            grants.register_refresh(
                self.data.youtube,
                token,
                channel.id,
                channel.scopes,
                now,
                grants.refresh_expiry(channel.scopes, now, testing_mode, 7 * 86_400),
            )
        self.save()
        return token

    def uploads(self) -> Iterator[PostRecord | UploadSession]:
        """Every upload of the world: TikTok posts and YouTube sessions."""
        yield from self.data.posts.values()
        yield from self.data.youtube.sessions.values()

    def public_view(self) -> dict[str, Any]:
        """Return the world without secrets (for ``GET /_sandbox/world``)."""
        client = self.data.client.model_dump(exclude={"client_secret"})
        accounts = []
        for account in self.data.accounts:
            item = account.model_dump(exclude={"refresh_token"})
            item["privacy_level_options"] = account.privacy_level_options()
            accounts.append(item)
        youtube = {
            "client": self.data.youtube.client.model_dump(exclude={"client_secret"}),
            "channels": [
                channel.model_dump(exclude={"refresh_token"})
                for channel in self.data.youtube.channels
            ],
        }
        return {
            "directory": str(self.directory),
            "client": client,
            "accounts": accounts,
            "youtube": youtube,
        }


def _seed_accounts(seed: dict[str, Any], source: Path | None) -> list[Account]:
    raw = seed.get("accounts") or []
    if not isinstance(raw, list):
        raise WorldFileError(f"{source}: accounts must be a list")
    accounts = []
    for index, item in enumerate(raw):
        try:
            accounts.append(Account.model_validate(item))
        except ValidationError as exc:
            raise WorldFileError(f"{source}: accounts[{index}]: {_described(exc)}") from exc
    return accounts


def _youtube_seed(seed: dict[str, Any]) -> dict[str, Any]:
    raw = seed.get("youtube") or {}
    return raw if isinstance(raw, dict) else {}


def _seed_channels(seed: dict[str, Any], source: Path | None) -> list[Channel]:
    if "youtube" in seed and not isinstance(seed["youtube"], dict | None):
        raise WorldFileError(f"{source}: youtube must be a mapping")
    unknown = sorted(set(_youtube_seed(seed)) - {"client", "channels"})
    if unknown:
        raise WorldFileError(f"{source}: youtube: unknown keys {unknown}")
    raw = _youtube_seed(seed).get("channels") or []
    if not isinstance(raw, list):
        raise WorldFileError(f"{source}: youtube.channels must be a list")
    channels = []
    for index, item in enumerate(raw):
        try:
            channels.append(Channel.model_validate(item))
        except ValidationError as exc:
            raise WorldFileError(f"{source}: youtube.channels[{index}]: {_described(exc)}") from exc
    return channels
