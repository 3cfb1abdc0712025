"""Publish times written as a wall-clock time in an IANA zone: ``{at: "…", tz: Europe/Paris}``.

An offset (``2026-12-01T09:00:00+01:00``) is one instant and always worked; it is wrong half
the year for a team that thinks "09:00 in Paris". A zoned time is converted to the instant
the zone's rules give for that date (daylight saving time included), when the manifest is
read, so everything downstream (planner, fingerprints, plan files) sees the same aware
``datetime`` as with an offset. The fingerprint never held the time, so neither form changes it.

Two wall-clock times need a decision (see :func:`resolve_wall_time`):

* a time in the gap when clocks jump forward (``02:30`` on a spring-forward night in Paris)
  does not exist: it is refused, naming the gap;
* a time in the hour repeated when clocks go back happens twice: it is refused unless ``at``
  carries the offset that says which one (``"2026-10-25 02:30+01:00"``, the second).
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ZonedTime(BaseModel):
    """A wall-clock time in an IANA time zone (the JSON Schema of the mapping form)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: str = Field(
        description="Wall-clock date and time in tz, 'YYYY-MM-DD HH:MM[:SS]'; add the offset "
        "('…+01:00') only to choose between the two times of an hour repeated by a DST change.",
        pattern=r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?$",
    )
    tz: str = Field(description="IANA time zone name, e.g. 'Europe/Paris'.")


def _offset_text(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _parse_at(value: Any) -> datetime:
    """``at`` as a datetime (naive for a wall time, aware when it carries an offset)."""
    if isinstance(value, datetime):  # YAML loaders turn an unquoted timestamp into one
        return value
    if not isinstance(value, str):
        raise ValueError("at must be a date and time such as '2026-12-01 09:00'")
    text = value.strip().replace("T", " ")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(f"at '{value}' is not a date and time such as '2026-12-01 09:00'")


def resolve_wall_time(wall: datetime, tz_name: str) -> datetime:
    """Return the instant (aware, in ``tz_name``) that the wall-clock ``wall`` names.

    ``wall`` is naive, or aware only to choose between the two instants of a repeated hour;
    its offset must then be one the zone uses at that wall time.

    Raises:
        ValueError: unknown zone; a wall time that does not exist in the zone (skipped by a
            DST change); a repeated one without an offset; or an offset the zone does not use.
    """
    try:
        zone = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone '{tz_name}'; use an IANA name such as 'Europe/Paris' or 'UTC'"
        ) from exc
    local = wall.replace(tzinfo=None)
    shown = f"{local:%Y-%m-%d %H:%M}"
    candidates: list[datetime] = []
    for fold in (0, 1):
        aware = local.replace(tzinfo=zone, fold=fold)
        # A wall time exists when it survives a round trip through UTC unchanged.
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local:
            if all(aware.utcoffset() != c.utcoffset() for c in candidates):
                candidates.append(aware)
    if not candidates:
        before = local.replace(tzinfo=zone, fold=0).utcoffset()
        after = local.replace(tzinfo=zone, fold=1).utcoffset()
        raise ValueError(
            f"{shown} does not exist in {tz_name}: the clocks jump from "
            f"{_offset_text(before)} to {_offset_text(after)} over it (daylight saving time); "
            "choose a time outside the gap"
        )
    if wall.tzinfo is not None:
        wanted = wall.utcoffset()
        for aware in candidates:
            if aware.utcoffset() == wanted:
                return aware
        used = " or ".join(_offset_text(c.utcoffset()) for c in candidates)
        raise ValueError(
            f"{tz_name} is at {used} on {shown}, not {_offset_text(wanted)}: fix the offset "
            "or leave it out"
        )
    if len(candidates) > 1:
        first, second = candidates
        raise ValueError(
            f"{shown} happens twice in {tz_name} (the clocks go back): add the offset you "
            f"mean to at, '{shown}{_offset_text(first.utcoffset())}' "
            f"({first.tzname()}, the first) or '{shown}{_offset_text(second.utcoffset())}' "
            f"({second.tzname()}, the second)"
        )
    return candidates[0]


def zoned_to_instant(value: Any) -> Any:
    """Before-validator for pydantic: a ``{at, tz}`` mapping becomes an aware datetime.

    Anything else is returned unchanged for the datetime validation that follows (which
    requires an offset or ``Z``).

    Raises:
        ValueError: the mapping is malformed or names a time the zone does not have.
    """
    if not isinstance(value, dict):
        return value
    unknown = sorted(str(key) for key in value if key not in ("at", "tz"))
    if unknown or "at" not in value or "tz" not in value:
        raise ValueError(
            "a zoned time is {at: 'YYYY-MM-DD HH:MM', tz: IANA zone}, e.g. "
            "{at: '2026-12-01 09:00', tz: Europe/Paris}"
            + (f" (unknown key {', '.join(unknown)})" if unknown else "")
        )
    if not isinstance(value["tz"], str):
        raise ValueError("tz must be an IANA time zone name such as 'Europe/Paris'")
    return resolve_wall_time(_parse_at(value["at"]), value["tz"])
