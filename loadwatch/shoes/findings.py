"""The shoe rules: ``shoe-mileage`` and ``shoe-drop-change`` (numbers in ``rules.toml``).

``shoe-mileage`` is a *replacement reminder*, not an injury-risk flag: a
caution on the run that takes a pair to 300 miles (482.8 km), a high on the
run that takes it to 500 miles (804.7 km). No trial fixes these numbers;
podiatrists (AAPSM) suggest 350–500 miles, earlier for heavier runners, and
mileage also depends on the surface. In a lab study, 200 miles of wear changed
runners' gait but not the peak impact force or loading rate (Kong et al. 2009).

``shoe-drop-change`` is a caution on the first run in a pair (or the first
after ``lookback_days`` without it) whose heel-to-toe drop is 4 mm or more
lower than the lowest drop of the pairs run in during the previous
``lookback_days`` days, or that is marked minimalist when none of those was.
A lower drop moves load from the knee to the calf and Achilles; the trials
disagree on injuries (Malisoux et al. 2016: no overall effect, fewer injuries
with a low drop in occasional runners, more in regular runners; Ryan et al.
2014 and Fuller et al. 2017: more calf and shin pain in minimalist shoes,
most in heavier runners and above 35 km a week), so the advice is to bring the
new pair in gradually.

References
----------
AAPSM (American Academy of Podiatric Sports Medicine), Q&A on replacing
running shoes (M. Lowe, DPM). aapsm.org/ct0598.html

Kong PW et al. Running in new and worn shoes: a comparison of three types of
cushioning footwear. *Br J Sports Med* 2009;43:745–749. PMID 18801775

Malisoux L et al. Influence of the heel-to-toe drop of standard cushioned
running shoes on injury risk in leisure-time runners: a randomized controlled
trial with 6-month follow-up. *Am J Sports Med* 2016;44(11):2933–2940.
doi:10.1177/0363546516654690

Ryan M et al. Examining injury risk and pain perception in runners using
minimalist footwear. *Br J Sports Med* 2014;48(16):1257–1262.
doi:10.1136/bjsports-2012-092061

Fuller JT et al. Body mass and weekly training distance influence the pain
and injuries experienced by runners using minimalist shoes: a randomized
controlled trial. *Am J Sports Med* 2017;45(5):1162–1170.
doi:10.1177/0363546516682497
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from loadwatch.load.weekly import week_start_of
from loadwatch.rules.ruleset import Finding, Rule, RuleSet, load_rules
from loadwatch.shoes.assign import ShoeInfo, assign_shoes, athlete_sources, known_shoes
from loadwatch.shoes.mileage import MILEAGE_RULE, crossings, line_km, shoe_progress
from loadwatch.timeline.build import ImportResult
from loadwatch.units import Units, distance_text, km_to, unit_of

#: Rule id of the drop rule.
DROP_RULE = "shoe-drop-change"
#: The shoe rule ids (a public contract).
SHOE_RULE_IDS = (MILEAGE_RULE, DROP_RULE)


@dataclass(frozen=True)
class ShoeFinding(Finding):
    """A :class:`~loadwatch.rules.ruleset.Finding` of a shoe rule, naming the pair.

    Attributes
    ----------
    shoe
        The pair's name.
    """

    shoe: str | None = None


def _finding(
    rule: Rule,
    *,
    athlete: str,
    day: date,
    week_start: str,
    shoe: str,
    severity: str,
    value: float,
    numbers: str,
    advice: str,
) -> ShoeFinding:
    first_day = week_start_of(pd.Series([pd.Timestamp(day)]), week_start).iloc[0]
    return ShoeFinding(
        athlete=athlete,
        rule=rule.id,
        severity=severity,
        date=day,
        week_start=pd.Timestamp(first_day).date(),
        value=value,
        threshold=rule.band(severity),
        unit=rule.unit,
        message=f"{numbers} {advice}",
        source=rule.source,
        evidence=rule.evidence,
        shoe=shoe,
        advice=advice,
        evidence_note=rule.evidence_note,
    )


def _week_start(week_start: str | Mapping[str, str], athlete: str) -> str:
    return week_start if isinstance(week_start, str) else week_start.get(athlete, "monday")


def _distance(value_km: float, unit: str) -> str:
    """``482.8 km (300 miles)`` for a km runner, ``300 mi`` for a mi runner."""
    if unit == "mi":
        return distance_text(value_km, "mi", 0)
    return f"{distance_text(value_km, 'km')} ({km_to(value_km, 'mi'):.0f} miles)"


def _mileage_message(
    row: Any, rule: Rule, severity: str, info: ShoeInfo, unit: str = "km"
) -> tuple[str, str]:
    """The line of numbers and the advice of a pair crossing a line (in ``unit``).

    The advice's number is what is left to the high line after a caution, and how far
    past it the pair is after a high (the rule's bands).
    """
    line = line_km(rule, severity)
    day = pd.Timestamp(row.start_local).date()
    total = row.total_km
    before = (
        f", {distance_text(info.start_km, unit, 0)} of them before these records"
        if info.start_km
        else ""
    )
    if row.already:
        numbers = (
            f"{row.shoe} was already past {_distance(line, unit)} when these records begin "
            f"({distance_text(total, unit)} after the run on {day}{before})."
        )
    else:
        in_all = distance_text(total, "mi") if unit == "mi" else _distance(total, unit)
        numbers = (
            f"{row.shoe} reached {_distance(line, unit)} on the run of {day}: "
            f"{in_all} in all{before}; a replacement reminder, not an injury risk."
        )
    high_km = line_km(rule, "high")
    if severity == "high" or math.isinf(high_km):
        advice = (
            f"Next: at {distance_text(total, unit)}, retire the pair for running if the midsole "
            "looks creased or the cushioning feels flat, and bring the new one in over a few "
            "runs."
        )
    else:
        left = distance_text(max(high_km - total, 0.0), unit)
        advice = (
            f"Next: check the midsole and outsole for wear; {left} "
            f"are left to {_distance(high_km, unit)}, so plan the next pair to join the rotation."
        )
    return numbers, advice


def mileage_findings(
    progress: pd.DataFrame,
    shoes: Mapping[str, Mapping[str, ShoeInfo]],
    rule: Rule,
    *,
    week_start: str | Mapping[str, str] = "monday",
    units: Units = "km",
) -> list[Finding]:
    """``shoe-mileage`` findings: one per pair and band, dated on the crossing run.

    Parameters
    ----------
    progress
        :func:`~loadwatch.shoes.mileage.shoe_progress`.
    shoes
        :func:`~loadwatch.shoes.known_shoes`.
    rule
        The ``shoe-mileage`` rule (bands in ``rule.unit``, miles).
    week_start
        ``"monday"``/``"sunday"`` or athlete → week start.
    units
        ``"km"``/``"mi"`` or athlete → unit: the distances in the message
        (``value`` and ``threshold`` are in ``rule.unit`` whatever the athlete's).

    A pair already past a line before its first run here is flagged on that
    first run, with only its highest band.
    """
    findings: list[Finding] = []
    # Pairs past the high line before these records: their first run gets the high only.
    past_high: set[tuple[str, str]] = set()
    for severity in ("high", "caution"):
        if math.isinf(rule.band(severity)):
            continue
        line = line_km(rule, severity)
        for row in crossings(progress, line).itertuples(index=False):
            key = (row.athlete, row.shoe)
            if severity == "caution" and row.already and key in past_high:
                continue
            if severity == "high" and row.already:
                past_high.add(key)
            info = shoes.get(row.athlete, {}).get(row.shoe, ShoeInfo(row.shoe))
            numbers, advice = _mileage_message(
                row, rule, severity, info, unit_of(units, row.athlete)
            )
            findings.append(
                _finding(
                    rule,
                    athlete=row.athlete,
                    day=pd.Timestamp(row.start_local).date(),
                    week_start=_week_start(week_start, row.athlete),
                    shoe=row.shoe,
                    severity=severity,
                    value=round(km_to(row.total_km, rule.unit), 1),
                    numbers=numbers,
                    advice=advice,
                )
            )
    return findings


def _drop(info: ShoeInfo | None) -> str:
    if info is None:
        return "unknown drop"
    parts = []
    if info.drop_mm is not None:
        parts.append(f"{info.drop_mm:g} mm drop")
    if info.minimalist:
        parts.append("minimalist")
    return ", ".join(parts) or "unknown drop"


def drop_change_findings(
    assignments: pd.DataFrame,
    shoes: Mapping[str, Mapping[str, ShoeInfo]],
    rule: Rule,
    *,
    week_start: str | Mapping[str, str] = "monday",
) -> list[Finding]:
    """``shoe-drop-change`` findings: a caution on the first run in a lower-drop pair.

    Parameters
    ----------
    assignments
        :func:`~loadwatch.shoes.assign_shoes`.
    shoes
        :func:`~loadwatch.shoes.known_shoes` (drop and ``minimalist`` per pair).
    rule
        The ``shoe-drop-change`` rule: band ``caution`` [mm lower], param ``lookback_days``.
    week_start
        ``"monday"``/``"sunday"`` or athlete → week start.

    Returns
    -------
    list of Finding
        :class:`ShoeFinding`; ``value`` is how much lower the new drop is [mm]
        (NaN for a minimalist pair of unknown drop), ``threshold`` the band.
    """
    lookback = timedelta(days=int(rule.param("lookback_days")))
    band = rule.band("caution")
    findings: list[Finding] = []
    runs = assignments[assignments["shoe"].notna()].sort_values(
        ["athlete", "start_local"], kind="stable"
    )
    for athlete, group in runs.groupby("athlete", sort=False):
        pairs = shoes.get(str(athlete), {})
        last_used: dict[str, pd.Timestamp] = {}
        # The runs of the last lookback_days only (runs come in start order), so a long
        # record with thousands of pairs is not runs x runs.
        history: deque[tuple[pd.Timestamp, str]] = deque()
        for row in group.itertuples(index=False):
            start = pd.Timestamp(row.start_local)
            while history and start - history[0][0] > lookback:
                history.popleft()
            new = pairs.get(row.shoe)
            fresh = row.shoe not in last_used or start - last_used[row.shoe] > lookback
            if fresh and new is not None and (new.drop_mm is not None or new.minimalist):
                before = {s for t, s in history if start - t <= lookback and s != row.shoe}
                old = [pairs[s] for s in before if s in pairs]
                drops = [p.drop_mm for p in old if p.drop_mm is not None]
                lower = min(drops) - new.drop_mm if drops and new.drop_mm is not None else math.nan
                minimalist = bool(new.minimalist and old and not any(p.minimalist for p in old))
                if (not math.isnan(lower) and lower >= band) or minimalist:
                    numbers, advice = _drop_message(
                        new, old, lower, start.date(), rule, last_used.get(row.shoe)
                    )
                    findings.append(
                        _finding(
                            rule,
                            athlete=str(athlete),
                            day=start.date(),
                            week_start=_week_start(week_start, str(athlete)),
                            shoe=row.shoe,
                            severity="caution",
                            value=round(lower, 1) if not math.isnan(lower) else math.nan,
                            numbers=numbers,
                            advice=advice,
                        )
                    )
            last_used[row.shoe] = start
            history.append((start, row.shoe))
    return findings


def _drop_message(
    new: ShoeInfo,
    old: list[ShoeInfo],
    lower: float,
    day: date,
    rule: Rule,
    last_used: pd.Timestamp | None,
) -> tuple[str, str]:
    """The line of numbers and the advice of a first run in a lower-drop pair.

    The advice's number is the rule's ``lookback_days`` as weeks: the time to bring
    the pair in over.
    """
    days = int(rule.param("lookback_days"))
    previous = ", ".join(f"{p.name} ({_drop(p)})" for p in sorted(old, key=lambda p: p.name))
    change = f": {lower:g} mm lower" if not math.isnan(lower) else ""
    if last_used is None:
        first = f"First run in {new.name} ({_drop(new)}) on {day}"
    else:
        gap = (pd.Timestamp(day) - last_used.normalize()).days
        first = f"Back in {new.name} ({_drop(new)}) on {day} after {gap} days without it"
    numbers = (
        f"{first}, after {previous} in the previous {days} days{change} (the caution line is "
        f"{rule.band('caution'):g} mm lower)."
    )
    advice = (
        f"Next {days // 7} weeks: bring the new pair in gradually, short easy runs in it at "
        "first and the long run and hard sessions in the old pair; ease off if the calf or "
        "Achilles stays sore the next morning."
    )
    return numbers, advice


def shoe_findings(
    result: ImportResult,
    rules: RuleSet | Mapping[str, Rule] | None = None,
    *,
    folders: Mapping[str, str | Path] | None = None,
    assignments: pd.DataFrame | None = None,
) -> list[Finding]:
    """Every ``shoe-mileage`` and ``shoe-drop-change`` finding of an import.

    Parameters
    ----------
    result
        An import (:func:`loadwatch.import_activities`); each athlete's
        ``week_start`` is used.
    rules
        A rule set holding both shoe rules; the packaged ``rules.toml`` by default.
    folders, assignments
        See :func:`~loadwatch.shoes.shoe_table`.

    Returns
    -------
    list of Finding
        :class:`ShoeFinding` objects (a ``Finding`` with ``shoe``), sorted by
        athlete, date and rule.
    """
    rules = rules if rules is not None else load_rules()
    sources = athlete_sources(result, folders)
    if assignments is None:
        assignments = assign_shoes(result, sources=sources)
    shoes = known_shoes(result, assignments, sources)
    week_start = {name: s.week_start for name, s in result.settings.items()}
    units = {name: s.units for name, s in result.settings.items()}
    findings = mileage_findings(
        shoe_progress(assignments, shoes),
        shoes,
        rules[MILEAGE_RULE],
        week_start=week_start,
        units=units,
    )
    findings += drop_change_findings(assignments, shoes, rules[DROP_RULE], week_start=week_start)
    return sorted(findings, key=lambda f: (f.athlete, f.date, f.rule, f.severity))
