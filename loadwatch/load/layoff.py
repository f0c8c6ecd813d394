"""Layoffs and ``return-from-layoff``: coming back after two weeks or more without running.

A heuristic: no return plan has been tested in a trial. After ``min_gap_days``
days or more without a run, the first weeks back (7-day windows from the first
run back) should stay within a ramp of the pre-layoff weekly distance —
50% → 75% → 100% by default (``ramp_pct``). While a return is under way,
``weekly-increase`` is not judged: the ramp itself rises by half a week's
distance a week, which the 10% rule would call a jump.

References
----------
van der Worp MP et al. Injuries in runners; a systematic review on risk
factors and sex differences. *PLoS ONE* 2015;10(2):e0114937.
doi:10.1371/journal.pone.0114937
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from loadwatch.load.common import YOU, Voice, as_date, sentence, threshold
from loadwatch.load.weekly import WeekStart, week_starts
from loadwatch.rules.ruleset import Finding, Rule, RuleSet
from loadwatch.units import Units, distance_text, limit_text, unit_of

RULE_ID = "return-from-layoff"

_LAYOFF_COLUMNS = {
    "athlete": object,
    "last_run": "datetime64[ns]",
    "first_back": "datetime64[ns]",
    "gap_days": "int64",
    "pre_week_km": "float64",
    "return_until": "datetime64[ns]",
}


def _run_days(timeline: pd.DataFrame) -> pd.DataFrame:
    runs = timeline[timeline["is_run"]]
    out = pd.DataFrame(
        {
            "athlete": runs["athlete"],
            "day": runs["start_local"].dt.normalize(),
            "start_local": runs["start_local"],
            "distance_km": runs["distance_km"],
        }
    )
    return out.sort_values(["athlete", "start_local"], kind="stable")


def layoffs(timeline: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """Every break of ``min_gap_days`` or more days without a run.

    Returns
    -------
    pandas.DataFrame
        ``athlete``, ``last_run`` (local day of the last run before the break),
        ``first_back`` (local day of the first run after it), ``gap_days`` (days
        without a run in between), ``pre_week_km`` (weekly distance over the
        ``pre_days`` days up to ``last_run``, or over the days there are if the
        records are shorter, at least one week) [km] and ``return_until`` (the
        last day of the ramp).
    """
    p = rule.params
    days = _run_days(timeline)
    rows = []
    ramp_days = 7 * len(p["ramp_pct"])
    for athlete, group in days.groupby("athlete", sort=True):
        daily = group.groupby("day")["distance_km"].sum()
        day_index = daily.index
        gaps = (day_index[1:] - day_index[:-1]).days - 1
        for i in np.flatnonzero(np.asarray(gaps) >= p["min_gap_days"]):
            last_run, first_back = day_index[i], day_index[i + 1]
            span = min(int(p["pre_days"]), (last_run - day_index[0]).days + 1)
            start = last_run - pd.Timedelta(days=span - 1)
            pre_km = daily[(day_index >= start) & (day_index <= last_run)].sum()
            rows.append(
                {
                    "athlete": athlete,
                    "last_run": last_run,
                    "first_back": first_back,
                    "gap_days": int(gaps[i]),
                    "pre_week_km": pre_km * 7.0 / max(span, 7),
                    "return_until": first_back + pd.Timedelta(days=ramp_days - 1),
                }
            )
    frame = pd.DataFrame(rows, columns=list(_LAYOFF_COLUMNS))
    return frame.astype(_LAYOFF_COLUMNS)


def ramp_limit_km(ramp_km: float, rule: Rule) -> float:
    """The most a 7-day ramp window of ``ramp_km`` may hold without a caution [km].

    ``max(ramp × (1 + caution band), ramp + min_excess_km)``; a window is flagged
    when its running goes above it. :mod:`loadwatch.load.plan` plans under it.
    """
    return threshold(ramp_km, rule.band("caution"), rule.param("min_excess_km"))


def in_return(weeks: pd.DataFrame, returns: pd.DataFrame) -> pd.Series:
    """True for the weeks of ``weeks`` that overlap a return ramp of :func:`layoffs`."""
    hit = pd.Series(False, index=weeks.index)
    week_end = weeks["week_start"] + pd.Timedelta(days=6)
    for row in returns.itertuples(index=False):
        hit |= (
            (weeks["athlete"] == row.athlete)
            & (weeks["week_start"] <= row.return_until)
            & (week_end >= row.first_back)
        )
    return hit


def return_windows(timeline: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """The 7-day windows of every return ramp, with what was run and the limit.

    Returns
    -------
    pandas.DataFrame
        One row per layoff and ramp step: the :func:`layoffs` columns, ``step``
        (1, 2 ...), ``window_start``, ``ramp_pct`` [%], ``ramp_km`` [km],
        ``limit_km`` (the ramp plus the caution band) [km], ``distance_km`` run
        in the window [km], ``flagged`` and ``crossed`` (local start of the run
        that took the window over the limit; NaT where not flagged).
    """
    p = rule.params
    days = _run_days(timeline)
    rows = []
    for layoff in layoffs(timeline, rule).itertuples(index=False):
        mine = days[days["athlete"] == layoff.athlete]
        for step, share in enumerate(p["ramp_pct"], start=1):
            start = layoff.first_back + pd.Timedelta(days=7 * (step - 1))
            window = mine[(mine["day"] >= start) & (mine["day"] < start + pd.Timedelta(days=7))]
            ramp_km = layoff.pre_week_km * share / 100.0
            limit = ramp_limit_km(ramp_km, rule)
            over = window[window["distance_km"].cumsum() > limit]
            rows.append(
                {
                    **layoff._asdict(),
                    "step": step,
                    "window_start": start,
                    "ramp_pct": float(share),
                    "ramp_km": ramp_km,
                    "limit_km": limit,
                    "distance_km": float(window["distance_km"].sum()),
                    "flagged": not over.empty,
                    "crossed": over["start_local"].iloc[0] if not over.empty else pd.NaT,
                }
            )
    columns = [
        *_LAYOFF_COLUMNS,
        "step",
        "window_start",
        "ramp_pct",
        "ramp_km",
        "limit_km",
        "distance_km",
        "flagged",
        "crossed",
    ]
    return pd.DataFrame(rows, columns=columns)


def _message(row: Any, rule: Rule, unit: str = "km", voice: Voice = YOU) -> tuple[str, str]:
    """The line of numbers and the advice of a ramp week run above its limit (in ``unit``).

    The advice's number is the rule's next ramp step (``ramp_pct`` of the pre-break
    week, up to :func:`ramp_limit_km`), or the pre-break week after the last step.
    """

    def km(value: float) -> str:
        return distance_text(value, unit)

    ramp = [float(x) for x in rule.param("ramp_pct")]
    numbers = sentence(
        f"{voice.who} ran {km(row.distance_km)} in week {row.step} back (the 7 days from "
        f"{as_date(row.window_start)}) after {row.gap_days} days off: the ramp is "
        f"{row.ramp_pct:.0f}% of the {km(row.pre_week_km)} a week before the break, up to "
        f"{km(row.limit_km)}."
    )
    start = as_date(row.window_start + pd.Timedelta(days=7))
    if row.step < len(ramp):
        nxt = ramp[row.step]
        ramp_km = row.pre_week_km * nxt / 100
        advice = (
            f"Next week (the 7 days from {start}): about {km(ramp_km)} ({nxt:.0f}% of before), "
            f"at most {limit_text(ramp_limit_km(ramp_km, rule), unit)}, even if this week felt "
            "easy."
        )
    else:
        advice = (
            f"Next week (from {start}): stay at or below the {km(row.pre_week_km)} a week of "
            "before the break before building further."
        )
    return numbers, advice


def evaluate(
    timeline: pd.DataFrame,
    rules: RuleSet,
    *,
    week_start: WeekStart = "monday",
    units: Units = "km",
    roster: bool = False,
) -> list[Finding]:
    """``return-from-layoff`` findings: one per ramp step run above its limit.

    Dated on the local day of the run that took the 7-day window over the
    limit; ``value`` is the window's distance [km], ``threshold`` the limit [km]
    whatever ``units`` (``"km"``/``"mi"``, or athlete → unit) the message is in.
    ``roster`` (a coach's roster) names the athlete in the message instead of "you".
    """
    rule = rules[RULE_ID]
    windows = return_windows(timeline, rule)
    windows = windows[windows["flagged"]]
    if windows.empty:
        return []
    weeks = week_starts(
        pd.DataFrame({"athlete": windows["athlete"], "start_local": windows["crossed"]}),
        week_start,
    )
    findings = []
    for row, week in zip(windows.itertuples(index=False), weeks, strict=True):
        numbers, advice = _message(
            row, rule, unit_of(units, row.athlete), Voice.of(row.athlete, roster)
        )
        findings.append(
            rules.finding(
                RULE_ID,
                athlete=row.athlete,
                severity="caution",
                date=as_date(row.crossed),
                week_start=as_date(week),
                value=round(float(row.distance_km), 2),
                threshold=round(float(row.limit_km), 2),
                numbers=numbers,
                advice=advice,
            )
        )
    return findings
