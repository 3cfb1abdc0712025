import asyncio
from datetime import timedelta

import httpx
import pytest

from gitops_publisher.errors import ApiError
from gitops_publisher.providers.errors import TokenRefreshError
from gitops_publisher.providers.tiktok.auth import RefreshingAuth, TokenEndpoint
from gitops_publisher.providers.tiktok.client import TikTokClient
from gitops_publisher.providers.tokens import TokenSet

from .fake_oauth import FakeOAuth
from .fakes import FakeClock, run


class Harness:
    def __init__(
        self, tokens: TokenSet | None = None, fail_saves: int = 0, account: str = ""
    ) -> None:
        self.account = account
        self.clock = FakeClock()
        self.server = FakeOAuth(self.clock)
        self.saved: list[TokenSet] = []
        self.fail_saves = fail_saves
        self.tokens = tokens or TokenSet.from_refresh_token("rft.SEED0")

    async def save(self, tokens: TokenSet) -> None:
        if self.fail_saves:
            self.fail_saves -= 1
            raise OSError("disk full")
        self.server.log.append("persist")
        self.saved.append(tokens)

    def run(self, fn):  # type: ignore[no-untyped-def]
        async def main():  # type: ignore[no-untyped-def]
            transport = httpx.MockTransport(self.server)
            endpoint = TokenEndpoint(
                "CKEY",
                "CSECRET",
                base_url="https://api.test",
                transport=transport,
                now=self.clock.wall,
            )
            self.auth = RefreshingAuth(
                self.tokens, endpoint, persist=self.save, now=self.clock.wall, account=self.account
            )
            async with TikTokClient(
                self.auth,
                base_url="https://api.test",
                transport=transport,
                sleep=self.clock.sleep,
                clock=self.clock,
                rng=lambda: 0.0,
            ) as client:
                try:
                    return await fn(client)
                finally:
                    await endpoint.aclose()

        return run(main())


def status(client: TikTokClient):  # type: ignore[no-untyped-def]
    return client.fetch_status("p1")


def test_first_use_refreshes_and_persists_before_the_token_is_used() -> None:
    h = Harness()
    assert h.run(status).status == "SEND_TO_USER_INBOX"
    assert h.server.log == ["refresh", "persist", "api"]
    assert h.server.api_auth == ["Bearer act.ACCESS1"]
    form = h.server.token_forms[0]
    assert form == {
        "client_key": "CKEY",
        "client_secret": "CSECRET",
        "grant_type": "refresh_token",
        "refresh_token": "rft.SEED0",
    }
    saved = h.saved[0]
    assert saved.refresh_token.get_secret_value() == "rft.REFRESH1"
    assert saved.access_expires_at == h.clock.wall() + timedelta(seconds=7200)  # trusts expires_in
    assert saved.open_id == "OPEN1" and "video.publish" in saved.scopes


def test_refreshes_early_when_less_than_five_minutes_are_left() -> None:
    h = Harness()
    h.run(status)

    async def later(client: TikTokClient):  # type: ignore[no-untyped-def]
        h.clock.advance(7200 - 6 * 60)
        await client.fetch_status("p")
        h.clock.advance(2 * 60)  # 4 minutes left
        await client.fetch_status("p")

    h.tokens = h.auth.tokens
    h.run(later)
    assert h.server.log.count("refresh") == 2
    assert h.server.api_auth[-2:] == ["Bearer act.ACCESS1", "Bearer act.ACCESS2"]


def test_401_access_token_invalid_refreshes_once_and_resends() -> None:
    h = Harness()
    h.run(status)
    h.server.access_expiry["act.ACCESS1"] = 0  # revoked early on TikTok's side
    h.tokens = h.auth.tokens
    assert h.run(status).status == "SEND_TO_USER_INBOX"
    assert h.server.api_auth[-2:] == ["Bearer act.ACCESS1", "Bearer act.ACCESS2"]
    assert h.server.log.count("refresh") == 2


def test_second_401_is_not_refreshed_again() -> None:
    h = Harness()
    h.server.revoke_all_access = True
    with pytest.raises(ApiError) as info:
        h.run(status)
    assert info.value.code == "access_token_invalid" and info.value.status == 401
    assert h.server.log == ["refresh", "persist", "api", "refresh", "persist", "api"]


def test_concurrent_requests_share_one_refresh() -> None:
    h = Harness()

    async def many(client: TikTokClient):  # type: ignore[no-untyped-def]
        return await asyncio.gather(*(client.fetch_status(str(i)) for i in range(8)))

    assert len(h.run(many)) == 8
    assert h.server.log.count("refresh") == 1
    assert h.server.token_forms[0]["refresh_token"] == "rft.SEED0"


def test_a_failed_save_blocks_use_and_is_retried_without_burning_the_new_token() -> None:
    h = Harness(fail_saves=1)
    with pytest.raises(OSError):
        h.run(status)
    assert "api" not in h.server.log  # the unsaved token was never used

    auth = h.auth  # the pending (unsaved) set lives in this auth object

    async def same_auth() -> None:
        transport = httpx.MockTransport(h.server)
        async with TikTokClient(auth, base_url="https://api.test", transport=transport) as c:
            await c.fetch_status("p")

    run(same_auth())
    assert h.server.log.count("refresh") == 1
    assert h.saved[0].refresh_token.get_secret_value() == "rft.REFRESH1"
    assert h.server.api_auth == ["Bearer act.ACCESS1"]


def test_reused_refresh_token_is_invalid_grant() -> None:
    h = Harness(tokens=TokenSet.from_refresh_token("rft.DEAD"))
    with pytest.raises(TokenRefreshError) as info:
        h.run(status)
    assert info.value.code == "invalid_grant" and not info.value.transient
    assert "auth login" in info.value.hint and "LGRANT" in str(info.value)
    assert "rft.DEAD" not in str(info.value)


def test_a_refused_refresh_names_the_account_and_how_to_mint_a_new_token() -> None:
    h = Harness(tokens=TokenSet.from_refresh_token("rft.DEAD"), account="brand-us")
    with pytest.raises(TokenRefreshError) as info:
        h.run(status)
    assert str(info.value).startswith("account brand-us: token refresh refused: invalid_grant")
    assert "auth login --account brand-us" in info.value.hint and "--for-ci" in info.value.hint
    assert info.value.code == "invalid_grant" and "rft.DEAD" not in str(info.value)


def test_oauth_error_with_http_200_is_refused() -> None:
    h = Harness()
    h.server.token_faults = [
        httpx.Response(200, json={"error": "invalid_client", "error_description": "bad key"})
    ]
    with pytest.raises(TokenRefreshError) as info:
        h.run(status)
    assert info.value.code == "invalid_client"


def test_transient_refresh_failure_is_retried_by_the_client() -> None:
    h = Harness()
    h.server.token_faults = [
        httpx.Response(503, text="busy"),
        httpx.Response(200, json={"error": "temporarily_unavailable"}),
    ]

    async def init(client: TikTokClient):  # type: ignore[no-untyped-def]
        return await client.fetch_status("p")

    assert h.run(init).status == "SEND_TO_USER_INBOX"
    assert h.server.log.count("refresh") == 3


def test_sync_client_is_refused() -> None:
    h = Harness()
    endpoint = TokenEndpoint(
        "k", "s", base_url="https://api.test", transport=httpx.MockTransport(h.server)
    )
    auth = RefreshingAuth(h.tokens, endpoint, persist=h.save)
    with (
        httpx.Client(transport=httpx.MockTransport(h.server)) as client,
        pytest.raises(RuntimeError),
    ):
        client.get("https://api.test/x", auth=auth)


def test_token_repr_hides_secrets() -> None:
    tokens = TokenSet.from_refresh_token("rft.SECRET")
    assert "rft.SECRET" not in repr(tokens) and "rft.SECRET" not in str(tokens)
    assert tokens.to_storage()["refresh_token"] == "rft.SECRET"
