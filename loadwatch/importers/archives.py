"""Reading activity files straight out of zip archives (Strava and Garmin exports).

A bulk export is a zip holding hundreds of ``.fit.gz``/``.gpx``/``.tcx``
files — Garmin's nests further zips of uploaded FIT files inside. Members are
streamed into memory one at a time and never extracted to disk, so the user's
archive is only ever opened for reading. Hostile archives are refused member by
member: path-traversal, absolute and symlink names, members larger than an
activity file can be, compression bombs, archives with too many members or
nested too deep. Each refusal is one error; the other members are still read. The archive
itself is opened only if it is a regular file (a FIFO or a link to a device
named ``.zip`` would block or read forever).

A member's source name is ``export.zip!activities/123.fit.gz``, nested ones
``export.zip!uploads.zip!run.fit``.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from loadwatch.errors import (
    ActivityFileError,
    CorruptFileError,
    SpecialFileError,
    UnsafeFileError,
    UnsupportedFileError,
)
from loadwatch.importers import discover
from loadwatch.importers.discover import (
    FileData,
    file_data_from_bytes,
    is_activity_name,
    is_macos_metadata,
)
from loadwatch.importers.regular_files import (
    MAX_TABLE_BYTES,
    NotARegularFileError,
    open_regular_file,
)

#: Largest total of uncompressed bytes read from one archive, nested archives
#: included [bytes]. A ten-year Strava export is 1-3 GB unpacked.
MAX_ARCHIVE_BYTES = 4 * 1024**3
#: Most members read from one archive, nested archives included. Ten years of
#: daily runs with a copy in three formats is ~11,000 files.
MAX_ARCHIVE_MEMBERS = 100_000
#: Deepest nesting of zips read: 1 is the archive given, 2 a zip inside it
#: (Garmin's ``uploaded files`` zips), 3 one more level.
MAX_ARCHIVE_DEPTH = 3
#: Separator between an archive and a member in source names.
MEMBER_SEPARATOR = "!"

_CHUNK_BYTES = 1 << 20  # read members 1 MiB at a time
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ArchiveMember:
    """One activity member of an archive: its bytes, or why it was refused.

    Exactly one of ``file`` and ``error`` is set.
    """

    source: str
    file: FileData | None = None
    error: ActivityFileError | None = None


class _Budget:
    """What an archive may still spend, shared by its nested archives."""

    def __init__(self) -> None:
        self.bytes_left = MAX_ARCHIVE_BYTES
        self.members_left = MAX_ARCHIVE_MEMBERS


def is_archive_name(name: str) -> bool:
    """True for ``.zip`` names, any case."""
    return name.lower().endswith(discover.ARCHIVE_SUFFIXES)


def split_member_source(source: str) -> tuple[Path, list[str]] | None:
    """``("export.zip", ["inner.zip", "run.fit"])`` from ``export.zip!inner.zip!run.fit``.

    Returns ``None`` where ``source`` names no archive member.
    """
    parts = source.split(MEMBER_SEPARATOR)
    for i in range(1, len(parts)):
        outer = MEMBER_SEPARATOR.join(parts[:i])
        if is_archive_name(outer):
            return Path(outer), parts[i:]
    return None


def _unsafe_name_reason(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if name.startswith(("/", "\\")) or _DRIVE_LETTER.match(name):
        return "absolute member name in the archive: refused (never extracted, never read)"
    if ".." in re.split(r"[/\\]", name):
        return "member name climbs out of the archive ('..'): refused as a path-traversal trick"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "member is a symbolic link: refused (links in archives can point anywhere)"
    return None


def _is_skipped(name: str) -> bool:
    parts = [p for p in re.split(r"[/\\]", name) if p]
    if not parts or name.endswith(("/", "\\")):
        return True  # a folder entry
    if "__MACOSX" in parts or is_macos_metadata(parts[-1]):
        return True
    return not (is_activity_name(parts[-1]) or is_archive_name(parts[-1]))


def _read_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    source: str,
    budget: _Budget,
    max_bytes: int | None = None,
    kind: str = "activity file",
) -> bytes:
    """The member's bytes, read in chunks and stopped as soon as a limit is passed.

    The sizes in the member's header are not trusted: the cap is enforced on
    the bytes actually produced.
    """
    max_bytes = discover.MAX_FILE_BYTES if max_bytes is None else max_bytes
    if info.flag_bits & 0x1:
        raise UnsupportedFileError(source, "the member is password-protected")
    if info.file_size > max_bytes:
        raise UnsafeFileError(
            source,
            f"{info.file_size / 1024**2:,.0f} MB is larger than any {kind} "
            f"({max_bytes // 1024**2} MB limit)",
        )
    by_ratio = max(info.compress_size, 1) * discover.MAX_GZIP_RATIO
    if info.compress_type == zipfile.ZIP_STORED:
        by_ratio = max(info.compress_size, info.file_size, 1)
    limit = min(max_bytes, by_ratio, budget.bytes_left)
    out = bytearray()
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK_BYTES):
                out += chunk
                if len(out) > limit:
                    break
    except NotImplementedError as exc:
        raise UnsupportedFileError(
            source, f"packed with a compression method loadwatch cannot read ({exc})"
        ) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        damage = "failed its checksum" if "CRC" in str(exc) else "ends early or is corrupt"
        raise CorruptFileError(
            source, f"damaged archive member ({damage}); download it again"
        ) from exc
    if len(out) > limit:
        if limit == budget.bytes_left:
            raise UnsafeFileError(
                source,
                f"the archive unpacks to more than {MAX_ARCHIVE_BYTES // 1024**3} GB: "
                "refused as a possible zip bomb",
            )
        raise UnsafeFileError(
            source,
            f"unpacks to more than {max(limit // (1024 * 1024), 1)} MB "
            f"({info.compress_size:,} bytes packed): refused as a possible zip bomb",
        )
    budget.bytes_left -= len(out)
    return bytes(out)


_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"


def _declared_entries(handle: IO[bytes]) -> int | None:
    """The entry count the zip's end record declares, read before the central directory.

    zipfile reads the whole central directory into memory when it opens an
    archive; a hostile archive declaring millions of entries is refused from
    this count first. ``None`` where no end record is found (zipfile then says
    what is wrong).
    """
    size = handle.seek(0, os.SEEK_END)
    tail_size = min(size, 22 + 0xFFFF)  # end record plus the longest comment
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return None
    count = struct.unpack_from("<H", tail, at + 10)[0]
    locator = at - 20
    if locator >= 0 and tail[locator : locator + 4] == _ZIP64_LOCATOR:
        record_at = struct.unpack_from("<Q", tail, locator + 8)[0]
        if record_at + 56 <= size:
            handle.seek(record_at)
            record = handle.read(56)
            if record[:4] == _ZIP64_EOCD:
                count = max(count, struct.unpack_from("<Q", record, 32)[0])
    return count


@contextmanager
def _open_zip(handle: IO[bytes] | Path, source: str, budget: _Budget) -> Iterator[zipfile.ZipFile]:
    """The archive opened for reading, after its declared entry count was checked."""
    with ExitStack() as stack:
        try:
            # Only a regular file: a FIFO or a link to /dev/zero named .zip is never read.
            stream = (
                stack.enter_context(open_regular_file(handle))
                if isinstance(handle, Path)
                else handle
            )
            declared = _declared_entries(stream)
            if declared is not None and declared > budget.members_left:
                raise UnsafeFileError(
                    source,
                    f"{declared:,} files in the archive, more than the "
                    f"{MAX_ARCHIVE_MEMBERS:,} limit: refused as a possible zip bomb",
                )
            stream.seek(0)
            archive = stack.enter_context(zipfile.ZipFile(stream))
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
            raise CorruptFileError(
                source, f"damaged or incomplete zip archive ({exc}); download it again"
            ) from exc
        except NotARegularFileError as exc:
            raise SpecialFileError(source, exc.strerror or str(exc)) from exc
        except OSError as exc:
            raise UnsupportedFileError(source, f"cannot be read: {exc.strerror or exc}") from exc
        count = len(archive.infolist())
        if count > budget.members_left:
            raise UnsafeFileError(
                source,
                f"{count:,} files in the archive, more than the "
                f"{MAX_ARCHIVE_MEMBERS:,} limit: refused as a possible zip bomb",
            )
        budget.members_left -= count
        yield archive


def _refusal(info: zipfile.ZipInfo, source: str, depth: int) -> UnsafeFileError | None:
    reason = _unsafe_name_reason(info)
    if reason is None and is_archive_name(info.filename) and depth >= MAX_ARCHIVE_DEPTH:
        reason = f"zip nested more than {MAX_ARCHIVE_DEPTH} deep: refused"
    return None if reason is None else UnsafeFileError(source, reason)


def _iter_zip(
    handle: IO[bytes] | Path, source: str, depth: int, budget: _Budget
) -> Iterator[ArchiveMember]:
    with _open_zip(handle, source, budget) as archive:
        for info in archive.infolist():
            if _is_skipped(info.filename):
                continue
            member_source = f"{source}{MEMBER_SEPARATOR}{info.filename}"
            refusal = _refusal(info, member_source, depth)
            if refusal is not None:
                yield ArchiveMember(member_source, error=refusal)
                continue
            try:
                raw = _read_member(archive, info, member_source, budget)
                if is_archive_name(info.filename):
                    yield from _iter_zip(io.BytesIO(raw), member_source, depth + 1, budget)
                    continue
                yield ArchiveMember(member_source, file=file_data_from_bytes(raw, member_source))
            except ActivityFileError as exc:
                yield ArchiveMember(exc.path, error=exc)


def iter_archive(path: str | Path, source: str | None = None) -> Iterator[ArchiveMember]:
    """Every activity member of the zip archive ``path``, read in memory.

    Members ``.fit``/``.gpx``/``.tcx`` (also ``.gz``) are read; zips inside
    are opened in turn, up to :data:`MAX_ARCHIVE_DEPTH` deep. Other members,
    folders and macOS ``__MACOSX``/``._`` companions are passed over quietly.
    Nothing is written to disk.

    Parameters
    ----------
    path
        The archive.
    source
        The archive's name in messages (default: ``path``).

    Yields
    ------
    ArchiveMember
        ``source`` ``archive.zip!member``; ``file`` the member's recognised
        bytes, or ``error`` a one-line reason the member was refused (unsafe
        name, over a size limit, damaged, not activity data).

    Raises
    ------
    CorruptFileError, SpecialFileError, UnsupportedFileError
        The archive itself cannot be opened (truncated, not a zip, a FIFO or
        device named ``.zip``: never opened). Members already yielded stay valid.
    """
    path = Path(path)
    yield from _iter_zip(path, source or str(path), 1, _Budget())


def iter_archive_tables(
    path: str | Path, wanted: Callable[[str], bool], source: str | None = None
) -> Iterator[tuple[str, bytes | ActivityFileError]]:
    """The bytes of the archive's table files (``activities.csv``, summaries JSON …).

    Only members of the archive itself (not of zips inside it) whose name
    ``wanted`` accepts are read, each at most :data:`MAX_TABLE_BYTES`, with
    the same refusals as :func:`iter_archive`.

    Yields
    ------
    tuple
        ``(archive.zip!member, bytes)``, or ``(archive.zip!member, error)`` for
        a refused or damaged member.

    Raises
    ------
    CorruptFileError, UnsafeFileError, UnsupportedFileError
        The archive itself cannot be opened.
    """
    path = Path(path)
    source = source or str(path)
    budget = _Budget()
    with _open_zip(path, source, budget) as archive:
        for info in archive.infolist():
            name = info.filename
            if name.endswith(("/", "\\")) or not wanted(name):
                continue
            member_source = f"{source}{MEMBER_SEPARATOR}{name}"
            refusal = _refusal(info, member_source, 1)
            if refusal is not None:
                yield member_source, refusal
                continue
            try:
                yield (
                    member_source,
                    _read_member(archive, info, member_source, budget, MAX_TABLE_BYTES),
                )
            except ActivityFileError as exc:
                yield member_source, exc


def read_archive_member(source: str) -> FileData:
    """The recognised bytes of one member named ``archive.zip!member`` (nested too).

    Only the archives on the way to the member are opened; the same limits
    and refusals apply as in :func:`iter_archive`.

    Raises
    ------
    ActivityFileError
        Or a subclass: the archive or member is missing, damaged or refused.
    """
    split = split_member_source(source)
    if split is None:
        raise UnsupportedFileError(source, "not an archive member name (archive.zip!member)")
    archive_path, names = split
    if not os.path.lexists(archive_path):
        raise UnsupportedFileError(source, "the archive does not exist")
    budget = _Budget()
    handle: IO[bytes] | Path = archive_path
    for depth, name in enumerate(names, start=1):
        with _open_zip(handle, source, budget) as archive:
            try:
                info = archive.getinfo(name)
            except KeyError as exc:
                raise UnsupportedFileError(source, "no such file in the archive") from exc
            refusal = _refusal(info, source, depth)
            if refusal is not None:
                raise refusal
            raw = _read_member(archive, info, source, budget)
        handle = io.BytesIO(raw)
    return file_data_from_bytes(raw, source)


__all__ = [
    "MAX_ARCHIVE_BYTES",
    "MAX_ARCHIVE_DEPTH",
    "MAX_ARCHIVE_MEMBERS",
    "MAX_TABLE_BYTES",
    "ArchiveMember",
    "is_archive_name",
    "iter_archive",
    "iter_archive_tables",
    "read_archive_member",
    "split_member_source",
]
