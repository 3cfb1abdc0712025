"""The user's OAuth tokens as a value (reference §1.2). Pure: no I/O, no httpx.

Tokens are ``SecretStr`` so that a stray ``repr``, log line or pydantic error shows ``*****``;
only :meth:`TokenSet.to_storage` reveals them, for the token stores.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
REFRESH_EARLY = timedelta(minutes=5)


class TokenSet(BaseModel):
    """An access token, the refresh token that renews it, and when each expires.

    ``access_expires_at`` / ``refresh_expires_at`` come from ``expires_in`` /
    ``refresh_expires_in`` at the time of the answer: TikTok's lifetimes changed (24 h / 365 d,
    then 2 h / 180 d), so nothing is hard-coded. ``refresh_expires_at`` is None when unknown (a
    refresh token taken from an environment variable).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    access_token: SecretStr
    access_expires_at: datetime
    refresh_token: SecretStr
    refresh_expires_at: datetime | None = None
    open_id: str = ""
    scope: str = ""

    @property
    def scopes(self) -> list[str]:
        """Return the granted scopes (TikTok joins them with commas, Google with spaces)."""
        return [s for s in re.split(r"[,\s]+", self.scope) if s]

    @classmethod
    def from_refresh_token(cls, refresh_token: str) -> TokenSet:
        """Return a set holding only a refresh token: the first use refreshes it."""
        return cls(
            access_token=SecretStr(""),
            access_expires_at=EPOCH,
            refresh_token=SecretStr(refresh_token),
        )

    @classmethod
    def from_storage(cls, stored: dict[str, Any]) -> TokenSet:
        """A stored set (:meth:`to_storage`), or a bare ``{"refresh_token": ...}`` (a secret).

        Raises:
            pydantic.ValidationError: not a token set.
        """
        if set(stored) == {"refresh_token"}:
            return cls.from_refresh_token(str(stored["refresh_token"]))
        return cls.model_validate(stored)

    @classmethod
    def from_token_response(cls, data: dict[str, Any], now: datetime) -> TokenSet:
        """Build from the token endpoint's flat JSON answered at ``now``.

        Raises:
            ValueError: ``access_token``, ``refresh_token`` or ``expires_in`` is missing.
        """
        access = data.get("access_token")
        refresh = data.get("refresh_token")
        expires_in = data.get("expires_in")
        if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
            raise ValueError("the token answer has no access_token or refresh_token")
        if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
            raise ValueError("the token answer has no numeric expires_in")
        refresh_in = data.get("refresh_expires_in")
        refresh_at = (
            now + timedelta(seconds=float(refresh_in))
            if isinstance(refresh_in, int | float) and not isinstance(refresh_in, bool)
            else None
        )
        return cls(
            access_token=SecretStr(access),
            access_expires_at=now + timedelta(seconds=float(expires_in)),
            refresh_token=SecretStr(refresh),
            refresh_expires_at=refresh_at,
            open_id=str(data.get("open_id") or ""),
            scope=str(data.get("scope") or ""),
        )

    def needs_refresh(self, now: datetime, early: timedelta = REFRESH_EARLY) -> bool:
        """Return True when the access token is missing or has less than ``early`` left."""
        return not self.access_token.get_secret_value() or self.access_expires_at - now < early

    def to_storage(self) -> dict[str, Any]:
        """Return a JSON-ready dict WITH the secrets, for a token store only."""
        data = self.model_dump(mode="json")
        data["access_token"] = self.access_token.get_secret_value()
        data["refresh_token"] = self.refresh_token.get_secret_value()
        return data

    def secrets(self) -> tuple[str, ...]:
        """Return the secret values (for redaction filters)."""
        values = (self.access_token.get_secret_value(), self.refresh_token.get_secret_value())
        return tuple(v for v in values if v)
