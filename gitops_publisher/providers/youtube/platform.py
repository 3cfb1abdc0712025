"""YouTube as one platform of the registry (``providers/registry.py``): :data:`YOUTUBE`.

What the planner, pre-flight, the plan views, ``publisher auth`` and the composition root
need of YouTube by the ``provider:`` name alone: its quotas (reference §5.1: the Google
Cloud project's, not the channel's), which failures a new upload may fix, its media rules
(``media_rules.py``), what the plan shows of it (``plan_view.py``), its channels' login,
status and refresh (``account_auth.py``), and how one channel is opened for a run (Google's
tokens, the client and the adapter, :class:`~.adapter.YouTubeProvider`). Light to import:
the HTTP client is imported only when a channel is opened.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from gitops_publisher.core import handles
from gitops_publisher.core.auth_port import AccountAuth, AuthOpening
from gitops_publisher.core.media_rules import MediaRules
from gitops_publisher.core.models import YouTubeAccount
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
from gitops_publisher.core.youtube import scheduled_by_youtube, scheduled_text
from gitops_publisher.core.youtube_quota import lookup_budgets
from gitops_publisher.errors import AuthError
from gitops_publisher.providers.youtube import endpoint, plan_view, urls
from gitops_publisher.providers.youtube.envelope import ACCOUNT_STOPPERS, PLATFORM
from gitops_publisher.providers.youtube.media_rules import YOUTUBE_MEDIA_RULES

if TYPE_CHECKING:
    from gitops_publisher.core.models import AccountConfig
    from gitops_publisher.core.plan import Change, Plan
    from gitops_publisher.providers.tokens import TokenSet
    from gitops_publisher.providers.youtube.oauth import GoogleTokenEndpoint

# Failures after which a new upload of the same file may succeed (reference §4: the upload
# was cut off, or YouTube's own processing failed); rejections never are.
RETRYABLE_FAILURES = frozenset({"uploadAborted", "uploadFailed", "streamingFailed", "other"})
QuotaModel = Literal["buckets", "units_1600", "units_100"]
"""Reference §5.1: since 2026-06-01 videos.insert has its own bucket of 100 calls a day
("buckets"); from 2025-12-04 to 2026-05-31 it cost 100 of the 10,000 daily units
("units_100"); before, 1,600 ("units_1600")."""
DAILY_UNITS = 10_000
DAILY_UPLOADS = 100
DAY = timedelta(days=1)  # resets at midnight Pacific Time
SESSION_LIFETIME = timedelta(days=7)
"""How long a resumable session may take bytes from its start, for a run that cannot open it.

A run whose key cannot open the sealed session URI (another machine's, another
``PUBLISHER_TOKEN_KEY``) leaves the upload to the runs that can for this long, plus the
engine's margin for clocks, then gives it up (``apply/resume.py``). YouTube states no number
("a finite lifetime"); Google's other resumable uploads (Drive, Cloud Storage) document one
week (reference §6).
"""


def youtube_quotas(model: QuotaModel = "buckets") -> tuple[Quota, ...]:
    """The daily limits of the Google Cloud project that every publish counts against."""
    if model == "buckets":
        return (Quota("uploads", DAILY_UPLOADS, DAY, scope="app"),)
    cost = 1600 if model == "units_1600" else 100
    return (Quota("quota units", DAILY_UNITS, DAY, scope="app", cost=cost),)


class YouTubePlatform:
    """YouTube's entry of the registry (satisfies ``core.ports.Platform``)."""

    name = "youtube"
    title = PLATFORM
    media_rules: MediaRules = YOUTUBE_MEDIA_RULES
    covers = False  # YouTube picks a Short's thumbnail itself; cover_timestamp_ms is not sent
    upload_target_lifetime: timedelta | None = None  # the session URI is the handle
    sealed_handle_lifetime: timedelta | None = SESSION_LIFETIME
    api_url_env = urls.API_URL_ENV
    rotates_refresh_tokens = False  # Google's refresh tokens are not rotated (reference §1)
    account_checks = "channel"
    # The session URI is a capability: the state keeps it sealed (core/handles.py).
    sealed_handles: str | None = "upload sessions"
    # The plan views' row of a change's recorded handle (the plan holds it as shown:
    # "upload session …abcd", which says what it is): not TikTok's word publish_id.
    handle_label = "handle"
    app_credential = (
        f"the Google OAuth client id ({urls.CLIENT_ID_ENV}, or the accounts' client_id_env)"
    )

    def quotas(self, account: AccountConfig) -> tuple[Quota, ...]:
        """The project's daily upload bucket (the plan counts it per client: ``youtube.quota``)."""
        return youtube_quotas()

    def retryable(self, reason: str) -> bool:
        """Whether YouTube's ``failureReason`` allows a new upload.

        A start refused for the channel or the project (:data:`~.envelope.ACCOUNT_STOPPERS`:
        ``quotaExceeded``, ``uploadLimitExceeded`` mid-run...) opened no session and said
        nothing of the video: once the channel can upload again, so can it.
        """
        return reason in RETRYABLE_FAILURES or reason in ACCOUNT_STOPPERS

    def label(self, handle: str) -> str:
        """Never the session URI: it is a capability (reference §2.3)."""
        return handles.shown(handle)

    def outcome_rate(self) -> Rate | None:
        """None: no per-minute limit is stated, only daily units (reference §5.1)."""
        return None

    def lookup_budgets(self, plan: Plan) -> Mapping[str, LookupBudget]:
        """Each Google project's units left for lookups, shared by its channels.

        A resume whose session expired lists the channel's uploads to find its video, at a
        unit a page (``core/youtube_quota.py``, where the plan counts the same units).
        """
        return lookup_budgets(plan.youtube_quotas)

    def change_rows(self, change: Change, now: datetime) -> list[tuple[str, str]]:
        """What videos.insert receives (title, description, tags, status); its schedule."""
        return plan_view.change_rows(change, now)

    def budget_section(self, plan: Plan) -> BudgetSection | None:
        """Each Google project's uploads and units (the plan's ``youtube_quotas``)."""
        return plan_view.budget_section(plan)

    def open(self, run: Opening, account: str) -> Provider:
        """A channel: Google's tokens (not rotated), the resumable uploader, its adapter.

        When the connection provides the Google client (the embedded sandbox: it answers
        Google's OAuth paths on its own host), tokens come from the connection's store;
        otherwise the account's ``client_id_env``/``client_secret_env`` name the client and
        its tokens come from ``refresh_token_env`` or the local store (``auth login``). Each
        session URI the client receives joins the redaction set before it is returned.

        Raises:
            AuthError: no token, or the Google client is not set.
        """
        from gitops_publisher.providers.tokens import TokenSet
        from gitops_publisher.providers.youtube.account_auth import youtube_auth_setup
        from gitops_publisher.providers.youtube.adapter import YouTubeProvider
        from gitops_publisher.providers.youtube.client import YouTubeClient
        from gitops_publisher.providers.youtube.oauth import GoogleAuth, GoogleTokenEndpoint

        config = run.accounts[account]
        assert isinstance(config, YouTubeAccount)
        app = run.apps.get(self.name)
        endpoint: GoogleTokenEndpoint
        if app is not None:
            tokens, api = TokenSet.from_storage(run.stored_tokens(account)), run.api_url
            endpoint = GoogleTokenEndpoint(
                *app, token_url=f"{api}/token", revoke_url=f"{api}/revoke"
            )
            # The embedded sandbox listens on a new port every run; a session URI a killed
            # run recorded names the old one (its world, and the session, outlive the run).
            origin: str | None = api

            def keep(new: TokenSet) -> None:
                run.save_tokens(account, new.to_storage())

        else:
            setup = youtube_auth_setup(
                client_id_env=config.client_id_env, client_secret_env=config.client_secret_env
            )
            found = setup.tokens(account, config.refresh_token_env)
            if found is None:
                raise AuthError(
                    f"no credentials for account {account}",
                    hint=f"set {config.refresh_token_env} to its refresh token, or run "
                    f"`publisher auth login --account {account}`",
                )
            tokens, api, endpoint = found, setup.api_url, setup.endpoint()
            origin = None  # Google's session URIs are used exactly as given

            def keep(new: TokenSet) -> None:
                setup.save(account, new, config.refresh_token_env)

        run.on_close(endpoint.aclose)
        run.secrets.update(tokens.secrets())

        def persist(new: TokenSet) -> None:
            run.secrets.update(new.secrets())
            keep(new)

        auth = GoogleAuth(tokens, endpoint, persist=persist, account=account)
        client = YouTubeClient(
            auth,
            base_url=api,
            sleep=run.sleep,
            clock=run.clock,
            on_secret=run.secrets.add,
            session_origin=origin,
        )
        run.on_close(client.aclose)
        return YouTubeProvider(client)

    def endpoint(
        self,
        accounts: Sequence[AccountConfig],
        *,
        sandbox: bool,
        env: Mapping[str, str] | None = None,
    ) -> Endpoint:
        """Google's API URL and the fingerprint of the accounts' OAuth client (``endpoint.py``).

        Raises:
            PublisherError: ``PUBLISHER_YOUTUBE_API_URL`` is not an http(s) URL.
        """
        names = {a.client_id_env for a in accounts if isinstance(a, YouTubeAccount)}
        return endpoint.current_endpoint(sandbox=sandbox, client_id_envs=sorted(names), env=env)

    def chunking(self, size: int) -> Chunking:
        """The resumable upload's chunk PUTs: 16 MiB each but the last (``resumable.py``)."""
        from gitops_publisher.providers.youtube.resumable import DEFAULT_CHUNK_SIZE

        return Chunking(min(size, DEFAULT_CHUNK_SIZE), max(1, -(-size // DEFAULT_CHUNK_SIZE)))

    def api_base_url(self, env: Mapping[str, str] | None = None) -> str:
        """``PUBLISHER_YOUTUBE_API_URL`` or Google's (``urls.py``)."""
        return urls.api_url(env)

    def missing_app(
        self, name: str, account: AccountConfig, env: Mapping[str, str]
    ) -> MissingApp | None:
        """The Google client the channel names (``client_id_env``/``client_secret_env``)."""
        assert isinstance(account, YouTubeAccount)
        if env.get(account.client_id_env) and env.get(account.client_secret_env):
            return None
        variables = f"{account.client_id_env}/{account.client_secret_env}"
        return MissingApp(
            variables,
            f"set the Google OAuth client id and secret account {name} uses (a Google Cloud "
            'client of type "Desktop app"; docs/youtube.md shows how to create one)',
            f"channel checks skipped for {name}: no Google OAuth client here ({variables}, as "
            "on pull requests from forks); apply checks again before uploading",
        )

    def has_tokens(self, name: str, account: AccountConfig, env: Mapping[str, str]) -> bool:
        """Its ``refresh_token_env`` is set, or ``auth login`` left tokens in the local store.

        Raises:
            AuthError: the local store is unreadable.
        """
        from gitops_publisher.providers.youtube.account_auth import youtube_auth_setup

        setup = youtube_auth_setup(env)
        return setup.tokens(name, account.refresh_token_env) is not None

    def environment_tokens(
        self,
        accounts: Mapping[str, AccountConfig],
        *,
        writeback: object | None,
        warn: Callable[[str], None],
    ) -> TokenSource | None:
        """None: a channel reads its own tokens when it is opened, beside its Google client.

        Google does not rotate refresh tokens, so nothing is written back.
        """
        return None

    def environment_app(self, env: Mapping[str, str]) -> tuple[str, str] | None:
        """None: each channel names its Google client (``client_id_env``, ``client_secret_env``)."""
        return None

    def secret_variables(self, account: AccountConfig | None = None) -> tuple[str, ...]:
        """A channel's refresh token and its Google client's secret (none of its own)."""
        if not isinstance(account, YouTubeAccount):
            return ()
        return (account.refresh_token_env, account.client_secret_env)

    def pending_note(self, record: Record, now: datetime) -> str | None:
        """``scheduled by YouTube for …`` until the ``publishAt`` it was uploaded with."""
        when = scheduled_by_youtube(record, now)
        return scheduled_text(when) if when is not None else None

    def adopts_unbound(self, current: Endpoint) -> bool:
        """Google's own API and the embedded sandbox (``endpoint.py``)."""
        return endpoint.adopts_unbound(current)

    def auth(self, opening: AuthOpening) -> AccountAuth:
        """Google's installed-app login, each channel's token status and refresh.

        ``account_auth.py``; nothing is written back (Google does not rotate refresh tokens).
        """
        from gitops_publisher.providers.youtube.account_auth import YouTubeAccountAuth

        return YouTubeAccountAuth(opening.accounts)


YOUTUBE = YouTubePlatform()
