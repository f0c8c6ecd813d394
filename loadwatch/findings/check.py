"""The rules in one place: ``rules.toml`` and the code that evaluates it.

Every threshold lives once in ``loadwatch/rules/rules.toml`` (package data) with its
id, severity bands, published source and evidence label; the arithmetic is in
:mod:`loadwatch.load`, one module per topic. This module runs them all::

    import loadwatch as lw
    from loadwatch.findings.check import check, findings_frame

    result = lw.import_activities("sample_data/")
    findings = check(result)            # list of Finding, alarms and notes
    frame = findings_frame(findings)    # the same as a DataFrame

Severities: ``caution`` and ``high`` are alarms; ``note`` is context (runs in
the heat, cross-training, beginner advice, and an acute:chronic ratio in a
week no other rule flagged). Notes are in the same list, so a report can show
them beside their week; filter with :func:`alarms`.

Rule ids (a public contract): ``weekly-increase``, ``long-run-spike``,
``acute-chronic``, ``hill-increase``, ``speedwork-increase``,
``return-from-layoff``, ``shoe-mileage``, ``shoe-drop-change`` (the shoe
rules need an import's settings and folders, so only :func:`check` runs them;
see :mod:`loadwatch.shoes`); notes: ``heat-note``, ``cross-training-note``,
``beginner-note``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from loadwatch.findings.table import FINDING_FIELDS
from loadwatch.load import acwr, hills, layoff, long_run, notes, speedwork, weekly_increase
from loadwatch.load.weekly import WeekStart, weekly_table
from loadwatch.rules.ruleset import (
    ALARMS,
    EVIDENCE_LABELS,
    NOTE_IDS,
    RULE_IDS,
    SEVERITIES,
    Finding,
    Rule,
    RuleSet,
    load_rules,
    parse_rules,
)
from loadwatch.shoes import shoe_findings

if TYPE_CHECKING:
    from loadwatch.timeline.build import ImportResult

#: Columns of :func:`findings_frame`, in order (the same as ``check --json``).
FINDING_COLUMNS = FINDING_FIELDS

__all__ = [
    "ALARMS",
    "EVIDENCE_LABELS",
    "FINDING_COLUMNS",
    "NOTE_IDS",
    "RULE_IDS",
    "SEVERITIES",
    "Finding",
    "Rule",
    "RuleSet",
    "alarms",
    "check",
    "evaluate",
    "findings_frame",
    "load_rules",
    "parse_rules",
    "weekly_load",
]


def _week_starts_of(result: ImportResult) -> dict[str, str]:
    return {name: s.week_start for name, s in result.settings.items()}


def _profiles_of(result: ImportResult) -> Mapping[str, np.ndarray] | None:
    return getattr(result, "profiles", None)


def _weeks(
    timeline: pd.DataFrame,
    laps: pd.DataFrame | None,
    profiles: Mapping[str, np.ndarray] | None,
    week_start: WeekStart,
    rules: RuleSet,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    speeds = speedwork.run_speeds(timeline, laps, profiles, rules[speedwork.RULE_ID])
    fast = speeds["fast_km"].reindex(timeline.index).where(timeline["is_run"], 0.0)
    heat_c = float(rules["heat-note"].param("temperature_c"))
    weeks = weekly_table(timeline, week_start, fast_km=fast, heat_c=heat_c)
    return weeks, speeds


def weekly_load(result: ImportResult, rules: RuleSet | None = None) -> pd.DataFrame:
    """The weekly table of an import with ``fast_km`` and ``heat_s`` filled in.

    Uses each athlete's ``week_start``, the laps, and ``result.profiles``
    (speed profiles per activity) where the import provides them.
    """
    rules = rules or load_rules()
    weeks, _ = _weeks(
        result.timeline, result.laps, _profiles_of(result), _week_starts_of(result), rules
    )
    return weeks


def evaluate(
    timeline: pd.DataFrame,
    laps: pd.DataFrame | None = None,
    profiles: Mapping[str, np.ndarray] | None = None,
    *,
    week_start: WeekStart = "monday",
    rules: RuleSet | None = None,
) -> list[Finding]:
    """Every finding for a timeline: alarms and notes, sorted by athlete and date.

    Parameters
    ----------
    timeline
        The activity timeline (:data:`loadwatch.timeline.build.COLUMNS`).
    laps
        The lap table (:data:`loadwatch.timeline.build.LAP_COLUMNS`), for interval laps.
    profiles
        Speed profile per ``activity_id`` (:func:`loadwatch.importers.streams.speed_profile`),
        for fast running found in the speed stream (FIT without workout laps, GPX).
    week_start
        ``"monday"``/``"sunday"`` for everyone, or athlete → week start.
    rules
        A rule set; the packaged ``rules.toml`` by default.

    Returns
    -------
    list of Finding
        Sorted by athlete, date, then severity (high first) and rule.
    """
    rules = rules or load_rules()
    weeks, speeds = _weeks(timeline, laps, profiles, week_start, rules)
    returns = layoff.layoffs(timeline, rules[layoff.RULE_ID])

    findings: list[Finding] = []
    findings += weekly_increase.evaluate(weeks, rules, skip=layoff.in_return(weeks, returns))
    findings += long_run.evaluate(timeline, rules, week_start=week_start)
    findings += hills.evaluate(timeline, rules, week_start=week_start)
    findings += speedwork.evaluate(weeks, rules, speeds)
    findings += layoff.evaluate(timeline, rules, week_start=week_start)
    flagged = {(f.athlete, f.week_start) for f in findings if f.is_alarm}
    findings += acwr.evaluate(
        timeline, rules, week_start=week_start, flagged_weeks=flagged, layoffs=returns
    )
    findings += notes.heat_notes(timeline, rules, week_start=week_start)
    findings += notes.cross_training_notes(timeline, rules, week_start=week_start)
    findings += notes.beginner_notes(timeline, rules, week_start=week_start)
    return _ordered(findings)


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    order = {severity: i for i, severity in enumerate(reversed(SEVERITIES))}
    return sorted(findings, key=lambda f: (f.athlete, f.date, order[f.severity], f.rule))


def check(result: ImportResult, rules: RuleSet | None = None) -> list[Finding]:
    """Every finding for an import (:func:`loadwatch.import_activities`).

    Uses the timeline, the laps, ``result.profiles`` where present and each
    athlete's ``week_start``; see :func:`evaluate`. Adds the shoe findings
    (:func:`loadwatch.shoes.shoe_findings`: ``shoe-mileage``, ``shoe-drop-change``).
    """
    rules = rules or load_rules()
    findings = evaluate(
        result.timeline,
        result.laps,
        _profiles_of(result),
        week_start=_week_starts_of(result),
        rules=rules,
    )
    return _ordered([*findings, *shoe_findings(result, rules)])


def alarms(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that are alarms (caution or high), without the notes."""
    return [f for f in findings if f.is_alarm]


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame with :data:`FINDING_COLUMNS`.

    ``date`` and ``week_start`` are ``datetime64`` (local midnight).
    """
    frame = pd.DataFrame(
        [[getattr(f, c) for c in FINDING_COLUMNS] for f in findings],
        columns=list(FINDING_COLUMNS),
    )
    for column in ("date", "week_start"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    for column in ("value", "threshold"):
        frame[column] = frame[column].astype("float64")
    return frame
