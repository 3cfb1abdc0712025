"""An in-memory platform behind the provider port, with scripted answers (for unit tests).

The engine, settling, adoption and the pre-flight are tested through it without HTTP; the
emulators (``sandbox/``) stay the integration tier. Each :meth:`FakeProvider.start` takes the
next :class:`Script` (or the default one): refuse the start, lose its answer, drop the
transfer at a byte, expire the upload target, process for N polls, then end as scripted.

The fake keeps the platform's truth (:attr:`FakeProvider.publishes`): what was started, how
many bytes arrived, how it ended; tests compare the state against it, as the chaos test
compares against the emulator. :attr:`FakeProvider.on_call` sees every call as it begins,
so a test can check what the state held at that moment (the write-ahead rule).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from gitops_publisher.core import handles
from gitops_publisher.core.auth_port import AccountAuth, AuthOpening
from gitops_publisher.core.binding import EMBEDDED_SANDBOX
from gitops_publisher.core.identity import Identity
from gitops_publisher.core.media_rules import MediaRules
from gitops_publisher.core.ports import (
    AccountLimits,
    AccountReport,
    Attempt,
    BudgetSection,
    Chunking,
    Drafted,
    LookupBudget,
    Media,
    MissingApp,
    NotStarted,
    Opening,
    Outcome,
    Platform,
    PostProblem,
    Processing,
    Progress,
    Provider,
    Providers,
    Published,
    Quota,
    Rate,
    Refusal,
    Started,
    TokenSource,
    Transferring,
)
from gitops_publisher.core.state import Endpoint, Record
from gitops_publisher.errors import ApiError, AuthError, SealError
from gitops_publisher.providers.errors import (
    InitOutcomeUnknown,
    ProviderNetworkError,
    UploadError,
    UploadUrlExpired,
)
from gitops_publisher.providers.fake_auth import FakeAccountAuth

if TYPE_CHECKING:
    from gitops_publisher.core.desired import DesiredPost
    from gitops_publisher.core.models import AccountConfig
    from gitops_publisher.core.plan import Change, Plan


@dataclass
class Script:
    """How the fake platform answers one start and everything about its handle.

    Attributes:
        refuse: ``start`` raises this and creates nothing (an ``ApiError``, ``RateLimited``).
        lose_answer: ``start`` creates the publish, then raises ``InitOutcomeUnknown``.
        drop_at: the first transfer stops once the platform holds this many bytes, raising
            :attr:`drop` (a dropped connection that outlived the retries).
        drop: the error of a dropped transfer.
        lose_last_answer: every byte arrives, then the transfer raises :attr:`drop` anyway
            (the final answer was lost).
        expire: the upload target is gone: ``transfer`` raises ``UploadUrlExpired``.
        resumable: ``outcome`` reports a partial transfer as resumable from the handle
            (YouTube-like); otherwise only the ``Started`` of this run can transfer.
        gone: ``outcome`` answers :class:`NotStarted` while the transfer is incomplete.
        processing_polls: ``outcome`` answers :class:`Processing` this many times after the
            last byte.
        result: then this.
    """

    refuse: Exception | None = None
    lose_answer: bool = False
    drop_at: int | None = None
    drop: Exception = field(
        default_factory=lambda: ProviderNetworkError("the connection dropped (fake)")
    )
    lose_last_answer: bool = False
    expire: bool = False
    resumable: bool = False
    gone: bool = False
    processing_polls: int = 0
    result: Outcome = field(default_factory=lambda: Published(("7000000000000000001",)))


@dataclass
class FakePublish:
    """The platform's truth about one handle."""

    handle: str
    script: Script
    post_id: str
    received: int = 0
    size: int = 0
    polls: int = 0
    transfers: int = 0
    content_type: str | None = None
    transferred_as: list[str | None] = field(default_factory=list)


@dataclass
class FakeProvider:
    """One account on the fake platform (satisfies :class:`~gitops_publisher.core.ports.Provider`).

    Attributes:
        identity: who the token's user is.
        refusal: set to make :meth:`check_account` say the account cannot post now.
        check_error: :meth:`check_account` raises it (``AuthError``, a network failure).
        limits: the account's limits.
        scripts: consumed one per :meth:`start`; :attr:`default` when empty.
        capability: handles are capabilities (YouTube-like): :meth:`label` hides them.
        publishes: handle -> what the platform holds.
        calls: ``(method, handle)`` of every call, in order.
        on_call: told ``(method, handle)`` as each call begins.
        clock: when set, :attr:`times` gets ``(method, handle, clock())`` of every call.
        sleep, takes: when both are set, each call of a method named in ``takes`` waits that
            many seconds on ``sleep`` after it begins (a platform that takes time to answer,
            on the test's virtual clock), so several publishes are really in flight at once.
        busy: how many calls are in progress now; :attr:`most_busy` the most at once.
        attempts: ``(handle, attempt)`` of every :meth:`outcome` call, in order.
    """

    identity: Identity = field(default_factory=lambda: Identity("open-fake", "fake.user"))
    display_name: str = "Fake User"
    refusal: Refusal | None = None
    check_error: Exception | None = None
    limits: AccountLimits = field(default_factory=AccountLimits)
    notices: tuple[str, ...] = ()
    scripts: list[Script] = field(default_factory=list)
    default: Script = field(default_factory=Script)
    capability: bool = False
    name: str = "fake"
    title: str = "Fake"
    api_url: str = "https://fake.invalid"
    publishes: dict[str, FakePublish] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    on_call: Callable[[str, str], None] | None = None
    clock: Callable[[], float] | None = None
    times: list[tuple[str, str, float]] = field(default_factory=list)
    sleep: Callable[[float], Awaitable[None]] | None = None
    takes: Mapping[str, float] = field(default_factory=dict)
    busy: dict[str, int] = field(default_factory=dict)
    most_busy: dict[str, int] = field(default_factory=dict)
    attempts: list[tuple[str, Attempt | None]] = field(default_factory=list)

    def _seen(self, method: str, handle: str = "") -> None:
        self.calls.append((method, handle))
        if self.clock is not None:
            self.times.append((method, handle, self.clock()))
        if self.on_call is not None:
            self.on_call(method, handle)

    async def _taking(self, method: str) -> None:
        """Wait as long as ``method`` takes on this platform (nothing without ``sleep``)."""
        seconds = self.takes.get(method)
        if self.sleep is None or seconds is None:
            return
        self.busy[method] = self.busy.get(method, 0) + 1
        self.most_busy[method] = max(self.most_busy.get(method, 0), self.busy[method])
        try:
            await self.sleep(seconds)
        finally:
            self.busy[method] -= 1

    def count(self, method: str) -> int:
        """How many times ``method`` was called."""
        return sum(1 for m, _ in self.calls if m == method)

    # -- Named
    def label(self, handle: str) -> str:
        """The handle, or its last 4 characters for a capability."""
        return f"session …{handle[-4:]}" if self.capability else handle

    # -- Provider
    async def check_account(self) -> AccountReport:
        """The scripted identity, refusal, limits and notices."""
        self._seen("check_account")
        if self.check_error is not None:
            raise self.check_error
        return AccountReport(
            self.identity, self.display_name, self.refusal, self.limits, self.notices
        )

    def post_problems(
        self, post: DesiredPost, account: AccountReport, duration_ms: int | None
    ) -> list[PostProblem]:
        """Too long for the account, or a privacy it does not offer."""
        out = []
        limit = account.limits.max_duration_ms
        if duration_ms is not None and limit is not None and duration_ms > limit:
            out.append(PostProblem("video", f"{post.address}: too long for the account"))
        options = account.limits.privacy_options
        if post.privacy is not None and options and post.privacy not in options:
            out.append(PostProblem("privacy", f"{post.address}: not offered: {post.privacy}"))
        return out

    def start_summary(self, post: DesiredPost) -> str:
        """``start (direct)``."""
        return f"start ({post.mode})"

    async def start(self, post: DesiredPost, *, content_type: str | None = None) -> Started:
        """Take the next script; refuse, or create a publish (and maybe lose the answer)."""
        self._seen("start")
        script = self.scripts.pop(0) if self.scripts else self.default
        await self._taking("start")
        if script.refuse is not None:
            raise script.refuse
        number = len(self.publishes) + 1
        handle = (
            f"https://fake.invalid/upload?session={number}"
            if self.capability
            else (f"fake_pub~{number}")
        )
        self.publishes[handle] = FakePublish(
            handle, script, f"70000000000000{number:05d}", content_type=content_type
        )
        if script.lose_answer:
            raise InitOutcomeUnknown("no answer to the start (fake)", endpoint="start")
        return Started(handle, None if self.capability else f"{handle}/upload")

    async def transfer(
        self,
        started: Started,
        media: Media,
        *,
        offset: int = 0,
        on_progress: Progress | None = None,
    ) -> tuple[str, ...]:
        """Move the handle's received bytes to the end, unless the script drops or expires.

        Names no post (``()``): the fake's ids come with its outcome, as TikTok's do.
        """
        self._seen("transfer", started.handle)
        await self._taking("transfer")
        publish = self.publishes.get(started.handle)
        if publish is None:
            raise UploadError("unknown handle (fake)", status=404, bytes_confirmed=0)
        script = publish.script
        publish.transfers += 1
        publish.transferred_as.append(media.content_type)
        publish.size = media.size
        if started.upload_target is None and not script.resumable:
            raise UploadError(
                "no upload target for this handle (fake)",
                status=None,
                bytes_confirmed=publish.received,
            )
        if script.expire:
            raise UploadUrlExpired(
                "the upload target expired (fake)", status=403, bytes_confirmed=publish.received
            )
        if offset != publish.received:
            raise UploadError(
                f"offset {offset} but the platform holds {publish.received} (fake)",
                status=400,
                bytes_confirmed=publish.received,
            )
        if script.drop_at is not None and offset < script.drop_at < media.size:
            publish.received = script.drop_at
            script.drop_at = None
            if on_progress is not None:
                on_progress(publish.received, media.size)
            raise script.drop
        publish.received = media.size
        if on_progress is not None:
            on_progress(media.size, media.size)
        if script.lose_last_answer:
            script.lose_last_answer = False
            raise script.drop
        return ()

    async def outcome(
        self,
        handle: str,
        size: int,
        *,
        privacy: str | None = None,
        attempt: Attempt | None = None,
    ) -> Outcome:
        """Partial: transferring (or gone); then processing for N polls; then the result.

        ``attempt`` is kept in :attr:`attempts` (the fake never forgets a handle).
        """
        self._seen("outcome", handle)
        self.attempts.append((handle, attempt))
        await self._taking("outcome")
        publish = self.publishes.get(handle)
        if publish is None and handles.is_sealed(handle):  # sealed with another key
            return NotStarted("this run cannot open the session (fake)")
        if publish is None:
            raise ApiError("invalid_publish_id", "unknown handle", "", 400, platform=self.title)
        script = publish.script
        if publish.received < size:
            if script.gone:
                return NotStarted("the session expired (fake)")
            return Transferring(publish.received, script.resumable)
        if publish.polls < script.processing_polls:
            publish.polls += 1
            return Processing("PROCESSING")
        result = script.result
        if isinstance(result, Published) and not result.post_ids:
            return result
        if isinstance(result, Published):
            return Published(
                (publish.post_id,), f"https://fake.invalid/{publish.post_id}", result.status
            )
        return result

    def published(self) -> list[str]:
        """Handles the platform publishes or drafts: every byte arrived and the script ends so.

        What tests count for exactly-once (processing finishes whether or not anyone polls).
        """
        return [
            h
            for h, p in self.publishes.items()
            if p.size and p.received >= p.size and isinstance(p.script.result, Published | Drafted)
        ]


class FakeSealer:
    """Seals in memory (satisfies ``core.handles.Sealer``): another instance is another key.

    The sealed text's token is a number, not the URI encrypted: only this instance opens it.
    """

    def __init__(self) -> None:
        self.uris: dict[str, str] = {}  # token -> URI

    def seal(self, handle: str) -> str:
        """``handle`` sealed, if it is a session URI (the same text for the same URI)."""
        if not handles.is_capability(handle):
            return handle
        for token, uri in self.uris.items():
            if uri == handle:
                return handles.sealed_form(handle, "local", token)
        token = f"fake{len(self.uris) + 1}"
        self.uris[token] = handle
        return handles.sealed_form(handle, "local", token)

    def unseal(self, handle: str) -> str:
        """The URI this instance sealed; SealError for another's."""
        parts = handles.sealed_parts(handle)
        if parts is None:
            return handle
        uri = self.uris.get(parts[2])
        if uri is None:
            raise SealError(
                "its upload session was sealed with another key (fake)",
                hint="use the key of the run that started it",
            )
        return uri


@dataclass
class FakeProviders:
    """Opens :class:`FakeProvider` accounts (satisfies the port's ``Providers``)."""

    accounts: Mapping[str, FakeProvider]
    time_scale: float = 1.0
    secrets: set[str] = field(default_factory=set)
    opened: list[list[str]] = field(default_factory=list)
    sealer: handles.Sealer = field(default_factory=lambda: FakeSealer())

    def open(
        self,
        accounts: Mapping[str, AccountConfig],
        names: Sequence[str],
        *,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> AbstractAsyncContextManager[Mapping[str, Provider]]:
        """The fake accounts named (AuthError for one without a fake)."""
        self.opened.append(list(names))

        @asynccontextmanager
        async def opened() -> AsyncIterator[Mapping[str, Provider]]:
            missing = [n for n in names if n not in self.accounts]
            if missing:
                raise AuthError(f"no credentials for account {missing[0]}")
            yield {name: self.accounts[name] for name in names}

        return opened()


@dataclass
class FakeTokens:
    """The fake platform's tokens in the environment (:meth:`FakePlatform.environment_tokens`).

    Attributes:
        sets: account -> its token set (JSON); a saved set replaces it.
        writeback / warn: what the composition root handed the platform for them.
    """

    sets: dict[str, dict[str, Any]]
    writeback: object | None = None
    warn: Callable[[str], None] = lambda _message: None

    def load(self, account: str) -> dict[str, Any] | None:
        """The account's set in :attr:`sets`, or None."""
        return self.sets.get(account)

    def save(self, account: str, tokens: dict[str, Any]) -> None:
        """Replace the account's set."""
        self.sets[account] = tokens


@dataclass
class FakePlatform:
    """The fake platform as a registry entry (satisfies ``core.ports.Platform``).

    Attributes:
        provider: what :meth:`open` returns for every account.
        account_quotas: its quotas, for the planner (default: the account's daily cap).
        retryable_reasons: the failure reasons a new attempt may fix.
        media_rules: what pre-flight checks (default: nothing).
        covers: whether its posts show a chosen cover frame (as TikTok's do).
        opened: the accounts :meth:`open` was asked for, in order.
        openings: what :meth:`open` was handed, in the same order.
        account_auth: what :meth:`auth` returns (``providers/fake_auth.py``).
        auth_openings: what :meth:`auth` was handed, in order.
        upload_target_lifetime: how long a start's upload target lives (TikTok-like by
            default: transfers are not resumable from the handle alone).
        sealed_handle_lifetime: how long a sealed handle may still take bytes, for a run
            that cannot open it (None by default, as TikTok's: such an upload is given up
            only once the run that started it is known to have ended).
        app_secret_env: the variable of its app's secret (:meth:`secret_variables`).
        chunk_size: the bytes of each piece its uploads send (:meth:`chunking`).
        tokens_here: the accounts :meth:`has_tokens` finds a token for.
        pending / visible_at: :meth:`pending_note` says ``pending`` before ``visible_at``
            (None: every post is visible once published).
        tokens: the token sets the environment gives its accounts
            (:meth:`environment_tokens`; None: its accounts find their own when opened).
        sealed_handles: what its handles are called when the state keeps them sealed
            (None: they are no secrets, and the engine puts its records as they are). By
            default ``sessions`` when :attr:`provider`'s handles are capabilities, else None.
        handle_label: the label of a change's handle in the plan views. By default
            ``session`` when :attr:`provider`'s handles are capabilities, else ``handle``.
        budgets: what :meth:`lookup_budgets` gives, by account (empty: its lookups count
            against no quota).
        budget_plans: the plans :meth:`lookup_budgets` was asked about, in order.
    """

    provider: FakeProvider = field(default_factory=FakeProvider)
    account_quotas: tuple[Quota, ...] | None = None
    retryable_reasons: frozenset[str] = frozenset()
    media_rules: MediaRules = field(
        default_factory=lambda: MediaRules(platform="Fake", not_a_video="a video file")
    )
    opened: list[str] = field(default_factory=list)
    openings: list[Opening] = field(default_factory=list)
    status_rate: Rate | None = None
    upload_target_lifetime: timedelta | None = timedelta(hours=1)
    sealed_handle_lifetime: timedelta | None = None
    name: str = "fake"
    title: str = "Fake"
    api_url: str = "https://fake.invalid"
    covers: bool = True
    api_url_env: str = "PUBLISHER_FAKE_API_URL"
    app_credential: str = "the fake app's key (FAKE_APP_KEY)"
    app_secret_env: str = "FAKE_APP_SECRET"
    rotates_refresh_tokens: bool = False
    account_checks: str = "fake account"
    tokens_here: frozenset[str] = frozenset()
    chunk_size: int = 1_000_000
    pending: str = "scheduled by Fake"
    visible_at: datetime | None = None
    account_auth: FakeAccountAuth = field(default_factory=FakeAccountAuth)
    auth_openings: list[AuthOpening] = field(default_factory=list)
    tokens: dict[str, dict[str, Any]] | None = None
    sealed_handles: str | None = None
    handle_label: str = ""
    budgets: dict[str, LookupBudget] = field(default_factory=dict)
    budget_plans: list[Plan] = field(default_factory=list)

    def __post_init__(self) -> None:
        """A provider whose handles are capabilities has them sealed (as YouTube's)."""
        if self.sealed_handles is None and self.provider.capability:
            self.sealed_handles = "sessions"
        if not self.handle_label:
            self.handle_label = "session" if self.provider.capability else "handle"

    def quotas(self, account: AccountConfig) -> tuple[Quota, ...]:
        """:attr:`account_quotas`, else one: the account's daily cap over 24 h."""
        if self.account_quotas is not None:
            return self.account_quotas
        cap = getattr(account, "daily_post_cap", 15)
        return (Quota("posts", cap, timedelta(hours=24)),)

    def retryable(self, reason: str) -> bool:
        """Whether ``reason`` is one of :attr:`retryable_reasons`."""
        return reason in self.retryable_reasons

    def label(self, handle: str) -> str:
        """As the provider shows it."""
        return self.provider.label(handle)

    def outcome_rate(self) -> Rate | None:
        """:attr:`status_rate`."""
        return self.status_rate

    def lookup_budgets(self, plan: Plan) -> Mapping[str, LookupBudget]:
        """:attr:`budgets`, whatever the plan (kept in :attr:`budget_plans`)."""
        self.budget_plans.append(plan)
        return self.budgets

    def change_rows(self, change: Change, now: datetime) -> list[tuple[str, str]]:
        """``sends``: the mode and caption the fake receives; the ``schedule`` when set."""
        rows = [("sends", f"{change.mode or 'direct'}: {change.caption or ''}")]
        if change.publish_at_local:
            rows.append(("schedule", change.publish_at_local))
        return rows

    def budget_section(self, plan: Plan) -> BudgetSection | None:
        """Its accounts' lines of the plan's quotas (the planner counts :meth:`quotas`)."""
        mine = {c.account for c in plan.changes if c.provider == self.name}
        rows = tuple(
            (
                q.account,
                f"{q.inits} start(s) · {q.direct_posts + q.posted_last_24h}/{q.daily_cap} "
                "posts in 24 h",
            )
            for q in plan.quotas
            if q.account in mine
        )
        if not rows:
            return None
        return BudgetSection(f"{self.title} limits used by this apply", "account", rows)

    def open(self, run: Opening, account: str) -> Provider:
        """:attr:`provider`, whatever the account."""
        self.opened.append(account)
        self.openings.append(run)
        return self.provider

    def endpoint(
        self,
        accounts: Sequence[AccountConfig],
        *,
        sandbox: bool,
        env: Mapping[str, str] | None = None,
    ) -> Endpoint:
        """:attr:`api_url`, or the embedded sandbox; no app."""
        return Endpoint(api_url=EMBEDDED_SANDBOX if sandbox else self.api_url)

    def chunking(self, size: int) -> Chunking:
        """Pieces of :attr:`chunk_size` bytes (the last one shorter)."""
        return Chunking(min(size, self.chunk_size), max(1, -(-size // self.chunk_size)))

    def api_base_url(self, env: Mapping[str, str] | None = None) -> str:
        """:attr:`api_url_env` when set in ``env`` (the process's), else the fake's own URL."""
        env = os.environ if env is None else env
        return env.get(self.api_url_env) or self.api_url

    def missing_app(
        self, name: str, account: AccountConfig, env: Mapping[str, str]
    ) -> MissingApp | None:
        """``FAKE_APP_KEY`` and :attr:`app_secret_env`, per account, when one is unset."""
        if self.environment_app(env) is not None:
            return None
        variables = f"FAKE_APP_KEY/{self.app_secret_env}"
        return MissingApp(
            variables,
            f"set the fake app account {name} uses",
            f"fake checks skipped for {name}: no fake app here ({variables})",
        )

    def has_tokens(self, name: str, account: AccountConfig, env: Mapping[str, str]) -> bool:
        """Whether ``name`` is one of :attr:`tokens_here`."""
        return name in self.tokens_here

    def environment_tokens(
        self,
        accounts: Mapping[str, AccountConfig],
        *,
        writeback: object | None,
        warn: Callable[[str], None],
    ) -> TokenSource | None:
        """:attr:`tokens` (the same dict: saves land there), or None."""
        if self.tokens is None:
            return None
        return FakeTokens(self.tokens, writeback, warn)

    def environment_app(self, env: Mapping[str, str]) -> tuple[str, str] | None:
        """``FAKE_APP_KEY`` and :attr:`app_secret_env` when both are set, else None."""
        key, secret = env.get("FAKE_APP_KEY", ""), env.get(self.app_secret_env, "")
        return (key, secret) if key and secret else None

    def secret_variables(self, account: AccountConfig | None = None) -> tuple[str, ...]:
        """:attr:`app_secret_env`; an account's refresh token."""
        app = (self.app_secret_env,)
        return app if account is None else (*app, account.refresh_token_env)

    def pending_note(self, record: Record, now: datetime) -> str | None:
        """:attr:`pending` when set and ``now`` is before :attr:`visible_at`."""
        return self.pending if self.visible_at is not None and now < self.visible_at else None

    def adopts_unbound(self, current: Endpoint) -> bool:
        """Any endpoint: the fake keeps no real records."""
        return True

    def auth(self, opening: AuthOpening) -> AccountAuth:
        """:attr:`account_auth`, whatever the command."""
        self.auth_openings.append(opening)
        return self.account_auth


def _conforms(
    account: FakeProvider, accounts: FakeProviders, platform: FakePlatform, auth: FakeAccountAuth
) -> tuple[Provider, Providers, Platform, AccountAuth]:
    """Type-checked proof that the fakes satisfy the port (mypy fails here otherwise)."""
    return account, accounts, platform, auth
