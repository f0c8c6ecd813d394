"""Which pair each run was run in, and where that came from.

Order of precedence (the first that names a pair wins):

1. ``shoe-overrides.csv`` — a file (by name) or a local day → a pair, or an
   empty ``shoe`` for "in no tracked pair" (see :mod:`loadwatch.shoes.sources`).
2. The gear of a Strava export — ``activities.csv`` ``Activity Gear``, matched
   to the run by its file (also a file merged into the run as a duplicate).
   A Strava activity without gear says nothing and falls through to 3.
3. The ``[[shoes]]`` periods of ``loadwatch.toml`` (``from`` … ``until``, both
   local days, inclusive). Where two periods cover the day (two pairs in
   rotation) the run is left unassigned: loadwatch does not guess which pair.

Runs matched by none of these are *unassigned*: counted and shown, never
given an invented pair. Only runs (``is_run``) are assigned; rides, swims and
walks never add to a shoe. A duplicate file is merged into one timeline row
at import, so it cannot count twice.

Names are matched without regard to case: a Strava gear called like a
``[[shoes]]`` entry is that pair, and takes its ``drop_mm`` and ``start_km``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pandas as pd

from loadwatch.importers.exports.locate import find_export_tables, search_folders
from loadwatch.importers.exports.strava import StravaExport
from loadwatch.shoes.sources import OVERRIDES_FILE, Overrides, read_overrides
from loadwatch.timeline.build import ImportResult
from loadwatch.timeline.exports import row_files

#: Columns of :func:`assign_shoes` (indexed by ``activity_id``).
ASSIGNMENT_COLUMNS = ("athlete", "start_local", "distance_km", "shoe", "source", "note")
#: Values of the ``source`` column, strongest first; ``None`` for unassigned runs.
SOURCES = ("override", "strava", "settings")
#: Pairs named in the note of a run that several ``[[shoes]]`` periods cover.
NOTE_PAIRS = 3


@dataclass(frozen=True)
class ShoeInfo:
    """One pair of one athlete, as loadwatch knows it.

    Attributes
    ----------
    name
        The pair's name (the ``[[shoes]]`` spelling where there is one).
    drop_mm
        Heel-to-toe drop [mm], or None where unknown.
    start_km
        Distance run in the pair before these records [km].
    minimalist
        Marked ``minimalist = true`` in ``loadwatch.toml``.
    brand, model
        From ``loadwatch.toml`` or the Strava export's ``shoes.csv``.
    retired
        The ``until`` day of its ``[[shoes]]`` period (the pair was put away), or None.
    """

    name: str
    drop_mm: float | None = None
    start_km: float = 0.0
    minimalist: bool = False
    brand: str | None = None
    model: str | None = None
    retired: date | None = None


@dataclass
class AthleteSources:
    """The shoe information found for one athlete."""

    root: Path | None
    overrides: Overrides = field(default_factory=Overrides)
    strava: list[StravaExport] = field(default_factory=list)


def _files_of(rows: pd.DataFrame) -> list[str]:
    files: list[str] = []
    for file, merged in zip(rows["file"], rows["merged_from"], strict=True):
        files += row_files(file, merged)
    return files


def athlete_sources(
    result: ImportResult, folders: Mapping[str, str | Path] | None = None
) -> dict[str, AthleteSources]:
    """Find and read each athlete's ``shoe-overrides.csv`` and Strava export CSVs.

    Parameters
    ----------
    result
        An import (:func:`loadwatch.import_activities`).
    folders
        Athlete → folder, where it is not the folder of its ``loadwatch.toml``
        (e.g. the PATH given on the command line for a folder without one).

    Raises
    ------
    SettingsError
        A ``shoe-overrides.csv`` is malformed, or a CSV cannot be read.
    """
    folders = folders or {}
    timeline = result.timeline
    names = list(dict.fromkeys([*result.settings, *timeline["athlete"].unique()]))
    out: dict[str, AthleteSources] = {}
    for athlete in names:
        settings = result.settings.get(athlete)
        root: Path | None = None
        if athlete in folders:
            root = Path(folders[athlete])
        elif settings is not None and settings.path is not None:
            root = settings.path.parent
        rows = timeline[timeline["athlete"] == athlete]
        sources = AthleteSources(root)
        files = _files_of(rows)
        for folder in search_folders(files, root):
            overrides = folder / OVERRIDES_FILE
            if overrides.is_file():
                read_overrides(overrides, into=sources.overrides)
        # The Strava tables found at import (in a folder or inside the export's zip).
        tables = result.exports.get(athlete)
        if tables is None:
            tables = find_export_tables(files, root)
        sources.strava = list(tables.strava)
        out[athlete] = sources
    return out


def _canonical(names: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in names:
        out.setdefault(name.strip().lower(), name.strip())
    return out


def _name(canonical: dict[str, str], name: str | None) -> str | None:
    if name is None or not name.strip():
        return None
    return canonical.setdefault(name.strip().lower(), name.strip())


def assign_shoes(
    result: ImportResult,
    *,
    folders: Mapping[str, str | Path] | None = None,
    sources: Mapping[str, AthleteSources] | None = None,
) -> pd.DataFrame:
    """The pair of every run, and where that came from.

    Parameters
    ----------
    result
        An import (:func:`loadwatch.import_activities`).
    folders
        See :func:`athlete_sources`.
    sources
        Already-read sources (from :func:`athlete_sources`); read when None.

    Returns
    -------
    pandas.DataFrame
        One row per run (``is_run``), indexed by ``activity_id``, sorted by
        athlete and start, with :data:`ASSIGNMENT_COLUMNS`: ``athlete``,
        ``start_local``, ``distance_km`` [km], ``shoe`` (None: unassigned),
        ``source`` (one of :data:`SOURCES`, None when unassigned) and ``note``
        (which line, activity or period decided, or why there is no pair).
    """
    if sources is None:
        sources = athlete_sources(result, folders)
    runs = result.timeline[result.timeline["is_run"]]
    runs = runs.sort_values(["athlete", "start_local"], kind="stable")
    records = []
    for athlete, group in runs.groupby("athlete", sort=False):
        settings = result.settings.get(str(athlete))
        periods = settings.shoes if settings is not None else ()
        found = sources.get(str(athlete)) or AthleteSources(None)
        canonical = _canonical(
            [p.name for p in periods] + [s.name for e in found.strava for s in e.shoes]
        )
        index = _PeriodIndex(periods)
        for row in group.itertuples(index=False):
            files = row_files(row.file, row.merged_from)
            day: date = row.start_local.date()
            shoe, source, note = _assign_one(files, day, found, index, canonical)
            records.append(
                {
                    "activity_id": row.activity_id,
                    "athlete": athlete,
                    "start_local": row.start_local,
                    "distance_km": float(row.distance_km),
                    "shoe": shoe,
                    "source": source,
                    "note": note,
                }
            )
    frame = pd.DataFrame(records, columns=["activity_id", *ASSIGNMENT_COLUMNS])
    frame["start_local"] = pd.to_datetime(frame["start_local"]).astype("datetime64[ns]")
    frame["distance_km"] = frame["distance_km"].astype("float64")
    for column in ("shoe", "source", "note"):  # None, not NaN, where there is none
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame.set_index("activity_id")


class _PeriodIndex:
    """The ``[[shoes]]`` periods covering a day, for days asked in ascending order.

    A sweep over the periods sorted by start (and a heap of the open ones by end),
    so a roster of thousands of pairs costs O((pairs + runs) log pairs), not
    pairs x runs. A day earlier than the previous one starts the sweep again.
    """

    def __init__(self, periods: Sequence) -> None:
        self._periods = list(periods)
        self._by_start = sorted(range(len(self._periods)), key=lambda i: self._periods[i].start)
        self._reset()

    def _reset(self) -> None:
        self._next = 0
        self._ending: list[tuple[date, int]] = []
        self._open: set[int] = set()
        self._day: date | None = None

    def covering(self, day: date) -> tuple[int, list]:
        """How many periods cover ``day``, and the first :data:`NOTE_PAIRS` of them (in
        ``loadwatch.toml`` order)."""
        if self._day is not None and day < self._day:
            self._reset()
        self._day = day
        while self._next < len(self._by_start):
            i = self._by_start[self._next]
            if self._periods[i].start > day:
                break
            self._open.add(i)
            until = self._periods[i].until
            if until is not None:
                heapq.heappush(self._ending, (until, i))
            self._next += 1
        while self._ending and self._ending[0][0] < day:
            self._open.discard(heapq.heappop(self._ending)[1])
        first = heapq.nsmallest(NOTE_PAIRS, self._open)
        return len(self._open), [self._periods[i] for i in first]


def _assign_one(
    files: list[str],
    day: date,
    found: AthleteSources,
    periods: _PeriodIndex,
    canonical: dict[str, str],
) -> tuple[str | None, str | None, str]:
    override = found.overrides.find(files, day)
    if override is not None:
        where = f"{OVERRIDES_FILE} line {override.line}"
        if override.shoe is None:
            return None, "override", f"in no tracked pair ({where})"
        return _name(canonical, override.shoe), "override", where
    for export in found.strava:
        activity = export.find(files)
        if activity is not None and activity.gear:
            return (
                _name(canonical, activity.gear),
                "strava",
                f"Strava activity {activity.activity_id or activity.filename}",
            )
    count, covering = periods.covering(day)
    if count == 1:
        period = covering[0]
        until = period.until.isoformat() if period.until else "on"
        return period.name, "settings", f"[[shoes]] {period.name} ({period.start} to {until})"
    if count:
        names = ", ".join(p.name for p in covering) + (", …" if count > len(covering) else "")
        return (
            None,
            None,
            f"{count} [[shoes]] periods cover {day} ({names}): name the pair in {OVERRIDES_FILE}",
        )
    return None, None, "no pair: no override, no Strava gear and no [[shoes]] period"


def known_shoes(
    result: ImportResult,
    assignments: pd.DataFrame,
    sources: Mapping[str, AthleteSources] | None = None,
) -> dict[str, dict[str, ShoeInfo]]:
    """Every pair of every athlete: the ``[[shoes]]`` entries and the pairs runs were
    assigned to, with drop, ``start_km``, brand and model where known.

    Returns
    -------
    dict
        athlete → pair name → :class:`ShoeInfo`, pairs in the order first known.
    """
    sources = sources or {}
    athletes = list(dict.fromkeys([*result.settings, *assignments["athlete"].unique()]))
    out: dict[str, dict[str, ShoeInfo]] = {}
    for athlete in athletes:
        settings = result.settings.get(athlete)
        pairs: dict[str, ShoeInfo] = {}
        for period in settings.shoes if settings is not None else ():
            pairs[period.name.lower()] = ShoeInfo(
                name=period.name,
                drop_mm=period.drop_mm,
                start_km=period.start_km,
                minimalist=period.minimalist,
                brand=period.brand,
                model=period.model,
                retired=period.until,
            )
        used = assignments.loc[assignments["athlete"] == athlete, "shoe"].dropna()
        for name in used.unique():
            pairs.setdefault(str(name).lower(), ShoeInfo(name=str(name)))
        found = sources.get(athlete)
        for export in found.strava if found is not None else ():
            for shoe in export.shoes:
                key = shoe.name.lower()
                if key in pairs:
                    info = pairs[key]
                    pairs[key] = replace(
                        info, brand=info.brand or shoe.brand, model=info.model or shoe.model
                    )
        out[athlete] = {info.name: info for info in pairs.values()}
    return out
