"""Plain-text tables for the terminal: activities, weeks and findings.

Distances follow each athlete's ``units`` setting (km or mi, through
:mod:`loadwatch.units`; ascent stays in metres); JSON and CSV output always
keep the documented ``*_km`` fields. Names from files (athlete,
sport, file) are shown with control characters escaped, so one row stays one
line whatever a name holds (:func:`loadwatch.safe_text.one_line`); an athlete's
name longer than its column is cut with ``…`` (:func:`loadwatch.safe_text.name_cell`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from loadwatch.findings.collection import Findings
from loadwatch.report import medical
from loadwatch.rules.ruleset import Finding
from loadwatch.safe_text import name_cell, one_line
from loadwatch.units import Units, km_to, unit_name, unit_of

WIDTH = 88

_MARK = {"high": "HIGH", "caution": "CAUTION", "note": "note"}
#: Notes listed by date per athlete in ``check`` text, the latest first cut.
NOTES_LISTED = 12


def _distance(km: float | None, unit: str) -> str:
    """The number of a distance column (the unit is in the header)."""
    if km is None:
        return "-"
    return f"{km_to(km, unit):.2f}"


def duration_text(seconds: float | None) -> str:
    """``h:mm`` for a duration [s]; ``-`` where unknown."""
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _unit_label(units: Units) -> str:
    if isinstance(units, str):
        return unit_name(units)
    labels = {unit_name(u) for u in units.values()} or {"km"}
    return labels.pop() if len(labels) == 1 else "dist"


def activities_text(records: list[dict[str, Any]], units: Units = "km") -> str:
    """One line per activity (``activity_records`` rows); non-runs in brackets."""
    if not records:
        return "no activities found"
    label = _unit_label(units)
    lines = [
        f"{'athlete':<14} {'local start':<16} {'sport':<10} {label:>7} {'time':>6} "
        f"{'ascent':>6}  file"
    ]
    for r in records:
        sport = one_line(r["sport"]) if r["is_run"] else f"({one_line(r['sport'])})"
        ascent = "-" if r["ascent_m"] is None else f"{r['ascent_m']:.0f}"
        dist = _distance(r["distance_km"], unit_of(units, r["athlete"]))
        lines.append(
            f"{name_cell(r['athlete'], 14)} {r['start_local'][:16].replace('T', ' '):<16} "
            f"{sport[:10]:<10} {dist:>7} {duration_text(r['duration_s']):>6} {ascent:>6}  "
            f"{one_line(Path(r['file']).name)}"
        )
    return "\n".join(lines)


def weeks_text(records: list[dict[str, Any]], units: Units = "km") -> str:
    """One line per athlete-week (``week_records`` rows)."""
    if not records:
        return "no runs found"
    label = _unit_label(units)
    lines = [
        f"{'athlete':<14} {'week':<10} {label:>7} {'runs':>4} {'time':>6} {'ascent':>6} "
        f"{'longest':>7} {'fast':>5}"
    ]
    for r in records:
        unit = unit_of(units, r["athlete"])
        lines.append(
            f"{name_cell(r['athlete'], 14)} {r['week_start']:<10} "
            f"{km_to(r['distance_km'], unit):>7.1f} "
            f"{r['runs']:>4} {duration_text(r['duration_s']):>6} {r['ascent_m'] or 0:>6.0f} "
            f"{km_to(r['longest_run_km'] or 0, unit):>7.1f} {km_to(r['fast_km'] or 0, unit):>5.1f}"
        )
    return "\n".join(lines)


def _fill(text: str, indent: str, first: str | None = None) -> str:
    return textwrap.fill(
        one_line(text),
        WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_on_hyphens=False,
    )


def findings_text(findings: Iterable[Finding]) -> str:
    """The findings for the terminal (``loadwatch check``), grouped by athlete.

    Per athlete, newest first: each warning as a title, a line of numbers and a line
    of advice, with the context finding of its week (acute:chronic) beside it; then
    the athlete's notes, briefly. The rules' evidence sentences and sources follow
    once per rule, then the one-line red flags.
    """
    findings = Findings(findings)
    indent = " " * 8
    lines: list[str] = []
    warnings = findings.warnings()
    if not warnings:
        lines += ["No too-much-too-soon warnings.", ""]
    athletes = list(dict.fromkeys(f.athlete for f in findings))
    for athlete in athletes:
        mine = Findings(f for f in findings if f.athlete == athlete)
        shown = sorted(mine.warnings(), key=lambda f: f.date, reverse=True)
        notes = sorted((f for f in mine if f.severity == "note"), key=lambda f: f.date)
        if not shown and not notes:
            continue
        count = f"{len(shown)} warning{'' if len(shown) == 1 else 's'}"
        lines.append(f"{one_line(athlete)}: {count}, newest first")
        for f in shown:
            shoe = f" ({one_line(f.shoe)})" if f.shoe else ""
            lines.append(f"  {_MARK[f.severity]:<7} {f.date}  {f.rule}{shoe}")
            lines.append(_fill(f.numbers, indent))
            lines.append(_fill(f.advice, indent + "  ", indent + "→ "))
            for context in mine.context_of(f):
                if context.is_alarm:
                    lines.append(_fill(f"context: {context.numbers}", indent + "  ", indent))
        if notes:
            dates = ", ".join(f"{f.date} {f.rule}" for f in notes[-NOTES_LISTED:])
            more = len(notes) - NOTES_LISTED
            lines.append(
                _fill(
                    f"Notes ({len(notes)}, context, not warnings"
                    + (f"; the latest {NOTES_LISTED}" if more > 0 else "")
                    + f"): {dates}",
                    "    ",
                    "  ",
                )
            )
        lines.append("")
    cited = list(dict.fromkeys(f.rule for f in findings if f.is_alarm))
    if cited:
        lines.append("Evidence and sources (once per rule):")
        for rule in cited:
            first = next(f for f in findings if f.rule == rule)
            lines.append(_fill(f"{rule} ({first.evidence}): {first.evidence_note}", "    ", "  "))
            lines.append(_fill(f"Source: {first.source}", "      ", "    "))
        lines.append("")
    lines.append(textwrap.fill(medical.ONE_LINE, WIDTH))
    return "\n".join(lines)
