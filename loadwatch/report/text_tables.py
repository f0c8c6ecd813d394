"""Plain-text tables for the terminal: activities, weeks and findings.

Distances follow each athlete's ``units`` setting (km or mi, through
:mod:`loadwatch.units`; ascent stays in metres); JSON and CSV output always
keep the documented ``*_km`` fields. Names from files (athlete,
sport, file) are shown with control characters escaped, so one row stays one
line whatever a name holds (:func:`loadwatch.safe_text.one_line`).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from loadwatch.report import medical
from loadwatch.safe_text import one_line
from loadwatch.units import Units, km_to, unit_name, unit_of

WIDTH = 88

_MARK = {"high": "HIGH", "caution": "CAUTION", "note": "note"}


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
            f"{one_line(r['athlete'])[:14]:<14} {r['start_local'][:16].replace('T', ' '):<16} "
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
            f"{one_line(r['athlete'])[:14]:<14} {r['week_start']:<10} "
            f"{km_to(r['distance_km'], unit):>7.1f} "
            f"{r['runs']:>4} {duration_text(r['duration_s']):>6} {r['ascent_m'] or 0:>6.0f} "
            f"{km_to(r['longest_run_km'] or 0, unit):>7.1f} {km_to(r['fast_km'] or 0, unit):>5.1f}"
        )
    return "\n".join(lines)


def findings_text(records: list[dict[str, Any]]) -> str:
    """Each alarm with its message and source; notes listed briefly; the medical line."""
    alarms = [r for r in records if r["severity"] != "note"]
    notes = [r for r in records if r["severity"] == "note"]
    indent = " " * 8
    lines: list[str] = []
    if not alarms:
        lines.append("No too-much-too-soon warnings.")
    for r in alarms:
        lines.append(
            f"{_MARK[r['severity']]:<7} {r['date']}  {one_line(r['athlete'])}  {r['rule']} "
            f"({r['evidence']})"
        )
        lines.append(
            textwrap.fill(r["message"], WIDTH, initial_indent=indent, subsequent_indent=indent)
        )
        lines.append(
            textwrap.fill(
                f"Source: {r['source']}",
                WIDTH,
                initial_indent=indent,
                subsequent_indent=indent + "  ",
            )
        )
        lines.append("")
    if notes:
        lines.append(f"Notes ({len(notes)}):")
        lines += [f"  {r['date']}  {one_line(r['athlete'])}  {r['rule']}" for r in notes]
        lines.append("")
    lines.append(textwrap.fill(medical.ONE_LINE, WIDTH))
    return "\n".join(lines)
