"""Publish times as a wall clock in an IANA zone, across daylight saving time changes.

Europe/Paris in 2026: summer time ends on 25 October (03:00 CEST -> 02:00 CET, so 02:00-02:59
happens twice); in 2027 it starts on 28 March (02:00 CET -> 03:00 CEST, so 02:00-02:59 never
happens). America/New_York starts summer time on 14 March 2027.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from gitops_publisher.core.models import PostManifest
from gitops_publisher.core.zoned import resolve_wall_time, zoned_to_instant


def instant(at: str, tz: str = "Europe/Paris") -> datetime:
    value = zoned_to_instant({"at": at, "tz": tz})
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


def test_the_same_wall_time_moves_in_utc_across_the_autumn_change() -> None:
    assert instant("2026-10-24 09:00") == datetime(2026, 10, 24, 7, 0, tzinfo=UTC)  # CEST
    assert instant("2026-10-26 09:00") == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # CET
    assert instant("2026-12-01 09:00") == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert instant("2026-12-01T09:00:30") == datetime(2026, 12, 1, 8, 0, 30, tzinfo=UTC)


def test_the_spring_change_too_in_another_zone() -> None:
    assert instant("2027-03-13 09:00", "America/New_York") == datetime(2027, 3, 13, 14, tzinfo=UTC)
    assert instant("2027-03-15 09:00", "America/New_York") == datetime(2027, 3, 15, 13, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "tz"), [("2027-03-28 02:30", "Europe/Paris"), ("2027-03-14 02:00", "America/New_York")]
)
def test_a_wall_time_skipped_by_the_clocks_is_refused(at: str, tz: str) -> None:
    with pytest.raises(ValueError, match=rf"{at} does not exist in {tz}: the clocks jump"):
        instant(at, tz)


def test_a_repeated_wall_time_needs_its_offset() -> None:
    with pytest.raises(ValueError, match="happens twice in Europe/Paris") as info:
        instant("2026-10-25 02:30")
    assert "'2026-10-25 02:30+02:00' (CEST, the first)" in str(info.value)
    assert "'2026-10-25 02:30+01:00' (CET, the second)" in str(info.value)
    assert instant("2026-10-25 02:30+02:00") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert instant("2026-10-25 02:30+01:00") == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match=r"is at \+02:00 or \+01:00 on 2026-10-25 02:30"):
        instant("2026-10-25 02:30+03:00")


def test_an_offset_elsewhere_must_be_the_zone_offset() -> None:
    assert instant("2026-12-01 09:00+01:00") == datetime(2026, 12, 1, 8, tzinfo=UTC)
    with pytest.raises(ValueError, match=r"Europe/Paris is at \+01:00 on 2026-12-01 09:00"):
        instant("2026-12-01 09:00+02:00")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"at": "2026-12-01 09:00"}, "a zoned time is {at"),
        ({"at": "2026-12-01 09:00", "tz": "Europe/Paris", "zone": "x"}, "unknown key zone"),
        ({"at": "2026-12-01 09:00", "tz": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"at": "tomorrow", "tz": "UTC"}, "at 'tomorrow' is not a date and time"),
        ({"at": 9, "tz": "UTC"}, "at must be a date and time"),
    ],
)
def test_malformed_zoned_times_say_what_to_write(value: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("{", r"\{")):
        zoned_to_instant(value)


def test_a_yaml_timestamp_without_zone_is_taken_as_the_wall_time() -> None:
    naive = datetime(2026, 7, 1, 9, 0)  # what a YAML loader makes of an unquoted timestamp
    assert resolve_wall_time(naive, "Europe/Paris") == datetime(2026, 7, 1, 7, tzinfo=UTC)


def manifest(**fields: Any) -> PostManifest:
    base = {"id": "a", "accounts": ["brand-us"], "video": "media/a.mp4"}
    return PostManifest.model_validate(base | fields)


def test_a_manifest_takes_either_form_and_the_window_compares_instants() -> None:
    zoned = manifest(
        publish_at={"at": "2026-12-01 09:00", "tz": "Europe/Paris"},
        not_after="2026-12-01T09:30:00+01:00",
    )
    assert zoned.publish_at == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert manifest(publish_at="2026-12-01T09:00:00+01:00").publish_at == zoned.publish_at
    with pytest.raises(ValidationError, match="not_after must be later than publish_at"):
        manifest(
            publish_at={"at": "2026-12-01 09:00", "tz": "Europe/Paris"},
            not_after={"at": "2026-12-01 03:00", "tz": "America/New_York"},  # 08:00 UTC
        )


def test_a_time_without_zone_is_still_refused() -> None:
    with pytest.raises(ValidationError, match="timezone_aware|Input should have timezone"):
        manifest(publish_at="2026-12-01T09:00:00")
