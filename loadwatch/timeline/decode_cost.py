"""What decoding a file will cost, estimated before reading it: the pool's gate and chunks.

The size on disk is a poor guide: a ``.fit.gz`` holds 2–5 times its size, a
zip's members are compressed too, and a FIT file that the fast decoder refuses
(:mod:`loadwatch.importers.fit.fast`) is read by fitparse (then fitdecode)
about a hundred times slower. The cost here is in *bytes decoded by the fast
path*: the decompressed size, times :data:`REFERENCE_PATH_FACTOR` for a FIT
file that will take the reference path. Which path a file takes is predicted
from a few of its bytes and its decoded size: a file shorter than its header
says (cut short) or whose checksum is 0 ("not computed") is refused by the fast
decoder; COROS files (misaligned fields) and everything else clean take the
fast path. The sizes come from the gzip trailer or a zip's central directory.
It is an estimate (a heuristic); it never decides a file's result, only where
and with what it is decoded.
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
    "data_cost",
    "file_cost",
    "takes_reference_path",
]

#: Decoding a FIT file on the reference path (fitparse, then fitdecode, then the
#: damage judgement) against the fast decoder, per byte: fitparse reads a
#: real-shaped Garmin file in ~400 ms, the fast decoder in ~2-4 ms (issue 15,
#: ``benchmarks/real_shapes.py``).
REFERENCE_PATH_FACTOR = 100
#: Decompressed bytes per compressed byte, where the size is not written down
#: (``.gz`` members of a zip; a gzip trailer that cannot be right).
GZIP_RATIO = 4
#: Bytes read from the start of a file: its FIT header.
HEAD_BYTES = 14

_FIT_MIN_HEADER = 12
_CRC_BYTES = 2


def takes_reference_path(head: bytes, decoded_size: int, file_crc: bytes | None = None) -> bool:
    """Whether a FIT file will be read on the reference path, from its header and size.

    Parameters
    ----------
    head
        The first bytes of the (decompressed) file; :data:`HEAD_BYTES` suffice.
    decoded_size
        Its decompressed size [bytes].
    file_crc
        Its last two bytes where known (a plain file), else ``None``.

    Returns
    -------
    bool
        True for a FIT file cut short (its header announces more data than
        there is) or whose only part has a checksum of 0; False for anything
        else, other formats included. Files damaged inside, which the header
        cannot show, are costed as the fast path's.
    """
    if len(head) < _FIT_MIN_HEADER or head[8:12] != b".FIT" or head[0] < _FIT_MIN_HEADER:
        return False
    end = head[0] + struct.unpack_from("<I", head, 4)[0] + _CRC_BYTES
    if end > decoded_size:
        return True
    return end == decoded_size and file_crc == b"\x00\x00"


def _path_factor(head: bytes, decoded_size: int, file_crc: bytes | None = None) -> int:
    return REFERENCE_PATH_FACTOR if takes_reference_path(head, decoded_size, file_crc) else 1


def data_cost(data: bytes) -> int:
    """The cost of decoding bytes already read and decompressed (a zip member)."""
    return len(data) * _path_factor(data[:HEAD_BYTES], len(data), data[-_CRC_BYTES:])


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
    return decoded * _path_factor(head, decoded)


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
            head = raw.read(HEAD_BYTES)
            raw.seek(max(size - _CRC_BYTES, 0))
            return 1, size * _path_factor(head, size, raw.read(_CRC_BYTES))
    except Exception:  # unreadable or damaged: decoding it reports the problem
        return 1, max(size, 0)
