"""The short terminal summary of ``loadwatch report``: a runner reads it in ten seconds.

For one athlete (at most 25 lines): "Next 7 days" first
(:func:`loadwatch.report.next_days.next_days_lines`: the plan's limits, the phase,
a return ramp, shoes about to pass a line, holes in the records), then the latest
week, the open warnings by severity with since when, what to do this week, the
earlier record, shoes due and the one-line red flags. For a
roster: one line per athlete, riskiest first (an athlete without a run for weeks
as *inactive N days*, above the athletes without warnings), with the last
activity and the next-run and week limits, at most
:data:`~loadwatch.report.limits.ROSTER_LINES_MAX`. Names are cleaned of control
characters and cut to their column with an ellipsis
(:func:`loadwatch.safe_text.name_cell`). The full explanation of every
finding is in the HTML report.
"""

from __future__ import annotations

import textwrap
from datetime import date

import pandas as pd

from loadwatch.load.common import pct
from loadwatch.report import medical
from loadwatch.report.limits import (
    NAME_CHARS,
    ROSTER_LINES_MAX,
    SHOES_COMMAND,
    SHOES_DUE_MAX,
    clean,
    more,
)
from loadwatch.report.model import (
    OPEN_DAYS,
    AthleteView,
    ReportData,
    build_report_data,
    distance,
)
from loadwatch.report.next_days import next_days_lines
from loadwatch.report.roster import index_rows
from loadwatch.rules.ruleset import Finding, RuleSet
from loadwatch.safe_text import name_cell
from loadwatch.timeline.build import ImportResult
from loadwatch.units import limit_text

#: Width of the summary [characters].
WIDTH = 88
#: Open warnings listed before "and N more" (each: a title, a line of numbers, the advice).
MAX_OPEN_LINES = 3

__all__ = [
    "WIDTH",
    "open_line",
    "summary_from_data",
    "summary_text",
    "this_week",
    "warning_lines",
    "week_lines",
]

_MARK = {"high": "HIGH", "caution": "CAUTION", "ok": "ok"}


def _clip(text: str, width: int = WIDTH) -> str:
    """``text`` cut to ``width`` characters with ``…`` (spacing kept, unlike textwrap)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def week_lines(view: AthleteView) -> list[str]:
    """The latest week in words; an unfinished week is followed by the last full one."""
    latest = view.latest_week()
    if latest is None:
        return ["No activities."]
    lines = []
    if not latest["complete"]:
        lines.append(
            f"This week so far (from {latest['week_start']}): "
            f"{distance(latest['distance_km'], view.units)} in {_count(latest['runs'], 'run')}."
        )
    week = view.last_full_week()
    assert week is not None  # there is a latest week
    label = "Latest week" if latest["complete"] else "Last week"
    line = (
        f"{label} (from {week['week_start']}): "
        f"{distance(week['distance_km'], view.units)} in {_count(week['runs'], 'run')}"
    )
    if week["judged"] and pd.notna(week["change_pct"]):
        line += (
            f", {pct(week['change_pct'])} on the established "
            f"{distance(week['established_km'], view.units)}"
        )
    lines.append(line + f"; longest run {distance(week['longest_run_km'], view.units)}.")
    return lines


def open_line(finding: Finding, since: date, count: int, title: str) -> str:
    """``weekly-increase: Weekly distance rose quickly, since 2026-07-06 (2 findings)``."""
    when = f"since {since}" if since < finding.date else f"{finding.date}"
    more = f" ({count} findings)" if count > 1 else ""
    return f"{title}, {when}{more}"


def this_week(view: AthleteView, limit: int = 2) -> list[str]:
    """The advice of the open warnings (the latest of each rule), most severe first."""
    advice: list[str] = []
    for finding, _since, _count in view.open_by_rule():
        text = finding.advice
        if text and text not in advice:
            advice.append(text[0].upper() + text[1:])
    return advice[:limit]


def warning_lines(view: AthleteView, finding: Finding, width: int = WIDTH) -> list[str]:
    """The lines under an open warning's title: its numbers and its advice, each wrapped
    to ``width`` on at most two lines, and the context finding of its week (the
    acute:chronic ratio) where there is one."""
    indent = " " * 11

    def wrapped(text: str, first: str, rest: str) -> list[str]:
        return textwrap.wrap(
            text,
            width,
            initial_indent=first,
            subsequent_indent=rest,
            max_lines=2,
            placeholder=" …",
        )

    lines = wrapped(finding.numbers, indent, indent)
    lines += wrapped(finding.advice, indent + "→ ", indent + "  ")
    context = [c for c in view.context_of(finding) if c.is_alarm]
    if context:
        shown = ", ".join(f"{c.rule} {c.value:g}" for c in context)
        lines.append(_clip(f"{indent}context, not counted: {shown}", width))
    return lines


def _shoes(view: AthleteView) -> str | None:
    due = view.shoes_due()
    if due is None:
        return None
    if due.empty:
        return "Shoes due: none."
    pairs = ", ".join(
        f"{clean(row.shoe, NAME_CHARS)} {distance(row.distance_km, view.units, 0)}"
        f" (past {'500' if row.status == 'high' else '300'} mi)"
        for row in due.head(SHOES_DUE_MAX).itertuples(index=False)
    )
    if len(due) > 1:
        return _clip(f"Shoes due ({len(due)}, see `{SHOES_COMMAND}`): {pairs}.")
    return _clip(f"Shoes due: {pairs}.")


def _athlete_lines(view: AthleteView, data: ReportData) -> list[str]:
    lines = week_lines(view)
    if view.open_findings:
        counts = ", ".join(f"{view.count(s)} {s}" for s in ("high", "caution") if view.count(s))
        lines.append(f"Open warnings (last {OPEN_DAYS} days): {counts}")
        groups = view.open_by_rule()
        for finding, since, count in groups[:MAX_OPEN_LINES]:
            text = f"{finding.rule}: {open_line(finding, since, count, data.title(finding.rule))}"
            lines.append(_clip(f"  {_MARK[finding.severity]:<8} {text}"))
            lines += warning_lines(view, finding)
        if len(groups) > MAX_OPEN_LINES:
            lines.append(f"  … and {len(groups) - MAX_OPEN_LINES} more")
    else:
        lines.append(f"Open warnings (last {OPEN_DAYS} days): none.")
    if view.alarms:
        first: date = min(f.date for f in view.alarms)
        lines.append(
            f"On record: {_count(len(view.alarms), 'warning')} since {first} "
            f"({view.count('high', open_only=False)} high, "
            f"{view.count('caution', open_only=False)} caution) and "
            f"{_count(len(view.notes), 'note')}."
        )
    shoes = _shoes(view)
    if shoes:
        lines.append(shoes)
    return lines


#: Width of the athlete column of the roster table [characters].
ROSTER_NAME_CHARS = 16


def _roster_lines(data: ReportData) -> list[str]:
    """The roster table: status, athlete, last activity, open warnings (high/caution),
    the plan's next-run and week limits, shoes due; one line each, riskiest first."""
    lines = [
        f"{'':<16} {'athlete':<{ROSTER_NAME_CHARS}} {'last':<10} {'open h/c':>8} "
        f"{'next run':>9} {'week max':>9}  shoes due"
    ]
    rows = index_rows(data)
    for row in rows[:ROSTER_LINES_MAX]:
        due = row["shoes_due"]
        shoes = "-" if due is None else (", ".join(clean(s, 22) for s in due[:3]) or "none")
        if due is not None and len(due) > 3:
            shoes += f" (+{len(due) - 3})"
        units = row["units"]
        opened = f"{row['open_high']}/{row['open_caution']}"
        lines.append(
            _clip(
                f"{row['status_text']:<16} {name_cell(row['athlete'], ROSTER_NAME_CHARS)} "
                f"{row['last_activity'] or '-'!s:<10} {opened:>8} "
                f"{limit_text(row['run_km_max'], units):>9} "
                f"{limit_text(row['week_km_max'], units):>9}  {shoes}"
            )
        )
    if len(rows) > ROSTER_LINES_MAX:
        lines.append(f"… {more(len(rows) - ROSTER_LINES_MAX, 'athletes')} (all in the report)")
    return lines


def summary_from_data(data: ReportData) -> str:
    """The terminal summary of computed report data (:func:`build_report_data`)."""
    as_of = data.as_of.isoformat() if data.as_of else "no activities"
    if data.is_roster:
        lines = [f"loadwatch report: {len(data.athletes)} athletes, as of {as_of}"]
        lines += _roster_lines(data)
    elif data.athletes:
        view = data.athletes[0]
        tail = f", as of {as_of}"
        room = WIDTH - len("loadwatch report: ") - len(tail)  # the title stays one line
        name = name_cell(clean(view.name, NAME_CHARS), room).rstrip()
        lines = [f"loadwatch report: {name}{tail}"]
        lines += next_days_lines(view)
        lines += _athlete_lines(view, data)
    else:
        lines = ["loadwatch report: no athletes found"]
    wrapped = [
        part
        for line in lines
        for part in (
            textwrap.wrap(line, WIDTH, subsequent_indent="  ") if len(line) > WIDTH else [line]
        )
    ]
    return "\n".join([*wrapped, *textwrap.wrap(medical.ONE_LINE, WIDTH)])


def summary_text(
    result: ImportResult,
    findings: list[Finding] | None = None,
    rules: RuleSet | None = None,
    *,
    as_of: date | None = None,
) -> str:
    """A short plain-text summary of an import: what is risky now and what to do.

    Parameters
    ----------
    result
        An import (:func:`loadwatch.import_activities`).
    findings
        :func:`loadwatch.check` of ``result``; computed when None.
    rules
        The rule set; the packaged ``rules.toml`` when None.
    as_of
        Report date; the day of the last activity by default.

    Returns
    -------
    str
        For one athlete at most 25 lines of at most 88 characters; for a roster
        one line per athlete, riskiest first (at most
        :data:`~loadwatch.report.limits.ROSTER_LINES_MAX`, then how many more).
    """
    return summary_from_data(build_report_data(result, findings, rules, as_of=as_of))
