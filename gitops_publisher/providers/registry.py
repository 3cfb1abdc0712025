"""The registry of platforms: an account's ``provider:`` -> its :class:`~core.ports.Platform`.

The one place that maps a ``provider:`` name to code. The composition root opens each
account with :meth:`Platform.open`; ``planning.py`` hands the registry to the pure planner,
which counts each account's :meth:`Platform.quotas` and asks :meth:`Platform.retryable`;
pre-flight checks videos against :attr:`Platform.media_rules`; the plan views show each
change's :meth:`Platform.change_rows` and, in this order, each platform's
:meth:`Platform.budget_section`. A new platform is its folder
(``providers/<name>/``, whose ``platform.py`` defines its entry) and one line here.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitops_publisher.core.media_rules import MediaRules
from gitops_publisher.core.ports import Platform
from gitops_publisher.providers.tiktok.platform import TIKTOK
from gitops_publisher.providers.youtube.platform import YOUTUBE

PLATFORMS: dict[str, Platform] = {
    TIKTOK.name: TIKTOK,
    YOUTUBE.name: YOUTUBE,
}

#: The provider of an account that names none (``Account.provider``'s default).
DEFAULT_PROVIDER = TIKTOK.name


def media_rules(provider: str = DEFAULT_PROVIDER) -> MediaRules:
    """Return the media rules of ``provider`` (``"tiktok"``, ``"youtube"``).

    Raises:
        KeyError: no platform of that name (the config's schema admits none such).
    """
    return PLATFORMS[provider].media_rules


def rules_named(providers: Iterable[str], noun: str = "media rules") -> str:
    """``TikTok's media rules``, ``TikTok's and YouTube's media rules``: for messages."""
    return titles(providers, suffix="'s") + f" {noun}"


def titles(providers: Iterable[str], *, suffix: str = "", conjunction: str = "and") -> str:
    """``TikTok``, ``TikTok and YouTube``: the platforms of ``providers`` named in a message.

    None named: the default platform's. ``suffix`` goes after each title (``'s``);
    ``conjunction`` before the last (``TikTok or YouTube``).
    """
    names = [f"{PLATFORMS[p].title}{suffix}" for p in sorted(set(providers) or {DEFAULT_PROVIDER})]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {conjunction} {names[-1]}"
