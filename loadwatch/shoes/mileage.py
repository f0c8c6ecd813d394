"""Distance per pair: totals, the runs that crossed 300 and 500 miles, forecasts, rotation.

A pair's distance is its ``start_km`` (run before these records, from
``loadwatch.toml``) plus every run assigned to it (:func:`~loadwatch.shoes.assign_shoes`).
Its status follows the ``shoe-mileage`` rule's bands (300 and 500 miles):
``ok`` below the caution line, ``caution`` from it, ``high`` from the high line.

The forecast of when a pair reaches 300 and 500 miles divides the distance
left by the pair's recent use: its distance in the ``forecast_days`` days up
to the athlete's last run, per day of that window (or of the days since the
start of the training week of its first run, if later; at least 7 days). A
pair not run in that window, or whose ``[[shoes]]`` period ended before the
athlete's last run, gets no forecast (it is resting or retired); a pair past a
line gives the date of the run that crossed it.

Rotation (information, not an alarm): the pairs used in the last
``rotation_weeks`` weeks. Malisoux et al. (2015) followed 264 runners for 22
weeks: those who used more than one pair in parallel had a lower hazard of a
running-related injury (HR 0.614, 95 % CI 0.389–0.969) — an association in
one cohort, not proof that rotating prevents injuries.

References
----------
Malisoux L et al. Can parallel use of different running shoes decrease
running-related injury risk? *Scand J Med Sci Sports* 2015;25(1):110–115.
doi:10.1111/sms.12154
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loadwatch.rules.ruleset import Rule, RuleSet, load_rules
from loadwatch.schema import SHOES
from loadwatch.shoes.assign import (
    AthleteSources,
    ShoeInfo,
    assign_shoes,
    athlete_sources,
    known_shoes,
)
from loadwatch.timeline.build import ImportResult
from loadwatch.units import KM_PER_MI, to_km

#: One mile [km]: an alias of :data:`loadwatch.units.KM_PER_MI` (public name kept).
MILE_KM = KM_PER_MI
#: The ``forecast_*mi`` and ``crossed_*mi`` fields of the caution and high lines: their
#: names (the packaged bands [miles]) are a public contract; the lines themselves are the
#: ``shoe-mileage`` rule's bands (:func:`line_km`), so a custom rules file moves them.
FORECAST_MILES = (300, 500)
#: The band of each of :data:`FORECAST_MILES`.
FORECAST_BANDS = ("caution", "high")
#: The rule whose bands give the status and whose params give the windows.
MILEAGE_RULE = "shoe-mileage"
#: Rotation source (Malisoux et al. 2015), for messages.
ROTATION_SOURCE = (
    "Malisoux L et al. Can parallel use of different running shoes decrease running-related "
    "injury risk? Scand J Med Sci Sports 2015;25(1):110-115. doi:10.1111/sms.12154"
)
#: Status of a pair (``None`` for the unassigned row).
STATUSES = ("ok", "caution", "high")

#: Fields of ``loadwatch shoes --json``, in order (a public contract;
#: :data:`loadwatch.schema.SHOES`).
SHOE_FIELDS = SHOES.json_fields()

#: Columns of :func:`shoe_table` and their meanings with units.
SHOE_COLUMNS = SHOES.descriptions()

_DATE_COLUMNS = (
    "first_run",
    "last_run",
    "forecast_300mi",
    "forecast_500mi",
    "crossed_300mi",
    "crossed_500mi",
)


def line_km(rule: Rule, severity: str) -> float:
    """The ``severity`` band of a shoe-mileage rule in kilometres (the band is in
    ``rule.unit``: ``mi`` or ``km``)."""
    value = rule.band(severity)
    return to_km(value, rule.unit)


def shoe_progress(
    assignments: pd.DataFrame, shoes: Mapping[str, Mapping[str, ShoeInfo]]
) -> pd.DataFrame:
    """The assigned runs with each pair's running total.

    Parameters
    ----------
    assignments
        :func:`~loadwatch.shoes.assign_shoes`.
    shoes
        :func:`~loadwatch.shoes.known_shoes` (for ``start_km``).

    Returns
    -------
    pandas.DataFrame
        The runs that have a pair, sorted by athlete, pair and start, with
        ``before_km`` (the pair's distance before the run) and ``total_km``
        (after it) [km].
    """
    runs = assignments[assignments["shoe"].notna()].copy()
    runs = runs.sort_values(["athlete", "shoe", "start_local"], kind="stable")
    start = [
        shoes.get(a, {}).get(s, ShoeInfo(s)).start_km
        for a, s in zip(runs["athlete"], runs["shoe"], strict=True)
    ]
    cumulative = runs.groupby(["athlete", "shoe"], sort=False)["distance_km"].cumsum()
    runs["total_km"] = np.asarray(start, dtype=float) + cumulative.to_numpy(dtype=float)
    runs["before_km"] = runs["total_km"] - runs["distance_km"]
    return runs


def crossings(progress: pd.DataFrame, km: float) -> pd.DataFrame:
    """The run on which each pair reached ``km`` [km] (its total at or above it).

    Returns
    -------
    pandas.DataFrame
        One row per pair that reached the line, from :func:`shoe_progress`, with
        ``already`` True where the pair was past the line before its first run in
        these records (its ``start_km``).
    """
    reached = progress[progress["total_km"] >= km]
    first = reached.groupby(["athlete", "shoe"], sort=False).head(1).copy()
    first["already"] = first["before_km"] >= km
    return first


def _day(value: Any) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return pd.Timestamp(value).date()


def _forecast(total_km: float, line: float, km_per_day: float, as_of: date | None) -> date | None:
    if as_of is None or km_per_day <= 0:
        return None
    return as_of + timedelta(days=round((line - total_km) / km_per_day))


def _rule_of(rules: RuleSet | Mapping[str, Rule] | Rule | None) -> Rule:
    if isinstance(rules, Rule):
        return rules
    return (rules if rules is not None else load_rules())[MILEAGE_RULE]


@dataclass(frozen=True)
class _Window:
    """The days a table is counted back from: the last day, the forecast and rotation
    windows [days], and the weekday offset of the athlete's week start."""

    end: date | None
    forecast_days: int
    rotation_days: int
    week_shift: int


def _status(total_km: float, caution_km: float, high_km: float) -> str:
    if total_km >= high_km:
        return "high"
    return "caution" if total_km >= caution_km else "ok"


def _pair_row(
    athlete: str, info: ShoeInfo, runs: pd.DataFrame, window: _Window
) -> tuple[dict[str, Any], float]:
    """Totals, first/last run, recent use and rotation of one pair (no status, no lines),
    and the rate [km/day] its forecasts use: its recent use, 0 once its period ended."""
    has_runs = len(runs) > 0  # most pairs of a long roster have none: skip pandas
    total = info.start_km + (float(runs["distance_km"].sum()) if has_runs else 0.0)
    first_run = _day(runs["start_local"].min()) if has_runs else None
    last_run = _day(runs["start_local"].max()) if has_runs else None
    end = window.end
    km_per_day = 0.0
    if end is not None and first_run is not None:
        since = end - timedelta(days=window.forecast_days - 1)
        recent = runs["start_local"].dt.date.between(since, end)
        # A pair new within the window: counted from the start of its first week.
        week_began = first_run - timedelta(days=(first_run.weekday() - window.week_shift) % 7)
        span = max(7, (end - max(since, week_began)).days + 1)
        km_per_day = float(runs.loc[recent, "distance_km"].sum()) / span
    retired = info.retired is not None and end is not None and info.retired < end
    row = {
        "athlete": athlete,
        "shoe": info.name,
        "distance_km": total,
        "distance_mi": total / MILE_KM,
        "runs": len(runs),
        "first_run": first_run,
        "last_run": last_run,
        "start_km": info.start_km,
        "km_per_week": 7.0 * km_per_day,
        "in_rotation": bool(
            end is not None
            and last_run is not None
            and (end - last_run).days < window.rotation_days
        ),
        "drop_mm": info.drop_mm,
        "minimalist": info.minimalist,
        "brand": info.brand,
        "model": info.model,
    }
    return row, (0.0 if retired else km_per_day)


def shoe_table(
    result: ImportResult,
    rules: RuleSet | Mapping[str, Rule] | Rule | None = None,
    *,
    as_of: date | None = None,
    folders: Mapping[str, str | Path] | None = None,
    assignments: pd.DataFrame | None = None,
    sources: Mapping[str, AthleteSources] | None = None,
) -> pd.DataFrame:
    """One row per athlete and pair, plus one for each athlete's unassigned runs.

    Parameters
    ----------
    result
        An import (:func:`loadwatch.import_activities`).
    rules
        A rule set holding ``shoe-mileage`` (or that rule itself); the packaged
        ``rules.toml`` by default.
    as_of
        The table as it stood on this local day: later runs are left out, and
        forecasts and rotation are counted back from it. Default: each
        athlete's last run.
    folders
        See :func:`~loadwatch.shoes.athlete_sources`.
    assignments, sources
        Already computed :func:`~loadwatch.shoes.assign_shoes` /
        :func:`~loadwatch.shoes.athlete_sources` results (computed when None).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SHOE_COLUMNS` (units there). Pairs listed in
        ``loadwatch.toml`` appear even without runs; the unassigned row
        (``shoe`` None) only where an athlete has runs with no pair. Sorted by
        athlete, then pairs by first run (pairs without runs last), then the
        unassigned row.
    """
    rule = _rule_of(rules)
    forecast_days = int(rule.param("forecast_days"))
    rotation_days = 7 * int(rule.param("rotation_weeks"))
    caution_km, high_km = line_km(rule, "caution"), line_km(rule, "high")
    if sources is None:
        sources = athlete_sources(result, folders)
    if assignments is None:
        assignments = assign_shoes(result, sources=sources)
    if as_of is not None:
        cutoff = pd.Timestamp(as_of) + pd.Timedelta(days=1)
        assignments = assignments[assignments["start_local"] < cutoff]
    shoes = known_shoes(result, assignments, sources)
    progress = shoe_progress(assignments, shoes)
    lines_km = {
        miles: line_km(rule, band)
        for miles, band in zip(FORECAST_MILES, FORECAST_BANDS, strict=True)
    }
    crossed = {
        miles: crossings(progress, km).set_index(["athlete", "shoe"])["start_local"]
        for miles, km in lines_km.items()
    }
    crossed_on = {miles: series.to_dict() for miles, series in crossed.items()}
    by_athlete = dict(tuple(assignments.groupby("athlete", sort=False)))
    no_runs = assignments.iloc[:0]
    rows: list[dict[str, Any]] = []
    for athlete, pairs in shoes.items():
        mine = by_athlete.get(athlete, no_runs)
        # One pass over the runs per athlete, not one per pair (thousands of pairs).
        by_pair = dict(tuple(mine.groupby("shoe", sort=False))) if len(mine) else {}
        last = _day(mine["start_local"].max()) if len(mine) else None
        settings = result.settings.get(athlete)
        window = _Window(
            end=as_of or last,
            forecast_days=forecast_days,
            rotation_days=rotation_days,
            week_shift=6 if settings is not None and settings.week_start == "sunday" else 0,
        )
        ordered = []
        for name, info in pairs.items():
            row, rate = _pair_row(athlete, info, by_pair.get(name, no_runs), window)
            row["status"] = _status(row["distance_km"], caution_km, high_km)
            for miles in FORECAST_MILES:
                when = _day(crossed_on[miles].get((athlete, name)))
                if when is None and row["distance_km"] >= lines_km[miles]:
                    when = row["first_run"]  # past the line before these records
                row[f"crossed_{miles}mi"] = when
                row[f"forecast_{miles}mi"] = when or _forecast(
                    row["distance_km"], lines_km[miles], rate, window.end
                )
            ordered.append(row)
        ordered.sort(key=lambda r: (r["first_run"] is None, r["first_run"] or date.min))
        rows += ordered
        loose = mine[mine["shoe"].isna()]
        if len(loose):
            distance = float(loose["distance_km"].sum())
            rows.append(
                {
                    "athlete": athlete,
                    "shoe": None,
                    "distance_km": distance,
                    "distance_mi": distance / MILE_KM,
                    "runs": len(loose),
                    "first_run": _day(loose["start_local"].min()),
                    "last_run": _day(loose["start_local"].max()),
                    "status": None,
                    "start_km": 0.0,
                    "minimalist": False,
                }
            )
    return _frame(rows)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(SHOE_COLUMNS))
    for column in _DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    for column in ("distance_km", "distance_mi", "start_km", "km_per_week", "drop_mm"):
        frame[column] = frame[column].astype("float64")
    frame["runs"] = frame["runs"].astype("int64")
    for column in ("shoe", "status", "in_rotation", "brand", "model"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame["minimalist"] = frame["minimalist"].fillna(False).astype(bool)
    return frame


def _plain(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 3)
    if hasattr(value, "item"):  # numpy scalar
        return _plain(value.item())
    return value


def shoe_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """One JSON-ready dict per row of :func:`shoe_table` with :data:`SHOE_FIELDS`.

    Dates are ISO ``YYYY-MM-DD`` (local days) or ``null``; distances are
    rounded to the metre; ``shoe`` is ``null`` for an athlete's unassigned runs.
    """
    records = []
    for row in table.itertuples(index=False):
        data = row._asdict()
        records.append({name: _plain(data[name]) for name in SHOE_FIELDS})
    return records


def rotation(table: pd.DataFrame) -> pd.DataFrame:
    """Pairs in rotation per athlete (information, Malisoux et al. 2015).

    Returns
    -------
    pandas.DataFrame
        ``athlete``, ``pairs`` (pairs with a run in the last ``rotation_weeks``
        weeks of :func:`shoe_table`) and ``shoes`` (their names, ``"; "``-joined).
    """
    rows = []
    for athlete, group in table.groupby("athlete", sort=False):
        used = group[group["in_rotation"].fillna(False).astype(bool)]
        rows.append(
            {"athlete": athlete, "pairs": len(used), "shoes": "; ".join(used["shoe"].astype(str))}
        )
    return pd.DataFrame(rows, columns=["athlete", "pairs", "shoes"])
