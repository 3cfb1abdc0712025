"""A restarted sandbox over the same world never hands out an earlier run's ids again."""

from pathlib import Path

from gitops_publisher.sandbox.clock import ManualClock
from gitops_publisher.sandbox.models import PostRecord
from gitops_publisher.sandbox.options import SandboxOptions
from gitops_publisher.sandbox.service import SandboxService
from gitops_publisher.sandbox.world import SandboxWorld


def test_publish_ids_do_not_repeat_after_a_restart(tmp_path: Path) -> None:
    clock = ManualClock()
    seen: set[str] = set()
    for _restart in range(3):
        world = SandboxWorld.load_or_create(tmp_path / "world", clock=clock)
        service = SandboxService(world, SandboxOptions(), clock)
        for _ in range(3):
            publish_id = service.new_publish_id("v_pub_file")
            assert publish_id not in seen
            seen.add(publish_id)
            # what an init does: the world keeps the post under its publish_id
            world.data.posts[publish_id] = _post(publish_id)
        world.save()


def _post(publish_id: str) -> PostRecord:
    return PostRecord(
        publish_id=publish_id,
        open_id="o",
        username="u",
        mode="direct",
        source="FILE_UPLOAD",
        created_at=0.0,
    )
