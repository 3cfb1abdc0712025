"""The publisher step's own environment: ``secret-env`` and git's credentials (issue 11 item 9).

Git is checked for real: a loopback HTTP server records what ``git ls-remote`` sends.
"""

from __future__ import annotations

import base64
import io
import subprocess
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from local_http import serving

from gitops_publisher.cli.github_cmd import action_cli
from gitops_publisher.errors import PublisherError
from gitops_publisher.github.action import run_action
from gitops_publisher.github.step_env import git_auth_env, secret_env

from .conftest import EVENTS, git

TOKEN = "ghs_" + "x1Y2z3" * 6


def test_secret_env_lines_become_variables() -> None:
    text = "# the app\nTIKTOK_CLIENT_KEY=ck\n\n  TIKTOK_CLIENT_SECRET = s=with=equals \nUNSET=\n"
    assert secret_env(text) == {"TIKTOK_CLIENT_KEY": "ck", "TIKTOK_CLIENT_SECRET": "s=with=equals"}
    assert secret_env("") == {}


@pytest.mark.parametrize("line", ["rft.secret-value-alone", "lower_case=rft.x", "A B=rft.x"])
def test_a_bad_secret_env_line_is_refused_without_showing_it(line: str) -> None:
    with pytest.raises(PublisherError) as caught:
        secret_env(f"OK=1\n{line}\n")
    assert "line 2" in str(caught.value)
    assert "rft." not in str(caught.value) + caught.value.hint
    assert caught.value.hint == (
        "write one line per variable, e.g. TIKTOK_CLIENT_SECRET=${{ secrets.TIKTOK_CLIENT_SECRET }}"
    )


def test_the_action_gives_secret_env_to_the_cli_and_masks_it(tmp_path: Path) -> None:
    seen: dict[str, str] = {}

    def invoke(argv: list[str]) -> int:
        import os

        seen.update({k: os.environ.get(k, "") for k in ("TIKTOK_CLIENT_SECRET", "EXTRA")})
        return 0

    (tmp_path / "publisher.yaml").write_text("version: 1\naccounts: {}\n")
    out = io.StringIO()
    env = {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(EVENTS / "pull_request.json"),
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "INPUT_COMMAND": "validate",
        "INPUT_SECRET_ENV": "TIKTOK_CLIENT_SECRET=app-secret-value\nEXTRA=other-value\n",
    }
    assert run_action(env, base_dir=tmp_path, sandbox=False, cli=action_cli(invoke), out=out) == 0
    assert seen == {"TIKTOK_CLIENT_SECRET": "app-secret-value", "EXTRA": "other-value"}
    log = out.getvalue()
    assert "::add-mask::app-secret-value" in log and "::add-mask::other-value" in log
    import os

    assert "EXTRA" not in os.environ  # only for the run


class _Recorder(BaseHTTPRequestHandler):
    headers_seen: list[str | None] = []  # the Authorization header of each request

    def log_message(self, *_args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        type(self).headers_seen.append(self.headers.get("Authorization"))
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def server() -> Iterator[str]:
    _Recorder.headers_seen = []
    with serving(_Recorder) as url:
        yield url


def ls_remote(repo: Path, url: str, env: dict[str, str]) -> None:
    import os

    subprocess.run(
        ["git", "ls-remote", f"{url}/owner/repo.git"],
        cwd=repo,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **env},
        capture_output=True,
        check=False,
        timeout=60,
    )


def test_git_sends_the_token_of_this_step_when_the_clone_keeps_none(
    tmp_path: Path, server: str
) -> None:
    git(tmp_path, "init", "-q")
    env = git_auth_env(tmp_path, TOKEN, server, {})
    expected = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert env["GIT_CONFIG_VALUE_0"] == f"AUTHORIZATION: basic {expected}"
    assert TOKEN not in (tmp_path / ".git" / "config").read_text()  # nothing on disk
    ls_remote(tmp_path, server, env)
    assert _Recorder.headers_seen, "git never reached the server"
    assert _Recorder.headers_seen[0] == f"basic {expected}"
    _Recorder.headers_seen.clear()
    ls_remote(tmp_path, server, {})  # the same git without this step's environment
    assert _Recorder.headers_seen and _Recorder.headers_seen[0] is None


def test_nothing_is_added_when_checkout_persisted_its_credentials(
    tmp_path: Path, server: str
) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", f"http.{server}/.extraheader", "AUTHORIZATION: basic persisted")
    assert git_auth_env(tmp_path, TOKEN, server, {}) == {}  # a second header would be refused
    assert git_auth_env(tmp_path, "", server, {}) == {}


def test_existing_git_config_env_entries_are_kept(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    env = git_auth_env(tmp_path, TOKEN, "https://github.com/", {"GIT_CONFIG_COUNT": "2"})
    assert env["GIT_CONFIG_COUNT"] == "3"
    assert env["GIT_CONFIG_KEY_2"] == "http.https://github.com/.extraheader"
