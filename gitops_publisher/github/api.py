"""The few GitHub REST calls the Action makes: find, create and update its PR comment.

Synchronous httpx against ``GITHUB_API_URL`` (GitHub Enterprise and the tests' stub on
127.0.0.1 work alike); ``transport=`` is injectable. The token is sent only as a header and
never appears in an error message.
"""

from __future__ import annotations

from typing import Any

import httpx

from gitops_publisher.errors import PublisherError

_PAGE = 100
_MAX_PAGES = 30


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

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def find_comment(self, number: int, marker: str) -> int | None:
        """The id of the first comment on pull request ``number`` containing ``marker``.

        Raises:
            GitHubApiError: the comments cannot be listed.
        """
        for page in range(1, _MAX_PAGES + 1):
            comments = self._call(
                "GET",
                f"/repos/{self.repository}/issues/{number}/comments",
                params={"per_page": _PAGE, "page": page},
            )
            if not isinstance(comments, list):
                return None
            for comment in comments:
                if isinstance(comment, dict) and marker in str(comment.get("body", "")):
                    return int(comment["id"])
            if len(comments) < _PAGE:
                return None
        return None

    def upsert_comment(self, number: int, marker: str, body: str) -> tuple[str, str]:
        """Update the comment holding ``marker`` in place, or create it: ``(action, url)``.

        Raises:
            GitHubApiError: GitHub refused (403 on pull requests from forks).
        """
        existing = self.find_comment(number, marker)
        if existing is None:
            made = self._call(
                "POST", f"/repos/{self.repository}/issues/{number}/comments", json={"body": body}
            )
            return "created", str(made.get("html_url", "")) if isinstance(made, dict) else ""
        updated = self._call(
            "PATCH", f"/repos/{self.repository}/issues/comments/{existing}", json={"body": body}
        )
        return "updated", str(updated.get("html_url", "")) if isinstance(updated, dict) else ""

    def pulls_for_commit(self, sha: str) -> list[int]:
        """Numbers of the pull requests that contain ``sha`` (the merged one, after a merge).

        Raises:
            GitHubApiError: GitHub refused.
        """
        pulls = self._call("GET", f"/repos/{self.repository}/commits/{sha}/pulls")
        if not isinstance(pulls, list):
            return []
        return [
            p["number"] for p in pulls if isinstance(p, dict) and isinstance(p.get("number"), int)
        ]

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
