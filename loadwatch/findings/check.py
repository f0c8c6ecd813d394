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
them beside their week; filter with :func:`alarms`. ``acute-chronic`` is context
even as a caution: shown beside the warning of its week, never counted as a warning
(:meth:`Findings.warnings`, ``check --fail-on``).

Each finding's ``message`` is a line of numbers followed by its ``advice`` (the
next step, with a number in the runner's unit); the rule's evidence sentence is
its own field, ``evidence_note``. In a coach's roster (more than one athlete) the
messages name the athlete instead of saying "you". :func:`open_findings` is what
the report calls open (``check --open``).

Rule ids (a public contract): ``weekly-increase``, ``long-run-spike``,
``acute-chronic``, ``hill-increase``, ``speedwork-increase``,
``return-from-layoff``, ``shoe-mileage``, ``shoe-drop-change`` (the shoe
rules need an import's settings and folders, so only :func:`check` runs them;
see :mod:`loadwatch.shoes`); notes: ``heat-note``, ``cross-training-note``,
``beginner-note``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import date

import numpy as np
import pandas as pd

from loadwatch.findings.collection import OPEN_DAYS, Findings
from loadwatch.findings.table import FINDING_FIELDS
from loadwatch.load import acwr, hills, layoff, long_run, notes, speedwork, weekly_increase
from loadwatch.load.weekly import WeekStart, weekly_table
from loadwatch.rules.ruleset import (
    SEVERITIES,
    Finding,
    RuleSet,
    load_rules,
)
from loadwatch.timeline.build import ImportResult, import_of
from loadwatch.timeline.source import as_import, attrs_athletes, timeline_alone_warning
from loadwatch.timeline.window import weeks_between
from loadwatch.units import Units

#: Columns of :func:`findings_frame`, in order (the same as ``check --json``).
FINDING_COLUMNS = FINDING_FIELDS

__all__ = [
    "FINDING_COLUMNS",
    "Findings",
    "alarms",
    "athlete_names",
    "check",
    "evaluate",
    "findings_frame",
    "import_until",
    "open_findings",
    "plan",
    "weekly_load",
]


def athlete_names(result: ImportResult) -> list[str]:
    """The athletes of an import: those the import found (or has settings for), then any
    other name in the timeline. More than one is a coach's roster."""
    names = list(result.report.athletes) or list(result.settings)
    for name in result.timeline["athlete"].dropna().unique():
        if name not in names:
            names.append(str(name))
    return names


def _week_starts_of(result: ImportResult) -> dict[str, str]:
    return {name: s.week_start for name, s in result.settings.items()}


def _units_of(result: ImportResult) -> dict[str, str]:
    return {name: s.units for name, s in result.settings.items()}


def _profiles_of(result: ImportResult) -> Mapping[str, np.ndarray] | None:
    return getattr(result, "profiles", None)


def _weeks(
    timeline: pd.DataFrame,
    laps: pd.DataFrame | None,
    profiles: Mapping[str, np.ndarray] | None,
    week_start: WeekStart,
    rules: RuleSet,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return speedwork.weeks_with_fast(timeline, laps, profiles, week_start, rules)


def _from_attrs(timeline: pd.DataFrame, key: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """Athlete → ``key`` (week start or units) from ``timeline.attrs``; else ``allowed[0]``."""
    known = attrs_athletes(timeline)
    out = {}
    for athlete in map(str, timeline["athlete"].unique()):
        info = known.get(athlete)
        value = info.get(key) if isinstance(info, Mapping) else None
        out[athlete] = value if value in allowed else allowed[0]
    return out


#: What :func:`check` and :func:`weekly_load` say to do with a timeline alone.
_ALONE_HINT = "pass the ImportResult (lw.import_activities(path)) for the full check"


def weekly_load(
    result: ImportResult | str | os.PathLike | pd.DataFrame,
    rules: RuleSet | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
) -> pd.DataFrame:
    """The weekly table of an import with ``fast_km`` and ``heat_s`` filled in.

    Uses each athlete's ``week_start``, the laps, and ``result.profiles``
    (speed profiles per activity) where the import provides them.

    Parameters
    ----------
    result
        An import (:func:`loadwatch.import_activities`), a path to import, or a
        timeline DataFrame (see :mod:`loadwatch.timeline.source`; a timeline whose
        import is gone gives ``fast_km`` NaN, with a :class:`UserWarning`).
    rules
        A rule set; the packaged ``rules.toml`` by default.
    since, until
        Keep the weeks with a day in ``[since, until]`` (local days), like
        ``loadwatch weeks --since/--until``; earlier runs still count as history.
    """
    rules = rules or load_rules()
    source = as_import(result, "weekly_load", timeline_ok=True)
    if isinstance(source, pd.DataFrame):
        named, _ = import_of(source)
        timeline_alone_warning(named, _ALONE_HINT, stacklevel=2)
        heat_c = float(rules["heat-note"].param("temperature_c"))
        starts = _from_attrs(source, "week_start", ("monday", "sunday"))
        weeks = weekly_table(source, starts, fast_km=None, heat_c=heat_c)
    else:
        weeks, _ = _weeks(
            source.timeline, source.laps, _profiles_of(source), _week_starts_of(source), rules
        )
    return weeks_between(weeks, since, until)


def evaluate(
    timeline: pd.DataFrame,
    laps: pd.DataFrame | None = None,
    profiles: Mapping[str, np.ndarray] | None = None,
    *,
    week_start: WeekStart = "monday",
    rules: RuleSet | None = None,
    units: Units = "km",
    roster: bool | None = None,
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
    units
        ``"km"``/``"mi"`` for everyone, or athlete → unit: the distances and paces
        in the messages (:mod:`loadwatch.units`). ``value`` and ``threshold`` stay
        in each rule's unit (km, %, m ...) whatever the athlete's.
    roster
        True for a coach's roster: messages name the athlete instead of saying
        "you". By default, True when ``timeline`` holds more than one athlete.

    Returns
    -------
    list of Finding
        Sorted by athlete, date, then severity (high first) and rule.
    """
    rules = rules or load_rules()
    if roster is None:
        roster = timeline["athlete"].nunique() > 1
    weeks, speeds = _weeks(timeline, laps, profiles, week_start, rules)
    returns = layoff.layoffs(timeline, rules[layoff.RULE_ID])

    findings: list[Finding] = []
    skip = layoff.in_return(weeks, returns)
    findings += weekly_increase.evaluate(weeks, rules, skip=skip, units=units, roster=roster)
    findings += long_run.evaluate(
        timeline, rules, week_start=week_start, units=units, roster=roster
    )
    findings += hills.evaluate(timeline, rules, week_start=week_start, units=units, roster=roster)
    findings += speedwork.evaluate(weeks, rules, speeds, units=units, roster=roster)
    findings += layoff.evaluate(timeline, rules, week_start=week_start, units=units, roster=roster)
    flagged = {(f.athlete, f.week_start) for f in findings if f.is_alarm}
    findings += acwr.evaluate(
        timeline,
        rules,
        week_start=week_start,
        flagged_weeks=flagged,
        layoffs=returns,
        units=units,
        roster=roster,
    )
    findings += notes.heat_notes(timeline, rules, week_start=week_start)
    findings += notes.cross_training_notes(timeline, rules, week_start=week_start)
    findings += notes.beginner_notes(timeline, rules, week_start=week_start, roster=roster)
    return _ordered(findings)


def _ordered(findings: Iterable[Finding]) -> Findings:
    order = {severity: i for i, severity in enumerate(reversed(SEVERITIES))}
    return Findings(sorted(findings, key=lambda f: (f.athlete, f.date, order[f.severity], f.rule)))


def check(
    result: ImportResult | str | os.PathLike | pd.DataFrame,
    rules: RuleSet | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
    notes: bool = True,
    units: str | None = None,
) -> Findings:
    """Every finding for an import (:func:`loadwatch.import_activities`).

    Uses the timeline, the laps, ``result.profiles`` where present and each
    athlete's ``week_start`` and ``units`` (the messages are in the athlete's
    unit); see :func:`evaluate`. Adds the shoe findings
    (:func:`loadwatch.shoes.shoe_findings`: ``shoe-mileage``, ``shoe-drop-change``).

    Parameters
    ----------
    result
        An import, a path to import, or a timeline DataFrame (its import is found
        through ``timeline.attrs``; where it is gone the speedwork and shoe rules
        are left out, with a :class:`UserWarning`). See :mod:`loadwatch.timeline.source`.
    rules
        A rule set; the packaged ``rules.toml`` by default.
    since, until
        Keep the findings dated in ``[since, until]`` (local days), like
        ``loadwatch check --since/--until``; earlier runs still count as history.
    notes
        ``False`` keeps only the alarms, like ``check --no-notes``.
    units
        ``"km"``/``"mi"``: every athlete's units, like ``--units``.

    Returns
    -------
    Findings
        A list of :class:`Finding` with the command line's filters
        (:class:`~loadwatch.findings.collection.Findings`).
    """
    rules = rules or load_rules()
    source = as_import(result, "check", units=units, timeline_ok=True)
    if isinstance(source, pd.DataFrame):
        named, _ = import_of(source)
        timeline_alone_warning(named, _ALONE_HINT, stacklevel=2)
        found = _ordered(
            evaluate(
                source,
                week_start=_from_attrs(source, "week_start", ("monday", "sunday")),
                rules=rules,
                units=units or _from_attrs(source, "units", ("km", "mi")),
                roster=source["athlete"].nunique() > 1,
            )
        )
    else:
        findings = evaluate(
            source.timeline,
            source.laps,
            _profiles_of(source),
            week_start=_week_starts_of(source),
            rules=rules,
            units=_units_of(source),
            roster=len(athlete_names(source)) > 1,
        )
        from loadwatch.shoes import shoe_findings  # the shoes' modules: only where checked

        found = _ordered([*findings, *shoe_findings(source, rules)])
    found = found.between(since, until)
    return found if notes else found.without_notes()


def plan(
    result: ImportResult | str | os.PathLike | pd.DataFrame,
    as_of: date | None = None,
    *,
    rules: RuleSet | None = None,
    units: str | None = None,
) -> pd.DataFrame:
    """The plan ahead, one row per athlete (:func:`loadwatch.load.plan.plan_table`).

    What the next run (``as_of`` + 1 day) and the week holding it can hold
    without a caution of the rules :func:`check` runs, with the columns of
    :data:`loadwatch.schema.PLAN` (``loadwatch plan --json``).

    Parameters
    ----------
    result
        An import, a path to import, or a timeline DataFrame (see :func:`check`).
    as_of
        The last local day whose activities count; by default the day of the
        latest activity of the whole import (a roster's "today").
    rules
        A rule set; the packaged ``rules.toml`` by default.
    units
        ``"km"``/``"mi"``: every athlete's units (the words of ``why`` and
        ``message``), like ``--units``.
    """
    from loadwatch.load.plan import plan_table  # the plan's own module: only for a plan

    rules = rules or load_rules()
    source = as_import(result, "plan", units=units, timeline_ok=True)
    if isinstance(source, pd.DataFrame):
        named, _ = import_of(source)
        timeline_alone_warning(named, _ALONE_HINT, stacklevel=2)
        return plan_table(
            source,
            as_of=as_of,
            week_start=_from_attrs(source, "week_start", ("monday", "sunday")),
            units=units or _from_attrs(source, "units", ("km", "mi")),
            rules=rules,
        )
    return plan_table(
        source.timeline,
        source.laps,
        _profiles_of(source),
        as_of=as_of,
        week_start=_week_starts_of(source),
        units=_units_of(source),
        rules=rules,
    )


def import_until(result: ImportResult, as_of: date) -> ImportResult:
    """The import as it stood at the end of the local day ``as_of``: later activities
    (and their laps and speed profiles) are left out."""
    keep = result.timeline["start_local"] < pd.Timestamp(as_of) + pd.Timedelta(days=1)
    timeline = result.timeline[keep].reset_index(drop=True)
    ids = set(timeline["activity_id"])
    laps = result.laps[result.laps["activity_id"].isin(ids)].reset_index(drop=True)
    profiles = {key: value for key, value in result.profiles.items() if key in ids}
    return ImportResult(timeline, laps, result.report, result.settings, profiles, result.exports)


def last_activity_day(timeline: pd.DataFrame) -> date | None:
    """The local day of the latest activity (a report's default date); None if none."""
    if timeline.empty or timeline["start_local"].isna().all():
        return None
    return pd.Timestamp(timeline["start_local"].max()).date()


def open_findings(
    result: ImportResult | str | os.PathLike,
    as_of: date | None = None,
    rules: RuleSet | None = None,
    *,
    days: int = OPEN_DAYS,
    units: str | None = None,
) -> Findings:
    """What the report calls open (``loadwatch check --open``).

    The import as it stood on ``as_of`` (:func:`import_until`; by default the day of
    its latest activity, like ``loadwatch report``) is checked, and
    :meth:`~loadwatch.findings.collection.Findings.open` keeps the warnings of the
    last ``days`` days (and the context finding of their weeks).

    Parameters
    ----------
    result
        An import or a path to import.
    as_of
        The report date (local day).
    rules
        A rule set; the packaged ``rules.toml`` by default.
    days
        The open window [days].
    units
        ``"km"``/``"mi"``: every athlete's units, like ``--units``.
    """
    source = as_import(result, "open_findings", units=units)
    assert isinstance(source, ImportResult)
    last = last_activity_day(source.timeline)
    if as_of is not None and last is not None and as_of < last:
        source = import_until(source, as_of)
    as_of = as_of or last
    return check(source, rules).open(as_of, days)


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
