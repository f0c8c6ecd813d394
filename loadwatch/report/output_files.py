"""Files loadwatch writes: never over the user's data, never half-written.

A report path given by the user (``loadwatch report … -o PATH``) is checked
before anything is written (:func:`check_report_path`): it must be an
``.html``/``.htm`` file that is not an input, not a link and not a device,
and an existing file there is overwritten only when loadwatch wrote it (its
head holds :func:`generator_meta`). The report is then written to a temporary
file in the same folder and renamed over the old one
(:func:`write_text_atomic`): a full disk leaves the old report intact.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from loadwatch.errors import OutputFileError

#: File name endings a report may have.
REPORT_SUFFIXES = (".html", ".htm")

#: What is looked for in an existing file (any version of loadwatch): see :func:`generator_meta`.
_GENERATOR_MARK = b'<meta name="generator" content="loadwatch'

#: Bytes of an existing file read to find the mark (it is near the top of the head).
_HEAD_BYTES = 4096


def generator_meta(version: str) -> str:
    """The ``<meta name="generator">`` tag in the ``<head>`` of every HTML report.

    It marks the file as a report loadwatch wrote, which a later report may
    replace; it must come within the first 4 kB of the file.
    """
    return f'<meta name="generator" content="loadwatch {version}">'


#: How every refusal of :func:`check_report_path` starts.
_REFUSED = "cannot write the report"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _same_file(path: Path, other: Path) -> bool:
    """True when ``path`` names ``other`` (after links and ``..``), or is a hard link to it."""
    try:
        if path.resolve() == other.resolve():
            return True
        return path.exists() and other.exists() and os.path.samefile(path, other)
    except (OSError, RuntimeError):  # a link loop: not the same as anything readable
        return False


def is_loadwatch_report(path: str | Path) -> bool:
    """True for a regular file whose head holds loadwatch's generator mark."""
    try:
        with open(path, "rb") as handle:  # callers check that it is a regular file first
            return _GENERATOR_MARK in handle.read(_HEAD_BYTES)
    except OSError:
        return False


def check_report_path(path: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """``path`` if loadwatch may write a report there; else a one-line error.

    Parameters
    ----------
    path
        Where the report is to go.
    inputs
        Files and folders the report is made from (the command's PATH, the
        activity and settings files read): the report must not be one of them.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    OutputFileError
        ``path`` is, or resolves to, an input; does not end in ``.html`` or
        ``.htm``; is a symbolic link, a folder, a device or a FIFO; is an
        existing file that is not a loadwatch report; or its folder does not
        exist.
    """
    path = Path(path)
    for source in inputs:
        if _same_file(path, Path(source)):
            raise OutputFileError(path, f"{_REFUSED}: it is an input, choose another file name")
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise OutputFileError(path, f"{_REFUSED}: a report is an HTML file, give it an .html name")
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputFileError(path, f"{_REFUSED}: {_reason(exc)}") from exc
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise OutputFileError(path, f"{_REFUSED}: it is a symbolic link")
        if not stat.S_ISREG(info.st_mode):
            raise OutputFileError(path, f"{_REFUSED}: it is not a regular file")
        if not is_loadwatch_report(path):
            raise OutputFileError(
                path,
                f"{_REFUSED}: the file exists and is not a loadwatch report (loadwatch "
                "replaces only its own reports), choose another file name",
            )
    if not path.parent.is_dir():
        raise OutputFileError(path, f"{_REFUSED}: its folder does not exist")
    return path


def _open_temp(path: Path) -> tuple[int, Path]:
    """A new, empty file beside ``path`` (same folder: renaming it is atomic)."""
    for _ in range(100):
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path.name}")


def write_text_atomic(
    path: str | Path, text: str, *, encoding: str = "utf-8", what: str = "the file"
) -> Path:
    """Write ``text`` to ``path`` all at once: a temporary file, then a rename.

    Readers see the old file or the complete new one, never a part. When
    writing fails (disk full, no permission) the temporary file is removed and
    the old file, if any, is left as it was. The path is not checked: call
    :func:`check_report_path` first for a path the user gave.

    Parameters
    ----------
    path
        The file to write; a link there is replaced, not written through.
    text
        Its new content.
    encoding
        Text encoding.
    what
        What is written, for the error message (``"the report"``).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputFileError
        The file could not be written (one line with the system's reason).
    """
    path = Path(path)
    data = text.encode(encoding)
    try:
        handle, temp = _open_temp(path)
    except OSError as exc:
        raise OutputFileError(path, f"cannot write {what}: {_reason(exc)}") from exc
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(OSError):  # keep the permissions of the file replaced
            old = path.stat(follow_symlinks=False)
            if stat.S_ISREG(old.st_mode):
                os.chmod(temp, stat.S_IMODE(old.st_mode))
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise OutputFileError(path, f"cannot write {what}: {_reason(exc)}") from exc
        raise
    return path
