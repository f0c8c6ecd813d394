"""The import cache: each activity file decoded once, and never again while unchanged.

A five-year history is ~1,500 files; decoding them is the slow part of every
command. What decoding a file gave is kept, per athlete folder, in one Parquet
file in the cache folder: ``platformdirs.user_cache_dir("loadwatch")`` (for
example ``~/.cache/loadwatch`` on Linux), or the folder named by the
environment variable ``LOADWATCH_CACHE_DIR``. A run then only stats the files,
loads that table and decodes what is new or changed.

What is kept, per file (a zip archive counts as one file, all its members
inside), is what decoding gave *before* duplicates are merged: its timeline rows
as :func:`loadwatch.timeline.rows.activity_row` makes them (with the hidden
``digest``), their laps, their speed profiles, and its problems (errors,
skipped, warnings), so that a bad file is reported on every run without being
decoded again. Merging duplicates and telling runs from other sports run over
the whole athlete on every import, cached files and new ones alike.

When an entry is used:

* A file is known by its resolved path, size and modification time [ns]. When
  size or time differ, its content digest is computed again: the same content
  (a file touched or copied back) is still used, other content is decoded.
* A file that vanished is dropped from the cache.
* The whole athlete is decoded again when the settings that shape the rows
  change (the ``loadwatch.toml`` time zone, or ``--timezone``), when
  loadwatch's version or :data:`CACHE_FORMAT` changes, or when the code that
  decodes files changes (its modules' sizes and times are part of the key).
* Rule settings (``rules.toml``, shoes, week start, units) are not part of the
  key: they are applied after the import, which takes ~0.1 s, so changing
  them never needs a file decoded again.

Safety: the user's files are only ever read. The cache is written to a
temporary file and moved into place (:func:`os.replace`), so a crash or two
runs at once never leave a torn file (the last writer wins); a cache file that
cannot be read is ignored and rebuilt, never an error; a cache that cannot be
written (a read-only folder, a full disk) leaves the import as it was and says
why in :attr:`AthleteCache.write_error`. Text that is not valid UTF-8 (a file
name in another encoding, read as surrogate escapes) is stored escaped and
read back exactly.

Where the cache folder is, which files in it are loadwatch's, ``cache info``
and ``cache clear``: :mod:`loadwatch.timeline.cache_files` (re-exported here).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from loadwatch.importers.archives import is_archive_name
from loadwatch.importers.discover import read_file_data
from loadwatch.importers.regular_files import open_regular_file
from loadwatch.schema import LAPS, TIMELINE

# re-exported: the cache's public names
from loadwatch.timeline.cache_files import CACHE_DIR_ENV as CACHE_DIR_ENV
from loadwatch.timeline.cache_files import IMPORTS_FOLDER as IMPORTS_FOLDER
from loadwatch.timeline.cache_files import KEY_METADATA, cache_file, write_atomic
from loadwatch.timeline.cache_files import MARKER_FILE as MARKER_FILE
from loadwatch.timeline.cache_files import CacheInfo as CacheInfo
from loadwatch.timeline.cache_files import cache_folder as cache_folder
from loadwatch.timeline.cache_files import cache_info as cache_info
from loadwatch.timeline.cache_files import clear_cache as clear_cache
from loadwatch.version import __version__

if TYPE_CHECKING:
    from loadwatch.timeline.problems import FileProblem
    from loadwatch.timeline.settings import AthleteSettings

#: Bump when the layout of the cache changes: every cache is then rebuilt.
CACHE_FORMAT = 3
#: Stored text that is not plain UTF-8 starts with this, followed by its bytes in hex.
_ESCAPE = "\x01"

_KEY_METADATA = KEY_METADATA
_FOLDER_METADATA = b"loadwatch.folder"

_F64 = pa.float64()
_STR = pa.string()
#: One activity row as stored: the timeline row (:data:`loadwatch.schema.TIMELINE`)
#: without ``athlete`` (filled in on load), ``file`` relative to its top-level file,
#: then the content ``digest`` and the speed profile.
ROW_SCHEMA = pa.struct(
    [
        *TIMELINE.pyarrow_schema(exclude=("athlete",)),
        ("digest", _STR),
        ("profile", pa.list_(_F64)),
    ]
)
#: One lap as stored (:data:`loadwatch.schema.LAPS` without ``athlete`` and
#: ``activity_id``); ``activity`` is the row's position within its file.
LAP_SCHEMA = pa.struct(
    [("activity", pa.int32()), *LAPS.pyarrow_schema(exclude=("athlete", "activity_id"))]
)
_PROBLEM_SCHEMA = pa.struct(
    [("category", _STR), ("source", _STR), ("kind", _STR), ("reason", _STR), ("trace", _STR)]
)
#: One row per top-level file.
SCHEMA = pa.schema(
    [
        ("path", _STR),
        ("size", pa.int64()),
        ("mtime_ns", pa.int64()),
        ("digest", _STR),
        ("files_seen", pa.int32()),
        ("files_read", pa.int32()),
        ("problems", pa.list_(_PROBLEM_SCHEMA)),
        ("activities", pa.list_(ROW_SCHEMA)),
        ("laps", pa.list_(LAP_SCHEMA)),
    ]
)
_ROW_NAMES = [f.name for f in ROW_SCHEMA]
_LAP_NAMES = [f.name for f in LAP_SCHEMA][1:]


@dataclass
class FileOutcome:
    """What reading one file gave, before duplicates are merged.

    A zip archive is one outcome holding all its members. ``problems`` are
    ``(category, FileProblem)`` pairs in the order they arose, ``category``
    one of ``errors``, ``skipped``, ``warnings`` (the :class:`ImportReport`
    lists). ``rows``, ``laps`` and ``profiles`` are aligned: one entry per
    activity.
    """

    source: str
    #: The cache key: the file's resolved path ("" where it cannot be known).
    path: str = ""
    size: int = -1
    mtime_ns: int = -1
    #: Content digest, compared when size or time changed ("" where unknown).
    digest: str = ""
    files_seen: int = 0
    files_read: int = 0
    problems: list[tuple[str, FileProblem]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    laps: list[list[dict[str, Any]]] = field(default_factory=list)
    profiles: list[np.ndarray | None] = field(default_factory=list)
    #: False for results that must be decoded again next time (a crash, an I/O error).
    cacheable: bool = True

    def add(self, part: FileOutcome) -> None:
        """Append what one member (or the file itself) gave."""
        self.files_seen += part.files_seen
        self.files_read += part.files_read
        self.problems += part.problems
        self.rows += part.rows
        self.laps += part.laps
        self.profiles += part.profiles
        self.cacheable = self.cacheable and part.cacheable
        self.digest = self.digest or part.digest


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Every module of the package (name, size, mtime): a moved or new module counts too.

    Derived from the package itself rather than a hand-kept list, so no change
    to the code that shapes a cached row can leave a stale cache behind.
    """
    package = Path(__file__).resolve().parent
    paths = sorted(package.rglob("*.py")) + sorted(package.rglob("*.toml"))
    h = hashlib.blake2b(digest_size=8)
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        name = path.relative_to(package).as_posix()
        h.update(f"{name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()


def cache_key(settings: AthleteSettings) -> str:
    """What every entry of one athlete's cache depends on, as one string.

    The cache format, loadwatch's version, the decoding code, and the settings
    that :func:`loadwatch.timeline.rows.activity_row` reads (the time zone).
    """
    return f"{CACHE_FORMAT}|{__version__}|{_code_fingerprint()}|tz={settings.timezone or ''}"


def file_digest(path: Path) -> str:
    """Content digest of a file: what decoding reads (``.gz`` unpacked), zip archives whole.

    ``""`` where the file cannot be read.
    """
    try:
        if is_archive_name(path.name):
            with open_regular_file(path) as fh:
                digest = hashlib.file_digest(fh, lambda: hashlib.blake2b(digest_size=16))  # type: ignore[arg-type]  # BinaryIO has readinto at run time
                return digest.hexdigest()
        return read_file_data(path).digest
    except Exception:  # unreadable now: not the content that was cached
        return ""


def format_trace(error: BaseException) -> str:
    """The traceback of ``error`` as text (kept where the exception itself cannot be)."""
    return "".join(traceback.format_exception(error))


def _stored(text: Any) -> Any:
    """``text`` as it can be stored in Parquet and read back exactly (paths, problems).

    A string holding surrogate escapes (a file name that is not UTF-8) or
    starting with :data:`_ESCAPE` is stored as :data:`_ESCAPE` and the hex of
    its ``surrogatepass`` bytes; :func:`_loaded` gives it back exactly.
    Non-strings are returned as they are.
    """
    if not isinstance(text, str):
        return text
    if not text.startswith(_ESCAPE):
        try:
            text.encode("utf-8")
            return text
        except UnicodeEncodeError:
            pass
    return _ESCAPE + text.encode("utf-8", "surrogatepass").hex()


def _loaded(text: Any) -> Any:
    """The string :func:`_stored` was given."""
    if isinstance(text, str) and text.startswith(_ESCAPE):
        with contextlib.suppress(ValueError):
            return bytes.fromhex(text[1:]).decode("utf-8", "surrogatepass")
    return text


def _loaded_column(values: list[Any]) -> list[Any]:
    """:func:`_loaded` over a column's values (a no-op where nothing is escaped)."""
    if any(isinstance(v, str) and v.startswith(_ESCAPE) for v in values):
        return [_loaded(v) for v in values]
    return values


def _text(value: Any) -> Any:
    """A timeline or lap value as stored: text that is not UTF-8 (a file name in
    another encoding) with backslash escapes (``run\\xff.fit``), since the
    timeline's text columns hold UTF-8 only; other values as they are."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            try:  # the bytes the name had on disk, shown as \\xff
                raw = value.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:  # other lone surrogates
                return value.encode("utf-8", "backslashreplace").decode("utf-8")
            return raw.decode("utf-8", "backslashreplace")
    if isinstance(value, list):  # a list[string] column (merged_from)
        return [_text(v) for v in value]
    return value


def _relative(source: str, top: str) -> str:
    """``source`` relative to its top-level file (``!member``), so a cache survives renames."""
    return source[len(top) :] if source.startswith(top) else "\0" + source


def _absolute(stored: str | None, top: str) -> str:
    stored = stored or ""
    return stored[1:] if stored.startswith("\0") else top + stored


def _record(outcome: FileOutcome) -> dict[str, Any]:
    top = outcome.source
    problems = [
        {
            "category": category,
            "source": _stored(_relative(p.source, top)),
            "kind": _stored(p.kind),
            "reason": _stored(p.reason),
            "trace": _stored(p.trace if p.error is None else format_trace(p.error)),
        }
        for category, p in outcome.problems
    ]
    activities = []
    for row, profile in zip(outcome.rows, outcome.profiles, strict=True):
        stored = {name: _text(row.get(name)) for name in _ROW_NAMES}
        stored["file"] = _text(_relative(row["file"], top))
        stored["profile"] = None if profile is None else np.asarray(profile, dtype="float64")
        activities.append(stored)
    laps = [
        {"activity": i, **{name: _text(lap[name]) for name in _LAP_NAMES}}
        for i, file_laps in enumerate(outcome.laps)
        for lap in file_laps
    ]
    return {
        "path": _stored(outcome.path),
        "size": outcome.size,
        "mtime_ns": outcome.mtime_ns,
        "digest": outcome.digest,
        "files_seen": outcome.files_seen,
        "files_read": outcome.files_read,
        "problems": problems,
        "activities": activities,
        "laps": laps,
    }


def outcomes_table(outcomes: Sequence[FileOutcome]) -> pa.Table:
    """Outcomes as a table of :data:`SCHEMA`, one row per file."""
    return pa.Table.from_pylist([_record(o) for o in outcomes], schema=SCHEMA)


def _read_table(path: Path, key: str) -> pa.Table | None:
    try:
        # ParquetFile, not pq.read_table: the latter loads pyarrow.dataset (~15 ms of a
        # warm run) for features a single file of loadwatch's never uses.
        with pq.ParquetFile(path) as parquet:
            table = parquet.read()
    except Exception:  # missing, truncated, not Parquet: rebuilt
        return None
    metadata = table.schema.metadata or {}
    if metadata.get(_KEY_METADATA) != key.encode() or not table.schema.equals(SCHEMA):
        return None
    return table


class AthleteCache:
    """The cached outcomes of one athlete folder: look up, combine with new ones, save.

    Parameters
    ----------
    directory
        The cache folder (:func:`cache_folder`); ``None`` keeps nothing.
    folder
        The athlete's folder, resolved.
    settings
        The athlete's settings (see :func:`cache_key`).
    """

    def __init__(self, directory: Path | None, folder: Path, settings: AthleteSettings) -> None:
        self.folder = folder.resolve()
        self._prefix = os.path.join(str(folder), "")
        self._resolved = str(self.folder)
        self.key = cache_key(settings)
        self.path = None if directory is None else cache_file(directory, self.folder)
        table = None if self.path is None else _read_table(self.path, self.key)
        #: True where what is on disk differs from what :meth:`save` would write.
        self.dirty = table is None and self.path is not None and os.path.exists(self.path)
        self.table = table if table is not None else SCHEMA.empty_table()
        #: Why the cache could not be written this run (one line), or None.
        self.write_error: str | None = None
        paths = _loaded_column(self.table.column("path").to_pylist())
        self._index = {p: i for i, p in enumerate(paths)}
        self._size = self.table.column("size").to_pylist()
        self._mtime = self.table.column("mtime_ns").to_pylist()
        self._digest = self.table.column("digest").to_pylist()

    def key_of(self, path: Path) -> str:
        """The cache key of one of the athlete's files: its path in the resolved folder."""
        name = str(path)
        if name.startswith(self._prefix):  # string work: pathlib costs ~50 µs a file
            return self._resolved + name[len(self._prefix) - 1 :]
        return str(path.resolve())

    def find(self, key: str, path: Path, size: int, mtime_ns: int) -> int | None:
        """The entry for this file if it is still valid, else ``None``."""
        i = self._index.get(key)
        if i is None:
            return None
        if self._size[i] == size and self._mtime[i] == mtime_ns:
            return i
        if self._digest[i] and file_digest(path) == self._digest[i]:
            self._size[i], self._mtime[i] = size, mtime_ns  # touched, same content
            self.dirty = True
            return i
        return None

    def combined(self, entries: Sequence[int | FileOutcome]) -> pa.Table:
        """One table of :data:`SCHEMA` with a row per entry, in order."""
        cached = [e for e in entries if isinstance(e, int)]
        new = [e for e in entries if not isinstance(e, int)]
        parts = [self.table.take(cached)] if cached else []
        if new:
            parts.append(outcomes_table(new))
        if not parts:
            return SCHEMA.empty_table()
        table = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        order, c, n = [], 0, len(cached)
        for entry in entries:
            if isinstance(entry, int):
                order.append(c)
                c += 1
            else:
                order.append(n)
                n += 1
        return table if order == list(range(len(order))) else table.take(order)

    def save(self, entries: Sequence[int | FileOutcome], combined: pa.Table) -> None:
        """Write what this run knows: the entries, and older ones whose file still exists.

        Never raises: a cache that cannot be written is not written, and
        :attr:`write_error` says why.
        """
        if self.path is None:
            return
        keep = [i for i, e in enumerate(entries) if isinstance(e, int) or (e.cacheable and e.path)]
        used = {e for e in entries if isinstance(e, int)}
        new_keys = {e.path for e in entries if not isinstance(e, int)}
        others = [
            i
            for key, i in self._index.items()
            if i not in used and key not in new_keys and os.path.exists(key)
        ]
        grown = len(keep) > len(used)
        shrunk = len(used) + len(others) < len(self._index)
        if not (self.dirty or grown or shrunk):
            return  # the file on disk already holds exactly this
        table = combined.take(pa.array(keep, pa.int64()))  # typed: keep may be empty
        sizes = [self._size[e] if isinstance(e, int) else e.size for e in entries]
        mtimes = [self._mtime[e] if isinstance(e, int) else e.mtime_ns for e in entries]
        table = table.set_column(1, "size", pa.array([sizes[i] for i in keep], pa.int64()))
        table = table.set_column(2, "mtime_ns", pa.array([mtimes[i] for i in keep], pa.int64()))
        if others:
            table = pa.concat_tables([table, self.table.take(others)])
        metadata = {_KEY_METADATA: self.key.encode(), _FOLDER_METADATA: os.fsencode(self.folder)}
        self.write_error = write_atomic(table.replace_schema_metadata(metadata), self.path)


@dataclass
class Unpacked:
    """A table of outcomes opened for the timeline: rows, laps and profiles.

    ``rows`` are timeline rows (dicts) in file order, each with ``_row``, its
    position; ``laps`` holds the lap fields plus ``_row``; ``profiles[i]`` is
    row ``i``'s speed profile or ``None``.
    """

    rows: list[dict[str, Any]]
    laps: pa.Table
    profiles: list[np.ndarray | None]

    def laps_of(self, kept: Sequence[dict[str, Any]]) -> pa.Table:
        """The laps of the ``kept`` rows (each with its ``_row``), in their order."""
        position = np.full(len(self.rows), -1, dtype="int64")
        position[[row["_row"] for row in kept]] = np.arange(len(kept))
        lap_position = position[self.laps.column("_row").to_numpy()]
        chosen = np.flatnonzero(lap_position >= 0)
        chosen = chosen[np.argsort(lap_position[chosen], kind="stable")]
        return self.laps.take(chosen).drop_columns(["_row"])


def unpack(table: pa.Table, sources: Sequence[str], athlete: str) -> Unpacked:
    """Rows, laps and profiles of ``table`` (from :meth:`AthleteCache.combined`).

    ``sources`` are the files as the user named them this time, one per table
    row: stored names are relative to them.
    """
    athlete = _text(athlete)  # a folder name that is not UTF-8 (the timeline holds UTF-8)
    activities = table.column("activities").combine_chunks()
    flat = activities.flatten()
    parents = pc.list_parent_indices(activities).to_numpy(zero_copy_only=False)
    n = len(flat)
    columns = {name: flat.field(name) for name in _ROW_NAMES if name != "profile"}
    values = [columns[name].to_pylist() for name in columns]
    names = list(columns)
    rows = [dict(zip(names, vals, strict=True)) for vals in zip(*values, strict=True)]
    for i, (row, parent) in enumerate(zip(rows, parents.tolist(), strict=True)):
        row["athlete"] = athlete
        row["file"] = _text(_absolute(row["file"], sources[parent]))
        row["_row"] = i
    profiles: list[np.ndarray | None] = [None] * n
    profile = flat.field("profile")
    if profile.null_count < n:
        offsets = profile.offsets.to_numpy()
        data = profile.values.to_numpy(zero_copy_only=False)
        valid = profile.is_valid().to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(valid).tolist():
            profiles[i] = data[offsets[i] : offsets[i + 1]].copy()
    lap_lists = table.column("laps").combine_chunks()
    laps = lap_lists.flatten()
    lap_parents = pc.list_parent_indices(lap_lists).to_numpy(zero_copy_only=False)
    counts = pc.list_value_length(activities).to_numpy(zero_copy_only=False)
    first_row = np.concatenate(([0], np.cumsum(counts)[:-1])).astype("int64")
    row_of_lap = first_row[lap_parents] + laps.field("activity").to_numpy(zero_copy_only=False)
    lap_table = pa.Table.from_arrays(
        [
            pa.array([athlete] * len(laps), _STR),  # athlete: made UTF-8 above
            columns["activity_id"].take(pa.array(row_of_lap, pa.int64())),
            *[laps.field(name) for name in _LAP_NAMES],
            pa.array(row_of_lap, pa.int64()),
        ],
        names=["athlete", "activity_id", *_LAP_NAMES, "_row"],
    )
    return Unpacked(rows, lap_table, profiles)


def cached_problems(table: pa.Table, i: int, top: str) -> list[tuple[str, str, str, str, str]]:
    """Problems of row ``i`` as ``(category, source, kind, reason, trace)``."""
    return [
        (
            _loaded(p["category"]),
            _absolute(_loaded(p["source"]), top),
            _loaded(p["kind"]),
            _loaded(p["reason"]),
            _loaded(p["trace"]) or "",
        )
        for p in table.column("problems")[i].as_py()
    ]
