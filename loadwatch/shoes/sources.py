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

Strava's ``activities.csv`` and ``shoes.csv`` — unpacked or inside the
export's zip — are read by :mod:`loadwatch.importers.exports.strava` (found at import
time, :attr:`loadwatch.timeline.build.ImportResult.exports`); the ``Activity Gear``
of an activity names its pair.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePath

from loadwatch.entry_checks import day_problem
from loadwatch.errors import SettingsError
from loadwatch.importers.exports.locate import MAX_LEVELS_UP, search_folders
from loadwatch.importers.exports.strava import (
    STRAVA_ACTIVITIES_FILE,
    STRAVA_SHOES_FILE,
    StravaActivity,
    StravaExport,
    StravaShoe,
    file_key,
    path_key,
    read_strava_export,
)
from loadwatch.importers.regular_files import MAX_TABLE_BYTES, read_regular_bytes

__all__ = [
    "MAX_LEVELS_UP",
    "OVERRIDES_FILE",
    "STRAVA_ACTIVITIES_FILE",
    "STRAVA_SHOES_FILE",
    "Override",
    "Overrides",
    "StravaActivity",
    "StravaExport",
    "StravaShoe",
    "file_key",
    "path_keys",
    "read_overrides",
    "read_strava_export",
    "search_folders",
]

#: The per-run override file (``shoes.csv`` is Strava's name for its gear list).
OVERRIDES_FILE = "shoe-overrides.csv"

_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def path_keys(path: str | PurePath) -> set[str]:
    """Every trailing part of ``path`` as a key: ``a/b/c.fit.gz`` → ``c.fit``, ``b/c.fit``,
    ``a/b/c.fit`` (lower case, without ``.gz``)."""
    parts = [p for p in path_key(str(path)).split("/") if p]
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
        has a bad date (or one before 1970 or after 2100: a typo in the year),
        or lists a file or day twice.
    """
    out = into if into is not None else Overrides()
    try:
        text = read_regular_bytes(path, MAX_TABLE_BYTES).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(path, "(file)", f"cannot be read as UTF-8 text: {exc}") from exc
    try:
        rows = [
            (number, row)
            for number, row in enumerate(csv.reader(text.splitlines()), start=1)
            if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#")
        ]
    except csv.Error as exc:  # a field over the size limit
        raise SettingsError(path, "(file)", f"not a readable CSV file: {exc}") from exc
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
            problem = day_problem(day)
            if problem is not None:
                raise SettingsError(path, f"line {number}", problem)
            if day in out.by_day:
                raise SettingsError(path, f"line {number}", f"{day} is listed twice")
            out.by_day[day] = Override(None, day, shoe, number)
        else:
            file = path_key(key)
            if file in out.by_file:
                raise SettingsError(path, f"line {number}", f"{key!r} is listed twice")
            out.by_file[file] = Override(file, None, shoe, number)
    out.paths.append(path)
    return out
