"""What decoding a file will cost, estimated before reading it: the pool's gate and chunks.

The size on disk is a poor guide: a ``.fit.gz`` holds 2–5 times its size, a
zip's members are compressed too, and a FIT file that the fast decoder refuses
(:mod:`loadwatch.importers.fit.fast`) is read by fitparse (then fitdecode)
at about a tenth of its speed. The cost here is in *bytes decoded by the fast
path*: the decompressed size, times :data:`REFERENCE_PATH_FACTOR` for a FIT
file that will take the reference path. It is an estimate (a heuristic), read
from a few bytes of each file: the gzip trailer, a zip's central directory, the
maker named in a FIT file's first message; it never decides a file's result,
only where and with what it is decoded.
"""

from __future__ import annotations

import gzip
import struct
import zipfile
import zlib
from pathlib import Path

from loadwatch.importers.archives import is_archive_name

__all__ = [
    "GZIP_RATIO",
    "REFERENCE_PATH_FACTOR",
    "REFUSED_MAKERS",
    "data_cost",
    "file_cost",
]

#: Decoding a FIT file on the reference path (fitparse, then fitdecode, then the
#: damage judgement) against the fast decoder, per byte: ~10x (issue 15, on a
#: COROS-heavy Strava export).
REFERENCE_PATH_FACTOR = 10
#: Decompressed bytes per compressed byte, where the size is not written down
#: (``.gz`` members of a zip; a gzip trailer that cannot be right).
GZIP_RATIO = 4
#: FIT ``manufacturer`` codes whose files the fast decoder mostly refuses:
#: COROS (294) writes fields whose size is not a multiple of their type.
REFUSED_MAKERS = frozenset({294})
#: Bytes read from the start of a file to find its maker.
HEAD_BYTES = 256

_FIT_MIN_HEADER = 12
_FILE_ID = 0
_MANUFACTURER_FIELD = 1


def fit_maker(head: bytes) -> int | None:
    """The ``manufacturer`` of a FIT file's first message, when it is a ``file_id``.

    Parameters
    ----------
    head
        The first bytes of the (decompressed) file; :data:`HEAD_BYTES` suffice.

    Returns
    -------
    int or None
        The FIT manufacturer code; ``None`` for anything else (not FIT, another
        first message, too few bytes, an invalid value).
    """
    if len(head) < _FIT_MIN_HEADER or head[8:12] != b".FIT":
        return None
    position = head[0]
    if position < _FIT_MIN_HEADER or len(head) < position + 6:
        return None
    header = head[position]
    if header & 0xC0 != 0x40:  # a definition message comes first
        return None
    order = ">" if head[position + 2] else "<"
    global_number = struct.unpack_from(order + "H", head, position + 3)[0]
    n_fields = head[position + 5]
    fields = head[position + 6 : position + 6 + 3 * n_fields]
    if global_number != _FILE_ID or len(fields) < 3 * n_fields:
        return None
    data = position + 6 + 3 * n_fields
    if header & 0x20:  # developer fields follow: they come after the standard ones
        data += 1 + 3 * head[data] if data < len(head) else 0
    if data >= len(head) or head[data] != header & 0x0F:  # the matching data message
        return None
    offset = data + 1
    for i in range(n_fields):
        number, size = fields[3 * i], fields[3 * i + 1]
        if number == _MANUFACTURER_FIELD and size == 2 and offset + 2 <= len(head):
            value = struct.unpack_from(order + "H", head, offset)[0]
            return None if value == 0xFFFF else value
        offset += size
    return None


def _path_factor(head: bytes) -> int:
    return REFERENCE_PATH_FACTOR if fit_maker(head) in REFUSED_MAKERS else 1


def data_cost(data: bytes) -> int:
    """The cost of decoding bytes already read and decompressed (a zip member)."""
    return len(data) * _path_factor(data[:HEAD_BYTES])


def _gzip_cost(path: Path, size: int) -> int:
    """Decompressed size from the gzip trailer (ISIZE, mod 2**32), times the path factor."""
    with path.open("rb") as raw:
        raw.seek(max(size - 4, 0))
        trailer = raw.read(4)
        raw.seek(0)
        try:
            head = gzip.GzipFile(fileobj=raw).read(HEAD_BYTES)
        except (OSError, EOFError, zlib.error):
            head = b""
    decoded = struct.unpack("<I", trailer)[0] if len(trailer) == 4 else 0
    if decoded < size:  # wrapped past 4 GiB, several members, or not gzip at all
        decoded = size * GZIP_RATIO
    return decoded * _path_factor(head)


def _zip_cost(path: Path, size: int) -> tuple[int, int]:
    """Members and their decompressed sizes, from the central directory."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    cost = sum(
        m.file_size * (GZIP_RATIO if m.filename.lower().endswith(".gz") else 1) for m in members
    )
    return max(len(members), 1), max(cost, size)


def file_cost(path: Path, size: int) -> tuple[int, int]:
    """``(files to decode, cost [bytes])`` of one file on disk, from a few of its bytes.

    Parameters
    ----------
    path
        The file: an activity file, ``.gz``-compressed or not, or a zip.
    size
        Its size on disk [bytes] (negative: not known; read from the file).

    Returns
    -------
    tuple of int
        The number of files it holds (1, or a zip's members) and the estimated
        cost of decoding them, in bytes decoded by the fast path. A file that
        cannot be opened costs its size on disk: reading it will say why.
    """
    try:
        if size < 0:
            size = path.stat().st_size
        if is_archive_name(path.name):
            return _zip_cost(path, size)
        if path.name.lower().endswith(".gz"):
            return 1, _gzip_cost(path, size)
        with path.open("rb") as raw:
            return 1, size * _path_factor(raw.read(HEAD_BYTES))
    except Exception:  # unreadable or damaged: decoding it reports the problem
        return 1, max(size, 0)
