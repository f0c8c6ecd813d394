"""``acute-chronic``: the uncoupled exponentially weighted acute:chronic distance ratio.

Shown as *context*, never as the only reason for alarm: the ratio comes from
team sports, a large running cohort found no such link, and re-analyses found
that made-up chronic loads "predict" injuries about as well. Following the
project's evidence sheet it is at most a ``caution`` — and only in a week that
another rule already flagged; otherwise it is a ``note``. It is never ``high``.

Acute load is the exponentially weighted moving average (EWMA) of daily
distance with λ = 2/(7+1); chronic load the EWMA with λ = 2/(28+1) *as it
stood the day before the acute week began*, so the most recent week is not in
both numerator and denominator (uncoupled; Lolli et al. 2019). Both averages
start from the mean daily distance of the first 28 days, not from the first
day alone. The weeks right after a layoff are left to ``return-from-layoff``.

References
----------
Williams S et al. Better way to determine the acute:chronic workload ratio?
*Br J Sports Med* 2017;51(3):209–210. doi:10.1136/bjsports-2016-096589

Gabbett TJ. The training—injury prevention paradox. *Br J Sports Med*
2016;50(5):273–280. doi:10.1136/bjsports-2015-095788

Lolli L et al. Mathematical coupling causes spurious correlation within the
conventional acute-to-chronic workload ratio calculations. *Br J Sports Med*
2019;53(15):921–922. doi:10.1136/bjsports-2017-098110

Impellizzeri FM et al. What role do chronic workloads play in the acute to
chronic workload ratio? *Sports Med* 2021;51(3):581–592.
doi:10.1007/s40279-020-01378-6
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import pandas as pd

from loadwatch.load.common import YOU, Voice, as_date
from loadwatch.load.weekly import WeekStart, week_starts
from loadwatch.rules.ruleset import Finding, Rule, RuleSet
from loadwatch.units import Units, distance_text, unit_of

RULE_ID = "acute-chronic"


def daily_distance(timeline: pd.DataFrame) -> pd.DataFrame:
    """Running distance per athlete and local day, from first to last run day, zeros included.

    Returns
    -------
    pandas.DataFrame
        ``athlete``, ``day`` (local midnight) and ``distance_km`` [km].
    """
    runs = timeline[timeline["is_run"]]
    if runs.empty:
        return pd.DataFrame(
            {
                "athlete": pd.Series(dtype=object),
                "day": pd.Series(dtype="datetime64[ns]"),
                "distance_km": pd.Series(dtype="float64"),
            }
        )
    sums = runs.groupby(["athlete", runs["start_local"].dt.normalize().rename("day")])[
        "distance_km"
    ].sum()
    frames = []
    for athlete, days in sums.groupby(level="athlete", sort=True):
        days = days.droplevel("athlete")
        full = pd.date_range(days.index.min(), days.index.max(), freq="D")
        frame = days.reindex(full, fill_value=0.0).rename_axis("day").reset_index()
        frame.insert(0, "athlete", athlete)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["day"] = out["day"].astype("datetime64[ns]")
    return out


def _ewma(loads: pd.Series, days: int, start_days: int) -> pd.Series:
    """EWMA with λ = 2/(days+1), started from the mean of the first ``start_days`` days
    (not from the first day alone, which would make one long first run the norm)."""
    start = float(loads.iloc[:start_days].mean())
    padded = pd.concat([pd.Series([start]), loads], ignore_index=True)
    smoothed = padded.ewm(alpha=2.0 / (days + 1), adjust=False).mean().iloc[1:]
    return pd.Series(smoothed.to_numpy(), index=loads.index)


def acute_chronic(timeline: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """The daily uncoupled EWMA acute:chronic ratio per athlete.

    Returns
    -------
    pandas.DataFrame
        ``athlete, day, distance_km, acute_km, chronic_km`` [km/day] and
        ``ratio``; ``ratio`` is NaN on days not judged (the first
        ``min_history_days`` of the records, or a chronic load under
        ``min_chronic_km_per_day``).
    """
    p = rule.params
    acute_days, chronic_days = int(p["acute_days"]), int(p["chronic_days"])
    daily = daily_distance(timeline)
    by_athlete = daily.groupby("athlete", sort=False)["distance_km"]
    daily["acute_km"] = by_athlete.transform(lambda s: _ewma(s, acute_days, chronic_days))
    chronic = by_athlete.transform(lambda s: _ewma(s, chronic_days, chronic_days))
    # Uncoupled: the chronic load as it stood before the acute window began.
    daily["chronic_km"] = chronic.groupby(daily["athlete"], sort=False).shift(acute_days)
    history = daily.groupby("athlete", sort=False).cumcount()
    judged = (history >= p["min_history_days"]) & (
        daily["chronic_km"] >= p["min_chronic_km_per_day"]
    )
    daily["ratio"] = (daily["acute_km"] / daily["chronic_km"]).where(judged)
    return daily


def _message(
    row: Any, rule: Rule, severity: str, unit: str = "km", voice: Voice = YOU
) -> tuple[str, str]:
    """The line of numbers and the advice (context: it accompanies the week's warning).

    The advice's number is the chronic load as a week (7 × the chronic daily load):
    a week near it brings the ratio back toward 1.
    """
    band = rule.band("caution")
    numbers = (
        f"Acute:chronic ratio {row.ratio:.2f} on {as_date(row.day)} (7-day "
        f"{distance_text(row.acute_km, unit)} a day against {distance_text(row.chronic_km, unit)}"
        f" a day over the month before), above {band:.1f}: context, not a warning of its own."
    )
    usual_week = distance_text(7.0 * row.chronic_km, unit)
    if severity == "caution":
        advice = (
            f"Next: follow the advice of this week's warning; a week near {usual_week} "
            "brings the ratio back down."
        )
    else:
        advice = (
            f"No other rule flagged this week: no change is needed for this ratio alone "
            f"({voice.whose} month's average is {usual_week} a week)."
        )
    return numbers, advice


def evaluate(
    timeline: pd.DataFrame,
    rules: RuleSet,
    *,
    week_start: WeekStart = "monday",
    flagged_weeks: Collection[tuple[str, date]] = (),
    layoffs: pd.DataFrame | None = None,
    units: Units = "km",
    roster: bool = False,
) -> list[Finding]:
    """``acute-chronic`` findings: one per athlete-week whose peak ratio is above the band.

    Parameters
    ----------
    timeline
        The activity timeline.
    rules
        The rule set.
    week_start
        Week start for everyone, or athlete → week start.
    flagged_weeks
        ``(athlete, week_start)`` pairs that another rule flagged (caution or
        high): only there is the ratio a ``caution``; elsewhere it is a ``note``.
    layoffs
        :func:`loadwatch.load.layoff.layoffs`: for ``after_layoff_days`` days from
        each first run back the ratio is not shown (the chronic load is near zero
        and return-from-layoff judges those weeks).
    units
        ``"km"``/``"mi"`` for everyone, or athlete → unit, for the message.
    roster
        True for a coach's roster: the message names the athlete instead of "you".

    Returns
    -------
    list of Finding
        Dated on the day of the week's peak ratio; value is the ratio.
    """
    rule = rules[RULE_ID]
    daily = acute_chronic(timeline, rule)
    if layoffs is not None:
        quiet = pd.Timedelta(days=int(rule.param("after_layoff_days")))
        for row in layoffs.itertuples(index=False):
            daily.loc[
                (daily["athlete"] == row.athlete)
                & (daily["day"] >= row.first_back)
                & (daily["day"] < row.first_back + quiet),
                "ratio",
            ] = float("nan")
    daily = daily[daily["ratio"].notna()]
    if daily.empty:
        return []
    daily = daily.assign(
        week_start=week_starts(daily.rename(columns={"day": "start_local"}), week_start)
    )
    peaks = daily.loc[daily.groupby(["athlete", "week_start"])["ratio"].idxmax()]
    peaks = peaks[peaks["ratio"] > rule.band("caution")]
    flagged = set(flagged_weeks)
    findings = []
    for row in peaks.itertuples(index=False):
        week = as_date(row.week_start)
        severity = "caution" if (row.athlete, week) in flagged else "note"
        numbers, advice = _message(
            row, rule, severity, unit_of(units, row.athlete), Voice.of(row.athlete, roster)
        )
        findings.append(
            rules.finding(
                RULE_ID,
                athlete=row.athlete,
                severity=severity,
                date=as_date(row.day),
                week_start=week,
                value=round(float(row.ratio), 2),
                threshold=rule.band("caution"),
                numbers=numbers,
                advice=advice,
            )
        )
    return findings
