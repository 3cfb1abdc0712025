"""Issuing, finding and retiring OAuth tokens of the sandbox world.

Token values are random (``act.…``, ``rft.…``, ``clt.…`` like TikTok's) and only their SHA-256
is stored, so neither ``world.json`` nor the admin routes can leak a usable token.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from gitops_publisher.sandbox.models import TokenRecord, WorldData


def token_key(token: str) -> str:
    """Return the storage key (SHA-256 hex) of a token value."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Grant:
    """What the token endpoint returns for one successful exchange."""

    access_token: str
    refresh_token: str
    open_id: str
    scopes: list[str]
    expires_in: int
    refresh_expires_in: int


def register_refresh_token(
    data: WorldData, token: str, open_id: str, scopes: Sequence[str], now: float, ttl: int
) -> None:
    """Store ``token`` as a valid refresh token (a seeded or minted login)."""
    family = secrets.token_hex(8)
    data.tokens[token_key(token)] = TokenRecord(
        kind="refresh",
        open_id=open_id,
        scopes=tuple(scopes),
        issued_at=now,
        expires_at=now + ttl,
        family=family,
        family_issued_at=now,
    )


def new_refresh_token() -> str:
    """Return a fresh random refresh token value."""
    return "rft." + secrets.token_urlsafe(36)


def issue_grant(
    data: WorldData,
    open_id: str,
    scopes: Sequence[str],
    now: float,
    access_ttl: int,
    refresh_ttl: int,
    family: str | None = None,
    family_issued_at: float | None = None,
    refresh_from_first_issue: bool = False,
) -> Grant:
    """Issue an access token and a refresh token for ``open_id``.

    ``family`` ties rotated tokens to the original login, so revoke can end all of them.
    """
    family = family or secrets.token_hex(8)
    first = now if family_issued_at is None else family_issued_at
    refresh_expires_at = (first if refresh_from_first_issue else now) + refresh_ttl
    access = "act." + secrets.token_urlsafe(36)
    refresh = new_refresh_token()
    common = {
        "open_id": open_id,
        "scopes": tuple(scopes),
        "issued_at": now,
        "family": family,
        "family_issued_at": first,
    }
    data.tokens[token_key(access)] = TokenRecord(
        kind="access", expires_at=now + access_ttl, **common
    )
    data.tokens[token_key(refresh)] = TokenRecord(
        kind="refresh", expires_at=refresh_expires_at, **common
    )
    return Grant(
        access_token=access,
        refresh_token=refresh,
        open_id=open_id,
        scopes=list(scopes),
        expires_in=access_ttl,
        refresh_expires_in=max(0, int(refresh_expires_at - now)),
    )


def issue_client_token(data: WorldData, now: float, ttl: int = 7200) -> str:
    """Issue a client-credentials app token (``clt.``): not valid for posting."""
    token = "clt." + secrets.token_urlsafe(36)
    data.tokens[token_key(token)] = TokenRecord(
        kind="client", issued_at=now, expires_at=now + ttl, family="client", family_issued_at=now
    )
    return token


def find_live(data: WorldData, token: str, kind: str, now: float) -> TokenRecord | None:
    """Return the record of ``token`` if it is of ``kind``, unexpired, unused, unrevoked."""
    record = data.tokens.get(token_key(token))
    if record is None or record.kind != kind or record.revoked or record.used:
        return None
    if now >= record.expires_at:
        return None
    return record


def revoke_family(data: WorldData, open_id: str) -> int:
    """Revoke every user token of ``open_id`` (the app leaves the user's connected apps)."""
    count = 0
    for record in data.tokens.values():
        if record.open_id == open_id and record.kind != "client" and not record.revoked:
            record.revoked = True
            count += 1
    return count


def prune_expired(data: WorldData, now: float) -> None:
    """Forget tokens expired for more than a day, so world.json does not grow forever."""
    dead = [key for key, rec in data.tokens.items() if rec.expires_at + 86_400 < now]
    for key in dead:
        del data.tokens[key]
