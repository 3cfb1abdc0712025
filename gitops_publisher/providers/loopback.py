"""The browser half of an OAuth desktop login: PKCE verifier, state, loopback listener.

TikTok's Login Kit and Google's installed-app flow work the same way up to the code exchange
(RFC 8252): the app listens on ``http://127.0.0.1:PORT/...``, opens the authorize page with a
random ``state`` and a PKCE challenge, and reads ``code`` and ``state`` from the redirect. What
differs per platform (the authorize URL, the challenge's encoding, the token endpoint) stays in
``providers/<platform>/login.py``; this module is the part they share.

The browser opener is injected: the CLI opens the user's browser (or prints the URL), a test
follows the URL itself against the emulator, which consents automatically. When the browser
runs on another machine (a login over SSH), its redirect to 127.0.0.1 reaches nothing; the user
pastes the address the browser shows instead (``paste``), which is checked like a redirect.
"""

from __future__ import annotations

import asyncio
import inspect
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, Required, TypedDict, Unpack
from urllib.parse import parse_qs, urlsplit

from gitops_publisher.errors import AuthError
from gitops_publisher.providers.tokens import TokenSet

_VERIFIER_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_PAGE = (
    "<!doctype html><meta charset=utf-8><title>gitops-publisher</title>"
    "<p>{message}</p><p>You can close this window and return to the terminal.</p>"
)
Opener = Callable[[str], Awaitable[None] | None]
Paste = Callable[[], Awaitable[str | None]]
"""Returns what the user pasted (the redirect URL), or None when there will be nothing."""
AuthorizeUrl = Callable[[str, str, str], str]
"""``(redirect_uri, state, code_verifier) -> authorize page URL`` of one platform."""


class AuthorizePage(Protocol):
    """``(redirect_uri=, state=, challenge=) -> authorize page URL`` of one platform."""

    def __call__(self, *, redirect_uri: str, state: str, challenge: str) -> str:
        """Return the URL the browser opens."""
        ...


class BrowserOptions(TypedDict, total=False):
    """How a login meets the user's browser (the keyword arguments of every platform's login).

    Attributes:
        open_browser: opens (or prints) the authorize URL; required.
        port: the listener's port (default 0: any free one).
        timeout: seconds to wait for the redirect (default 300).
        paste: reads a pasted redirect URL, for a browser on another machine (default none).
    """

    open_browser: Required[Opener]
    port: int
    timeout: float
    paste: Paste | None


class CodeExchange(Protocol):
    """A platform's token endpoint, as far as a login goes."""

    async def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        """Trade the authorization code for tokens; raise TokenRefreshError when refused."""
        ...


def new_code_verifier(length: int = 64) -> str:
    """Return a fresh PKCE verifier: ``length`` (43..128) chars from ``[A-Za-z0-9-._~]``."""
    if not 43 <= length <= 128:
        raise ValueError("a code_verifier has 43 to 128 characters")
    return "".join(secrets.choice(_VERIFIER_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class Callback:
    """What the platform sent back to the redirect URI."""

    params: dict[str, str]


@dataclass(frozen=True)
class Authorization:
    """A consented login, ready for the platform's code exchange (``state`` already checked)."""

    code: str
    redirect_uri: str
    code_verifier: str
    params: dict[str, str]


class LoopbackListener:
    """A one-shot HTTP listener on 127.0.0.1 for the redirect, on asyncio streams.

    Args:
        port: the port (0: any free one, as RFC 8252 and Google recommend).
        path: the path of the redirect URI (TikTok: ``/callback/``; Google: ``/``).
    """

    def __init__(self, port: int = 0, path: str = "/callback/") -> None:
        self._port = port
        self._path = path
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[Callback] | None = None

    async def start(self) -> str:
        """Start listening; return the redirect URI.

        Raises:
            AuthError: the port cannot be bound.
        """
        self._result = asyncio.get_running_loop().create_future()
        try:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self._port)
        except OSError as exc:
            raise AuthError(
                f"cannot listen on 127.0.0.1:{self._port}: {exc.strerror}",
                hint="pass another --port, or leave --port out for any free one",
            ) from None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}{self._path}"

    async def wait(self, timeout: float) -> Callback:
        """Return the first callback request; raise AuthError after ``timeout`` seconds."""
        assert self._result is not None, "start() first"
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout)
        except TimeoutError:
            raise AuthError(f"no answer from the browser within {timeout:.0f} s") from None

    async def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("ascii", "replace")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, IndexError):
            writer.close()
            return
        parts = urlsplit(target)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        answered = "code" in params or "error" in params
        if parts.path != self._path or not answered or self._result is None or self._result.done():
            await _answer(writer, 404, "Not the login callback.")
            return
        message = (
            "Login failed: " + params.get("error", "")
            if "error" in params
            else "Login received by gitops-publisher."
        )
        await _answer(writer, 200, message)
        self._result.set_result(Callback(params))


async def first_callback(
    listener: LoopbackListener, timeout: float, paste: Paste | None, example: str = ""
) -> Callback:
    """The redirect from the listener or, if it comes first, from a pasted redirect URL.

    Raises:
        AuthError: nothing within ``timeout``, or the pasted text is no redirect URL.
    """
    if paste is None:
        return await listener.wait(timeout)
    waiting = asyncio.ensure_future(listener.wait(timeout))
    pasting = asyncio.ensure_future(paste())
    try:
        done, _ = await asyncio.wait({waiting, pasting}, return_when=asyncio.FIRST_COMPLETED)
        if pasting in done and pasting.result():
            return pasted_callback(pasting.result() or "", example)
        return await waiting  # nothing pasted (end of input): the browser may still come
    finally:
        for task in (waiting, pasting):
            task.cancel()


def pasted_callback(text: str, example: str = "") -> Callback:
    """Read the redirect URL (or just its query) a user pasted.

    Args:
        text: what was pasted.
        example: the shape of the address, for the hint
            (default ``http://127.0.0.1:.../callback/?code=...&state=...``).

    Raises:
        AuthError: it carries neither a code nor an error.
    """
    query = urlsplit(text.strip()).query or text.strip().lstrip("?")
    params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if "code" not in params and "error" not in params:
        shape = example or "http://127.0.0.1:.../callback/?code=...&state=..."
        raise AuthError(
            "the pasted text is not the redirect address: it has no code",
            hint=f"paste the whole address from the browser's address bar ({shape})",
        )
    return Callback(params)


async def _answer(writer: asyncio.StreamWriter, status: int, message: str) -> None:
    body = _PAGE.format(message=message.replace("<", "&lt;")).encode()
    reason = "OK" if status == 200 else "Not Found"
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    try:
        await writer.drain()
    finally:
        writer.close()


async def authorize_in_browser(
    authorize_url: AuthorizeUrl,
    *,
    platform: str,
    open_browser: Opener,
    path: str = "/callback/",
    port: int = 0,
    timeout: float = 300.0,
    paste: Paste | None = None,
) -> Authorization:
    """Run the browser half of a desktop login and return the authorization code.

    A fresh verifier and ``state`` are made here; ``authorize_url(redirect_uri, state,
    verifier)`` builds the platform's authorize page (and its challenge). With ``paste``, the
    redirect may also come as the pasted redirect URL; whichever of the listener and the paste
    answers first is used (same ``state`` check).

    Raises:
        AuthError: the port is taken, the user refused (``access_denied``...), the ``state``
            came back different (a forged redirect), or no answer within ``timeout``.
    """
    verifier = new_code_verifier()
    state = secrets.token_urlsafe(24)
    listener = LoopbackListener(port, path)
    redirect_uri = await listener.start()
    try:
        opened = open_browser(authorize_url(redirect_uri, state, verifier))
        if inspect.isawaitable(opened):
            await opened
        example = f"http://127.0.0.1:...{path}?code=...&state=..."
        callback = await first_callback(listener, timeout, paste, example)
    finally:
        await listener.close()
    params = callback.params
    if not secrets.compare_digest(params.get("state", ""), state):
        raise AuthError("the login answer carries another state: ignored (possible forgery)")
    if "error" in params:
        raise AuthError(
            f"{platform} refused the login: {params['error']}"
            + (f" ({params['error_description']})" if params.get("error_description") else "")
        )
    code = params.get("code")
    if not code:
        raise AuthError("the login answer has no authorization code")
    return Authorization(
        code=code, redirect_uri=redirect_uri, code_verifier=verifier, params=params
    )


@dataclass(frozen=True)
class PkceFlow:
    """What differs between platforms' desktop logins up to the code exchange.

    Attributes:
        platform: who is asked, in messages ("TikTok", "Google").
        callback_path: the path of the redirect URI (TikTok ``/callback/``, Google ``/``).
        challenge: ``verifier -> code_challenge``: TikTok's lowercase hex SHA-256, RFC 7636's
            unpadded base64url SHA-256 for Google.
    """

    platform: str
    callback_path: str
    challenge: Callable[[str], str]

    async def login(
        self,
        endpoint: CodeExchange,
        authorize_page: AuthorizePage,
        **browser: Unpack[BrowserOptions],
    ) -> TokenSet:
        """Run the login and return the user's tokens (not yet stored).

        ``authorize_page(redirect_uri=, state=, challenge=)`` builds the platform's authorize
        URL; the verifier, the ``state``, the listener (:func:`authorize_in_browser`) and the
        code exchange with the verifier are the same for every platform.

        Raises:
            AuthError: as :func:`authorize_in_browser`, or the code exchange failed
                (:class:`TokenRefreshError`).
        """

        def page(redirect_uri: str, state: str, verifier: str) -> str:
            return authorize_page(
                redirect_uri=redirect_uri, state=state, challenge=self.challenge(verifier)
            )

        granted = await authorize_in_browser(
            page, platform=self.platform, path=self.callback_path, **browser
        )
        code, redirect_uri, verifier = granted.code, granted.redirect_uri, granted.code_verifier
        return await endpoint.exchange_code(code, redirect_uri, verifier)
