"""The SHA-256 of each assembled upload, computed after its final chunk, off the ingest path.

The admin route promises the sha256 of the assembled bytes of every post, so a test can check
a client uploaded byte for byte. Hashing while the chunks arrive put 0.53 CPU-seconds per GiB
on the server's one event-loop core, in series with reading the socket, and made the emulator
slower than the clients it is meant to measure (bench/README.md, "sandbox"). So the final
chunk's 201 is answered as soon as its bytes are on disk, and a worker thread hashes the part
file (from the page cache) while the client moves on to status polling.

Nobody can see a post without its digest: status/fetch and ``/_sandbox/posts`` first wait for
:meth:`Digests.settle` (for small test videos this is instant; a 1 GiB video takes ~0.6 s,
which reads as a little more processing time). Only then is the digest recorded in the world
and the part file removed (or moved to ``media/`` with ``keep_media``), in that order, so a
crash in between leaves a part file to hash again, never a post without a digest: at startup
:func:`settle_interrupted` hashes what an earlier run left unfinished. A TikTok video sent whole
in one chunk of at most 1 MiB has no part file and no job here: the upload route hashes it in
memory and saves the digest with the upload's completion (``sandbox/upload.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from gitops_publisher.sandbox.world import SandboxWorld

READ_BYTES = 1 << 20


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of ``path``'s bytes, read in 1 MiB blocks.

    Raises:
        OSError: the file cannot be read.
    """
    digest = hashlib.sha256()
    with path.open("rb", buffering=0) as handle:
        block = bytearray(READ_BYTES)
        view = memoryview(block)
        while count := handle.readinto(block):
            digest.update(view[:count])
    return digest.hexdigest()


class Upload(Protocol):
    """What hashing needs of an upload: a TikTok post or a YouTube session."""

    sha256: str | None

    @property
    def upload_id(self) -> str | None:
        """Names the part file."""

    @property
    def upload_completed_at(self) -> float | None:
        """When the last byte arrived (None: still uploading)."""

    @property
    def digest_key(self) -> str:
        """Unique among all uploads of the world: keys the job, names the kept media."""


def part_path(world: SandboxWorld, post: Upload) -> Path:
    """Where the chunks of ``post``'s upload are assembled."""
    return world.uploads_dir / f"{post.upload_id}.part"


class Digests:
    """Hash jobs of completed uploads, one worker thread, and recording their results.

    Jobs are :class:`concurrent.futures.Future` objects, not asyncio tasks: the in-process
    sandbox (httpx's ASGI transport) may serve one upload and the next status fetch from two
    event loops, and a thread's future can be awaited from any of them.
    """

    def __init__(self, world: SandboxWorld, keep_media: Callable[[], bool]) -> None:
        """Record digests in ``world``; keep the bytes if ``keep_media()`` says so then."""
        self.world = world
        self._save = world.batch.save
        self._recording: set[asyncio.Future[None]] = set()
        self._unreleased: set[str] = set()  # digests recorded, bytes not yet released
        self.keep_media = keep_media
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-sha256")
        self._jobs: dict[str, Future[str]] = {}

    def start(self, post: Upload) -> None:
        """Start hashing ``post``'s completed part file; record the result when it is done."""
        job = self._executor.submit(sha256_file, part_path(self.world, post))
        self._jobs[post.digest_key] = job
        loop = asyncio.get_running_loop()

        def done(_: Future[str]) -> None:
            try:  # record it soon even if nobody asks; harmless if somebody did first
                loop.call_soon_threadsafe(self._record_if_done, post)
            except RuntimeError:
                pass  # that loop is closed: the next settle() records it

        job.add_done_callback(done)

    async def settle(self, post: Upload) -> None:
        """Wait until ``post``'s digest is recorded, if its upload is complete.

        Raises:
            OSError: the part file could not be read (the job is forgotten, the next call
                tries again).
        """
        await self._release(post)  # a digest being recorded: wait until its bytes are settled
        if post.sha256 is not None or post.upload_completed_at is None:
            return
        job = self._jobs.get(post.digest_key)
        if job is None:
            if not part_path(self.world, post).exists():
                return  # nothing left to hash (the world was edited by hand)
            self.start(post)
            job = self._jobs[post.digest_key]
        try:
            digest = await asyncio.wrap_future(job)
        except OSError:
            self._jobs.pop(post.digest_key, None)
            raise
        await self._record(post, digest)

    def _record_if_done(self, post: Upload) -> None:
        job = self._jobs.get(post.digest_key)
        if job is not None and job.done() and job.exception() is None:
            task = asyncio.ensure_future(self._record(post, job.result()))
            self._recording.add(task)
            task.add_done_callback(self._recording.discard)

    async def _record(self, post: Upload, digest: str) -> None:
        self._jobs.pop(post.digest_key, None)
        if post.sha256 is None:
            post.sha256 = digest
            self._unreleased.add(post.digest_key)
        await self._release(post)

    async def _release(self, post: Upload) -> None:
        """Drop (or keep) the bytes of a recorded digest once that digest is on disk."""
        if post.digest_key not in self._unreleased:
            return
        await self._save()  # the next batched write of the world, shared with the requests
        if post.digest_key in self._unreleased:
            self._unreleased.discard(post.digest_key)
            release(self.world, post, self.keep_media())


def release(world: SandboxWorld, post: Upload, keep_media: bool) -> None:
    """Drop a hashed upload's part file, or keep it under ``media/`` with ``keep_media``."""
    part = part_path(world, post)
    if keep_media and part.exists():
        world.media_dir.mkdir(parents=True, exist_ok=True)
        part.replace(world.media_dir / f"{post.digest_key}.bin")
    else:
        part.unlink(missing_ok=True)


def settle_interrupted(world: SandboxWorld, save: Callable[[], None], keep_media: bool) -> None:
    """At startup: hash the completed uploads an earlier run stopped before recording."""
    hashed: list[Upload] = []
    for post in world.uploads():
        if post.upload_completed_at is None or post.sha256 is not None:
            continue
        part = part_path(world, post)
        if part.exists():
            post.sha256 = sha256_file(part)
            hashed.append(post)
    if hashed:
        save()
        for done in hashed:
            release(world, done, keep_media)
