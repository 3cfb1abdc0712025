"""Business caps of reference §7-§8: daily posts, active users, verified pull URLs."""

from __future__ import annotations

from gitops_publisher.sandbox.models import Account, PostRecord
from gitops_publisher.sandbox.processing import counts_against_daily_cap
from gitops_publisher.sandbox.service import SandboxService

DAY = 86_400.0


def recent_posts(service: SandboxService, open_id: str | None = None) -> list[PostRecord]:
    """Posts initialised in the last 24 h, for one creator or all."""
    now = service.clock.now()
    return [
        post
        for post in service.world.data.posts.values()
        if post.created_at > now - DAY and (open_id is None or post.open_id == open_id)
    ]


def daily_cap_reached(service: SandboxService, account: Account) -> bool:
    """True when the creator used the daily post cap (default 15 direct posts / 24 h)."""
    now = service.clock.now()
    used = sum(
        1
        for post in recent_posts(service, account.open_id)
        if counts_against_daily_cap(post, now, service.options)
    )
    return used >= service.options.daily_post_cap


def active_user_cap(service: SandboxService) -> int | None:
    """The client's cap of posting users per 24 h: 5 unaudited, else the option (or None)."""
    if service.options.unaudited_client:
        return service.options.unaudited_user_cap
    return service.options.active_user_cap


def active_cap_reached(service: SandboxService, account: Account) -> bool:
    """True when a new posting user would exceed the client's active-user cap."""
    cap = active_user_cap(service)
    if cap is None:
        return False
    active = {post.open_id for post in recent_posts(service) if post.mode == "direct"}
    return account.open_id not in active and len(active) >= cap


def url_verified(service: SandboxService, url: str) -> bool:
    """True when ``url`` is under a verified URL prefix or (sub)domain (reference §5)."""
    client = service.world.data.client
    if any(url.startswith(prefix) for prefix in client.verified_url_prefixes):
        return True
    host = url[len("https://") :].split("/", 1)[0].split(":", 1)[0].lower()
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in client.verified_domains)
