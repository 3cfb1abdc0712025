"""TikTok as one platform of the registry (``providers/registry.py``): :data:`TIKTOK`.

What the planner, pre-flight, the plan views, ``publisher auth`` and the composition root
need of TikTok by the ``provider:`` name alone: its quotas (reference §7), which
``fail_reason`` a new attempt may fix, its media rules (``media_rules.py``), what the plan
shows of it (``plan_view.py``), its accounts' login, status and refresh
(``account_auth.py``), and how one account is opened for a run (its token set, the
refreshing auth, the client and the adapter, :class:`~.adapter.TikTokProvider`).
Light to import: the HTTP client is imported only when an account is opened.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from gitops_publisher.core.auth_port import AccountAuth, AuthOpening
from gitops_publisher.core.media_rules import MediaRules
from gitops_publisher.core.models import AccountConfig, TikTokAccount
from gitops_publisher.core.ports import (
    BudgetSection,
    Chunking,
    LookupBudget,
    MissingApp,
    Opening,
    Provider,
    Quota,
    Rate,
    TokenSource,
)
from gitops_publisher.core.state import Endpoint, Record
from gitops_publisher.providers.tiktok import endpoint, plan_view, urls
from gitops_publisher.providers.tiktok.adapter import ACCOUNT_STOPPERS
from gitops_publisher.providers.tiktok.api_models import RETRYABLE_FAIL_REASONS
from gitops_publisher.providers.tiktok.chunks import plan_chunks
from gitops_publisher.providers.tiktok.media_rules import TIKTOK_MEDIA_RULES
from gitops_publisher.providers.tiktok.ratelimit import (
    ENDPOINT_LIMITS,
    INITS_PER_MINUTE,
    WINDOW_SECONDS,
)

if TYPE_CHECKING:
    from gitops_publisher.core.plan import Change, Plan
    from gitops_publisher.providers.tokens import TokenSet

STATUS_RATE = Rate(ENDPOINT_LIMITS[urls.STATUS_FETCH], timedelta(seconds=WINDOW_SECONDS))
PENDING_DRAFT_CAP = 5  # pending inbox shares per 24 h (reference §7)
DAILY_POST_CAP = 15  # a TikTok account's default ``daily_post_cap``
DAY = timedelta(hours=24)
UPLOAD_URL_LIFETIME = timedelta(hours=1)  # "upload_url is valid 1 hour" (reference §3.2)
CLIENT_SECRET_ENV = "TIKTOK_CLIENT_SECRET"


class TikTokPlatform:
    """TikTok's entry of the registry (satisfies ``core.ports.Platform``)."""

    name = "tiktok"
    title = "TikTok"
    media_rules: MediaRules = TIKTOK_MEDIA_RULES
    covers = True  # video_cover_timestamp_ms (reference §3.2)
    # The upload_url is never stored (a credential): only the run that got it can upload.
    upload_target_lifetime: timedelta | None = UPLOAD_URL_LIFETIME
    sealed_handle_lifetime: timedelta | None = None  # its handles are never sealed
    api_url_env = urls.API_URL_ENV
    app_credential = f"the app's client key ({endpoint.CLIENT_KEY_ENV})"
    rotates_refresh_tokens = True  # each refresh retires the old refresh token (reference §1)
    account_checks = "creator"  # creator_info (reference §3.1)
    sealed_handles: str | None = None  # a publish_id is no secret; the upload_url is not kept
    handle_label = "publish_id"  # the plan views' row of a change's recorded handle

    def quotas(self, account: AccountConfig) -> tuple[Quota, ...]:
        """6 inits a minute, the account's daily cap of direct posts, 5 pending drafts."""
        cap = account.daily_post_cap if isinstance(account, TikTokAccount) else DAILY_POST_CAP
        return (
            Quota("inits", INITS_PER_MINUTE, timedelta(minutes=1)),
            Quota(
                "direct posts",
                cap,
                DAY,
                modes=frozenset({"direct"}),
                refusal="spam_risk_too_many_posts",
            ),
            Quota(
                "pending drafts",
                PENDING_DRAFT_CAP,
                DAY,
                modes=frozenset({"draft"}),
                refusal="spam_risk_too_many_pending_share",
            ),
        )

    def retryable(self, reason: str) -> bool:
        """Whether TikTok's ``fail_reason`` allows publishing the post again.

        An init refused for the account (:data:`~.adapter.ACCOUNT_STOPPERS`: a cap reached
        mid-run, a token refused) created nothing and said nothing of the post: once the
        account can post again, so can it.
        """
        return reason in RETRYABLE_FAIL_REASONS or reason in ACCOUNT_STOPPERS

    def label(self, handle: str) -> str:
        """The publish_id itself (it is no credential)."""
        return handle

    def outcome_rate(self) -> Rate:
        """status/fetch: 30 per sliding minute per user token (reference §7)."""
        return STATUS_RATE

    def lookup_budgets(self, plan: Plan) -> Mapping[str, LookupBudget]:
        """None: a publish_id's status fetch never forgets it, so nothing is looked for."""
        return {}

    def change_rows(self, change: Change, now: datetime) -> list[tuple[str, str]]:
        """What init's ``post_info`` says (caption, privacy, interactions...) or a draft's mode."""
        return plan_view.change_rows(change)  # TikTok's schedule is the plan's own ``wait``

    def budget_section(self, plan: Plan) -> BudgetSection | None:
        """Its accounts' inits (6 a minute), direct posts in 24 h and pending drafts."""
        return plan_view.budget_section(plan, self.name)

    def open(self, run: Opening, account: str) -> Provider:
        """The account's token set, refreshing auth (rotations saved first) and client.

        The run's TikTok accounts share one rate limiter, and their clients one TLS context
        (``providers/tls.py``): 40 clients for 20 accounts.

        Raises:
            AuthError: no token set stored for the account.
        """
        from gitops_publisher.providers.tiktok.adapter import TikTokProvider
        from gitops_publisher.providers.tiktok.auth import RefreshingAuth, TokenEndpoint
        from gitops_publisher.providers.tiktok.client import TikTokClient
        from gitops_publisher.providers.tiktok.ratelimit import SlidingWindowLimiter
        from gitops_publisher.providers.token_store import refresh_expiry_warnings
        from gitops_publisher.providers.tokens import TokenSet

        tokens = TokenSet.from_storage(run.stored_tokens(account))
        run.secrets.update(tokens.secrets())
        limiter = run.shared(
            "tiktok.limiter", lambda: SlidingWindowLimiter(clock=run.clock, sleep=run.sleep)
        )
        key, secret = run.apps.get(self.name) or ("", "")
        endpoint = TokenEndpoint(key, secret, base_url=run.api_url)
        run.on_close(endpoint.aclose)

        def persist(new: TokenSet) -> None:
            run.secrets.update(new.secrets())
            run.save_tokens(account, new.to_storage())

        auth = RefreshingAuth(tokens, endpoint, persist=persist, account=account)
        client = TikTokClient(
            auth,
            base_url=run.api_url,
            account=account,
            limiter=limiter,
            sleep=run.sleep,
            clock=run.clock,
        )
        run.on_close(client.aclose)

        def notices() -> tuple[str, ...]:
            warnings = refresh_expiry_warnings({account: auth.tokens}, datetime.now(UTC))
            return tuple(w.message for w in warnings)

        return TikTokProvider(client, open_id=lambda: auth.tokens.open_id, notices=notices)

    def endpoint(
        self,
        accounts: Sequence[AccountConfig],
        *,
        sandbox: bool,
        env: Mapping[str, str] | None = None,
    ) -> Endpoint:
        """TikTok's API URL and the app's client key fingerprint (``endpoint.py``).

        Raises:
            PublisherError: ``PUBLISHER_TIKTOK_API_URL`` is not an http(s) URL.
        """
        return endpoint.current_endpoint(sandbox=sandbox, env=env)

    def chunking(self, size: int) -> Chunking:
        """The ``chunk_size`` and ``total_chunk_count`` its init sends (``chunks.py``).

        Raises:
            ValueError: over 64 GB (more than 1,000 chunks of the largest size).
        """
        chunks = plan_chunks(size)
        return Chunking(chunks.chunk_size, chunks.total_chunk_count)

    def api_base_url(self, env: Mapping[str, str] | None = None) -> str:
        """``PUBLISHER_TIKTOK_API_URL`` or TikTok's (``urls.py``)."""
        return urls.api_url(env)

    def missing_app(
        self, name: str, account: AccountConfig, env: Mapping[str, str]
    ) -> MissingApp | None:
        """The app's key and secret when either is unset: one app for every account."""
        if env.get(endpoint.CLIENT_KEY_ENV) and env.get(CLIENT_SECRET_ENV):
            return None
        variables = f"{endpoint.CLIENT_KEY_ENV}/{CLIENT_SECRET_ENV}"
        return MissingApp(
            variables,
            "set your TikTok app's client key and secret",
            f"creator checks skipped: no TikTok app credentials here ({variables}, as on pull "
            "requests from forks); apply checks again before posting",
            shared=True,
        )

    def has_tokens(self, name: str, account: AccountConfig, env: Mapping[str, str]) -> bool:
        """Its ``refresh_token_env`` is set, or a login or rotation is in the local store.

        Raises:
            AuthError: the local store is unreadable.
        """
        from gitops_publisher.providers.tiktok.credentials import AccountTokens
        from gitops_publisher.providers.token_store import TokenStore, default_store_path

        store = TokenStore(default_store_path(env))
        tokens = AccountTokens({name: account}, urls.api_url(env), store, env=env)
        return tokens.has_credentials(name)

    def environment_tokens(
        self,
        accounts: Mapping[str, AccountConfig],
        *,
        writeback: object | None,
        warn: Callable[[str], None],
    ) -> TokenSource:
        """Each account's ``refresh_token_env``, the write-back or the local store.

        Under ``PUBLISHER_TIKTOK_API_URL`` or TikTok's (``credentials.py`` says which wins,
        and refuses a refresh that would retire a secret still needed elsewhere).
        """
        from gitops_publisher.providers.tiktok.credentials import AccountTokens
        from gitops_publisher.providers.token_store import EncryptedTokenFile, TokenStore

        assert writeback is None or isinstance(writeback, EncryptedTokenFile), writeback
        return AccountTokens(
            accounts=accounts,
            api_url=urls.api_url(),
            store=TokenStore(),
            writeback=writeback,
            warn=warn,
        )

    def environment_app(self, env: Mapping[str, str]) -> tuple[str, str] | None:
        """``TIKTOK_CLIENT_KEY`` and ``TIKTOK_CLIENT_SECRET`` (empty when unset)."""
        return env.get(endpoint.CLIENT_KEY_ENV, ""), env.get(CLIENT_SECRET_ENV, "")

    def secret_variables(self, account: AccountConfig | None = None) -> tuple[str, ...]:
        """The app's secret; an account's refresh token."""
        app = (CLIENT_SECRET_ENV,)
        return app if account is None else (*app, account.refresh_token_env)

    def pending_note(self, record: Record, now: datetime) -> str | None:
        """None: a TikTok post is visible once published (TikTok schedules nothing)."""
        return None

    def adopts_unbound(self, current: Endpoint) -> bool:
        """TikTok's own API and the embedded sandbox (``endpoint.py``)."""
        return endpoint.adopts_unbound(current)

    def auth(self, opening: AuthOpening) -> AccountAuth:
        """TikTok's desktop login, token status and refresh (``account_auth.py``).

        Raises:
            AuthError: ``PUBLISHER_TOKEN_KEY`` is set but is not a Fernet key.
            StateError: the write-back's state branch cannot be fetched.
        """
        from gitops_publisher.providers.tiktok.account_auth import open_auth

        return open_auth(opening)


TIKTOK = TikTokPlatform()
