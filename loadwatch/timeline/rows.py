"""Timeline rows: one row per activity, and the DataFrame they make.

The nomenclature (every column, its type, unit and meaning) is declared once in
:data:`loadwatch.schema.TIMELINE`; :data:`COLUMNS` and the dtypes of
:func:`to_frame` are derived from it.
"""

from __future__ import annotations

import math
from datetime import UTC
from typing import Any

import numpy as np
import pandas as pd

from loadwatch.importers.activity import Activity
from loadwatch.importers.discover import FileData
from loadwatch.importers.sports import is_running
from loadwatch.schema import LAPS, TIMELINE, text_list
from loadwatch.timeline.localtime import resolve_local_time
from loadwatch.timeline.plausibility import (
    check_activity,
    flag_note,
    impossible_distance,
    is_flagged,
)
from loadwatch.timeline.settings import AthleteSettings

#: Timeline columns in order (declared with units in :data:`loadwatch.schema.TIMELINE`).
COLUMNS = TIMELINE.names()
#: Lap columns in order (:data:`loadwatch.schema.LAPS`).
LAP_COLUMNS = LAPS.names()

_NUMPY_DTYPES: dict[str, Any] = {"float64": "float64", "int64": "int64", "bool": bool}

#: Pace window [m/s] in which an activity whose file names no sport is taken
#: for a run: 1.9 m/s is 8:46 min/km (slower is walking), 6.5 m/s is 2:34 min/km.
RUN_SPEED_RANGE_MPS = (1.9, 6.5)
_RUN_WORDS = ("run", "corrida", "lauf", "course", "carrera", "jog", "hardloop", "löp", "corsa")
_NOT_RUN_WORDS = ("ride", "bike", "cycl", "fiets", "swim", "walk", "hike", "row", "paddl", "ski")


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def infer_is_run(row: dict[str, Any]) -> tuple[bool, bool, str | None]:
    """``(is_run, inferred, note)`` for one row.

    A running sport with distance counts. A file that names no sport (many GPX
    exports) counts as a run when its title says so, or, failing that, when its
    moving pace lies in :data:`RUN_SPEED_RANGE_MPS`; the row is marked
    ``sport_inferred`` and says why. A row that
    :func:`loadwatch.timeline.plausibility.check_activity` found implausible never counts.
    """
    distance = row["distance_km"]
    has_distance = not math.isnan(distance) and distance > 0
    if is_flagged(row.get("notes")):
        return False, False, None  # implausible: its note says so
    if row["sport"] != "unknown":
        return is_running(row["sport"]) and has_distance, False, None
    if not has_distance:
        return False, False, None
    title = (row.get("name") or "").lower()
    if any(word in title for word in _NOT_RUN_WORDS):
        return False, True, "sport not recorded; not counted as a run (its title)"
    if any(word in title for word in _RUN_WORDS):
        problem = impossible_distance("foot", distance * 1000.0, row["duration_s"])
        if problem is not None:  # activity_row knew only an unknown sport's limits
            return False, True, flag_note(f"{problem} for a run")
        return True, True, "sport not recorded; counted as a run (its title)"
    seconds = row["duration_s"]
    if math.isnan(seconds) or seconds <= 0:
        return False, False, "sport not recorded and no time: not counted as a run"
    speed = distance * 1000.0 / seconds
    low, high = RUN_SPEED_RANGE_MPS
    pace = f"{1000.0 / speed / 60.0:.0f}:{1000.0 / speed % 60.0:02.0f} min/km"
    if low <= speed <= high:
        return True, True, f"sport not recorded; counted as a run from its pace ({pace})"
    return False, True, f"sport not recorded; not counted as a run at {pace}"


def activity_row(act: Activity, file: FileData, athlete: str, settings: AthleteSettings) -> dict:
    """One timeline row (a dict keyed by :data:`COLUMNS`) for one activity.

    Distance and times pass :func:`loadwatch.timeline.plausibility.check_activity`: a
    time that cannot be right is not used, an impossible distance or speed
    leaves the distance out and flags the row, each with a note.
    """
    start_utc = act.start_utc.astimezone(UTC)
    # A virtual ride or run (Zwift ...) has positions on an imaginary map: no time zone there.
    virtual = act.sub_sport == "virtual_activity"
    local, zone, source = resolve_local_time(
        start_utc,
        device_offset_s=act.local_offset_s,
        settings_timezone=settings.timezone,
        lat=None if virtual else act.start_lat,
        lon=None if virtual else act.start_lon,
    )
    notes = list(act.notes)
    if source == "utc":
        notes.append("no time zone known (no device local time, settings or GPS): counted in UTC")
    checked = check_activity(act.sport, act.distance_m, act.elapsed_s, act.timer_s)
    notes += checked.notes
    row = {
        "athlete": athlete,
        "activity_id": f"{file.digest}-{act.session_index}",
        "start_utc": start_utc,
        "start_local": local,
        "utc_offset_s": (local - start_utc.replace(tzinfo=None)).total_seconds(),
        "timezone": zone,
        "timezone_source": source,
        "sport": act.sport,
        "sub_sport": act.sub_sport,
        "sport_inferred": False,
        "is_run": False,
        "distance_km": checked.distance_m / 1000.0,
        "duration_s": checked.duration_s,
        "elapsed_s": checked.elapsed_s,
        "ascent_m": _nan(act.ascent_m),
        "descent_m": _nan(act.descent_m),
        "avg_hr_bpm": _nan(act.avg_hr_bpm),
        "max_hr_bpm": _nan(act.max_hr_bpm),
        "avg_temperature_c": _nan(act.avg_temperature_c),
        "max_temperature_c": _nan(act.max_temperature_c),
        "n_laps": len(act.laps),
        "n_records": act.n_records,
        "start_lat": _nan(act.start_lat),
        "start_lon": _nan(act.start_lon),
        "name": act.name,
        "device": act.device,
        "file": file.source,
        "format": file.format,
        "session_index": act.session_index,
        "merged_from": [],
        "notes": "; ".join(notes),
        # not a column: used by the duplicate check
        "digest": file.digest,
        # not a column: what the plausibility check found, reported by the import
        "checks": checked.notes,
    }
    return row


def lap_rows(act: Activity, athlete: str, activity_id: str) -> list[dict[str, Any]]:
    """The activity's laps as rows of :data:`LAP_COLUMNS`."""
    return [
        {
            "athlete": athlete,
            "activity_id": activity_id,
            "lap_index": i,
            "start_utc": lap.start_utc,
            "elapsed_s": _nan(lap.elapsed_s),
            "timer_s": _nan(lap.timer_s),
            "distance_m": _nan(lap.distance_m),
            "avg_speed_mps": _nan(lap.avg_speed_mps),
            "intensity": lap.intensity,
            "trigger": lap.trigger,
        }
        for i, lap in enumerate(act.laps)
    ]


def empty_timeline() -> pd.DataFrame:
    """A timeline with no rows and the right columns and types."""
    return to_frame([])


def to_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Timeline rows → a DataFrame with :data:`COLUMNS` and stable dtypes.

    Built column by column (a list of dicts through pandas is ~2x slower).
    """
    data: dict[str, Any] = {}
    for column in TIMELINE.columns:
        name, kind = column.name, column.dtype
        values = [row.get(name) for row in rows]
        if kind == "datetime_utc":
            data[name] = pd.to_datetime(values, utc=True).astype("datetime64[ns, UTC]")
        elif kind in ("datetime_local", "date"):
            data[name] = pd.to_datetime(values).astype("datetime64[ns]")
        elif kind in _NUMPY_DTYPES:
            data[name] = np.array(values, dtype=_NUMPY_DTYPES[kind])
        elif kind == "list[string]":
            data[name] = pd.Series([text_list(v) for v in values], dtype=object)
        else:
            data[name] = pd.Series(values, dtype=None if values else object)
    return pd.DataFrame(data)
