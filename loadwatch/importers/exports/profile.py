"""The athlete's name from an export's own profile: Strava ``profile.csv``, Garmin's user profile.

Without a ``loadwatch.toml`` an athlete is named after their folder
(``export_12345678``, ``strava_export``), which tells a coach little. The
archives name their owner:

* Strava's "Download your data" has ``profile.csv`` beside ``activities.csv``,
  with ``First Name`` and ``Last Name`` columns (one row);
* Garmin's "Export your data" has ``DI_CONNECT/DI-Connect-User/user_profile.json``
  with ``firstName`` and ``lastName`` (an object, or a list holding one).

:func:`export_profile_name` looks in a folder, its direct sub-folders (an export
unpacked into ``export_123/``) and the zip archives directly in it (or the zip
itself), reading only these files, only if they are regular files, each at most
:data:`~loadwatch.importers.archives.MAX_TABLE_BYTES`. A profile that cannot be
read is passed over (the folder's name stays); nothing is written.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from loadwatch.errors import LoadwatchError
from loadwatch.importers.archives import MAX_TABLE_BYTES, is_archive_name, iter_archive_tables
from loadwatch.importers.exports.strava import csv_rows, decode_text
from loadwatch.importers.regular_files import read_regular_bytes, special_file_reason

#: Strava's profile table, beside ``activities.csv``.
STRAVA_PROFILE_FILE = "profile.csv"
#: Garmin's user profile, below the export's root.
GARMIN_PROFILE_FILES = (
    "DI_CONNECT/DI-Connect-User/user_profile.json",
    "DI-Connect-User/user_profile.json",
)
#: Longest name kept from a profile [characters]; tables cut names further.
MAX_NAME_CHARS = 100

_SPACES = re.compile(r"\s+")

__all__ = [
    "GARMIN_PROFILE_FILES",
    "STRAVA_PROFILE_FILE",
    "export_profile_name",
    "garmin_profile_name",
    "strava_profile_name",
]


def _joined(parts: Iterable[object]) -> str | None:
    """First and last name as one name; None where both are empty."""
    words = [str(p) for p in parts if isinstance(p, str) and p.strip()]
    name = _SPACES.sub(" ", " ".join(words)).strip()[:MAX_NAME_CHARS].strip()
    return name or None


def strava_profile_name(text: str) -> str | None:
    """``First Name Last Name`` of a Strava ``profile.csv``; None without them."""
    try:
        rows = csv_rows(text, STRAVA_PROFILE_FILE)
    except LoadwatchError:
        return None
    if len(rows) < 2:
        return None
    header = [cell.strip() for cell in rows[0]]
    row = dict(zip(header, [cell.strip() for cell in rows[1]], strict=False))
    return _joined([row.get("First Name"), row.get("Last Name")])


def garmin_profile_name(data: bytes) -> str | None:
    """``firstName lastName`` of a Garmin ``user_profile.json``; None without them."""
    try:
        payload = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if isinstance(payload, list):
        payload = next((item for item in payload if isinstance(item, dict)), None)
    if not isinstance(payload, dict):
        return None
    return _joined([payload.get("firstName"), payload.get("lastName")]) or _joined(
        [payload.get("fullName")]
    )


def _name_of(member: str, data: bytes) -> str | None:
    if PurePosixPath(member).name.lower() == STRAVA_PROFILE_FILE:
        try:
            return strava_profile_name(decode_text(data, member))
        except LoadwatchError:
            return None
    return garmin_profile_name(data)


def _read(path: Path) -> bytes | None:
    try:
        if special_file_reason(path) is not None:
            return None
        return read_regular_bytes(path, MAX_TABLE_BYTES)
    except (OSError, LoadwatchError):
        return None


def _in_folder(folder: Path) -> str | None:
    for relative in (STRAVA_PROFILE_FILE, *GARMIN_PROFILE_FILES):
        path = folder / relative
        if not os.path.isfile(path):
            continue
        data = _read(path)
        name = _name_of(relative, data) if data is not None else None
        if name:
            return name
    return None


def _wanted(member: str) -> bool:
    path = PurePosixPath(member.replace("\\", "/"))
    if "__MACOSX" in path.parts:
        return False
    if path.name.lower() == STRAVA_PROFILE_FILE:
        return len(path.parts) <= 2  # profile.csv or export_123/profile.csv
    return any(member.endswith(suffix) for suffix in GARMIN_PROFILE_FILES)


def _in_zip(archive: Path) -> str | None:
    try:
        for source, data in iter_archive_tables(archive, _wanted):
            if isinstance(data, bytes):
                name = _name_of(source.rsplit("!", 1)[-1], data)
                if name:
                    return name
    except (OSError, LoadwatchError):
        return None
    return None


def export_profile_name(
    path: Path, skip: Iterable[Path] = (), *, nested: bool = True
) -> str | None:
    """The athlete's name from the export profile in ``path`` (a folder or a zip), if any.

    Looks in ``path``, then (with ``nested``) its direct sub-folders (but those in
    ``skip``: other athletes' folders) and the zip archives directly in it, in name
    order; the first profile with a name wins.
    """
    if is_archive_name(path.name) and os.path.isfile(path):
        return _in_zip(path)
    if not os.path.isdir(path):
        return None
    found = _in_folder(path)
    if found or not nested:
        return found
    try:
        entries = sorted(os.scandir(path), key=lambda entry: entry.name)
    except OSError:
        return None
    skipped = {os.path.normpath(folder) for folder in skip}
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
            continue
        if os.path.normpath(entry.path) in skipped:
            continue
        found = _in_folder(Path(entry.path))
        if found:
            return found
    for entry in entries:
        if is_archive_name(entry.name) and entry.is_file(follow_symlinks=False):
            found = _in_zip(Path(entry.path))
            if found:
                return found
    return None
