"""``--sandbox`` embeds one emulator for both platforms: its server answers YouTube's paths."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx

from gitops_publisher.compose import sandbox_connection
from gitops_publisher.sandbox import (
    SANDBOX_GOOGLE_CLIENT_ID,
    SANDBOX_GOOGLE_CLIENT_SECRET,
    SandboxWorld,
)
from gitops_publisher.workspace.project import load_config

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_the_embedded_sandbox_serves_youtube(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "publisher.yaml", tmp_path / "publisher.yaml")
    world = SandboxWorld.load_or_create(tmp_path / ".publisher/sandbox/world")
    refresh_token = world.ensure_channel("@brand")  # what the YouTube wiring will do per account
    with (
        sandbox_connection(tmp_path, load_config(tmp_path)) as connection,
        httpx.Client(base_url=connection.api_url) as client,
    ):
        token = client.post(
            "/token",
            data={
                "client_id": SANDBOX_GOOGLE_CLIENT_ID,
                "client_secret": SANDBOX_GOOGLE_CLIENT_SECRET,
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
            },
        )
        assert token.status_code == 200
        mine = client.get(
            "/youtube/v3/channels",
            params={"part": "snippet", "mine": "true"},
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        assert mine.json()["items"][0]["snippet"]["customUrl"] == "@brand"
        handles = [c["handle"] for c in client.get("/_sandbox/youtube/channels").json()["channels"]]
        # examples/publisher.yaml's YouTube account (acme-shorts, @acme) gets its channel too.
        assert handles == ["@sandbox.channel", "@brand", "@acme"]
