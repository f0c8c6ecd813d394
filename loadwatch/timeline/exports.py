"""What an export's tables change in the timeline: sport, title, and a distance check.

The runner sees Strava's or Garmin Connect's own list of activities, and may
have corrected it there (a run recorded in the watch's bike mode, changed to
"Run"). So where a table names the sport of an activity, that sport is used
and the row says so when the file said otherwise; the table's title replaces
the file's. Distances stay the file's own (what the watch measured), but a
Strava distance that differs by more than :data:`DISTANCE_CHECK_FRACTION`
(and :data:`DISTANCE_CHECK_MIN_KM`) is noted on the row, because weekly totals
would then differ from what the runner sees on Strava.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from loadwatch.importers.exports.locate import ExportTables
from loadwatch.importers.exports.strava import StravaActivity
from loadwatch.importers.sports import is_running, normalize_sport
from loadwatch.schema import text_list
from loadwatch.timeline.plausibility import is_flagged
from loadwatch.units import distance_text

#: A file's distance more than this fraction from Strava's is noted. Strava
#: re-measures GPS tracks and its figures differ from the watch's by ~0.5-2 %.
DISTANCE_CHECK_FRACTION = 0.05
#: ... and by more than this [km], so that short activities are not noted for metres.
DISTANCE_CHECK_MIN_KM = 0.2

#: Notes the importer writes when it infers a sport; replaced by the table's sport.
_INFERRED_NOTE = "sport not recorded"


@dataclass(frozen=True)
class _Match:
    where: str  # "Strava" | "Garmin Connect"
    sport: str
    name: str
    distance_km: float | None


def row_files(file: object, merged_from: str | list[str] | None) -> list[str]:
    """The file of a timeline row and the files merged into it as duplicates."""
    return [str(file), *text_list(merged_from)]


def _find(tables: ExportTables, files: list[str], start_utc: pd.Timestamp) -> _Match | None:
    for export in tables.strava:
        found = export.find(files)
        if found is not None:
            return _Match("Strava", found.sport, found.name, found.distance_km)
    for summary in tables.garmin:
        garmin = summary.find(files, start_utc)
        if garmin is not None:
            return _Match("Garmin Connect", garmin.sport, garmin.name, None)
    return None


def _blank(sub_sport: object) -> bool:
    """No sub-sport recorded (None, NaN or FIT's ``generic``)."""
    return sub_sport is None or sub_sport == "generic" or sub_sport != sub_sport


def _km(value: float) -> str:
    return distance_text(value, "km", 2)


def apply_export_tables(
    timeline: pd.DataFrame, tables: Mapping[str, ExportTables]
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The timeline with each export's sports and titles, and the lines to report.

    Parameters
    ----------
    timeline
        Rows as :data:`loadwatch.timeline.build.COLUMNS`.
    tables
        Athlete → the export tables found for them
        (:func:`loadwatch.importers.exports.locate.find_export_tables`).

    Returns
    -------
    tuple
        The updated timeline (a copy where anything changed) and
        ``(source, reason)`` warnings: unreadable tables, rows with values
        out of range, distance differences, listed activities that are not in
        the timeline.
    """
    warnings: list[tuple[str, str]] = []
    if not any(found.strava or found.garmin for found in tables.values()):
        for found in tables.values():
            warnings += found.problems
        return timeline, warnings
    columns = {name: timeline[name].tolist() for name in timeline.columns}
    for athlete, found in tables.items():
        warnings += found.problems
        # Rows whose values were not used; a table found from two folders
        # (``DI_CONNECT`` and the export's root) is one line.
        for problems in [t.problems for t in found.strava] + [t.problems for t in found.garmin]:
            warnings += [line for line in problems if line not in warnings]
        if not (found.strava or found.garmin):
            continue
        matched: set[int] = set()
        for i, row_athlete in enumerate(columns["athlete"]):
            if row_athlete != athlete:
                continue
            files = row_files(columns["file"][i], columns["merged_from"][i])
            match = _find(found, files, columns["start_utc"][i])
            if match is None:
                continue
            for export in found.strava:  # every file: a merged re-upload is listed too
                for name in files:
                    activity = export.find([name])
                    if activity is not None:
                        matched.add(id(activity))
            _apply_match(columns, i, match, warnings)
        warnings += _unlisted_lines(found, matched)
    updated = pd.DataFrame(columns, index=timeline.index)
    for name in timeline.columns:
        updated[name] = updated[name].astype(timeline[name].dtype)
    updated.attrs = dict(timeline.attrs)
    return updated, warnings


def _apply_match(
    columns: dict[str, list], i: int, match: _Match, warnings: list[tuple[str, str]]
) -> None:
    notes = [n for n in str(columns["notes"][i] or "").split("; ") if n]
    sport, sub_sport = normalize_sport(match.sport)
    file_sport = columns["sport"][i]
    if sport != "unknown":
        if sport != file_sport:
            if file_sport != "unknown":
                notes.append(
                    f"sport from {match.where} ({match.sport}); the file says {file_sport}"
                )
            columns["sport"][i] = sport
            columns["sub_sport"][i] = sub_sport
        elif sub_sport is not None and _blank(columns["sub_sport"][i]):
            columns["sub_sport"][i] = sub_sport
        if columns["sport_inferred"][i] or file_sport == "unknown":
            notes = [n for n in notes if not n.startswith(_INFERRED_NOTE)]
            notes.append(f"sport from {match.where} ({match.sport})")
        columns["sport_inferred"][i] = False
        distance = columns["distance_km"][i]
        has_distance = not math.isnan(distance) and distance > 0
        implausible = is_flagged("; ".join(notes))  # impossible speed for a run: never counts
        columns["is_run"][i] = is_running(columns["sport"][i]) and has_distance and not implausible
    if match.name:
        columns["name"][i] = match.name
    listed = match.distance_km
    distance = columns["distance_km"][i]
    if listed and listed > 0 and not math.isnan(distance):
        gap = distance - listed
        if abs(gap) > DISTANCE_CHECK_MIN_KM and abs(gap) / listed > DISTANCE_CHECK_FRACTION:
            note = (
                f"distance {_km(distance)} differs from {match.where}'s {_km(listed)} "
                f"by {gap / listed:+.0%}; the file's distance is counted"
            )
            notes.append(note)
            warnings.append((str(columns["file"][i]), note))
    columns["notes"][i] = "; ".join(notes)


def _counted(items: list[StravaActivity], what: str) -> tuple[str, str]:
    """``("3 listed activities", "12.0 km of runs")`` for these table rows."""
    runs_km = sum(a.distance_km or 0.0 for a in items if is_running(normalize_sport(a.sport)[0]))
    noun = "activity" if len(items) == 1 else "activities"
    counted = " ".join(w for w in (str(len(items)), what, noun) if w)
    return counted, f"{distance_text(runs_km, 'km')} of runs"


def _unlisted_lines(found: ExportTables, matched: set[int]) -> list[tuple[str, str]]:
    """One line per export for activities it lists that the timeline does not hold."""
    lines = []
    for export in found.strava:
        missing = [a for a in export.activities if id(a) not in matched]
        if missing:
            count, km = _counted(missing, "listed")
            reason = (
                f"{count} not in the timeline (file missing, unreadable or not an activity; {km})"
            )
            lines.append((export.origin, reason))
        if export.manual:
            count, km = _counted(export.manual, "")
            reason = f"{count} entered by hand on Strava (no file): not counted ({km})"
            lines.append((export.origin, reason))
    return lines
