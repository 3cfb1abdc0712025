"""A scripted Google token endpoint and a consenting browser, for the OAuth tests."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from gitops_publisher.providers.youtube.login import code_challenge
from gitops_publisher.providers.youtube.oauth import DEFAULT_SCOPES

GRANTED = " ".join(DEFAULT_SCOPES)


class FakeGoogleToken:
    """Google's token endpoint: code exchange with PKCE S256, non-rotating refresh."""

    def __init__(self, scope: str = GRANTED) -> None:
        self.challenges: dict[str, str] = {}
        self.forms: list[dict[str, str]] = []
        self.scope = scope
        self.refresh_answer: tuple[int, bytes] | None = None

    def handler(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.forms.append(form)
        assert form["client_id"] == "cid" and form["client_secret"] == "csecret"
        if form["grant_type"] == "authorization_code":
            challenge = self.challenges.pop(form["code"], None)
            if challenge is None or code_challenge(form["code_verifier"]) != challenge:
                return httpx.Response(
                    400, json={"error": "invalid_grant", "error_description": "Bad Request"}
                )
            return httpx.Response(
                200,
                json={
                    "access_token": "ya29.first",
                    "expires_in": 3599,
                    "refresh_token": "1//refresh",
                    "scope": self.scope,
                    "token_type": "Bearer",
                },
            )
        if self.refresh_answer is not None:
            status, content = self.refresh_answer
            return httpx.Response(status, content=content)
        assert form["refresh_token"] == "1//refresh"
        return httpx.Response(
            200, json={"access_token": "ya29.next", "expires_in": 3599, "scope": self.scope}
        )


def consenting(fake: FakeGoogleToken, answer: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """A browser that consents: Google redirects to the loopback with a code and the state."""

    async def opener(url: str) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        fake.challenges["4/code"] = query["code_challenge"]
        params = answer or {"code": "4/code", "state": query["state"], "scope": query["scope"]}
        params.setdefault("state", query["state"])
        async with httpx.AsyncClient() as browser:
            favicon = await browser.get(query["redirect_uri"] + "favicon.ico")
            assert favicon.status_code == 404  # not the callback: ignored
            page = await browser.get(query["redirect_uri"], params=params)
            assert page.status_code == 200

    return opener
