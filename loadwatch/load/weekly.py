"""Weekly running totals per athlete, in the athlete's local weeks.

Weeks start on the athlete's ``week_start`` (Monday or Sunday) at local
midnight, and weeks without a run are kept as zero weeks: a layoff is data.
Only activities with ``is_run`` count; rides, swims and walks never add to
running load. Local wall-clock time is used throughout, so a week that holds a
daylight-saving change is still seven calendar days and a Sunday-evening run
in Los Angeles stays in its own week (in UTC it would be Monday).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from loadwatch.schema import WEEKS
from loadwatch.timeline.settings import WEEK_STARTS

#: Weekly table columns and their meanings with units (:data:`loadwatch.schema.WEEKS`).
WEEK_COLUMNS = WEEKS.descriptions()

WeekStart = str | Mapping[str, str]


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
    weekday = local_times.dt.day_of_week
    shift = weekday if week_start == "monday" else (weekday + 1) % 7
    return days - pd.to_timedelta(shift, unit="D")


def athlete_week_start(week_start: WeekStart, athlete: str) -> str:
    """The week start of ``athlete``: the string itself, or its entry in the mapping."""
    if isinstance(week_start, str):
        return week_start
    return week_start.get(athlete, "monday")


def week_starts(timeline: pd.DataFrame, week_start: WeekStart = "monday") -> pd.Series:
    """Each row's week start (local midnight), honouring each athlete's setting.

    Parameters
    ----------
    timeline
        Rows with ``athlete`` and ``start_local``.
    week_start
        ``"monday"``/``"sunday"`` for everyone, or a mapping athlete → week start.
    """
    if isinstance(week_start, str):
        return week_start_of(timeline["start_local"], week_start)
    sunday = timeline["athlete"].map(lambda a: athlete_week_start(week_start, a) == "sunday")
    monday_weeks = week_start_of(timeline["start_local"], "monday")
    sunday_weeks = week_start_of(timeline["start_local"], "sunday")
    return monday_weeks.where(~sunday.astype(bool), sunday_weeks)


def heat_temperature_c(timeline: pd.DataFrame) -> pd.Series:
    """The temperature a run is judged by [°C]: the average, else the maximum recorded."""
    return timeline["avg_temperature_c"].fillna(timeline["max_temperature_c"])


def _empty_weeks(extra: Mapping[str, pd.Series] | None) -> pd.DataFrame:
    columns = [*WEEK_COLUMNS, *(extra or {})]
    empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    empty["athlete"] = empty["athlete"].astype(object)
    empty["week_start"] = empty["week_start"].astype("datetime64[ns]")
    empty["runs"] = empty["runs"].astype("int64")
    return empty


def weekly_table(
    timeline: pd.DataFrame,
    week_start: WeekStart = "monday",
    *,
    fast_km: pd.Series | None = None,
    heat_c: float | None = None,
    extra: Mapping[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Weekly running totals per athlete, zero weeks included.

    Parameters
    ----------
    timeline
        The activity timeline (:data:`loadwatch.timeline.build.COLUMNS`).
    week_start
        ``"monday"``/``"sunday"`` for everyone, or a mapping athlete → week start.
    fast_km
        Fast distance of each activity [km], indexed like ``timeline``
        (:func:`loadwatch.load.speedwork.fast_distance_km`); NaN counts as 0.
        ``None`` leaves the ``fast_km`` column NaN (not computed).
    heat_c
        Temperature [°C] from which a run counts as run in the heat; ``None``
        takes ``heat-note.temperature_c`` from ``rules.toml``.
    extra
        Further per-activity values to sum per week, name → Series indexed like
        ``timeline`` (NaN counts as 0); added as columns after :data:`WEEK_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        One row per athlete and week from the athlete's first to last run week,
        columns :data:`WEEK_COLUMNS` (then ``extra``), sorted by athlete and week.
    """
    if heat_c is None:
        from loadwatch.rules.ruleset import load_rules

        heat_c = float(load_rules()["heat-note"].param("temperature_c"))
    runs = timeline[timeline["is_run"]]
    if runs.empty:
        return _empty_weeks(extra)
    in_heat = heat_temperature_c(runs) >= heat_c
    values = pd.DataFrame(
        {
            "athlete": runs["athlete"],
            "week_start": week_starts(runs, week_start),
            "distance_km": runs["distance_km"],
            "runs": 1,
            "duration_s": runs["duration_s"],
            "ascent_m": runs["ascent_m"],
            "descent_m": runs["descent_m"],
            "longest_run_km": runs["distance_km"],
            "fast_km": np.nan if fast_km is None else fast_km.reindex(runs.index).fillna(0.0),
            "heat_s": runs["duration_s"].where(in_heat, 0.0),
        }
    )
    for name, series in (extra or {}).items():
        values[name] = series.reindex(runs.index).fillna(0.0)
    sums = [c for c in values.columns if c not in ("athlete", "week_start", "longest_run_km")]
    grouped = values.groupby(["athlete", "week_start"], sort=True)
    table = grouped[sums].sum(min_count=0)
    table["longest_run_km"] = grouped["longest_run_km"].max()
    if fast_km is None:
        table["fast_km"] = np.nan

    # Zero weeks: every week from each athlete's first to last run week.
    spans = table.reset_index().groupby("athlete")["week_start"].agg(["min", "max"])
    full = pd.MultiIndex.from_tuples(
        [
            (athlete, week)
            for athlete, first, last in spans.itertuples()
            for week in pd.date_range(first, last, freq="7D")
        ],
        names=["athlete", "week_start"],
    )
    table = table.reindex(full)
    filled = [c for c in table.columns if not (c == "fast_km" and fast_km is None)]
    table[filled] = table[filled].fillna(0.0)
    result = table.reset_index()
    result["runs"] = result["runs"].astype("int64")
    result["week_start"] = result["week_start"].astype("datetime64[ns]")
    return result[[*WEEK_COLUMNS, *(extra or {})]]
