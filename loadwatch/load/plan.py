"""Plan ahead: what the next run and the next week can hold without a caution.

For each athlete and a day ``as_of`` (the last local day whose activities count),
the plan gives the longest single run on ``as_of`` + 1 that raises no
``long-run-spike`` caution, the most running km the week holding ``as_of`` + 1
can hold without a ``weekly-increase`` caution (in a return after a layoff:
without a ``return-from-layoff`` caution), and the week's climbing and fast
running without a ``hill-increase`` / ``speedwork-increase`` caution.

The plan is computed by the rules' own code, not a second copy of their
arithmetic: a *probe* — a run of 0 km at the very end of ``as_of`` + 1 — is
added to the athlete's history and the rules' own reference functions
(:func:`loadwatch.load.long_run.long_run_reference`,
:func:`loadwatch.load.weekly_increase.weekly_change`,
:func:`loadwatch.load.hills.hill_change`,
:func:`loadwatch.load.speedwork.speedwork_change`,
:func:`loadwatch.load.layoff.return_windows`) say what that day and that week
are compared with; each rule's ``caution_line`` (its caution band and least
increase, which its own comparison uses) turns that into the number through
:func:`loadwatch.load.common.largest_within` (the rule's limit, stepped down until
the rule's comparison says the value is within it). The probe sits at the end of
the day, where the rule's 30-day window holds the fewest earlier runs, so the run
limit holds at any time of day.

Week limits are the week's *totals* (``week_km_so_far`` included). In a return
after a layoff the week's limit is what the ramp week (7 days from the first run
back) holding ``as_of`` + 1 still allows: the later ramp weeks allow more, so a week
within it keeps within every ramp week it touches. The whole ramp is given too
(``return_ramp``): each ramp week's start, its target (the rule's ``ramp_pct`` of
the pre-layoff weekly distance) and limit, the current one marked. An athlete
with no run for ``min_gap_days`` or more is planned as a return starting on
``as_of`` + 1 (the probe is then the first run back).

``coverage`` (:mod:`loadwatch.load.coverage`) says what the plan is judged on:
the runs counted, listed activities without a file, hand-typed entries and
days with no activity at all. A limit is a
line that keeps within a rule, not a guarantee: the rules' evidence ranges from
one cohort study to rules of thumb (each limit names its label).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from loadwatch.importers.exports.locate import ExportTables
from loadwatch.load import hills, layoff, long_run, speedwork, weekly_increase
from loadwatch.load.common import largest_within, rises_past, week_index
from loadwatch.load.coverage import coverage as coverage_of
from loadwatch.load.weekly import WeekStart, athlete_week_start, week_start_of
from loadwatch.rules.ruleset import RuleSet, load_rules
from loadwatch.schema import PLAN
from loadwatch.timeline.build import import_of
from loadwatch.units import Units, climb_text, distance_text, limit_text, unit_of

#: Values of the plan's ``phase``.
PHASES = ("no-history", "beginner", "return-from-layoff", "established")

#: Fields of ``loadwatch plan --json`` and columns of :func:`plan_table`, in order.
PLAN_FIELDS = PLAN.json_fields()

#: The ``activity_id`` of the probe run (never in a result).
PROBE_ID = "loadwatch-plan-probe"

#: Where on ``as_of`` + 1 the probe run starts: the last second of the day.
_PROBE_OFFSET = pd.Timedelta(days=1) - pd.Timedelta(seconds=1)

_PLAN_FLOATS = ("week_km_so_far", "week_km_max", "run_km_max", "ascent_m_max", "fast_km_max")


def default_as_of(timeline: pd.DataFrame) -> date | None:
    """The local day of the latest activity in ``timeline`` (every athlete); None if empty."""
    if timeline.empty:
        return None
    return pd.Timestamp(timeline["start_local"].max()).date()


def _limit(rule: str, field: str, value: float | None, unit: str, why: str) -> dict[str, Any]:
    return {"rule": rule, "field": field, "value": value, "unit": unit, "why": why}


def _with_probe(history: pd.DataFrame, day: pd.Timestamp) -> tuple[pd.DataFrame, int]:
    """``history`` (one athlete, at least one run) plus the probe run; the probe's label."""
    last_run = history.index[history["is_run"]][-1]
    probe = history.loc[[last_run]].copy()
    values = {
        "activity_id": PROBE_ID,
        "start_local": day + _PROBE_OFFSET,
        "is_run": True,
        "distance_km": 0.0,
        "duration_s": 0.0,
        "elapsed_s": 0.0,
        "ascent_m": 0.0,
        "descent_m": 0.0,
        "avg_temperature_c": np.nan,
        "max_temperature_c": np.nan,
    }
    for name, value in values.items():
        if name in probe.columns:
            probe[name] = value
    frame = pd.concat([history, probe], ignore_index=True)
    return frame, len(frame) - 1


def _return_ramp(frame: pd.DataFrame, day: pd.Timestamp, rules: RuleSet) -> list[dict[str, Any]]:
    """The ramp of the latest return that began by ``day``: one dict per ramp week.

    Each: ``step``, ``week_start`` (the first day of the 7-day ramp window),
    ``ramp_pct`` [%], ``target_km`` (``ramp_pct`` of the pre-layoff weekly distance)
    [km], ``limit_km`` (the target plus the caution band) [km], ``km_so_far`` run in
    it [km] and ``current`` (the window holds ``day``). Empty without a return.
    """
    windows = layoff.return_windows(frame, rules[layoff.RULE_ID])
    started = windows[windows["first_back"] <= day]
    if started.empty:
        return []
    ramp = started[started["first_back"] == started["first_back"].max()]
    return [
        {
            "step": int(row.step),
            "week_start": pd.Timestamp(row.window_start).date(),
            "ramp_pct": float(row.ramp_pct),
            "target_km": round(float(row.ramp_km), 3),
            "limit_km": round(float(row.limit_km), 3),
            "km_so_far": round(float(row.distance_km), 3),
            "current": bool(row.window_start <= day < row.window_start + pd.Timedelta(days=7)),
        }
        for row in ramp.itertuples(index=False)
    ]


def _reference_run_day(history: pd.DataFrame, distance_km: float) -> date | None:
    """The local day of the latest run of ``distance_km`` (the long-run reference)."""
    runs = history[history["is_run"] & np.isclose(history["distance_km"], distance_km)]
    return None if runs.empty else pd.Timestamp(runs["start_local"].max()).date()


def _run_limit(
    frame: pd.DataFrame, probe: int, history: pd.DataFrame, rules: RuleSet, unit: str
) -> dict[str, Any]:
    rule = rules[long_run.RULE_ID]
    ref = long_run.long_run_reference(frame, rule).loc[probe]
    window = int(rule.param("window_days"))
    if not ref["judged"]:
        if ref["history_days"] < rule.param("min_history_days"):
            why = (
                f"no base yet: runs in the first {rule.param('min_history_days'):.0f} days of "
                f"the records are not judged ({ref['history_days']:.0f} days so far)"
            )
        else:
            why = f"no base: no run in the previous {window} days to compare with"
        return _limit(rule.id, "run_km_max", None, "km", why)
    reference = float(ref["reference_km"])
    value = largest_within(reference, *long_run.caution_line(rule), 2)
    day = _reference_run_day(history, reference)
    on = f" on {day}" if day else ""
    if ref["rebuilding"]:
        what = (
            f"rebuilding after {ref['break_days']:.0f} days without running: longest run "
            f"since then or in the {window} days before the break"
        )
    else:
        what = f"longest run of the previous {window} days"
    why = (
        f"{what}: {distance_text(reference, unit)}{on}; a run more than "
        f"{rule.band('caution'):.0f}% longer is a caution"
    )
    return _limit(rule.id, "run_km_max", value, "km", why)


def _week_limit(
    weeks: pd.DataFrame,
    row: int,
    frame: pd.DataFrame,
    day: pd.Timestamp,
    rules: RuleSet,
    unit: str,
) -> tuple[dict[str, Any], bool]:
    """The week's distance limit, and whether the week is part of a return after a layoff."""
    lay = rules[layoff.RULE_ID]
    returns = layoff.layoffs(frame, lay)
    returning = bool(layoff.in_return(weeks, returns).loc[row])
    so_far = float(weeks.loc[row, "distance_km"])
    if returning:
        windows = layoff.return_windows(frame, lay)
        now = windows[
            (windows["window_start"] <= day)
            & (day < windows["window_start"] + pd.Timedelta(days=7))
        ]
        if now.empty:
            why = (
                "this week holds the end of a return after a layoff: weekly-increase does "
                "not judge it, and the return ramp is over"
            )
            return _limit(lay.id, "week_km_max", None, "km", why), True
        step = now.iloc[-1]
        left = max(float(step["limit_km"]) - float(step["distance_km"]), 0.0)
        value = math.floor((so_far + left) * 100 + 1e-9) / 100
        why = (
            f"return after {step['gap_days']} days without running: ramp week {step['step']} "
            f"(the 7 days from {pd.Timestamp(step['window_start']).date()}) is "
            f"{step['ramp_pct']:.0f}% of the {distance_text(step['pre_week_km'], unit)} a "
            f"week before the break, up to {limit_text(step['limit_km'], unit)} with "
            f"{distance_text(step['distance_km'], unit)} run so far"
            + ("; it is already at its limit" if left <= 0 else "")
        )
        return _limit(lay.id, "week_km_max", value, "km", why), True
    rule = rules[weekly_increase.RULE_ID]
    change = weekly_increase.weekly_change(weeks, rule).loc[row]
    if not change["judged"]:
        if change["week_index"] < rule.param("min_history_weeks"):
            why = (
                f"no base yet: the first {rule.param('min_history_weeks'):.0f} weeks of the "
                "records are not judged"
            )
        else:
            why = "no base: no running in the last weeks to compare with"
        return _limit(rule.id, "week_km_max", None, "km", why), False
    base = float(change["established_km"])
    value = largest_within(base, *weekly_increase.caution_line(rule), 2)
    why = (
        f"established load: {distance_text(base, unit)} a week (the larger of the last "
        f"{rule.param('recent_weeks')} weeks and the {rule.param('mean_weeks')}-week "
        f"average); a week more than {rule.band('caution'):.0f}% above it is a caution"
    )
    return _limit(rule.id, "week_km_max", value, "km", why), False


def _climb_limit(
    frame: pd.DataFrame, week_start: str, week: pd.Timestamp, rules: RuleSet, unit: str
) -> dict[str, Any]:
    rule = rules[hills.RULE_ID]
    change = hills.hill_change(hills.climbing_weeks(frame, week_start), rule)
    row = change[change["week_start"] == week].iloc[0]
    if not row["ascent_judged"]:
        why = (
            f"no base yet: the first {rule.param('min_history_weeks'):.0f} weeks of the "
            "records, or weeks whose files do not record climbing, are not judged"
        )
        return _limit(rule.id, "ascent_m_max", None, "m", why)
    usual = float(row["usual_ascent_m"])
    value = largest_within(usual, *hills.caution_line(rule), 0)
    why = (
        f"usual weekly climbing: {climb_text(usual, unit)}; a week that "
        f"{rises_past(rule.band('caution'))} it and adds at least "
        f"{climb_text(rule.param('min_increase_m'), unit)} is a caution"
    )
    return _limit(rule.id, "ascent_m_max", value, "m", why)


def _fast_limit(weeks: pd.DataFrame, row: int, rules: RuleSet, unit: str) -> dict[str, Any]:
    rule = rules[speedwork.RULE_ID]
    change = speedwork.speedwork_change(weeks, rule).loc[row]
    if not change["judged"]:
        why = (
            f"no base yet: the first {rule.param('min_history_weeks'):.0f} weeks of the "
            "records are not judged"
        )
        return _limit(rule.id, "fast_km_max", None, "km", why)
    usual = float(change["usual_fast_km"])
    value = largest_within(usual, *speedwork.caution_line(rule), 2)
    why = (
        f"usual weekly fast running: {distance_text(usual, unit)}; a week that "
        f"{rises_past(rule.band('caution'))} it and adds at least "
        f"{distance_text(rule.param('min_increase_km'), unit)} is a caution"
    )
    return _limit(rule.id, "fast_km_max", value, "km", why)


def _message(plan: Mapping[str, Any], rules: RuleSet, unit: str) -> str:
    """Two or three plain sentences naming each limit's rule and evidence label."""
    next_day = plan["as_of"] + timedelta(days=1)
    closing = "Each number is a line that keeps within a loadwatch rule, not a guarantee."
    if plan["phase"] == "no-history":
        return (
            f"No runs on record up to {plan['as_of']}: loadwatch has nothing to plan from "
            f"yet. {closing}"
        )

    def label(limit: Mapping[str, Any]) -> str:
        return f"{limit['rule']}; evidence: {rules[limit['rule']].evidence}"

    by_field = {limit["field"]: limit for limit in plan["limits"]}
    run = by_field["run_km_max"]
    if run["value"] is None:
        first = f"There is no run limit for {next_day} yet ({run['why']})."
    else:
        first = (
            f"On {next_day} a run of up to {limit_text(run['value'], unit)} keeps "
            f"within the long-run line ({label(run)})."
        )
    parts = []
    week = by_field["week_km_max"]
    if week["value"] is not None:
        parts.append(
            f"{limit_text(week['value'], unit)} of running "
            f"({distance_text(plan['week_km_so_far'], unit)} so far; {label(week)})"
        )
    climb = by_field["ascent_m_max"]
    if climb["value"] is not None:
        parts.append(f"{climb_text(climb['value'], unit)} of climbing ({label(climb)})")
    fast = by_field["fast_km_max"]
    if fast["value"] is not None:
        parts.append(f"{limit_text(fast['value'], unit)} of fast running ({label(fast)})")
    if parts:
        listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
        second = f"The week from {plan['week_start']} can hold up to {listed}."
    else:
        second = (
            f"The week from {plan['week_start']} has no limit yet: too little history for "
            "the weekly rules."
        )
    return f"{first} {second} {closing}"


def athlete_plan(
    timeline: pd.DataFrame,
    athlete: str,
    as_of: date,
    *,
    laps: pd.DataFrame | None = None,
    profiles: Mapping[str, np.ndarray] | None = None,
    week_start: str = "monday",
    unit: str = "km",
    rules: RuleSet | None = None,
    exports: ExportTables | None = None,
) -> dict[str, Any]:
    """The plan of one athlete: a dict with :data:`PLAN_FIELDS`.

    Parameters
    ----------
    timeline
        The activity timeline (any athletes; only ``athlete``'s activities on or
        before ``as_of`` count).
    athlete
        The athlete's name.
    as_of
        The last local day whose activities count; the plan is for the next day
        and the week holding it.
    laps, profiles
        The lap table and speed profiles, for fast running (as :func:`check`).
    week_start
        ``"monday"`` or ``"sunday"``.
    unit
        ``"km"`` or ``"mi"``: the words of ``why`` and ``message`` (the numbers
        stay in km and m).
    rules
        A rule set; the packaged ``rules.toml`` by default.
    exports
        The athlete's export tables (:attr:`ImportResult.exports`), for
        ``coverage``: listed activities without a file, hand-typed entries.
    """
    rules = rules or load_rules()
    day = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    week = week_start_of(pd.Series([day]), week_start).iloc[0]
    mine = timeline[timeline["athlete"] == athlete]
    history = mine[mine["start_local"].dt.normalize() <= pd.Timestamp(as_of)]
    plan: dict[str, Any] = {
        "athlete": athlete,
        "as_of": as_of,
        "week_start": week.date(),
        "week_km_so_far": 0.0,
        "return_ramp": [],
        "coverage": coverage_of(mine, as_of, exports, unit=unit),
    }
    if not history["is_run"].any():
        why = f"no runs on record up to {as_of}"
        limits = [
            _limit(long_run.RULE_ID, "run_km_max", None, "km", why),
            _limit(weekly_increase.RULE_ID, "week_km_max", None, "km", why),
            _limit(hills.RULE_ID, "ascent_m_max", None, "m", why),
            _limit(speedwork.RULE_ID, "fast_km_max", None, "km", why),
        ]
        phase = "no-history"
    else:
        frame, probe = _with_probe(history, day)
        weeks, _ = speedwork.weeks_with_fast(frame, laps, profiles, week_start, rules)
        row = weeks.index[weeks["week_start"] == week][0]
        plan["week_km_so_far"] = float(weeks.loc[row, "distance_km"])
        week_limit, returning = _week_limit(weeks, row, frame, day, rules, unit)
        limits = [
            _run_limit(frame, probe, history, rules, unit),
            week_limit,
            _climb_limit(frame, week_start, week, rules, unit),
            _fast_limit(weeks, row, rules, unit),
        ]
        on_record = int(week_index(weeks).loc[row])  # weeks before this one
        if returning:
            phase = "return-from-layoff"
            plan["return_ramp"] = _return_ramp(frame, day, rules)
        elif on_record < rules["beginner-note"].param("min_history_weeks"):
            phase = "beginner"
        else:
            phase = "established"
    by_field = {limit["field"]: limit["value"] for limit in limits}
    plan.update(
        week_km_max=by_field["week_km_max"],
        run_km_max=by_field["run_km_max"],
        ascent_m_max=by_field["ascent_m_max"],
        fast_km_max=by_field["fast_km_max"],
        phase=phase,
        limits=limits,
    )
    plan["message"] = _message(plan, rules, unit)
    return {name: plan[name] for name in PLAN_FIELDS}


def plan_table(
    timeline: pd.DataFrame,
    laps: pd.DataFrame | None = None,
    profiles: Mapping[str, np.ndarray] | None = None,
    *,
    as_of: date | None = None,
    week_start: WeekStart = "monday",
    units: Units = "km",
    rules: RuleSet | None = None,
    exports: Mapping[str, ExportTables] | None = None,
) -> pd.DataFrame:
    """One plan per athlete (:data:`loadwatch.schema.PLAN`), sorted by athlete.

    ``as_of`` defaults to the day of the latest activity of the whole timeline
    (a coach's "today" for a roster). ``week_start`` and ``units`` are one value
    for everyone or athlete → value. ``exports`` maps athlete → export tables
    (:attr:`ImportResult.exports`); by default those of the import the timeline
    came from, while it is in memory. See :func:`athlete_plan`.
    """
    rules = rules or load_rules()
    if exports is None:
        _, source = import_of(timeline)
        exports = source.exports if source is not None else {}
    as_of = as_of if as_of is not None else default_as_of(timeline)
    rows = []
    if as_of is not None:
        for athlete in sorted(map(str, timeline["athlete"].unique())):
            rows.append(
                athlete_plan(
                    timeline,
                    athlete,
                    as_of,
                    laps=laps,
                    profiles=profiles,
                    week_start=athlete_week_start(week_start, athlete),
                    unit=unit_of(units, athlete),
                    rules=rules,
                    exports=exports.get(athlete),
                )
            )
    frame = pd.DataFrame(rows, columns=list(PLAN_FIELDS))
    for name in ("as_of", "week_start"):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    for name in _PLAN_FLOATS:
        frame[name] = frame[name].astype("float64")
    for name in ("limits", "return_ramp", "coverage"):
        frame[name] = frame[name].astype(object)
    return frame


def _plain(value: Any) -> Any:
    """A JSON-ready value: NaN → None, floats to 3 decimals, timestamps and dates as ISO
    days, dicts and lists value by value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def ramp_line(step: Mapping[str, Any], unit: str = "km") -> str:
    """One ramp week in words: ``week 1 from 2026-05-04: 20.0 km (50%), now``."""
    now = ", now" if step["current"] else ""
    return (
        f"week {step['step']} from {step['week_start']}: "
        f"{distance_text(step['target_km'], unit)} ({step['ramp_pct']:.0f}%){now}"
    )


def plan_records(plans: pd.DataFrame, *, flat: bool = False) -> list[dict[str, Any]]:
    """JSON-ready dicts with :data:`PLAN_FIELDS` (ISO dates, ``null`` for no limit, numbers
    to 3 decimals).

    ``flat`` (for CSV) writes each limit as one text, ``rule field: why``, each ramp
    week as one text (:func:`ramp_line`, km) and the coverage as its note.
    """
    records = []
    for data in plans.to_dict("records"):
        record = {name: _plain(data[name]) for name in PLAN_FIELDS}
        if flat:
            record["limits"] = [f"{x['rule']} {x['field']}: {x['why']}" for x in record["limits"]]
            record["return_ramp"] = [ramp_line(step) for step in record["return_ramp"]]
            record["coverage"] = record["coverage"]["note"]
        records.append(record)
    return records


def _ramp_lines(ramp: list[Mapping[str, Any]], unit: str) -> list[str]:
    """The return ramp as a small calendar, the current week marked with ``>``."""
    if not ramp:
        return []
    lines = ["  return ramp (7-day weeks from the first run back):"]
    for step in ramp:
        mark = ">" if step["current"] else " "
        lines.append(
            f"  {mark} week {step['step']} from {step['week_start']}  "
            f"{distance_text(step['target_km'], unit):>9} ({step['ramp_pct']:.0f}%), "
            f"up to {limit_text(step['limit_km'], unit)} without a caution"
        )
    return lines


def plan_text(records: list[dict[str, Any]], units: Units = "km") -> str:
    """A short block per athlete: the phase, the four limits and the message."""
    blocks = []
    for r in records:
        unit = unit_of(units, r["athlete"])
        by_field = {limit["field"]: limit for limit in r["limits"]}

        def line(field: str, label: str, text: str | None, by: Mapping = by_field) -> str:
            limit = by[field]
            shown = f"up to {text}" if limit["value"] is not None else "no limit yet"
            return f"  {label:<10} {shown}  ({limit['rule']}: {limit['why']})"

        def km(field: str, r: Mapping = r, unit: str = unit) -> str | None:
            return limit_text(r[field], unit) if r[field] is not None else None

        ascent = r["ascent_m_max"]
        week_text = km("week_km_max")
        if week_text is not None:
            week_text += f", {distance_text(r['week_km_so_far'], unit)} so far"
        blocks.append(
            "\n".join(
                [
                    f"{r['athlete']}: plan after {r['as_of']} (phase: {r['phase']})",
                    line("run_km_max", "next run", km("run_km_max")),
                    line("week_km_max", "this week", week_text),
                    line(
                        "ascent_m_max",
                        "climbing",
                        climb_text(ascent, unit) if ascent is not None else None,
                    ),
                    line("fast_km_max", "fast", km("fast_km_max")),
                    *_ramp_lines(r["return_ramp"], unit),
                    f"  {'coverage':<10} {r['coverage']['note']}",
                    f"  {r['message']}",
                ]
            )
        )
    return "\n\n".join(blocks) if blocks else "No activities: nothing to plan."
