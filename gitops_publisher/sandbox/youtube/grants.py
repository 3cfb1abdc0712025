"""Channels and Google tokens of the sandbox world: adding, issuing, finding, revoking.

Token values look like Google's (``ya29.…`` access, ``1//…`` refresh, ``4/0A…`` codes) and only
their SHA-256 is stored (``sandbox.tokens.token_key``).
"""

from __future__ import annotations

import secrets
import string

from gitops_publisher.sandbox.tokens import token_key
from gitops_publisher.sandbox.youtube.models import (
    IDENTITY_SCOPES,
    Channel,
    GoogleToken,
    YouTubeData,
)

ID_ALPHABET = string.ascii_letters + string.digits + "-_"


def random_id(length: int) -> str:
    """Return ``length`` characters of YouTube's id alphabet ``[A-Za-z0-9_-]``."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(length))


def find_channel(
    data: YouTubeData, handle: str | None = None, channel_id: str | None = None
) -> Channel | None:
    """Return the channel with this ``@handle`` (case-insensitive) or id, if any."""
    for channel in data.channels:
        if handle is not None and channel.handle.lower() == handle.lower():
            return channel
        if channel_id is not None and channel.id == channel_id:
            return channel
    return None


def add_channel(data: YouTubeData, channel: Channel, now: float, expires_at: float | None) -> str:
    """Add ``channel`` and return a valid refresh token for it (the caller saves).

    A refresh token given in the channel (world file) is registered; otherwise one is minted.

    Raises:
        ValueError: a channel with this handle or id exists.
    """
    channel = channel.model_copy(deep=True)
    if not channel.id:
        channel.id = "UC" + random_id(22)
    channel.created_at = channel.created_at or now
    if not channel.title:
        channel.title = channel.handle.lstrip("@")
    if find_channel(data, handle=channel.handle) is not None:
        raise ValueError(f"channel {channel.handle!r} already exists")
    if find_channel(data, channel_id=channel.id) is not None:
        raise ValueError(f"channel id {channel.id!r} already exists")
    token = channel.refresh_token or new_refresh_value()
    channel.refresh_token = None
    data.channels.append(channel)
    register_refresh(data, token, channel.id, channel.scopes, now, expires_at)
    return token


def new_refresh_value() -> str:
    """A fresh refresh token value (Google's start with ``1//``)."""
    return "1//0" + secrets.token_urlsafe(48)


def refresh_expiry(scopes: list[str], now: float, testing: bool, ttl: float) -> float | None:
    """When a refresh token issued ``now`` expires by time: testing mode only (reference §1.4).

    "issued a refresh token expiring in 7 days, unless the only OAuth scopes requested are a
    subset of name, email address, and user profile".
    """
    if not testing or all(scope in IDENTITY_SCOPES for scope in scopes):
        return None
    return now + ttl


def register_refresh(
    data: YouTubeData,
    token: str,
    channel_id: str,
    scopes: list[str],
    now: float,
    expires_at: float | None,
    cap: int | None = None,
) -> str:
    """Store ``token`` as a live refresh token; return its grant id.

    With ``cap``, the channel's oldest live refresh tokens beyond it are invalidated silently
    (Google: 100 per account per client, reference §1.4).
    """
    grant = secrets.token_hex(8)
    data.tokens[token_key(token)] = GoogleToken(
        kind="refresh",
        channel_id=channel_id,
        scopes=list(scopes),
        grant=grant,
        issued_at=now,
        expires_at=expires_at,
        last_used_at=now,
    )
    if cap is not None:
        live = sorted(
            (record for record in data.tokens.values() if _live_refresh(record, channel_id)),
            key=lambda record: record.issued_at,
        )
        for record in live[: max(0, len(live) - cap)]:
            revoke_grant(data, record.grant)
    return grant


def _live_refresh(record: GoogleToken, channel_id: str) -> bool:
    return record.kind == "refresh" and record.channel_id == channel_id and not record.revoked


def issue_access(
    data: YouTubeData, channel_id: str, scopes: list[str], grant: str, now: float, ttl: int
) -> str:
    """Issue an access token (``ya29.…``) of ``grant``."""
    token = "ya29.a0" + secrets.token_urlsafe(60)
    data.tokens[token_key(token)] = GoogleToken(
        kind="access",
        channel_id=channel_id,
        scopes=list(scopes),
        grant=grant,
        issued_at=now,
        expires_at=now + ttl,
    )
    return token


def find_live(
    data: YouTubeData, token: str, kind: str, now: float, unused_ttl: float | None = None
) -> GoogleToken | None:
    """Return the record of ``token`` if it is of ``kind``, unrevoked and unexpired.

    ``unused_ttl``: a refresh token not used for this long is dead (six months, §1.4).
    """
    record = data.tokens.get(token_key(token))
    if record is None or record.kind != kind or record.revoked:
        return None
    if record.expires_at is not None and now >= record.expires_at:
        return None
    if unused_ttl is not None and now >= record.last_used_at + unused_ttl:
        return None
    return record


def revoke_grant(data: YouTubeData, grant: str) -> None:
    """Revoke every token of ``grant`` (revoking an access token revokes its refresh token)."""
    for record in data.tokens.values():
        if record.grant == grant:
            record.revoked = True


def prune(data: YouTubeData, now: float) -> None:
    """Forget access tokens expired for more than a day and revoked refresh tokens."""
    dead = [
        key
        for key, record in data.tokens.items()
        if (record.kind == "access" and (record.expires_at or now) + 86_400 < now)
        or (record.revoked and record.issued_at + 86_400 < now)
    ]
    for key in dead:
        del data.tokens[key]
