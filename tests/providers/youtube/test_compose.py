"""The composition root opens YouTube accounts: the embedded sandbox and the environment."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from gitops_publisher.compose import environment_connection, sandbox_connection
from gitops_publisher.core.desired import VideoRef
from gitops_publisher.core.ports import Media, Processing, Published
from gitops_publisher.core.youtube import YouTubeUpload
from gitops_publisher.errors import AuthError
from gitops_publisher.providers.registry import PLATFORMS
from gitops_publisher.providers.youtube.adapter import YouTubeProvider
from gitops_publisher.workspace.project import load_config
from tests.apply.builders import desired_post

from ..fakes import run
from .test_emulator import RESOURCE, sha256, video

CONFIG = """\
version: 1
accounts:
  acme-yt:
    provider: youtube
    handle: "@acme"
    refresh_token_env: YT_REFRESH_ACME
"""


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "publisher.yaml").write_text(CONFIG)
    monkeypatch.setenv("PUBLISHER_TOKEN_STORE", str(tmp_path / "config" / "tokens.json"))
    for name in ("YT_REFRESH_ACME", "YOUTUBE_CLIENT_ID", "YOUTUBE_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name in ("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_youtube_is_registered() -> None:
    assert set(PLATFORMS) >= {"tiktok", "youtube"}


def test_the_embedded_sandbox_publishes_to_a_channel(root: Path) -> None:
    config = load_config(root)
    path = video(root, 300_000)
    size = path.stat().st_size
    post = dataclasses.replace(
        desired_post(),
        video=VideoRef(str(path), "git:0", size),
        youtube=YouTubeUpload(resource=RESOURCE, notify_subscribers=True),
    )

    async def sleep(_seconds: float) -> None:
        return None

    with sandbox_connection(root, config) as connection:

        async def main() -> tuple[object, ...]:
            async with connection.open(config.accounts, ["acme-yt"], sleep=sleep) as opened:
                provider = opened["acme-yt"]
                assert isinstance(provider, YouTubeProvider)
                report = await provider.check_account()
                started = await provider.start(post)
                await provider.transfer(started, Media(path, size, "video/mp4"))
                answer = await provider.outcome(started.handle, size)
                return report, started.handle, answer

        report, handle, answer = run(main())
        assert report.identity.username == "@acme" and report.can_post
        assert handle in connection.secrets  # the capability is redacted from outputs
        assert isinstance(answer, Processing | Published)
    from gitops_publisher.sandbox import SandboxWorld

    world = SandboxWorld.load_or_create(root / ".publisher/sandbox/world")
    assert [u.sha256 for u in world.uploads() if getattr(u, "video_id", None)] == [sha256(path)]


def test_without_a_token_the_account_says_how_to_log_in(root: Path) -> None:
    config = load_config(root)
    # names=[]: no up-front check (apply's names all at once); the platform refuses by itself.
    # No TikTok app is needed for YouTube alone.
    connection = environment_connection(root, config, names=[])

    async def main() -> None:
        async with connection.open(config.accounts, ["acme-yt"]):
            pass

    with pytest.raises(AuthError, match="no credentials for account acme-yt") as caught:
        run(main())
    assert "YT_REFRESH_ACME" in caught.value.hint


def test_without_the_google_client_the_account_says_what_to_set(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YT_REFRESH_ACME", "1//refresh")
    config = load_config(root)
    connection = environment_connection(root, config, names=[])  # the platform's own guard

    async def main() -> None:
        async with connection.open(config.accounts, ["acme-yt"]):
            pass

    with pytest.raises(AuthError, match="Google OAuth client") as caught:
        run(main())
    assert "YOUTUBE_CLIENT_ID" in caught.value.hint


def test_in_ci_without_the_token_key_a_channel_is_warned_its_sessions_die_with_the_job(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its upload sessions would be sealed with a key file the job's end discards."""
    for name, value in {
        "YT_REFRESH_ACME": "1//refresh",
        "YOUTUBE_CLIENT_ID": "id.apps.googleusercontent.com",
        "YOUTUBE_CLIENT_SECRET": "GOCSPX-secret",
        "CI": "true",
    }.items():
        monkeypatch.setenv(name, value)
    config = load_config(root)
    warnings: list[str] = []
    environment_connection(root, config, names=["acme-yt"], warn=warnings.append)
    assert len(warnings) == 1 and "set PUBLISHER_TOKEN_KEY in CI" in warnings[0]
    monkeypatch.setenv("PUBLISHER_TOKEN_KEY", Fernet.generate_key().decode())
    warnings.clear()
    connection = environment_connection(root, config, names=["acme-yt"], warn=warnings.append)
    assert warnings == [] and connection.sealer.seal(URI).startswith("sealed:v1:env:")
    monkeypatch.delenv("CI")
    monkeypatch.delenv("PUBLISHER_TOKEN_KEY")
    environment_connection(root, config, names=["acme-yt"], warn=warnings.append)
    assert warnings == []  # a developer's machine keeps its key file


URI = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=Ab12"
