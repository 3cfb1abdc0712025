"""The composition root: each account's provider, built from config, credentials and sandbox.

The module that knows the token stores and the embedded sandbox; what it builds goes to
``apply/`` through the provider port (``core/ports.py``) and nothing else. Each account's
``provider:`` in ``publisher.yaml`` picks its platform in the registry
(``providers/registry.py``), whose :meth:`~gitops_publisher.core.ports.Platform.open` builds
the account's provider from what this module provides (:class:`_Run`: the connection's API
URL, app credentials and token store, the run's clock and closing).

``--sandbox`` starts the emulator on a loopback port in a background thread (real HTTP, the
same client code as production), with its world, tokens and state under
``.publisher/sandbox/``. Its clock runs ``PUBLISHER_SANDBOX_TIME_SCALE`` times faster (20 by
default) so processing and moderation delays take a fraction of a second; the engine's waits
are scaled to match.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import (
    AsyncExitStack,
    asynccontextmanager,
    contextmanager,
)
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from gitops_publisher.core.handles import Sealer
from gitops_publisher.core.identity import handle
from gitops_publisher.core.models import AccountConfig, Config
from gitops_publisher.core.ports import MissingApp, Provider, Providers, TokenSource
from gitops_publisher.errors import (
    AuthError,
    ConfigError,
    Diagnostic,
    PreflightError,
    ProviderError,
    PublisherError,
    StateError,
    StateLockedError,
)
from gitops_publisher.providers.registry import DEFAULT_PROVIDER, PLATFORMS
from gitops_publisher.providers.token_store import KEY_ENV

if TYPE_CHECKING:
    from gitops_publisher.core.plan import Plan
    from gitops_publisher.core.shard import Shard
    from gitops_publisher.planning import Planned
    from gitops_publisher.sandbox import SandboxOptions
    from gitops_publisher.workspace.project import ProjectProblems

_T = TypeVar("_T")
SANDBOX_DIR = Path(".publisher") / "sandbox"
DEFAULT_SANDBOX_TIME_SCALE = 20.0
SANDBOX_OPTIONS_ENV = "PUBLISHER_SANDBOX_OPTIONS"
SANDBOX_TIME_SCALE_ENV = "PUBLISHER_SANDBOX_TIME_SCALE"


@dataclass
class Connection:
    """Where the API is and how to get each account's tokens.

    It is what ``apply/`` takes (the port's ``Providers``): :meth:`open` builds each
    account's provider through its platform in the registry (``providers/registry.py``).

    Attributes:
        api_url: the API base URL of every platform without its own in ``apis`` (the
            embedded sandbox serves them all on one).
        client_key / client_secret: the default platform's app credentials (TikTok's), for
            a connection built by hand; an entry of ``apps`` for it wins.
        load_tokens: account name -> stored token set (JSON dict) or None (outside the
            sandbox, from its platform's ``Platform.environment_tokens``).
        save_tokens: persists a rotated token set BEFORE it is used.
        time_scale: how much faster than real time the server's clock runs.
        apps: the app credentials (client key or id, secret) this connection provides, by
            ``provider:`` name: each emulator's in the embedded sandbox
            (``sandbox/seeding.py``), each platform's ``environment_app`` outside it.
        sealer: seals upload sessions for the state (``providers/sealing.py``); by default
            with ``PUBLISHER_TOKEN_KEY``, else the key file beside the local token store.
        apis: each platform's own API base URL, by ``provider:`` name (outside the sandbox:
            ``Platform.api_base_url``), which :meth:`open` hands it instead of ``api_url``.
    """

    api_url: str
    client_key: str
    client_secret: str
    load_tokens: Callable[[str], dict[str, Any] | None]
    save_tokens: Callable[[str, dict[str, Any]], None]
    time_scale: float = 1.0
    secrets: set[str] = field(default_factory=set)
    apps: dict[str, tuple[str, str]] = field(default_factory=dict)
    sealer: Sealer = field(default_factory=lambda: _sealer())
    apis: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Start loading the clients' TLS context, so it overlaps apply's pre-flight."""
        from gitops_publisher.providers.tls import prepare_tls_context

        prepare_tls_context()

    @asynccontextmanager
    async def open(
        self,
        accounts: Mapping[str, AccountConfig],
        names: Sequence[str],
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> AsyncIterator[Mapping[str, Provider]]:
        """Build an authenticated provider per account name (closed on exit).

        Raises:
            AuthError: an account has no token (says how to log in or which variable to set).
            ProviderError: an account's ``provider:`` has no platform in the registry.
        """
        async with AsyncExitStack() as stack:
            run = _Run(
                accounts,
                self.api_url,
                self.secrets,
                sleep,
                clock,
                self.save_tokens,
                stack.push_async_callback,
                {DEFAULT_PROVIDER: (self.client_key, self.client_secret), **self.apps},
                self.load_tokens,
            )
            opened: dict[str, Provider] = {}
            for name in names:
                kind = accounts[name].provider if name in accounts else DEFAULT_PROVIDER
                platform = PLATFORMS.get(kind)
                if platform is None:
                    raise ProviderError(
                        f"account {name}: provider {kind} is not available in this version",
                        hint=f"known providers: {', '.join(sorted(PLATFORMS))}",
                    )
                api = self.apis.get(kind, self.api_url)
                opened[name] = platform.open(replace(run, api_url=api), name)
            yield opened


def _sealer(key_dir: Path | None = None) -> Sealer:
    """The environment's sealer (``key_dir``: where its key file is, if not the default).

    Raises:
        SealError: ``PUBLISHER_TOKEN_KEY`` is not a Fernet key.
    """
    from gitops_publisher.providers.sealing import SessionSealer

    return SessionSealer.from_environment(key_dir=key_dir)


class _SandboxTokens:
    """The sandbox's tokens, kept in the same 0600 token store ``auth login`` uses.

    It has its own file and a fixed key, because the embedded server's port changes every run.
    """

    KEY = "sandbox"

    def __init__(self, path: Path) -> None:
        from gitops_publisher.providers.token_store import TokenStore

        self.store = TokenStore(path)

    def load(self, account: str) -> dict[str, Any] | None:
        tokens = self.store.load(self.KEY, account)
        return None if tokens is None else tokens.to_storage()

    def save(self, account: str, tokens: dict[str, Any]) -> None:
        from gitops_publisher.providers.tokens import TokenSet

        self.store.save(self.KEY, account, TokenSet.model_validate(tokens))

    def seed(self, account: str, refresh_token: str) -> None:
        from gitops_publisher.providers.tokens import TokenSet

        self.store.save(self.KEY, account, TokenSet.from_refresh_token(refresh_token))


def sandbox_time_scale() -> float:
    """``PUBLISHER_SANDBOX_TIME_SCALE`` or the default.

    Raises:
        ConfigError: the variable is set to anything but a finite number > 0 (a typo is
            not run at another speed; an infinite scale would make every sandbox time
            infinite, which the world's file cannot hold).
    """
    raw = os.environ.get(SANDBOX_TIME_SCALE_ENV, "").strip()
    if not raw:
        return DEFAULT_SANDBOX_TIME_SCALE
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if math.isfinite(value) and value > 0:
        return value
    problem = (
        f"{raw!r} is not a finite number > 0 (how many times faster than real time "
        f"the sandbox's clock runs; unset: {DEFAULT_SANDBOX_TIME_SCALE:g})"
    )
    if raw.lower() == "manual":  # a clock that stands still: the run would wait for ever
        problem += (
            "; the embedded sandbox's time must run by itself, since the run waits on it; "
            "a manual clock is `publisher sandbox serve --manual-clock`'s"
        )
    raise ConfigError(
        [Diagnostic("environment", None, None, SANDBOX_TIME_SCALE_ENV, problem)],
        f"{SANDBOX_TIME_SCALE_ENV} is invalid",
    )


def sandbox_options() -> SandboxOptions | None:
    """The embedded sandbox's options from ``PUBLISHER_SANDBOX_OPTIONS`` (None: defaults).

    The file is what ``publisher sandbox serve --options`` reads, so faults and delays can be
    tried with ``--sandbox`` too.

    Raises:
        ConfigError: the file is unreadable or its options are invalid.
    """
    from gitops_publisher.sandbox.world import WorldFileError, read_options_file

    path = os.environ.get(SANDBOX_OPTIONS_ENV, "")
    if not path:
        return None
    try:
        return read_options_file(Path(path))
    except WorldFileError as exc:
        raise ConfigError(
            [Diagnostic(path, None, None, "", str(exc).removeprefix(f"{path}: "))],
            f"the sandbox options in {SANDBOX_OPTIONS_ENV} are invalid",
        ) from exc


#: The file in a sandbox world directory whose OS lock the process serving the world holds.
SANDBOX_WORLD_LOCK = "serving.lock"


@contextmanager
def serving_world(world_dir: Path) -> Iterator[None]:
    """Hold the sandbox world in ``world_dir`` while this process serves it.

    A process serving a world (``--sandbox``, ``publisher sandbox serve``) keeps all of it in
    memory and writes all of it: a second one on the same directory silently dropped what the
    other recorded (posts, tokens, upload sessions). The OS lock goes with its process, even a
    killed one.

    Raises:
        StateLockedError: another process serves this world.
    """
    from gitops_publisher.oslocks import try_lock

    world_dir.mkdir(parents=True, exist_ok=True)
    flags = os.O_CREAT | os.O_RDWR | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(world_dir / SANDBOX_WORLD_LOCK, flags, 0o644)
    try:
        if not try_lock(fd):
            try:
                holder = os.read(fd, 32).decode("ascii", "replace").strip()
            except OSError:  # Windows locks the bytes themselves
                holder = ""
            pid = f" (pid {holder})" if holder.isdigit() else ""
            raise StateLockedError(
                f"the sandbox world {world_dir} is in use by another process{pid}",
                hint="a `publisher sandbox serve` of this project or another --sandbox run: let "
                "it finish or stop it, then run again (two processes on one world each drop "
                "what the other recorded)",
            )
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


@contextmanager
def sandbox_connection(root: Path, config: Config) -> Iterator[Connection]:
    """Start the embedded emulator for ``root`` and yield a connection to it.

    Each configured account becomes a user of its platform's emulator (a YouTube account: a
    channel; ``sandbox/seeding.py`` says how, by ``provider:``) named by its ``username`` or
    ``handle`` (else by the account's name) the first time, with the ``open_id`` or
    ``channel_id`` it names (so a project naming its accounts by id publishes as written); its
    tokens are
    kept in ``.publisher/sandbox/token-store.json``, and the key that seals its upload
    sessions in the state beside them (``session-seal.key``, unless ``PUBLISHER_TOKEN_KEY``
    is set).

    Raises:
        ConfigError: ``PUBLISHER_SANDBOX_OPTIONS`` names a bad options file, or
            ``PUBLISHER_SANDBOX_TIME_SCALE`` is not a finite number > 0.
        StateLockedError: another process serves the project's sandbox world.
        StateError: its ``world.json`` cannot be read.
    """
    from gitops_publisher.sandbox import (
        SandboxWorld,
        ScaledClock,
        WorldFileError,
        create_app,
        serve_in_thread,
    )
    from gitops_publisher.sandbox.seeding import SEEDERS, apps

    directory = root / SANDBOX_DIR
    world_dir = directory / "world"
    tokens = _SandboxTokens(directory / "token-store.json")
    options = sandbox_options()
    scale = sandbox_time_scale()
    clock = ScaledClock(scale)
    with serving_world(world_dir):  # before the world is read: no other process writes it
        try:
            world = SandboxWorld.load_or_create(world_dir, clock=clock)
        except WorldFileError as exc:
            raise StateError(
                str(exc),
                hint=f"delete {world_dir} to start a new sandbox world (what the old one "
                "recorded is lost; the sandbox state may then describe posts it no longer "
                "has), or restore its world.json",
            ) from exc
        for name, account in sorted(config.accounts.items()):
            seeder = SEEDERS.get(account.provider)  # its platform's emulator (sandbox/seeding.py)
            if seeder is None:
                continue
            user = handle(account.identity_handle) or name
            if tokens.load(name) is None or not seeder.exists(world, user):
                tokens.seed(name, seeder.ensure(world, user, account.identity_id))
        app = create_app(world_dir, options, clock=clock)
        with serve_in_thread(app) as base_url:
            yield Connection(
                api_url=base_url,
                client_key="",
                client_secret="",
                load_tokens=tokens.load,
                save_tokens=tokens.save,
                time_scale=scale,
                apps=apps(),  # every emulator's app, TikTok's included
                sealer=_sealer(directory),
            )


def environment_connection(
    root: Path,
    config: Config,
    *,
    names: Collection[str],
    warn: Callable[[str], None] = lambda _m: None,
) -> Connection:
    """A connection to the platforms with credentials from the environment.

    What the environment gives a platform's accounts is the platform's to read: its API URL
    (``Platform.api_base_url``: ``PUBLISHER_TIKTOK_API_URL`` or TikTok's), its app
    credentials (``Platform.environment_app``: TikTok's key and secret; a YouTube channel
    names its own Google client, read when it is opened) and its accounts' tokens
    (``Platform.environment_tokens``; a YouTube channel reads its own when it is opened).

    TikTok's accounts start from their ``refresh_token_env`` variable (CI) or the local
    store of ``publisher auth login``. TikTok rotates refresh tokens at every refresh, so a
    rotated set is written back before use: encrypted next to the state with
    ``PUBLISHER_TOKEN_KEY`` (``.publisher/tokens.enc``, safe to commit), else to the local
    store. With the git-branch state backend that file is first restored from the state
    branch (a fresh CI checkout starts from the live token, not the retired secret) and each
    rotation is pushed there at once (:func:`~gitops_publisher.workspace.token_sync.ci_writeback`).

    ``names``: the accounts it will open: every credential one of them lacks here (an app's
    key and secret, a Google client, a token) is reported at once, before any request, and
    only what their platforms use is asked for. In CI without ``PUBLISHER_TOKEN_KEY``, each
    platform among them whose handles the state keeps sealed (``Platform.sealed_handles``:
    YouTube's upload sessions) gets a warning: they would be sealed with a key file the
    job's end discards (``providers/sealing.py``).

    Raises:
        PreflightError: the app's credentials or an account's refresh token are missing.
        StateError: the git-branch backend is selected outside a git repository, or the
            state branch cannot be fetched.
        AuthError: ``PUBLISHER_TOKEN_KEY`` is not a Fernet key or does not decrypt the file.
    """
    from gitops_publisher.workspace.token_sync import ci_writeback, rotating

    require_credentials(config, names)
    apis = {name: platform.api_base_url() for name, platform in sorted(PLATFORMS.items())}
    writeback = ci_writeback(root, config.state, rotating(config.accounts))
    sources = {
        name: source
        for name, platform in sorted(PLATFORMS.items())
        if (source := platform.environment_tokens(config.accounts, writeback=writeback, warn=warn))
        is not None
    }
    tokens = _PlatformTokens(config.accounts, sources)
    if os.environ.get("CI") == "true" and not os.environ.get(KEY_ENV):
        for kind in sorted({config.accounts[n].provider for n in names if n in config.accounts}):
            platform = PLATFORMS.get(kind)
            if platform is not None and platform.sealed_handles:
                warn(
                    "warning: PUBLISHER_TOKEN_KEY is not set: this job seals the "
                    f"{platform.title} {platform.sealed_handles} the state records with a key "
                    "file of this machine, which the job's end discards, so an upload cut off "
                    "in this job cannot be resumed by the next (it uploads the video again); "
                    "set PUBLISHER_TOKEN_KEY in CI"
                )
    return Connection(
        apis[DEFAULT_PROVIDER],
        "",
        "",
        tokens.load,
        tokens.save,
        apps=environment_apps(os.environ),
        apis=apis,
    )


@dataclass(frozen=True)
class _PlatformTokens:
    """The environment's tokens of each account, kept where its platform says.

    ``sources``: by ``provider:`` name, each platform's ``Platform.environment_tokens``. An
    account whose platform has none (a YouTube channel reads its own when it is opened) has
    no token here; one not in ``accounts`` is the default platform's, as :meth:`Connection.open`
    opens it.
    """

    accounts: Mapping[str, AccountConfig]
    sources: Mapping[str, TokenSource]

    def _source(self, account: str) -> TokenSource | None:
        config = self.accounts.get(account)
        return self.sources.get(config.provider if config is not None else DEFAULT_PROVIDER)

    def load(self, account: str) -> dict[str, Any] | None:
        """The account's token set from its platform's source, or None.

        Raises:
            AuthError: as the source's ``load`` (an unreadable file, a refused refresh).
        """
        source = self._source(account)
        return None if source is None else source.load(account)

    def save(self, account: str, tokens: dict[str, Any]) -> None:
        """Keep a rotated set where its platform's source keeps them."""
        source = self._source(account)
        assert source is not None, account  # a platform saves only a set it loaded here
        source.save(account, tokens)


def environment_apps(env: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """The app credentials ``env`` gives, by ``provider:`` name (``Platform.environment_app``).

    A platform whose accounts each name their own client (YouTube) has none here.
    """
    return {
        name: app
        for name, platform in sorted(PLATFORMS.items())
        if (app := platform.environment_app(env)) is not None
    }


@dataclass
class _Run:
    """One run's opening of its accounts (the port's ``Opening``), from a :class:`Connection`."""

    accounts: Mapping[str, AccountConfig]
    api_url: str
    secrets: set[str]
    sleep: Callable[[float], Awaitable[None]]
    clock: Callable[[], float]
    save_tokens: Callable[[str, dict[str, Any]], None]
    on_close: Callable[[Callable[[], Awaitable[object]]], object]
    apps: Mapping[str, tuple[str, str]]
    load_tokens: Callable[[str], dict[str, Any] | None]
    _shared: dict[str, Any] = field(default_factory=dict)

    def stored_tokens(self, account: str) -> dict[str, Any]:
        """The connection's token set of ``account``.

        Raises:
            AuthError: none (says which variable to set, or to log in).
        """
        stored = self.load_tokens(account)
        if stored is None:
            config = self.accounts.get(account)
            env = config.refresh_token_env if config is not None else "its variable"
            raise AuthError(
                f"no credentials for account {account}",
                hint=f"set {env} to its refresh token, or run "
                f"`publisher auth login --account {account}`",
            )
        return stored

    def shared(self, key: str, make: Callable[[], _T]) -> _T:
        """One object per run and ``key`` (TikTok's rate limiter for all its accounts)."""
        if key not in self._shared:
            self._shared[key] = make()
        found: _T = self._shared[key]
        return found


@contextmanager
def connect(
    planned: Planned,
    *,
    sandbox: bool,
    names: Collection[str],
    warn: Callable[[str], None] = lambda _m: None,
) -> Iterator[Connection]:
    """The sandbox, or the platforms with the environment's credentials (``warn``: notices).

    ``names``: the accounts it will open; the credentials they lack are all named at once.

    Raises:
        PreflightError: outside the sandbox, a credential ``names`` need is missing.
    """
    if sandbox:
        with sandbox_connection(planned.project.root, planned.project.config) as connection:
            yield connection
    else:
        config = planned.project.config
        yield environment_connection(planned.project.root, config, warn=warn, names=names)


def _conforms(connection: Connection) -> Providers:
    """Type-checked proof that a connection is what ``apply/`` takes."""
    return connection


@dataclass(frozen=True)
class _Gaps:
    """Which of some accounts lack credentials here (found without decrypting anything).

    Attributes:
        ready: accounts with their platform's app and a token.
        apps: account -> the app credentials it lacks (``Platform.missing_app``: TikTok's
            app, a channel's Google client); those without a token are in ``tokens`` too.
        tokens: account -> its ``refresh_token_env``, for accounts without a token here.
    """

    ready: list[str]
    apps: dict[str, MissingApp]
    tokens: dict[str, str]

    def missing_apps(self) -> list[MissingApp]:
        """Each app once: those shared by a platform's accounts first, then each account's."""
        shared = dict.fromkeys(app for app in self.apps.values() if app.shared)
        return [*shared, *(app for app in self.apps.values() if not app.shared)]


def _credential_gaps(
    config: Config, names: Collection[str], env: Mapping[str, str] | None = None
) -> _Gaps:
    """Split ``names`` by the credentials this machine has for them.

    Each account's platform says what it lacks (``Platform.missing_app``: TikTok needs the
    app's key and secret, a YouTube channel its Google client's id and secret) and whether
    it has a token (``Platform.has_tokens``: its ``refresh_token_env``, else the local store).
    """
    env = os.environ if env is None else env
    gaps = _Gaps([], {}, {})
    for name in sorted(names):
        account = config.accounts.get(name)
        platform = PLATFORMS.get(account.provider) if account is not None else None
        if account is None or platform is None:  # not in publisher.yaml: what names it says so
            continue
        app = platform.missing_app(name, account, env)
        if app is not None:
            gaps.apps[name] = app
        if not platform.has_tokens(name, account, env):
            gaps.tokens[name] = account.refresh_token_env
        elif app is None:
            gaps.ready.append(name)
    return gaps


#: What a command that takes ``--sandbox`` adds to a missing app's ``problem``.
TRY_SANDBOX = ", or use --sandbox to try things out"


def require_credentials(
    config: Config, names: Collection[str], *, try_sandbox: bool = True
) -> None:
    """Stop before any request when ``names`` lack a credential here, naming every one.

    What each command that opens accounts calls first (``apply``, ``state import``, ``auth
    refresh``, ``auth status``), so that one run says everything to set, by variable name.

    Raises:
        PreflightError: one diagnostic per missing credential (:func:`credential_problems`).
    """
    problems = credential_problems(config, names, try_sandbox=try_sandbox)
    if problems:
        raise PreflightError(problems, "credentials are missing")


def credential_problems(
    config: Config, names: Collection[str], *, try_sandbox: bool = True
) -> list[Diagnostic]:
    """Every credential ``names`` lack here, one line each, so one run says all to set.

    Each names the environment variables to set (never their values): TikTok's app, each
    YouTube channel's Google client, each account's refresh token. A missing app also says
    that ``--sandbox`` needs none (:data:`TRY_SANDBOX`) unless ``try_sandbox`` is false: the
    auth commands refuse ``--sandbox``, so they must not suggest it.
    """
    gaps = _credential_gaps(config, names)
    suffix = TRY_SANDBOX if try_sandbox else ""
    problems = [
        Diagnostic("environment", None, None, app.variables, app.problem + suffix)
        for app in gaps.missing_apps()
    ]
    for name, variable in gaps.tokens.items():
        problems.append(
            Diagnostic(
                "environment",
                None,
                None,
                variable,
                f"account {name} has no token here: set {variable} to its refresh token, or "
                f"run `publisher auth login --account {name}`",
            )
        )
    return problems


def _has_credentials(planned: Planned, names: list[str]) -> tuple[list[str], list[str]]:
    """Split ``names`` into accounts with credentials here and notices for the others.

    The notices name every credential missing (the variables to set), as apply's error
    would (:func:`credential_problems`), all in one run.
    """
    config = planned.project.config
    gaps = _credential_gaps(config, names)
    notices = [app.skipped for app in gaps.missing_apps()]
    for name, variable in gaps.tokens.items():
        checks = PLATFORMS[config.accounts[name].provider].account_checks
        notices.append(
            f"{checks} checks skipped for {name}: no token for it here (set {variable}, or run "
            f"`publisher auth login --account {name}`)"
        )
    return gaps.ready, notices


def reviewed_plan(
    planned: Planned,
    *,
    sandbox: bool,
    offline: bool,
    warn: Callable[[str], None] = lambda _m: None,
) -> tuple[Plan, list[str]]:
    """``planned.plan`` with the creator checks' problems added as plan errors, and notices.

    The one place ``publisher plan`` and the GitHub Action both go through, so a pull
    request fails exactly where a local plan would. Accounts without credentials here (a
    fork's pull request has no secrets) are skipped with a notice
    (``preflight/plan_checks.py`` runs the checks).

    Raises:
        StateError, AuthError: as :func:`environment_connection`.
    """
    from gitops_publisher.preflight.plan_checks import (
        check_creators,
        creator_changes,
        with_problems,
    )

    plan = planned.plan
    if offline:
        return plan, ["account checks skipped: offline (no network)"] if plan.has_changes else []
    if not plan.has_changes:
        return plan, []
    _changes, names = creator_changes(planned)
    if not names:
        return plan, []
    notices: list[str] = []
    if not sandbox:
        names, notices = _has_credentials(planned, names)
        if not names:
            return plan, notices
    with connect(planned, sandbox=sandbox, warn=warn, names=names) as connection:
        checked = check_creators(planned, connection, names)
    return with_problems(plan, checked), [*notices, *checked.notices]


def checked_despite_problems(
    problems: ProjectProblems,
    *,
    sandbox: bool,
    shard: Shard | None = None,
    warn: Callable[[str], None] = lambda _m: None,
) -> tuple[ConfigError, list[str]]:
    """``problems`` with ``plan``'s account checks added, and their notices.

    When manifests have problems, ``plan`` still checks the accounts whose configuration is
    valid (``planning.plan_despite_problems`` says which: those a valid project's plan would
    check), so a user learns of an expired token or a token of another user in the same run
    as of the manifests' problems. It is safe and costs what a plan of the fixed project
    would: the same read-only calls (TikTok's creator_info, YouTube's channels.list: one
    quota unit), once per account and run, to the same accounts, after the state's binding
    is checked (``StateBindingError`` before any request); a token refresh, when the stored
    access token has expired, goes as in any plan (a rotated token saved before use; in CI
    without ``PUBLISHER_TOKEN_KEY`` it stops before the refresh). Nothing is planned,
    posted or written to the state.
    """
    from gitops_publisher.planning import plan_despite_problems
    from gitops_publisher.preflight.plan_checks import check_creators

    notices: list[str] = []
    try:
        found = plan_despite_problems(problems, sandbox=sandbox, shard=shard)
    except PublisherError as exc:  # the state cannot be read or is bound elsewhere
        return problems, [f"account checks could not run: {exc}"]
    if found is None or not found[1]:
        return problems, []
    planned, names = found
    if not sandbox:
        names, notices = _has_credentials(planned, names)
        if not names:
            return problems, notices
    try:
        with connect(planned, sandbox=sandbox, warn=warn, names=names) as connection:
            checked = check_creators(planned, connection, names)
    except PublisherError as exc:  # the manifests' problems are reported all the same
        return problems, [*notices, f"account checks could not run: {exc}"]
    if not checked.problems:
        return problems, [*notices, *checked.notices]
    in_files = sum(1 for d in problems.diagnostics if d.severity == "error")
    error = ConfigError(
        [*problems.diagnostics, *checked.problems],
        f"{in_files} problem(s) in the project's files, {len(checked.problems)} in its accounts",
    )
    return error, [*notices, *checked.notices]
