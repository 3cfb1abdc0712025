"""No token and no YouTube upload session URI in anything a failing apply leaves behind.

Failures are where texts quote what they were handed: an HTTP error's URL, a refused
request, a retry. Each case makes one endpoint of the embedded sandbox fail for real (its
fault injection, ``PUBLISHER_SANDBOX_OPTIONS``), applies a TikTok and a YouTube post, then
reads the records back in every format. The secret scan (``apply/harness.py``) checks every
output, the library log records at DEBUG and the crash logs; here it also knows each
session URI the state recorded (a capability: kept in the state, never shown), and the
state file and the saved plan are scanned for tokens.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply.harness import SecretScan

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


def sessions(state: dict[str, Any]) -> set[str]:
    """Every recorded YouTube session URI, and its upload_id, current or earlier."""
    found: set[str] = set()
    for record in state["resources"].values():
        for handle in [record.get("publish_id"), *(h["publish_id"] for h in record["history"])]:
            if handle and "upload_id=" in handle:
                found |= {handle, handle.split("upload_id=", 1)[1].split("&", 1)[0]}
    return found


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
    scan.add_output("the state file", recorded)
    scan.add_output("the saved plan", saved.read_text(encoding="utf-8"))
    outputs_before = list(scan.outputs)
    scan.check()  # tokens nowhere, the state file included
    scan.outputs = [o for o in outputs_before if o[0] != "the state file"]
    scan.secrets |= sessions(state)  # sessions: anywhere but the state itself
