"""The short terminal summary of ``loadwatch report``: a runner reads it in ten seconds.

For one athlete (at most 25 lines): the latest week, the open warnings by
severity with since when, what to do this week, the earlier record, shoes due
and the one-line red flags. For a roster: one line per athlete, riskiest first,
at most :data:`~loadwatch.report.limits.ROSTER_LINES_MAX`. Names are cleaned of
control characters and cut (:mod:`loadwatch.report.limits`). The full
explanation of every finding is in the HTML report.
"""

from __future__ import annotations

import textwrap
from datetime import date

import pandas as pd

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
    split_message,
)
from loadwatch.report.roster import index_rows
from loadwatch.rules.ruleset import Finding, RuleSet
from loadwatch.timeline.build import ImportResult

#: Width of the summary [characters].
WIDTH = 88
#: Open warnings listed before "and N more".
MAX_OPEN_LINES = 5
#: Lines of "this week" advice at most.
MAX_ADVICE_LINES = 4

__all__ = ["WIDTH", "open_line", "summary_from_data", "summary_text", "this_week", "week_lines"]

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
    label = "Latest week" if latest["complete"] else "Last week"
    line = (
        f"{label} (from {week['week_start']}): "
        f"{distance(week['distance_km'], view.units)} in {_count(week['runs'], 'run')}"
    )
    if week["judged"] and pd.notna(week["change_pct"]):
        line += (
            f", {week['change_pct']:+.0f}% on the established "
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
    """The "next week" advice of the open findings, one per rule, most severe first."""
    advice = []
    for finding, _since, _count in view.open_by_rule():
        text = split_message(finding.message)[1]
        if text and text not in advice:
            advice.append(text[0].upper() + text[1:])
    return advice[:limit]


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
        if len(groups) > MAX_OPEN_LINES:
            lines.append(f"  … and {len(groups) - MAX_OPEN_LINES} more")
        lines += textwrap.wrap(
            "This week: " + " ".join(this_week(view)),
            WIDTH,
            max_lines=MAX_ADVICE_LINES,
            placeholder=" …",
        )
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


def _roster_lines(data: ReportData) -> list[str]:
    lines = [
        f"{'':<7} {'athlete':<22} {'last week':>11} {'change':>6} {'open: high':>10} "
        f"{'caution':>7}  shoes due"
    ]
    rows = index_rows(data)
    for row in rows[:ROSTER_LINES_MAX]:
        change = "-" if pd.isna(row["change_pct"]) else f"{row['change_pct']:+.0f}%"
        due = row["shoes_due"]
        shoes = "-" if due is None else (", ".join(clean(s, 22) for s in due[:3]) or "none")
        if due is not None and len(due) > 3:
            shoes += f" (+{len(due) - 3})"
        lines.append(
            _clip(
                f"{_MARK[row['level']]:<7} {clean(row['athlete'], 22):<22} "
                f"{distance(row['distance_km'], row['units']):>11} {change:>6} "
                f"{row['open_high']:>10} {row['open_caution']:>7}  {shoes}"
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
        lines = [f"loadwatch report: {clean(view.name, NAME_CHARS)}, as of {as_of}"]
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
