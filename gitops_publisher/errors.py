"""The exception tree of gitops-publisher.

Every error a user can cause or meet derives from :class:`PublisherError`; the CLI's single
error handler (``cli/errors.py``) is the only place that formats them, exits 1 for them, and
writes a traceback log for anything else::

    PublisherError
    ├── ConfigError            manifests / publisher.yaml invalid; carries Diagnostics
    ├── StateError             state file unreadable, from a newer version, corrupt
    │   ├── StateLockedError   another run holds the lock
    │   ├── StateBindingError  the state describes another endpoint (sandbox vs. real)
    │   └── StateConflictError two runs recorded one address differently
    ├── StalePlanError         a saved plan no longer matches state or manifests
    ├── AddressError           an ADDRESS argument that names nothing
    ├── AuthError              missing / expired / revoked credentials
    │   └── SealError          no key here to seal or open an upload session (core/handles.py)
    ├── PreflightError         media or creator checks failed before any post
    └── ProviderError          the provider (TikTok) answered with an error
        └── ApiError           TikTok's error envelope: code, message, log_id, HTTP status
"""

from __future__ import annotations

from dataclasses import dataclass

from gitops_publisher.escape import terminal


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a user's file, with the position it came from.

    Attributes:
        file: path as the user would type it (relative to the project dir when possible).
        line: 1-based line, or None when the problem is about the whole file.
        column: 1-based column, or None.
        field: dotted field path inside the document (``accounts.0``), or "" for the document.
        message: what is wrong and what to do, never quoting a secret-looking value.
        severity: "error" or "warning".
    """

    file: str
    line: int | None
    column: int | None
    field: str
    message: str
    severity: str = "error"

    def location(self) -> str:
        """Return ``file:line:column`` with as much as is known."""
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def render(self) -> str:
        """Return the one-line form ``posts/a.yaml:7:3 caption: message``.

        One line whatever the file name, key or message hold: their control characters are
        shown as escapes (``escape.terminal``), so none forges a log line or a terminal screen.
        """
        where = f"{self.location()} {self.field}:" if self.field else f"{self.location()}:"
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return terminal(f"{prefix}{where} {self.message}")


class PublisherError(Exception):
    """Root of every error the CLI reports as a user-facing failure (exit 1)."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class ConfigError(PublisherError):
    """The project's YAML (config or manifests) is invalid; all problems are collected."""

    def __init__(self, diagnostics: list[Diagnostic], message: str = "") -> None:
        errors = [d for d in diagnostics if d.severity == "error"]
        super().__init__(message or f"{len(errors)} problem(s) in the project's files")
        self.diagnostics = diagnostics


class StateError(PublisherError):
    """The state file cannot be read, is corrupt, or comes from a newer version."""


class StateLockedError(StateError):
    """Another run holds the state lock."""


class StateBindingError(StateError):
    """The state describes another API endpoint or app than this run talks to."""


class StateConflictError(StateError):
    """Two runs recorded the same address differently (git-branch backend merge)."""


class StalePlanError(PublisherError):
    """A saved plan was made against another state or other manifests."""


class AddressError(PublisherError):
    """An address argument does not name a known post/account pair."""


class AuthError(PublisherError):
    """Credentials are missing, expired, or were revoked."""


class SealError(AuthError):
    """No key here to seal an upload session for the state, or to open a sealed one.

    Opening: the session was sealed with a key this run does not have (another machine's key
    file, another ``PUBLISHER_TOKEN_KEY``, or none set); the engine then treats the session
    as unknown to this run. Sealing: ``PUBLISHER_TOKEN_KEY`` is not a Fernet key, or the key
    file cannot be written.
    """


class PreflightError(PublisherError):
    """Checks that run before any post failed; nothing was posted."""

    def __init__(self, diagnostics: list[Diagnostic], message: str = "") -> None:
        super().__init__(message or "pre-flight checks failed")  # the CLI adds "nothing was posted"
        self.diagnostics = diagnostics


class ProviderError(PublisherError):
    """The provider could not do what was asked (network exhausted retries, bad answer).

    Attributes:
        stops_account: True when nothing else of this account's queue can succeed now (the
            platform's adapter decides: ``core/ports.py``); the engine stops the account.
    """

    stops_account: bool = False


class ApiError(ProviderError):
    """The platform answered with its error envelope (TikTok's unless ``platform`` says).

    Attributes:
        code: the platform's error code (TikTok's ``error.code``: ``access_token_invalid``,
            ``rate_limit_exceeded``...).
        api_message: the platform's message (TikTok's ``error.message``).
        log_id: TikTok's ``error.log_id``, quoted when asking TikTok support.
        status: the HTTP status code.
        stops_account: see :class:`ProviderError`.
    """

    def __init__(
        self,
        code: str,
        api_message: str,
        log_id: str,
        status: int,
        *,
        platform: str = "TikTok",
        stops_account: bool = False,
    ) -> None:
        text = f"{platform} error {code} (HTTP {status}): {api_message or 'no message'}"
        if log_id:
            text += f" [log_id {log_id}]"
        super().__init__(text)
        self.code = code
        self.api_message = api_message
        self.log_id = log_id
        self.status = status
        self.stops_account = stops_account
