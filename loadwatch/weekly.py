"""Weekly running totals per athlete, in the athlete's local weeks.

Weeks start on the athlete's ``week_start`` (Monday or Sunday) at local
midnight, and weeks without a run are kept as zero weeks: a layoff is data.
Only activities with ``is_run`` count; rides, swims and walks never add to
running load.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .settings import WEEK_STARTS

#: Weekly table columns and units.
WEEK_COLUMNS = {
    "athlete": "athlete name",
    "week_start": "first local day of the week (datetime64, midnight)",
    "distance_km": "running distance [km]",
    "runs": "number of runs",
    "duration_s": "running time [s]",
    "ascent_m": "climbing on runs [m] (runs whose file records it)",
    "descent_m": "descending on runs [m]",
    "longest_run_km": "longest single run [km]",
}


def week_start_of(local_times: pd.Series, week_start: str = "monday") -> pd.Series:
    """The local date (midnight) on which each time's week starts.

    Parameters
    ----------
    local_times
        Naive local wall-clock times.
    week_start
        ``"monday"`` or ``"sunday"``.
    """
    if week_start not in WEEK_STARTS:
        raise ValueError(f"week_start must be one of {WEEK_STARTS}, got {week_start!r}")
    days = local_times.dt.normalize()
    shift = (
        local_times.dt.dayofweek if week_start == "monday" else (local_times.dt.dayofweek + 1) % 7
    )
    return days - pd.to_timedelta(shift, unit="D")


def weekly_table(
    timeline: pd.DataFrame,
    week_start: str | Mapping[str, str] = "monday",
) -> pd.DataFrame:
    """Weekly running totals per athlete, zero weeks included.

    Parameters
    ----------
    timeline
        The activity timeline (:data:`loadwatch.timeline.COLUMNS`).
    week_start
        ``"monday"``/``"sunday"`` for everyone, or a mapping athlete → week start.

    Returns
    -------
    pandas.DataFrame
        One row per athlete and week from the athlete's first to last run week,
        columns :data:`WEEK_COLUMNS`.
    """
    frames = []
    runs = timeline[timeline["is_run"]]
    for athlete, group in runs.groupby("athlete", sort=True):
        start = week_start if isinstance(week_start, str) else week_start.get(athlete, "monday")
        weeks = week_start_of(group["start_local"], start)
        grouped = group.assign(week_start=weeks).groupby("week_start")
        table = pd.DataFrame(
            {
                "distance_km": grouped["distance_km"].sum(),
                "runs": grouped.size(),
                "duration_s": grouped["duration_s"].sum(),
                "ascent_m": grouped["ascent_m"].sum(),
                "descent_m": grouped["descent_m"].sum(),
                "longest_run_km": grouped["distance_km"].max(),
            }
        )
        full = pd.date_range(table.index.min(), table.index.max(), freq="7D")
        table = table.reindex(full, fill_value=0).rename_axis("week_start").reset_index()
        table.insert(0, "athlete", athlete)
        frames.append(table)
    if not frames:
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in WEEK_COLUMNS})
        empty["athlete"] = empty["athlete"].astype(object)
        empty["week_start"] = empty["week_start"].astype("datetime64[ns]")
        empty["runs"] = empty["runs"].astype("int64")
        return empty
    result = pd.concat(frames, ignore_index=True)
    result["runs"] = result["runs"].astype("int64")
    return result[list(WEEK_COLUMNS)]
