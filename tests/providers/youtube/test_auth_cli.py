"""``publisher auth`` for a YouTube account against the emulator: a real subprocess login."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result

from gitops_publisher.sandbox import create_app, serve_in_thread
from gitops_publisher.sandbox.youtube import SANDBOX_GOOGLE_CLIENT_ID, SANDBOX_GOOGLE_CLIENT_SECRET

from ..conftest import find_leaks

CONFIG = """\
version: 1
accounts:
  acme-yt:
    provider: youtube
    handle: "{handle}"
    refresh_token_env: YT_REFRESH_ACME
"""


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "world")) as base_url:
        yield base_url


@pytest.fixture
def env(tmp_path: Path, emulator: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "PUBLISHER_YOUTUBE_API_URL": emulator,
        "PUBLISHER_GOOGLE_AUTH_URL": f"{emulator}/o/oauth2/v2/auth",
        "PUBLISHER_GOOGLE_TOKEN_URL": f"{emulator}/token",
        "YOUTUBE_CLIENT_ID": SANDBOX_GOOGLE_CLIENT_ID,
        "YOUTUBE_CLIENT_SECRET": SANDBOX_GOOGLE_CLIENT_SECRET,
        "PUBLISHER_TOKEN_STORE": str(tmp_path / "config" / "tokens.json"),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    for name in ("YT_REFRESH_ACME", "CI"):
        monkeypatch.delenv(name, raising=False)
    return values


def project(tmp_path: Path, handle: str = "@sandbox.channel") -> Path:
    root = tmp_path / "repo"
    root.mkdir(exist_ok=True)
    (root / "publisher.yaml").write_text(CONFIG.format(handle=handle))
    return root


def login(root: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    """Run `publisher auth login --no-browser` for real and act as the browser."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitops_publisher", "-C", str(root), "auth", "login"]
        + ["--account", "acme-yt", "--no-browser", *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    assert proc.stderr is not None
    assert proc.stderr.readline().startswith("Open this URL")
    stream = proc.stderr if extra else proc.stdout
    assert stream is not None
    url = stream.readline().strip()
    assert url.startswith(env["PUBLISHER_GOOGLE_AUTH_URL"] + "?"), url
    assert "code_challenge_method=S256" in url
    response = httpx.get(url, follow_redirects=True, timeout=10)
    assert response.status_code == 200 and "Login received" in response.text
    out, err = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(proc.args, proc.returncode, url + "\n" + out, err)


def stored(env: dict[str, str]) -> dict[str, Any]:
    document = json.loads(Path(env["PUBLISHER_TOKEN_STORE"]).read_text())
    tokens: dict[str, Any] = document["tokens"].get(env["PUBLISHER_YOUTUBE_API_URL"], {})
    return tokens


def test_login_status_refresh(
    tmp_path: Path, env: dict[str, str], publisher: Callable[..., Result]
) -> None:
    root = project(tmp_path)
    done = login(root, env)
    assert done.returncode == 0, done.stderr
    assert "Logged in account acme-yt as @sandbox.channel (channel_id UC" in done.stdout
    assert "youtube.readonly" in done.stdout and '"Testing"' in done.stdout
    first = stored(env)["acme-yt"]
    secrets = [first["access_token"], first["refresh_token"]]

    channel = done.stdout.split("(channel_id ", 1)[1].split(")", 1)[0]
    assert channel.startswith("UC")

    status = publisher("-C", root, "auth", "status", "--account", "acme-yt")
    assert status.exit_code == 0, status.output
    assert "local token store" in status.stdout and "youtube.upload" in status.stdout
    # no channel_id in publisher.yaml, no upload yet: the channel the login saw, as TikTok's
    # open_id is shown from its token (it was "unknown", and "-" in the table)
    assert f"  channel_id: {channel}\n" in status.stdout

    refreshed = publisher("-C", root, "auth", "refresh", "--account", "acme-yt")
    assert refreshed.exit_code == 0, refreshed.output
    second = stored(env)["acme-yt"]
    assert second["refresh_token"] == first["refresh_token"]  # Google does not rotate
    assert second["access_token"] != first["access_token"]
    secrets.append(second["access_token"])
    after = publisher("-C", root, "auth", "status")  # a refresh keeps who the token is
    row = next(line for line in after.stdout.splitlines() if line.startswith("acme-yt"))
    assert row.split()[:3] == ["acme-yt", "@sandbox.channel", channel]

    everything = done.stdout + done.stderr + status.output + refreshed.output + after.output
    assert not any(secret in everything for secret in secrets)
    assert not find_leaks(everything)


def test_a_login_as_another_channel_is_refused(tmp_path: Path, env: dict[str, str]) -> None:
    done = login(project(tmp_path, handle="@someone.else"), env)
    assert done.returncode == 1
    assert "nothing was stored" in done.stderr and "@someone.else" in done.stderr
    assert not Path(env["PUBLISHER_TOKEN_STORE"]).exists() or not stored(env)


def test_login_for_ci_prints_the_token_alone_and_stores_nothing(
    tmp_path: Path, env: dict[str, str]
) -> None:
    done = login(project(tmp_path), env, "--for-ci")
    assert done.returncode == 0, done.stderr
    token = done.stdout.splitlines()[-1]
    assert done.stdout.endswith(token + "\n") and token not in done.stderr
    assert "gh secret set YT_REFRESH_ACME" in done.stderr and "does not rotate" in done.stderr
    assert not Path(env["PUBLISHER_TOKEN_STORE"]).exists() or not stored(env)


TESTING = CONFIG + "    channel_id: UCabcdefghijklmnopqrstuv\n    testing_mode: true\n"


def test_status_speaks_of_the_channel_and_of_testing_mode(
    tmp_path: Path,
    env: dict[str, str],
    publisher: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = project(tmp_path)
    (root / "publisher.yaml").write_text(TESTING.format(handle="@acme"))
    monkeypatch.setenv("YT_REFRESH_ACME", "1//from-ci-secret")
    status = publisher("-C", root, "auth", "status", "--account", "acme-yt")
    assert status.exit_code == 0, status.output
    assert "  channel_id: UCabcdefghijklmnopqrstuv" in status.stdout
    assert "open_id" not in status.output
    assert "refresh token: expires 7 days after its login (testing_mode" in status.stdout
    assert (
        "warning: acme-yt: testing_mode: its Google app's OAuth consent screen is in Testing, "
        "so its refresh token expires 7 days after `publisher auth login`" in status.stderr
    )
    assert "update YT_REFRESH_ACME" in status.stderr
    table = publisher("-C", root, "auth", "status")
    row = next(line for line in table.stdout.splitlines() if line.startswith("acme-yt"))
    assert "UCabcdefghijklmnopqrstuv" in row and "login + 7 days (testing_mode)" in row
    assert "testing_mode: its Google app" in table.stderr
    assert "1//from-ci-secret" not in status.output + table.output


def test_status_without_testing_mode_says_the_token_does_not_expire(
    tmp_path: Path,
    env: dict[str, str],
    publisher: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = project(tmp_path, handle="@acme")
    monkeypatch.setenv("YT_REFRESH_ACME", "1//from-ci-secret")
    status = publisher("-C", root, "auth", "status", "--account", "acme-yt")
    assert status.exit_code == 0, status.output
    # a bare secret, no channel_id configured, no upload yet: nothing here knows the channel
    assert (
        "  channel_id: not yet known: pinned at the first upload (or set channel_id in "
        "publisher.yaml)\n" in status.stdout
    )
    assert "refresh token: does not expire by itself" in status.stdout
    assert "testing_mode" not in status.output
    table = publisher("-C", root, "auth", "status")
    row = next(line for line in table.stdout.splitlines() if line.startswith("acme-yt"))
    assert row.split()[:4] == ["acme-yt", "@acme", "not", "yet"]  # was "-"
