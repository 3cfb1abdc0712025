"""Fingerprints recorded before a feature stay what they were: a stored state still plans noop.

``tests/golden/fingerprints/`` holds a config and manifests (a copy of the examples as of
December 2026) and the fingerprint each address had when they were recorded. A new optional
manifest or config field left unset must not change any of them, or every published post of
every user would plan ``drift`` after an upgrade.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from gitops_publisher.core.desired import DesiredPost, VideoRef, resolve_post
from gitops_publisher.core.models import Config, PostManifest
from gitops_publisher.core.plan import Action
from gitops_publisher.core.planner import plan
from gitops_publisher.core.state import Record, State
from gitops_publisher.workspace import yamlio

GOLDEN = Path(__file__).parent.parent / "golden" / "fingerprints"
NOW = datetime(2027, 6, 1, tzinfo=UTC)  # every example is due by then


def _desired() -> tuple[Config, list[DesiredPost]]:
    config = Config.model_validate(
        yamlio.load_documents((GOLDEN / "publisher.yaml").read_text())[0]
    )
    posts: list[DesiredPost] = []
    for document in yamlio.load_documents((GOLDEN / "posts.yaml").read_text()):
        manifest = PostManifest.model_validate(document)
        # A content id derived from the path alone: stable, and distinct per video.
        video = VideoRef(manifest.video, "git:" + manifest.video.encode().hex()[:40], 1000)
        resolved, problems = resolve_post(manifest, config, "posts.yaml", video)
        assert problems == []
        posts.extend(resolved)
    return config, posts


def test_recorded_fingerprints_are_unchanged() -> None:
    _, posts = _desired()
    recorded = json.loads((GOLDEN / "fingerprints.json").read_text())
    assert {str(p.address): p.fingerprint for p in posts} == recorded


def test_a_state_recorded_with_them_still_plans_noop() -> None:
    config, posts = _desired()
    recorded: dict[str, str] = json.loads((GOLDEN / "fingerprints.json").read_text())
    state = State()
    for post in posts:
        state = state.with_record(
            Record.model_validate(
                {
                    "post_id": post.address.post_id,
                    "account": post.address.account,
                    "status": "published",
                    "fingerprint": recorded[str(post.address)],
                    "mode": post.mode,
                    "video": post.video.path,
                    "publish_id": f"v_pub_file~{post.address}",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
        )
    result = plan(posts, state, NOW, accounts=config.accounts)
    assert len(result.changes) == len(recorded)
    assert {c.action for c in result.changes} == {Action.NOOP}
