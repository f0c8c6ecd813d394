"""The cache folder: where it is, which files in it are loadwatch's, info and clear.

loadwatch writes its import cache (:mod:`loadwatch.timeline.cache`) into the
``imports`` sub-folder of :func:`cache_folder` and marks that folder with
:data:`MARKER_FILE`. A file there is loadwatch's only when the folder carries
the marker and the file's name is one loadwatch gives (:func:`cache_file`, or
the temporary file of an interrupted write); a Parquet file must also hold
loadwatch's cache key in its metadata. :func:`cache_info` counts and
:func:`clear_cache` removes only those, so a cache folder pointed at a shared
place (``LOADWATCH_CACHE_DIR=~/Documents``) never loses anything else.
Every write goes to a temporary file moved into place (:func:`write_atomic`);
a write that fails says why and never raises.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "CACHE_DIR_ENV",
    "IMPORTS_FOLDER",
    "KEY_METADATA",
    "MARKER_FILE",
    "CacheInfo",
    "cache_file",
    "cache_folder",
    "cache_info",
    "clear_cache",
    "mark_folder",
    "write_atomic",
]

#: Environment variable naming the cache folder (overrides the platform's).
CACHE_DIR_ENV = "LOADWATCH_CACHE_DIR"
#: Sub-folder of the cache folder holding the per-athlete Parquet files.
IMPORTS_FOLDER = "imports"

#: Written into the ``imports`` folder loadwatch writes; without it nothing there is removed.
MARKER_FILE = ".loadwatch-cache"
_MARKER_TEXT = "This folder holds loadwatch's import cache ('loadwatch cache clear' empties it).\n"
#: Names loadwatch gives its cache files (:func:`cache_file`) and their temporary files.
_OWN_PARQUET = re.compile(r"(?:[^\W_]|-){1,40}-[0-9a-f]{16}\.parquet")
_OWN_TMP = re.compile(r"(?P<stem>.{1,40}-[0-9a-f]{16})\.[a-z0-9_]{8}\.tmp")
#: Parquet metadata key holding the cache key: present in every cache file loadwatch writes.
KEY_METADATA = b"loadwatch.cache_key"


def cache_folder(cache: bool | str | Path = True) -> Path | None:
    """The cache folder: none for False; for True $LOADWATCH_CACHE_DIR or the platform's."""
    if cache is False:
        return None
    if cache is True:
        configured = os.environ.get(CACHE_DIR_ENV)
        if configured:
            return Path(configured)
        import platformdirs

        return Path(platformdirs.user_cache_dir("loadwatch", appauthor=False))
    return Path(cache)


def cache_file(directory: Path, athlete_folder: Path) -> Path:
    """The cache file of one athlete folder: ``imports/<folder name>-<digest>.parquet``."""
    name = str(athlete_folder)
    slug = "".join(c if c.isalnum() else "-" for c in athlete_folder.name.lower())[:40] or "root"
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    return directory / IMPORTS_FOLDER / f"{slug}-{digest}.parquet"


def mark_folder(folder: Path) -> None:
    """Create ``folder`` if needed and mark it as loadwatch's (:data:`MARKER_FILE`)."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / MARKER_FILE
    if not os.path.lexists(marker):
        marker.write_text(_MARKER_TEXT, encoding="utf-8")


def write_atomic(table: pa.Table, path: Path) -> str | None:
    """Write ``table`` to ``path`` through a temporary file; why it failed, or None."""
    tmp = None
    try:
        mark_folder(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem + ".", suffix=".tmp")
        os.close(fd)
        pq.write_table(table, tmp)
        os.replace(tmp, path)
        tmp = None
    except Exception as exc:  # read-only folder, disk full, a reader holding the file (Windows)
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return f"the import cache could not be written in {path.parent}: {reason}"
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return None


@dataclass(frozen=True)
class CacheInfo:
    """The cache folder, the number of cache files in it and their size [bytes]."""

    folder: Path
    files: int
    size_bytes: int


def _is_own_parquet(path: Path) -> bool:
    """A cache file loadwatch wrote: its name, and loadwatch's cache key in its metadata."""
    if not _OWN_PARQUET.fullmatch(path.name):
        return False
    try:
        metadata = pq.read_schema(path).metadata or {}
    except Exception:  # unreadable, truncated, not Parquet: not known to be loadwatch's
        return False
    return KEY_METADATA in metadata


def _own_files(folder: Path) -> list[Path]:
    """loadwatch's files in ``folder/imports``: none unless the folder carries the marker."""
    imports = folder / IMPORTS_FOLDER
    marker = imports / MARKER_FILE
    if not marker.is_file() or marker.is_symlink():
        return []
    try:
        entries = sorted(imports.iterdir())
    except OSError:
        return []
    own = []
    for path in entries:
        if path.is_symlink() or not path.is_file():
            continue
        tmp = _OWN_TMP.fullmatch(path.name)
        if _is_own_parquet(path) or (tmp and _OWN_PARQUET.fullmatch(tmp["stem"] + ".parquet")):
            own.append(path)
    return own


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def cache_info(cache: bool | str | Path = True) -> CacheInfo:
    """Where the cache is and how much it holds."""
    folder = cache_folder(cache) or cache_folder(True)
    assert folder is not None
    files = _own_files(folder)
    return CacheInfo(folder, len(files), sum(_size(p) for p in files))


def clear_cache(cache: bool | str | Path = True) -> CacheInfo:
    """Remove loadwatch's cache files (only those) and return what was removed.

    Only files in the ``imports`` sub-folder that carries loadwatch's marker
    (:data:`MARKER_FILE`) and whose names are loadwatch's (Parquet files also
    holding its cache key) are removed, so a cache folder pointed at a shared
    place never loses anything else. The marker and the folder go when nothing
    else is left in it.
    """
    folder = cache_folder(cache) or cache_folder(True)
    assert folder is not None
    removed, freed = 0, 0
    for path in _own_files(folder):
        size = _size(path)
        try:
            path.unlink()
        except OSError:
            continue
        removed, freed = removed + 1, freed + size
    imports = folder / IMPORTS_FOLDER
    with contextlib.suppress(OSError):
        if [p.name for p in imports.iterdir()] == [MARKER_FILE]:
            (imports / MARKER_FILE).unlink()
            imports.rmdir()
    return CacheInfo(folder, removed, freed)
