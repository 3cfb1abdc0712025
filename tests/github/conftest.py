"""The Action's world in miniature: a bare git remote, a checkout, a stub GitHub REST API.

* ``stub``: the few REST endpoints the Action calls, served by ``http.server`` on 127.0.0.1,
  keeping comments in memory and every request in ``stub.requests``. A token named
  ``read-only`` gets 403 on writes, as a fork pull request's token does. ``TOKEN`` is an
  installation token like the job's ``GITHUB_TOKEN``: 403 on ``GET /user``, the bot as
  GraphQL's viewer, its comments by ``github-actions[bot]``; ``PERSONAL_TOKEN`` is a user's.
  ``stub.pulls_by_sha[sha] = [7]`` says pull request 7 was merged as ``sha``.
* ``checkout``: the ``examples/`` project committed and pushed to ``remote.git`` (bare), then
  cloned, as ``actions/checkout`` leaves it.
* ``action(event, **inputs)``: runs ``publisher --sandbox github`` in process with the
  environment GitHub Actions would set for that event payload; returns what it wrote.

git runs with the suite's pinned identity and dates (``tests/pinned_git.py``), the publisher's
state commits too. Racing runs still make distinct commits: each state file holds its
records' microsecond timestamps, so two runs never commit the same tree on the same parent.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from apply.harness import publisher_env
from click.testing import CliRunner, Result
from local_http import serving
from pinned_git import GIT_ENV, clone, commit_all, git, init_repo, push_to_new_bare

from gitops_publisher.cli.main import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EVENTS = Path(__file__).parent / "events"
REPOSITORY = "acme/content"
TOKEN = "ghs_testtoken0123456789abcdef"
PERSONAL_TOKEN = "personal-token-of-release-bot"
BOT = "github-actions[bot]"
_LOGINS = {TOKEN: BOT, "read-only": BOT, PERSONAL_TOKEN: "release-bot"}


@dataclass
class Stub:
    url: str = ""
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, token
    pulls_by_sha: dict[str, list[int]] = field(default_factory=dict)
    next_id: int = 1000

    def writes(self) -> list[tuple[str, str]]:
        writing = ("POST", "PATCH", "DELETE")
        return [(m, p) for m, p, _ in self.requests if m in writing and p != "/graphql"]

    def add_comment(self, issue: int, body: str, login: str) -> int:
        """A comment written by someone else (``login``), as anyone can; its id."""
        self.next_id += 1
        self.comments[self.next_id] = {
            "id": self.next_id,
            "issue": issue,
            "user": {"login": login, "type": "User"},
            "body": body,
            "html_url": f"https://github.com/{REPOSITORY}/pull/{issue}#c{self.next_id}",
        }
        return self.next_id


def _handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _token(self) -> str:
            return self.headers.get("Authorization", "").removeprefix("Bearer ")

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length", "0"))
            return json.loads(self.rfile.read(length) or b"{}")

        def _route(self, method: str) -> None:
            path = self.path.split("?")[0]
            token = self._token()
            stub.requests.append((method, path, token))
            if token not in _LOGINS:
                return self._send(401, {"message": "Bad credentials"})
            if path == "/user":
                if token == PERSONAL_TOKEN:
                    return self._send(200, {"login": _LOGINS[token], "type": "User"})
                return self._send(403, {"message": "Resource not accessible by integration"})
            if path == "/graphql" and method == "POST":
                assert "viewer" in self._body()["query"]
                viewer = {"__typename": "Bot", "login": _LOGINS[token].removesuffix("[bot]")}
                return self._send(200, {"data": {"viewer": viewer}})
            if method != "GET" and token == "read-only":
                return self._send(403, {"message": "Resource not accessible by integration"})
            if m := re.fullmatch(rf"/repos/{REPOSITORY}/issues/(\d+)/comments", path):
                number = int(m[1])
                if method == "GET":
                    page = [c for c in stub.comments.values() if c["issue"] == number]
                    return self._send(200, page)
                stub.next_id += 1
                comment = {
                    "id": stub.next_id,
                    "issue": number,
                    "user": {"login": _LOGINS[token], "type": "Bot"},
                    "body": self._body()["body"],
                    "html_url": f"https://github.com/{REPOSITORY}/pull/{number}#c{stub.next_id}",
                }
                stub.comments[stub.next_id] = comment
                return self._send(201, comment)
            if m := re.fullmatch(rf"/repos/{REPOSITORY}/issues/comments/(\d+)", path):
                if int(m[1]) not in stub.comments:
                    return self._send(404, {"message": "Not Found"})
                if method == "DELETE":
                    del stub.comments[int(m[1])]
                    self.send_response(204)
                    self.end_headers()
                    return None
                comment = stub.comments[int(m[1])]
                comment["body"] = self._body()["body"]
                return self._send(200, comment)
            if path == "/user":  # an installation token (GITHUB_TOKEN) cannot read it
                return self._send(403, {"message": "Resource not accessible by integration"})
            if m := re.fullmatch(rf"/repos/{REPOSITORY}/commits/(\w+)/pulls", path):
                merged = {"merged_at": "2026-12-01T10:00:00Z", "merge_commit_sha": m[1]}
                pulls = [{"number": n, **merged} for n in stub.pulls_by_sha.get(m[1], [])]
                return self._send(200, pulls)
            return self._send(404, {"message": "Not Found"})

        def do_GET(self) -> None:  # noqa: N802
            self._route("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._route("POST")

        def do_PATCH(self) -> None:  # noqa: N802
            self._route("PATCH")

        def do_DELETE(self) -> None:  # noqa: N802
            self._route("DELETE")

    return Handler


@pytest.fixture
def stub() -> Iterator[Stub]:
    state = Stub()
    with serving(_handler(state)) as url:
        state.url = url
        yield state


@dataclass
class Checkout:
    remote: Path
    work: Path

    def state_on_branch(self, path: str = ".publisher/sandbox/state.json") -> dict[str, Any]:
        return json.loads(git(self.remote, "show", f"publisher-state:{path}"))

    def branch_exists(self) -> bool:
        return bool(git(self.remote, "branch", "--list", "publisher-state").strip())

    def branch_log(self) -> list[str]:
        return git(self.remote, "log", "--format=%s", "publisher-state").splitlines()


def make_checkout(tmp_path: Path) -> Checkout:
    seed = init_repo(tmp_path / "seed")
    shutil.copy(EXAMPLES / "publisher.yaml", seed / "publisher.yaml")
    shutil.copytree(EXAMPLES / "posts", seed / "posts")
    shutil.copytree(EXAMPLES / "media", seed / "media")
    (seed / ".gitignore").write_text(".publisher/\n")
    commit_all(seed, "content")
    remote = push_to_new_bare(seed, tmp_path / "remote.git")
    return Checkout(remote, clone(remote, tmp_path / "work"))


@pytest.fixture
def checkout(tmp_path: Path) -> Checkout:
    return make_checkout(tmp_path)


def fresh_job(tmp_path: Path, remote: Path, name: str) -> Path:
    """A new runner: a fresh clone and nothing else (no token store, no tokens.enc)."""
    return clone(remote, tmp_path / name)


def machine_of(work: Path) -> Path:
    """The runner's own disk beside the clone ``work``: token store, logs, config."""
    return work.parent / f"{work.name}-machine"


def runner_env(
    work: Path, base_url: str, secrets: Mapping[str, str], key: str, **extra: str
) -> dict[str, str]:
    """A CI runner's environment for a job in ``work`` against the emulator at ``base_url``.

    :func:`publisher_env` of the machine :func:`machine_of` ``work`` (nothing of the
    publisher's, TikTok's or GitHub's inherited; ``CI=true`` as on a runner), with git pinned.
    """
    machine = machine_of(work)
    machine.mkdir(exist_ok=True)
    return publisher_env(machine, base_url, secrets, key=key, ci=True, **{**GIT_ENV, **extra})


@dataclass
class ActionRun:
    result: Result
    outputs: dict[str, str]
    summary: str

    @property
    def log(self) -> str:
        return self.result.output


def parse_outputs(text: str) -> dict[str, str]:
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        name, _, delimiter = line.partition("<<")
        value = []
        for inner in lines:
            if inner == delimiter:
                break
            value.append(inner)
        outputs[name] = "\n".join(value)
    return outputs


RunAction = Callable[..., ActionRun]


@pytest.fixture
def action(
    tmp_path: Path, stub: Stub, checkout: Checkout, monkeypatch: pytest.MonkeyPatch
) -> RunAction:
    monkeypatch.setenv("PUBLISHER_SANDBOX_TIME_SCALE", "500")  # 1 h of upload URL = 7 s
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)
    counter = iter(range(1, 1000))

    def run(
        event: str,
        payload: str,
        *,
        sha: str = "",
        work: Path | None = None,
        process: bool = False,
        **inputs: str,
    ) -> ActionRun:
        work = work or checkout.work
        index = next(counter)
        summary = tmp_path / f"summary-{index}.md"
        output = tmp_path / f"output-{index}.txt"
        summary.touch()
        output.touch()
        data = json.loads((EVENTS / payload).read_text())
        ref = data.get("ref") or (
            f"refs/pull/{data['number']}/merge" if "pull_request" in data else "refs/heads/main"
        )
        env: dict[str, str | None] = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(work),
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(EVENTS / payload),
            "GITHUB_REF": ref,
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_API_URL": stub.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": f"{4000 + index}",
            "GITHUB_SHA": sha or git(work, "rev-parse", "HEAD").strip(),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_TOKEN": None,
            "PUBLISHER_PULL_REQUEST": None,
            "PUBLISHER_STATE_BRANCH": None,
            "INPUT_COMMAND": inputs.get("command", "auto"),
            "INPUT_WORKING_DIRECTORY": inputs.get("working_directory", "."),
            "INPUT_PYTHON_VERSION": inputs.get("python_version", ""),
            "INPUT_STATE_BRANCH": inputs.get("state_branch", "publisher-state"),
            "INPUT_COMMENT": inputs.get("comment", "true"),
            "INPUT_ARGS": inputs.get("args", ""),
            "INPUT_GITHUB_TOKEN": inputs.get("github_token", TOKEN),
            "INPUT_REVIEWED_ONLY": inputs.get("reviewed_only", "true"),
        }
        for key, value in inputs.items():
            if key.isupper():
                env[key] = value
        argv = ["-C", str(work), "--sandbox", "github"]
        if process:  # a separate machine, as a matrix job is
            full = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
            done = subprocess.run(
                [sys.executable, "-m", "gitops_publisher", *argv],
                env=full,
                capture_output=True,
                text=True,
                check=False,
            )
            result = Result(
                runner=CliRunner(),
                stdout_bytes=done.stdout.encode(),
                stderr_bytes=done.stderr.encode(),
                output_bytes=(done.stdout + done.stderr).encode(),
                return_value=None,
                exit_code=done.returncode,
                exception=None,
            )
        else:
            result = CliRunner().invoke(cli, argv, env=env, catch_exceptions=False)
        return ActionRun(result, parse_outputs(output.read_text()), summary.read_text())

    return run
