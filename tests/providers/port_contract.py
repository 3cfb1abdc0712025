"""The provider port's contract, as checks any adapter must pass (``core/ports.py``).

Each check takes an opened :class:`Provider` and drives it the way the engine does; a
platform's tests run them against its emulator over real HTTP (TikTok: ``test_port_tiktok``),
and the fake platform runs them too, so the fake cannot drift from what adapters do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from gitops_publisher.core import handles
from gitops_publisher.core.auth_port import AccountAuth, AuthOpening
from gitops_publisher.core.desired import DesiredPost
from gitops_publisher.core.ports import (
    AccountReport,
    Attempt,
    Drafted,
    Media,
    NotStarted,
    Outcome,
    Platform,
    Provider,
    Published,
    Started,
    Transferring,
    is_settled,
)
from gitops_publisher.errors import AuthError

Sleep = Callable[[float], Awaitable[None]]


async def settle(
    provider: Provider, handle: str, size: int, sleep: Sleep, polls: int = 60
) -> Outcome:
    """Ask until the outcome is settled (the engine polls the same way)."""
    answer = await provider.outcome(handle, size)
    for _ in range(polls):
        if is_settled(answer):
            break
        await sleep(1.0)
        answer = await provider.outcome(handle, size)
    return answer


async def check_account(provider: Provider) -> AccountReport:
    """The account check names the user behind the token and can post."""
    report = await provider.check_account()
    assert report.identity.open_id or report.identity.username
    assert report.can_post, report.refusal
    return report


async def check_publish(
    provider: Provider, post: DesiredPost, media: Media, sleep: Sleep
) -> tuple[Started, Outcome]:
    """start -> a handle; before any byte the platform holds none; transfer; it settles."""
    started = await provider.start(post)
    assert started.handle
    before = await provider.outcome(started.handle, media.size)
    assert isinstance(before, Transferring | NotStarted), before
    if isinstance(before, Transferring):
        assert before.received == 0
    shown = provider.label(started.handle)
    assert shown
    sent: list[int] = []
    await provider.transfer(started, media, on_progress=lambda done, total: sent.append(done))
    assert sent and sent[-1] == media.size
    answer = await settle(provider, started.handle, media.size, sleep)
    assert isinstance(answer, Published | Drafted), answer
    return started, answer


def check_capability_handles_are_named(platform: Platform, handle: str) -> None:
    """A platform whose handles are capabilities says so (``Platform.sealed_handles``).

    Apply asks whether a record holds a session only for such platforms' accounts: those of
    a platform that says its handles are no secrets are put in the state as they are
    (``apply/statebox.py``), so an unnamed capability would be written in plain.
    """
    assert bool(platform.sealed_handles) == handles.is_capability(handle), platform.name


async def check_outcome_is_repeatable(provider: Provider, handle: str, size: int) -> None:
    """Asking again changes nothing: the resume path may ask any number of times, and with
    the recorded attempt (what a resume passes) a handle the platform knows answers the same."""
    first = await provider.outcome(handle, size)
    again = await provider.outcome(handle, size)
    resumed = await provider.outcome(handle, size, attempt=Attempt(began=datetime.now(UTC)))
    assert type(first) is type(again) is type(resumed) and is_settled(first)


async def check_unfinished_transfer_states_who_can_finish_it(
    provider: Provider, platform: Platform, post: DesiredPost, size: int
) -> None:
    """A transfer only its starting run can continue comes with its target's lifetime.

    The engine leaves such a transfer to whichever run may still be sending it for that long
    before giving it up (``apply/inflight.py``); without a lifetime it would give up at once
    an upload that another run is completing, and the post would be published twice.
    """
    started = await provider.start(post)
    answer = await provider.outcome(started.handle, size)
    if isinstance(answer, Transferring) and not answer.resumable:
        lifetime = platform.upload_target_lifetime
        assert lifetime is not None and lifetime.total_seconds() > 0, platform.name
        assert started.upload_target  # the target that lives only in this run


async def check_account_auth_without_tokens(
    platform: Platform, opening: AuthOpening, name: str
) -> AccountAuth:
    """``publisher auth`` of an account with no token: its status says so, a refresh refuses.

    The status is read without the network and names the variable to set; the refresh is an
    ``AuthError`` (the CLI's exit 1 with what to do), never a request without credentials.
    """
    auth = platform.auth(opening)
    assert auth.id_field and auth.login_page and auth.callback_path.startswith("/")
    status = auth.status(name, None)
    assert status.account == name and status.source is None and status.env_var, status
    assert not status.scopes and status.access_expires_at is None
    try:
        await auth.refresh(name)
    except AuthError:
        return auth
    raise AssertionError(f"{platform.name} refreshed an account without tokens")
