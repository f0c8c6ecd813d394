"""Who each file belongs to: one runner's folder, or a coach's roster.

An athlete is a folder holding a ``loadwatch.toml``; every activity file below
it (at any depth, unless a deeper folder has its own ``loadwatch.toml``) is
that athlete's. A folder whose sub-folders each hold a ``loadwatch.toml`` is a
roster. Files under no settings file belong to one athlete named after the
folder given — or, with ``roster=True``, each top-level sub-folder is an
athlete even without settings.

An athlete's name is the ``name`` of its ``loadwatch.toml``; without one, the
name the export itself gives its owner (Strava ``profile.csv``, Garmin's
``user_profile.json``: :func:`loadwatch.importers.exports.profile.export_profile_name`);
without that, the folder's (or a zip export's) name.

Folders such as ``2024/``, ``2025/`` or ``garmin/`` inside one runner's export
are never mistaken for athletes: only a settings file or ``roster=True`` makes
a roster, because merging two people's runs or splitting one person's history
would both give wrong weekly loads.

An athlete *is* its folder: two folders whose ``loadwatch.toml`` give the same
name (a copied template) stay two athletes, shown with their folders —
``Sam (sam-a)`` and ``Sam (sam-b)``. Folders are walked without recursion
(:func:`loadwatch.importers.discover.scan_folder`): links to folders are not
followed, and a FIFO or device named like a data file, or a folder that
cannot be read, is kept as one problem of the athlete (:attr:`AthleteFolder.problems`)
for the import report, never opened.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from loadwatch.errors import ActivityFileError, LoadwatchError, SpecialFileError
from loadwatch.importers.discover import scan_folder
from loadwatch.importers.exports.profile import export_profile_name
from loadwatch.importers.regular_files import special_file_reason
from loadwatch.timeline.settings import SETTINGS_FILE, AthleteSettings, load_settings


@dataclass
class AthleteFolder:
    """One athlete's folder, settings and candidate files."""

    name: str
    folder: Path
    settings: AthleteSettings
    files: list[Path] = field(default_factory=list)
    #: Special files (FIFO, socket, device, dangling link) named like files
    #: loadwatch reads, and folders that cannot be read: one line each in the
    #: import report.
    problems: list[ActivityFileError] = field(default_factory=list)
    #: The name before the folder was added to tell equal names apart
    #: (``Sam`` of ``Sam (sam-a)``); ``None`` where the name is its own.
    base_name: str | None = None


def _display_name(folder: Path) -> str:
    name = folder.resolve().name if folder.name in ("", ".", "..") else folder.name
    return name or "athlete"


def _folder_labels(folders: list[Path]) -> list[str]:
    """Short labels telling ``folders`` apart: their names, else their paths below a common one."""
    names = [_display_name(f) for f in folders]
    if len({n.lower() for n in names}) == len(names):
        return names
    absolute = [os.path.abspath(f) for f in folders]
    try:
        common = os.path.commonpath(absolute)
    except ValueError:  # different drives
        return absolute
    labels = [PurePath(os.path.relpath(f, common)).as_posix() for f in absolute]
    return [name if label == "." else label for name, label in zip(names, labels, strict=True)]


def distinct_names(athletes: list[AthleteFolder]) -> list[AthleteFolder]:
    """Give athletes of equal names (case-insensitive) their folder: ``Sam (sam-a)``.

    Two folders are two people even when their ``loadwatch.toml`` say the same
    name (a copied template): merging them would mix two training histories.
    Athletes whose name is already unique keep it. ``athletes`` is changed in
    place and returned.
    """
    groups: dict[str, list[AthleteFolder]] = {}
    for athlete in athletes:
        groups.setdefault(athlete.name.lower(), []).append(athlete)
    for same in groups.values():
        if len(same) < 2 or len({os.path.normpath(a.folder) for a in same}) < 2:
            continue  # one folder reached twice is not two people
        labels = _folder_labels([a.folder for a in same])
        for athlete, label in zip(same, labels, strict=True):
            athlete.base_name = athlete.base_name or athlete.name
            athlete.name = f"{athlete.base_name} ({label})"
    taken: dict[str, Path] = {}
    for athlete in athletes:  # a name such as "Sam (sam-a)" typed in a settings file
        other = taken.setdefault(athlete.name.lower(), athlete.folder)
        if os.path.normpath(other) != os.path.normpath(athlete.folder):
            athlete.base_name = athlete.base_name or athlete.name
            athlete.name = f"{athlete.base_name} ({os.path.abspath(athlete.folder)})"
    return athletes


def select_athlete(athletes: list[AthleteFolder], name: str) -> list[AthleteFolder]:
    """Only the athlete called ``name`` (case-insensitive); one athlete is renamed ``name``.

    ``name`` is matched against the shown names (``Sam (sam-a)``), then the
    names before the folder was added (``Sam``), then the folder names
    (``sam-a``).

    Raises
    ------
    LoadwatchError
        A roster has no athlete of that name (the message lists the names), or
        the name fits several athletes (the message lists their shown names).
    """
    if len(athletes) == 1:
        athletes[0].name = name
        return athletes
    wanted = name.lower()
    chosen = [a for a in athletes if a.name.lower() == wanted]
    if chosen:
        return chosen
    by_base = [a for a in athletes if (a.base_name or a.name).lower() == wanted]
    if len(by_base) > 1:
        names = ", ".join(a.name for a in by_base)
        raise LoadwatchError(
            f"{len(by_base)} athletes are called {name!r}: {names} (give one of these names)"
        )
    if not by_base:
        by_base = [a for a in athletes if a.folder.name.lower() == wanted]
    if len(by_base) != 1:
        names = ", ".join(a.name for a in athletes)
        raise LoadwatchError(f"no athlete called {name!r} here (athletes: {names})")
    return by_base


def find_athletes(path: str | Path, *, roster: bool | None = None) -> list[AthleteFolder]:
    """Group the activity files under ``path`` by athlete.

    Parameters
    ----------
    path
        A file, one runner's folder, or a roster folder. A single file is the
        athlete of its folder; a zip export given alone is named after the zip
        (``strava_export.zip`` → ``strava_export``) unless a ``loadwatch.toml``
        sits beside it.
    roster
        ``None`` (default): athletes are the folders with a ``loadwatch.toml``.
        ``True``: every top-level sub-folder of ``path`` is an athlete.
        ``False``: everything under ``path`` is one athlete.

    Returns
    -------
    list of AthleteFolder
        Sorted by athlete name; athletes without files are kept (a roster entry
        with no runs yet is information too). Athletes of equal names are shown
        with their folders (:func:`distinct_names`). Special files named like
        data files and folders that cannot be read are in each athlete's
        :attr:`~AthleteFolder.problems` (a roster folder's own go to its first
        athlete), never in ``files``.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    SettingsError
        A ``loadwatch.toml`` has a bad value.
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file or folder") from None
    except OSError:  # cannot even be looked at: the walk names it
        mode = stat.S_IFDIR
    if not stat.S_ISDIR(mode):  # one file (a FIFO given alone is one problem line)
        settings, found = _settings_in(path.parent)
        if path.suffix.lower() == ".zip" and not _has_settings(path.parent):
            # An export archive is its runner's folder.
            name = settings.name or export_profile_name(path) or path.stem
        else:  # the file's own folder only: not every zip beside a file given alone
            name = (
                settings.name
                or export_profile_name(path.parent, nested=False)
                or _display_name(path.parent)
            )
        scan = scan_folder(path)
        return [AthleteFolder(name, path.parent, settings, scan.files, found + scan.problems)]

    roots: dict[Path, AthleteSettings] = {}
    problems: list[ActivityFileError] = []
    if roster:
        try:
            subs = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:  # the walk below names the folder
            subs = []
        for sub in subs:
            roots[sub], found = _settings_in(sub)
            problems += found
    scan = scan_folder(path, SETTINGS_FILE if roster is None else None)
    for toml in scan.settings:  # found only with roster=None (hidden folders passed over)
        roots[toml.parent] = load_settings(toml)
    if path not in roots:
        root_settings = AthleteSettings()
        if roster is False:
            root_settings, found = _settings_in(path)
            problems += found
        roots[path] = root_settings

    athletes = {
        folder: AthleteFolder(_name(folder, settings, roots), folder, settings)
        for folder, settings in roots.items()
    }
    # A file goes to its nearest settings folder (parents are nearest first).
    for file in scan.files:
        owner = next((parent for parent in file.parents if parent in athletes), path)
        athletes[owner].files.append(file)
    for problem in problems + scan.problems:
        where = Path(problem.path)
        owner = next((p for p in (where, *where.parents) if p in athletes), path)
        athletes[owner].problems.append(problem)
    result = [a for a in athletes.values() if a.files or a.folder != path or len(athletes) == 1]
    if athletes[path] not in result and result:  # the roster folder's own problems
        result[0].problems[:0] = athletes[path].problems
    distinct_names(result)
    return sorted(result, key=lambda a: a.name.lower())


def _name(folder: Path, settings: AthleteSettings, roots: dict[Path, AthleteSettings]) -> str:
    """The settings' name, else the export profile's (not another athlete's), else the
    folder's."""
    if settings.name:
        return settings.name
    others = [root for root in roots if root.parent == folder]
    return export_profile_name(folder, skip=others) or _display_name(folder)


def _has_settings(folder: Path) -> bool:
    try:
        return special_file_reason(folder / SETTINGS_FILE) is None
    except OSError:
        return False


def _settings_in(folder: Path) -> tuple[AthleteSettings, list[ActivityFileError]]:
    """The settings in ``folder``, and a problem where ``loadwatch.toml`` is no regular file.

    Only a regular file is given to :func:`~loadwatch.timeline.settings.load_settings`:
    a FIFO named ``loadwatch.toml`` would block the read.
    """
    toml = folder / SETTINGS_FILE
    try:
        reason = special_file_reason(toml)
    except OSError:  # none, or the folder cannot be searched (the walk names it)
        return AthleteSettings(), []
    if reason is not None:
        return AthleteSettings(), [SpecialFileError(toml, reason)]
    return load_settings(toml), []
