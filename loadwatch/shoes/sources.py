"""Where shoe names come from: ``shoe-overrides.csv`` and a Strava export's CSV files.

Both files are looked for in the athlete's folder (the folder of its
``loadwatch.toml``) and in the folders between it and the activity files (a
Strava export unpacked anywhere below it: ``activities.csv`` beside the
``activities/`` folder that holds the files). Only these files are read;
nothing is written.

``shoe-overrides.csv`` (written by the runner, for loadwatch)::

    file_or_date,shoe
    2026-08-01-0800-run.fit,Racer B     # one file (its name, or a path ending)
    2026-09-29,Trainer A               # every run on that local day
    2026-10-02,                         # empty shoe: in no tracked pair

Strava bulk export (``activities.csv``): the columns ``Filename`` (e.g.
``activities/1234567890.fit.gz``) and ``Activity Gear`` (the gear's name) are
used; ``Activity ID``, ``Activity Date``, ``Activity Type`` and ``Distance``
are read for information. ``Distance`` appears twice in Strava's file (display
value first, metres last); the last is used. ``shoes.csv`` gives ``Shoe
Brand`` and ``Shoe Model`` per ``Shoe Name``. A file named ``activities.csv``
without ``Filename`` and ``Activity Gear`` columns (a spreadsheet of one's
own, or an export in another language) is passed over.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePath

from ..errors import SettingsError

#: The per-run override file (``shoes.csv`` is Strava's name for its gear list).
OVERRIDES_FILE = "shoe-overrides.csv"
#: Strava bulk export: one row per activity.
STRAVA_ACTIVITIES_FILE = "activities.csv"
#: Strava bulk export: one row per pair of shoes.
STRAVA_SHOES_FILE = "shoes.csv"
#: Folders above an activity file searched for the CSV files (``activities/`` and
#: one or two levels of year or device folders).
MAX_LEVELS_UP = 3

_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def file_key(name: str | PurePath) -> str:
    """A file's matching key: its name in lower case without ``.gz``.

    ``activities/123.fit.gz`` and ``/data/123.FIT`` both give ``123.fit``.
    """
    base = PurePath(str(name).replace("\\", "/")).name.lower()
    return base[:-3] if base.endswith(".gz") else base


def _path_key(name: str) -> str:
    text = name.strip().replace("\\", "/").lower().lstrip("./")
    return text[:-3] if text.endswith(".gz") else text


def path_keys(path: str | PurePath) -> set[str]:
    """Every trailing part of ``path`` as a key: ``a/b/c.fit.gz`` → ``c.fit``, ``b/c.fit``,
    ``a/b/c.fit`` (lower case, without ``.gz``)."""
    parts = [p for p in _path_key(str(path)).split("/") if p]
    return {"/".join(parts[i:]) for i in range(len(parts))}


@dataclass(frozen=True)
class Override:
    """One line of ``shoe-overrides.csv``.

    Attributes
    ----------
    file
        A file name or the end of a path (matching key, see :func:`path_keys`), or None.
    day
        A local date, or None.
    shoe
        The pair worn; None for "in no tracked pair".
    line
        Line number in the file (for messages).
    """

    file: str | None
    day: date | None
    shoe: str | None
    line: int


@dataclass
class Overrides:
    """The overrides of one athlete: by file key and by local day."""

    by_file: dict[str, Override] = field(default_factory=dict)
    by_day: dict[date, Override] = field(default_factory=dict)
    paths: list[Path] = field(default_factory=list)

    def find(self, files: Iterable[str], day: date) -> Override | None:
        """The override of a run recorded in ``files`` on local ``day``: a file beats a day."""
        for name in files:
            for key in path_keys(name):
                if key in self.by_file:
                    return self.by_file[key]
        return self.by_day.get(day)


def read_overrides(path: Path, into: Overrides | None = None) -> Overrides:
    """Read one ``shoe-overrides.csv`` (UTF-8, an Excel BOM allowed; ``#`` lines skipped).

    Raises
    ------
    SettingsError
        The file cannot be read, lacks the ``file_or_date`` and ``shoe`` columns,
        has a bad date, or lists a file or day twice.
    """
    out = into if into is not None else Overrides()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(path, "(file)", f"cannot be read as UTF-8 text: {exc}") from exc
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(text.splitlines()), start=1)
        if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#")
    ]
    if not rows:
        raise SettingsError(path, "(header)", "empty: expected the columns file_or_date,shoe")
    header = [cell.strip().lower() for cell in rows[0][1]]
    if "file_or_date" not in header or "shoe" not in header:
        raise SettingsError(
            path, "(header)", f"expected the columns file_or_date,shoe; got {','.join(header)}"
        )
    at_key, at_shoe = header.index("file_or_date"), header.index("shoe")
    for number, row in rows[1:]:
        cells = [*row, "", ""]
        key = cells[at_key].strip()
        shoe = cells[at_shoe].strip() or None
        if not key:
            raise SettingsError(path, f"line {number}", "file_or_date is empty")
        if _DATE.match(key):
            try:
                day = date.fromisoformat("-".join(f"{int(p):02d}" for p in key.split("-")))
            except ValueError as exc:
                raise SettingsError(path, f"line {number}", f"{key!r} is not a date") from exc
            if day in out.by_day:
                raise SettingsError(path, f"line {number}", f"{day} is listed twice")
            out.by_day[day] = Override(None, day, shoe, number)
        else:
            file = _path_key(key)
            if file in out.by_file:
                raise SettingsError(path, f"line {number}", f"{key!r} is listed twice")
            out.by_file[file] = Override(file, None, shoe, number)
    out.paths.append(path)
    return out


@dataclass(frozen=True)
class StravaActivity:
    """One row of a Strava ``activities.csv`` (only what loadwatch uses)."""

    activity_id: str
    date: str
    sport: str
    gear: str | None
    filename: str
    distance_km: float | None


@dataclass(frozen=True)
class StravaShoe:
    """One row of a Strava ``shoes.csv``."""

    name: str
    brand: str | None
    model: str | None


@dataclass
class StravaExport:
    """A Strava export folder: its activities by file key, and its shoes."""

    folder: Path
    activities: list[StravaActivity] = field(default_factory=list)
    shoes: list[StravaShoe] = field(default_factory=list)
    _by_path: dict[str, StravaActivity] = field(default_factory=dict, repr=False)
    _by_name: dict[str, StravaActivity] = field(default_factory=dict, repr=False)
    _root: Path | None = field(default=None, repr=False)

    def index(self) -> None:
        """Build the file lookups (called by :func:`read_strava_export`)."""
        self._root = self.folder.resolve()
        for act in self.activities:
            self._by_path[_path_key(act.filename)] = act
            self._by_name.setdefault(file_key(act.filename), act)

    def find(self, files: Iterable[str]) -> StravaActivity | None:
        """The activity recorded in one of ``files``: by path below the export folder,
        else by file name (files unpacked or moved)."""
        names = list(files)
        for name in names:
            path = Path(name)
            try:
                relative = path.resolve().relative_to(self._root or self.folder.resolve())
            except (ValueError, OSError):
                continue
            found = self._by_path.get(_path_key(relative.as_posix()))
            if found is not None:
                return found
        for name in names:
            found = self._by_name.get(file_key(name))
            if found is not None:
                return found
        return None


def _number(text: str) -> float | None:
    text = text.strip().replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def _read_csv(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(path, "(file)", f"cannot be read as UTF-8 text: {exc}") from exc
    return [row for row in csv.reader(text.splitlines()) if row]


def read_strava_export(folder: Path) -> StravaExport | None:
    """Read ``activities.csv`` (and ``shoes.csv`` if present) of a Strava export folder.

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
    rows = _read_csv(path)
    if not rows:
        return None
    header = [cell.strip() for cell in rows[0]]
    if "Filename" not in header or "Activity Gear" not in header:
        return None

    def first(name: str) -> int | None:
        return header.index(name) if name in header else None

    at_file, at_gear = header.index("Filename"), header.index("Activity Gear")
    at_id, at_date, at_type = first("Activity ID"), first("Activity Date"), first("Activity Type")
    distances = [i for i, name in enumerate(header) if name == "Distance"]
    export = StravaExport(folder)
    for row in rows[1:]:
        cells = row + [""] * (len(header) - len(row))

        def cell(index: int | None, cells: list[str] = cells) -> str:
            return "" if index is None else cells[index].strip()

        filename = cell(at_file)
        if not filename:
            continue  # a manual entry: no file, so not in the timeline
        distance_km = None
        if distances:
            value = _number(cells[distances[-1]])
            if value is not None:
                # Two Distance columns: the last is metres. One: Strava's display value in km.
                distance_km = value / 1000.0 if len(distances) > 1 else value
        export.activities.append(
            StravaActivity(
                activity_id=cell(at_id),
                date=cell(at_date),
                sport=cell(at_type),
                gear=cell(at_gear) or None,
                filename=filename,
                distance_km=distance_km,
            )
        )
    shoes_path = folder / STRAVA_SHOES_FILE
    if shoes_path.is_file():
        shoe_rows = _read_csv(shoes_path)
        if shoe_rows:
            head = [cell.strip() for cell in shoe_rows[0]]
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


def search_folders(files: Iterable[str], root: Path | None) -> list[Path]:
    """Folders where an athlete's CSV files may be: ``root`` and the folders up to
    :data:`MAX_LEVELS_UP` above each file (never above ``root`` when it is known)."""
    found: dict[Path, None] = {}
    if root is not None:
        found[root] = None
    resolved_root = root.resolve() if root is not None else None
    parents = dict.fromkeys(Path(name).parent for name in files)
    for folder in parents:
        for _ in range(MAX_LEVELS_UP):
            found[folder] = None
            if resolved_root is not None and folder.resolve() == resolved_root:
                break
            if folder.parent == folder:
                break
            folder = folder.parent
    # One entry per real folder, in the order found.
    unique: dict[Path, Path] = {}
    for folder in found:
        try:
            unique.setdefault(folder.resolve(), folder)
        except OSError:
            continue
    return list(unique.values())
