"""Read FIT activity files: one :class:`~loadwatch.importers.activity.Activity` per session.

FIT (Garmin's Flexible and Interoperable Data Transfer format) is what most
watches record. A file holds a ``session`` message per sport (a triathlon has
five: swim, transition, ride, transition, run), ``lap`` messages and one
``record`` message per sample. :func:`read_fit` turns each session into an
Activity; :func:`read_fit_records` gives the samples as a DataFrame with the
columns of :data:`~loadwatch.importers.activity.RECORD_COLUMNS`.

Decisions worth knowing:

* Time (device-relative clocks, impossible dates, local offset): see
  :mod:`loadwatch.importers.fit.clock`. Records dated before 2000 or in the
  future are left out (and noted), never used for start or end.
* Decoding and damage (the fast decoder for clean files; checksum, cut short,
  undecodable messages, the fitdecode fallback): see
  :mod:`loadwatch.importers.fit.messages`. A salvaged file gives an Activity
  from the messages before the damage, with a note saying so. Records come as
  columns (:class:`~loadwatch.importers.fit.messages.RecordColumns`) and are
  handled with numpy here, whichever decoder read them.
* Records and laps belong to the session whose time span (start plus elapsed
  time) holds them; in a single-session file all of them belong to it.
* A ``session`` message repeated field for field (some devices write it again
  at the end of the file) is one session: the activity counts once, with a note.
* Sports keep the FIT profile's names (``running``, ``transition`` ...); codes
  no profile knows stay their number in a string (``"61"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from loadwatch.errors import CorruptFileError, EmptyFileError, NotAnActivityError
from loadwatch.importers.activity import RECORD_COLUMNS, Activity, Lap
from loadwatch.importers.fit.clock import Clock, TimedRecords, local_offset_s, plausible, to_us
from loadwatch.importers.fit.fast import decode_fit_fast
from loadwatch.importers.fit.messages import (
    DecoderChoice,
    FitMessages,
    RecordColumns,
    check_header,
    decode_reference,
    drop_repeated_parts,
    enum_name,
    number,
)
from loadwatch.importers.sports import normalize_sport
from loadwatch.importers.streams import speed_profile

__all__ = ["activities_from_messages", "read_fit", "read_fit_records", "records_from_messages"]

#: Degrees per FIT semicircle: deg = semicircles * 180 / 2**31.
DEGREES_PER_SEMICIRCLE = 180.0 / 2**31
#: Slack when placing records and laps in a session's time span.
SPAN_TOLERANCE = timedelta(seconds=2)
_US_PER_S = 1_000_000


def decode_fit(data: bytes, source: str, *, decoder: DecoderChoice = "auto") -> FitMessages:
    """Decode the messages loadwatch needs from one FIT file's bytes.

    Parameters
    ----------
    data
        The whole file, already decompressed.
    source
        The file as the user would name it (for errors).
    decoder
        ``"auto"``: the fast decoder where it vouches for the file, else the
        reference path (fitparse, then fitdecode); ``"reference"``: only the
        reference path. Both give the same result.

    Returns
    -------
    FitMessages
        With :attr:`FitMessages.damage` set where only the part before a
        failure could be read.

    Raises
    ------
    EmptyFileError
        0 bytes, or a FIT header and no data.
    UnsupportedFileError
        The bytes do not start with a FIT header.
    CorruptFileError
        Checksum failure, or the file was cut short after it was written.
    """
    if decoder not in ("auto", "reference"):
        raise ValueError(f"decoder must be 'auto' or 'reference', not {decoder!r}")
    check_header(data, source)
    data, repeated_parts = drop_repeated_parts(data)
    found = decode_fit_fast(data) if decoder == "auto" else None
    if found is None:
        found = decode_reference(data, source)
    found.repeated_parts = repeated_parts
    return found


def read_fit(data: bytes, source: str, *, decoder: DecoderChoice = "auto") -> list[Activity]:
    """Read one FIT file into one Activity per session.

    Parameters
    ----------
    data
        The file's bytes (already decompressed where it was ``.fit.gz``).
    source
        The file as the user would name it; becomes ``Activity.source`` and
        the path of any error.
    decoder
        ``"auto"`` (the fast decoder where it vouches for the file) or
        ``"reference"`` (fitparse/fitdecode only); the result is the same.

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
    return activities_from_messages(decode_fit(data, source, decoder=decoder), source)


def activities_from_messages(found: FitMessages, source: str) -> list[Activity]:
    """The activities of a decoded FIT file (:func:`read_fit` after decoding).

    Raises
    ------
    ActivityFileError
        As :func:`read_fit`, for what is wrong beyond the bytes.
    """
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
        if builder.n_repeated:
            plural = "copies" if builder.n_repeated > 1 else "copy"
            file_notes.append(
                f"ignored {builder.n_repeated} repeated {plural} of a session message "
                "(the same activity counted once)"
            )
    else:
        activities = [_activity_without_session(found, clock, records, source)]
    for activity in activities:
        activity.local_offset_s = offset_s
        activity.device = device
        activity.notes = [*clock.notes, *file_notes, *activity.notes]
    return activities


def read_fit_records(data: bytes, source: str, *, decoder: DecoderChoice = "auto") -> pd.DataFrame:
    """Read the per-sample ``record`` messages of one FIT file.

    Parameters
    ----------
    data
        The file's bytes (already decompressed).
    source
        The file as the user would name it (for errors).
    decoder
        As for :func:`read_fit`.

    Returns
    -------
    pandas.DataFrame
        One row per record with a believable time, in time order, columns as
        :data:`~loadwatch.importers.activity.RECORD_COLUMNS` (SI units, positions in
        degrees, ``time_utc`` timezone-aware UTC); NaN where a record lacks a
        value. Multi-session files give every record; filter by time.

    Raises
    ------
    ActivityFileError
        The same errors as :func:`read_fit`.
    """
    return records_from_messages(decode_fit(data, source, decoder=decoder), source)


def records_from_messages(found: FitMessages, source: str) -> pd.DataFrame:
    """The record frame of a decoded FIT file (:func:`read_fit_records` after decoding).

    Raises
    ------
    ActivityFileError
        As :func:`read_fit_records`, for what is wrong beyond the bytes.
    """
    _require_activity_file(found, source)
    clock = Clock.from_messages(found, source)
    records = TimedRecords.from_messages(found, clock)
    _require_salvage(found, records, source)
    values = records.values
    lat = values["position_lat"] * DEGREES_PER_SEMICIRCLE
    lon = values["position_long"] * DEGREES_PER_SEMICIRCLE
    off_earth = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    lat[off_earth] = lon[off_earth] = np.nan
    columns: dict[str, Any] = {
        "time_utc": pd.Series(records.time_us.astype("datetime64[us]")).dt.tz_localize("UTC"),
        "distance_m": values["distance"],
        "speed_mps": values.first_of("enhanced_speed", "speed"),
        "altitude_m": values.first_of("enhanced_altitude", "altitude"),
        "heart_rate_bpm": values["heart_rate"],
        "cadence_rpm": values["cadence"],
        "temperature_c": values["temperature"],
        "lat": lat,
        "lon": lon,
    }
    return pd.DataFrame(columns, columns=list(RECORD_COLUMNS))


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
    if damage is None or damage.kind == "trailing" or len(records):
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
        last = records.last_time
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


def _mean(column: np.ndarray) -> float | None:
    """Mean of the values that are there (NaN is a gap)."""
    present = column[~np.isnan(column)]
    return float(present.mean()) if present.size else None


def _max(column: np.ndarray) -> float | None:
    present = column[~np.isnan(column)]
    return float(present.max()) if present.size else None


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


def _summary(activity: Activity, time_us: np.ndarray, values: RecordColumns) -> None:
    """Fill what the session message lacked from its records (and the speed profile)."""
    activity.n_records = len(values)
    distance = values["distance"]
    # A distance of exactly 0 counts as a gap here, as it always has (e.g. before the GPS fix).
    activity.speed_profile_m = speed_profile(
        time_us / _US_PER_S, np.where(distance == 0, np.nan, distance)
    )
    lat = values["position_lat"] * DEGREES_PER_SEMICIRCLE
    lon = values["position_long"] * DEGREES_PER_SEMICIRCLE
    on_earth = np.flatnonzero((np.abs(lat) <= 90) & (np.abs(lon) <= 180))  # False for NaN
    if on_earth.size:
        activity.start_lat, activity.start_lon = float(lat[on_earth[0]]), float(lon[on_earth[0]])
    if activity.avg_hr_bpm is None:
        activity.avg_hr_bpm = _mean(values["heart_rate"])
    if activity.max_hr_bpm is None:
        activity.max_hr_bpm = _max(values["heart_rate"])
    if activity.avg_temperature_c is None:
        activity.avg_temperature_c = _mean(values["temperature"])
    if activity.max_temperature_c is None:
        activity.max_temperature_c = _max(values["temperature"])


def _record_distance(distance: np.ndarray, cumulative: bool) -> float | None:
    """Distance covered by these records [m]: the last cumulative distance, or last - first."""
    present = distance[~np.isnan(distance)]
    if not present.size:
        return None
    if cumulative or present[-1] < present[0]:
        return float(present[-1])
    return float(present[-1] - present[0])


class _SessionBuilder:
    """One Activity per ``session`` message, with its records and laps by time span."""

    def __init__(
        self, found: FitMessages, clock: Clock, records: TimedRecords, source: str
    ) -> None:
        self.found = found
        self.clock = clock
        self.records = records
        self.source = source
        sessions = found.messages["session"]
        kept = [i for i, message in enumerate(sessions) if message not in sessions[:i]]
        self.sessions = [sessions[i] for i in kept]
        #: Session messages left out as field-for-field copies of an earlier one.
        self.n_repeated = len(sessions) - len(kept)
        sports = found.messages["sport"]
        #: One ``sport`` message per kept session where the file pairs them.
        self.sports = [sports[i] for i in kept] if len(sports) == len(sessions) else sports

    def build(self) -> list[Activity]:
        starts = [self._start(index) for index in range(len(self.sessions))]
        ends = [self._end(index, start) for index, start in enumerate(starts)]
        record_groups = _group(self.records.time_us, None, starts, ends)
        laps = [
            (start, _lap(message, start))
            for message in self.found.messages["lap"]
            for start in [_lap_start(message, self.clock)]
        ]
        lap_us = np.array(
            [to_us(start) if start is not None else 0 for start, _ in laps], dtype=np.int64
        )
        lap_known = np.array([start is not None for start, _ in laps], dtype=bool)
        lap_groups = _group(lap_us, lap_known, starts, ends)
        single = len(self.sessions) == 1
        return [
            self._activity(
                index,
                starts[index],
                record_groups[index],
                [laps[position][1] for position in lap_groups[index]],
                single,
            )
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
        first_record = self.records.first_time
        if index == 0 and first_record is not None:
            return first_record
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

    def _activity(
        self,
        index: int,
        start: datetime,
        record_index: np.ndarray,
        laps: list[Lap],
        single: bool,
    ) -> Activity:
        session = self.sessions[index]
        values = self.records.values
        if not single:  # a single session holds every record, in order (see _group)
            values = values.take(record_index)
        sport_message = self._sport_message(index)
        sport, sub_sport = _sport_pair(
            _first_given(session.get("sport"), sport_message.get("sport")),
            _first_given(session.get("sub_sport"), sport_message.get("sub_sport")),
        )
        distance = number(session.get("total_distance"))
        if distance is None:
            distance = _record_distance(values["distance"], cumulative=single)
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
        _summary(activity, self.records.time_us[record_index], values)
        if activity.start_lat is None:
            position = _position(session, "start_position_lat", "start_position_long")
            if position is not None:
                activity.start_lat, activity.start_lon = position
        return activity

    def _sport_message(self, index: int) -> dict[str, Any]:
        sports = self.sports
        if len(sports) == len(self.sessions):
            return sports[index]
        return sports[0] if sports else {}


def _activity_without_session(
    found: FitMessages, clock: Clock, records: TimedRecords, source: str
) -> Activity:
    """One Activity from the records of a file that has no session message."""
    first, last = records.first_time, records.last_time
    if first is None or last is None:
        if len(found.records):
            raise CorruptFileError(source, "no real start time: none of its records has a date")
        raise EmptyFileError(source, "the FIT file holds no recorded session and no records")
    sport_message = found.first("sport")
    sport, sub_sport = _sport_pair(sport_message.get("sport"), sport_message.get("sub_sport"))
    laps = [_lap(message, _lap_start(message, clock)) for message in found.messages["lap"]]
    activity = Activity(
        source=source,
        format="fit",
        start_utc=first,
        sport=sport,
        sub_sport=sub_sport,
        distance_m=_record_distance(records.values["distance"], cumulative=True),
        elapsed_s=(last - first).total_seconds(),
        laps=laps,
    )
    _summary(activity, records.time_us, records.values)
    return activity


def _group(
    times_us: np.ndarray,
    known: np.ndarray | None,
    starts: Sequence[datetime],
    ends: Sequence[datetime | None],
) -> list[np.ndarray]:
    """Positions of the items (records, laps) that each session's time span holds.

    A single-session file keeps every item. Otherwise an item goes to the
    latest-starting session that began at or before it, if that session had
    not yet ended; items outside every session, or of unknown time (``known``
    False), are left out. Times are microseconds since 1970.
    """
    if len(starts) == 1:
        return [np.arange(times_us.size)]
    order = np.argsort([to_us(start) for start in starts], kind="stable")
    sorted_starts = np.array([to_us(starts[index] - SPAN_TOLERANCE) for index in order])
    latest_end = np.iinfo(np.int64).max
    end_us = np.array([latest_end if end is None else to_us(end + SPAN_TOLERANCE) for end in ends])
    position = np.searchsorted(sorted_starts, times_us, side="right") - 1
    session = np.where(position >= 0, order[np.maximum(position, 0)], -1)
    inside = (position >= 0) & (times_us <= end_us[session])
    if known is not None:
        inside &= known
    return [np.flatnonzero(inside & (session == index)) for index in range(len(starts))]
