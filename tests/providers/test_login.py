import hashlib
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from gitops_publisher.errors import AuthError
from gitops_publisher.providers.tiktok.auth import TokenEndpoint
from gitops_publisher.providers.tiktok.login import (
    authorize_url,
    code_challenge,
    login,
    new_code_verifier,
    pasted_callback,
)
from gitops_publisher.sandbox import (
    SANDBOX_CLIENT_KEY,
    SANDBOX_CLIENT_SECRET,
    create_app,
    serve_in_thread,
)

from .fakes import run


def test_verifier_alphabet_and_length() -> None:
    for length in (43, 64, 128):
        verifier = new_code_verifier(length)
        assert re.fullmatch(r"[A-Za-z0-9\-._~]+", verifier) and len(verifier) == length
    assert new_code_verifier() != new_code_verifier()
    with pytest.raises(ValueError):
        new_code_verifier(42)


def test_challenge_is_lowercase_hex_sha256() -> None:
    verifier = "a" * 43
    assert code_challenge(verifier) == hashlib.sha256(b"a" * 43).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", code_challenge(new_code_verifier()))


def test_authorize_url_shape() -> None:
    url = authorize_url(
        "https://www.tiktok.com/",
        client_key="ck",
        redirect_uri="http://127.0.0.1:5/callback/",
        state="st",
        challenge="ch",
    )
    parts = urlsplit(url)
    assert parts.netloc == "www.tiktok.com" and parts.path == "/v2/auth/authorize/"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "client_key": "ck",
        "scope": "user.info.basic,video.publish,video.upload",
        "response_type": "code",
        "redirect_uri": "http://127.0.0.1:5/callback/",
        "state": "st",
        "code_challenge": "ch",
        "code_challenge_method": "S256",
    }


def _endpoint(base: str) -> TokenEndpoint:
    return TokenEndpoint(SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET, base_url=base)


def test_forged_state_is_refused_and_no_code_is_exchanged() -> None:
    async def forger(url: str) -> None:
        redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        async with httpx.AsyncClient() as c:
            await c.get(redirect, params={"code": "c0de", "state": "not-the-state"})

    async def main() -> None:
        endpoint = TokenEndpoint(
            "k",
            "s",
            base_url="http://127.0.0.1:9",
            transport=httpx.MockTransport(lambda r: pytest.fail("exchanged")),
        )
        await login(endpoint, client_key="k", auth_base="http://x", open_browser=forger)

    with pytest.raises(AuthError, match="another state"):
        run(main())


def test_listener_ignores_other_paths_then_times_out() -> None:
    async def stray(url: str) -> None:
        redirect = urlsplit(parse_qs(urlsplit(url).query)["redirect_uri"][0])
        async with httpx.AsyncClient() as c:
            r = await c.get(f"http://{redirect.netloc}/favicon.ico")
            assert r.status_code == 404

    async def main() -> None:
        await login(
            _endpoint("http://127.0.0.1:9"),
            client_key="k",
            auth_base="http://x",
            open_browser=stray,
            timeout=0.2,
        )

    with pytest.raises(AuthError, match="no answer"):
        run(main())


def test_a_busy_login_port_says_how_to_pick_another() -> None:
    import socket

    from gitops_publisher.providers.loopback import LoopbackListener

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        listener = LoopbackListener(busy.getsockname()[1])
        with pytest.raises(AuthError, match="cannot listen on 127.0.0.1:") as info:
            run(listener.start())
    assert info.value.hint == "pass another --port, or leave --port out for any free one"


@pytest.fixture
def emulator(tmp_path: Path):  # type: ignore[no-untyped-def]
    app = create_app(tmp_path / "world")
    with serve_in_thread(app) as base_url:
        yield base_url


def follow(extra: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    seen: list[str] = []

    async def opener(url: str) -> None:
        seen.append(url)
        if extra:
            url += "&" + "&".join(f"{k}={v}" for k, v in extra.items())
        async with httpx.AsyncClient(follow_redirects=True) as c:
            response = await c.get(url)
            assert response.status_code in (200, 404), response.text

    return opener, seen


def test_login_against_the_emulator_over_real_http(emulator: str) -> None:
    opener, seen = follow()

    async def main():  # type: ignore[no-untyped-def]
        endpoint = _endpoint(emulator)
        try:
            return await login(
                endpoint, client_key=SANDBOX_CLIENT_KEY, auth_base=emulator, open_browser=opener
            )
        finally:
            await endpoint.aclose()

    tokens = run(main())
    assert tokens.open_id and "video.publish" in tokens.scopes
    assert tokens.refresh_expires_at is not None
    query = parse_qs(urlsplit(seen[0]).query)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/callback/", query["redirect_uri"][0])


def test_user_cancelling_is_a_clear_error(emulator: str) -> None:
    opener, _ = follow({"sandbox_deny": "1"})

    async def main() -> None:
        await login(
            _endpoint(emulator),
            client_key=SANDBOX_CLIENT_KEY,
            auth_base=emulator,
            open_browser=opener,
        )

    with pytest.raises(AuthError, match="access_denied"):
        run(main())


@pytest.mark.parametrize(
    "text",
    [
        "http://127.0.0.1:53682/callback/?code=abc&scopes=video.publish&state=xyz\n",
        "  ?code=abc&state=xyz ",
        "code=abc&state=xyz",
    ],
)
def test_a_pasted_redirect_url_or_query_is_read(text: str) -> None:
    assert pasted_callback(text).params["code"] == "abc"
    assert pasted_callback(text).params["state"] == "xyz"


def test_pasted_text_without_a_code_is_a_clear_error() -> None:
    with pytest.raises(AuthError, match="not the redirect address") as caught:
        pasted_callback("https://www.tiktok.com/")
    assert "address bar" in caught.value.hint
