"""Load a project, read its state, and plan: the one function ``plan`` and ``apply`` share."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from gitops_publisher.core.address import Address
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.models import AccountConfig
from gitops_publisher.core.plan import PUBLISHING, MediaSummary, Plan
from gitops_publisher.core.planner import plan as compute_plan
from gitops_publisher.core.reviewed import ReviewedPlan, merge_approvals
from gitops_publisher.core.shard import Shard
from gitops_publisher.core.state import Endpoint, State, StateStore
from gitops_publisher.errors import ConfigError, Diagnostic, PublisherError, StalePlanError
from gitops_publisher.providers.registry import PLATFORMS
from gitops_publisher.workspace.project import Project, ProjectProblems, load_project


@dataclass
class Planned:
    """Everything a plan was made from, for apply to act on."""

    project: Project
    store: StateStore
    state: State
    plan: Plan
    shard: Shard | None = None
    reviewed: Mapping[str, str] | None = None
    """With ``reviewed_only``: address -> fingerprint merged pull requests' plans showed (the
    state's approvals); the plan's other publishes are ``unreviewed``, and apply's engine
    refuses any publish outside it. None: no restriction."""
    sandbox: bool = False
    """The state is the embedded sandbox's (its key file seals upload sessions)."""


def utc_now() -> datetime:
    """The time plans are made for (the one clock of planning; tests replace it)."""
    return datetime.now(UTC)


def _in_shard(
    posts: list[DesiredPost], state: State, shard: Shard | None
) -> tuple[list[DesiredPost], State]:
    """Only the shard's accounts' posts and records (``--shard K/N``)."""
    if shard is None:
        return posts, state
    kept = {a: r for a, r in state.resources.items() if shard.holds(r.account)}
    return [p for p in posts if shard.holds(p.address.account)], state.model_copy(
        update={"resources": kept}
    )


@dataclass(frozen=True)
class Opened:
    """A loaded project and its state store, before the state is read (:func:`open_project`).

    ``apply`` (and ``state import``) take the store's lock first and only then plan
    (:meth:`plan`), once: what they act on is planned from the state read under the lock.
    """

    project: Project
    store: StateStore
    shard: Shard | None = None
    sandbox: bool = False
    endpoints: Mapping[str, Endpoint] = field(default_factory=dict)
    """Per platform of the project, the endpoint this run talks to (:func:`run_endpoints`):
    the plan names them, and ``apply PLANFILE`` refuses a plan made against others."""

    def plan(
        self,
        *,
        targets: frozenset[str] = frozenset(),
        replace: frozenset[str] = frozenset(),
        now: datetime | None = None,
        reviewed_only: bool = False,
    ) -> Planned:
        """Read the state from the store and plan the project against it.

        Raises:
            StateBindingError: the state describes another endpoint than this run's (before
                any request: design §12).
            StateError: the state cannot be read.
            AddressError: a target names nothing.
        """
        state = self.store.read()
        project = self.project
        media: dict[str, MediaSummary] | None = None
        if project.media:  # the media checks ran: each change shows its video's facts
            from gitops_publisher.preflight.media import media_summaries

            media = media_summaries(project.media)
        posts, visible = _in_shard(list(project.posts), state, self.shard)
        approved = (
            {address: approval.fingerprint for address, approval in state.reviewed.items()}
            if reviewed_only
            else None
        )
        result = compute_plan(
            posts,
            visible,
            now or utc_now(),
            accounts=project.config.accounts,
            targets=targets,
            replace=replace,
            media=media,
            reviewed=approved,
            youtube_quota=project.config.youtube.quota,
            platforms=PLATFORMS,
        )
        result = result.model_copy(update={"endpoints": dict(self.endpoints)})
        return Planned(project, self.store, state, result, self.shard, approved, self.sandbox)


def open_project(
    root: Path,
    *,
    sandbox: bool,
    shard: Shard | None = None,
    media_checks: bool = False,
    endpoints: Mapping[str, Endpoint] | None = None,
) -> Opened:
    """Load ``root`` and open its state store (of one shard's accounts if given); read no state.

    With ``media_checks``, every distinct video is inspected first (media pre-flight, through
    the probe cache); a video TikTok would reject is a ConfigError at its manifest's ``video:``,
    and each change shows its video's facts. ``endpoints`` are those the run talks to
    (default: from the environment, see :func:`run_endpoints`): the store refuses a state
    that describes others when it is read.

    Raises:
        ConfigError: the project's files are invalid (every problem collected).
        PublisherError: a platform's API URL variable is not an http(s) URL.
    """
    project = load_project(root, check_media=media_checks)
    return _opened(project, sandbox=sandbox, shard=shard, endpoints=endpoints)


def _opened(
    project: Project,
    *,
    sandbox: bool,
    shard: Shard | None,
    endpoints: Mapping[str, Endpoint] | None = None,
) -> Opened:
    """``project`` and its state store (see :func:`open_project`)."""
    from gitops_publisher.workspace.state_stores import open_state_store

    accounts = project.config.accounts
    talks_to = run_endpoints(accounts, sandbox=sandbox) if endpoints is None else endpoints
    store = open_state_store(
        project.root,
        project.config.state,
        sandbox=sandbox,
        shard=shard,
        endpoints=talks_to,
        adopts=adopts_unbound,
        platform_of=platforms_of(accounts),
    )
    return Opened(project, store, shard, sandbox, talks_to)


def plan_despite_problems(
    problems: ProjectProblems,
    *,
    sandbox: bool,
    shard: Shard | None = None,
    now: datetime | None = None,
) -> tuple[Planned, list[str]] | None:
    """The plan of a project's valid posts, and the accounts to check despite its problems.

    For ``plan``'s account checks when the manifests have problems (nothing of it is ever
    applied): the accounts are those a plan of the valid project would check, the accounts
    of its publishing changes (here: of the posts without a problem), and those a post with
    problems names that the state has no record of there yet (they would be publishing once
    it is fixed); only those whose entry in ``publisher.yaml`` is valid, of ``shard`` if
    given. None when ``publisher.yaml`` or its ``state:`` is invalid: no state to check the
    accounts against.

    Raises:
        StateBindingError: the state describes another endpoint than this run's.
        StateError: the state cannot be read.
        PublisherError: a platform's API URL variable is not an http(s) URL.
    """
    if problems.partial is None:
        return None
    planned = _opened(problems.partial, sandbox=sandbox, shard=shard).plan(now=now)
    waiting = {
        address.account
        for address in problems.waiting
        if str(address) not in planned.state.resources
        and (shard is None or shard.holds(address.account))
    }
    publishing = {c.account for c in planned.plan.changes if c.action in PUBLISHING}
    return planned, sorted((waiting | publishing) & problems.accounts)


def make_plan(
    root: Path,
    *,
    sandbox: bool,
    targets: frozenset[str] = frozenset(),
    replace: frozenset[str] = frozenset(),
    now: datetime | None = None,
    shard: Shard | None = None,
    media_checks: bool = False,
    reviewed_only: bool = False,
    endpoints: Mapping[str, Endpoint] | None = None,
) -> Planned:
    """Load ``root``, read its state and compute the plan: :func:`open_project`, then plan.

    For a plan shown or saved (``plan``, the Action's pull request comment); a command that
    acts on the plan opens the project, takes the store's lock, then plans (:class:`Opened`).

    Raises:
        ConfigError: the project's files are invalid (every problem collected).
        StateBindingError: the state describes another endpoint than this run's (before
            any request: design §12).
        StateError: the state cannot be read.
        AddressError: a target names nothing.
    """
    opened = open_project(
        root, sandbox=sandbox, shard=shard, media_checks=media_checks, endpoints=endpoints
    )
    return opened.plan(targets=targets, replace=replace, now=now, reviewed_only=reviewed_only)


def run_endpoints(
    accounts: Mapping[str, AccountConfig],
    *,
    sandbox: bool,
    env: Mapping[str, str] | None = None,
) -> dict[str, Endpoint]:
    """Per platform the project's ``accounts`` use, the endpoint this run talks to.

    Each platform of the registry says its own (``Platform.endpoint``: from ``env``, by
    default the process's, or ``--sandbox``); a platform no account uses is neither bound
    nor checked (a TikTok-only project's state never names YouTube).

    Raises:
        PublisherError: a platform's API URL variable is not an http(s) URL.
    """
    used: dict[str, list[AccountConfig]] = {}
    for account in accounts.values():
        used.setdefault(account.provider, []).append(account)
    return {
        name: PLATFORMS[name].endpoint(mine, sandbox=sandbox, env=env)
        for name, mine in sorted(used.items())
    }


def adopts_unbound(platform: str, endpoint: Endpoint) -> bool:
    """Whether ``platform``'s ``endpoint`` may bind its records written before bindings.

    The registry's ``Platform.adopts_unbound``; a platform it does not know never does.
    """
    entry = PLATFORMS.get(platform)
    return entry is not None and entry.adopts_unbound(endpoint)


def platforms_of(accounts: Mapping[str, AccountConfig]) -> dict[str, str]:
    """Account -> its platform (``provider:``), to tell whose records a state holds."""
    return {name: account.provider for name, account in accounts.items()}


def replan(
    planned: Planned,
    *,
    targets: frozenset[str] = frozenset(),
    replace: frozenset[str] = frozenset(),
    now: datetime | None = None,
) -> Planned:
    """Re-read the state (e.g. once it changed) and plan again; manifests are kept."""
    opened = Opened(planned.project, planned.store, planned.shard, planned.sandbox)
    return opened.plan(
        targets=targets, replace=replace, now=now, reviewed_only=planned.reviewed is not None
    )


def record_reviewed(
    planned: Planned, reviewed: ReviewedPlan, *, warn: Callable[[str], None]
) -> Planned:
    """Record the approvals of a merged pull request's ``reviewed`` plan in the state.

    Under the state lock; only the addresses of ``planned``'s shard; nothing is written when
    the state holds them already. Returns ``planned`` planned again on the new state. The
    state is written without session URIs (:func:`_at_rest`; ``warn``: its warning).

    Raises:
        StateLockedError: another run holds the state.
        StateError: the state cannot be written.
    """
    shard = planned.shard

    def keep(address: str) -> bool:
        return shard is None or shard.holds(Address.parse(address).account)

    with planned.store.lock(purpose="record a reviewed plan"):
        state = planned.store.read()
        updated = state.with_reviewed(merge_approvals(state.reviewed, reviewed, keep))
        if updated is not state:
            planned.store.write(_at_rest(planned, updated, warn))
    return replan(
        planned, targets=frozenset(planned.plan.targets), replace=frozenset(planned.plan.replace)
    )


def persist_moves(planned: Planned, *, warn: Callable[[str], None]) -> Planned:
    """Write the plan's record moves (``previous_ids``) to the store; the caller holds the lock.

    The plan was made against the moved state, so apply goes on from it. The state is
    written without session URIs (:func:`_at_rest`; ``warn``: its warning).

    Raises:
        StateError: the store cannot be written.
    """
    from gitops_publisher.core.renames import apply_moves

    if not planned.plan.moves:
        return planned
    state = _at_rest(planned, apply_moves(planned.state, sorted(planned.plan.moves.items())), warn)
    planned.store.write(state)
    return replace(planned, state=state)


def _at_rest(planned: Planned, state: State, warn: Callable[[str], None]) -> State:
    """``state`` with its upload sessions closed or sealed, as apply writes them.

    A write before apply's engine runs rewrites the records it did not touch too
    (``workspace/state_sealing.py``).
    """
    from gitops_publisher.workspace.state_sealing import at_rest, key_dir

    where = key_dir(planned.project.root, sandbox=planned.sandbox)
    return at_rest(state, key_dir=where, warn=warn)


def save_plan(plan: Plan, path: Path) -> None:
    """Write a plan file for a later ``apply PLANFILE``.

    Raises:
        PublisherError: the file cannot be written (no such directory, no permission).
    """
    try:
        path.write_text(plan.model_dump_json(indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise PublisherError(
            f"cannot write the plan to {path}: {exc.strerror}",
            hint="choose another -o FILE, in a directory that exists",
        ) from exc


def read_plan(path: Path) -> Plan:
    """Read a saved plan file.

    Raises:
        PublisherError: unreadable or not a plan of this format.
    """
    try:
        data = path.read_bytes()
        plan = Plan.model_validate_json(data)
    except OSError as exc:
        raise PublisherError(f"cannot read plan file {path}: {exc.strerror}") from exc
    except ValidationError as exc:
        raise ConfigError(
            _plan_problems(path, data),
            f"{path} is not a plan file of this version of gitops-publisher",
        ) from exc
    # The plan's schema takes any platform name (a newer version may know more): this
    # version can show and apply only the changes of the platforms it knows.
    unknown = [
        Diagnostic(
            str(path),
            None,
            None,
            f"/changes/{index}/provider",
            f"platform {change.provider!r} (of {change.address}) is not one this version of "
            f"gitops-publisher knows ({', '.join(PLATFORMS)}): make the plan again with this "
            "version (`publisher plan -o FILE`), or use the version that made it",
        )
        for index, change in enumerate(plan.changes)
        if change.provider not in PLATFORMS
    ]
    if unknown:
        raise ConfigError(
            unknown, f"{path} names a platform this version of gitops-publisher does not know"
        )
    return plan


def _plan_problems(path: Path, data: bytes) -> list[Diagnostic]:
    """Where a plan file breaks ``schema/plan.schema.json``, one diagnostic per JSON pointer."""
    from gitops_publisher.core.schema_check import schema_problems

    try:
        document = json.loads(data)
    except ValueError as exc:
        line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        return [Diagnostic(str(path), line, column, "", "not valid JSON")]
    problems = schema_problems("plan", document)
    if not problems:  # the schema cannot say everything the model checks (e.g. formats)
        problems = [("", "refused by this version's plan model; make a new plan")]
    return [Diagnostic(str(path), None, None, pointer, message) for pointer, message in problems]


def check_not_stale(saved: Plan, current: Planned) -> None:
    """Refuse a saved plan made against another state or other manifests.

    Raises:
        StalePlanError: lineage, serial, a fingerprint or a recorded handle (by its digest,
            for capabilities) differs; says what to do.
    """
    _check_endpoints(saved, current.plan)
    state = current.state
    # A project with no state yet gets a fresh lineage in every process until its first
    # write, so an empty state matches an empty-state plan whatever its lineage.
    empty = saved.serial == 0 and state.serial == 0 and not state.resources
    if saved.lineage != state.lineage and saved.serial == 0 and not empty:
        # Saved before the state's first write: the lineage it pinned was never written, so
        # the state was written since (most often by applying this very plan once already).
        raise StalePlanError(
            f"the state changed since the plan was saved (serial 0 -> {state.serial}): it had "
            "no record then, and an apply or a state command has written it since",
            hint="run `publisher plan -o FILE` again and review it (a plan saved with "
            "--sandbox or --shard is applied with the same options)",
        )
    if saved.lineage != state.lineage and not empty:
        raise StalePlanError(
            "the saved plan was made for another state (its lineage differs)",
            hint="run `publisher plan -o FILE` again against this state (a plan saved with "
            "--sandbox or --shard is applied with the same options)",
        )
    if saved.serial != state.serial:
        raise StalePlanError(
            f"the state changed since the plan was saved (serial {saved.serial} -> "
            f"{state.serial}): another apply ran",
            hint="run `publisher plan -o FILE` again and review it",
        )
    if saved.fingerprints != current.plan.fingerprints:
        other = _other_accounts(saved.fingerprints, current.plan.fingerprints)
        if other:
            raise StalePlanError(
                f"the saved plan's posts are not the posts of this run: {other}",
                hint="apply it with the options it was saved with (a plan saved with "
                "--sandbox or --shard is applied with the same options), or run "
                "`publisher plan -o FILE` again and review it",
            )
        changed = sorted(set(saved.fingerprints.items()) ^ set(current.plan.fingerprints.items()))
        names = ", ".join(sorted({address for address, _ in changed})[:5])
        raise StalePlanError(
            f"manifests or videos changed since the plan was saved ({names})",
            hint="run `publisher plan -o FILE` again and review it",
        )
    attempts = _attempts(current.plan)
    if _attempts(saved) != attempts:
        differ = set(_attempts(saved).items()) ^ set(attempts.items())
        names = ", ".join(sorted({address for address, _ in differ})[:5])
        raise StalePlanError(
            f"the state's publish attempts differ from those the plan was saved with ({names})",
            hint="run `publisher plan -o FILE` again and review it",
        )


def _check_endpoints(saved: Plan, now: Plan) -> None:
    """Refuse a plan made against another endpoint than this run's, for any platform.

    The state binding refuses a state that describes another endpoint, but an empty state
    describes none: without this, a plan made with ``--sandbox`` (while both states were
    empty) would be applied to the real platform. Plans saved before they named their
    endpoints (2026-12-05) name none and are checked as before.

    Raises:
        StalePlanError: a platform's endpoint differs; names both.
    """
    for platform in sorted(set(saved.endpoints) & set(now.endpoints)):
        was, is_now = saved.endpoints[platform], now.endpoints[platform]
        if was != is_now:
            title = PLATFORMS[platform].title if platform in PLATFORMS else platform
            raise StalePlanError(
                f"the saved plan was made against {_endpoint_text(was)} for {title}, and this "
                f"run talks to {_endpoint_text(is_now)}",
                hint="apply it as it was made (a plan saved with --sandbox is applied with "
                "--sandbox, one made with an API URL variable with the same one), or run "
                "`publisher plan -o FILE` again and review it",
            )


def _endpoint_text(endpoint: Endpoint) -> str:
    if endpoint.api_url == "embedded-sandbox":
        return "the embedded sandbox"
    app = f" (app {endpoint.app})" if endpoint.app else ""
    return f"{endpoint.api_url}{app}"


def _other_accounts(saved: Mapping[str, str], now: Mapping[str, str]) -> str:
    """How the plans differ when they hold other accounts' posts and no post changed, or "".

    A plan saved with ``--shard K/N`` and applied without it (or the other way round, or with
    another shard) holds whole accounts the run does not: every address in one and not the
    other is of an account the other has none of. An edited, added or removed post of an
    account both hold is a change of the manifests instead.
    """
    if any(saved[a] != now[a] for a in saved.keys() & now.keys()):
        return ""

    def accounts(addresses: Iterable[str]) -> set[str]:
        return {Address.parse(address).account for address in addresses}

    planned, running = accounts(saved), accounts(now)
    if accounts(saved.keys() ^ now.keys()) & planned & running:
        return ""
    only_saved, only_now = sorted(planned - running), sorted(running - planned)
    parts = []
    if only_saved:
        parts.append(f"it has the posts of {', '.join(only_saved[:5])}, which this run leaves out")
    if only_now:
        parts.append(f"it has none of {', '.join(only_now[:5])}, which this run plans")
    return "; ".join(parts)


def _attempts(plan: Plan) -> dict[str, tuple[str | None, str | None]]:
    """Each change's recorded handle as the plan refers to it (shown form, capability digest)."""
    return {
        c.address: (c.publish_id, c.handle_digest)
        for c in plan.changes
        if c.publish_id or c.handle_digest
    }
