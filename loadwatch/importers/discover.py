"""Finding activity files and reading their bytes safely.

A path may be one file, a folder searched at any depth, or a coach's roster
(a folder whose sub-folders are athletes). Files are recognised by their
content (the FIT header, the XML root), not only by their name; ``.gz``
files (one or several gzip members) are decompressed in memory with a size
cap. Only regular files are opened: a FIFO, socket or device named like an
activity file is one line in the import report, never read. Folders are
walked without recursion (any depth), links to folders are not followed (so
no loop), and a folder that cannot be listed is named, not skipped silently.
Nothing the user gave is ever written to.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from loadwatch.errors import (
    ActivityFileError,
    EmptyFileError,
    SpecialFileError,
    UnreadableFolderError,
    UnsafeFileError,
    UnsupportedFileError,
)
from loadwatch.importers.regular_files import (
    FileTooLargeError,
    NotARegularFileError,
    kind_of_mode,
    read_regular_bytes,
    special_file_reason,
)
from loadwatch.importers.xmlsafe import decode_head, root_element_name

#: Largest activity file read, compressed or not [bytes]. A 10-hour run at
#: 1 s records is ~1 MB as FIT and ~10 MB as GPX; 256 MiB leaves a wide margin.
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Largest size a ``.gz`` file may decompress to [bytes] (gzip-bomb guard).
MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024
#: Largest compression ratio accepted for a ``.gz`` file (gzip-bomb guard);
#: real FIT/GPX files compress 2-15x.
MAX_GZIP_RATIO = 100
#: Most gzip members read from one ``.gz`` file. Tools that append write one
#: member per append; thousands of empty members are only a way to waste time.
MAX_GZIP_MEMBERS = 10_000

ACTIVITY_SUFFIXES = (".fit", ".gpx", ".tcx")
ARCHIVE_SUFFIXES = (".zip",)
_SKIPPED_DIRS = {"__MACOSX", "node_modules"}


@dataclass(frozen=True)
class FileData:
    """The bytes of one activity file, decompressed, with what it holds."""

    source: str
    format: str  # "fit" | "gpx" | "tcx"
    data: bytes
    #: Content hash of the decompressed bytes (identical re-uploads share it).
    digest: str


def is_activity_name(name: str) -> bool:
    """True for ``.fit``/``.gpx``/``.tcx`` names, also ``.gz``-compressed, any case."""
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return lower.endswith(ACTIVITY_SUFFIXES)


def is_macos_metadata(name: str) -> bool:
    """macOS AppleDouble companions (``._run.fit``) and Finder files."""
    return name.startswith("._") or name == ".DS_Store"


@dataclass
class FolderScan:
    """What a walk below one path found: files to read, settings files and problems."""

    #: Regular files named like activity files or archives, in walk order.
    files: list[Path] = field(default_factory=list)
    #: Regular files of the settings name asked for (``loadwatch.toml``), in walk order.
    settings: list[Path] = field(default_factory=list)
    #: One error per special file (FIFO, socket, device, dangling link) named like
    #: a file that would be read, and per folder that cannot be listed.
    problems: list[ActivityFileError] = field(default_factory=list)


def _folder_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        what = "permission denied"
    elif exc.errno == errno.ENAMETOOLONG:
        what = "its path is too long for the system"
    else:
        what = (exc.strerror or type(exc).__name__).lower()
    return f"cannot read this folder ({what}): its files were not imported"


def _entry_problem(path: Path, exc: OSError) -> ActivityFileError:
    """The one line for a named entry whose ``stat`` failed."""
    if isinstance(exc, FileNotFoundError) and os.path.islink(path):
        return SpecialFileError(path, "a link to nothing (its target does not exist): skipped")
    if exc.errno == errno.ELOOP:
        return SpecialFileError(path, "a loop of symbolic links: skipped")
    return UnsupportedFileError(path, f"cannot be read: {exc.strerror or exc}")


def _wanted(name: str, settings_name: str | None) -> bool:
    return (
        is_activity_name(name)
        or name.lower().endswith(ARCHIVE_SUFFIXES)
        or (settings_name is not None and name == settings_name)
    )


def scan_folder(root: Path, settings_name: str | None = None) -> FolderScan:
    """Walk ``root`` (any depth, no recursion) for the files loadwatch reads.

    Parameters
    ----------
    root
        A folder, or one file (returned as the only file when it is regular).
    settings_name
        A file name also collected, into :attr:`FolderScan.settings`
        (``loadwatch.toml``).

    Returns
    -------
    FolderScan
        Files sorted by name within each folder, folders depth first in name
        order (the order of ``os.walk``). Hidden folders (``.git``),
        ``__MACOSX`` and ``node_modules`` are passed over. Links to folders are
        not followed (no loops, no files counted twice); links to regular
        files are read. Special files and unreadable folders are problems.
    """
    scan = FolderScan()
    try:
        mode = os.stat(root).st_mode
    except OSError as exc:
        scan.problems.append(_entry_problem(root, exc))
        return scan
    if not stat.S_ISDIR(mode):
        if stat.S_ISREG(mode):
            scan.files.append(root)
        else:
            reason = f"not a regular file ({kind_of_mode(mode)}): skipped"
            scan.problems.append(SpecialFileError(root, reason))
        return scan
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            scan.problems.append(UnreadableFolderError(folder, _folder_reason(exc)))
            continue
        subfolders: list[Path] = []
        for entry in entries:
            name = entry.name
            try:
                is_real_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_real_folder = False
            if is_real_folder:
                if not name.startswith(".") and name not in _SKIPPED_DIRS:
                    subfolders.append(folder / name)
                continue
            if not _wanted(name, settings_name):
                continue
            path = folder / name
            try:
                # The type from the folder listing where it is sure (no system call per file).
                plain = entry.is_file(follow_symlinks=False) and not entry.is_symlink()
                mode = stat.S_IFREG if plain else entry.stat().st_mode  # links followed
            except OSError as exc:
                scan.problems.append(_entry_problem(path, exc))
                continue
            if stat.S_ISDIR(mode):
                continue  # a link to a folder: not followed
            if not stat.S_ISREG(mode):
                reason = f"not a regular file ({kind_of_mode(mode)}): skipped"
                scan.problems.append(SpecialFileError(path, reason))
            elif settings_name is not None and name == settings_name:
                scan.settings.append(path)
            else:
                scan.files.append(path)
        stack.extend(reversed(subfolders))
    return scan


def iter_candidate_files(root: Path) -> Iterator[Path]:
    """Every regular file below ``root`` whose name looks like an activity (sorted, any depth).

    Hidden folders (``.git``), ``__MACOSX`` and macOS ``._`` companions are
    passed over. Folder links are not followed (no loops). Special files and
    unreadable folders are left out: :func:`scan_folder` also names them.
    """
    yield from scan_folder(Path(root)).files


def sniff_format(data: bytes) -> str | None:
    """``"fit"``, ``"gpx"``, ``"tcx"`` or ``None``, from the content alone.

    XML files are recognised by their root element (``<gpx>``,
    ``<TrainingCenterDatabase>``, also namespace-prefixed), in any encoding
    XML allows; a namespace merely declared in the file (a GPX file that
    declares the TCX namespace) does not decide.
    """
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "fit"
    root = root_element_name(data)
    if root is None:
        return None
    return {"gpx": "gpx", "trainingcenterdatabase": "tcx"}.get(root.lower())


def _looks_like_xml(data: bytes) -> bool:
    """True when the bytes start with an XML declaration, in any encoding."""
    return decode_head(data, 256).lstrip().startswith("<?xml")


def _format_from_name(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    for suffix in ACTIVITY_SUFFIXES:
        if lower.endswith(suffix):
            return suffix[1:]
    return None


def gunzip_capped(data: bytes, source: str) -> bytes:
    """Decompress gzip ``data`` in memory, every member of it, refusing bombs.

    A ``.gz`` file may hold several gzip members one after the other (RFC 1952;
    tools that append write them): all are read, as ``gzip -d`` does. Zero
    bytes after a member (padding) and trailing bytes that are not gzip are
    passed over. The output is checked as it grows, over the whole stream:
    decompression stops as soon as it passes :data:`MAX_DECOMPRESSED_BYTES`
    or :data:`MAX_GZIP_RATIO` times the input, so memory stays bounded.
    """
    limit = min(MAX_DECOMPRESSED_BYTES, max(len(data), 1) * MAX_GZIP_RATIO)
    out = bytearray()
    step = 1 << 20  # at most 1 MiB of output per call keeps memory bounded
    pending = data
    members = 0
    try:
        while True:
            members += 1
            if members > MAX_GZIP_MEMBERS:
                raise UnsafeFileError(
                    source,
                    f"more than {MAX_GZIP_MEMBERS:,} gzip members in one file: refused",
                )
            decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while not decomp.eof:
                chunk = decomp.decompress(pending, step)
                pending = decomp.unconsumed_tail
                out += chunk
                if len(out) > limit:
                    raise UnsafeFileError(
                        source,
                        f"decompresses to more than {max(limit // (1024 * 1024), 1)} MB "
                        f"({len(data):,} bytes packed): refused as a possible gzip bomb",
                    )
                if not chunk and not pending and not decomp.eof:
                    raise gzip.BadGzipFile("compressed data ends early")
            pending = decomp.unused_data.lstrip(b"\x00")
            if pending[:2] != b"\x1f\x8b":
                break  # the end, or bytes after the last member that are not gzip
    except (zlib.error, gzip.BadGzipFile, EOFError) as exc:
        raise UnsupportedFileError(source, f"damaged gzip file ({exc}); download it again") from exc
    return bytes(out)


def read_file_data(path: Path, source: str | None = None) -> FileData:
    """Read one file's bytes (decompressing ``.gz``) and recognise its format.

    Raises
    ------
    EmptyFileError, SpecialFileError, UnsafeFileError, UnsupportedFileError
        With a one-line reason naming the file. A FIFO, socket or device is
        never opened (:class:`~loadwatch.errors.SpecialFileError`).
    """
    source = source or str(path)
    try:
        reason = special_file_reason(path)
        if reason is not None:  # a FIFO would block, a device read forever: never opened
            raise SpecialFileError(source, reason)
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES:
            raise UnsafeFileError(
                source,
                f"{size / 1024**2:,.0f} MB is larger than any activity file "
                f"({MAX_FILE_BYTES // 1024**2} MB limit)",
            )
        # At most MAX_FILE_BYTES + 1 bytes, also for a file that grows while read.
        raw = read_regular_bytes(path, MAX_FILE_BYTES)
    except NotARegularFileError as exc:  # swapped for a FIFO since the check
        raise SpecialFileError(source, exc.strerror or str(exc)) from exc
    except FileTooLargeError as exc:  # a file that grew while read
        raise UnsafeFileError(
            source, f"larger than the {MAX_FILE_BYTES // 1024**2} MB limit"
        ) from exc
    except OSError as exc:
        raise UnsupportedFileError(source, f"cannot be read: {exc.strerror or exc}") from exc
    return file_data_from_bytes(raw, source)


def file_data_from_bytes(raw: bytes, source: str) -> FileData:
    """Recognise and, for gzip, decompress the bytes of one file named ``source``."""
    if not raw:
        raise EmptyFileError(source, "the file is empty (0 bytes)")
    data = raw
    if raw[:2] == b"\x1f\x8b":
        data = gunzip_capped(raw, source)
        if not data:
            raise EmptyFileError(source, "the compressed file holds nothing")
        if data[:2] == b"\x1f\x8b":
            raise UnsupportedFileError(source, "gzip inside gzip: unpack the outer layer first")
    fmt = sniff_format(data)
    expected = _format_from_name(source)
    if fmt is None and expected in ("gpx", "tcx") and _looks_like_xml(data):
        fmt = expected  # damaged XML: its importer says what is wrong, with line and column
    if fmt is None:
        if expected is not None:
            raise UnsupportedFileError(
                source, f"not a {expected.upper()} file: its content is not {expected.upper()} data"
            )
        raise UnsupportedFileError(source, "not a FIT, GPX or TCX file")
    digest = hashlib.blake2b(data, digest_size=8).hexdigest()
    return FileData(source=source, format=fmt, data=data, digest=digest)


__all__ = [
    "MAX_DECOMPRESSED_BYTES",
    "MAX_FILE_BYTES",
    "MAX_GZIP_MEMBERS",
    "ActivityFileError",
    "FileData",
    "FolderScan",
    "file_data_from_bytes",
    "is_activity_name",
    "iter_candidate_files",
    "read_file_data",
    "scan_folder",
    "sniff_format",
]
