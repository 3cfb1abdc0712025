"""``publisher plan`` checks a YouTube channel's identity as it checks a TikTok user's.

Against the emulator served over real HTTP as if it were Google: with the Google client and
a token, plan asks channels.list which channel the token belongs to and makes a mismatch a
plan error; without them it says the check was skipped, as for TikTok.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from gitops_publisher.cli.main import cli
from gitops_publisher.sandbox import (
    SANDBOX_GOOGLE_CLIENT_ID,
    SANDBOX_GOOGLE_CLIENT_SECRET,
    SandboxWorld,
)
from tests.cli.test_youtube_manifests import CHANNEL, CONFIG, POST

from .harness import Emulator, SecretScan

NO_CHANNEL_ID = CONFIG.replace(f"    channel_id: {CHANNEL}\n", "")


def env_for(em: Emulator, tmp_path: Path, refresh_token: str | None) -> dict[str, str | None]:
    """A CI run with the Google client and a channel's token, and no TikTok app at all."""
    return {
        "PUBLISHER_YOUTUBE_API_URL": em.base_url,
        "PUBLISHER_GOOGLE_TOKEN_URL": f"{em.base_url}/token",
        "YOUTUBE_CLIENT_ID": SANDBOX_GOOGLE_CLIENT_ID,
        "YOUTUBE_CLIENT_SECRET": SANDBOX_GOOGLE_CLIENT_SECRET,
        "YOUTUBE_REFRESH_TOKEN_ACME": refresh_token,
        "PUBLISHER_TOKEN_STORE": str(tmp_path / "store" / "tokens.json"),
        "PUBLISHER_TOKEN_KEY": None,
        "TIKTOK_CLIENT_KEY": None,
        "TIKTOK_CLIENT_SECRET": None,
        "TIKTOK_REFRESH_TOKEN_BRAND_US": None,
    }


def plan(
    make_repo: Callable[..., Any], config: str, env: dict[str, str | None], name: str = "repo"
) -> Result:
    root = make_repo({"publisher.yaml": config, "posts/launch.yaml": POST}, name=name).root
    return CliRunner().invoke(cli, ["-C", str(root), "plan"], env=env)


def channel_queries(em: Emulator) -> int:
    return sum(1 for r in em.requests() if r["path"] == "/youtube/v3/channels")


def test_plan_refuses_a_token_of_another_channel_than_the_pinned_one(
    make_repo: Callable[..., Any], emulator: Callable[..., Any], scan: SecretScan, tmp_path: Path
) -> None:
    with emulator(scale=1.0) as em:
        token = em.service.world.ensure_channel("@acme")  # its id is not CHANNEL
        scan.secrets.add(token)
        result = plan(make_repo, CONFIG, env_for(em, tmp_path, token))
        scan.add_output("plan", result.output)
        assert channel_queries(em) == 1
    assert result.exit_code == 1, result.output
    assert (
        f"account acme-yt is channel_id {CHANNEL} in publisher.yaml, but its token belongs to "
        "@acme (channel_id UC" in result.output
    )
    assert "log in as the right channel" in result.output
    # TikTok's checks are skipped as before (no app here); YouTube's ran all the same.
    assert "creator checks skipped: no TikTok app credentials here" in result.output


def test_plan_passes_the_right_channel(
    make_repo: Callable[..., Any], emulator: Callable[..., Any], scan: SecretScan, tmp_path: Path
) -> None:
    with emulator(scale=1.0) as em:
        token = em.service.world.ensure_channel("@acme")
        scan.secrets.add(token)
        result = plan(make_repo, NO_CHANNEL_ID, env_for(em, tmp_path, token))
        scan.add_output("plan", result.output)
        assert channel_queries(em) == 1
    assert result.exit_code == 0, result.output
    assert "+ launch@acme-yt" in result.output


def test_without_the_google_client_or_a_token_plan_says_the_check_was_skipped(
    make_repo: Callable[..., Any], emulator: Callable[..., Any], tmp_path: Path
) -> None:
    with emulator(scale=1.0) as em:
        no_client = {**env_for(em, tmp_path, "1//unused"), "YOUTUBE_CLIENT_SECRET": None}
        without_client = plan(make_repo, CONFIG, no_client)
        without_token = plan(make_repo, CONFIG, env_for(em, tmp_path, None), "other")
        assert channel_queries(em) == 0
    assert without_client.exit_code == 0, without_client.output
    assert (
        "Notice: channel checks skipped for acme-yt: no Google OAuth client here "
        "(YOUTUBE_CLIENT_ID/YOUTUBE_CLIENT_SECRET" in without_client.output
    )
    assert without_token.exit_code == 0, without_token.output
    assert (
        "Notice: channel checks skipped for acme-yt: no token for it here (set "
        "YOUTUBE_REFRESH_TOKEN_ACME, or run `publisher auth login --account acme-yt`)"
    ) in without_token.output


def test_plan_in_the_sandbox_checks_the_channel_too(
    make_repo: Callable[..., Any], publisher: Callable[..., Result]
) -> None:
    root = make_repo({"publisher.yaml": CONFIG, "posts/launch.yaml": POST}).root
    # The sandbox's @acme, made before, has another id than publisher.yaml's channel_id.
    SandboxWorld.load_or_create(root / ".publisher" / "sandbox" / "world").ensure_channel("@acme")
    result = publisher("-C", root, "plan", "--sandbox")
    assert result.exit_code == 1, result.output
    assert f"account acme-yt is channel_id {CHANNEL} in publisher.yaml" in result.output
    assert not (root / ".publisher" / "sandbox" / "state.json").exists()
