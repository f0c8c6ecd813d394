"""Local time of each activity: the clock a runner's training week is counted in.

Weekly load is counted in the athlete's *local* weeks: a Sunday-evening run in
Los Angeles is Monday in UTC, and counting it in the wrong week makes steady
training look like a jump. The local time comes from, in this order:

1. the device: the FIT ``activity.local_timestamp`` (the offset the watch showed);
2. the athlete's ``loadwatch.toml`` ``timezone`` (an IANA name, DST-aware);
3. the GPS position of the start, looked up offline (``timezonefinder``);
4. else UTC, with a note on the activity.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

#: Values of the timeline's ``timezone_source`` column.
TZ_SOURCES = ("device", "settings", "gps", "utc")


@lru_cache(maxsize=1)
def _finder():  # loaded once: the polygon index takes ~0.1 s
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


@lru_cache(maxsize=4096)
def timezone_at(lat: float, lon: float) -> str | None:
    """IANA time-zone name at a position [degrees], or ``None`` (open sea, bad input)."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    try:
        return _finder().timezone_at(lng=lon, lat=lat)
    except ValueError:
        return None


def format_offset(offset_s: int) -> str:
    """``UTC+02:00``-style label for a fixed offset [s]."""
    sign = "+" if offset_s >= 0 else "-"
    minutes = abs(offset_s) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _offset_in(zone: str, when_utc: datetime) -> int:
    offset = when_utc.astimezone(ZoneInfo(zone)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def resolve_local_time(
    start_utc: datetime,
    *,
    device_offset_s: int | None,
    settings_timezone: str | None,
    lat: float | None,
    lon: float | None,
) -> tuple[datetime, str, str]:
    """Local wall-clock start, a time-zone label and where it came from.

    Parameters
    ----------
    start_utc
        Timezone-aware UTC start.
    device_offset_s
        Offset the device recorded [s] (FIT ``local_timestamp`` minus ``timestamp``).
    settings_timezone
        The athlete's IANA time zone from ``loadwatch.toml``.
    lat, lon
        Start position [degrees].

    Returns
    -------
    tuple
        ``(start_local, timezone, source)``: naive local wall time; an IANA name
        where one is known and agrees with the clock used, else ``UTC+hh:mm``;
        one of :data:`TZ_SOURCES`.
    """
    start_utc = start_utc.astimezone(UTC)
    if device_offset_s is not None:
        local = (start_utc + timedelta(seconds=device_offset_s)).replace(tzinfo=None)
        # Name the zone where a known zone shows the same clock at that instant.
        for zone in (settings_timezone, _gps_zone(lat, lon)):
            if zone and _offset_in(zone, start_utc) == device_offset_s:
                return local, zone, "device"
        return local, format_offset(device_offset_s), "device"
    if settings_timezone:
        local = start_utc.astimezone(ZoneInfo(settings_timezone)).replace(tzinfo=None)
        return local, settings_timezone, "settings"
    zone = _gps_zone(lat, lon)
    if zone:
        local = start_utc.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        return local, zone, "gps"
    return start_utc.replace(tzinfo=None), "UTC", "utc"


def _gps_zone(lat: float | None, lon: float | None) -> str | None:
    if lat is None or lon is None:
        return None
    return timezone_at(round(lat, 4), round(lon, 4))
