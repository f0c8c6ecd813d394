"""Opening only regular files: never a FIFO, socket or device named like a data file.

A FIFO named ``run.fit`` blocks the ``open`` call until something writes to
it; a link to ``/dev/zero`` named ``export.zip`` reads forever. Every file
loadwatch reads from a user's folder (activity files, archives, settings,
export tables, ``injuries.csv``, ``shoe-overrides.csv``) is opened here:

* :func:`special_file_reason` says, from ``os.stat`` (links followed), why a
  path is not a regular file — before anything opens it;
* :func:`open_regular_file` opens without blocking (``O_NONBLOCK``) and checks
  the opened descriptor again, so a file swapped for a FIFO between the check
  and the open is refused too;
* :func:`read_regular_bytes` reads at most ``max_bytes + 1`` bytes, so a file
  that grows while it is read (or lies about its size) is refused instead of
  filling memory.

The errors are :class:`OSError` subclasses: code that already turns an
``OSError`` into a one-line "cannot be read" message keeps doing so.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

#: Largest table or settings file read (``loadwatch.toml``, ``injuries.csv``,
#: ``shoe-overrides.csv``, Strava's ``activities.csv``, Garmin's summaries JSON)
#: [bytes]; ten years of daily activities is a few MB.
MAX_TABLE_BYTES = 64 * 1024 * 1024

#: Names of the kinds of file that are not regular, for messages.
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


class NotARegularFileError(OSError):
    """The path is a FIFO, socket, device, folder or a link to nothing: it is not opened."""


class FileTooLargeError(OSError):
    """The file holds more bytes than the caller's limit (it may have grown while read)."""


def kind_of_mode(mode: int) -> str:
    """``"a FIFO"``, ``"a socket"`` … for an ``st_mode`` that is not a regular file."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not an ordinary file"


def special_file_reason(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` must not be opened, or ``None`` for a regular file (links followed).

    Returns
    -------
    str or None
        ``"not a regular file (a FIFO): skipped"``, ``"… (a socket) …"``,
        ``"… (a character device) …"``, ``"a link to nothing (its target does
        not exist): skipped"``; ``None`` where the path is a regular file or a
        link to one. Other ``OSError``\\ s (no permission on a parent folder)
        are raised: the caller's read names them.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            return "a link to nothing (its target does not exist): skipped"
        raise
    if stat.S_ISREG(mode):
        return None
    return f"not a regular file ({kind_of_mode(mode)}): skipped"


def open_regular_file(path: str | os.PathLike[str]) -> BinaryIO:
    """``path`` opened for reading in binary, only if it is a regular file.

    The path is checked with ``os.stat`` first (a FIFO is never opened), then
    opened with ``O_NONBLOCK`` and checked again on the descriptor.

    Raises
    ------
    NotARegularFileError
        A FIFO, socket, device, folder or dangling link; ``strerror`` says which.
    OSError
        The file cannot be opened (missing, no permission).
    """
    reason = special_file_reason(path)
    if reason is not None:
        raise NotARegularFileError(errno.EINVAL, reason, os.fspath(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # swapped since the check
            reason = f"not a regular file ({kind_of_mode(mode)}): skipped"
            raise NotARegularFileError(errno.EINVAL, reason, os.fspath(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular_bytes(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them.

    At most ``max_bytes + 1`` bytes are read whatever the file's size says,
    so memory stays bounded even for a file that grows while it is read.

    Raises
    ------
    NotARegularFileError
        See :func:`open_regular_file`.
    FileTooLargeError
        The file holds more than ``max_bytes`` bytes.
    OSError
        The file cannot be read.
    """
    with open_regular_file(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        # Sized read: a bare read(max_bytes + 1) would reserve that much up front.
        data = fh.read(min(size, max_bytes) + 1)
        while len(data) <= max_bytes:  # grew since fstat: read on, still capped
            more = fh.read(min(1 << 20, max_bytes + 1 - len(data)))
            if not more:
                break
            data += more
    if len(data) > max_bytes:
        limit = f"{max_bytes / 1024**2:,.0f} MB" if max_bytes >= 1024**2 else f"{max_bytes:,} bytes"
        raise FileTooLargeError(errno.EFBIG, f"larger than the {limit} limit", os.fspath(path))
    return data


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """True for a regular file or a link to one; False for anything else, missing or unreadable."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


__all__ = [
    "FileTooLargeError",
    "NotARegularFileError",
    "is_regular_file",
    "kind_of_mode",
    "open_regular_file",
    "read_regular_bytes",
    "special_file_reason",
]
