"""A fake TikTok OAuth token endpoint plus one API endpoint, for httpx.MockTransport."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx

from .fakes import FakeClock


class FakeOAuth:
    """Rotates refresh tokens (the old one dies at once); checks access tokens on the API."""

    def __init__(self, clock: FakeClock, *, access_ttl: int = 7200) -> None:
        self.clock = clock
        self.access_ttl = access_ttl
        self.serial = 0
        self.live_refresh = {"rft.SEED0"}
        self.access_expiry: dict[str, float] = {}
        self.token_forms: list[dict[str, str]] = []
        self.api_auth: list[str] = []
        self.log: list[str] = []
        self.token_faults: list[httpx.Response] = []
        self.revoke_all_access = False

    def issue(self) -> dict[str, object]:
        self.serial += 1
        access, refresh = f"act.ACCESS{self.serial}", f"rft.REFRESH{self.serial}"
        self.live_refresh.add(refresh)
        self.access_expiry[access] = self.clock() + self.access_ttl
        return {
            "access_token": access,
            "expires_in": self.access_ttl,
            "open_id": "OPEN1",
            "refresh_expires_in": 15552000,
            "refresh_token": refresh,
            "scope": "user.info.basic,video.publish,video.upload",
            "token_type": "Bearer",
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/oauth/token/":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            self.token_forms.append(form)
            self.log.append("refresh")
            assert request.headers["content-type"] == "application/x-www-form-urlencoded"
            if self.token_faults:
                return self.token_faults.pop(0)
            token = form.get("refresh_token", "")
            if token not in self.live_refresh:
                return httpx.Response(
                    400,
                    json={
                        "error": "invalid_grant",
                        "error_description": "refresh token is invalid",
                        "log_id": "LGRANT",
                    },
                )
            self.live_refresh.discard(token)  # always rotate; the old one dies at once
            return httpx.Response(200, json=self.issue())
        auth = request.headers.get("authorization", "")
        self.api_auth.append(auth)
        self.log.append("api")
        token = auth.removeprefix("Bearer ")
        expiry = self.access_expiry.get(token)
        if self.revoke_all_access or expiry is None or expiry <= self.clock():
            return httpx.Response(
                401,
                json={
                    "data": {},
                    "error": {
                        "code": "access_token_invalid",
                        "message": "expired",
                        "log_id": "L401",
                    },
                },
            )
        return httpx.Response(
            200,
            content=json.dumps(
                {"data": {"status": "SEND_TO_USER_INBOX"}, "error": {"code": "ok"}}
            ).encode(),
        )
