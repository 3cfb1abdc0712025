"""What the workflow run is: the event, the inputs, and what the Action does about them.

Everything is read from a mapping (``os.environ`` in the Action, a dict in tests):
``GITHUB_EVENT_NAME``, ``GITHUB_EVENT_PATH`` (the webhook payload), ``GITHUB_REF``,
``GITHUB_REPOSITORY``, ``GITHUB_API_URL``... and the inputs as ``INPUT_*`` variables, which
``action.yml`` sets explicitly (composite actions do not set them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from gitops_publisher.core.state import Provenance
from gitops_publisher.errors import PublisherError

Command = Literal["auto", "plan", "apply", "validate"]
Decision = Literal["plan", "apply", "validate", "explain", "refuse"]

#: input name in action.yml -> environment variable the entrypoint reads.
INPUT_VARIABLES: dict[str, str] = {
    "command": "INPUT_COMMAND",
    "working-directory": "INPUT_WORKING_DIRECTORY",
    "python-version": "INPUT_PYTHON_VERSION",
    "state-branch": "INPUT_STATE_BRANCH",
    "comment": "INPUT_COMMENT",
    "args": "INPUT_ARGS",
    "github-token": "INPUT_GITHUB_TOKEN",
    "previews": "INPUT_PREVIEWS",
    "reviewed-only": "INPUT_REVIEWED_ONLY",
    "secret-env": "INPUT_SECRET_ENV",  # read by run_action (github/step_env.py), not Inputs
}

_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0"}


@dataclass(frozen=True)
class Inputs:
    """The Action's inputs."""

    command: Command = "auto"
    working_directory: str = "."
    python_version: str = ""
    state_branch: str = ""
    comment: bool = True
    args: tuple[str, ...] = ()
    github_token: str = ""
    previews: bool = False
    reviewed_only: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        """Read the ``INPUT_*`` variables.

        Raises:
            PublisherError: an input has a value the Action does not accept.
        """
        import shlex

        def get(name: str) -> str:
            return env.get(INPUT_VARIABLES[name], "").strip()

        command = get("command").lower() or "auto"
        if command not in ("auto", "plan", "apply", "validate"):
            raise PublisherError(
                f"input command: {command!r} is not one of auto, plan, apply, validate"
            )
        comment = get("comment").lower() or "true"
        if comment not in _TRUE | _FALSE:
            raise PublisherError(f"input comment: {comment!r} is not on/off (true/false)")
        previews = get("previews").lower() or "false"
        if previews not in ("true", "false"):  # action.yml's shell and `if:` test "true"
            raise PublisherError(f"input previews: {previews!r} is not true or false")
        reviewed_only = get("reviewed-only").lower() or "true"
        if reviewed_only not in _TRUE | _FALSE:
            raise PublisherError(f"input reviewed-only: {reviewed_only!r} is not true or false")
        try:
            args = tuple(shlex.split(get("args")))
        except ValueError as exc:
            raise PublisherError(f"input args cannot be split like a shell line: {exc}") from exc
        return cls(
            command=command,  # type: ignore[arg-type]
            # one spelling per directory, so `./site/` and `site` share one comment
            working_directory=PurePosixPath(get("working-directory") or ".").as_posix(),
            python_version=get("python-version"),
            state_branch=get("state-branch"),
            comment=comment in _TRUE,
            args=args,
            github_token=get("github-token") or env.get("GITHUB_TOKEN", ""),
            previews=previews == "true",
            reviewed_only=reviewed_only in _TRUE,
        )


@dataclass(frozen=True)
class Run:
    """The workflow run as the ``GITHUB_*`` variables describe it."""

    event_name: str
    payload: dict[str, Any]
    ref: str
    repository: str
    api_url: str = "https://api.github.com"
    server_url: str = "https://github.com"
    run_id: str = ""
    sha: str = ""
    step_summary: Path | None = None
    output: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Run:
        """Read the run; the payload from ``GITHUB_EVENT_PATH`` if it exists.

        Raises:
            PublisherError: not inside GitHub Actions, or the payload is unreadable.
        """
        name = env.get("GITHUB_EVENT_NAME", "")
        if not name:
            raise PublisherError(
                "`publisher github` runs inside GitHub Actions (GITHUB_EVENT_NAME is not set)",
                hint="locally, run `publisher plan` or `publisher apply` instead",
            )
        payload: dict[str, Any] = {}
        path = env.get("GITHUB_EVENT_PATH", "")
        if path:
            try:
                loaded = json.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise PublisherError(f"cannot read the event payload {path}: {exc}") from exc
            payload = loaded if isinstance(loaded, dict) else {}

        def as_path(key: str) -> Path | None:
            value = env.get(key, "")
            return Path(value) if value else None

        return cls(
            event_name=name,
            payload=payload,
            ref=env.get("GITHUB_REF", ""),
            repository=env.get("GITHUB_REPOSITORY", ""),
            api_url=env.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
            server_url=env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/"),
            run_id=env.get("GITHUB_RUN_ID", ""),
            sha=env.get("GITHUB_SHA", ""),
            step_summary=as_path("GITHUB_STEP_SUMMARY"),
            output=as_path("GITHUB_OUTPUT"),
        )

    @property
    def run_url(self) -> str:
        """The run's page (its summary holds the full plan)."""
        return _run_url(self.server_url, self.repository, self.run_id)

    @property
    def pull_request(self) -> dict[str, Any]:
        """The payload's ``pull_request`` object (empty if none)."""
        value = self.payload.get("pull_request")
        return value if isinstance(value, dict) else {}

    @property
    def pull_number(self) -> int | None:
        """The pull request's number, when the event is about one."""
        number = self.pull_request.get("number", self.payload.get("number"))
        return number if isinstance(number, int) else None

    @property
    def is_fork(self) -> bool:
        """A pull request whose head lives in another repository (no secrets, read-only token)."""
        if not self.pull_request:
            return False
        head = (self.pull_request.get("head") or {}).get("repo") or {}
        base = (self.pull_request.get("base") or {}).get("repo") or {}
        base_name = base.get("full_name") or self.repository
        return head.get("full_name") != base_name  # a deleted fork has head.repo null

    @property
    def default_branch(self) -> str | None:
        """The repository's default branch, from the payload."""
        repo = self.payload.get("repository")
        branch = repo.get("default_branch") if isinstance(repo, dict) else None
        return branch if isinstance(branch, str) and branch else None


def decide(run: Run, command: Command) -> tuple[Decision, str]:
    """What the Action does for this event and ``command``, and why (one sentence).

    ``auto``: a pull request is planned; a push to the default branch, a schedule and a
    manual run on the default branch are applied; anything else is explained, not acted on.
    Apply is refused on pull requests whatever ``command`` says: a pull request's code has
    not been reviewed, and on forks it would run someone else's manifests with your secrets.
    """
    event = run.event_name
    on_default = run.default_branch is not None and run.ref == f"refs/heads/{run.default_branch}"
    if command == "validate":
        return "validate", "validating the manifests (no network)"
    if event in ("pull_request", "pull_request_target"):
        if command == "apply":
            return "refuse", (
                f"apply never runs on `{event}` events: merge the pull request, "
                "and the push to the default branch publishes it"
            )
        if event == "pull_request_target":
            return "explain", (
                "pull_request_target runs with secrets on code from the pull request; "
                "use `on: pull_request` for plans"
            )
        return "plan", "planning the pull request"
    if command == "plan":
        return "plan", f"planning ({event})"
    if event == "schedule":
        return "apply", "scheduled run: publishing what has come due"
    if event in ("push", "workflow_dispatch") and on_default:
        return "apply", f"{event} to the default branch: publishing"
    if event in ("push", "workflow_dispatch"):
        branch = run.ref.removeprefix("refs/heads/")
        where = run.default_branch or "the default branch (unknown in this payload)"
        reason = f"{event} to `{branch}`, not to {where}: nothing is published from other branches"
        return ("refuse" if command == "apply" else "explain"), reason
    return ("refuse" if command == "apply" else "explain"), (
        f"`{event}` events are not acted on: pull requests are planned, pushes to the "
        "default branch and schedules are applied"
    )


#: Set by the Action for the ``apply`` it runs: the pull request merged by the pushed commit.
PULL_REQUEST_VARIABLE = "PUBLISHER_PULL_REQUEST"


def _run_url(server_url: str, repository: str, run_id: str) -> str:
    if not run_id or not repository:
        return ""
    return f"{server_url.rstrip('/')}/{repository}/actions/runs/{run_id}"


def ci_origin(env: Mapping[str, str]) -> Provenance:
    """Where an ``apply`` in GitHub Actions comes from: commit, pull request, run page.

    Read from the run's variables (``GITHUB_SHA``, ``GITHUB_REPOSITORY``, ``GITHUB_RUN_ID``,
    ``GITHUB_SERVER_URL``) and :data:`PULL_REQUEST_VARIABLE`, the bare CLI's and the Action's
    alike; outside Actions every field is None. The plan hash is the engine's to add.
    """
    run_url = _run_url(
        env.get("GITHUB_SERVER_URL") or "https://github.com",
        env.get("GITHUB_REPOSITORY", ""),
        env.get("GITHUB_RUN_ID", ""),
    )
    number = env.get(PULL_REQUEST_VARIABLE, "")
    return Provenance(
        commit=env.get("GITHUB_SHA") or None,
        pull_request=int(number) if number.isdigit() else None,
        run_url=run_url or None,
    )
