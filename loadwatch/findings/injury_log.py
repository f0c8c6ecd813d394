"""Reading an athlete's ``injuries.csv``: the log of the injuries themselves.

.. code-block:: text

    date,area,note
    2026-07-28,calf,tight left calf two days after the long run

``date`` is the local day (``YYYY-MM-DD``, from 1970 to 2100: a later or
earlier year is a typo); ``area`` one of :data:`AREAS` (or an alias,
:data:`AREA_ALIASES`); ``note`` optional free text. A bad line is an
:class:`InjuryLogError` naming the file, the line and the column; with
``skip_bad_lines=True`` the other lines are still read. What the log is used
for (the findings that came before each injury) is :mod:`loadwatch.findings.injuries`.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path, PurePath

import pandas as pd

from loadwatch.entry_checks import day_problem
from loadwatch.errors import SettingsError
from loadwatch.importers.regular_files import MAX_TABLE_BYTES, read_regular_bytes

__all__ = [
    "AREAS", "AREA_ALIASES", "INJURIES_FILE", "INJURY_COLUMNS", "LOG_COLUMNS",
    "InjuryLogError", "empty_injuries", "normalize_area", "read_injury_log",
]  # fmt: skip

#: Name of the injury log in an athlete's folder.
INJURIES_FILE = "injuries.csv"

#: Body areas an injury can be logged against (``other`` for anything else).
AREAS = (
    "calf", "soleus", "achilles", "shin", "foot", "plantar-fascia", "ankle",
    "knee", "hamstring", "quadriceps", "hip", "back", "other",
)  # fmt: skip

#: Other spellings accepted for :data:`AREAS` (after lower-casing; spaces become dashes).
AREA_ALIASES = {
    "calves": "calf", "gastrocnemius": "calf", "achilles-tendon": "achilles",
    "shins": "shin", "shin-splints": "shin", "plantar-fasciitis": "plantar-fascia",
    "heel": "foot", "quads": "quadriceps", "hamstrings": "hamstring", "lower-back": "back",
}  # fmt: skip

#: Columns of :func:`read_injuries`.
INJURY_COLUMNS = ("athlete", "date", "area", "note")

#: Columns an ``injuries.csv`` may have (``note`` is optional).
LOG_COLUMNS = ("date", "area", "note")


class InjuryLogError(SettingsError):
    """A bad line in an ``injuries.csv``: the message names the file, line and column.

    Parameters
    ----------
    path
        The injury log.
    line
        Line number in the file (counting blank and comment lines).
    column
        The column (``date``, ``area``, ``note``), or ``header``.
    reason
        What is wrong, in plain words.
    """

    def __init__(self, path: str | PurePath, line: int, column: str, reason: str) -> None:
        self.line = line
        self.column = column
        super().__init__(path, f"line {line}, {column}", reason)


def normalize_area(text: str) -> str | None:
    """The :data:`AREAS` name of ``text`` (case, spaces and aliases forgiven), or None."""
    key = "-".join(text.strip().lower().replace("_", " ").split())
    key = AREA_ALIASES.get(key, key)
    return key if key in AREAS else None


def empty_injuries() -> pd.DataFrame:
    """No injuries: the columns of :data:`INJURY_COLUMNS`, ``date`` as ``datetime64``."""
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in INJURY_COLUMNS})
    frame["date"] = frame["date"].astype("datetime64[ns]")
    return frame


def _header(row: list[str], path: Path, line: int) -> list[str]:
    names = [cell.strip().lower() for cell in row]
    for name in names:
        if name not in LOG_COLUMNS:
            raise InjuryLogError(
                path, line, "header", f"unknown column {name!r} (expected date, area, note)"
            )
    for required in ("date", "area"):
        if required not in names:
            raise InjuryLogError(
                path,
                line,
                "header",
                f"no {required!r} column (the first line must be date,area,note)",
            )
    if len(set(names)) != len(names):
        raise InjuryLogError(path, line, "header", "a column is named twice")
    return names


def _parse_date(text: str, path: Path, line: int) -> date:
    value = text.strip()
    if not value:
        raise InjuryLogError(path, line, "date", "missing date (write it like 2026-07-14)")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InjuryLogError(
            path, line, "date", f"{value[:40]!r} is not a date like 2026-07-14 (year-month-day)"
        ) from None
    problem = day_problem(day)
    if problem is not None:
        raise InjuryLogError(path, line, "date", problem)
    return day


def _parse_area(text: str, path: Path, line: int) -> str:
    if not text.strip():
        raise InjuryLogError(path, line, "area", f"missing area (one of: {', '.join(AREAS)})")
    area = normalize_area(text)
    if area is None:
        raise InjuryLogError(
            path, line, "area", f"unknown area {text.strip()!r} (use one of: {', '.join(AREAS)})"
        )
    return area


def read_injury_log(
    path: str | Path, athlete: str, *, skip_bad_lines: bool = False
) -> pd.DataFrame:
    """Read one ``injuries.csv``.

    Parameters
    ----------
    path
        The file (UTF-8, a byte-order mark allowed; comma-separated with a
        ``date,area[,note]`` header).
    athlete
        The athlete the log belongs to (the ``athlete`` column).
    skip_bad_lines
        Leave a line with a bad date or area (or too many values) out and go on;
        its message is in ``attrs["problems"]``. The file itself unreadable or
        a bad header still raises.

    Returns
    -------
    pandas.DataFrame
        :data:`INJURY_COLUMNS`: ``date`` is ``datetime64`` (local midnight),
        ``area`` one of :data:`AREAS`, ``note`` a string ("" where empty);
        sorted by date. ``attrs["problems"]``: one line per line left out.

    Raises
    ------
    InjuryLogError
        The file cannot be read, has no header, or a line has a bad date or area
        or too many values; the message names the file, line and column.
    """
    path = Path(path)
    try:
        text = read_regular_bytes(path, MAX_TABLE_BYTES).decode("utf-8-sig")
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except UnicodeDecodeError as exc:
        raise InjuryLogError(path, 1, "file", "not UTF-8 text (save it as CSV UTF-8)") from exc
    except OSError as exc:
        raise InjuryLogError(path, 1, "file", f"cannot be read: {exc.strerror}") from exc
    except csv.Error as exc:  # a field over the size limit
        raise InjuryLogError(path, 1, "file", f"not a readable CSV file: {exc}") from exc
    rows = [
        (number, row)
        for number, row in enumerate(lines, start=1)
        if any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")
    ]
    if not rows:
        return empty_injuries()
    header_line, header_row = rows[0]
    names = _header(header_row, path, header_line)
    records, problems = [], []
    for number, row in rows[1:]:
        try:
            records.append(_record(row, names, athlete, path, number))
        except InjuryLogError as exc:
            if not skip_bad_lines:
                raise
            problems.append(str(exc))
    frame = empty_injuries()
    if records:
        frame = pd.DataFrame(records, columns=list(INJURY_COLUMNS))
        frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
        frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
    frame.attrs["problems"] = problems
    return frame


def _record(
    row: list[str], names: list[str], athlete: str, path: Path, number: int
) -> dict[str, object]:
    """One line of the log as a row of :data:`INJURY_COLUMNS`."""
    if len(row) > len(names):
        raise InjuryLogError(
            path,
            number,
            names[-1],
            f"{len(row)} values for {len(names)} columns (put quotes around a note "
            "that has a comma)",
        )
    cells = dict(zip(names, row, strict=False))
    return {
        "athlete": athlete,
        "date": _parse_date(cells.get("date", ""), path, number),
        "area": _parse_area(cells.get("area", ""), path, number),
        "note": cells.get("note", "").strip(),
    }
