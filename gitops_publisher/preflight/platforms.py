"""Which media rules a platform supplies, by the account's ``provider:`` name.

The one lookup pre-flight uses; each platform keeps its values in its own folder
(``providers/<platform>/media_rules.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

from gitops_publisher.core.media_rules import MediaRules

#: The provider of an account that names none (``Account.provider``'s default).
DEFAULT_PROVIDER = "tiktok"


def media_rules(provider: str = DEFAULT_PROVIDER) -> MediaRules:
    """Return the media rules of ``provider`` (``"tiktok"``, ``"youtube"``).

    Raises:
        KeyError: no platform of that name (the config's schema admits none such).
    """
    if provider == "tiktok":
        from gitops_publisher.providers.tiktok.media_rules import TIKTOK_MEDIA_RULES

        return TIKTOK_MEDIA_RULES
    if provider == "youtube":
        from gitops_publisher.providers.youtube.media_rules import YOUTUBE_MEDIA_RULES

        return YOUTUBE_MEDIA_RULES
    raise KeyError(f"no media rules for provider {provider!r}")


def rules_named(providers: Iterable[str], noun: str = "media rules") -> str:
    """``TikTok's media rules``, ``TikTok's and YouTube's media rules``: for messages."""
    names = [f"{media_rules(p).platform}'s" for p in sorted(set(providers))]
    if not names:
        names = [f"{media_rules().platform}'s"]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{listed} {noun}"
