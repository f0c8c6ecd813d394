"""Strava bulk export tables: ``activities.csv`` and ``shoes.csv``.

Strava's "Download your data" archive holds ``activities.csv`` (one row per
activity) beside an ``activities/`` folder of the uploaded files
(``1234567890.fit.gz``, ``.gpx.gz``, ``.tcx.gz``, ``.fit``, ``.gpx``). Of
``activities.csv`` loadwatch reads:

* ``Filename`` — the activity's file (``activities/1234567890.fit.gz``); rows
  without one were typed in by hand and have no file to read;
* ``Activity Type`` — the sport the runner sees on Strava (``Run``, ``Ride``,
  ``Trail Run`` …), corrected by the runner where the watch was set wrong;
* ``Activity Name`` — the title;
* ``Activity Gear`` — the pair of shoes (or bike);
* ``Distance`` — appears twice: the display value (km or miles, as the
  athlete's Strava setting) first, metres last; the last is used;
* ``Activity ID``, ``Activity Date`` — for messages, and the date to tell which
  listed activities a plan's coverage counts (:func:`strava_date`).

A distance that is not a finite number from 0 to :data:`MAX_DISTANCE_KM` is
not used (that row's distance is not checked against the file's), and one line
per table says how many rows had one. ``Activity Date`` is kept as text for
messages only; times and elapsed times are not read (the file's own are used).

``shoes.csv`` gives ``Shoe Brand`` and ``Shoe Model`` per ``Shoe Name``. A
file named ``activities.csv`` without ``Filename`` and ``Activity Gear``
columns (a spreadsheet of one's own, or an export in another language) is
passed over. Nothing here writes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath

from loadwatch.entry_checks import number_problem
from loadwatch.errors import SettingsError
from loadwatch.importers.regular_files import MAX_TABLE_BYTES, read_regular_bytes

#: Strava bulk export: one row per activity.
STRAVA_ACTIVITIES_FILE = "activities.csv"
#: Strava bulk export: one row per pair of shoes.
STRAVA_SHOES_FILE = "shoes.csv"
#: Largest distance of one activity [km] (multi-day ultra rides stay below it).
MAX_DISTANCE_KM = 5000.0
#: How ``Activity Date`` reads in English exports (UTC): ``Mar 1, 2026, 7:05:00 AM``.
STRAVA_DATE_FORMAT = "%b %d, %Y, %I:%M:%S %p"


def strava_date(text: str) -> datetime | None:
    """An ``Activity Date`` as a UTC time; None where it is empty or not in
    :data:`STRAVA_DATE_FORMAT` (an export in another language)."""
    try:
        return datetime.strptime(text.strip(), STRAVA_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def file_key(name: str | PurePath) -> str:
    """A file's matching key: its name in lower case without ``.gz``.

    ``activities/123.fit.gz`` and ``/data/123.FIT`` both give ``123.fit``; so
    does the archive member ``export.zip!activities/123.fit.gz``.
    """
    base = PurePath(str(name).replace("\\", "/").rsplit("!", 1)[-1]).name.lower()
    return base[:-3] if base.endswith(".gz") else base


def path_key(name: str) -> str:
    """A relative path's matching key: lower case, ``/``-separated, without ``./`` and ``.gz``."""
    text = name.strip().replace("\\", "/").lower().lstrip("./")
    return text[:-3] if text.endswith(".gz") else text


@dataclass(frozen=True)
class StravaActivity:
    """One row of a Strava ``activities.csv`` (only what loadwatch uses)."""

    activity_id: str
    date: str
    sport: str
    gear: str | None
    filename: str
    distance_km: float | None
    name: str = ""


@dataclass(frozen=True)
class StravaShoe:
    """One row of a Strava ``shoes.csv``."""

    name: str
    brand: str | None
    model: str | None


@dataclass
class StravaExport:
    """A Strava export's tables: its activities by file, its shoes, its manual entries.

    Attributes
    ----------
    folder
        The unpacked export's folder; for an export read from a zip, the zip.
    origin
        Where ``activities.csv`` was read, as messages name it: a path, or
        ``export.zip!export_123/activities.csv``.
    member_prefix
        For an export inside a zip: the prefix of its files' source names
        (``export.zip!export_123/``); empty for a folder.
    manual
        Rows without a file (entered by hand on Strava): not in the timeline.
    """

    folder: Path
    activities: list[StravaActivity] = field(default_factory=list)
    shoes: list[StravaShoe] = field(default_factory=list)
    origin: str = ""
    member_prefix: str = ""
    manual: list[StravaActivity] = field(default_factory=list)
    #: ``(origin, reason)`` lines about rows whose values were not used.
    problems: list[tuple[str, str]] = field(default_factory=list)
    _by_path: dict[str, StravaActivity] = field(default_factory=dict, repr=False)
    _by_name: dict[str, StravaActivity] = field(default_factory=dict, repr=False)
    _root: Path | None = field(default=None, repr=False)

    def index(self) -> None:
        """Build the file lookups (called by the readers)."""
        if not self.member_prefix:
            try:
                self._root = self.folder.resolve()
            except OSError:
                self._root = self.folder
        for act in self.activities:
            self._by_path[path_key(act.filename)] = act
            self._by_name.setdefault(file_key(act.filename), act)

    def _relative(self, name: str) -> str | None:
        if self.member_prefix:
            return name[len(self.member_prefix) :] if name.startswith(self.member_prefix) else None
        if "!" in name:
            return None
        try:
            return Path(name).resolve().relative_to(self._root or self.folder).as_posix()
        except (ValueError, OSError):
            return None

    def find(self, files: Iterable[str]) -> StravaActivity | None:
        """The activity recorded in one of ``files``: by path below the export, else by
        file name (files unpacked or moved)."""
        names = list(files)
        for name in names:
            relative = self._relative(name)
            if relative is not None:
                found = self._by_path.get(path_key(relative))
                if found is not None:
                    return found
        for name in names:
            found = self._by_name.get(file_key(name))
            if found is not None:
                return found
        return None


def _number(text: str) -> float | str | None:
    """A Distance cell as a number; None where empty; the cell itself where not a number."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def csv_rows(text: str, origin: str = "") -> list[list[str]]:
    """The non-empty rows of CSV ``text`` (quoted fields may hold line breaks).

    Raises
    ------
    SettingsError
        The text is not CSV Python can read (a field over the size limit).
    """
    try:
        return [row for row in csv.reader(text.splitlines(keepends=True)) if row]
    except csv.Error as exc:
        raise SettingsError(
            origin or "(table)", "(file)", f"not a readable CSV file: {exc}"
        ) from exc


def decode_text(data: bytes, origin: str) -> str:
    """UTF-8 text (an Excel BOM allowed) of a table file.

    Raises
    ------
    SettingsError
        The bytes are not UTF-8.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettingsError(origin, "(file)", f"cannot be read as UTF-8 text: {exc}") from exc


def parse_strava_export(
    activities_text: str,
    shoes_text: str | None,
    *,
    folder: Path,
    origin: str,
    member_prefix: str = "",
) -> StravaExport | None:
    """A :class:`StravaExport` from the text of ``activities.csv`` (and ``shoes.csv``).

    Returns
    -------
    StravaExport or None
        None where ``activities.csv`` lacks the ``Filename`` and
        ``Activity Gear`` columns (not a Strava export).
    """
    rows = csv_rows(activities_text, origin)
    if not rows:
        return None
    header = [cell.strip() for cell in rows[0]]
    if "Filename" not in header or "Activity Gear" not in header:
        return None

    def first(name: str) -> int | None:
        return header.index(name) if name in header else None

    at_file, at_gear = header.index("Filename"), header.index("Activity Gear")
    at_id, at_date, at_type = first("Activity ID"), first("Activity Date"), first("Activity Type")
    at_name = first("Activity Name")
    distances = [i for i, name in enumerate(header) if name == "Distance"]
    export = StravaExport(folder, origin=origin, member_prefix=member_prefix)
    bad_distances: list[str] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = row + [""] * (len(header) - len(row))

        def cell(index: int | None, cells: list[str] = cells) -> str:
            return "" if index is None else cells[index].strip()

        distance_km = None
        if distances:
            value = _number(cells[distances[-1]])
            if value is not None:
                # Two Distance columns: the last is metres. One: Strava's display value in km.
                km = value / 1000.0 if len(distances) > 1 and isinstance(value, float) else value
                problem = number_problem(km, maximum=MAX_DISTANCE_KM, unit=" km")
                if problem is None:
                    distance_km = float(km)
                else:
                    shown = cells[distances[-1]].strip()[:30]
                    bad_distances.append(f"row {number}: Distance {shown!r}")
        activity = StravaActivity(
            activity_id=cell(at_id),
            date=cell(at_date),
            sport=cell(at_type),
            gear=cell(at_gear) or None,
            filename=cell(at_file),
            distance_km=distance_km,
            name=cell(at_name),
        )
        if activity.filename:
            export.activities.append(activity)
        else:
            export.manual.append(activity)  # typed in by hand: no file, not in the timeline
    if bad_distances:
        count = len(bad_distances)
        noun = "row has" if count == 1 else "rows have"
        export.problems.append(
            (
                origin,
                f"{count} {noun} a distance that is not a number from 0 to "
                f"{MAX_DISTANCE_KM:g} km (first: {bad_distances[0]}); not used",
            )
        )
    if shoes_text:
        shoe_rows = csv_rows(
            shoes_text, origin.removesuffix(STRAVA_ACTIVITIES_FILE) + STRAVA_SHOES_FILE
        )
        head = [cell.strip() for cell in shoe_rows[0]] if shoe_rows else []
        if "Shoe Name" in head or "Shoe Model" in head:
            for row in shoe_rows[1:]:
                data = dict(zip(head, [c.strip() for c in row], strict=False))
                brand = data.get("Shoe Brand") or None
                model = data.get("Shoe Model") or None
                # Strava shows a pair without a nickname as "Brand Model".
                name = data.get("Shoe Name") or " ".join(p for p in (brand, model) if p)
                if name:
                    export.shoes.append(StravaShoe(name, brand, model))
    export.index()
    return export


def _read_text(path: Path) -> str:
    try:
        data = read_regular_bytes(path, MAX_TABLE_BYTES)
    except OSError as exc:
        raise SettingsError(path, "(file)", f"cannot be read: {exc.strerror or exc}") from exc
    return decode_text(data, str(path))


def read_strava_export(folder: Path) -> StravaExport | None:
    """Read ``activities.csv`` (and ``shoes.csv`` if present) of an unpacked Strava export.

    Returns
    -------
    StravaExport or None
        None where ``activities.csv`` is missing or lacks the ``Filename`` and
        ``Activity Gear`` columns.

    Raises
    ------
    SettingsError
        The file exists but cannot be read as UTF-8 text.
    """
    path = folder / STRAVA_ACTIVITIES_FILE
    if not path.is_file():
        return None
    shoes_path = folder / STRAVA_SHOES_FILE
    shoes_text = _read_text(shoes_path) if shoes_path.is_file() else None
    return parse_strava_export(_read_text(path), shoes_text, folder=folder, origin=str(path))
