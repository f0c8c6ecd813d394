"""``long-run-spike``: each run against the longest run of the previous 30 days.

The best evidence loadwatch uses: in 5,205 runners, single sessions longer
than the longest run of the previous 30 days were associated with more
injuries (adjusted hazard rate ratios 1.64 for +10–30%, 1.52 for +30–100%,
2.28 above +100%), while week-to-week changes were not.

References
----------
Frandsen JSB et al. How much running is too much? Identifying high-risk
running sessions in a 5200-person cohort study. *Br J Sports Med*
2025;59(17):1203–1210. doi:10.1136/bjsports-2024-109380
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from loadwatch.load.common import (
    YOU,
    Voice,
    above,
    as_date,
    largest_within,
    pct,
    percent_change,
    threshold,
)
from loadwatch.load.weekly import WeekStart, week_starts
from loadwatch.rules.ruleset import Finding, Rule, RuleSet
from loadwatch.units import Units, distance_text, limit_text, unit_of

RULE_ID = "long-run-spike"


def caution_line(rule: Rule) -> tuple[float, float]:
    """The caution band [%] and the least increase [km] a caution needs.

    What the rule's comparison (:func:`loadwatch.load.common.above`), its limit
    (``caution_limit_km``) and :mod:`loadwatch.load.plan` all use:
    ``(caution band, caution_min_increase_km)``.
    """
    return rule.band("caution"), float(rule.param("caution_min_increase_km"))


def caution_limit_km(reference_km: float, rule: Rule) -> float:
    """The shortest run the caution band flags against ``reference_km`` [km].

    ``max(reference × (1 + caution band), reference + caution_min_increase_km)``:
    the line the message names and :mod:`loadwatch.load.plan` plans under.
    """
    return threshold(reference_km, *caution_line(rule))


def long_run_reference(timeline: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """Each run's reference: the longest run of the previous ``window_days`` days.

    Within ``window_days`` of the first run after a break (``break_days`` or
    more days without a run) the runner is *rebuilding*: the reference is the
    larger of the window's longest run and the longest run of the
    ``window_days`` before the break, so a gradual return to the old long run
    is not a spike (the return-from-layoff rule judges the return).

    Parameters
    ----------
    timeline
        The activity timeline; only ``is_run`` rows are used.
    rule
        The ``long-run-spike`` rule.

    Returns
    -------
    pandas.DataFrame
        Indexed like the runs of ``timeline``: ``athlete, start_local,
        distance_km, reference_km`` [km], ``change_pct`` [%], ``history_days``
        (days since the athlete's first run), ``rebuilding`` (see above),
        ``break_days`` (days without a run in the last break, while
        rebuilding), ``judged`` (the run has a reference and is past the first
        ``min_history_days``) and ``severity`` (``"high"``, ``"caution"`` or ``""``).
    """
    p = rule.params
    window_days = int(p["window_days"])
    window = f"{window_days}D"
    runs = timeline.loc[timeline["is_run"], ["athlete", "start_local", "distance_km"]]
    runs = runs.sort_values(["athlete", "start_local"], kind="stable")
    parts = []
    for _, group in runs.groupby("athlete", sort=False):
        series = pd.Series(group["distance_km"].to_numpy(), index=group["start_local"])
        through = series.rolling(window, closed="both").max().to_numpy()
        part = group.copy()
        part["window_km"] = series.rolling(window, closed="left").max().to_numpy()
        days = group["start_local"].dt.normalize()
        off = (days - days.shift(1)).dt.days - 1  # whole days without a run before this one
        back = off >= p["break_days"]
        # At each first run back: the longest run of the window ending with the last run
        # before the break; carried forward to the runs that follow.
        previous_through = pd.Series(np.concatenate(([np.nan], through[:-1])), index=group.index)
        part["pre_break_km"] = previous_through.where(back).ffill()
        part["break_days"] = off.where(back).ffill()
        back_at = group["start_local"].where(back).ffill()
        part["rebuilding"] = (group["start_local"] - back_at) < pd.Timedelta(days=window_days)
        part["history_days"] = (
            group["start_local"] - group["start_local"].iloc[0]
        ).dt.total_seconds() / 86400.0
        parts.append(part)
    if not parts:
        columns = ["reference_km", "change_pct", "history_days", "break_days"]
        out = runs.assign(**{c: pd.Series(dtype="float64") for c in columns})
        return out.assign(
            rebuilding=pd.Series(dtype=bool),
            judged=pd.Series(dtype=bool),
            severity=pd.Series(dtype=object),
        )
    out = pd.concat(parts)
    rebuilt = pd.concat([out["window_km"], out["pre_break_km"]], axis=1).max(axis=1)
    out["reference_km"] = rebuilt.where(out["rebuilding"], out["window_km"])
    out["break_days"] = out["break_days"].where(out["rebuilding"])
    out["change_pct"] = percent_change(out["distance_km"], out["reference_km"])
    judged = (out["history_days"] >= p["min_history_days"]) & out["reference_km"].notna()
    out["judged"] = judged
    high = judged & above(
        out["distance_km"], out["reference_km"], rule.band("high"), p["high_min_increase_km"]
    )
    caution = judged & above(out["distance_km"], out["reference_km"], *caution_line(rule))
    out["severity"] = np.select([high, caution], ["high", "caution"], default="")
    return out.drop(columns=["window_km", "pre_break_km"])


def _message(row: Any, rule: Rule, unit: str = "km", voice: Voice = YOU) -> tuple[str, str]:
    """The line of numbers and the advice of a flagged run (in ``unit``).

    The advice's number is the next run's limit: the run is now the longest of the
    window, so the longest next run within the caution line is
    :func:`~loadwatch.load.common.largest_within` of it (what :mod:`loadwatch.load.plan`
    gives as ``run_km_max`` for the next day).
    """

    def km(value: float) -> str:
        return distance_text(value, unit)

    window = int(rule.param("window_days"))
    least = "high_min_increase_km" if row.severity == "high" else "caution_min_increase_km"
    line_km = threshold(row.reference_km, rule.band(row.severity), float(rule.param(least)))
    if row.rebuilding:
        context = (
            f"the longest since {voice.verb('you', 'they')} came back after "
            f"{row.break_days:.0f} days off, or in the {window} days before, was "
            f"{km(row.reference_km)}"
        )
    elif row.history_days < window:
        context = (
            f"the longest in the {row.history_days:.0f} days of records before it was "
            f"{km(row.reference_km)}"
        )
    else:
        context = f"the longest of the previous {window} days was {km(row.reference_km)}"
    numbers = (
        f"A {km(row.distance_km)} run on {as_date(row.start_local)} ({pct(row.change_pct)}): "
        f"{context}; the {row.severity} line was {km(line_km)} "
        f"(+{rule.band(row.severity):g}%)."
    )
    # The line this run crossed (what the plan made the day before allowed), not a
    # new line built on the spike: the next long runs come back under it.
    line_before = largest_within(float(row.reference_km), *caution_line(rule), 2)
    advice = (
        f"Next: easy days, then keep {voice.whose} long runs to "
        f"{limit_text(line_before, unit)} or less rather than building on "
        f"{km(row.distance_km)}; lengthen the long run by at most "
        f"{rule.band('caution'):g}% at a time."
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
    """``long-run-spike`` findings, one per flagged run, dated on the run's local day.

    ``units`` (``"km"``/``"mi"``, or athlete → unit) sets the words of the message;
    ``value`` and ``threshold`` are in % whatever the unit. ``roster`` (a coach's
    roster) names the athlete in the message instead of "you".
    """
    rule = rules[RULE_ID]
    spikes = long_run_reference(timeline, rule)
    spikes = spikes[spikes["severity"] != ""]
    if spikes.empty:
        return []
    weeks = week_starts(spikes, week_start)
    findings = []
    for row, week in zip(spikes.itertuples(index=False), weeks, strict=True):
        numbers, advice = _message(
            row, rule, unit_of(units, row.athlete), Voice.of(row.athlete, roster)
        )
        findings.append(
            rules.finding(
                RULE_ID,
                athlete=row.athlete,
                severity=row.severity,
                date=as_date(row.start_local),
                week_start=as_date(week),
                value=round(float(row.change_pct), 1),
                threshold=rule.band(row.severity),
                numbers=numbers,
                advice=advice,
            )
        )
    return findings
