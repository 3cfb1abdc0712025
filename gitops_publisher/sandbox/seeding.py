"""Each emulator's users and app, by the ``provider:`` name of the platform it emulates.

What the embedded sandbox (``--sandbox``, ``compose.py``) needs to give a project's accounts
somewhere to publish: each account becomes a user of its platform's emulator (a TikTok
account, a YouTube channel ``@handle``) with a refresh token, and the connection gets each
emulator's app credentials. The composition root looks both up here by the account's
``provider:``, so an emulator added under ``sandbox/<name>/`` adds its line here and
``compose.py`` needs no edit. The emulators still import nothing of the client code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gitops_publisher.sandbox.models import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET
from gitops_publisher.sandbox.world import SandboxWorld
from gitops_publisher.sandbox.youtube import SANDBOX_GOOGLE_CLIENT_ID, SANDBOX_GOOGLE_CLIENT_SECRET


@dataclass(frozen=True)
class Seeder:
    """How one emulator holds a project's account as a user.

    Attributes:
        exists: ``exists(world, user)``: whether the emulator has the user named ``user``
            (a TikTok username, a YouTube handle without its ``@``).
        ensure: ``ensure(world, user, user_id)``: make sure it has, and return a refresh
            token valid now (saves the world); a new user gets ``user_id`` (the account's
            ``open_id`` or ``channel_id``) when not None.
        app: the emulator's app credentials (client key or id, secret).
    """

    exists: Callable[[SandboxWorld, str], bool]
    ensure: Callable[[SandboxWorld, str, str | None], str]
    app: tuple[str, str]


SEEDERS: Mapping[str, Seeder] = {
    "tiktok": Seeder(
        exists=lambda world, user: world.find_account(username=user) is not None,
        ensure=lambda world, user, open_id: world.ensure_account(user, open_id=open_id),
        app=(SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET),
    ),
    "youtube": Seeder(  # a channel of the YouTube emulator, @handle
        exists=lambda world, user: world.find_channel("@" + user) is not None,
        ensure=lambda world, user, channel_id: world.ensure_channel(
            "@" + user, channel_id=channel_id
        ),
        app=(SANDBOX_GOOGLE_CLIENT_ID, SANDBOX_GOOGLE_CLIENT_SECRET),
    ),
}
"""``provider:`` name -> how its emulator holds accounts."""


def apps() -> dict[str, tuple[str, str]]:
    """Every emulator's app credentials, by ``provider:`` name (a connection's ``apps``)."""
    return {name: seeder.app for name, seeder in SEEDERS.items()}
