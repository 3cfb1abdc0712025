"""``publisher auth`` against the emulator: a real subprocess login, then status and refresh."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from click.testing import Result
from cryptography.fernet import Fernet

from gitops_publisher.sandbox import (
    SANDBOX_CLIENT_KEY,
    SANDBOX_CLIENT_SECRET,
    SandboxOptions,
    create_app,
    sandbox_service,
    serve_in_thread,
)

from .conftest import find_leaks

CONFIG = """\
version: 1
accounts:
  brand-us:
    provider: tiktok
    refresh_token_env: TT_REFRESH_US
"""


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    options = SandboxOptions(refresh_token_ttl_sec=5 * 86400)  # expires within 14 days
    app = create_app(tmp_path / "world", options)
    service = sandbox_service(app)
    service.world.ensure_account("brand-us")
    with serve_in_thread(app) as base_url:
        yield base_url, service


@pytest.fixture
def env(
    tmp_path: Path, emulator: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    base_url, _ = emulator
    values = {
        "PUBLISHER_TIKTOK_API_URL": base_url,
        "PUBLISHER_TIKTOK_AUTH_URL": base_url,
        "TIKTOK_CLIENT_KEY": SANDBOX_CLIENT_KEY,
        "TIKTOK_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        "PUBLISHER_TOKEN_STORE": str(tmp_path / "config" / "tokens.json"),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    for name in ("TT_REFRESH_US", "PUBLISHER_TOKEN_KEY", "CI"):
        monkeypatch.delenv(name, raising=False)
    return values


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "publisher.yaml").write_text(CONFIG)
    return root


def stored(env: dict[str, str]) -> dict[str, Any]:
    document = json.loads(Path(env["PUBLISHER_TOKEN_STORE"]).read_text())
    return document["tokens"][env["PUBLISHER_TIKTOK_API_URL"]]["brand-us"]  # type: ignore[no-any-return]


def start_login(project: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start `publisher auth login --no-browser` for real; stdin is a pipe to paste into."""
    return subprocess.Popen(
        [sys.executable, "-m", "gitops_publisher", "-C", str(project), "auth", "login"]
        + ["--account", "brand-us", "--no-browser"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def subprocess_login(
    project: Path, env: dict[str, str], *, as_user: str | None = None, ok: bool = True
) -> tuple[str, str]:
    """Run `publisher auth login --no-browser` for real and act as the browser.

    ``as_user`` picks the sandbox user who completes the login (the emulator's
    ``sandbox_account`` parameter; default its first user, ``sandbox.creator``).
    """
    proc = start_login(project, env)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith(env["PUBLISHER_TIKTOK_AUTH_URL"] + "/v2/auth/authorize/?"), url
    if as_user is not None:
        url += "&" + urlencode({"sandbox_account": as_user})
    response = httpx.get(url, follow_redirects=True, timeout=10)
    assert response.status_code == 200 and "Login received" in response.text
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode == 0) is ok, out + err
    return url + "\n" + out, err


def test_login_for_ci_prints_the_token_once_and_keeps_nothing_refreshable_here(
    project: Path,
    env: dict[str, str],
    emulator: tuple[str, Any],
    publisher: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, service = emulator
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitops_publisher", "-C", str(project), "auth", "login"]
        + ["--account", "brand-us", "--no-browser", "--for-ci"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    assert proc.stderr is not None
    assert proc.stderr.readline().startswith("Open this URL")
    url = proc.stderr.readline().strip()  # on stderr: stdout carries the token alone
    response = httpx.get(url, follow_redirects=True, timeout=10)
    assert response.status_code == 200 and "Login received" in response.text
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    token = out.strip()
    assert out == token + "\n" and token.startswith("rft.")
    assert token not in err and "gh secret set TT_REFRESH_US" in err and "only in CI" in err
    document = json.loads(Path(env["PUBLISHER_TOKEN_STORE"]).read_text())
    assert token not in json.dumps(document) and document["tokens"] == {}  # nothing usable kept

    def token_calls() -> int:
        return sum(1 for r in service.requests if r["endpoint"] == "token")

    monkeypatch.setenv("TT_REFRESH_US", token)  # handed to a local command by mistake
    calls = token_calls()
    refused = publisher("-C", project, "auth", "refresh", "--account", "brand-us")
    assert refused.exit_code == 1 and "--for-ci" in refused.stderr
    assert token_calls() == calls  # refused before any refresh: the CI secret still works
    monkeypatch.setenv("CI", "true")  # in CI, with the write-back, it is refreshed
    monkeypatch.setenv("PUBLISHER_TOKEN_KEY", Fernet.generate_key().decode())
    accepted = publisher("-C", project, "auth", "refresh", "--account", "brand-us")
    assert accepted.exit_code == 0, accepted.output
    assert token_calls() == calls + 1
    assert not find_leaks(refused.output + accepted.output)


def test_login_status_refresh(
    project: Path, env: dict[str, str], publisher: Callable[..., Result]
) -> None:
    out, err = subprocess_login(project, env)
    assert "Logged in account brand-us" in out and "video.publish" in out
    path = Path(env["PUBLISHER_TOKEN_STORE"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = stored(env)
    secrets = [first["access_token"], first["refresh_token"]]

    status = publisher("-C", project, "auth", "status", "--account", "brand-us")
    assert status.exit_code == 0, status.output
    assert "local token store" in status.stdout and first["open_id"] in status.stdout
    assert "refresh token expires" in status.stdout
    assert "expires in 5 day(s)" in status.stderr  # 14-day warning

    refreshed = publisher("-C", project, "auth", "refresh", "--account", "brand-us")
    assert refreshed.exit_code == 0, refreshed.output
    second = stored(env)
    assert second["refresh_token"] != first["refresh_token"]
    secrets += [second["access_token"], second["refresh_token"]]

    everything = out + err + status.output + refreshed.output
    assert not any(s in everything for s in secrets)
    assert not find_leaks(everything)


def test_login_by_pasting_the_redirect_url_from_a_browser_elsewhere(
    project: Path, env: dict[str, str]
) -> None:
    """Over SSH the browser's redirect to 127.0.0.1 reaches nothing: its address is pasted."""
    proc = start_login(project, env)
    assert proc.stdin is not None and proc.stdout is not None
    url = proc.stdout.readline().strip()
    consent = httpx.get(url, follow_redirects=False, timeout=10)  # the browser, elsewhere
    redirect = consent.headers["location"]
    assert redirect.startswith("http://127.0.0.1:") and "code=" in redirect
    out, err = proc.communicate(redirect + "\n", timeout=30)
    assert proc.returncode == 0, err
    assert "paste it here" in err
    assert "Logged in account brand-us" in out
    assert stored(env)["open_id"]


def test_a_pasted_address_with_another_state_is_refused(project: Path, env: dict[str, str]) -> None:
    proc = start_login(project, env)
    assert proc.stdout is not None
    proc.stdout.readline()
    forged = "http://127.0.0.1:9/callback/?code=stolen&state=not-yours\n"
    _, err = proc.communicate(forged, timeout=30)
    assert proc.returncode == 1
    assert "another state" in err and "Traceback" not in err
    assert not Path(env["PUBLISHER_TOKEN_STORE"]).exists()


def test_status_from_env_secret_and_write_back(
    project: Path,
    env: dict[str, str],
    emulator: tuple[str, Any],
    publisher: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, service = emulator
    monkeypatch.setenv("TT_REFRESH_US", service.world.ensure_account("brand-us"))
    monkeypatch.setenv("PUBLISHER_TOKEN_KEY", Fernet.generate_key().decode())
    status = publisher("-C", project, "auth", "status", "--account", "brand-us")
    assert "environment variable TT_REFRESH_US" in status.stdout
    assert "unknown until the first refresh" in status.stdout
    # The table says it shortly, not as a bare "-" (which reads as "none").
    table = publisher("-C", project, "auth", "status")
    row = next(line for line in table.stdout.splitlines() if line.startswith("brand-us"))
    assert row.split()[:2] == ["brand-us", "-"] and "  not yet known  " in row, table.stdout

    assert publisher("-C", project, "auth", "refresh", "--account", "brand-us").exit_code == 0
    assert (project / ".publisher" / "tokens.enc").is_file()
    again = publisher("-C", project, "auth", "status", "--account", "brand-us")
    assert "rotated token written back" in again.stdout
    assert "video.publish" in again.stdout
    assert not find_leaks(status.output + again.output)


def test_env_secret_without_key_two_refreshes_in_a_row(
    project: Path,
    env: dict[str, str],
    emulator: tuple[str, Any],
    publisher: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, service = emulator
    monkeypatch.setenv("TT_REFRESH_US", service.world.ensure_account("brand-us"))
    first = publisher("-C", project, "auth", "refresh", "--account", "brand-us")
    assert first.exit_code == 0, first.output
    assert "TT_REFRESH_US" in first.stderr and "no longer works anywhere else" in first.stderr
    status = publisher("-C", project, "auth", "status", "--account", "brand-us")
    assert "rotated token kept in the local token store" in status.stdout
    second = publisher("-C", project, "auth", "refresh", "--account", "brand-us")
    assert second.exit_code == 0, second.output  # from the kept rotation, not the dead secret
    assert "no longer works" not in second.stderr
    assert not find_leaks(first.output + status.output + second.output)


def test_the_status_table_shows_a_rotated_token_kept_in_the_local_store(
    project: Path,
    env: dict[str, str],
    emulator: tuple[str, Any],
    publisher: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a refresh of the secret without a write-back key, the account's tokens are the
    rotation kept in the local store: the table said it had none ("none: run `publisher
    auth login`") where `auth status --account` said where they are."""
    _, service = emulator
    monkeypatch.setenv("TT_REFRESH_US", service.world.ensure_account("brand-us"))
    assert publisher("-C", project, "auth", "refresh", "--account", "brand-us").exit_code == 0
    table = publisher("-C", project, "auth", "status")
    [row] = [line for line in table.stdout.splitlines() if line.startswith("brand-us ")]
    assert "none" not in row and row.endswith("local store (rotated)"), row
    assert not find_leaks(table.output)


def test_no_credentials_and_unknown_account(
    project: Path, env: dict[str, str], publisher: Callable[..., Result]
) -> None:
    none = publisher("-C", project, "auth", "status", "--account", "brand-us")
    assert none.exit_code == 1 and "auth login --account brand-us" in none.stdout
    unknown = publisher("-C", project, "auth", "status", "--account", "nope")
    assert unknown.exit_code == 1 and "no account 'nope'" in unknown.stderr
    missing = publisher("-C", project, "auth", "refresh", "--account", "brand-us")
    assert missing.exit_code == 1 and "set TT_REFRESH_US to its refresh token" in missing.stderr


def test_refresh_without_app_credentials(
    project: Path,
    env: dict[str, str],
    publisher: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TT_REFRESH_US", "rft.whatever")
    monkeypatch.delenv("TIKTOK_CLIENT_SECRET")
    result = publisher("-C", project, "auth", "refresh", "--account", "brand-us")
    assert result.exit_code == 1 and "TIKTOK_CLIENT_SECRET" in result.stderr


def write_config(project: Path, extra: str = "", *, second: bool = False) -> None:
    text = CONFIG + extra
    if second:
        text += "  brand-uk:\n    provider: tiktok\n    refresh_token_env: TT_REFRESH_UK\n"
    (project / "publisher.yaml").write_text(text)


def test_a_login_as_another_user_than_configured_is_refused_and_stores_nothing(
    project: Path, env: dict[str, str], emulator: tuple[str, Any]
) -> None:
    write_config(project, "    username: '@Brand-US'\n")
    out, err = subprocess_login(project, env, ok=False)  # sandbox.creator logs in
    assert "login refused, nothing was stored" in err
    assert "account brand-us is @brand-us in publisher.yaml" in err
    assert "belongs to @sandbox.creator" in err
    assert not Path(env["PUBLISHER_TOKEN_STORE"]).exists()

    out, err = subprocess_login(project, env, as_user="brand-us")
    _, service = emulator
    open_id = service.world.find_account(username="brand-us").open_id
    assert f"Logged in account brand-us as @brand-us (open_id {open_id})" in out
    assert stored(env)["open_id"] == open_id


def test_a_login_as_another_user_than_the_pin_is_refused(
    project: Path, env: dict[str, str], emulator: tuple[str, Any]
) -> None:
    from gitops_publisher.core.state import Record, State
    from gitops_publisher.workspace.state_file import dump_state

    _, service = emulator
    pinned = service.world.find_account(username="brand-us")
    record = Record.model_validate(
        {
            "post_id": "first",
            "account": "brand-us",
            "status": "published",
            "fingerprint": "sha256:1",
            "mode": "direct",
            "video": "media/a.mp4",
            "open_id": pinned.open_id,
            "username": "brand-us",
            "publish_id": "v_pub_file~1",
            "created_at": "2026-12-01T09:00:00Z",
            "updated_at": "2026-12-01T09:00:00Z",
        }
    )
    state = project / ".publisher" / "state.json"
    state.parent.mkdir()
    state.write_bytes(dump_state(State().with_record(record)))
    out, err = subprocess_login(project, env, ok=False)
    assert f"account brand-us is pinned to @brand-us (open_id {pinned.open_id})" in err
    assert "belongs to @sandbox.creator" in err
    assert not Path(env["PUBLISHER_TOKEN_STORE"]).exists()
    subprocess_login(project, env, as_user="brand-us")  # the pinned user may log in again


def test_status_without_account_shows_every_account_in_one_table(
    project: Path,
    env: dict[str, str],
    emulator: tuple[str, Any],
    publisher: Callable[..., Result],
) -> None:
    write_config(project, "    username: brand-us\n", second=True)
    subprocess_login(project, env, as_user="brand-us")
    _, service = emulator
    open_id = service.world.find_account(username="brand-us").open_id
    status = publisher("-C", project, "auth", "status")
    assert status.exit_code == 1, status.output  # brand-uk has no credentials
    lines = status.stdout.splitlines()
    assert lines[0].split() == [
        "ACCOUNT",
        "HANDLE",
        "OPEN_ID",
        "SCOPES",
        "REFRESH",
        "TOKEN",
        "EXPIRES",
        "CREDENTIALS",
    ]
    assert lines[1].startswith("brand-uk") and "none: run `publisher auth login`" in lines[1]
    us = lines[2].split()
    assert us[:4] == [
        "brand-us",
        "@brand-us",
        open_id,
        "user.info.basic,video.publish,video.upload",
    ]
    assert lines[2].endswith("local store")
