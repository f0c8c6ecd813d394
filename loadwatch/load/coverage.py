"""Coverage: how complete the records are that a plan or a report is judged on.

A plan made from a history with holes is a plan for a lighter runner: a run
that Strava lists but whose file is not in the export, a run typed in by hand
(no file), or days with nothing recorded at all (a watch left at home, files
not yet copied) all leave out load the rules would have counted. This module
says so, from what the import already knows:

* the export tables found beside the files
  (:attr:`loadwatch.timeline.build.ImportResult.exports`): Strava's
  ``activities.csv`` and Garmin's summaries list every activity of the
  account; a listed activity that no timeline row matches (the same matching
  as :func:`loadwatch.timeline.exports.apply_export_tables`) has no file
  loadwatch could read, and Strava rows without a ``Filename`` (Garmin
  ``manualActivity``) were typed in by hand;
* the timeline itself: the runs counted, and the days since the last
  activity of any sport (:data:`QUIET_DAYS` or more is a hole worth naming).

Only listed activities dated on or before ``as_of`` count (Strava's date is
UTC; an undated row counts). Nothing here changes a number of the plan: the
coverage says what the numbers rest on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import pandas as pd

from loadwatch.importers.exports.locate import ExportTables
from loadwatch.importers.exports.strava import strava_date
from loadwatch.importers.sports import is_running, normalize_sport
from loadwatch.timeline.exports import row_files
from loadwatch.units import distance_text

#: Days without any activity before ``as_of`` from which the coverage names the gap.
QUIET_DAYS = 10

#: Keys of a coverage dict (the plan's ``coverage`` field), in order.
COVERAGE_FIELDS = (
    "runs",
    "listed_without_file",
    "manual_entries",
    "uncounted_run_km",
    "last_activity",
    "days_without_activity",
    "complete",
    "note",
)

__all__ = ["COVERAGE_FIELDS", "QUIET_DAYS", "coverage", "unmatched_listed"]


def _listed_day(moment: datetime | None, as_of: date) -> bool:
    """Whether a listed activity of start ``moment`` (UTC; None: undated) counts by ``as_of``."""
    return moment is None or moment.date() <= as_of


def unmatched_listed(
    tables: ExportTables, rows: pd.DataFrame, as_of: date
) -> tuple[list[tuple[str, float | None]], list[tuple[str, float | None]]]:
    """The activities the export tables list that the timeline does not hold, and those
    typed in by hand, dated on or before ``as_of``.

    Parameters
    ----------
    tables
        One athlete's export tables.
    rows
        That athlete's timeline rows (every row, also those after ``as_of``: a file
        recorded later still matches its listing).
    as_of
        The last day whose listed activities count.

    Returns
    -------
    (list, list)
        ``(sport, listed distance [km] or None)`` of the listed activities without a
        file in the timeline, and of the entries typed in by hand.
    """
    matched: set[int] = set()
    for file, merged, start in zip(
        rows["file"], rows["merged_from"], rows["start_utc"], strict=True
    ):
        files = row_files(file, merged)
        for export in tables.strava:
            for name in files:
                found = export.find([name])
                if found is not None:
                    matched.add(id(found))
        for summary in tables.garmin:
            found_summary = summary.find(files, start)
            if found_summary is not None:
                matched.add(id(found_summary))
    missing: list[tuple[str, float | None]] = []
    manual: list[tuple[str, float | None]] = []
    seen: set[tuple[str, str]] = set()  # a table found from two folders is one table
    for export in tables.strava:
        if ("strava", export.origin) in seen:
            continue
        seen.add(("strava", export.origin))
        for activity in export.activities:
            if id(activity) not in matched and _listed_day(strava_date(activity.date), as_of):
                missing.append((activity.sport, activity.distance_km))
        manual += [
            (a.sport, a.distance_km)
            for a in export.manual
            if _listed_day(strava_date(a.date), as_of)
        ]
    for summary in tables.garmin:
        if ("garmin", summary.origin) in seen:
            continue
        seen.add(("garmin", summary.origin))
        for garmin in summary.activities:
            if id(garmin) in matched or not _listed_day(garmin.start_utc, as_of):
                continue
            (manual if garmin.manual else missing).append((garmin.sport, None))
    return missing, manual


def _run_km(items: Iterable[tuple[str, float | None]]) -> float:
    return sum(km or 0.0 for sport, km in items if is_running(normalize_sport(sport)[0]))


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one}" if n == 1 else f"{n} {many}"


def coverage(
    rows: pd.DataFrame,
    as_of: date,
    tables: ExportTables | None = None,
    *,
    unit: str = "km",
) -> dict[str, Any]:
    """What one athlete's plan on ``as_of`` is judged on, and where the records have holes.

    Parameters
    ----------
    rows
        The athlete's timeline rows (any dates; only those on or before ``as_of``
        are counted as runs and activities).
    as_of
        The last local day whose activities count.
    tables
        The athlete's export tables (:attr:`ImportResult.exports`), if any.
    unit
        ``"km"`` or ``"mi"``: the words of ``note``.

    Returns
    -------
    dict
        :data:`COVERAGE_FIELDS`: ``runs`` counted, ``listed_without_file`` and
        ``manual_entries`` (activities of the export tables not counted),
        ``uncounted_run_km`` (the listed running distance among them, where the
        table gives one) [km], ``last_activity`` (local day, any sport; None without
        one), ``days_without_activity`` (from it to ``as_of``) [days], ``complete``
        (none of these holes) and ``note`` (one line, e.g. "judged on 14 runs; 2 listed
        activities have no file").
    """
    before = rows[rows["start_local"].dt.normalize() <= pd.Timestamp(as_of)]
    runs = int(before["is_run"].sum())
    missing, manual = unmatched_listed(tables, rows, as_of) if tables else ([], [])
    last = None if before.empty else pd.Timestamp(before["start_local"].max()).date()
    quiet = None if last is None else (as_of - last).days
    parts = [f"judged on {_count(runs, 'run', 'runs')}"]
    if missing:
        parts.append(
            _count(len(missing), "listed activity has no file", "listed activities have no file")
        )
    if manual:
        parts.append(
            _count(len(manual), "entry was typed in by hand", "entries were typed in by hand")
            + " (not counted)"
        )
    uncounted = _run_km([*missing, *manual])
    if uncounted > 0:
        parts.append(f"{distance_text(uncounted, unit)} of listed running not counted")
    if last is None:
        parts.append(f"no activity on record up to {as_of}")
    elif quiet is not None and quiet >= QUIET_DAYS:
        parts.append(f"no activity in the {quiet} days before {as_of} (last: {last})")
    complete = not missing and not manual and last is not None and (quiet or 0) < QUIET_DAYS
    return {
        "runs": runs,
        "listed_without_file": len(missing),
        "manual_entries": len(manual),
        "uncounted_run_km": round(uncounted, 3),
        "last_activity": last,
        "days_without_activity": quiet,
        "complete": complete,
        "note": "; ".join(parts),
    }
