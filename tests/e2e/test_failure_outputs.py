"""No token and no YouTube upload session URI in anything a failing apply leaves behind.

Failures are where texts quote what they were handed: an HTTP error's URL, a refused
request, a retry. Each case makes one endpoint of the embedded sandbox fail for real (its
fault injection, ``PUBLISHER_SANDBOX_OPTIONS``), applies a TikTok and a YouTube post, then
reads the records back in every format. The secret scan (``apply/harness.py``) checks every
output, the library log records at DEBUG and the crash logs; here it also knows the upload
id of each session the sandbox opened (a capability: never shown, and kept in the state only
sealed or closed), and the state file and the saved plan are scanned for both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply.harness import SecretScan

from gitops_publisher.core import handles
from gitops_publisher.sandbox.models import WorldData
from tests.cli.test_youtube_manifests import CHANNEL, CONFIG, project

FAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "insert answer lost": {"youtube_insert": {"drop_after_rate": 1.0}},
    "upload 503": {"youtube_upload": {"error_rate": 1.0, "error_status": 503}},
    "upload dropped": {"youtube_upload": {"drop_rate": 1.0}},
    "upload 429": {"youtube_upload": {"rate_limit_rate": 1.0}},
    "session expired": {"youtube_upload": {"expire_upload_urls": True}},
    "videos.list 500": {"youtube_videos_list": {"error_rate": 1.0}},
    "google token 500": {"youtube_token": {"error_rate": 1.0}},
    "tiktok upload url expired": {"upload": {"expire_upload_urls": True}},
}
READS = (
    ("plan", "--sandbox"),
    ("plan", "--sandbox", "--format", "json"),
    ("plan", "--sandbox", "--format", "markdown"),
    ("--sandbox", "state", "list"),
    ("--sandbox", "state", "list", "--format", "json"),
    ("--sandbox", "state", "show", "launch@acme-yt"),
    ("calendar", "--sandbox", "--format", "json"),
)


def sessions(state: dict[str, Any]) -> list[str]:
    """Every recorded YouTube session (sealed or closed: never its URI), current or earlier."""
    return [
        handle
        for record in state["resources"].values()
        for handle in [record.get("publish_id"), *(h["publish_id"] for h in record["history"])]
        if handle and handles.is_session(handle)
    ]


def upload_ids(root: Path) -> set[str]:
    """The upload_id of every session the embedded sandbox opened (the capability's secret)."""
    world = root / ".publisher" / "sandbox" / "world" / "world.json"
    if not world.exists():
        return set()
    data = WorldData.model_validate_json(world.read_bytes())
    return {s.upload_id for s in data.youtube.sessions.values()}


@pytest.mark.parametrize("case", sorted(FAULTS))
def test_a_failing_endpoint_leaves_no_secret_in_any_output(
    case: str,
    make_repo: Callable[..., Any],
    cli: Callable[..., Any],
    scan: SecretScan,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = tmp_path / "sandbox-options.json"
    options.write_text(json.dumps({"faults": FAULTS[case]}), encoding="utf-8")
    monkeypatch.setenv("PUBLISHER_SANDBOX_OPTIONS", str(options))
    root = project(make_repo, CONFIG.replace(f"    channel_id: {CHANNEL}\n", ""))
    saved = tmp_path / "again.plan.json"
    applied = cli(root, "apply", "--sandbox", "--yes")
    assert applied.exit_code in (0, 1), applied.output  # a platform's failure, not a bug
    again = cli(root, "apply", "--sandbox", "--yes", "--format", "json")
    assert again.exit_code in (0, 1), again.output
    for args in (*READS, ("plan", "--sandbox", "-o", str(saved))):
        cli(root, *args)
    state_file = root / ".publisher" / "sandbox" / "state.json"  # none if nothing started
    recorded = state_file.read_text(encoding="utf-8") if state_file.exists() else "{}"
    state = json.loads(recorded) or {"resources": {}}
    if "upload" in case and "tiktok" not in case:
        assert sessions(state), "the YouTube attempt recorded its session"
        assert all(not handles.is_capability(h) for h in sessions(state))
    scan.add_output("the state file", recorded)
    scan.add_output("the saved plan", saved.read_text(encoding="utf-8"))
    scan.secrets |= upload_ids(root)  # sessions: nowhere, the state file included
