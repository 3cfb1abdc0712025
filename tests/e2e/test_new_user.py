"""Issue 14's "Done when", as a new user does it with the real ``publisher`` command.

From an empty directory, following the README: ``publisher init``, a YouTube channel added
to ``publisher.yaml`` as the README shows, one post for a TikTok account and that channel;
``plan`` and ``apply`` against the embedded sandbox publish it once to each (byte-exact,
per the emulators' own records), and a second ``apply`` publishes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from apply.harness import run_publisher
from pinned_git import commit_all, git

YOUTUBE_ACCOUNT = """\
  acme-shorts:
    provider: youtube
    handle: "@acme"
    refresh_token_env: YOUTUBE_REFRESH_TOKEN_ACME
"""


def world(root: Path) -> dict[str, Any]:
    path = root / ".publisher" / "sandbox" / "world" / "world.json"
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def test_one_post_for_tiktok_and_youtube_is_published_once_each(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TIKTOK_", "YOUTUBE_"))},
        "PUBLISHER_SANDBOX_TIME_SCALE": "100",
        "PUBLISHER_TOKEN_STORE": str(tmp_path / "tokens.json"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "NO_COLOR": "1",
    }
    root = tmp_path / "my-posts"
    made = run_publisher(tmp_path, "init", str(root), "--account", "brand-us", env=env)
    assert made.returncode == 0, made.stderr
    config = (root / "publisher.yaml").read_text()
    config = config.replace("defaults:\n", YOUTUBE_ACCOUNT + "defaults:\n", 1)
    config += "  youtube: {privacy: public}\n"
    (root / "publisher.yaml").write_text(config)
    post = root / "posts" / "example.yaml"
    post.write_text(
        post.read_text().replace("accounts: [brand-us]", "accounts: [brand-us, acme-shorts]")
    )
    git(root, "init", "-q")
    commit_all(root, "one post for TikTok and YouTube")

    planned = run_publisher(root, "plan", "--sandbox", "--detailed-exitcode", env=env)
    assert planned.returncode == 2, planned.stdout + planned.stderr
    assert re.search(r"\+ example@acme-shorts\s+create", planned.stdout)
    assert re.search(r"\+ example@brand-us\s+create", planned.stdout)
    assert "YouTube quota used by this apply" in planned.stdout

    applied = run_publisher(root, "apply", "--sandbox", "--yes", env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert re.search(
        r"example@acme-shorts\s+published\s+https://www\.youtube\.com/shorts/", applied.stdout
    )
    assert re.search(r"example@brand-us\s+published", applied.stdout)
    assert "upload_id" not in applied.stdout + applied.stderr  # a capability, never shown

    video = hashlib.sha256((root / "media" / "example.mp4").read_bytes()).hexdigest()
    after_first = world(root)
    tiktok = list(after_first["posts"].values())
    youtube = list(after_first["youtube"]["sessions"].values())
    assert [(p["username"], p["sha256"]) for p in tiktok] == [("brand-us", video)]
    assert [(s["handle"], s["sha256"]) for s in youtube] == [("@acme", video)]
    state = json.loads((root / ".publisher" / "sandbox" / "state.json").read_text())
    records = state["resources"]
    assert {a: r["status"] for a, r in records.items()} == {
        "example@brand-us": "published",
        "example@acme-shorts": "published",
    }
    assert records["example@acme-shorts"]["post_ids"] == [youtube[0]["video_id"]]

    again = run_publisher(root, "apply", "--sandbox", "--yes", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Nothing to publish now" in again.stdout
    after_second = world(root)
    assert after_second["posts"] == after_first["posts"]
    assert after_second["youtube"]["sessions"] == after_first["youtube"]["sessions"]
    replanned = run_publisher(root, "plan", "--sandbox", "--detailed-exitcode", env=env)
    assert replanned.returncode == 0, replanned.stdout  # both recorded: nothing to do
