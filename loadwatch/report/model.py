"""What a report says, computed once: per athlete, the latest week, open findings, shoes due.

:func:`build_report_data` runs the engine (weekly table, findings, the chart
tables of :mod:`loadwatch.report.frames`, the shoe table where available) and
splits everything by athlete. The terminal summary, the HTML report and the
coach's roster index all read the same :class:`ReportData`, so they agree.

*Open* findings are the warnings (caution or high, not context) dated within
:data:`OPEN_DAYS` days of the report date, or later (a weekly finding is dated
on the last day of its week): the finding's week and the week after it, which
its advice is about. :meth:`loadwatch.findings.collection.Findings.open` is the one
definition, shared with ``loadwatch check --open``. An ``acute-chronic`` finding
(context only) is shown beside the warning of its week, never counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from loadwatch.findings.check import athlete_names, check, import_until, weekly_load
from loadwatch.findings.collection import OPEN_DAYS, Findings
from loadwatch.findings.injuries import read_injuries
from loadwatch.load.daily import daily_table
from loadwatch.load.plan import plan_records, plan_table
from loadwatch.load.weekly import week_start_of
from loadwatch.report import frames
from loadwatch.rules.ruleset import SEVERITIES, Finding, Rule, RuleSet, load_rules
from loadwatch.timeline.build import ImportResult
from loadwatch.timeline.settings import AthleteSettings
from loadwatch.units import KM_PER_MI, distance_text

__all__ = [
    "KM_PER_MI",
    "OPEN_DAYS",
    "AthleteView",
    "ReportData",
    "advice",
    "build_report_data",
    "distance",
    "numbers",
    "until",
]


def distance(value_km: float | None, units: str, digits: int = 1) -> str:
    """``43.5 km`` or ``27.0 mi`` from a distance in km; ``-`` for a missing value.

    :func:`loadwatch.units.distance_text` under the name the report modules use
    (``KM_PER_MI`` is likewise :data:`loadwatch.units.KM_PER_MI`).
    """
    return distance_text(value_km, units, digits)


def advice(finding: Finding) -> str:
    """What to do next: the finding's :attr:`~loadwatch.rules.ruleset.Finding.advice`."""
    return finding.advice


def numbers(finding: Finding) -> str:
    """What happened, with the value and the line: the message without its advice."""
    return finding.numbers


@dataclass
class AthleteView:
    """Everything the report shows about one athlete.

    Attributes
    ----------
    name
        Athlete name (from ``loadwatch.toml`` or the folder; untrusted text).
    settings
        The athlete's settings (``units``, ``week_start``, shoes).
    timeline
        This athlete's activities (all sports).
    weeks
        Weekly table (:func:`loadwatch.weekly_load`).
    bands, runs, ratio, climbing, fast
        Chart tables (:mod:`loadwatch.report.frames`) for this athlete.
    shoes
        Shoe table rows, or None where shoe tracking is unavailable.
    daily
        Every day up to ``as_of`` with rolling sums
        (:func:`loadwatch.load.daily.daily_table`): the weekly chart's rolling line.
    findings
        Every finding (alarms and notes), by date.
    open_findings
        The open alarms (see the module docstring), high first.
    as_of
        Report date (local day); None where the import holds no activity.
    plan
        The plan ahead for ``as_of`` + 1 and its week, as ``loadwatch plan --json``
        gives it (:func:`loadwatch.load.plan.plan_records`; ISO dates, km); None
        without a report date. The "Next 7 days" of every view.
    inactive_days
        Days from the last run to ``as_of`` where they reach the layoff gap of
        ``return-from-layoff`` (``min_gap_days``): the athlete is inactive and the
        plan is the return ramp; None otherwise (and for an athlete with no run).
    """

    name: str
    settings: AthleteSettings
    timeline: pd.DataFrame
    weeks: pd.DataFrame
    bands: pd.DataFrame
    runs: pd.DataFrame
    ratio: pd.DataFrame
    climbing: pd.DataFrame
    fast: pd.DataFrame
    shoes: pd.DataFrame | None
    findings: list[Finding]
    open_findings: list[Finding]
    as_of: date | None
    daily: pd.DataFrame | None = None
    plan: dict[str, Any] | None = None
    inactive_days: int | None = None

    @property
    def units(self) -> str:
        """``km`` or ``mi`` (the athlete's setting) for text and charts."""
        return self.settings.units

    @property
    def alarms(self) -> list[Finding]:
        """Every warning (caution and high, not context), by date."""
        return Findings(self.findings).warnings()

    @property
    def notes(self) -> list[Finding]:
        """Every note (context, never an alarm), by date."""
        return [f for f in self.findings if not f.is_alarm]

    def context_of(self, finding: Finding) -> list[Finding]:
        """The context findings (``acute-chronic``) of ``finding``'s week, shown beside it."""
        return Findings(self.findings).context_of(finding)

    def count(self, severity: str, *, open_only: bool = True) -> int:
        """Number of warnings of ``severity`` (open ones by default); a context finding
        (``acute-chronic``) is never counted."""
        pool = self.open_findings if open_only else Findings(self.findings).warnings()
        return sum(f.severity == severity for f in pool)

    @property
    def level(self) -> str:
        """``high``, ``caution`` or ``ok``: the worst open finding."""
        for severity in ("high", "caution"):
            if self.count(severity):
                return severity
        return "ok"

    @property
    def status(self) -> str:
        """:attr:`level`, or ``inactive`` for an athlete with no open warning and no run
        for :attr:`inactive_days` (never shown as fine)."""
        level = self.level
        return "inactive" if level == "ok" and self.inactive_days is not None else level

    def risk_key(self) -> tuple:
        """Sort key, riskiest first: open high, open caution, inactive, then all high and
        caution."""
        return (
            -self.count("high"),
            -self.count("caution"),
            self.inactive_days is None,
            -self.count("high", open_only=False),
            -self.count("caution", open_only=False),
            self.name.casefold(),
        )

    def week(self, week_start: pd.Timestamp) -> dict[str, Any]:
        """One week: ``week_start`` (date), ``complete`` (ended by the report date),
        ``distance_km``, ``runs``, ``longest_run_km``, ``established_km`` [km],
        ``change_pct`` [%] and ``judged`` (by weekly-increase). A week without a row
        in the weekly table (after the last run) has distance 0."""
        rows = self.bands[self.bands["week_start"] == week_start]
        weekly = self.weeks[self.weeks["week_start"] == week_start]
        out: dict[str, Any] = {
            "week_start": week_start.date(),
            "complete": self.as_of is None
            or self.as_of >= (week_start + pd.Timedelta(days=6)).date(),
            "distance_km": 0.0,
            "runs": 0,
            "longest_run_km": 0.0,
            "established_km": float("nan"),
            "change_pct": float("nan"),
            "judged": False,
        }
        if not weekly.empty:
            row = weekly.iloc[0]
            out.update(
                distance_km=float(row["distance_km"]),
                runs=int(row["runs"]),
                longest_run_km=float(row["longest_run_km"]),
            )
        if not rows.empty:
            row = rows.iloc[0]
            out.update(
                established_km=float(row["established_km"]),
                change_pct=float(row["change_pct"]),
                judged=bool(row["judged"]),
            )
        return out

    def latest_week(self) -> dict[str, Any] | None:
        """The week holding :attr:`as_of` (see :meth:`week`); None without a report date."""
        if self.as_of is None:
            return None
        start = week_start_of(pd.Series([pd.Timestamp(self.as_of)]), self.settings.week_start)
        return self.week(start.iloc[0])

    def last_full_week(self) -> dict[str, Any] | None:
        """The latest week that has ended by the report date (see :meth:`week`)."""
        latest = self.latest_week()
        if latest is None or latest["complete"]:
            return latest
        return self.week(pd.Timestamp(latest["week_start"]) - pd.Timedelta(days=7))

    def open_by_rule(self) -> list[tuple[Finding, date, int]]:
        """The open findings grouped by rule: ``(latest finding, since, how many)``.

        Ordered by the worst severity in each group (high first), then the latest date.
        """
        order = {s: i for i, s in enumerate(SEVERITIES)}
        groups: dict[str, list[Finding]] = {}
        for finding in self.open_findings:
            groups.setdefault(finding.rule, []).append(finding)
        out = []
        for group in groups.values():
            latest = max(group, key=lambda f: f.date)
            out.append((latest, self.since(latest), len(group)))
        worst = {rule: max(order[f.severity] for f in group) for rule, group in groups.items()}
        out.sort(key=lambda item: (-worst[item[0].rule], -item[0].date.toordinal()))
        return out

    def since(self, finding: Finding) -> date:
        """The first date of the run of ``finding.rule`` findings that leads to ``finding``.

        Findings of the same rule less than :data:`OPEN_DAYS` apart are one run
        ("since the week of …").
        """
        dates = sorted(
            f.date for f in self.alarms if f.rule == finding.rule and f.date <= finding.date
        )
        first = finding.date
        for day in reversed(dates):
            if (first - day).days <= OPEN_DAYS:
                first = day
            else:
                break
        return first

    def shoes_due(self) -> pd.DataFrame | None:
        """Pairs in use (``in_use``) at or past the first reminder line, most worn first.

        None where shoe tracking is unavailable.
        """
        if self.shoes is None:
            return None
        table = self.shoes
        due = table[table["in_use"] & table["status"].isin(["caution", "high"])]
        return due.sort_values("distance_mi", ascending=False)


@dataclass
class ReportData:
    """A whole report: the athletes (riskiest first), the rules and the import."""

    athletes: list[AthleteView]
    rules: RuleSet
    result: ImportResult
    as_of: date | None
    findings: list[Finding] = field(default_factory=list)
    #: Logged injuries (``injuries.csv``) of every athlete; None where there are none.
    injuries: pd.DataFrame | None = None
    #: Lines of ``injuries.csv`` left out (a bad date or area), one message each.
    injury_problems: list[str] = field(default_factory=list)
    #: The plan ahead of every athlete (:func:`loadwatch.load.plan.plan_table`), computed
    #: once; each view's :attr:`AthleteView.plan` is its row. None without a report date.
    plans: pd.DataFrame | None = None

    @property
    def is_roster(self) -> bool:
        """More than one athlete: the report has an index table."""
        return len(self.athletes) > 1

    def rule(self, rule_id: str) -> Rule | None:
        """The rule ``rule_id``, or None for a rule this rule set does not hold."""
        return self.rules.get(rule_id)

    def title(self, rule_id: str) -> str:
        """A rule's title, or its id made readable where the rule set lacks it."""
        rule = self.rule(rule_id)
        return rule.title if rule is not None else rule_id.replace("-", " ").capitalize()


def _report_date(timeline: pd.DataFrame) -> date | None:
    if timeline.empty or timeline["start_local"].isna().all():
        return None
    return pd.Timestamp(timeline["start_local"].max()).date()


def _mine(frame: pd.DataFrame | None, name: str) -> pd.DataFrame | None:
    if frame is None:
        return None
    return frame[frame["athlete"] == name].reset_index(drop=True)


def _names(result: ImportResult) -> list[str]:
    return athlete_names(result)


def until(result: ImportResult, as_of: date) -> ImportResult:
    """The import as it stood at the end of the local day ``as_of``: later activities
    (and their laps and speed profiles) are left out
    (:func:`loadwatch.findings.check.import_until`)."""
    return import_until(result, as_of)


def build_report_data(
    result: ImportResult,
    findings: list[Finding] | None = None,
    rules: RuleSet | None = None,
    *,
    as_of: date | None = None,
) -> ReportData:
    """Compute everything a report shows.

    Parameters
    ----------
    result
        An import (:func:`loadwatch.import_activities`).
    findings
        :func:`loadwatch.check` of ``result``; computed when None.
    rules
        The rule set; the packaged ``rules.toml`` when None.
    as_of
        The report date (local day); by default the day of the last activity in the
        import, so a report of old files describes their last week, not today. An
        earlier date gives the report as it stood then: later activities are left
        out and the findings are computed again from the rest (``findings`` is not
        used).

    Returns
    -------
    ReportData
        Athletes sorted riskiest first (:meth:`AthleteView.risk_key`).
    """
    rules = rules or load_rules()
    last = _report_date(result.timeline)
    if as_of is not None and last is not None and as_of < last:
        result, findings = until(result, as_of), None
    if findings is None:
        findings = check(result, rules)
    timeline = result.timeline
    week_start = {name: s.week_start for name, s in result.settings.items()}
    weeks = weekly_load(result, rules)
    tables = {
        "bands": frames.weekly_bands(weeks, timeline, rules),
        "runs": frames.long_runs(timeline, rules),
        "ratio": frames.daily_ratio(timeline, rules),
        "climbing": frames.climbing(timeline, rules, week_start),
        "fast": frames.fast_weeks(weeks, rules),
    }
    as_of = as_of or last
    daily = daily_table(timeline, as_of=as_of, rules=rules)
    shoe_frame = frames.shoes(result, rules, as_of)
    plans = None
    if as_of is not None:
        plans = plan_table(
            timeline,
            result.laps,
            result.profiles,
            as_of=as_of,
            week_start=week_start,
            units={name: s.units for name, s in result.settings.items()},
            rules=rules,
            exports=result.exports,
        )
    plan_of = {r["athlete"]: r for r in plan_records(plans)} if plans is not None else {}
    gap_days = int(rules["return-from-layoff"].param("min_gap_days"))
    order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    athletes = []
    for name in _names(result):
        mine = [f for f in findings if f.athlete == name]
        open_findings = Findings(mine).open(as_of).warnings()
        open_findings.sort(key=lambda f: (order[f.severity], f.date))
        athletes.append(
            AthleteView(
                name=name,
                settings=result.settings.get(name, AthleteSettings(name=name)),
                timeline=_mine(timeline, name),
                weeks=_mine(weeks, name),
                shoes=_mine(shoe_frame, name),
                findings=mine,
                open_findings=open_findings,
                as_of=as_of,
                daily=_mine(daily, name),
                plan=plan_of.get(name),
                inactive_days=_inactive_days(timeline, name, as_of, gap_days),
                **{key: _mine(frame, name) for key, frame in tables.items()},
            )
        )
    athletes.sort(key=AthleteView.risk_key)
    # One bad line of an injury log is named, not allowed to stop the report.
    injuries = read_injuries(result, skip_bad_lines=True)
    return ReportData(
        athletes=athletes,
        rules=rules,
        result=result,
        as_of=as_of,
        findings=findings,
        injuries=None if injuries.empty else injuries,
        injury_problems=list(injuries.attrs.get("problems", [])),
        plans=plans,
    )


def _inactive_days(
    timeline: pd.DataFrame, name: str, as_of: date | None, gap_days: int
) -> int | None:
    """Days from ``name``'s last run to ``as_of`` if at least ``gap_days``, else None."""
    runs = timeline[(timeline["athlete"] == name) & timeline["is_run"]]
    if as_of is None or runs.empty:
        return None
    days = (as_of - pd.Timestamp(runs["start_local"].max()).date()).days
    return days if days >= gap_days else None


def slug(text: str) -> str:
    """A safe HTML id fragment: lower-case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "athlete"
