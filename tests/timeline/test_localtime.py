"""Local time: device offset, then settings, then GPS, then UTC — DST included."""

from __future__ import annotations

from datetime import UTC, datetime

from loadwatch.timeline.localtime import format_offset, resolve_local_time, timezone_at

NYC = (40.78, -73.97)
LA = (34.05, -118.25)


def test_device_offset_wins_and_is_named_when_a_zone_agrees() -> None:
    start = datetime(2026, 6, 7, 23, 0, tzinfo=UTC)
    local, zone, source = resolve_local_time(
        start, device_offset_s=-4 * 3600, settings_timezone="Europe/Paris", lat=NYC[0], lon=NYC[1]
    )
    assert local == datetime(2026, 6, 7, 19, 0)
    assert source == "device"
    assert zone == "America/New_York"  # GPS zone agrees with the device clock; Paris does not


def test_device_offset_without_a_matching_zone_is_labelled_by_offset() -> None:
    start = datetime(2026, 6, 7, 23, 0, tzinfo=UTC)
    local, zone, source = resolve_local_time(
        start, device_offset_s=5 * 3600 + 1800, settings_timezone=None, lat=None, lon=None
    )
    assert local == datetime(2026, 6, 8, 4, 30)
    assert (zone, source) == ("UTC+05:30", "device")


def test_settings_zone_before_gps_and_dst_aware() -> None:
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    winter = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    for when, hour in ((summer, 8), (winter, 7)):
        local, zone, source = resolve_local_time(
            when, device_offset_s=None, settings_timezone="America/New_York", lat=LA[0], lon=LA[1]
        )
        assert (local.hour, zone, source) == (hour, "America/New_York", "settings")


def test_gps_zone_when_nothing_else() -> None:
    # A Sunday-evening run in Los Angeles is already Monday in UTC.
    start = datetime(2026, 3, 16, 2, 30, tzinfo=UTC)  # Mon 02:30 UTC
    local, zone, source = resolve_local_time(
        start, device_offset_s=None, settings_timezone=None, lat=LA[0], lon=LA[1]
    )
    assert (zone, source) == ("America/Los_Angeles", "gps")
    assert local == datetime(2026, 3, 15, 19, 30)  # Sunday, PDT (DST began 8 March)
    assert local.weekday() == 6


def test_utc_fallback() -> None:
    start = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    local, zone, source = resolve_local_time(
        start, device_offset_s=None, settings_timezone=None, lat=None, lon=None
    )
    assert (local, zone, source) == (datetime(2026, 1, 1, 10, 0), "UTC", "utc")


def test_timezone_at_rejects_impossible_positions() -> None:
    assert timezone_at(95.0, 10.0) is None
    assert timezone_at(51.5, -0.12) == "Europe/London"


def test_format_offset() -> None:
    assert format_offset(-7 * 3600) == "UTC-07:00"
    assert format_offset(5 * 3600 + 45 * 60) == "UTC+05:45"
    assert format_offset(0) == "UTC+00:00"
