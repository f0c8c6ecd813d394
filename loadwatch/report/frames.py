"""Chart-ready tables: the load engine's own frames, with the lines the charts draw.

Every number here comes from :mod:`loadwatch.load` (the same functions the
rules use); this module only adds the thresholds each chart draws, computed
with the engine's :func:`loadwatch.load.common.threshold`, so a chart can never
disagree with a finding. Each function takes the tables of a whole import (any
number of athletes); filter by ``athlete`` before drawing one athlete's chart.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pandas as pd

from loadwatch.load import acwr, hills, layoff, long_run, speedwork, weekly_increase
from loadwatch.load.common import threshold
from loadwatch.load.weekly import WeekStart
from loadwatch.rules.ruleset import RuleSet
from loadwatch.timeline.build import ImportResult

#: A pair run in within this many days of the report date is in use [days].
IN_USE_DAYS = 28

#: A shoe table function (:func:`loadwatch.shoes.shoe_table`) or None where unavailable.
ShoeTable = Callable[..., pd.DataFrame]

__all__ = [
    "IN_USE_DAYS",
    "climbing",
    "daily_ratio",
    "fast_weeks",
    "long_runs",
    "shoe_table_function",
    "shoes",
    "weekly_bands",
]


def _thresholds(reference: pd.Series, band_pct: float, min_increase: float) -> pd.Series:
    """:func:`~loadwatch.load.common.threshold` of each reference; NaN where there is none."""
    return reference.map(
        lambda ref: (
            threshold(ref, band_pct, min_increase)
            if pd.notna(ref) and not math.isinf(band_pct)
            else np.nan
        )
    )


def weekly_bands(weeks: pd.DataFrame, timeline: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    """Each week against its established load, with the +10 % and +30 % lines.

    Parameters
    ----------
    weeks
        The weekly table (:func:`loadwatch.weekly_load`).
    timeline
        The activity timeline (for the layoffs whose return weeks are not judged).
    rules
        The rule set.

    Returns
    -------
    pandas.DataFrame
        :func:`loadwatch.load.weekly_increase.weekly_change` (``athlete, week_start,
        distance_km, established_km, increase_km, change_pct, week_index, severity``)
        plus ``returning`` (a return after a layoff: judged by return-from-layoff
        instead), ``judged``, and ``caution_km`` / ``high_km`` [km], the smallest
        weekly distances the caution and high bands flag (NaN where not judged).
    """
    rule = rules[weekly_increase.RULE_ID]
    change = weekly_increase.weekly_change(weeks, rule)
    returns = layoff.layoffs(timeline, rules[layoff.RULE_ID])
    change["returning"] = layoff.in_return(weeks, returns).reindex(change.index, fill_value=False)
    change["judged"] = (
        (change["week_index"] >= rule.param("min_history_weeks"))
        & (change["established_km"] > 0)
        & ~change["returning"]
    )
    reference = change["established_km"].where(change["judged"])
    change["caution_km"] = _thresholds(
        reference, rule.band("caution"), rule.param("caution_min_increase_km")
    )
    change["high_km"] = _thresholds(
        reference, rule.band("high"), rule.param("high_min_increase_km")
    )
    return change


def long_runs(timeline: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    """Each run against the longest run of the previous 30 days.

    Returns
    -------
    pandas.DataFrame
        :func:`loadwatch.load.long_run.long_run_reference` plus ``judged`` and
        ``caution_km`` / ``high_km`` [km]: the shortest runs the caution (+10 %) and
        high (+100 %) bands flag (NaN where the run is not judged).
    """
    rule = rules[long_run.RULE_ID]
    runs = long_run.long_run_reference(timeline, rule)
    runs["judged"] = (runs["history_days"] >= rule.param("min_history_days")) & runs[
        "reference_km"
    ].notna()
    reference = runs["reference_km"].where(runs["judged"])
    runs["caution_km"] = _thresholds(
        reference, rule.band("caution"), rule.param("caution_min_increase_km")
    )
    runs["high_km"] = _thresholds(reference, rule.band("high"), rule.param("high_min_increase_km"))
    return runs


def daily_ratio(timeline: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    """The daily uncoupled EWMA acute:chronic ratio, with the days after a layoff marked.

    Returns
    -------
    pandas.DataFrame
        :func:`loadwatch.load.acwr.acute_chronic` (``athlete, day, distance_km,
        acute_km, chronic_km, ratio``) plus ``after_layoff``: the days from a first
        run back after a layoff for which the rule shows no ratio.
    """
    rule = rules[acwr.RULE_ID]
    daily = acwr.acute_chronic(timeline, rule)
    quiet = pd.Timedelta(days=int(rule.param("after_layoff_days")))
    daily["after_layoff"] = False
    for row in layoff.layoffs(timeline, rules[layoff.RULE_ID]).itertuples(index=False):
        daily.loc[
            (daily["athlete"] == row.athlete)
            & (daily["day"] >= row.first_back)
            & (daily["day"] < row.first_back + quiet),
            "after_layoff",
        ] = True
    return daily


def climbing(timeline: pd.DataFrame, rules: RuleSet, week_start: WeekStart) -> pd.DataFrame:
    """Weekly ascent and descent against the usual, with the limits the rule flags above.

    Returns
    -------
    pandas.DataFrame
        :func:`loadwatch.load.hills.hill_change` plus ``ascent_limit_m`` and
        ``descent_limit_m`` [m] (NaN where the usual is unknown).
    """
    rule = rules[hills.RULE_ID]
    change = hills.hill_change(hills.climbing_weeks(timeline, week_start), rule)
    for metric in ("ascent", "descent"):
        change[f"{metric}_limit_m"] = _thresholds(
            change[f"usual_{metric}_m"], rule.band("caution"), rule.param("min_increase_m")
        )
    return change


def fast_weeks(weeks: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    """Weekly fast distance against the usual, with the limit the rule flags above.

    Returns
    -------
    pandas.DataFrame
        :func:`loadwatch.load.speedwork.speedwork_change` (``athlete, week_start,
        fast_km, usual_fast_km, easy_weeks, flagged``) plus ``limit_km`` [km].
    """
    rule = rules[speedwork.RULE_ID]
    change = speedwork.speedwork_change(weeks, rule)
    change["limit_km"] = _thresholds(
        change["usual_fast_km"], rule.band("caution"), rule.param("min_increase_km")
    )
    return change


def shoe_table_function() -> ShoeTable | None:
    """:func:`loadwatch.shoes.shoe_table` where that package is installed, else None."""
    try:
        from loadwatch.shoes import shoe_table
    except ImportError:
        return None
    return shoe_table


def shoes(result: ImportResult, rules: RuleSet, as_of: date | None = None) -> pd.DataFrame | None:
    """The shoe table of an import with ``in_use``, or None where shoe tracking is unavailable.

    Parameters
    ----------
    result
        The import.
    rules
        The rule set (its ``shoe-mileage`` bands give each pair's ``status``).
    as_of
        The report date: later runs are left out.

    Returns
    -------
    pandas.DataFrame or None
        :func:`loadwatch.shoes.shoe_table` (``athlete, shoe, distance_km,
        distance_mi, runs, first_run, last_run, status, forecast_300mi,
        forecast_500mi`` …) plus ``in_use``: a named pair run in during the
        :data:`IN_USE_DAYS` days up to ``as_of`` whose ``[[shoes]]`` period (if any)
        has not ended.
    """
    function = shoe_table_function()
    if function is None:
        return None
    table = function(result, rules, as_of=as_of).copy()
    ended = {
        (athlete, shoe.name.casefold()): shoe.until
        for athlete, settings in result.settings.items()
        for shoe in settings.shoes
        if shoe.until is not None
    }
    in_use = []
    for row in table.itertuples(index=False):
        last = pd.Timestamp(row.last_run) if pd.notna(row.last_run) else None
        if row.shoe is None or last is None or as_of is None:
            in_use.append(False)
            continue
        until = ended.get((row.athlete, str(row.shoe).casefold()))
        recent = last.date() > as_of - timedelta(days=IN_USE_DAYS)
        in_use.append(recent and (until is None or until >= as_of))
    table["in_use"] = pd.Series(in_use, index=table.index, dtype=bool)
    return table
