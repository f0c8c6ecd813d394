"""Finding activity files and reading their bytes safely.

A path may be one file, a folder searched recursively, or a coach's roster
(a folder whose sub-folders are athletes). Files are recognised by their
content (the FIT header, the XML root), not only by their name; ``.gz``
files are decompressed in memory with a size cap. Nothing the user gave is
ever written to.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..activity import Activity
from ..errors import (
    ActivityFileError,
    EmptyFileError,
    UnsafeFileError,
    UnsupportedFileError,
)

#: Largest activity file read, compressed or not [bytes]. A 10-hour run at
#: 1 s records is ~1 MB as FIT and ~10 MB as GPX; 256 MiB leaves a wide margin.
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Largest size a ``.gz`` file may decompress to [bytes] (gzip-bomb guard).
MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024
#: Largest compression ratio accepted for a ``.gz`` file (gzip-bomb guard);
#: real FIT/GPX files compress 2-15x.
MAX_GZIP_RATIO = 100

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


def iter_candidate_files(root: Path) -> Iterator[Path]:
    """Every file below ``root`` whose name looks like an activity (sorted, recursive).

    Hidden folders (``.git``), ``__MACOSX`` and macOS ``._`` companions are
    passed over. Folder links are not followed (no loops).
    """
    if root.is_file():
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d not in _SKIPPED_DIRS
        )
        for name in sorted(filenames):
            if is_activity_name(name) or name.lower().endswith(ARCHIVE_SUFFIXES):
                yield Path(dirpath) / name


def sniff_format(data: bytes) -> str | None:
    """``"fit"``, ``"gpx"``, ``"tcx"`` or ``None``, from the content alone."""
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "fit"
    head = data[:4096]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    text = head.lstrip().lower()
    if not text.startswith(b"<"):
        return None
    if b"trainingcenterdatabase" in text:
        return "tcx"
    # <gpx ...> or <ns2:gpx ...> (namespace-prefixed GPX)
    if b"<gpx" in text or b":gpx" in text:
        return "gpx"
    return None


def _looks_like_xml(data: bytes) -> bool:
    head = data[:64].removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(b"<?xml")


def _format_from_name(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    for suffix in ACTIVITY_SUFFIXES:
        if lower.endswith(suffix):
            return suffix[1:]
    return None


def gunzip_capped(data: bytes, source: str) -> bytes:
    """Decompress gzip ``data`` in memory, refusing bombs.

    Stops as soon as the output passes :data:`MAX_DECOMPRESSED_BYTES` or
    :data:`MAX_GZIP_RATIO` times the input, so memory stays bounded.
    """
    limit = min(MAX_DECOMPRESSED_BYTES, max(len(data), 1) * MAX_GZIP_RATIO)
    out = bytearray()
    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    step = 1 << 20  # at most 1 MiB of output per call keeps memory bounded
    try:
        pending = data
        while pending and not decomp.eof:
            out += decomp.decompress(pending, step)
            pending = decomp.unconsumed_tail
            if len(out) > limit:
                raise UnsafeFileError(
                    source,
                    f"decompresses to more than {max(limit // (1024 * 1024), 1)} MB "
                    f"({len(data):,} bytes packed): refused as a possible gzip bomb",
                )
        if not decomp.eof:
            raise gzip.BadGzipFile("compressed data ends early")
    except (zlib.error, gzip.BadGzipFile, EOFError) as exc:
        raise UnsupportedFileError(source, f"damaged gzip file ({exc}); download it again") from exc
    return bytes(out)


def read_file_data(path: Path, source: str | None = None) -> FileData:
    """Read one file's bytes (decompressing ``.gz``) and recognise its format.

    Raises
    ------
    EmptyFileError, UnsafeFileError, UnsupportedFileError
        With a one-line reason naming the file.
    """
    source = source or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnsafeFileError(
                source,
                f"{size / 1024**2:,.0f} MB is larger than any activity file "
                f"({MAX_FILE_BYTES // 1024**2} MB limit)",
            )
        with path.open("rb") as fh:
            # Sized read (a bare read(MAX) would reserve MAX bytes up front).
            raw = fh.read(size + 1) if size else fh.read(1 << 20)
    except OSError as exc:
        raise UnsupportedFileError(source, f"cannot be read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_FILE_BYTES:  # a file that grew while read
        raise UnsafeFileError(source, f"larger than the {MAX_FILE_BYTES // 1024**2} MB limit")
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


def parse_file_data(file: FileData) -> list[Activity]:
    """Decode recognised bytes with the importer of their format."""
    if file.format == "fit":
        from .fit import read_fit

        return read_fit(file.data, file.source)
    if file.format == "gpx":
        from .gpx import read_gpx

        return read_gpx(file.data, file.source)
    if file.format == "tcx":
        from .tcx import read_tcx

        return read_tcx(file.data, file.source)
    raise UnsupportedFileError(file.source, f"no importer for {file.format}")


def read_activity_file(path: str | Path) -> list[Activity]:
    """Read one FIT, GPX or TCX file (optionally ``.gz``) into activities.

    Raises
    ------
    ActivityFileError
        Or a subclass, with a one-line reason, for any file that cannot be read.
    """
    return parse_file_data(read_file_data(Path(path)))


def read_records(path: str | Path) -> pd.DataFrame:
    """The per-record stream of one activity file, on demand.

    ``path`` may also name a member of a zip archive, as the timeline's
    ``file`` column does: ``export.zip!activities/123.fit.gz``.

    Returns
    -------
    pandas.DataFrame
        Columns as :data:`loadwatch.activity.RECORD_COLUMNS`: ``time_utc``,
        ``distance_m`` [m], ``speed_mps`` [m/s], ``altitude_m`` [m],
        ``heart_rate_bpm``, ``cadence_rpm``, ``temperature_c`` [°C],
        ``lat``/``lon`` [degrees]; NaN where the file has no such data.
    """
    if not Path(path).exists() and "!" in str(path):
        from .archives import read_archive_member

        file = read_archive_member(str(path))
    else:
        file = read_file_data(Path(path))
    if file.format == "fit":
        from .fit import read_fit_records

        return read_fit_records(file.data, file.source)
    if file.format == "gpx":
        from .gpx import read_gpx_records

        return read_gpx_records(file.data, file.source)
    from .tcx import read_tcx_records

    return read_tcx_records(file.data, file.source)


__all__ = [
    "MAX_DECOMPRESSED_BYTES",
    "MAX_FILE_BYTES",
    "ActivityFileError",
    "FileData",
    "file_data_from_bytes",
    "is_activity_name",
    "iter_candidate_files",
    "parse_file_data",
    "read_activity_file",
    "read_file_data",
    "read_records",
    "sniff_format",
]
