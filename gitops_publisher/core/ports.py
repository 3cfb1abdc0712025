"""The provider port: what apply, plan and adopt need from any platform, in domain terms.

Pure: protocols and frozen values, no I/O. Each platform implements it in
``providers/<platform>/`` (payloads, chunk rules, error codes and their meaning stay there)
and is one :class:`Platform` in the registry (``providers/registry.py``), keyed by the
``provider:`` of an account in ``publisher.yaml``: its quotas and retryable failures (for
the planner), its media rules (for pre-flight), its accounts' login, token status and
refresh for ``publisher auth`` (:meth:`Platform.auth`, ``core/auth_port.py``) and
:meth:`Platform.open`, with which the composition root (``gitops_publisher/compose.py``)
builds one :class:`Provider` per account; ``apply/`` sees nothing else. A fake platform
with scripted answers, for unit tests, is ``providers/fake.py``.

One publish goes through the port like this (the engine, ``apply/publish.py``)::

    check_account()              once per run, before any post (pre-flight and plan)
    start(post)       -> Started the platform's handle; the engine records it (write-ahead)
                                 BEFORE calling transfer, so a kill after this line leaves
                                 a record that can only be resumed, never started again
    transfer(started, media)     every byte; resumable from an offset the platform reports.
                                 Its return means the platform processes the video: the
                                 engine asks nothing yet
    outcome(handle, size, privacy=...)  first asked one poll interval after the last byte,
                                 then polled with backoff while Processing, until
                                 Published / Drafted / Failed (or time runs out)

and a later run with a recorded handle (the plan's ``resume``) starts at ``outcome``:

* :class:`Transferring` with ``resumable`` -> ``transfer(Started(handle), media,
  offset=received)`` then ``outcome`` again (YouTube: the session answers 308 + Range);
* :class:`Transferring` not resumable -> only the run that started it can send the rest
  (TikTok: its upload_url is never stored). That run may be alive elsewhere (two clones
  applying at once), so the attempt is left pending while its upload target may live
  (:attr:`Platform.upload_target_lifetime` from the record of the handle, plus a margin for
  clocks), unless this run holds the state's exclusive lock under which that attempt was
  started (that run has ended). Then it is abandoned as ``upload_failed``: nothing is
  published without the missing bytes (``apply/inflight.py``);
* :class:`NotStarted` -> nothing was and nothing will be published: a new start is safe
  (YouTube: the session URI answers 404), unless the record says the platform had every
  byte (``processing``): a handle can be forgotten after its post was made (a completed
  YouTube session expires too), so that attempt is left as it is, never started again.
  Before answering it for a forgotten handle, a platform that forgets handles looks for
  the attempt's post (:class:`Attempt`, which the engine passes): found once, the answer
  is that post's outcome; found several times, or once while another unsettled attempt
  of the account sent the same (:attr:`Attempt.rivals`), :class:`OutcomeUnclear` (nothing
  is done);
* :class:`Processing` -> poll ``outcome`` with backoff; the post's ids it names
  (:attr:`Processing.post_ids`, as what :meth:`Provider.transfer` returns) are recorded at
  once, and every later question about the attempt carries them (:attr:`Attempt.made`), so a
  platform that forgets handles asks about the post by its ids instead of looking for it;
* :class:`Published` / :class:`Drafted` / :class:`Failed` -> record it.

**Never a second start while the first may have succeeded.** :meth:`Provider.start` raises
:class:`~gitops_publisher.providers.errors.InitOutcomeUnknown` when its request may have
reached the platform and no answer came back; the engine then leaves the record
``initiating`` and never calls ``start`` again in this run. A provider must only raise it
when the lost attempt cannot publish anything by itself (TikTok FILE_UPLOAD: nobody can send
the bytes of an upload_url nobody saw; YouTube: a session whose URI was never received gets
no bytes), which is what makes the next run's retry safe.

**Handles.** The handle is the platform's durable name of one attempt: TikTok's
``publish_id``; YouTube's resumable session URI, which is a capability (whoever holds it can
upload into the channel), so it is never shown: the engine's events name a handle only
through :meth:`Named.label`, and an adapter whose handles are capabilities keeps them out of
its own logs too. The state holds it sealed (:attr:`Providers.sealer`); the engine opens it
before it calls the provider. A sealed handle this run cannot open (another machine's key)
is passed as it is: the adapter answers for it as for a session it does not know (YouTube:
as for one that expired, :class:`NotStarted` unless it finds the post); the engine then
leaves an unfinished upload to the runs with the key while the session may live
(``apply/inflight.py``).

**Many publishes at once.** Nothing here assumes one publish at a time per account: every
call names its handle, :class:`Started` carries all that one attempt needs, and an adapter
keeps no "current publish". An account's queue runs several publishes concurrently through
one provider (``apply/pipeline.py``), paced by what the platform states here: its account
quotas (:meth:`Platform.quotas`; a :attr:`Quota.is_rate` one, such as TikTok's 6 inits a
minute, spaces the starts; a longer one, a daily cap, is counted against the state) and how
often one account may ask for outcomes (:meth:`Platform.outcome_rate`). The adapter's own
limiter stays, as the guard against a 429.

**Errors** (all :class:`~gitops_publisher.errors.PublisherError`; the CLI formats them):

* ``AuthError``: the account cannot authenticate (no token, refresh refused); it stops
  every remaining change of that account.
* ``ProviderError`` with ``stops_account`` true: the platform refused in a way that no
  other change of this account can succeed now (TikTok ``spam_risk_too_many_posts``,
  ``access_token_invalid``...; YouTube ``quotaExceeded``, ``uploadLimitExceeded``). The
  adapter decides which; the engine only reads the flag.
* ``ApiError`` (a ``ProviderError`` with the platform's ``code``): any other refusal. From
  ``start`` it means nothing was started: the engine records ``failed`` with the code.
* ``RateLimited`` (an ``ApiError``): the platform's rate limit outlived the adapter's waits;
  from ``start`` nothing was started (the record stays ``initiating``).
* ``InitOutcomeUnknown``: see above (``start`` only).
* ``UploadUrlExpired`` (an ``UploadError``): ``transfer`` found its upload target gone; ask
  ``outcome`` before anything else (every byte may have arrived just before).
* ``UploadError`` / ``ProviderNetworkError``: ``transfer`` gave up after its retries; ask
  ``outcome`` (the platform may hold every byte).
* ``OutcomeUnclear``: ``outcome`` found several posts that may be a forgotten handle's;
  the attempt is left as it is (never published again) until the user decides.
* ``NoUploadTarget``: ``transfer`` has nowhere to send the bytes and never will (an answer
  to ``start`` without an upload target); the attempt is recorded failed.
* ``ProviderError``: anything else the platform or the network did (a malformed answer).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from gitops_publisher.core.auth_port import AccountAuth, AuthOpening
from gitops_publisher.core.handles import Sealer
from gitops_publisher.core.identity import Identity
from gitops_publisher.core.media_rules import MediaRules

if TYPE_CHECKING:
    from gitops_publisher.core.desired import DesiredPost
    from gitops_publisher.core.models import AccountConfig
    from gitops_publisher.core.plan import Change, Plan
    from gitops_publisher.core.state import Endpoint, Record, Sent

_T = TypeVar("_T")

#: ``(bytes sent so far, total bytes)`` after each piece of a transfer.
Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------------- the account
@dataclass(frozen=True)
class Refusal:
    """The platform says this account cannot post now (its code and message).

    TikTok: creator_info answers ``spam_risk_too_many_posts`` and the like.
    """

    code: str
    message: str = ""


@dataclass(frozen=True)
class AccountLimits:
    """What this account may post, as the platform said at the check.

    Attributes:
        max_duration_ms: the longest video it may post (None: no account-specific limit).
        privacy_options: the privacy values it offers, in the platform's words (empty: any).
        disabled_interactions: interactions the account turned off (``comments``, ``duet``,
            ``stitch`` on TikTok); a post asking for one is refused by pre-flight.
    """

    max_duration_ms: int | None = None
    privacy_options: tuple[str, ...] = ()
    disabled_interactions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AccountReport:
    """One account checked: who is behind the token, whether it can post now, its limits.

    Attributes:
        identity: the platform's user behind the token (TikTok open_id + handle; YouTube
            channel id + handle); compared with the pins by ``core/identity.py``.
        display_name: how messages name the account's user (nickname or handle).
        refusal: set when the platform says the account cannot post now.
        limits: what it may post (meaningless when ``refusal`` is set).
        notices: warnings about the account's credentials (a refresh token that expires
            soon; YouTube's 7-day tokens of apps in testing mode). Plan shows them.
    """

    identity: Identity
    display_name: str = ""
    refusal: Refusal | None = None
    limits: AccountLimits = field(default_factory=AccountLimits)
    notices: tuple[str, ...] = ()

    @property
    def can_post(self) -> bool:
        """True unless the platform refused the account."""
        return self.refusal is None


@dataclass(frozen=True)
class PostProblem:
    """A post that the account's limits refuse: the manifest field and what to do."""

    field: str
    message: str


# ---------------------------------------------------------------------------- one publish
@dataclass(frozen=True)
class Media:
    """The bytes to transfer.

    Attributes:
        path: the video file (absolute, or relative to the working directory).
        size: its size in bytes, as measured when planned.
        content_type: the container's media type from the probe (pre-flight's; an adapter
            may refuse a transfer without it, as TikTok's does).
    """

    path: Path
    size: int
    content_type: str | None = None


@dataclass(frozen=True)
class Started:
    """A publish the platform has accepted: its handle, and what this run needs to transfer.

    Attributes:
        handle: the platform's durable name of the attempt (TikTok publish_id; YouTube
            session URI). Recorded in the state before :meth:`Provider.transfer` is called.
        upload_target: where the bytes go when it differs from the handle and lives only in
            this run (TikTok's upload_url: a capability, never stored, valid for 1 hour).
            None when the handle itself is enough (YouTube), which is also how a resumed
            transfer is started: ``Started(handle)``.
    """

    handle: str
    upload_target: str | None = None


@dataclass(frozen=True)
class Attempt:
    """A recorded attempt, as a platform may need it to find the post when it forgot the handle.

    YouTube forgets an upload session after about a week, completed or not (reference §6),
    and nothing else names the video it made: :meth:`Provider.outcome` then looks for the
    post among the account's posts made since the attempt was under way, by what was sent.

    Attributes:
        began: when the attempt began, on the clock of the run that recorded it: its handle
            recorded, before the first byte (``records.began``; not the record's last
            write, which may be a later run's that found the upload processing). A post the
            attempt made was made around or after it.
        sent: what the attempt sent: the record's ``sent``; for a record written before
            December 2026 (without it, or a YouTube one without ``sent.youtube``), what the
            post sends now when its fingerprint is still the record's; else the record's
            (None: nothing to compare with).
        known: the platform's ids of posts the state records for other attempts (other
            addresses, and this address's earlier publishes): none of them is this one's.
        budget: what looking for the post may spend of the platform's quota (None: no
            limit is counted).
        rivals: the account's other attempts whose outcome is unknown too (address, what
            it sent; None: not recorded): a post one of them made may look like this one's,
            so a post found by what was sent is not taken when a rival sent the same.
        made: the platform's ids of the post this attempt made, as the state recorded them
            when the platform named them (:attr:`Processing.post_ids`, or what
            :meth:`Provider.transfer` returned; ``Record.made_ids``): a platform asks about
            them instead of looking for the post. Empty: none recorded.
    """

    began: datetime
    sent: Sent | None = None
    known: frozenset[str] = frozenset()
    budget: LookupBudget | None = None
    rivals: tuple[tuple[str, Sent | None], ...] = ()
    made: tuple[str, ...] = ()


@dataclass
class LookupBudget:
    """What this run may still spend of a platform's quota looking for forgotten posts.

    YouTube's lookups (an expired session's video among the channel's uploads) cost units of
    the Google project's daily quota, page by page; the engine gives each attempt its
    account's budget (:meth:`Platform.lookup_budgets`; YouTube's, counted in
    ``core/youtube_quota.py``, is shared by the channels of a project), and the adapter
    charges each call to it before sending it.

    Attributes:
        left: units that may still be spent.
        about: whose budget it is and how it was counted, for the message of a lookup that
            does not fit.
        spent: units charged so far in this run.
        report: whose budget it is and what it pays for, as the apply's closing line on
            what was spent says it (``YouTube project of YOUTUBE_CLIENT_ID: looking for the
            videos of expired upload sessions``, then ``took 3 unit(s)``); empty: not
            reported.
    """

    left: int
    about: str = ""
    spent: int = 0
    report: str = ""

    def take(self, units: int) -> bool:
        """Charge ``units`` when they fit (True); else charge nothing (False)."""
        if units > self.left:
            return False
        self.left -= units
        self.spent += units
        return True

    def give_back(self, units: int) -> None:
        """Return ``units`` taken and not spent after all."""
        self.left += units
        self.spent -= units


# ---------------------------------------------------------------------------- outcomes
@dataclass(frozen=True)
class NotStarted:
    """The platform holds nothing for the handle: nothing was, or will be, published.

    A new start is safe (YouTube: the session URI answers 404), unless every byte had been
    sent through the handle: a platform may forget a handle whose post it made (a completed
    YouTube session expires too), which the engine tells from the state.
    """

    reason: str = ""


@dataclass(frozen=True)
class Transferring:
    """The platform still expects bytes.

    Attributes:
        received: bytes the platform holds (the offset to resume from).
        resumable: whether :meth:`Provider.transfer` can continue from the handle alone.
            False for TikTok (its upload_url is never stored): only the run that started the
            publish can, within :attr:`Platform.upload_target_lifetime`.
        status: the platform's own word, for messages.
    """

    received: int
    resumable: bool
    status: str = ""


@dataclass(frozen=True)
class Processing:
    """Every byte arrived; the platform is processing (poll again).

    Attributes:
        status: the platform's own word for it, for messages (``PROCESSING_UPLOAD``); the
            engine's ``processing`` when it has not asked yet (``apply/settle.py``).
        post_ids: the platform's ids of the post it is processing, when it names them
            before the outcome (YouTube: the video id); the engine records them at once
            (``Record.made_ids``), and passes them back in :attr:`Attempt.made`.
    """

    status: str
    post_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Published:
    """The post is live.

    Attributes:
        post_ids: the platform's ids of the post (TikTok gives them for public posts only,
            after moderation; YouTube the video id).
        url: where to see it, when known.
        status: the platform's own word, for messages.
        ids_pending: the platform gives the post's id (and so its URL) only a while after
            publishing (TikTok: public posts, after moderation); the engine polls a little
            longer for it without holding the queue long.
        note: why there is no URL, when ``url`` is None (shown to the user).
        published_at: when the platform says the post went up, for a post this run did not
            publish (YouTube: a video ``state import`` adopts by its id); None: when it was
            recorded.
    """

    post_ids: tuple[str, ...] = ()
    url: str | None = None
    status: str = ""
    ids_pending: bool = False
    note: str = ""
    published_at: datetime | None = None


@dataclass(frozen=True)
class Drafted:
    """The video waits in the creator's inbox (TikTok drafts); the rest is up to them."""

    status: str = ""


@dataclass(frozen=True)
class Failed:
    """The attempt ended without a post.

    Attributes:
        reason: the platform's reason (TikTok ``fail_reason``; YouTube ``failureReason`` or
            ``rejectionReason``).
        retryable: whether a new attempt may succeed (the plan then offers ``retry``).
        status: the platform's own word, for messages.
    """

    reason: str
    retryable: bool = False
    status: str = ""


Outcome = NotStarted | Transferring | Processing | Published | Drafted | Failed
SETTLED = (Published, Drafted, Failed)
"""Outcomes the platform will not change by itself (a draft is up to its creator)."""


def is_settled(outcome: Outcome) -> bool:
    """True for :class:`Published`, :class:`Drafted` and :class:`Failed`."""
    return isinstance(outcome, SETTLED)


# ---------------------------------------------------------------------------- quotas
@dataclass(frozen=True)
class Quota:
    """One limit of the platform that a plan's publishes count against.

    Attributes:
        name: what is limited, for the plan (``inits``, ``direct posts``, ``uploads``).
        limit: how many in one ``window``.
        window: the window (sliding for TikTok; YouTube's day resets at midnight Pacific).
        scope: ``account`` (per user token / channel) or ``app`` (the whole API project).
        modes: the post modes that count (``direct``, ``draft``); empty: every publish.
        cost: what one publish takes of it (YouTube units).
        refusal: the platform's code for a publish over it (``spam_risk_too_many_posts``),
            quoted by the plan's warning; empty when unknown.
    """

    name: str
    limit: int
    window: timedelta
    scope: Literal["account", "app"] = "account"
    modes: frozenset[str] = frozenset()
    cost: int = 1
    refusal: str = ""

    def counts(self, mode: str) -> bool:
        """Whether a publish in ``mode`` counts against this quota."""
        return not self.modes or mode in self.modes

    @property
    def is_rate(self) -> bool:
        """A rate the engine waits out within a run (a window of at most :data:`RATE_WINDOW`).

        TikTok's 6 inits per sliding minute is one; its daily post cap (24 h) is not: the
        engine counts a cap but never waits hours for it.
        """
        return self.window <= RATE_WINDOW


RATE_WINDOW = timedelta(hours=1)
"""The longest quota window the engine waits out (see :attr:`Quota.is_rate`)."""


@dataclass(frozen=True)
class Rate:
    """At most ``calls`` requests of one kind in any sliding ``window``, per account.

    TikTok: status/fetch, 30 per sliding minute per user token (reference §7).
    """

    calls: int
    window: timedelta


@dataclass(frozen=True)
class MissingApp:
    """The app credentials an account lacks on this machine (:meth:`Platform.missing_app`).

    Attributes:
        variables: the environment variables to set, for messages
            (``TIKTOK_CLIENT_KEY/TIKTOK_CLIENT_SECRET``); never their values.
        problem: what to do, as the error of a command that needs them says it (the
            command adds that `--sandbox` needs none, where it takes `--sandbox`).
        skipped: the plan's notice when the account's checks are skipped for want of them.
        shared: one app serves all the platform's accounts (TikTok's): said once, not per
            account.
    """

    variables: str
    problem: str
    skipped: str
    shared: bool = False


@dataclass(frozen=True)
class Chunking:
    """How a platform's upload splits one video, as the plan shows it (:meth:`Platform.chunking`).

    Attributes:
        size: the bytes of each piece but the last (the whole file when it is one piece).
        count: how many pieces are sent.
    """

    size: int
    count: int


@dataclass(frozen=True)
class BudgetSection:
    """What a plan uses of a platform's limits, as the plan views show it under the changes.

    :meth:`Platform.budget_section`. Plain text: the views escape and style it (the text
    view prints ``heading (per scope):`` and a line per row, the Markdown view the heading
    in bold and a list item per row).

    Attributes:
        heading: ``TikTok limits used by this apply``.
        scope: what each row counts for (``account``; YouTube's ``Google project``).
        rows: ``(name, text)``: the account or project, what this apply uses of its limits.
    """

    heading: str
    scope: str
    rows: tuple[tuple[str, str], ...]


# ---------------------------------------------------------------------------- the port
class Named(Protocol):
    """How outputs name a platform and its handles (a :class:`Platform` and its providers).

    Attributes:
        name: the ``provider:`` value in ``publisher.yaml`` (``tiktok``).
        title: how messages name it (``TikTok``).
    """

    name: str
    title: str

    def label(self, handle: str) -> str:
        """How outputs may show ``handle`` (a capability handle is shortened, never shown)."""
        ...


class TokenSource(Protocol):
    """Where a connection loads its accounts' token sets from and saves rotated ones to.

    What a platform gives the composition root for the environment's tokens
    (:meth:`Platform.environment_tokens`); token sets are JSON dicts, as
    :meth:`Opening.stored_tokens` returns them.
    """

    def load(self, account: str, /) -> dict[str, Any] | None:
        """The token set ``account`` starts from, or None when it has none here.

        Raises:
            AuthError: a token file cannot be read, or the tokens may not be used here.
        """
        ...

    def save(self, account: str, tokens: dict[str, Any], /) -> None:
        """Keep ``tokens``, a rotated set of ``account``, where its tokens came from."""
        ...


class Opening(Protocol):
    """What the composition root hands :meth:`Platform.open` for one run (``compose.py``).

    Attributes:
        accounts: the config's accounts (each one's ``provider:`` picked the platform).
        api_url: the API base URL the connection gives this platform: the embedded
            sandbox's (it serves every platform on one), else the platform's own
            (:meth:`Platform.api_base_url`); a platform whose app the connection does not
            provide finds its own.
        secrets: the run's redaction set: an opener adds every token it will send.
        sleep / clock: what the adapters wait and time with (scaled under the sandbox).
        save_tokens: ``save_tokens(account, tokens)`` persists a rotated token set (JSON)
            in the connection's store BEFORE it is used (outside the sandbox, the
            platform's :meth:`Platform.environment_tokens`).
        on_close: ``on_close(close)``: ``await close()`` when the run's providers are closed
            (an HTTP client's ``aclose``).
        apps: the app credentials (client id, secret) the connection provides, by
            ``provider:`` name: TikTok's from the environment or the sandbox, the embedded
            sandbox's Google client. A platform not in it (YouTube outside the sandbox)
            finds its accounts' own.
    """

    @property
    def accounts(self) -> Mapping[str, AccountConfig]: ...  # noqa: D102
    @property
    def api_url(self) -> str: ...  # noqa: D102
    @property
    def secrets(self) -> set[str]: ...  # noqa: D102
    @property
    def sleep(self) -> Callable[[float], Awaitable[None]]: ...  # noqa: D102
    @property
    def clock(self) -> Callable[[], float]: ...  # noqa: D102
    @property
    def save_tokens(self) -> Callable[[str, dict[str, Any]], None]: ...  # noqa: D102
    @property
    def on_close(self) -> Callable[[Callable[[], Awaitable[object]]], object]: ...  # noqa: D102
    @property
    def apps(self) -> Mapping[str, tuple[str, str]]: ...  # noqa: D102

    def stored_tokens(self, account: str) -> dict[str, Any]:
        """The connection's stored token set of ``account`` (JSON).

        Raises:
            AuthError: none stored (says which variable to set or how to log in).
        """
        ...

    def shared(self, key: str, make: Callable[[], _T]) -> _T:
        """One object per run and ``key``, made on first use (TikTok's rate limiter)."""
        ...


class Platform(Named, Protocol):
    """One platform, as the registry (``providers/registry.py``) maps a ``provider:`` to it.

    Everything known of a platform without any account or network, and how to open one of
    its accounts: the planner counts its quotas and asks which failures it retries, the
    engine what looking for forgotten posts may spend (:meth:`lookup_budgets`), pre-flight
    checks videos against its media rules, the plan views show what each change sends
    (:meth:`change_rows`) and what the plan uses of its limits (:meth:`budget_section`),
    the composition root opens accounts, and ``publisher auth`` logs them in (:meth:`auth`).

    Attributes:
        media_rules: what it checks about a video file (a value; ``core/media_rules.py``).
        covers: whether its posts show the frame the manifest chooses as their cover
            (``cover_timestamp_ms``); ``publisher preview`` previews only such posts.
        upload_target_lifetime: how long an upload target lives from the start that issued
            it (:attr:`Started.upload_target`; TikTok's upload_url: 1 hour), when the target
            differs from the handle and so lives only in the run that started the publish.
            None when the handle itself is resumable (YouTube's session URI): any run can
            go on. The engine waits this long (plus a margin) before giving up a transfer
            that another run may still be sending (``apply/inflight.py``).
        sealed_handle_lifetime: how long a handle the state keeps sealed (see
            :attr:`sealed_handles`) may still take bytes from the start that issued it
            (YouTube's session URI: one week), for a run that cannot open it (another key
            sealed it) and so leaves it to the runs that can while one may be sending.
            None when its handles are never sealed (TikTok), or their lifetime is unknown:
            the engine then never gives such an upload up on time alone, only once the
            run that started it is known to have ended (``apply/resume.py``).
        api_url_env: the variable that points a run at another API of it
            (``PUBLISHER_TIKTOK_API_URL``), which the state binding's refusals suggest
            (``core/binding.py``).
        app_credential: what names its app, for those refusals (``the app's client key
            (TIKTOK_CLIENT_KEY)``).
        account_checks: how the plan's notices name the checks of one of its accounts
            (``creator``: "creator checks skipped for brand-us: ...").
        rotates_refresh_tokens: each refresh retires the refresh token (TikTok): a rotated
            set is saved before it is used, and in CI written back encrypted on the state
            branch (``workspace/token_sync.py``), keyed by :meth:`api_base_url` and account.
        sealed_handles: what its handles are called when the state keeps them sealed,
            because each is a capability (YouTube's ``upload sessions``); None when its
            handles are no secrets (TikTok's publish_id): apply then puts its accounts'
            records in the state as they are, without asking whether each holds a session
            (``apply/statebox.py``), so a platform whose handles are capabilities must name
            them here. In CI without ``PUBLISHER_TOKEN_KEY``, a run that opens one of its
            accounts is warned that the next job cannot resume them (the key file dies
            with the job).
        handle_label: the label of the row that shows a change's recorded handle in the
            plan views (TikTok's ``publish_id``).
    """

    media_rules: MediaRules
    covers: bool
    upload_target_lifetime: timedelta | None
    sealed_handle_lifetime: timedelta | None
    api_url_env: str
    app_credential: str
    rotates_refresh_tokens: bool
    account_checks: str
    sealed_handles: str | None
    handle_label: str

    def quotas(self, account: AccountConfig) -> tuple[Quota, ...]:
        """The limits an account's publishes count against (pure; from its settings)."""
        ...

    def retryable(self, reason: str) -> bool:
        """Whether a failed attempt's ``reason`` (the platform's word) allows a new attempt."""
        ...

    def outcome_rate(self) -> Rate | None:
        """How often one account may ask :meth:`Provider.outcome` (None: no limit stated).

        The engine's polls of an account's publishes in flight share it (pure).
        """
        ...

    def lookup_budgets(self, plan: Plan) -> Mapping[str, LookupBudget]:
        """What its accounts may spend looking for forgotten posts in an apply of ``plan``.

        By account; accounts that draw on one quota share one budget (YouTube: the channels
        of a Google project, counted from the plan's Google project quotas). The engine
        gives each attempt its account's (:attr:`Attempt.budget`) and reports what each
        budget spent in its words (:attr:`LookupBudget.report`). Empty: its lookups count
        against no quota (TikTok never looks: its status fetch does not forget). Pure.
        """
        ...

    def open(self, run: Opening, account: str) -> Provider:
        """The provider of ``account`` for ``run`` (its clients closed through ``run``).

        Raises:
            AuthError: the account has no credentials.
        """
        ...

    def endpoint(
        self,
        accounts: Sequence[AccountConfig],
        *,
        sandbox: bool,
        env: Mapping[str, str] | None = None,
    ) -> Endpoint:
        """Which endpoint and app a run with ``env`` (default: the process's) talks to.

        For the state binding (design §12, ``core/binding.py``): the API base URL (or the
        embedded sandbox with ``sandbox``) and a fingerprint of the app the project's
        ``accounts`` on this platform use, never the app's key itself. Read at the edge.

        Raises:
            PublisherError: the environment's API URL is not an http(s) URL.
        """
        ...

    def chunking(self, size: int) -> Chunking:
        """How the upload of a video of ``size`` bytes (positive) is split (pure).

        The plan shows it for each change (TikTok's ``chunk_size`` and ``total_chunk_count``
        sent at init; YouTube's resumable chunk PUTs).

        Raises:
            ValueError: the platform cannot upload a file of that size in pieces.
        """
        ...

    def api_base_url(self, env: Mapping[str, str] | None = None) -> str:
        """Its API base URL in ``env`` (default: the process's): :attr:`api_url_env`, else its own.

        Its accounts' stored tokens are kept under it (the token stores, the write-back).
        """
        ...

    def missing_app(
        self, name: str, account: AccountConfig, env: Mapping[str, str]
    ) -> MissingApp | None:
        """The app credentials ``account`` (named ``name``) lacks in ``env`` (None: none).

        What commands that open accounts check first, so one run names every variable to
        set (``compose.credential_problems``). Read at the edge.
        """
        ...

    def has_tokens(self, name: str, account: AccountConfig, env: Mapping[str, str]) -> bool:
        """Whether ``account`` (named ``name``) has a token here: its variable, a login's.

        Cheap: nothing is decrypted or refreshed. Read at the edge.

        Raises:
            AuthError: the local token store is unreadable.
        """
        ...

    def environment_app(self, env: Mapping[str, str]) -> tuple[str, str] | None:
        """The app credentials (client key or id, secret) ``env`` gives all its accounts.

        What the composition root's connection passes :meth:`open` (``Opening.apps``) outside
        the sandbox: TikTok's app from ``TIKTOK_CLIENT_KEY``/``TIKTOK_CLIENT_SECRET`` (empty
        when unset: the account check then says so). None when each account names its own
        (a YouTube channel's Google client). Read at the edge.
        """
        ...

    def environment_tokens(
        self,
        accounts: Mapping[str, AccountConfig],
        *,
        writeback: object | None,
        warn: Callable[[str], None],
    ) -> TokenSource | None:
        """Where the environment's tokens of its accounts are, for :meth:`open` (or None).

        What the composition root's connection hands :meth:`open` outside the sandbox
        (:meth:`Opening.stored_tokens`, :attr:`Opening.save_tokens`), under
        :meth:`api_base_url`: TikTok's accounts start from their ``refresh_token_env``, the
        encrypted ``writeback`` of rotated tokens (``workspace/token_sync.py``: the
        project's, restored from the state branch and mirrored there; None without
        ``PUBLISHER_TOKEN_KEY``) or the local store of ``publisher auth login``. None when
        its accounts find their own when opened (a YouTube channel's, beside its Google
        client). ``warn``: told what the user should know that is no error (a rotated
        secret kept on this machine only). Read at the edge.
        """
        ...

    def secret_variables(self, account: AccountConfig | None = None) -> tuple[str, ...]:
        """The environment variables whose values are secrets, for the Action to mask.

        ``account``: one of its accounts (its token, its own client's secret); None: the
        platform's own, whatever the accounts (TikTok's app secret). Pure.
        """
        ...

    def pending_note(self, record: Record, now: datetime) -> str | None:
        """Why ``record``'s post, published, is not visible yet at ``now`` (None: it is).

        YouTube: ``scheduled by YouTube for …`` while a video uploaded private with its own
        ``publishAt`` waits for it. Pure.
        """
        ...

    def change_rows(self, change: Change, now: datetime) -> list[tuple[str, str]]:
        """The ``(label, value)`` rows of what it receives for ``change``, and when (pure).

        What the plan views (``cli/views/plan_text.py``, ``plan_markdown.py``) show of an
        acting change of one of its accounts between the video's rows and the handle's:
        TikTok's caption, privacy and interactions, cover and disclosure (or a draft's
        mode); YouTube's title, description, tags, privacy and flags; then the ``schedule``
        row of a change with ``publish_at`` in the platform's words (YouTube holds the
        video private until then, unless that time had passed at ``now``, when the plan was
        made). Plain text: the views escape and style it.
        """
        ...

    def budget_section(self, plan: Plan) -> BudgetSection | None:
        """What ``plan`` uses of its limits, shown under the plan's changes (pure).

        TikTok's per-account limits (the plan's ``quotas`` of its accounts: inits, direct
        posts, pending drafts); YouTube's quota per Google project (``youtube_quotas``).
        None when the plan uses none of them (the views then show no section).
        """
        ...

    def adopts_unbound(self, current: Endpoint) -> bool:
        """Whether ``current`` may bind a state whose records of this platform are unbound.

        Such records were written before states recorded this platform's endpoint: only an
        endpoint where they were most likely made (the platform's own API) or one whose
        state file is its own (the embedded sandbox) may adopt them (pure).
        """
        ...

    def auth(self, opening: AuthOpening) -> AccountAuth:
        """Its accounts' ``publisher auth`` (login, status, refresh), for one command.

        ``core/auth_port.py``; read at the edge (the environment, the token stores).

        Raises:
            AuthError: ``PUBLISHER_TOKEN_KEY`` is set but is not a Fernet key.
            StateError: the write-back's state branch cannot be fetched.
        """
        ...


class Provider(Named, Protocol):
    """One account on one platform, opened for a run.

    Every method may be called concurrently for different handles; see the module docstring
    for the contract and the errors.
    """

    async def check_account(self) -> AccountReport:
        """Who the token's user is, whether they can post now, and their limits.

        Called once per account before any post (apply's pre-flight, plan's checks); the
        platform's "cannot post now" answer is a :attr:`AccountReport.refusal`, not an error.

        Raises:
            AuthError: no usable credentials.
            ProviderError: the network or the platform failed (not a refusal).
        """
        ...

    def post_problems(
        self, post: DesiredPost, account: AccountReport, duration_ms: int | None
    ) -> list[PostProblem]:
        """What ``account``'s limits refuse in ``post`` (pure; empty when it may be posted)."""
        ...

    def start_summary(self, post: DesiredPost) -> str:
        """One line for the log before :meth:`start` (``init (direct, 2 chunk(s))``)."""
        ...

    async def start(self, post: DesiredPost, *, content_type: str | None = None) -> Started:
        """Ask the platform to start publishing ``post``; no byte of the video is sent.

        ``content_type`` is the video's media type from pre-flight's probe (the container the
        file really is), for a platform told at the start what it will receive (YouTube's
        ``X-Upload-Content-Type``); None when unknown.

        Raises:
            InitOutcomeUnknown: the request may have been handled and its answer was lost.
            RateLimited: the platform's rate limit outlived the adapter's waits.
            ApiError: the platform refused (``stops_account`` says if the account is done).
            AuthError, ProviderError: see the module docstring.
        """
        ...

    async def transfer(
        self,
        started: Started,
        media: Media,
        *,
        offset: int = 0,
        on_progress: Progress | None = None,
    ) -> tuple[str, ...]:
        """Send ``media`` from byte ``offset`` (0, or :attr:`Transferring.received`).

        Returns when the platform holds every byte, which is when its processing begins
        (the engine asks :meth:`outcome` a poll interval later): the platform's ids of the
        post when its answer to the last byte names them (YouTube: the video id), which the
        engine records with ``processing`` (``Record.made_ids``); else ``()`` (TikTok).
        Bytes are read from disk piece by piece (memory bounded by a chunk, not by the
        video).

        Raises:
            UploadUrlExpired: the upload target is gone; ask :meth:`outcome` first.
            UploadError, ProviderNetworkError: gave up after retries; ask :meth:`outcome`.
            NoUploadTarget: nowhere to send the bytes (the attempt is void).
        """
        ...

    async def outcome(
        self,
        handle: str,
        size: int,
        *,
        privacy: str | None = None,
        attempt: Attempt | None = None,
    ) -> Outcome:
        """What became of ``handle``.

        ``size`` is the video's bytes (to tell a partial upload); ``privacy`` the post's,
        when the platform's answer depends on it (TikTok gives ids to public posts only).
        Safe to call any number of times; the resume path of every run with a recorded
        handle (TikTok: status fetch; YouTube: the session's status query, then
        videos.list).

        ``attempt``: the recorded attempt behind ``handle``, given when its bytes may all
        have arrived. A platform that forgets handles (YouTube's sessions expire, completed
        or not) then looks for the attempt's post among the account's posts before it
        answers :class:`NotStarted`: exactly one that matches what was sent, made since the
        attempt began, is the attempt's (its outcome is answered, and asked again by handle
        within the run) unless a rival attempt sent the same; none: :class:`NotStarted`.

        Raises:
            OutcomeUnclear: the handle is forgotten and several posts may be the attempt's
                (or one that a rival attempt may have made); nothing may be published again
                until someone decides (their ids in it).
            ApiError: the platform does not know the handle for this account.
            AuthError, ProviderError: see the module docstring.
        """
        ...


class Providers(Protocol):
    """Opens the providers of a run's accounts (built by the composition root).

    Attributes:
        time_scale: how much faster than real time the platforms' clocks run (the embedded
            sandbox runs faster; the engine scales its waits to match).
        secrets: values to redact from every output (tokens, capability handles); grows
            while the run refreshes tokens.
        sealer: seals capability handles before the state records them, and opens them for
            a resume (``core/handles.py``; its keys: ``providers/sealing.py``).
    """

    time_scale: float
    secrets: set[str]
    sealer: Sealer

    def open(
        self,
        accounts: Mapping[str, AccountConfig],
        names: Sequence[str],
        *,
        sleep: Callable[[float], Awaitable[None]] = ...,
        clock: Callable[[], float] = ...,
    ) -> AbstractAsyncContextManager[Mapping[str, Provider]]:
        """Open a provider for each of ``names`` (closed when the context exits).

        ``accounts`` is the config's: each account's ``provider:`` picks the adapter.
        ``sleep`` and ``clock`` (default: real time) are what the adapters wait and time
        with (the engine's scaled ones under the sandbox).

        Raises:
            AuthError: an account has no credentials (says how to log in).
            ProviderError: an account names a provider this connection cannot open.
        """
        ...
