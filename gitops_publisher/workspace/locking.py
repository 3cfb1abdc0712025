"""The state lock: a lock file held for a whole apply (or state edit).

Two mechanisms, because each covers what the other cannot:

* The lock file ``<state>.lock`` is created with ``O_CREAT | O_EXCL`` and holds JSON
  ``{pid, host, purpose, since}``. Its existence is the lock, visible to anyone sharing the
  directory, and its content lets the refusal say who holds it and since when.
* An OS lock on the open file (``flock`` on POSIX, ``msvcrt.locking`` on Windows, through
  :mod:`gitops_publisher.oslocks`), held until release. The kernel drops it when the holder
  dies, so on one host a held flock proves the holder is alive, and two runs that both find a
  stale lock cannot both take it over: the takeover happens under the flock, on the same inode.

A lock left by a dead process on this host (its pid no longer exists) is taken over with a
notice, and so is an empty lock file nobody holds (a run killed between creating it and
writing its info). A lock from another host cannot be checked from here; the message says
how to break it.

**What holding it proves** (:func:`lock_id`). Within one running kernel and one directory, the
exclusive create and the takeover under the OS lock let one run at a time hold a lock path,
and the lock is held until that run's apply has ended (its uploads stopped with it). So a
run that holds the lock, and finds a record stamped with the same :func:`lock_id`, knows the
run that stamped it has ended. Nothing is proven about a record stamped elsewhere: another
clone or directory, another machine (even one sharing the directory over the network: the id
names the running kernel), or this machine before a reboot.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gitops_publisher.errors import StateError, StateLockedError
from gitops_publisher.oslocks import try_lock

Clock = Callable[[], datetime]
Notify = Callable[[str], None]

_ATTEMPTS = 5  # create / take-over races lost in a row before giving up


@dataclass(frozen=True)
class LockInfo:
    """Who holds a lock: written into the lock file, quoted when another run is refused."""

    pid: int
    host: str
    purpose: str
    since: datetime

    def to_bytes(self) -> bytes:
        """Serialise as the lock file's JSON content."""
        payload = {
            "pid": self.pid,
            "host": self.host,
            "purpose": self.purpose,
            "since": self.since.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        }
        return (json.dumps(payload, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> LockInfo | None:
        """Parse a lock file's content; None when it is empty or not ours (being written)."""
        try:
            raw = json.loads(data.decode("utf-8"))
            since = datetime.fromisoformat(str(raw["since"]).replace("Z", "+00:00"))
            pid, host, purpose = raw["pid"], raw["host"], raw["purpose"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return None
        if not isinstance(pid, int) or not isinstance(host, str) or not isinstance(purpose, str):
            return None
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return cls(pid=pid, host=host, purpose=purpose, since=since)

    def describe(self, now: datetime) -> str:
        """``publisher apply (pid 42 on host ci-7) since 2026-11-25 16:30:00 UTC (5m ago)``."""
        since = self.since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return (
            f"`{self.purpose}` (pid {self.pid} on host {self.host}) "
            f"since {since} ({_age(now - self.since)})"
        )


BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
"""Linux: a random id of the running kernel, new at every boot, shared by its containers."""


def lock_id(path: Path, *, boot_id: Path = BOOT_ID) -> str:
    """An opaque id of the lock ``path`` on this running machine (``sha256:`` + 16 hex).

    The same for every run that takes this lock on this machine until it reboots, and
    different for a lock of another file, directory or clone, or on another machine: the
    running kernel's boot id (Linux; elsewhere the host name, weaker: two machines could
    share one), the lock directory's device and inode (a fresh clone at the same path is
    another directory) and the lock file's name. What a run holding the lock may conclude
    from a record stamped with it is in the module docstring. A digest: it reveals no path.

    Raises:
        OSError: the lock's directory does not exist (the lock is held, so it does).
    """
    try:
        machine = boot_id.read_text(encoding="ascii").strip()
    except OSError:
        machine = ""
    machine = machine or f"host:{socket.gethostname()}"
    where = path.parent.stat()
    text = f"{machine}\0{where.st_dev}\0{where.st_ino}\0{path.name}"
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this host (signal 0 probes without killing)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


@dataclass
class Held:
    """A store's lock as this process holds it: its :func:`lock_id`, None while not held."""

    id: str | None = None


@contextmanager
def store_lock(
    path: Path,
    *,
    purpose: str,
    what: str,
    clock: Clock,
    notify: Notify,
    held: Held | None = None,
) -> Iterator[None]:
    """:func:`hold_lock` as a state store's ``lock()`` returns it (the holder's info kept inside).

    Both stores (``state_file.py``, ``git_state.py``) lock through this; only the lock
    file's place differs. ``held`` gets the lock's :func:`lock_id` for as long as it is held
    (what the store's ``held_lock()`` answers).

    Raises:
        StateLockedError, StateError: as :func:`hold_lock`.
    """
    with hold_lock(path, purpose=purpose, what=what, clock=clock, notify=notify):
        if held is None:
            yield
            return
        held.id = lock_id(path)
        try:
            yield
        finally:
            held.id = None


@contextmanager
def hold_lock(
    path: Path,
    *,
    purpose: str,
    what: str,
    clock: Clock,
    notify: Notify,
    host: str | None = None,
    is_alive: Callable[[int], bool] = pid_alive,
) -> Iterator[LockInfo]:
    """Hold the lock file ``path`` for the duration of the ``with`` block.

    Args:
        path: the lock file (``.publisher/state.json.lock``).
        purpose: what the holder does (``publisher apply``), quoted to runs that are refused.
        what: what is locked, for messages (``the state .publisher/state.json``).
        clock: returns the current time (aware).
        notify: receives a notice when a stale lock is taken over.
        host: this host's name (default ``socket.gethostname()``).
        is_alive: probes a pid on this host.

    Raises:
        StateLockedError: another live run holds it, or it cannot be checked (another host,
            unreadable content); the message names the holder and how to break a stale lock.
        StateError: the lock file cannot be created (a read-only directory or file system).
    """
    host = host or socket.gethostname()
    info = LockInfo(pid=os.getpid(), host=host, purpose=purpose, since=clock())
    fd = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(_ATTEMPTS):
            fd = _create(path, info)
            if fd is not None:
                break
            taken = _take_over_if_stale(path, info, what=what, clock=clock, is_alive=is_alive)
            if taken is not None:
                fd, previous = taken
                notify(_takeover_notice(what, path, previous))
                break
    except OSError as exc:  # a read-only directory or file system, a full disk
        raise StateError(
            f"cannot lock {what}: creating {path} failed: {exc.strerror or exc}",
            hint=f"make {path.parent} writable for this user (or run where it is), "
            "then run the command again; nothing was changed",
        ) from exc
    if fd is None:
        raise StateLockedError(
            f"{what} is locked: another run keeps taking and releasing {path}",
            hint="retry in a moment",
        )
    try:
        yield info
    finally:
        _release(path, fd)


def _takeover_notice(what: str, path: Path, old: LockInfo | None) -> str:
    if old is None:
        return (
            f"notice: took over a stale lock on {what}: its lock file was empty, left by a "
            f"run stopped as it took the lock ({path})"
        )
    since = old.since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        f"notice: took over a stale lock on {what}: it was left by `{old.purpose}` "
        f"(pid {old.pid} on this host, since {since}), which is no longer running ({path})"
    )


def _create(path: Path, info: LockInfo) -> int | None:
    """Create the lock file exclusively; None when it already exists."""
    flags = os.O_CREAT | os.O_EXCL | os.O_RDWR | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        return None
    try:
        # Until our info is written the file is empty, and a run that finds an empty lock
        # file it can flock takes it over (what a run killed right here leaves behind). So
        # the file is ours only if we get its flock and it is still the empty file we made.
        if not try_lock(fd) or not _same_file(fd, path) or os.fstat(fd).st_size:
            os.close(fd)
            return None  # taken over meanwhile: the caller looks again
        _overwrite(fd, info.to_bytes())
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    return fd


def _take_over_if_stale(
    path: Path, info: LockInfo, *, what: str, clock: Clock, is_alive: Callable[[int], bool]
) -> tuple[int, LockInfo | None] | None:
    """Take over an existing lock whose holder is dead; None to retry creating it.

    Returns the open, flocked fd now holding our info, and the dead holder's info (None: the
    file was empty, its creator killed before it wrote who it was).

    Raises:
        StateLockedError: the holder is alive, on another host, or unreadable.
    """
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None  # released meanwhile: try creating it again
    try:
        got_flock = try_lock(fd)
        if got_flock and not _same_file(fd, path):
            os.close(fd)
            return None  # released and recreated meanwhile: try again
        content = _read_all(fd)
        if got_flock and not content:
            # Created and never written: its creator died between the two (a SIGKILL), or
            # it is being created this instant, and then its creator finds it taken over
            # (:func:`_create`) and looks again. Either way it is free.
            _overwrite(fd, info.to_bytes())
            return fd, None
        holder = LockInfo.from_bytes(content)
        if holder is None:
            raise StateLockedError(
                f"{what} is locked, but its lock file {path} is unreadable",
                hint=f"if no run is active, remove the lock file and retry: rm {path}",
            )
        stale = got_flock and holder.host == info.host and not is_alive(holder.pid)
        if not stale:
            raise _locked_error(what, path, holder, clock(), same_host=holder.host == info.host)
        _overwrite(fd, info.to_bytes())
        return fd, holder
    except BaseException:
        os.close(fd)
        raise


def _locked_error(
    what: str, path: Path, holder: LockInfo, now: datetime, *, same_host: bool
) -> StateLockedError:
    if same_host and holder.pid == os.getpid():
        hint = "this process already holds it: a lock is not re-entrant"
    elif same_host:
        hint = f"wait for it to finish, or stop process {holder.pid} on this host"
    else:
        hint = (
            f"wait for it to finish; if it is gone (a cancelled CI job, a lost machine), "
            f"remove the lock file and retry: rm {path}"
        )
    return StateLockedError(f"{what} is locked by {holder.describe(now)}", hint=hint)


def _release(path: Path, fd: int) -> None:
    """Remove the lock file if it is still ours (not broken by hand meanwhile), then unlock."""
    try:
        if _same_file(fd, path):
            path.unlink(missing_ok=True)
    finally:
        os.close(fd)  # drops the flock


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino)


def _overwrite(fd: int, data: bytes) -> None:
    # lseek + write rather than pwrite, which Windows lacks.
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)
    os.fsync(fd)


def _read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    if not size:
        return b""
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, size)


def _age(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds}s ago"
    if seconds < 7200:
        return f"{seconds // 60}m ago"
    if seconds < 172800:
        return f"{seconds // 3600}h ago"
    return f"{seconds // 86400}d ago"
