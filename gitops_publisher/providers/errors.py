"""Provider errors the apply engine must tell apart (all are :class:`ProviderError`).

They extend the package tree in ``gitops_publisher/errors.py`` without importing httpx, so the
engine can catch them cheaply::

    ProviderError
    ├── ApiError                 the platform's envelope: code, api_message, log_id, status
    │   └── RateLimited          refused by a rate limiter (429...), with Retry-After if sent
    ├── ProviderNetworkError     connection errors / timeouts / 5xx that outlived the retries
    ├── InitOutcomeUnknown       an init request may have reached TikTok; its answer was lost
    ├── UploadError              a chunk PUT failed for good (400, 404, unsyncable 416...)
    │   ├── UploadUrlExpired     TikTok's upload_url answered 403 (valid 1 h after init)
    │   ├── UploadSessionGone    a YouTube resumable session answered 404/410
    │   └── UploadContended      a resumable session keeps none of our bytes: another
    │                            client is sending into it
    ├── NoUploadTarget           a start gave nowhere to send the bytes: the attempt is void
    ├── OutcomeUnclear           a forgotten handle, and several posts (or unknown) may be its
    └── LookupOverBudget         looking for a forgotten handle's post would take quota the
                                 run keeps for its uploads: not done, nothing is decided
    AuthError
    └── TokenRefreshError        the token endpoint refused or could not be reached
"""

from __future__ import annotations

from gitops_publisher.errors import ApiError, AuthError, ProviderError


class ProviderNetworkError(ProviderError):
    """The network or TikTok's servers failed longer than the retry policy allows."""


class InitOutcomeUnknown(ProviderError):
    """An init (direct or inbox) request may have been processed, but no answer arrived.

    Init endpoints are not idempotent: each accepted call creates a new publish_id. The client
    therefore never repeats one after the request may have left this machine (a read timeout,
    a dropped connection, a 5xx). The engine decides what to do: with FILE_UPLOAD an init whose
    upload_url was never seen cannot publish anything (nobody can send its bytes), so a new
    init is safe for exactly-once, at the cost of one of the 6 inits/min.

    Attributes:
        endpoint: the API path that was called.
    """

    def __init__(self, message: str, *, endpoint: str) -> None:
        super().__init__(
            message,
            hint="nothing to upload into was received, so nothing can be published through "
            "it; `publisher plan` shows it to retry (publish again)",
        )
        self.endpoint = endpoint


class UploadError(ProviderError):
    """A chunk upload failed in a way that retrying the same chunk cannot fix.

    Attributes:
        status: the HTTP status of the last answer, or None when there was none.
        bytes_confirmed: bytes the server had accepted when the upload stopped.
    """

    def __init__(self, message: str, *, status: int | None, bytes_confirmed: int) -> None:
        super().__init__(message)
        self.status = status
        self.bytes_confirmed = bytes_confirmed


class UploadUrlExpired(UploadError):
    """The upload_url answered 403: it lives one hour after init.

    The engine must fetch the status of the old publish_id before any new init (design §6).
    """


class UploadSessionGone(UploadError):
    """A resumable upload session answered 404 (or 410): it expired or died (YouTube §2.8).

    Nothing was published through it unless it had completed and then expired (a completed
    session replays its final answer, so a status query before this point would have found the
    video): a new session, uploading from byte 0, is the way on.
    """


class UploadContended(UploadError):
    """A resumable session kept none of the bytes sent to it, again and again, yet waits for more.

    The sign of another client sending into the same session: a handle anyone holding the
    record can resume (a YouTube session URI) may be continued by another run (two clones
    applying one state branch) while the run that started it is still uploading. The upload
    server then stores nothing of the second sender's chunks (reference §2.5: a PUT that does
    not start at the session's offset, or arrives while another is being received, "none of
    the binary content will be uploaded") and answers the same offset each time. The attempt
    is not failed: a new session would make a second video while the other client's
    upload completes. It is left as it is; a later run finds it complete, or resumes it
    once nobody else is sending (or starts again only when the session has expired).
    """


class OutcomeUnclear(ProviderError):
    """The platform forgot an attempt's handle, and several posts may be the one it made.

    YouTube: the upload session expired, and more than one video on the channel has the
    title and description the attempt sent, uploaded since it began. Taking one would be a
    guess and uploading again could make another duplicate: the engine leaves the attempt as
    it is and reports the candidates.

    When the record does not say what the attempt sent (written before records kept it) and
    the post changed since (or is no longer declared), nothing can be compared: every post
    made since the attempt began is a candidate (``compared`` false), and one alone is not
    taken either.

    When one post matches but another unsettled attempt of the account sent the same
    (``rivals``), either may have made it: it is not taken either.

    Attributes:
        candidates: the platform's ids of the posts that may be the attempt's.
        compared: whether they were matched on what the attempt sent (False: every post
            made since it began).
        rivals: the addresses of the account's other unsettled attempts that sent the same
            (or whose record does not say what they sent), one of which may have made it.
    """

    def __init__(
        self,
        message: str,
        *,
        candidates: tuple[str, ...],
        compared: bool = True,
        rivals: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.candidates = candidates
        self.compared = compared
        self.rivals = rivals


class LookupOverBudget(ProviderError):
    """Looking for a forgotten handle's post would spend more of the quota than the run has.

    YouTube: the next call listing the channel's uploads does not fit the project's units
    left for lookups (``core/youtube_quota.py``: the day's units less what the state says was
    spent and what the plan's uploads need). The call is not sent; nothing is known of the
    attempt, which the engine leaves as it is for a run after the quota resets.
    """


class NoUploadTarget(ProviderError):
    """A transfer has nowhere to send the bytes and never will.

    TikTok: an init answer without upload_url. The engine records the attempt failed
    (``upload_failed``).
    """


class TokenRefreshError(AuthError):
    """The OAuth token endpoint did not give new tokens.

    Attributes:
        code: the OAuth ``error`` (``invalid_grant``...) or ``""`` for a network failure.
        log_id: TikTok's ``log_id`` when present.
        transient: True when trying again later may work (network, 5xx, ``server_error``).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        log_id: str = "",
        transient: bool = False,
        account: str = "",
    ) -> None:
        name = account or "NAME"
        hint = (
            ""
            if transient
            else f"run `publisher auth login --account {name}` to log in again (for a CI "
            f"secret: `publisher auth login --account {name} --for-ci`, then update it)"
        )
        super().__init__(f"account {account}: {message}" if account else message, hint=hint)
        self.code = code
        self.log_id = log_id
        self.transient = transient

    def for_account(self, account: str) -> TokenRefreshError:
        """Return this error naming ``account`` (the token endpoint does not know it)."""
        return TokenRefreshError(
            str(self),
            code=self.code,
            log_id=self.log_id,
            transient=self.transient,
            account=account,
        )


class RateLimited(ApiError):
    """A rate limiter refused the call; it may be repeated after the wait.

    TikTok's 429 ``rate_limit_exceeded`` (1-minute sliding window, TikTok reference §7);
    Google's 429, or 403 ``rateLimitExceeded``/``userRateLimitExceeded`` (YouTube §5.3).

    Attributes:
        retry_after: seconds from a ``Retry-After`` header, or None (TikTok documents none).
    """

    def __init__(
        self,
        code: str,
        api_message: str,
        log_id: str,
        status: int,
        retry_after: float | None,
        *,
        platform: str = "TikTok",
    ) -> None:
        super().__init__(code, api_message, log_id, status, platform=platform)
        self.retry_after = retry_after


def no_credentials(account: str, variable: str) -> AuthError:
    """The error of an account with no token anywhere: which variable to set, or to log in."""
    return AuthError(
        f"no credentials for account {account}",
        hint=f"set {variable} to its refresh token, or run "
        f"`publisher auth login --account {account}`",
    )
