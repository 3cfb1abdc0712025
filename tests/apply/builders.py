"""Small value builders for the apply unit tests: one desired post and its first record.

The end-to-end scaffolding (emulator, projects on disk) lives in ``harness.py``; these are the
in-memory values the record, state-box and polling tests start from.
"""

from datetime import UTC, datetime

from gitops_publisher.apply import records
from gitops_publisher.core.address import Address
from gitops_publisher.core.desired import DesiredPost, VideoRef
from gitops_publisher.core.state import Provenance, Record

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def desired_post(post_id: str = "teaser") -> DesiredPost:
    """A direct, private post of ``media/a.mp4`` on ``brand-us``, publishing now."""
    return DesiredPost(
        address=Address(post_id, "brand-us"),
        manifest_file=f"posts/{post_id}.yaml",
        video=VideoRef("media/a.mp4", "git:abc", 1000),
        mode="direct",
        caption="hi",
        privacy="SELF_ONLY",
        post_info={"privacy_level": "SELF_ONLY"},
        publish_at=None,
        not_after=None,
        on_missed="publish",
        fingerprint="sha256:1",
    )


def started_record(post_id: str = "teaser") -> Record:
    """The record of :func:`desired_post` as the engine writes it before any API call."""
    return records.start(desired_post(post_id), None, NOW, Provenance())
