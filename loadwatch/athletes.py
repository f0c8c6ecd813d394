"""Who each file belongs to: one runner's folder, or a coach's roster.

An athlete is a folder holding a ``loadwatch.toml``; every activity file below
it (at any depth, unless a deeper folder has its own ``loadwatch.toml``) is
that athlete's. A folder whose sub-folders each hold a ``loadwatch.toml`` is a
roster. Files under no settings file belong to one athlete named after the
folder given — or, with ``roster=True``, each top-level sub-folder is an
athlete even without settings.

Folders such as ``2024/``, ``2025/`` or ``garmin/`` inside one runner's export
are never mistaken for athletes: only a settings file or ``roster=True`` makes
a roster, because merging two people's runs or splitting one person's history
would both give wrong weekly loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import LoadwatchError
from .importers.discover import iter_candidate_files
from .settings import SETTINGS_FILE, AthleteSettings, load_settings


@dataclass
class AthleteFolder:
    """One athlete's folder, settings and candidate files."""

    name: str
    folder: Path
    settings: AthleteSettings
    files: list[Path] = field(default_factory=list)


def _display_name(folder: Path) -> str:
    name = folder.resolve().name if folder.name in ("", ".", "..") else folder.name
    return name or "athlete"


def select_athlete(athletes: list[AthleteFolder], name: str) -> list[AthleteFolder]:
    """Only the athlete called ``name`` (case-insensitive); one athlete is renamed ``name``.

    Raises
    ------
    LoadwatchError
        A roster has no athlete of that name (the message lists the names).
    """
    if len(athletes) == 1:
        athletes[0].name = name
        return athletes
    chosen = [a for a in athletes if a.name.lower() == name.lower()]
    if not chosen:
        names = ", ".join(a.name for a in athletes)
        raise LoadwatchError(f"no athlete called {name!r} here (athletes: {names})")
    return chosen


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
        with no runs yet is information too).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    SettingsError
        A ``loadwatch.toml`` has a bad value.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if path.is_file():
        settings = _settings_in(path.parent)
        name = settings.name or _display_name(path.parent)
        if path.suffix.lower() == ".zip" and not (path.parent / SETTINGS_FILE).is_file():
            name = settings.name or path.stem  # an export archive is its runner's folder
        return [AthleteFolder(name, path.parent, settings, [path])]

    roots: dict[Path, AthleteSettings] = {}
    if roster:
        for sub in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
            roots[sub] = _settings_in(sub)
    elif roster is None:
        for toml in sorted(path.rglob(SETTINGS_FILE)):
            if any(part.startswith(".") for part in toml.relative_to(path).parts[:-1]):
                continue
            roots[toml.parent] = load_settings(toml)
    if path not in roots:
        root_settings = _settings_in(path) if roster is False else AthleteSettings()
        roots[path] = root_settings

    athletes = {
        folder: AthleteFolder(settings.name or _display_name(folder), folder, settings)
        for folder, settings in roots.items()
    }
    # A file goes to its nearest settings folder (parents are nearest first).
    for file in iter_candidate_files(path):
        owner = next((parent for parent in file.parents if parent in athletes), path)
        athletes[owner].files.append(file)
    result = [a for a in athletes.values() if a.files or a.folder != path or len(athletes) == 1]
    return sorted(result, key=lambda a: a.name.lower())


def _settings_in(folder: Path) -> AthleteSettings:
    toml = folder / SETTINGS_FILE
    return load_settings(toml) if toml.is_file() else AthleteSettings()
