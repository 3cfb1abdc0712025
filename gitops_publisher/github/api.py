"""The few GitHub REST calls the Action makes: its PR comment, and the merged pull request.

Synchronous httpx against ``GITHUB_API_URL`` (GitHub Enterprise and the tests' stub on
127.0.0.1 work alike); ``transport=`` is injectable. The token is sent only as a header and
never appears in an error message.

The sticky comment is the one *this token's identity* wrote whose body starts with the marker:
anyone can write the marker into a comment (or a caption), and only our own comment may be
overwritten. The identity is asked once: ``GET /user`` for a personal or OAuth token; an
installation token (the job's ``GITHUB_TOKEN``, a GitHub App's) gets 403 there, so GraphQL's
``viewer`` is asked, whose bot login REST spells with ``[bot]``.
"""

from __future__ import annotations

from typing import Any

import httpx

from gitops_publisher.errors import PublisherError

_PAGE = 100
_MAX_PAGES = 30
ACTIONS_BOT = "github-actions[bot]"
_VIEWER = {"query": "query { viewer { __typename login } }"}


class GitHubApiError(PublisherError):
    """GitHub answered with an error (status kept: 403 on fork pull requests is expected)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class GitHubApi:
    """A small client for one repository.

    Args:
        api_url: ``GITHUB_API_URL``.
        repository: ``owner/name``.
        token: a token with ``pull-requests: write`` (the job's ``GITHUB_TOKEN``).
        transport: an httpx transport (tests).
    """

    def __init__(
        self,
        api_url: str,
        repository: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.repository = repository
        self._client = httpx.Client(
            base_url=api_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "gitops-publisher-action",
            },
            timeout=30.0,
            transport=transport,
        )
        self._identity: str | None = None

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def identity(self) -> str:
        """The login comments made with this token carry (asked once, then kept).

        A personal token answers ``GET /user``. An installation token (the job's
        ``GITHUB_TOKEN``, a GitHub App's) is refused there (403), so GraphQL's ``viewer`` is
        asked, whose bot login REST spells with ``[bot]``; when GraphQL does not say either,
        it is the job's token: ``github-actions[bot]``.

        Raises:
            GitHubApiError: GitHub cannot be reached or refuses the token itself (401).
        """
        if self._identity is None:
            try:
                user = self._call("GET", "/user")
            except GitHubApiError as exc:
                if exc.status != 403:
                    raise
                user = {"login": self._viewer_login() or ACTIONS_BOT}
            self._identity = str(user.get("login", "")) if isinstance(user, dict) else ""
        return self._identity

    def _viewer_login(self) -> str:
        """GraphQL's viewer as REST names it, or "" when GraphQL does not say."""
        try:
            answer = self._call("POST", _graphql_url(self._client.base_url), json=_VIEWER)
        except GitHubApiError:
            return ""
        data = answer.get("data") if isinstance(answer, dict) else None
        viewer = data.get("viewer") if isinstance(data, dict) else None
        if not isinstance(viewer, dict) or not viewer.get("login"):
            return ""
        login = str(viewer["login"])
        bot = viewer.get("__typename") == "Bot" and not login.endswith("[bot]")
        return f"{login}[bot]" if bot else login

    def find_comment(self, number: int, marker: str) -> dict[str, Any] | None:
        """This token's comment on pull request ``number`` whose body starts with ``marker``.

        Only comments written with this token's identity count: anyone can write a comment
        holding the marker (or a caption quoting another project's), and the merge run trusts
        the reviewed plan inside it.

        Raises:
            GitHubApiError: the comments cannot be listed.
        """
        for comment in self.own_comments(number):
            if str(comment.get("body", "")).startswith(marker):
                return comment
        return None

    def own_comments(self, number: int) -> list[dict[str, Any]]:
        """Every comment on pull request ``number`` written with this token's identity.

        In the order GitHub lists them (oldest first); at most 3,000 comments are read.

        Raises:
            GitHubApiError: the comments cannot be listed.
        """
        me = self.identity()
        mine: list[dict[str, Any]] = []
        for page in range(1, _MAX_PAGES + 1):
            comments = self._call(
                "GET",
                f"/repos/{self.repository}/issues/{number}/comments",
                params={"per_page": _PAGE, "page": page},
            )
            if not isinstance(comments, list):
                break
            mine.extend(c for c in comments if isinstance(c, dict) and _is_ours(c, me, ""))
            if len(comments) < _PAGE:
                break
        return mine

    def upsert_comment(self, number: int, marker: str, body: str) -> tuple[str, str]:
        """Update the comment holding ``marker`` in place, or create it: ``(action, url)``.

        Raises:
            GitHubApiError: GitHub refused (403 on pull requests from forks).
        """
        existing = self.find_comment(number, marker)
        if existing is None:
            return "created", self.create_comment(number, body)
        return "updated", self.update_comment(existing, body)

    def create_comment(self, number: int, body: str) -> str:
        """Comment ``body`` on pull request ``number``; the comment's URL.

        Raises:
            GitHubApiError: GitHub refused (403 on pull requests from forks).
        """
        made = self._call(
            "POST", f"/repos/{self.repository}/issues/{number}/comments", json={"body": body}
        )
        return str(made.get("html_url", "")) if isinstance(made, dict) else ""

    def update_comment(self, comment: dict[str, Any], body: str) -> str:
        """Replace the body of ``comment`` (one :meth:`own_comments` listed); its URL.

        Raises:
            GitHubApiError: GitHub refused.
        """
        updated = self._call(
            "PATCH",
            f"/repos/{self.repository}/issues/comments/{comment['id']}",
            json={"body": body},
        )
        return str(updated.get("html_url", "")) if isinstance(updated, dict) else ""

    def delete_comment(self, comment: dict[str, Any]) -> None:
        """Delete ``comment`` (one :meth:`own_comments` listed).

        Raises:
            GitHubApiError: GitHub refused (404: it is gone already, which callers may accept).
        """
        self._call("DELETE", f"/repos/{self.repository}/issues/comments/{comment['id']}")

    def merged_pull_request(self, sha: str) -> int | None:
        """The pull request whose merge made commit ``sha`` (None: a push that skipped PRs).

        ``GET /commits/{sha}/pulls`` also lists open pull requests containing the commit;
        only one merged as exactly this commit (``merge_commit_sha``, also for squash and
        rebase merges) counts.

        Raises:
            GitHubApiError: GitHub refused.
        """
        pulls = self._call("GET", f"/repos/{self.repository}/commits/{sha}/pulls")
        for pull in pulls if isinstance(pulls, list) else []:
            if (
                isinstance(pull, dict)
                and isinstance(pull.get("number"), int)
                and pull.get("merged_at")
                and pull.get("merge_commit_sha") == sha
            ):
                return int(pull["number"])
        return None

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise GitHubApiError(
                f"GitHub API {method} {path}: {type(exc).__name__}", status=0
            ) from None
        if response.status_code >= 400:
            try:
                detail = str(response.json().get("message", ""))
            except ValueError:
                detail = ""
            raise GitHubApiError(
                f"GitHub API {method} {path}: HTTP {response.status_code} {detail}".rstrip(),
                status=response.status_code,
            )
        return response.json() if response.content else None


def _is_ours(comment: object, me: str, marker: str) -> bool:
    """Whether ``comment`` (REST JSON) was written by ``me`` and starts with ``marker``."""
    if not isinstance(comment, dict):
        return False
    user = comment.get("user")
    author = user.get("login") if isinstance(user, dict) else None
    return author == me and str(comment.get("body", "")).startswith(marker)


def _graphql_url(rest: httpx.URL) -> str:
    """``…/graphql`` on github.com; ``/api/graphql`` beside GitHub Enterprise's ``/api/v3``."""
    path = rest.path.rstrip("/")
    path = path[: -len("/v3")] + "/graphql" if path.endswith("/api/v3") else path + "/graphql"
    return str(rest.copy_with(path=path))
