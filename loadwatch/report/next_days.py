"""The "Next 7 days" of a report: what the plan allows before the runner goes out, in words.

The report and the terminal summary open with it: the next run's limit, the
week's limit and what is left of it, the week's climbing and fast running, the
phase (with *inactive N days* for an athlete who stopped running), the return
ramp as a small calendar, pairs of shoes that will pass 300 or 500 miles in the
next 7 days at their recent use (the shoe table's forecast,
:mod:`loadwatch.shoes.mileage`) and, where the records have holes, what the plan
is judged on. Every number is the plan's (:attr:`AthleteView.plan
<loadwatch.report.model.AthleteView.plan>`, computed once by
:func:`~loadwatch.report.model.build_report_data` with
:func:`loadwatch.load.plan.plan_table`): the numbers of ``loadwatch plan``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd

from loadwatch.report.limits import NAME_CHARS, clean, html_text
from loadwatch.report.model import AthleteView, distance
from loadwatch.shoes.mileage import FORECAST_BANDS, FORECAST_MILES
from loadwatch.units import climb_text, limit_text

__all__ = [
    "NEXT_DAYS",
    "PHASE_WORDS",
    "NextDays",
    "next_days",
    "next_days_html",
    "next_days_lines",
    "shoes_passing",
]


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


#: The plan's ``phase`` in words.
PHASE_WORDS = {
    "no-history": "no runs on record yet",
    "beginner": "new runner: some rules have no base yet",
    "return-from-layoff": "return after a layoff",
    "established": "established",
}
#: Days ahead that "Next 7 days" looks at [days].
NEXT_DAYS = 7


def shoes_passing(view: AthleteView, days: int = NEXT_DAYS) -> list[tuple[str, int, date]]:
    """Pairs in use that will pass a shoe-mileage line within ``days`` days after the
    report date at their recent use: ``(pair, miles, day)``, soonest first.

    The forecast is the shoe table's (:mod:`loadwatch.shoes.mileage`); a pair already
    past the line is in "Shoes due" instead.
    """
    if view.shoes is None or view.as_of is None or view.shoes.empty:
        return []
    end = view.as_of + timedelta(days=days)
    found = []
    table = view.shoes[view.shoes["shoe"].notna() & view.shoes["in_use"]]
    for miles, _band in zip(FORECAST_MILES, FORECAST_BANDS, strict=True):
        for row in table.itertuples(index=False):
            when = getattr(row, f"forecast_{miles}mi")
            crossed = getattr(row, f"crossed_{miles}mi")
            if pd.isna(when) or pd.notna(crossed):
                continue
            day = pd.Timestamp(when).date()
            if view.as_of < day <= end:
                found.append((str(row.shoe), miles, day))
    return sorted(found, key=lambda item: (item[2], item[1]))


class NextDays:
    """The "Next 7 days" of one athlete, in words, from its plan (the same numbers as
    ``loadwatch plan``): each attribute a short text, or None where it does not apply.

    Attributes
    ----------
    run
        ``up to 13.20 km on 2026-09-28`` or ``no limit yet (…)``.
    week
        ``up to 33.00 km from 2026-09-28 (10.00 km run, 23.00 km left)``.
    climb_fast
        The week's climbing and fast-running limits.
    phase
        The phase in words (with *inactive N days*).
    ramp
        The return ramp, one text per ramp week (the current one marked ``now``).
    shoes
        Pairs that will pass 300 or 500 miles in the next 7 days.
    coverage
        What the plan is judged on (the plan's ``coverage`` note); ``complete`` says
        whether the records show no hole.
    """

    def __init__(self, view: AthleteView) -> None:
        plan: dict[str, Any] = view.plan or {}
        unit = view.units
        self.plan = plan
        limits = {limit["field"]: limit for limit in plan.get("limits", [])}

        def km(value: float | None) -> str:
            return limit_text(value, unit)

        day = plan.get("as_of")
        next_day = date.fromisoformat(day) + timedelta(days=1) if day else None
        run = plan.get("run_km_max")
        self.run = (
            f"up to {km(run)} on {next_day}"
            if run is not None
            else f"no limit yet ({limits.get('run_km_max', {}).get('why', 'no plan')})"
        )
        week = plan.get("week_km_max")
        so_far = plan.get("week_km_so_far") or 0.0
        if week is not None:
            self.week = (
                f"up to {km(week)} from {plan['week_start']} ({distance(so_far, unit)} run, "
                f"{km(max(week - so_far, 0.0))} left)"
            )
        else:
            why = limits.get("week_km_max", {}).get("why", "no plan")
            self.week = f"no limit yet ({why})"
        parts = []
        if plan.get("ascent_m_max") is not None:
            parts.append(f"{climb_text(plan['ascent_m_max'], unit)} of climbing")
        if plan.get("fast_km_max") is not None:
            parts.append(f"{km(plan['fast_km_max'])} of fast running")
        self.climb_fast = "up to " + " and ".join(parts) + " this week" if parts else None
        phase = PHASE_WORDS.get(plan.get("phase", ""), plan.get("phase", ""))
        if view.inactive_days is not None:
            phase = f"{phase}: inactive {_count(view.inactive_days, 'day')}"
        self.phase = phase or None
        self.ramp = [
            f"{'now: ' if step['current'] else ''}week {step['step']} from "
            f"{step['week_start']}, {distance(step['target_km'], unit)} "
            f"({step['ramp_pct']:.0f}%)"
            for step in plan.get("return_ramp", [])
        ]
        self.shoes = [
            f"{clean(shoe, NAME_CHARS)} will pass {miles} mi around {day}"
            for shoe, miles, day in shoes_passing(view)
        ]
        # A limit is the rule's literal line; after an open warning of the same rule
        # (the line already crossed), that warning's advice is the more careful one.
        limit_rules = {limit["rule"] for limit in plan.get("limits", [])}
        self.careful = [
            (finding.rule, f"after the {finding.rule} warning of {finding.date} — {finding.advice}")
            for finding, _since, _count in view.open_by_rule()
            if finding.rule in limit_rules and finding.advice
        ]
        cover = plan.get("coverage") or {}
        self.coverage = cover.get("note")
        self.complete = bool(cover.get("complete", True))


def next_days(view: AthleteView) -> NextDays | None:
    """The "Next 7 days" of ``view`` (None without a plan: no activities)."""
    return NextDays(view) if view.plan else None


def next_days_lines(view: AthleteView) -> list[str]:
    """The "Next 7 days" as terminal lines (the numbers first: a line a runner reads)."""
    nd = next_days(view)
    if nd is None:
        return []
    lines = [f"Next 7 days: next run {nd.run}.", f"  This week: {nd.week}."]
    if nd.climb_fast:
        lines.append(f"  {nd.climb_fast[0].upper()}{nd.climb_fast[1:]}.")
    if nd.phase:
        lines.append(f"  Phase: {nd.phase}.")
    steps = nd.plan.get("return_ramp", [])
    if steps:  # one line: the targets of the 7-day ramp weeks, the current one marked
        targets = ", ".join(
            f"{distance(step['target_km'], view.units)} ({step['ramp_pct']:.0f}%)"
            + (" now" if step["current"] else "")
            for step in steps
        )
        lines.append(f"  Return ramp, weeks from {steps[0]['week_start']}: {targets}.")
    if nd.careful:  # the advice itself is under "Open warnings", a few lines down
        rules = ", ".join(rule for rule, _text in nd.careful)
        lines.append(f"  Careful: the open {rules} warning advises less (see below).")
    if nd.shoes:
        lines.append("  Shoes: " + "; ".join(nd.shoes) + ".")
    if nd.coverage and not nd.complete:
        lines.append(f"  Data: {nd.coverage}.")
    return lines


def next_days_html(view: AthleteView) -> str:
    """The "Next 7 days" box of the HTML report (:class:`NextDays`): the next
    run's limit, the week's limit and what is left, climbing and fast running, the
    phase, a return ramp, shoes about to pass a line and what the plan is judged on."""
    nd = next_days(view)
    if nd is None:
        return ""
    rows = [("Next run", nd.run), ("This week", nd.week)]
    if nd.climb_fast:
        rows.append(("Climbing, fast", nd.climb_fast))
    if nd.phase:
        rows.append(("Phase", nd.phase))
    items = "".join(
        f"<dt>{html_text(label)}</dt><dd>{html_text(text)}</dd>" for label, text in rows
    )
    ramp = ""
    if nd.ramp:
        steps = "".join(
            f"<li><strong>{html_text(text)}</strong></li>"
            if text.startswith("now")
            else f"<li>{html_text(text)}</li>"
            for text in nd.ramp
        )
        ramp = (
            "<p><strong>Return ramp</strong> (7-day weeks from the first run back):</p>"
            f'<ul class="ramp">{steps}</ul>'
        )
    careful = "".join(
        f'<p class="careful"><strong>Careful:</strong> {html_text(text)}</p>'
        for _rule, text in nd.careful
    )
    shoes = f"<p><strong>Shoes:</strong> {html_text('; '.join(nd.shoes))}.</p>" if nd.shoes else ""
    cover = ""
    if nd.coverage:
        tone = "" if nd.complete else "<strong>Incomplete records:</strong> "
        cover = f'<p class="small coverage">{tone}{html_text(nd.coverage)}.</p>'
    return (
        '<div class="next7"><p class="headline">Next 7 days</p>'
        f'<dl class="facts">{items}</dl>{careful}{ramp}{shoes}{cover}'
        '<p class="small">Lines that keep within the rules, not a guarantee.</p></div>'
    )
