"""The sandbox's batched world writes: an answer leaves only once its change is on disk, and
the changes of requests answered meanwhile share one write."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from gitops_publisher.sandbox import sandbox_service
from gitops_publisher.sandbox.world import WORLD_FILE, SandboxWorld

from .conftest import Sandbox, direct_body

pytestmark = pytest.mark.anyio
INIT = "/v2/post/publish/video/init/"


def on_disk(directory: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / WORLD_FILE).read_text())
    return data


async def test_inits_answered_together_share_a_write_and_each_answer_is_on_disk(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = await sandbox.bearer()
    writes: list[int] = []
    first_write_may_end = threading.Event()
    write = SandboxWorld.write

    def held_write(world: SandboxWorld, number: int, payload: list[bytes], durable: bool) -> None:
        writes.append(number)
        if len(writes) == 1:  # hold the first write until every other init has its change
            assert first_write_may_end.wait(timeout=30)
        write(world, number, payload, durable)

    monkeypatch.setattr(SandboxWorld, "write", held_write)
    seen: list[str] = []

    async def init() -> None:
        answer = await sandbox.client.post(INIT, json=direct_body(5_000), headers=headers)
        publish_id = answer.json()["data"]["publish_id"]
        # The answer arrived: its post is in world.json already.
        assert publish_id in on_disk(sandbox.directory)["posts"]
        seen.append(publish_id)

    batch = sandbox_service(sandbox.app).world.batch
    marked = batch._marked
    inits = [asyncio.ensure_future(init()) for _ in range(6)]
    # Six inits (TikTok allows 6 a minute); let them run until each has made its change.
    for _ in range(10_000):
        if batch._marked >= marked + 6:
            break
        await asyncio.sleep(0)
    assert batch._marked >= marked + 6
    assert seen == []  # nobody answered while the first write was held
    first_write_may_end.set()
    await asyncio.gather(*inits)
    assert len(seen) == 6
    # The first write held one init's change; the five made meanwhile went in one more write.
    assert len(writes) == 2


async def test_a_failed_write_fails_the_request_instead_of_answering_unsaved(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = await sandbox.bearer()
    write = SandboxWorld.write
    failures = [OSError(28, "No space left on device")]

    def failing_write(
        world: SandboxWorld, number: int, payload: list[bytes], durable: bool
    ) -> None:
        if failures:
            raise failures.pop()
        write(world, number, payload, durable)

    monkeypatch.setattr(SandboxWorld, "write", failing_write)
    with pytest.raises(OSError):
        await sandbox.client.post(INIT, json=direct_body(5_000), headers=headers)
    posts = sandbox_service(sandbox.app).world.data.posts
    assert len(posts) == 1  # made in memory; its client was never told it exists
    answer = await sandbox.client.post(INIT, json=direct_body(5_000), headers=headers)
    assert answer.status_code == 200
    assert set(on_disk(sandbox.directory)["posts"]) == set(posts)


async def test_the_waiters_of_one_write_share_one_wake_up_and_a_cancelled_one_leaves_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = SandboxWorld.load_or_create(tmp_path)
    batch = world.batch
    write_may_end = threading.Event()
    write = SandboxWorld.write

    def held_write(world: SandboxWorld, number: int, payload: list[bytes], durable: bool) -> None:
        assert write_may_end.wait(timeout=30)
        write(world, number, payload, durable)

    monkeypatch.setattr(SandboxWorld, "write", held_write)
    wrapped: list[object] = []
    wrap = asyncio.wrap_future

    def counted_wrap(future: Any, *, loop: Any = None) -> Any:
        wrapped.append(future)
        return wrap(future, loop=loop)

    monkeypatch.setattr(asyncio, "wrap_future", counted_wrap)
    world.data.last_time = 5.0
    batch.mark(durable=True)
    waiters = [asyncio.ensure_future(batch.settle()) for _ in range(5)]
    for _ in range(10):
        await asyncio.sleep(0)
    assert len(wrapped) == 1  # five requests wait for the write through one asyncio future
    waiters[0].cancel()  # a request gone (its task cancelled) while the write is held
    await asyncio.sleep(0)
    write_may_end.set()
    await asyncio.gather(*waiters[1:])
    assert waiters[0].cancelled()
    assert on_disk(tmp_path)["last_time"] >= 5.0
