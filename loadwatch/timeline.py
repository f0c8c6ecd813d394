"""The activity timeline: one row per activity, every athlete, documented units.

Nomenclature (every column, its unit and meaning):

===================  ==========================================================
column               meaning [unit]
===================  ==========================================================
athlete              athlete name (``loadwatch.toml`` name, else folder name)
activity_id          stable id: content hash of the file + session number
start_utc            start, ``datetime64[ns, UTC]``
start_local          local wall-clock start, naive ``datetime64[ns]``
utc_offset_s         local minus UTC at the start [s]
timezone             IANA name, or ``UTC+hh:mm`` where only the offset is known
timezone_source      device | settings | gps | utc (see :mod:`loadwatch.localtime`)
sport, sub_sport     FIT-profile names (``running``/``trail``); unknown FIT codes as numbers
sport_inferred       True where the file named no sport and it was inferred
is_run               counts as running load (a running sport with distance > 0)
distance_km          distance [km]
duration_s           moving (timer) time [s], elapsed time where there is no timer
elapsed_s            wall-clock time start to end [s]
ascent_m, descent_m  total climbing and descending [m]; NaN where the file has none
avg_hr_bpm           average heart rate [1/min]
max_hr_bpm           maximum heart rate [1/min]
avg_temperature_c    average device temperature [°C]
max_temperature_c    maximum device temperature [°C]
n_laps, n_records    number of laps and samples
start_lat, start_lon start position [degrees]
name                 activity title from the file
device               recording device, e.g. ``garmin fr935``
file                 the source file
format               fit | gpx | tcx
session_index        session number within a multisport FIT file (0 otherwise)
merged_from          files merged into this row as duplicates (``; ``-separated)
notes                plain-language warnings about this activity
===================  ==========================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .activity import Activity
from .athletes import AthleteFolder, find_athletes, select_athlete
from .duplicates import DuplicateMerge, merge_duplicates
from .errors import ActivityFileError, NotAnActivityError
from .exports import ExportTables, apply_export_tables, find_export_tables
from .importers.archives import is_archive_name, iter_archive
from .importers.discover import FileData, parse_file_data, read_file_data
from .localtime import resolve_local_time
from .settings import AthleteSettings, SettingsOverride
from .sports import is_running

#: Timeline columns in order; see the module docstring for units.
COLUMNS = (
    "athlete",
    "activity_id",
    "start_utc",
    "start_local",
    "utc_offset_s",
    "timezone",
    "timezone_source",
    "sport",
    "sub_sport",
    "sport_inferred",
    "is_run",
    "distance_km",
    "duration_s",
    "elapsed_s",
    "ascent_m",
    "descent_m",
    "avg_hr_bpm",
    "max_hr_bpm",
    "avg_temperature_c",
    "max_temperature_c",
    "n_laps",
    "n_records",
    "start_lat",
    "start_lon",
    "name",
    "device",
    "file",
    "format",
    "session_index",
    "merged_from",
    "notes",
)

LAP_COLUMNS = (
    "athlete",
    "activity_id",
    "lap_index",
    "start_utc",
    "elapsed_s",
    "timer_s",
    "distance_m",
    "avg_speed_mps",
    "intensity",
    "trigger",
)

_FLOAT_COLUMNS = (
    "utc_offset_s",
    "distance_km",
    "duration_s",
    "elapsed_s",
    "ascent_m",
    "descent_m",
    "avg_hr_bpm",
    "max_hr_bpm",
    "avg_temperature_c",
    "max_temperature_c",
    "start_lat",
    "start_lon",
)

#: Pace window [m/s] in which an activity whose file names no sport is taken
#: for a run: 1.9 m/s is 8:46 min/km (slower is walking), 6.5 m/s is 2:34 min/km.
RUN_SPEED_RANGE_MPS = (1.9, 6.5)
_RUN_WORDS = ("run", "corrida", "lauf", "course", "carrera", "jog", "hardloop", "löp", "corsa")
_NOT_RUN_WORDS = ("ride", "bike", "cycl", "fiets", "swim", "walk", "hike", "row", "paddl", "ski")

ProgressCallback = Callable[[int, int, str], None]


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


@dataclass(frozen=True)
class FileProblem:
    """A file that was skipped, or read with a warning."""

    source: str
    kind: str
    reason: str
    error: BaseException | None = field(default=None, compare=False, repr=False)

    def line(self) -> str:
        """``file: what is wrong`` on one line."""
        return f"{self.source}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did: files read, skipped with reasons, duplicates merged."""

    files_seen: int = 0
    files_read: int = 0
    activities: int = 0
    runs: int = 0
    non_runs: int = 0
    #: Bad files: empty, corrupt, unsafe, unsupported. Each a one-line reason.
    errors: list[FileProblem] = field(default_factory=list)
    #: Valid files that hold no activity (settings, routes, macOS companions).
    skipped: list[FileProblem] = field(default_factory=list)
    #: Activities read with a caveat (truncated file, inferred sport ...).
    warnings: list[FileProblem] = field(default_factory=list)
    duplicates: list[DuplicateMerge] = field(default_factory=list)
    athletes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: the counts."""
        parts = [
            _count(self.files_seen, "file"),
            f"{_count(self.activities, 'activity', 'activities')} "
            f"({_count(self.runs, 'run')}, {self.non_runs} other)",
        ]
        if self.duplicates:
            parts.append(f"{_count(len(self.duplicates), 'duplicate')} merged")
        if self.skipped:
            parts.append(f"{len(self.skipped)} not activities")
        if self.errors:
            parts.append(f"{len(self.errors)} unreadable")
        if len(self.athletes) > 1:
            parts.insert(0, f"{len(self.athletes)} athletes")
        return "imported " + ", ".join(parts)

    def lines(self) -> list[str]:
        """Every problem, warning and merge as ``file: reason`` lines."""
        out = [f"error: {p.line()}" for p in self.errors]
        out += [f"warning: {p.line()}" for p in self.warnings]
        out += [f"skipped: {p.line()}" for p in self.skipped]
        out += [f"duplicate: {m.line()}" for m in self.duplicates]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form of the report."""
        return {
            "files_seen": self.files_seen,
            "files_read": self.files_read,
            "activities": self.activities,
            "runs": self.runs,
            "non_runs": self.non_runs,
            "athletes": list(self.athletes),
            "errors": [{"file": p.source, "kind": p.kind, "reason": p.reason} for p in self.errors],
            "warnings": [{"file": p.source, "reason": p.reason} for p in self.warnings],
            "skipped": [{"file": p.source, "reason": p.reason} for p in self.skipped],
            "duplicates": [
                {"kept": m.kept, "dropped": m.dropped, "reason": m.reason, "athlete": m.athlete}
                for m in self.duplicates
            ],
        }


@dataclass
class ImportResult:
    """The timeline, its laps, the import report and each athlete's settings.

    ``profiles`` maps ``activity_id`` to the activity's sustained-speed profile
    (:func:`loadwatch.streams.speed_profile`: metres per 0.1 m/s bin), for the
    activities whose file has a usable record stream.
    """

    timeline: pd.DataFrame
    laps: pd.DataFrame
    report: ImportReport
    settings: dict[str, AthleteSettings]
    profiles: dict[str, np.ndarray] = field(default_factory=dict)
    #: Athlete → the Strava/Garmin export tables found beside or inside their files.
    exports: dict[str, ExportTables] = field(default_factory=dict)


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def infer_is_run(row: dict[str, Any]) -> tuple[bool, bool, str | None]:
    """``(is_run, inferred, note)`` for one row.

    A running sport with distance counts. A file that names no sport (many GPX
    exports) counts as a run when its title says so, or, failing that, when its
    moving pace lies in :data:`RUN_SPEED_RANGE_MPS`; the row is marked
    ``sport_inferred`` and says why.
    """
    distance = row["distance_km"]
    has_distance = not math.isnan(distance) and distance > 0
    if row["sport"] != "unknown":
        return is_running(row["sport"]) and has_distance, False, None
    if not has_distance:
        return False, False, None
    title = (row.get("name") or "").lower()
    if any(word in title for word in _NOT_RUN_WORDS):
        return False, True, "sport not recorded; not counted as a run (its title)"
    if any(word in title for word in _RUN_WORDS):
        return True, True, "sport not recorded; counted as a run (its title)"
    seconds = row["duration_s"]
    if math.isnan(seconds) or seconds <= 0:
        return False, False, "sport not recorded and no time: not counted as a run"
    speed = distance * 1000.0 / seconds
    low, high = RUN_SPEED_RANGE_MPS
    pace = f"{1000.0 / speed / 60.0:.0f}:{1000.0 / speed % 60.0:02.0f} min/km"
    if low <= speed <= high:
        return True, True, f"sport not recorded; counted as a run from its pace ({pace})"
    return False, True, f"sport not recorded; not counted as a run at {pace}"


def activity_row(act: Activity, file: FileData, athlete: str, settings: AthleteSettings) -> dict:
    """One timeline row (a dict keyed by :data:`COLUMNS`) for one activity."""
    start_utc = act.start_utc.astimezone(UTC)
    # A virtual ride or run (Zwift ...) has positions on an imaginary map: no time zone there.
    virtual = act.sub_sport == "virtual_activity"
    local, zone, source = resolve_local_time(
        start_utc,
        device_offset_s=act.local_offset_s,
        settings_timezone=settings.timezone,
        lat=None if virtual else act.start_lat,
        lon=None if virtual else act.start_lon,
    )
    notes = list(act.notes)
    if source == "utc":
        notes.append("no time zone known (no device local time, settings or GPS): counted in UTC")
    duration = act.timer_s if act.timer_s else act.elapsed_s
    row = {
        "athlete": athlete,
        "activity_id": f"{file.digest}-{act.session_index}",
        "start_utc": start_utc,
        "start_local": local,
        "utc_offset_s": (local - start_utc.replace(tzinfo=None)).total_seconds(),
        "timezone": zone,
        "timezone_source": source,
        "sport": act.sport,
        "sub_sport": act.sub_sport,
        "sport_inferred": False,
        "is_run": False,
        "distance_km": _nan(act.distance_m) / 1000.0,
        "duration_s": _nan(duration),
        "elapsed_s": _nan(act.elapsed_s),
        "ascent_m": _nan(act.ascent_m),
        "descent_m": _nan(act.descent_m),
        "avg_hr_bpm": _nan(act.avg_hr_bpm),
        "max_hr_bpm": _nan(act.max_hr_bpm),
        "avg_temperature_c": _nan(act.avg_temperature_c),
        "max_temperature_c": _nan(act.max_temperature_c),
        "n_laps": len(act.laps),
        "n_records": act.n_records,
        "start_lat": _nan(act.start_lat),
        "start_lon": _nan(act.start_lon),
        "name": act.name,
        "device": act.device,
        "file": file.source,
        "format": file.format,
        "session_index": act.session_index,
        "merged_from": "",
        "notes": "; ".join(notes),
        # not a column: used by the duplicate check
        "digest": file.digest,
    }
    return row


def _lap_rows(act: Activity, athlete: str, activity_id: str) -> list[dict[str, Any]]:
    return [
        {
            "athlete": athlete,
            "activity_id": activity_id,
            "lap_index": i,
            "start_utc": lap.start_utc,
            "elapsed_s": _nan(lap.elapsed_s),
            "timer_s": _nan(lap.timer_s),
            "distance_m": _nan(lap.distance_m),
            "avg_speed_mps": _nan(lap.avg_speed_mps),
            "intensity": lap.intensity,
            "trigger": lap.trigger,
        }
        for i, lap in enumerate(act.laps)
    ]


def empty_timeline() -> pd.DataFrame:
    """A timeline with no rows and the right columns and types."""
    return to_frame([])


def to_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Timeline rows → a DataFrame with :data:`COLUMNS` and stable dtypes."""
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["start_utc"] = pd.to_datetime(frame["start_utc"], utc=True).astype("datetime64[ns, UTC]")
    frame["start_local"] = pd.to_datetime(frame["start_local"]).astype("datetime64[ns]")
    for column in _FLOAT_COLUMNS:
        frame[column] = frame[column].astype("float64")
    for column in ("n_laps", "n_records", "session_index"):
        frame[column] = frame[column].astype("int64")
    for column in ("is_run", "sport_inferred"):
        frame[column] = frame[column].astype(bool)
    return frame.reset_index(drop=True)


def _problem(exc: ActivityFileError) -> FileProblem:
    return FileProblem(exc.path, exc.kind, exc.reason, exc)


def _file_data(
    files: list[Path], report: ImportReport, tick: Callable[[str], None]
) -> Iterator[tuple[str, FileData]]:
    """The recognised bytes of every file, zip members one by one; problems go to ``report``."""
    for path in files:
        source = str(path)
        tick(source)
        if path.name.startswith("._"):
            report.files_seen += 1
            report.skipped.append(FileProblem(source, "macos", "macOS metadata file, not data"))
            continue
        if is_archive_name(path.name):
            members = iter_archive(path, source)
            while True:  # each member is one file; one bad member never stops the rest
                try:
                    member = next(members)
                except StopIteration:
                    break
                except ActivityFileError as exc:  # the archive itself is damaged
                    report.files_seen += 1
                    report.errors.append(_problem(exc))
                    break
                except Exception as exc:  # a zipfile crash must not stop the import
                    report.files_seen += 1
                    reason = f"could not be read ({type(exc).__name__}: {exc})"
                    report.errors.append(FileProblem(source, "internal", reason, exc))
                    break
                report.files_seen += 1
                if member.error is not None:
                    report.errors.append(_problem(member.error))
                elif member.file is not None:
                    yield member.source, member.file
            continue
        report.files_seen += 1
        try:
            file = read_file_data(path, source)
        except ActivityFileError as exc:
            report.errors.append(_problem(exc))
            continue
        except Exception as exc:  # a bug must not stop the import
            reason = f"could not be read ({type(exc).__name__}: {exc})"
            report.errors.append(FileProblem(source, "internal", reason, exc))
            continue
        yield source, file


def _import_athlete(
    athlete: AthleteFolder,
    report: ImportReport,
    tick: Callable[[str], None],
    profiles: dict[str, np.ndarray],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    laps: dict[str, list[dict[str, Any]]] = {}
    read_profiles: dict[str, np.ndarray] = {}
    for source, file in _file_data(athlete.files, report, tick):
        try:
            activities = parse_file_data(file)
        except NotAnActivityError as exc:
            report.skipped.append(FileProblem(source, exc.kind, exc.reason, exc))
            continue
        except ActivityFileError as exc:
            report.errors.append(FileProblem(source, exc.kind, exc.reason, exc))
            continue
        except Exception as exc:  # a bug or a parser crash must not stop the import
            report.errors.append(
                FileProblem(
                    source, "internal", f"could not be read ({type(exc).__name__}: {exc})", exc
                )
            )
            continue
        report.files_read += 1
        for act in activities:
            row = activity_row(act, file, athlete.name, athlete.settings)
            rows.append(row)
            laps[row["activity_id"]] = _lap_rows(act, athlete.name, row["activity_id"])
            if act.speed_profile_m is not None:
                read_profiles[row["activity_id"]] = act.speed_profile_m
            for note in act.notes:
                report.warnings.append(FileProblem(source, "partial", note))

    kept, merges = merge_duplicates(rows, athlete.name)
    report.duplicates.extend(merges)
    for row in kept:
        row["is_run"], row["sport_inferred"], note = infer_is_run(row)
        if note:
            row["notes"] = "; ".join(n for n in (row["notes"], note) if n)
        row.pop("digest", None)
        if row["activity_id"] in read_profiles:
            profiles[row["activity_id"]] = read_profiles[row["activity_id"]]
    kept_laps = [lap for row in kept for lap in laps.get(row["activity_id"], [])]
    return kept, kept_laps


def import_activities(
    path: str | Path,
    *,
    roster: bool | None = None,
    progress: ProgressCallback | None = None,
    athlete: str | None = None,
    overrides: SettingsOverride | None = None,
) -> ImportResult:
    """Import every activity file under ``path`` into one timeline.

    Parameters
    ----------
    path
        A FIT/GPX/TCX file (optionally ``.gz``), a runner's folder (searched
        recursively), or a roster folder (sub-folders with ``loadwatch.toml``).
    roster
        See :func:`loadwatch.athletes.find_athletes`.
    progress
        Called as ``progress(done, total, file)`` before each file.
    athlete
        With one athlete, its name; with a roster, only that athlete is read.
    overrides
        Settings that replace every athlete's ``loadwatch.toml`` values
        (time zone, week start, units), e.g. from the command line.

    Returns
    -------
    ImportResult
        ``timeline`` (one row per activity, :data:`COLUMNS`), ``laps``
        (:data:`LAP_COLUMNS`), the :class:`ImportReport` and each athlete's
        settings. One bad file never stops the others: it becomes a line in
        ``report.errors``.
    """
    athletes = find_athletes(path, roster=roster)
    if athlete is not None:
        athletes = select_athlete(athletes, athlete)
    if overrides is not None:
        for folder in athletes:
            folder.settings = overrides.apply(folder.settings)
    return import_athletes(athletes, progress=progress)


def import_athletes(
    athletes: list[AthleteFolder], *, progress: ProgressCallback | None = None
) -> ImportResult:
    """Import the files of these athletes (from :func:`loadwatch.athletes.find_athletes`).

    The seam for engines that spread athletes over processes or machines: the
    import of one athlete never depends on another's, so
    ``combine_results([import_athletes([a]) for a in athletes])`` equals
    ``import_athletes(athletes)``.
    """
    total = sum(len(a.files) for a in athletes)
    report = ImportReport(athletes=[a.name for a in athletes])
    done = 0

    def tick(source: str) -> None:
        nonlocal done
        if progress is not None:
            progress(done, total, source)
        done += 1

    rows: list[dict[str, Any]] = []
    laps: list[dict[str, Any]] = []
    profiles: dict[str, np.ndarray] = {}
    for folder in athletes:
        athlete_rows, athlete_laps = _import_athlete(folder, report, tick, profiles)
        rows += athlete_rows
        laps += athlete_laps
    if progress is not None:
        progress(total, total, "")
    timeline = to_frame(rows)
    exports = {a.name: find_export_tables(map(str, a.files), a.folder) for a in athletes}
    timeline, lines = apply_export_tables(timeline, exports)
    report.warnings += [FileProblem(source, "export", reason) for source, reason in lines]
    report.activities = len(timeline)
    report.runs = int(timeline["is_run"].sum())
    report.non_runs = report.activities - report.runs
    # JSON-safe context for DataFrame.loadwatch (loadwatch.accessor.ATTRS_KEY).
    timeline.attrs["loadwatch"] = {
        "athletes": {
            a.name: {
                "folder": str(a.folder),
                "week_start": a.settings.week_start,
                "units": a.settings.units,
            }
            for a in athletes
        }
    }
    return ImportResult(
        timeline=timeline,
        laps=_lap_frame(laps),
        report=report,
        settings={a.name: a.settings for a in athletes},
        profiles=profiles,
        exports=exports,
    )


def _lap_frame(laps: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(laps, columns=list(LAP_COLUMNS))
    frame["start_utc"] = pd.to_datetime(frame["start_utc"], utc=True)
    return frame


def combine_results(results: list[ImportResult]) -> ImportResult:
    """One :class:`ImportResult` from the imports of separate athletes, in the given order."""
    report = ImportReport()
    for part in results:
        for name in ("files_seen", "files_read", "activities", "runs", "non_runs"):
            setattr(report, name, getattr(report, name) + getattr(part.report, name))
        for name in ("errors", "skipped", "warnings", "duplicates", "athletes"):
            getattr(report, name).extend(getattr(part.report, name))
    frames = [r.timeline for r in results if len(r.timeline)]
    timeline = to_frame([]) if not frames else pd.concat(frames, ignore_index=True)
    athletes: dict[str, Any] = {}
    for part in results:
        athletes.update(part.timeline.attrs.get("loadwatch", {}).get("athletes", {}))
    timeline.attrs["loadwatch"] = {"athletes": athletes}
    lap_frames = [r.laps for r in results if len(r.laps)]
    laps = pd.concat(lap_frames, ignore_index=True) if lap_frames else _lap_frame([])
    settings: dict[str, AthleteSettings] = {}
    profiles: dict[str, np.ndarray] = {}
    exports: dict[str, ExportTables] = {}
    for part in results:
        settings.update(part.settings)
        profiles.update(part.profiles)
        exports.update(part.exports)
    return ImportResult(timeline, laps, report, settings, profiles, exports)


def read(path: str | Path, *, roster: bool | None = None, **options: Any) -> pd.DataFrame:
    """The activity timeline of ``path`` (see :func:`import_activities` for the options)."""
    return import_activities(path, roster=roster, **options).timeline
