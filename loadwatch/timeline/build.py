"""The activity timeline: one row per activity, every athlete, documented units.

Nomenclature: every column with its type, unit and meaning is declared once in
:data:`loadwatch.schema.TIMELINE` (the laps in :data:`loadwatch.schema.LAPS`);
:data:`COLUMNS` and :data:`LAP_COLUMNS` are derived from it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from loadwatch.importers.exports.locate import ExportTables, find_export_tables
from loadwatch.schema import ATTRS_KEY
from loadwatch.timeline.athletes import AthleteFolder, find_athletes, select_athlete
from loadwatch.timeline.cache import (
    LAP_SCHEMA,
    AthleteCache,
    FileOutcome,
    cache_folder,
    cached_problems,
    unpack,
)
from loadwatch.timeline.duplicates import DuplicateMerge, merge_duplicates
from loadwatch.timeline.exports import apply_export_tables
from loadwatch.timeline.plausibility import future_note, utc_now
from loadwatch.timeline.problems import FileProblem, problem_of
from loadwatch.timeline.registry import import_key, recall, remember
from loadwatch.timeline.rows import (
    COLUMNS,
    LAP_COLUMNS,
    RUN_SPEED_RANGE_MPS,
    activity_row,
    empty_timeline,
    infer_is_run,
    to_frame,
)
from loadwatch.timeline.settings import AthleteSettings, SettingsOverride
from loadwatch.timeline.window import rows_between

__all__ = [
    "COLUMNS",
    "LAP_COLUMNS",
    "RUN_SPEED_RANGE_MPS",
    "ImportReport",
    "ImportResult",
    "ProgressCallback",
    "activity_row",
    "combine_results",
    "empty_timeline",
    "import_activities",
    "import_athletes",
    "import_of",
    "infer_is_run",
    "read",
    "to_frame",
]

_COUNTS = ("files_from_cache", "files_decoded")
#: The laps as an Arrow table, before they become a DataFrame.
_LAP_TABLE = pa.schema(
    [("athlete", pa.string()), ("activity_id", pa.string())]
    + [LAP_SCHEMA.field(name) for name in LAP_COLUMNS[2:]]
)
ProgressCallback = Callable[[int, int, str], None]


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


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
    #: Files (a zip archive counts as one) taken from the import cache unchanged.
    files_from_cache: int = 0
    #: Files read and decoded in this import (new, changed, or no cache).
    files_decoded: int = 0

    def __repr__(self) -> str:
        return f"<ImportReport: {self.summary()}>"

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
            "files_from_cache": self.files_from_cache,
            "files_decoded": self.files_decoded,
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
    (:func:`loadwatch.importers.streams.speed_profile`: metres per 0.1 m/s bin), for the
    activities whose file has a usable record stream.
    """

    timeline: pd.DataFrame
    laps: pd.DataFrame
    report: ImportReport
    settings: dict[str, AthleteSettings]
    profiles: dict[str, np.ndarray] = field(default_factory=dict)
    #: Athlete → the Strava/Garmin export tables found beside or inside their files.
    exports: dict[str, ExportTables] = field(default_factory=dict)

    def _counts(self) -> list[tuple[str, str]]:
        """(label, value) pairs for the short and the HTML repr."""
        timeline, report = self.timeline, self.report
        n_athletes = len(self.settings) or int(timeline["athlete"].nunique())
        runs = int(timeline["is_run"].sum()) if len(timeline) else 0
        starts = timeline["start_local"].dropna() if len(timeline) else timeline["start_local"]
        weeks = int((starts.max() - starts.min()).days // 7 + 1) if len(starts) else 0
        return [
            ("athletes", _count(n_athletes, "athlete")),
            ("activities", f"{_count(len(timeline), 'activity', 'activities')}"),
            ("runs", _count(runs, "run")),
            ("weeks", _count(weeks, "week")),
            ("duplicates merged", str(len(report.duplicates))),
            ("unreadable files", str(len(report.errors))),
        ]

    def __repr__(self) -> str:
        c = dict(self._counts())
        return (
            f"<ImportResult: {c['athletes']}, {c['activities']} ({c['runs']}) in {c['weeks']}, "
            f"{_count(len(self.report.duplicates), 'duplicate')} merged, "
            f"{c['unreadable files']} unreadable>"
        )

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><th style='text-align:left'>{escape(label)}</th><td>{escape(value)}</td></tr>"
            for label, value in self._counts()
        )
        return f"<table><caption>ImportResult</caption>{rows}</table>"

    def between(self, since: date | None = None, until: date | None = None) -> pd.DataFrame:
        """The timeline rows whose local start day is in ``[since, until]`` (both optional).

        What ``loadwatch activities --since/--until`` lists. Weeks and findings
        keep the earlier runs as history: filter those with
        ``weekly_load(result, since=, until=)`` and ``check(result, since=, until=)``.
        """
        return rows_between(self.timeline, since, until)


def _register(result: ImportResult) -> ImportResult:
    """Note ``result`` in the registry and its key in ``timeline.attrs`` (see :func:`import_of`)."""
    meta = result.timeline.attrs.setdefault(ATTRS_KEY, {})
    key = import_key(meta.get("athletes", {}), result.timeline["activity_id"])
    meta["import"] = key
    remember(key, result)
    return result


def import_of(timeline: pd.DataFrame) -> tuple[bool, ImportResult | None]:
    """The import a timeline (or rows of one) came from, if it is still in memory.

    Returns
    -------
    tuple of (bool, ImportResult or None)
        Whether ``timeline.attrs`` names an import at all, and that import (the
        newest alive one, :mod:`loadwatch.timeline.registry`) or None when it is gone.
    """
    meta = timeline.attrs.get(ATTRS_KEY)
    key = meta.get("import") if isinstance(meta, dict) else None
    if not isinstance(key, str):
        return False, None
    found = recall(key)
    return True, found if isinstance(found, ImportResult) else None


@dataclass
class _Plan:
    """One athlete's files in order, each a cache entry (its row number) or an outcome."""

    athlete: AthleteFolder
    store: AthleteCache
    entries: list[int | FileOutcome]


def _plan(
    athlete: AthleteFolder, directory: Path | None, report: ImportReport, tick: Callable
) -> tuple[_Plan, list[tuple[AthleteFolder, FileOutcome]]]:
    """Take from the cache what is unchanged; list the rest to decode."""
    store = AthleteCache(directory, athlete.folder, athlete.settings)
    plan = _Plan(athlete, store, [])
    todo: list[tuple[AthleteFolder, FileOutcome]] = []
    for path in athlete.files:
        source = str(path)
        outcome = FileOutcome(source)
        if path.name.startswith("._"):
            tick(source)
            outcome.files_seen = 1
            reason = "macOS metadata file, not data"
            outcome.problems.append(("skipped", FileProblem(source, "macos", reason)))
            outcome.cacheable = False
            plan.entries.append(outcome)
            continue
        try:
            stat = os.stat(path)
        except OSError:  # gone since it was found: reading it says so
            stat = None
        if stat is not None:
            key = store.key_of(path)
            hit = store.find(key, path, stat.st_size, stat.st_mtime_ns) if directory else None
            if hit is not None:
                tick(source)
                plan.entries.append(hit)
                report.files_from_cache += 1
                continue
            outcome.path, outcome.size, outcome.mtime_ns = key, stat.st_size, stat.st_mtime_ns
        plan.entries.append(outcome)
        todo.append((athlete, outcome))
    report.files_decoded += len(todo)
    return plan, todo


def _finish(
    plan: _Plan, report: ImportReport, profiles: dict[str, np.ndarray]
) -> tuple[list[dict[str, Any]], pa.Table]:
    """The athlete's rows (duplicates merged, runs told apart) and laps; the cache saved."""
    athlete = plan.athlete
    sources = [str(p) for p in athlete.files]
    table = plan.store.combined(plan.entries)
    plan.store.save(plan.entries, table)
    if plan.store.write_error:
        where = str(plan.store.path.parent) if plan.store.path else "cache"
        report.warnings.append(FileProblem(where, "cache", plan.store.write_error))
    report.files_seen += sum(table.column("files_seen").to_pylist())
    report.files_read += sum(table.column("files_read").to_pylist())
    n_problems = table.column("problems").combine_chunks().value_lengths().to_pylist()
    for i, entry in enumerate(plan.entries):
        if not isinstance(entry, int):
            for category, problem in entry.problems:
                getattr(report, category).append(problem)
        elif n_problems[i]:
            for category, source, kind, reason, trace in cached_problems(table, i, sources[i]):
                getattr(report, category).append(FileProblem(source, kind, reason, trace=trace))
    unpacked = unpack(table, sources, athlete.name)
    kept, merges = merge_duplicates(unpacked.rows, athlete.name)
    report.duplicates.extend(merges)
    now = utc_now()
    for row in kept:
        future = future_note(row["start_utc"], now)
        if future:  # judged each run: the cache holds what the file says, not today's verdict
            row["notes"] = "; ".join(n for n in (row["notes"], future) if n)
            report.warnings.append(FileProblem(row["file"], "implausible", future))
        row["is_run"], row["sport_inferred"], note = infer_is_run(row)
        if note:
            row["notes"] = "; ".join(n for n in (row["notes"], note) if n)
        profile = unpacked.profiles[row["_row"]]
        if profile is not None:
            profiles[row["activity_id"]] = profile
    laps = unpacked.laps_of(kept)
    return kept, laps


def import_activities(
    path: str | Path,
    *,
    roster: bool | None = None,
    progress: ProgressCallback | None = None,
    athlete: str | None = None,
    overrides: SettingsOverride | None = None,
    cache: bool | str | Path = True,
    jobs: int | None = None,
) -> ImportResult:
    """Import every activity file under ``path`` into one timeline.

    Parameters
    ----------
    path
        A FIT/GPX/TCX file (optionally ``.gz``), a runner's folder (searched
        recursively), or a roster folder (sub-folders with ``loadwatch.toml``).
    roster
        See :func:`loadwatch.timeline.athletes.find_athletes`.
    progress
        Called as ``progress(done, total, file)`` before each file.
    athlete
        With one athlete, its name; with a roster, only that athlete is read.
    overrides
        Settings that replace every athlete's ``loadwatch.toml`` values
        (time zone, week start, units), e.g. from the command line.
    cache
        ``True`` (default): keep what decoding each file gave in the cache
        folder (:mod:`loadwatch.timeline.cache`) and decode only new or changed files
        next time; a folder: keep it there; ``False``: read and write no cache.
    jobs
        Processes that decode files. ``None`` (default): every core, where
        the work outweighs starting workers (:func:`loadwatch.timeline.pool.pool_plan`):
        this process reads too, beside one worker per other core. ``N`` above 1:
        ``N`` worker processes, this one only hands out the work (a file that
        crashes the interpreter then costs only itself). ``1``: everything in
        this process. Fewer than :data:`loadwatch.timeline.pool.POOL_MIN_FILES`
        files to decode always stay in this process. The result is the same
        for every value.

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
    return import_athletes(athletes, progress=progress, cache=cache, jobs=jobs)


def import_athletes(
    athletes: list[AthleteFolder],
    *,
    progress: ProgressCallback | None = None,
    cache: bool | str | Path = True,
    jobs: int | None = None,
) -> ImportResult:
    """Import the files of these athletes (from :func:`loadwatch.timeline.athletes.find_athletes`).

    The seam for engines that spread athletes over processes or machines: the
    import of one athlete never depends on another's, so
    ``combine_results([import_athletes([a]) for a in athletes])`` equals
    ``import_athletes(athletes)``. ``progress``, ``cache`` and ``jobs`` are as
    in :func:`import_activities`; one pool of worker processes serves all the
    athletes.

    Raises
    ------
    ValueError
        ``jobs`` is less than 1.
    """
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be 1 or more, got {jobs}")
    total = sum(len(a.files) for a in athletes)
    report = ImportReport(athletes=[a.name for a in athletes])
    done = 0

    def tick(source: str) -> None:
        nonlocal done
        if progress is not None:
            progress(done, total, source)
        done += 1

    directory = cache_folder(cache)
    plans: list[_Plan] = []
    todo: list[tuple[AthleteFolder, FileOutcome]] = []
    for folder in athletes:
        plan, pending = _plan(folder, directory, report, tick)
        # Folders and special files met while finding this athlete's files.
        report.errors += [problem_of(problem) for problem in folder.problems]
        plans.append(plan)
        todo += pending
    if todo:  # a warm re-run (every file from the cache) loads no decoder
        from loadwatch.timeline.decode import decode_files

        decode_files(todo, jobs, tick)
    rows: list[dict[str, Any]] = []
    laps: list[pa.Table] = []
    profiles: dict[str, np.ndarray] = {}
    for plan in plans:
        athlete_rows, athlete_laps = _finish(plan, report, profiles)
        rows += athlete_rows
        laps.append(athlete_laps)
    if progress is not None:
        progress(total, total, "")
    timeline = to_frame(rows)
    exports = {a.name: find_export_tables(map(str, a.files), a.folder) for a in athletes}
    timeline, lines = apply_export_tables(timeline, exports)
    report.warnings += [FileProblem(source, "export", reason) for source, reason in lines]
    report.activities = len(timeline)
    report.runs = int(timeline["is_run"].sum())
    report.non_runs = report.activities - report.runs
    timeline.attrs[ATTRS_KEY] = {
        "athletes": {
            a.name: {
                "folder": str(a.folder),
                "week_start": a.settings.week_start,
                "units": a.settings.units,
            }
            for a in athletes
        }
    }
    return _register(
        ImportResult(
            timeline=timeline,
            laps=_lap_frame(laps),
            report=report,
            settings={a.name: a.settings for a in athletes},
            profiles=profiles,
            exports=exports,
        )
    )


def _lap_frame(tables: list[pa.Table]) -> pd.DataFrame:
    """Lap tables (from :func:`_finish`) as one DataFrame of :data:`LAP_COLUMNS`."""
    table = pa.concat_tables(tables) if tables else _LAP_TABLE.empty_table()
    return table.to_pandas()


def combine_results(results: list[ImportResult]) -> ImportResult:
    """One :class:`ImportResult` from the imports of separate athletes, in the given order."""
    report = ImportReport()
    for part in results:
        for name in ("files_seen", "files_read", "activities", "runs", "non_runs", *_COUNTS):
            setattr(report, name, getattr(report, name) + getattr(part.report, name))
        for name in ("errors", "skipped", "warnings", "duplicates", "athletes"):
            getattr(report, name).extend(getattr(part.report, name))
    frames = [r.timeline for r in results if len(r.timeline)]
    # infer_objects: an athlete whose text column is all empty (GPX only: no sub_sport)
    # must not leave the combined column ``object`` where one import gives ``str``.
    timeline = to_frame([]) if not frames else pd.concat(frames, ignore_index=True).infer_objects()
    athletes: dict[str, Any] = {}
    for part in results:
        athletes.update(part.timeline.attrs.get("loadwatch", {}).get("athletes", {}))
    timeline.attrs["loadwatch"] = {"athletes": athletes}
    lap_frames = [r.laps for r in results if len(r.laps)]
    laps = (
        pd.concat(lap_frames, ignore_index=True).infer_objects() if lap_frames else _lap_frame([])
    )
    settings: dict[str, AthleteSettings] = {}
    profiles: dict[str, np.ndarray] = {}
    exports: dict[str, ExportTables] = {}
    for part in results:
        settings.update(part.settings)
        profiles.update(part.profiles)
        exports.update(part.exports)
    return _register(ImportResult(timeline, laps, report, settings, profiles, exports))


def read(path: str | Path, *, roster: bool | None = None, **options: Any) -> pd.DataFrame:
    """The activity timeline of ``path`` (see :func:`import_activities` for the options)."""
    return import_activities(path, roster=roster, **options).timeline
