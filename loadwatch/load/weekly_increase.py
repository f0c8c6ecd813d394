"""``weekly-increase``: this week's running distance against the established load.

The "10% rule" is what runners are told, so loadwatch applies it — caution
above +10%, high above +30% — and says plainly that the evidence is weak.

References
----------
Nielsen RO et al. Excessive progression in weekly running distance and risk of
running-related injuries. *J Orthop Sports Phys Ther* 2014;44(10):739–747.
doi:10.2519/jospt.2014.5164

Buist I et al. No effect of a graded training program on the number of
running-related injuries in novice runners: a randomized controlled trial.
*Am J Sports Med* 2008;36(1):33–39. doi:10.1177/0363546507307505
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
    pct,
    percent_change,
    sentence,
    threshold,
    week_index,
)
from loadwatch.rules.ruleset import Finding, Rule, RuleSet
from loadwatch.units import Units, distance_text, limit_text, unit_of

RULE_ID = "weekly-increase"


def caution_line(rule: Rule) -> tuple[float, float]:
    """The caution band [%] and the least increase [km] a caution needs.

    What the rule's comparison (:func:`loadwatch.load.common.above`), its limit
    (``caution_limit_km``) and :mod:`loadwatch.load.plan` all use:
    ``(caution band, caution_min_increase_km)``.
    """
    return rule.band("caution"), float(rule.param("caution_min_increase_km"))


def caution_limit_km(established_km: float, rule: Rule) -> float:
    """The smallest weekly distance the caution band flags against ``established_km`` [km].

    ``max(established × (1 + caution band), established + caution_min_increase_km)``:
    the line the message names and :mod:`loadwatch.load.plan` plans under.
    """
    return threshold(established_km, *caution_line(rule))


def weekly_change(weeks: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """Each week's distance against its established load, with the severity it earns.

    Parameters
    ----------
    weeks
        A weekly table (:func:`loadwatch.load.weekly.weekly_table`).
    rule
        The ``weekly-increase`` rule.

    Returns
    -------
    pandas.DataFrame
        ``athlete, week_start, distance_km, established_km`` [km],
        ``increase_km`` [km], ``change_pct`` [%], ``week_index``, ``judged`` (past
        the first ``min_history_weeks`` with an established load above 0) and
        ``severity`` (``"high"``, ``"caution"`` or ``""``), indexed like ``weeks``.
    """
    p = rule.params
    out = weeks[["athlete", "week_start", "distance_km"]].copy()
    out["established_km"] = established(weeks, "distance_km", p["recent_weeks"], p["mean_weeks"])
    out["increase_km"] = out["distance_km"] - out["established_km"]
    out["change_pct"] = percent_change(out["distance_km"], out["established_km"])
    out["week_index"] = week_index(weeks)
    judged = (out["week_index"] >= p["min_history_weeks"]) & (out["established_km"] > 0)
    out["judged"] = judged
    high = judged & above(
        out["distance_km"], out["established_km"], rule.band("high"), p["high_min_increase_km"]
    )
    caution = judged & above(out["distance_km"], out["established_km"], *caution_line(rule))
    out["severity"] = np.select([high, caution], ["high", "caution"], default="")
    return out


def _message(row: Any, rule: Rule, unit: str = "km", voice: Voice = YOU) -> tuple[str, str]:
    """The line of numbers and the advice of a flagged week (in ``unit``).

    The advice's number is the rule's own: this week's distance after a caution, and
    after a high the established load up to the largest week within the caution line
    (:func:`~loadwatch.load.common.largest_within`, as :mod:`loadwatch.load.plan` uses).
    """

    def km(value: float) -> str:
        return distance_text(value, unit)

    base = row.established_km
    next_week = f"Next week (from {as_date(row.week_start + pd.Timedelta(days=7))})"
    numbers = sentence(
        f"{voice.who} ran {km(row.distance_km)} in the week of {as_date(row.week_start)}, "
        f"{pct(row.change_pct)} on {voice.whose} established {km(base)} a week; the "
        f"{row.severity} line is +{rule.band(row.severity):g}% "
        f"({km(threshold(base, rule.band(row.severity), _least(rule, row.severity)))})."
    )
    if row.severity == "high":
        within = largest_within(base, *caution_line(rule), 2)
        advice = (
            f"{next_week}: come back to {km(base)}–{limit_text(within, unit)} rather than "
            "building on "
            f"{km(row.distance_km)}, then add a little at a time."
        )
    else:
        advice = (
            f"{next_week}: hold at {km(row.distance_km)} or less before adding more, and ease "
            "off if a calf or Achilles feels sore."
        )
    return numbers, advice


def _least(rule: Rule, severity: str) -> float:
    """The least increase [km] a finding of ``severity`` needs."""
    return float(
        rule.param("high_min_increase_km" if severity == "high" else "caution_min_increase_km")
    )


def evaluate(
    weeks: pd.DataFrame,
    rules: RuleSet,
    *,
    skip: pd.Series | None = None,
    units: Units = "km",
    roster: bool = False,
) -> list[Finding]:
    """``weekly-increase`` findings, one per flagged athlete-week.

    Parameters
    ----------
    weeks
        A weekly table.
    rules
        The rule set.
    skip
        Boolean Series indexed like ``weeks``: weeks not to judge (the weeks of
        a return after a layoff, which ``return-from-layoff`` judges).
    units
        ``"km"``/``"mi"`` for everyone, or athlete → unit: the words of the
        message (``value`` and ``threshold`` are in % whatever the unit).
    roster
        True for a coach's roster: the message names the athlete instead of "you".

    Returns
    -------
    list of Finding
        Dated on the last day of the week.
    """
    rule = rules[RULE_ID]
    change = weekly_change(weeks, rule)
    flagged = change["severity"] != ""
    if skip is not None:
        flagged &= ~skip.reindex(change.index, fill_value=False)
    findings = []
    for row in change[flagged].itertuples(index=False):
        numbers, advice = _message(
            row, rule, unit_of(units, row.athlete), Voice.of(row.athlete, roster)
        )
        findings.append(
            rules.finding(
                RULE_ID,
                athlete=row.athlete,
                severity=row.severity,
                date=as_date(row.week_start + pd.Timedelta(days=6)),
                week_start=as_date(row.week_start),
                value=round(float(row.change_pct), 1),
                threshold=rule.band(row.severity),
                numbers=numbers,
                advice=advice,
            )
        )
    return findings
