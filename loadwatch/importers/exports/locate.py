"""Finding an athlete's export tables, in folders and inside zip archives.

Tables sit beside the activity files they describe: Strava's
``activities.csv`` beside ``activities/``, Garmin's summaries under
``DI_CONNECT/DI-Connect-Fitness/`` beside ``DI-Connect-Uploaded-Files/``.
They are looked for in the athlete's folder and in the folders up to
:data:`MAX_LEVELS_UP` above each activity file; for files read out of a zip,
in that zip (its own members, not zips inside it) and in the folders above it.
Only these files are read, and only if they are regular files (a FIFO or a
device named ``activities.csv`` is one line, never opened); nothing is
written. A table that cannot be read is one warning line; the import goes on
without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from loadwatch.errors import LoadwatchError
from loadwatch.importers.archives import (
    MAX_TABLE_BYTES,
    is_archive_name,
    iter_archive_tables,
    split_member_source,
)
from loadwatch.importers.exports.garmin import SUMMARY_NAME, GarminSummary, parse_garmin_summary
from loadwatch.importers.exports.strava import (
    STRAVA_ACTIVITIES_FILE,
    STRAVA_SHOES_FILE,
    StravaExport,
    decode_text,
    parse_strava_export,
    read_strava_export,
)
from loadwatch.importers.regular_files import (
    FileTooLargeError,
    read_regular_bytes,
    special_file_reason,
)

#: Folders above an activity file searched for the tables (``activities/`` and
#: one or two levels of year or device folders).
MAX_LEVELS_UP = 3
#: Garmin's summaries folder, below the export's root or its ``DI_CONNECT``.
GARMIN_FITNESS_FOLDERS = ("DI-Connect-Fitness", "DI_CONNECT/DI-Connect-Fitness")
#: Deepest folder of a zip where ``activities.csv`` is looked for
#: (``export_123/activities.csv`` is depth 1).
_MAX_TABLE_DEPTH_IN_ZIP = 1


@dataclass
class ExportTables:
    """The export tables found for one athlete, and what could not be read."""

    strava: list[StravaExport] = field(default_factory=list)
    garmin: list[GarminSummary] = field(default_factory=list)
    #: ``(source, reason)`` of tables that could not be read.
    problems: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.strava or self.garmin or self.problems)


def search_folders(files: Iterable[str], root: Path | None) -> list[Path]:
    """Folders where an athlete's tables may be: ``root`` and the folders up to
    :data:`MAX_LEVELS_UP` above each file (never above ``root`` when it is known).

    A zip member (``export.zip!activities/1.fit``) counts as a file in the zip's folder.
    """
    found: dict[Path, None] = {}
    if root is not None:
        found[root] = None
    resolved_root = root.resolve() if root is not None else None
    parents = dict.fromkeys(_real_path(name).parent for name in files)
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


def _real_path(name: str) -> Path:
    """The file on disk behind a source name: the outer zip of an archive member."""
    split = split_member_source(name) if "!" in name else None
    return split[0] if split is not None else Path(name)


def archives_of(files: Iterable[str]) -> list[Path]:
    """The outer zip archives among ``files`` or that they were read from, in order."""
    found: dict[Path, None] = {}
    for name in files:
        split = split_member_source(name) if "!" in name else None
        if split is not None:
            found[split[0]] = None
        elif is_archive_name(name) and Path(name).is_file():
            found[Path(name)] = None
    return list(found)


def _reason(exc: BaseException) -> str:
    """What is wrong, without the file name (the message names the file)."""
    return str(getattr(exc, "reason", None) or exc)


def _table_wanted(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    if "__MACOSX" in path.parts or path.name.startswith("._"):
        return False
    if SUMMARY_NAME.search(path.name):
        return True
    depth = len(path.parts) - 1
    return depth <= _MAX_TABLE_DEPTH_IN_ZIP and path.name.lower() in (
        STRAVA_ACTIVITIES_FILE,
        STRAVA_SHOES_FILE,
    )


def _read_zip_tables(archive: Path, into: ExportTables) -> None:
    try:
        tables = list(iter_archive_tables(archive, _table_wanted))
    except LoadwatchError as exc:  # the archive itself: its members already say so
        into.problems.append((str(archive), f"export tables not read: {_reason(exc)}"))
        return
    by_name: dict[str, bytes] = {}
    for source, data in tables:
        if isinstance(data, LoadwatchError):
            into.problems.append((source, _reason(data)))
        else:
            by_name[source] = data
    for source, data in by_name.items():
        member = source.rsplit("!", 1)[-1]
        name = PurePosixPath(member).name
        try:
            if SUMMARY_NAME.search(name):
                into.garmin.append(parse_garmin_summary(data, source))
            elif name.lower() == STRAVA_ACTIVITIES_FILE:
                prefix = source[: len(source) - len(name)]
                shoes = next(
                    (
                        d
                        for s, d in by_name.items()
                        if s.lower() == (prefix + STRAVA_SHOES_FILE).lower()
                    ),
                    None,
                )
                export = parse_strava_export(
                    decode_text(data, source),
                    decode_text(shoes, source) if shoes is not None else None,
                    folder=archive,
                    origin=source,
                    member_prefix=prefix,
                )
                if export is not None:
                    into.strava.append(export)
        except LoadwatchError as exc:
            into.problems.append((source, _reason(exc)))


def _special_reason(path: Path) -> str | None:
    """Why ``path`` is not read (a FIFO, socket, device, link to nothing), else ``None``."""
    try:
        return special_file_reason(path)
    except OSError:  # absent, or not reachable: there is no table to read
        return None


def _read_folder_tables(folder: Path, into: ExportTables) -> None:
    # Only regular files are opened: a FIFO named activities.csv would block the read.
    special = {}
    for name in (STRAVA_ACTIVITIES_FILE, STRAVA_SHOES_FILE):
        reason = _special_reason(folder / name)
        if reason is not None:
            special[name] = reason
            into.problems.append((str(folder / name), reason))
    export = None
    if STRAVA_ACTIVITIES_FILE not in special:
        try:
            export = read_strava_export(folder)
        except LoadwatchError as exc:
            into.problems.append((str(folder / STRAVA_ACTIVITIES_FILE), _reason(exc)))
        except OSError:  # a folder that cannot be searched: the folder walk names it
            return
    if export is not None:
        into.strava.append(export)
    candidates = [folder, *(folder / sub for sub in GARMIN_FITNESS_FOLDERS)]
    for place in candidates:
        if not os.path.isdir(place):
            continue
        try:
            with os.scandir(place) as listing:
                names = sorted(entry.name for entry in listing)
        except OSError as exc:
            what = "permission denied" if isinstance(exc, PermissionError) else exc.strerror
            into.problems.append((str(place), f"cannot read this folder ({what}): tables not read"))
            continue
        for name in names:
            if not SUMMARY_NAME.search(name):
                continue
            path = place / name
            if os.path.isdir(path):
                continue
            reason = _special_reason(path)
            if reason is not None:
                into.problems.append((str(path), reason))
                continue
            try:
                data = read_regular_bytes(path, MAX_TABLE_BYTES)
                into.garmin.append(parse_garmin_summary(data, str(path)))
            except FileTooLargeError:
                into.problems.append((str(path), "larger than any activity summary file"))
            except OSError as exc:
                into.problems.append((str(path), f"cannot be read: {exc.strerror or exc}"))
            except LoadwatchError as exc:
                into.problems.append((str(path), _reason(exc)))


def find_export_tables(files: Iterable[str], root: Path | None) -> ExportTables:
    """Every Strava and Garmin export table describing ``files`` (an athlete's sources).

    Parameters
    ----------
    files
        Source names as the timeline's ``file`` column holds them (plain paths
        or ``archive.zip!member``).
    root
        The athlete's folder, searched too; the search never climbs above it.
    """
    names = [str(name) for name in files]
    tables = ExportTables()
    for archive in archives_of(names):
        _read_zip_tables(archive, tables)
    for folder in search_folders(names, root):
        _read_folder_tables(folder, tables)
    return tables
