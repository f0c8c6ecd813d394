"""``hill-increase``: weekly climbing and descending against the athlete's usual.

A heuristic, and said to be one: no injury-outcome study of climbing was
found. Uphill running works the calf through a larger range; downhill running
loads it while it lengthens (eccentric load). A lab study of 20 runners found
Achilles tendon cross-section fell after uphill, flat and downhill running
alike, with the highest peak force downhill.

References
----------
Neves KA et al. Does Achilles tendon cross sectional area differ after
downhill, level and uphill running in trained runners? *J Sports Sci Med*
2014;13:823–828. PMC4234952
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
    established,
    largest_within,
    rises_past,
    sentence,
    threshold,
    week_index,
)
from loadwatch.load.weekly import WeekStart, weekly_table
from loadwatch.rules.ruleset import Finding, Rule, RuleSet
from loadwatch.units import Units, climb_text, unit_of

RULE_ID = "hill-increase"
_METRICS = (("ascent_m", "climbed"), ("descent_m", "descended"))


def climbing_weeks(timeline: pd.DataFrame, week_start: WeekStart = "monday") -> pd.DataFrame:
    """The weekly table with the distance of runs whose files record ascent and descent.

    Adds ``ascent_known_km`` and ``descent_known_km`` [km] to
    :func:`loadwatch.load.weekly.weekly_table`.
    """
    runs = timeline["is_run"]
    distance = timeline["distance_km"].where(runs, 0.0)
    return weekly_table(
        timeline,
        week_start,
        extra={
            "ascent_known_km": distance.where(timeline["ascent_m"].notna(), 0.0),
            "descent_known_km": distance.where(timeline["descent_m"].notna(), 0.0),
        },
    )


def caution_line(rule: Rule) -> tuple[float, float]:
    """The caution band [%] and the least increase [m] a caution needs.

    What the rule's comparison (:func:`loadwatch.load.common.above`), its limit
    (``caution_limit_m``) and :mod:`loadwatch.load.plan` all use:
    ``(caution band, min_increase_m)``.
    """
    return rule.band("caution"), float(rule.param("min_increase_m"))


def caution_limit_m(usual_m: float, rule: Rule) -> float:
    """The smallest weekly ascent (or descent) the caution band flags against ``usual_m`` [m].

    ``max(usual × (1 + caution band), usual + min_increase_m)``: the threshold of a
    finding, the line its advice names and what :mod:`loadwatch.load.plan` plans under.
    """
    return threshold(usual_m, *caution_line(rule))


def hill_change(weeks: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """Weekly ascent and descent against the usual, with the weeks flagged.

    Parameters
    ----------
    weeks
        :func:`climbing_weeks` output (a weekly table with the ``*_known_km`` columns).
    rule
        The ``hill-increase`` rule.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``weeks``: ``athlete, week_start``, for each of ``ascent_m`` and
        ``descent_m`` the week's value (NaN where the files record it for less than
        ``min_known_share`` of the distance), ``usual_ascent_m``/``usual_descent_m``
        ``ascent_judged``/``descent_judged`` (past the first ``min_history_weeks``
        with a usual value: the week is judged once its own value is known) and
        ``ascent_flag``/``descent_flag``; ``flagged`` where either is.
    """
    p = rule.params
    out = weeks[["athlete", "week_start", "distance_km"]].copy()
    index = week_index(weeks)
    flagged = pd.Series(False, index=weeks.index)
    for metric, _ in _METRICS:
        known = weeks[metric.replace("_m", "_known_km")]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = (known / weeks["distance_km"]).where(weeks["distance_km"] > 0, 1.0)
        out[metric] = weeks[metric].where(share >= p["min_known_share"])
        out[f"usual_{metric}"] = established(out, metric, p["recent_weeks"], p["mean_weeks"])
        judged = (index >= p["min_history_weeks"]) & out[f"usual_{metric}"].notna()
        flag = (
            judged
            & out[metric].notna()
            & above(out[metric], out[f"usual_{metric}"], *caution_line(rule))
        )
        out[f"{metric.split('_')[0]}_judged"] = judged
        out[f"{metric.split('_')[0]}_flag"] = flag
        flagged |= flag
    out["flagged"] = flagged
    return out


def _message(
    row: Any, rule: Rule, metric: str, limit: float, unit: str = "km", voice: Voice = YOU
) -> tuple[str, str]:
    """The line of numbers and the advice of a flagged week.

    The advice's number is the most climbing the week could have held within the
    caution line (:func:`~loadwatch.load.common.largest_within` of the usual, as
    :mod:`loadwatch.load.plan` uses).
    """

    def m(value: float) -> str:
        return climb_text(value, unit)

    parts = []
    for name, verb in _METRICS:
        value, usual = getattr(row, name), getattr(row, f"usual_{name}")
        if not (np.isnan(value) or np.isnan(usual)):
            parts.append(f"{verb} {m(value)} (usual {m(usual)})")
    numbers = sentence(
        f"{voice.who} {' and '.join(parts)} in the week of {as_date(row.week_start)}; the "
        f"caution line is {m(limit)} (a week that {rises_past(rule.band('caution'))} the "
        f"usual and adds at least {m(rule.param('min_increase_m'))})."
    )
    within = largest_within(getattr(row, f"usual_{metric}"), *caution_line(rule), 0)
    what = "climbing" if metric == "ascent_m" else "descending"
    advice = (
        f"Next week (from {as_date(row.week_start + pd.Timedelta(days=7))}): keep "
        f"{voice.whose} {what} to {m(within)} or less, add hills a little at a time and go "
        "easy on steep descents."
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
    """``hill-increase`` findings, one per flagged athlete-week (dated on its last day).

    ``value`` is the week's ascent (or descent, where only that was flagged) [m];
    ``threshold`` the limit it was compared with [m]. ``units`` (``"km"``/``"mi"``,
    or athlete → unit) is passed to :func:`loadwatch.units.climb_text`, which
    keeps climbing in metres for every runner. ``roster`` (a coach's roster) names
    the athlete in the message instead of "you".
    """
    rule = rules[RULE_ID]
    change = hill_change(climbing_weeks(timeline, week_start), rule)
    findings = []
    for row in change[change["flagged"]].itertuples(index=False):
        metric = "ascent_m" if row.ascent_flag else "descent_m"
        usual = getattr(row, f"usual_{metric}")
        limit = caution_limit_m(usual, rule)
        numbers, advice = _message(
            row, rule, metric, limit, unit_of(units, row.athlete), Voice.of(row.athlete, roster)
        )
        findings.append(
            rules.finding(
                RULE_ID,
                athlete=row.athlete,
                severity="caution",
                date=as_date(row.week_start + pd.Timedelta(days=6)),
                week_start=as_date(row.week_start),
                value=round(float(getattr(row, metric)), 1),
                threshold=round(limit, 1),
                numbers=numbers,
                advice=advice,
            )
        )
    return findings
