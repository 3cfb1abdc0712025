"""State binding: a state describes one API endpoint and app per platform (design §12).

A state written against a sandbox (served, or embedded with ``--sandbox``) says nothing
about what was published on TikTok itself: read as the real state it would plan a
published-in-the-sandbox post as ``noop``, and the real post would never be made. So the
envelope records, per platform, the endpoint its records describe (:class:`Endpoint`), the
first write sets it, and a run against another endpoint is refused before any request.

Pure: the caller says which endpoints this run talks to (``providers/*/endpoint.py``) and
how each platform is named in the messages (:class:`Described`: the registry's platforms,
which the state stores hand in), so a new platform needs no line here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Protocol

from gitops_publisher.core.state import Endpoint, State
from gitops_publisher.errors import StateBindingError

EMBEDDED_SANDBOX = "embedded-sandbox"
_APP_SALT = b"gitops-publisher app fingerprint v1\x00"


def app_fingerprint(client_key: str) -> str:
    """A short, non-reversible name for the app a client key belongs to (``sha256:...``).

    Salted and truncated to 16 hex digits: enough to tell two apps apart, useless for
    recovering the key (which is not a secret anyway: TikTok shows it in the login URL).
    """
    digest = hashlib.sha256(_APP_SALT + client_key.encode("utf-8")).hexdigest()
    return f"sha256:{digest[:16]}"


class Described(Protocol):
    """What the binding's messages say of a platform (``core.ports.Platform`` has it)."""

    @property
    def title(self) -> str:
        """How messages name it (``TikTok``)."""
        ...

    @property
    def api_url_env(self) -> str:
        """The variable that points a run at another API (``PUBLISHER_TIKTOK_API_URL``)."""
        ...

    @property
    def app_credential(self) -> str:
        """What names its app (``the app's client key (TIKTOK_CLIENT_KEY)``)."""
        ...


Platforms = Mapping[str, Described]
"""``provider:`` name -> how its platform is named (the registry, ``providers/registry.py``)."""

_NONE: Platforms = MappingProxyType({})


def _title(platform: str, platforms: Platforms) -> str:
    """The platform's title, or its ``provider:`` name when the caller named no such one."""
    known = platforms.get(platform)
    return known.title if known is not None else platform


def describe(platform: str, endpoint: Endpoint, platforms: Platforms = _NONE) -> str:
    """``TikTok at https://open.tiktokapis.com (app sha256:...)``, for messages."""
    name = _title(platform, platforms)
    if endpoint.api_url == EMBEDDED_SANDBOX:
        return f"the embedded {name} sandbox (--sandbox)"
    app = f" (app {endpoint.app})" if endpoint.app else ""
    return f"{name} at {endpoint.api_url}{app}"


def _matches(bound: Endpoint, current: Endpoint) -> bool:
    if bound.api_url != current.api_url:
        return False
    # An offline plan may run without the app's key: the URL alone must then agree.
    return bound.app is None or current.app is None or bound.app == current.app


Adopts = Callable[[str, Endpoint], bool]
"""Whether a platform's endpoint may adopt that platform's records written before it was
bound: its own API and the embedded sandbox (``Platform.adopts_unbound``)."""


def adopts_none(platform: str, endpoint: Endpoint) -> bool:
    """No endpoint adopts unbound records (the default: ``publisher state bind`` must)."""
    return False


def check_binding(
    state: State,
    current: Mapping[str, Endpoint],
    *,
    source: str,
    adopts: Adopts = adopts_none,
    platform_of: Mapping[str, str] | None = None,
    platforms: Platforms = _NONE,
) -> None:
    """Refuse to use ``state`` from endpoints other than those it describes.

    A state with records of a platform but no binding for it was written before that
    platform's endpoint was recorded (TikTok: version 1; YouTube: before December 2026's
    YouTube binding): its records were most likely made on the platform itself, so only a
    run against the platform's own endpoint (or ``--sandbox``, whose file is separate) may
    adopt them; another endpoint (a served sandbox) needs ``publisher state bind`` first.
    Unless the state's other bindings say otherwise: records written beside another
    platform's records of a served sandbox (or of the embedded one, for a real run) were
    most likely made there too, so they are not adopted either.

    Args:
        state: the state read.
        current: per platform, the endpoint this run talks to (the platforms the project
            uses: no other platform is checked).
        source: the state as the user knows it (``.publisher/state.json``).
        adopts: whether a platform's endpoint may adopt its unbound records.
        platform_of: account -> its platform (``provider:``), to tell whose records an
            unbound platform holds; a record of an account not named counts for every
            platform (None: every record does).
        platforms: how the messages name each platform and the variables they suggest
            (the registry; a platform not in it is named by its ``provider:`` name).

    Raises:
        StateBindingError: a platform's endpoint differs, or an unbound state with records
            of that platform meets an endpoint that may not adopt them; the message names
            both and what to do. Raised before any request is made.
    """
    for platform, endpoint in sorted(current.items()):
        bound = state.endpoints.get(platform)
        if bound is None:
            _check_adoption(state, platform, endpoint, source, adopts, platform_of, platforms)
            continue
        if not _matches(bound, endpoint):
            raise _elsewhere(platform, bound, endpoint, source, platforms)


def _elsewhere(
    platform: str, bound: Endpoint, current: Endpoint, source: str, platforms: Platforms
) -> StateBindingError:
    """The refusal of a state whose ``platform`` is bound to another endpoint than this run's."""
    return StateBindingError(
        f"the state {source} describes {describe(platform, bound, platforms)}, but this run "
        f"talks to {describe(platform, current, platforms)}; refusing to use it (a post "
        "recorded for one endpoint is not published on the other)",
        hint=_hint(platforms.get(platform), bound, current),
    )


def _check_adoption(
    state: State,
    platform: str,
    endpoint: Endpoint,
    source: str,
    adopts: Adopts,
    platform_of: Mapping[str, str] | None,
    platforms: Platforms,
) -> None:
    """Refuse ``platform``'s unbound records unless ``endpoint`` may adopt them.

    Raises:
        StateBindingError: see :func:`check_binding`.
    """
    held = _records_of(state, platform, platform_of)
    if not held:
        return
    name = _title(platform, platforms)
    records = (
        f"the state {source} holds {held} record(s) of {name} accounts from before states "
        "recorded their endpoint"
    )
    hint = (
        "give this endpoint a state of its own (another `state.path` in publisher.yaml, or "
        "`--sandbox`); if these records really were made on this endpoint, run `publisher "
        "state bind` with this environment"
    )
    if not adopts(platform, endpoint):
        raise StateBindingError(
            f"{records} (most likely made on {name} itself), and this run talks to "
            f"{describe(platform, endpoint, platforms)}; refusing to use it",
            hint=hint,
        )
    embedded = endpoint.api_url == EMBEDDED_SANDBOX
    for other, witness in sorted(state.endpoints.items()):
        if adopts(other, witness) and (witness.api_url == EMBEDDED_SANDBOX) == embedded:
            continue
        raise StateBindingError(
            f"{records}, beside records that describe {describe(other, witness, platforms)}: "
            f"they were most likely made there too, not on "
            f"{describe(platform, endpoint, platforms)}, which this "
            "run talks to; refusing to use it",
            hint=hint,
        )


def _records_of(state: State, platform: str, platform_of: Mapping[str, str] | None) -> int:
    """How many of ``state``'s records may be ``platform``'s (unknown accounts' count)."""
    if platform_of is None:
        return len(state.resources)
    return sum(platform_of.get(r.account, platform) == platform for r in state.resources.values())


def _hint(platform: Described | None, bound: Endpoint, current: Endpoint) -> str:
    """What to do, in the words of ``platform`` (None: one the caller did not name)."""
    env = platform.api_url_env if platform else "the platform's API URL"
    app = platform.app_credential if platform else "the app's client id"
    if bound.api_url == current.api_url:
        return (
            f"{app} differs from the one this state was written with: set the right one; "
            "if the same accounts really moved to another app, run `publisher state bind` "
            "to record it"
        )
    if EMBEDDED_SANDBOX in (bound.api_url, current.api_url):
        return (
            "--sandbox keeps its own state in .publisher/sandbox/state.json; a file of the "
            "embedded sandbox was put where the other endpoint's state belongs (or the "
            "reverse): move it back"
        )
    return (
        f"to use this state, set {env}={bound.api_url}. To try another endpoint (a served "
        "sandbox), give it a state of its own: another `state.path` in publisher.yaml, or "
        "use `--sandbox`. If this file only holds posts made on a sandbox, move it away: "
        "none of them was published on the real endpoint. If the same accounts' endpoint "
        "really moved, run `publisher state bind`"
    )


def bind(
    state: State,
    current: Mapping[str, Endpoint],
    *,
    force: bool = False,
    source: str = "being written",
    platforms: Platforms = _NONE,
) -> State:
    """``state`` bound to ``current``: unbound platforms are set, an unknown app filled in.

    What a store writes goes through here (design §12: every write records the endpoints).
    A platform bound to another endpoint is refused as :func:`check_binding` refuses it:
    a state read through the store was checked when it was read, so this guards a state
    that comes from elsewhere. Whether unbound records may be adopted is not asked again:
    that was decided when the state was read.

    With ``force`` (``publisher state bind``) a different binding is replaced instead. The
    serial is left alone: a binding rides on the write of a real change (whose serial bumped
    already), and a writer's next write must still be the successor of this one.

    Raises:
        StateBindingError: without ``force``, a platform of ``current`` is bound to another
            endpoint in ``state`` (``source`` names the state in the message, ``platforms``
            the platforms, as in :func:`check_binding`).
    """
    endpoints = dict(state.endpoints)
    for platform, endpoint in current.items():
        bound = endpoints.get(platform)
        if bound is None or force:
            endpoints[platform] = endpoint
        elif not _matches(bound, endpoint):
            raise _elsewhere(platform, bound, endpoint, source, platforms)
        elif bound.app is None and endpoint.app is not None:
            endpoints[platform] = endpoint
    if endpoints == state.endpoints:
        return state
    return state.model_copy(update={"endpoints": endpoints})
