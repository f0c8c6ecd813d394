"""What an importer returns: one :class:`Activity` per recorded activity.

Every importer (FIT, GPX, TCX) turns a file into a list of these, with the
same fields and units, so that nothing downstream needs to know the format.
A FIT file with several sessions (a triathlon, a brick) gives one Activity per
session, so that the run leg counts as running and the ride does not.

Units are SI and in the names: metres, seconds, metres per second, degrees
Celsius. Times are timezone-aware UTC ``datetime`` objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

#: Latest time an importer believes a recording can have. A fixed date, not the
#: reading machine's "now", so that what a file gives never depends on the day
#: it was read (the import cache keeps it); a recording dated after the day of
#: the run is judged each run instead (:mod:`loadwatch.timeline.plausibility`).
PLAUSIBLE_UNTIL_UTC = datetime(2100, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class Lap:
    """One lap (or interval) as the device recorded it."""

    start_utc: datetime | None
    elapsed_s: float | None = None
    timer_s: float | None = None
    distance_m: float | None = None
    avg_speed_mps: float | None = None
    #: FIT lap ``intensity``: active, rest, warmup, cooldown, recovery, interval, other
    #: (``None`` where the file does not say; TCX ``Intensity`` Active/Resting maps to
    #: active/rest).
    intensity: str | None = None
    #: FIT ``lap_trigger``: manual, time, distance, position_start, session_end ...
    trigger: str | None = None


@dataclass(slots=True)
class Activity:
    """One recorded activity, as read from one file.

    Attributes
    ----------
    source
        The file as the user would name it (path, or ``archive.zip!member``).
    format
        ``"fit"``, ``"gpx"`` or ``"tcx"``.
    session_index
        0 for single-activity files; the session number in multisport FIT files.
    start_utc
        Start, timezone-aware UTC.
    local_offset_s
        Offset of the device's local time from UTC in seconds, where the file
        records it (the FIT ``activity.local_timestamp``); ``None`` otherwise.
    sport, sub_sport
        Lower-case names as in the FIT profile (``running``, ``trail``,
        ``treadmill`` ...). Unknown FIT codes are kept as their number in a
        string (``"61"``); a file that does not say gives ``"unknown"``.
    distance_m, elapsed_s, timer_s, ascent_m, descent_m
        Totals; ``None`` where the file has no such data (never a silent 0).
        ``elapsed_s`` is wall-clock time start to end, ``timer_s`` excludes
        pauses.
    device
        Manufacturer and product as the file names them, e.g. ``garmin fr935``.
    name
        The activity's title where the file has one (GPX ``<name>``).
    n_records
        Number of per-second/point samples.
    start_lat, start_lon
        First GPS position (degrees), for time-zone lookup; ``None`` without GPS.
    avg_hr_bpm, max_hr_bpm, avg_temperature_c, max_temperature_c
        Summary of the stream where the file has it.
    laps
        Device laps, in order.
    speed_profile_m
        Metres covered per sustained-speed bin (:func:`loadwatch.importers.streams.speed_profile`),
        computed from the record stream at import; ``None`` without a usable stream.
    notes
        Plain-language warnings about this activity (e.g. the file was
        truncated and only the part before the damage was read).
    """

    source: str
    format: str
    start_utc: datetime
    session_index: int = 0
    local_offset_s: int | None = None
    sport: str = "unknown"
    sub_sport: str | None = None
    distance_m: float | None = None
    elapsed_s: float | None = None
    timer_s: float | None = None
    ascent_m: float | None = None
    descent_m: float | None = None
    device: str | None = None
    name: str | None = None
    n_records: int = 0
    start_lat: float | None = None
    start_lon: float | None = None
    avg_hr_bpm: float | None = None
    max_hr_bpm: float | None = None
    avg_temperature_c: float | None = None
    max_temperature_c: float | None = None
    laps: list[Lap] = field(default_factory=list)
    speed_profile_m: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


#: Columns of the per-record stream returned by ``read_records`` for every format.
RECORD_COLUMNS: dict[str, str] = {
    "time_utc": "sample time, timezone-aware UTC",
    "distance_m": "cumulative distance from the start [m]",
    "speed_mps": "speed [m/s]",
    "altitude_m": "altitude [m]",
    "heart_rate_bpm": "heart rate [beats/min]",
    "cadence_rpm": (
        "cadence as recorded [1/min]: one foot's strides for runs (Garmin, Strava), "
        "pedal turns for rides"
    ),
    "temperature_c": "temperature [°C]",
    "lat": "latitude [degrees]",
    "lon": "longitude [degrees]",
}
