"""``loadwatch shoes`` as text: one line per pair, in each athlete's units."""

from __future__ import annotations

import textwrap
from typing import Any

from loadwatch.units import Units, distance_text, unit_of

_STATUS = {"ok": "ok", "caution": "CAUTION", "high": "HIGH", None: ""}
#: Pairs named in an athlete's rotation line, and characters of each name.
NAMED_PAIRS = 10
NAMED_CHARS = 40


def _when(record: dict[str, Any], miles: int) -> str:
    crossed = record.get(f"crossed_{miles}mi")
    if crossed:
        return str(crossed)
    forecast = record.get(f"forecast_{miles}mi")
    return f"~{forecast}" if forecast else "-"


def shoe_text(
    records: list[dict[str, Any]],
    units: Units = "km",
    *,
    rotation_weeks: int = 8,
) -> str:
    """The shoe table as text (no printing).

    Parameters
    ----------
    records
        :func:`~loadwatch.shoes.shoe_records`.
    units
        ``"km"`` or ``"mi"`` for everyone, or athlete → units (``loadwatch.toml``).
    rotation_weeks
        The rotation window of the ``shoe-mileage`` rule [weeks], for the rotation line.

    Returns
    -------
    str
        A header, one line per pair (distance in the athlete's units, runs, first
        and last run, status, and when it reaches 300 and 500 miles: the day of
        the run that crossed the line, or ``~`` and a forecast), the unassigned
        runs, and a rotation line per athlete. ASCII only.
    """
    if not records:
        return "no runs found"
    header = (
        f"{'athlete':<14} {'shoe':<18} {'distance':>10} {'runs':>4} {'first':<10} "
        f"{'last':<10} {'status':<7} {'300 mi':<12} {'500 mi':<12}"
    )
    lines = [header.rstrip()]
    footer: list[str] = []
    athletes = list(dict.fromkeys(r["athlete"] for r in records))
    for athlete in athletes:
        unit = unit_of(units, athlete)
        mine = [r for r in records if r["athlete"] == athlete]
        for r in mine:
            distance = distance_text(r["distance_km"] or 0.0, unit)
            name = r["shoe"] if r["shoe"] is not None else "(no shoe)"
            when = (_when(r, 300), _when(r, 500)) if r["shoe"] is not None else ("", "")
            line = (
                f"{athlete[:14]:<14} {name[:18]:<18} {distance:>10} {r['runs']:>4} "
                f"{r['first_run'] or '-':<10} {r['last_run'] or '-':<10} "
                f"{_STATUS[r['status']]:<7} {when[0]:<12} {when[1]:<12}"
            )
            lines.append(line.rstrip())
        loose = [r for r in mine if r["shoe"] is None]
        if loose:
            footer.append(
                f"{athlete}: {loose[0]['runs']} runs have no shoe (unassigned): name the pair "
                "in shoe-overrides.csv, a Strava export's gear, or [[shoes]] periods in "
                "loadwatch.toml."
            )
        in_use = [r["shoe"] for r in mine if r["shoe"] and r.get("in_rotation")]
        pairs = f"{len(in_use)} pair" if len(in_use) == 1 else f"{len(in_use)} pairs"
        listed = [name[:NAMED_CHARS] for name in in_use[:NAMED_PAIRS]]
        if len(in_use) > NAMED_PAIRS:
            listed.append(f"and {len(in_use) - NAMED_PAIRS} more")
        named = f" ({', '.join(listed)})" if in_use else ""
        footer.append(f"{athlete}: {pairs} in use in the last {rotation_weeks} weeks{named}.")
    footer.append(
        "300 mi / 500 mi: the day of the run that crossed the line, or ~ a forecast at the "
        "pair's recent use (none for a pair not run in lately)."
    )
    footer.append(
        "Rotation is shown as information: in one cohort of 264 runners, those who used more "
        "than one pair in parallel had fewer running injuries (hazard ratio 0.61; Malisoux et "
        "al. 2015) - an association, not proof. The 300 and 500 mile lines are replacement "
        "reminders (a consensus heuristic), not injury risks."
    )
    lines.append("")
    lines += [textwrap.fill(line, width=88) for line in footer]
    return "\n".join(lines)
