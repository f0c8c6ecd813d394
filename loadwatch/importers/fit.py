"""Read FIT activity files: one :class:`~loadwatch.activity.Activity` per session.

FIT (Garmin's Flexible and Interoperable Data Transfer format) is what most
watches record. A file holds a ``session`` message per sport (a triathlon has
five: swim, transition, ride, transition, run), ``lap`` messages and one
``record`` message per sample. :func:`read_fit` turns each session into an
Activity; :func:`read_fit_records` gives the samples as a DataFrame with the
columns of :data:`~loadwatch.activity.RECORD_COLUMNS`.

Decisions worth knowing:

* Time (device-relative clocks, impossible dates, local offset): see
  :mod:`loadwatch.importers.fit_time`. Records dated before 2000 or in the
  future are left out (and noted), never used for start or end.
* Damage (checksum, cut short, undecodable messages, the fitdecode fallback):
  see :mod:`loadwatch.importers.fit_decode`. A salvaged file gives an Activity
  from the messages before the damage, with a note saying so.
* Records and laps belong to the session whose time span (start plus elapsed
  time) holds them; in a single-session file all of them belong to it.
* Sports keep the FIT profile's names (``running``, ``transition`` ...); codes
  no profile knows stay their number in a string (``"61"``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from loadwatch.activity import RECORD_COLUMNS, Activity, Lap
from loadwatch.errors import CorruptFileError, EmptyFileError, NotAnActivityError
from loadwatch.importers.fit_decode import FitMessages, decode_fit, enum_name, number
from loadwatch.importers.fit_time import (
    Clock,
    TimedRecords,
    local_offset_s,
    plausible,
)
from loadwatch.sports import normalize_sport
from loadwatch.streams import profile_from_times

__all__ = ["read_fit", "read_fit_records"]

#: Degrees per FIT semicircle: deg = semicircles * 180 / 2**31.
DEGREES_PER_SEMICIRCLE = 180.0 / 2**31
#: Slack when placing records and laps in a session's time span.
SPAN_TOLERANCE = timedelta(seconds=2)


def read_fit(data: bytes, source: str) -> list[Activity]:
    """Read one FIT file into one Activity per session.

    Parameters
    ----------
    data
        The file's bytes (already decompressed where it was ``.fit.gz``).
    source
        The file as the user would name it; becomes ``Activity.source`` and
        the path of any error.

    Returns
    -------
    list of Activity
        In the file's session order, ``session_index`` 0..n-1. A file with
        records but no session message gives one Activity built from the
        records.

    Raises
    ------
    EmptyFileError
        0 bytes, only a header, or neither sessions nor records.
    UnsupportedFileError
        Not a FIT file.
    NotAnActivityError
        A FIT settings, course, workout ... file.
    CorruptFileError
        Checksum failure, cut short, damaged before anything usable, or no
        real start time.
    """
    found = decode_fit(data, source)
    _require_activity_file(found, source)
    clock = Clock.from_messages(found, source)
    records = TimedRecords.from_messages(found, clock)
    _require_salvage(found, records, source)
    file_notes = _file_notes(found, records)
    offset_s = local_offset_s(found)
    device = _device_name(found)
    if found.messages["session"]:
        builder = _SessionBuilder(found, clock, records, source)
        activities = builder.build()
    else:
        activities = [_activity_without_session(found, clock, records, source)]
    for activity in activities:
        activity.local_offset_s = offset_s
        activity.device = device
        activity.notes = [*clock.notes, *file_notes, *activity.notes]
    return activities


def read_fit_records(data: bytes, source: str) -> pd.DataFrame:
    """Read the per-sample ``record`` messages of one FIT file.

    Parameters
    ----------
    data
        The file's bytes (already decompressed).
    source
        The file as the user would name it (for errors).

    Returns
    -------
    pandas.DataFrame
        One row per record with a believable time, in time order, columns as
        :data:`~loadwatch.activity.RECORD_COLUMNS` (SI units, positions in
        degrees, ``time_utc`` timezone-aware UTC); NaN where a record lacks a
        value. Multi-session files give every record; filter by time.

    Raises
    ------
    ActivityFileError
        The same errors as :func:`read_fit`.
    """
    found = decode_fit(data, source)
    _require_activity_file(found, source)
    clock = Clock.from_messages(found, source)
    records = TimedRecords.from_messages(found, clock)
    _require_salvage(found, records, source)
    lat = _column(records.values, ("position_lat",)) * DEGREES_PER_SEMICIRCLE
    lon = _column(records.values, ("position_long",)) * DEGREES_PER_SEMICIRCLE
    off_earth = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    lat[off_earth] = lon[off_earth] = np.nan
    columns: dict[str, Any] = {
        "time_utc": pd.to_datetime(pd.Series(records.times, dtype=object), utc=True),
        "distance_m": _column(records.values, ("distance",)),
        "speed_mps": _column(records.values, ("enhanced_speed", "speed")),
        "altitude_m": _column(records.values, ("enhanced_altitude", "altitude")),
        "heart_rate_bpm": _column(records.values, ("heart_rate",)),
        "cadence_rpm": _column(records.values, ("cadence",)),
        "temperature_c": _column(records.values, ("temperature",)),
        "lat": lat,
        "lon": lon,
    }
    return pd.DataFrame(columns, columns=list(RECORD_COLUMNS))


def _column(values: Sequence[dict[str, Any]], names: tuple[str, ...]) -> np.ndarray:
    """One float64 column from the first of ``names`` that a record has."""
    out = np.full(len(values), np.nan)
    for row, record in enumerate(values):
        for name in names:
            value = number(record.get(name))
            if value is not None:
                out[row] = value
                break
    return out


def _require_activity_file(found: FitMessages, source: str) -> None:
    file_type = enum_name("file", found.first("file_id").get("type"))
    if not isinstance(file_type, str | int) or file_type == "activity":
        return
    if isinstance(file_type, int):
        raise NotAnActivityError(source, f"a FIT file of type {file_type}, not a recorded activity")
    kind = str(file_type).replace("_", " ")
    raise NotAnActivityError(source, f"a FIT {kind} file, not a recorded activity")


def _require_salvage(found: FitMessages, records: TimedRecords, source: str) -> None:
    """Refuse a file damaged part-way unless a real start and records came before the damage."""
    damage = found.damage
    if damage is None or damage.kind == "trailing" or records.times:
        return
    what = "truncated" if damage.kind == "truncated" else "damaged"
    raise CorruptFileError(
        source, f"the file is {what} before any timed record: there is nothing to read"
    ) from damage.error


def _file_notes(found: FitMessages, records: TimedRecords) -> list[str]:
    """Plain-language notes about the whole file (shared by its activities)."""
    notes = []
    if records.n_impossible:
        assert records.first_impossible is not None
        plural = "s" if records.n_impossible > 1 else ""
        notes.append(
            f"ignored {records.n_impossible} record{plural} with an impossible date "
            f"(e.g. {records.first_impossible:%Y-%m-%d})"
        )
    if found.repeated_parts:
        plural = "copies" if found.repeated_parts > 1 else "copy"
        notes.append(f"ignored {found.repeated_parts} repeated {plural} of the same FIT data")
    damage = found.damage
    if damage is not None:
        last = records.times[-1] if records.times else None
        upto = f" up to {last:%H:%M} UTC" if last is not None else ""
        read = f"read {found.n_messages:,} messages{upto}"
        if damage.kind == "truncated":
            notes.append(f"file is truncated: {read}; the rest is lost")
        elif damage.kind == "damaged":
            notes.append(f"file is damaged part-way: {read}; the rest could not be read")
        else:
            notes.append(
                f"ignored {damage.trailing_bytes:,} bytes of unknown data after the end of "
                "the FIT data"
            )
    return notes


# --- values ----------------------------------------------------------------------------


def _mean(values: Iterable[object]) -> float | None:
    numbers = [n for n in (number(v) for v in values) if n is not None]
    return sum(numbers) / len(numbers) if numbers else None


def _max(values: Iterable[object]) -> float | None:
    numbers = [n for n in (number(v) for v in values) if n is not None]
    return max(numbers) if numbers else None


def _first_given(*values: object) -> object:
    return next((value for value in values if value is not None), None)


def _enum_text(type_name: str, value: object) -> str | None:
    named = enum_name(type_name, value)
    return None if named is None else str(named)


def _sport_pair(raw_sport: object, raw_sub_sport: object) -> tuple[str, str | None]:
    """FIT sport and sub-sport names; unknown codes as their number in a string."""
    sport = enum_name("sport", raw_sport)
    if isinstance(sport, str):
        name = sport.lower()
    else:
        name, _ = normalize_sport(sport)
    return name, _enum_text("sub_sport", raw_sub_sport)


def _device_name(found: FitMessages) -> str | None:
    """Manufacturer and product of the device that made the file, e.g. ``garmin fr935``."""
    creators = [found.first("file_id")] + [
        info for info in found.messages["device_info"] if info.get("device_index") in ("creator", 0)
    ]
    manufacturer = product = None
    for message in creators:
        manufacturer = manufacturer or enum_name("manufacturer", message.get("manufacturer"))
        product = product or _product(message)
    parts = [str(part) for part in (manufacturer, product) if part is not None]
    return " ".join(parts) or None


def _product(message: dict[str, Any]) -> object:
    garmin_product = message.get("garmin_product")
    if garmin_product is not None:
        return enum_name("garmin_product", garmin_product)
    for name in ("favero_product", "product_name", "product"):
        if message.get(name) is not None:
            return message[name]
    return None


def _position(message: dict[str, Any], lat: str, lon: str) -> tuple[float, float] | None:
    lat_sc, lon_sc = number(message.get(lat)), number(message.get(lon))
    if lat_sc is None or lon_sc is None:
        return None
    lat_deg, lon_deg = lat_sc * DEGREES_PER_SEMICIRCLE, lon_sc * DEGREES_PER_SEMICIRCLE
    if not (-90 <= lat_deg <= 90 and -180 <= lon_deg <= 180):
        return None
    return lat_deg, lon_deg


def _lap(message: dict[str, Any], start: datetime | None) -> Lap:
    speed = number(message.get("enhanced_avg_speed"))
    return Lap(
        start_utc=start,
        elapsed_s=number(message.get("total_elapsed_time")),
        timer_s=number(message.get("total_timer_time")),
        distance_m=number(message.get("total_distance")),
        avg_speed_mps=speed if speed is not None else number(message.get("avg_speed")),
        intensity=_enum_text("intensity", message.get("intensity")),
        trigger=_enum_text("lap_trigger", message.get("lap_trigger")),
    )


def _lap_start(message: dict[str, Any], clock: Clock) -> datetime | None:
    start = clock.to_utc(message.get("start_time"))
    if plausible(start):
        return start
    end = clock.to_utc(message.get("timestamp"))
    elapsed = number(message.get("total_elapsed_time"))
    if plausible(end) and elapsed is not None:
        assert end is not None
        return end - timedelta(seconds=elapsed)
    return None


# --- building activities ---------------------------------------------------------------


def _summary(
    activity: Activity, times: Sequence[datetime], values: Sequence[dict[str, Any]]
) -> None:
    """Fill what the session message lacked from its records (and the speed profile)."""
    activity.n_records = len(values)
    activity.speed_profile_m = profile_from_times(
        times, [number(r.get("distance")) or np.nan for r in values]
    )
    for record in values:
        position = _position(record, "position_lat", "position_long")
        if position is not None:
            activity.start_lat, activity.start_lon = position
            break
    if activity.avg_hr_bpm is None:
        activity.avg_hr_bpm = _mean(r.get("heart_rate") for r in values)
    if activity.max_hr_bpm is None:
        activity.max_hr_bpm = _max(r.get("heart_rate") for r in values)
    if activity.avg_temperature_c is None:
        activity.avg_temperature_c = _mean(r.get("temperature") for r in values)
    if activity.max_temperature_c is None:
        activity.max_temperature_c = _max(r.get("temperature") for r in values)


def _record_distance(values: Sequence[dict[str, Any]], cumulative: bool) -> float | None:
    """Distance covered by these records [m]: the last cumulative distance, or last - first."""
    distances = [d for d in (number(r.get("distance")) for r in values) if d is not None]
    if not distances:
        return None
    if cumulative or distances[-1] < distances[0]:
        return distances[-1]
    return distances[-1] - distances[0]


class _SessionBuilder:
    """One Activity per ``session`` message, with its records and laps by time span."""

    def __init__(
        self, found: FitMessages, clock: Clock, records: TimedRecords, source: str
    ) -> None:
        self.found = found
        self.clock = clock
        self.records = records
        self.source = source
        self.sessions = found.messages["session"]

    def build(self) -> list[Activity]:
        starts = [self._start(index) for index in range(len(self.sessions))]
        ends = [self._end(index, start) for index, start in enumerate(starts)]
        timed = list(zip(self.records.times, self.records.values, strict=True))
        record_groups = self._group(self.records.times, timed, starts, ends)
        laps = [
            (start, _lap(message, start))
            for message in self.found.messages["lap"]
            for start in [_lap_start(message, self.clock)]
        ]
        lap_groups = self._group([s for s, _ in laps], [lap for _, lap in laps], starts, ends)
        single = len(self.sessions) == 1
        return [
            self._activity(index, starts[index], record_groups[index], lap_groups[index], single)
            for index in range(len(self.sessions))
        ]

    def _start(self, index: int) -> datetime:
        session = self.sessions[index]
        start = self.clock.to_utc(session.get("start_time"))
        if plausible(start):
            assert start is not None
            return start
        end = self.clock.to_utc(session.get("timestamp"))
        elapsed = number(session.get("total_elapsed_time"))
        if plausible(end) and elapsed is not None:
            assert end is not None
            return end - timedelta(seconds=elapsed)
        if index == 0 and self.records.times:
            return self.records.times[0]
        if index > 0:
            previous = self._end(index - 1, self._start(index - 1))
            if previous is not None:
                return previous
        raise CorruptFileError(self.source, "no real start time for one of its sessions")

    def _end(self, index: int, start: datetime) -> datetime | None:
        session = self.sessions[index]
        elapsed = number(session.get("total_elapsed_time"))
        if elapsed is not None:
            return start + timedelta(seconds=elapsed)
        end = self.clock.to_utc(session.get("timestamp"))
        if plausible(end) and end is not None and end >= start:
            return end
        return None

    def _group(
        self,
        times: Sequence[datetime | None],
        items: Sequence[Any],
        starts: Sequence[datetime],
        ends: Sequence[datetime | None],
    ) -> list[list[Any]]:
        """Items (records, laps) by the session whose time span holds them.

        A single-session file keeps every item. Otherwise an item goes to the
        latest-starting session that began at or before it, if that session had
        not yet ended; items outside every session are left out.
        """
        groups: list[list[Any]] = [[] for _ in starts]
        if len(starts) == 1:
            groups[0] = list(items)
            return groups
        order = sorted(range(len(starts)), key=lambda index: starts[index])
        sorted_starts = [starts[index] - SPAN_TOLERANCE for index in order]
        for moment, item in zip(times, items, strict=True):
            if moment is None:
                continue
            position = bisect.bisect_right(sorted_starts, moment) - 1
            if position < 0:
                continue
            index = order[position]
            end = ends[index]
            if end is None or moment <= end + SPAN_TOLERANCE:
                groups[index].append(item)
        return groups

    def _activity(
        self,
        index: int,
        start: datetime,
        timed: list[tuple[datetime, dict[str, Any]]],
        laps: list[Lap],
        single: bool,
    ) -> Activity:
        session = self.sessions[index]
        values = [value for _, value in timed]
        sport_message = self._sport_message(index)
        sport, sub_sport = _sport_pair(
            _first_given(session.get("sport"), sport_message.get("sport")),
            _first_given(session.get("sub_sport"), sport_message.get("sub_sport")),
        )
        distance = number(session.get("total_distance"))
        if distance is None:
            distance = _record_distance(values, cumulative=single)
        activity = Activity(
            source=self.source,
            format="fit",
            start_utc=start,
            session_index=index,
            sport=sport,
            sub_sport=sub_sport,
            distance_m=distance,
            elapsed_s=number(session.get("total_elapsed_time")),
            timer_s=number(session.get("total_timer_time")),
            ascent_m=number(session.get("total_ascent")),
            descent_m=number(session.get("total_descent")),
            avg_hr_bpm=number(session.get("avg_heart_rate")),
            max_hr_bpm=number(session.get("max_heart_rate")),
            avg_temperature_c=number(session.get("avg_temperature")),
            max_temperature_c=number(session.get("max_temperature")),
            laps=laps,
        )
        _summary(activity, [moment for moment, _ in timed], values)
        if activity.start_lat is None:
            position = _position(session, "start_position_lat", "start_position_long")
            if position is not None:
                activity.start_lat, activity.start_lon = position
        return activity

    def _sport_message(self, index: int) -> dict[str, Any]:
        sports = self.found.messages["sport"]
        if len(sports) == len(self.sessions):
            return sports[index]
        return sports[0] if sports else {}


def _activity_without_session(
    found: FitMessages, clock: Clock, records: TimedRecords, source: str
) -> Activity:
    """One Activity from the records of a file that has no session message."""
    if not records.times:
        if found.messages["record"]:
            raise CorruptFileError(source, "no real start time: none of its records has a date")
        raise EmptyFileError(source, "the FIT file holds no recorded session and no records")
    sport_message = found.first("sport")
    sport, sub_sport = _sport_pair(sport_message.get("sport"), sport_message.get("sub_sport"))
    laps = [_lap(message, _lap_start(message, clock)) for message in found.messages["lap"]]
    activity = Activity(
        source=source,
        format="fit",
        start_utc=records.times[0],
        sport=sport,
        sub_sport=sub_sport,
        distance_m=_record_distance(records.values, cumulative=True),
        elapsed_s=(records.times[-1] - records.times[0]).total_seconds(),
        laps=laps,
    )
    _summary(activity, records.times, records.values)
    return activity
