"""The state record the state-store tests write: a direct post of brand-us at a fixed time."""

from datetime import UTC, datetime

from gitops_publisher.core.state import Record

T0 = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)


def record(post_id: str = "launch", account: str = "brand-us", **changes: object) -> Record:
    """A published direct post's record created and updated at ``T0``; ``changes`` override."""
    fields: dict[str, object] = {
        "post_id": post_id,
        "account": account,
        "status": "published",
        "fingerprint": "sha256:abc",
        "mode": "direct",
        "video": "media/launch.mp4",
        "publish_id": "v_pub_file~1",
        "created_at": T0,
        "updated_at": T0,
    }
    fields.update(changes)
    return Record.model_validate(fields)
