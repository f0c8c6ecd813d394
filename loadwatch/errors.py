"""Every error loadwatch raises, in one hierarchy.

Each error carries enough context (which file, which setting) to print a
single line a runner understands; the original parser error is kept as
``__cause__`` for ``--debug``.
"""

from __future__ import annotations

from pathlib import PurePath


class LoadwatchError(Exception):
    """Base class of every error loadwatch raises on purpose."""

    def __reduce__(self) -> tuple:  # rebuilt without __init__: errors cross process boundaries
        return (type(self).__new__, (type(self), *self.args), self.__dict__)


class ActivityFileError(LoadwatchError):
    """A file could not be read as an activity.

    Parameters
    ----------
    path
        The file (or ``archive.zip!member``) as the user would recognise it.
    reason
        What is wrong, in plain words, without the file name.
    """

    #: Short machine-readable kind, used in the import report.
    kind = "unreadable"

    def __init__(self, path: str | PurePath, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class EmptyFileError(ActivityFileError):
    """The file has no bytes, or no data at all."""

    kind = "empty"


class CorruptFileError(ActivityFileError):
    """The file is damaged: truncated, failed its checksum, not valid XML ..."""

    kind = "corrupt"


class UnsafeFileError(ActivityFileError):
    """The file was refused because reading it could harm the machine.

    XML entity bombs, external entities, files or archive members larger than
    the limits, compression bombs.
    """

    kind = "unsafe"


class NotAnActivityError(ActivityFileError):
    """The file is valid but holds no recorded activity.

    A FIT settings or course file, a GPX route or waypoint list, a planned
    track without times. These are skipped quietly, not reported as errors.
    """

    kind = "not-an-activity"


class UnsupportedFileError(ActivityFileError):
    """The file is not of a format loadwatch reads."""

    kind = "unsupported"


class SettingsError(LoadwatchError):
    """A bad value in an athlete's ``loadwatch.toml``.

    Parameters
    ----------
    path
        The settings file.
    key
        The dotted key, e.g. ``athlete.timezone`` or ``shoes[2].from``.
    reason
        What is wrong with it.
    """

    def __init__(self, path: str | PurePath, key: str, reason: str) -> None:
        self.path = str(path)
        self.key = key
        self.reason = reason
        super().__init__(f"{self.path}: {key}: {reason}")


class OutputFileError(LoadwatchError):
    """A file loadwatch was asked to write was refused, or could not be written.

    Parameters
    ----------
    path
        The file to write (e.g. the report's ``-o``).
    reason
        Why it is refused or failed, without the file name.
    """

    def __init__(self, path: str | PurePath, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class SpecialFileError(ActivityFileError):
    """A FIFO, socket, device or dangling link named like a file loadwatch reads.

    It is never opened (a FIFO would block, a device read forever); the import
    report names it in one line and the files beside it still import.
    """

    kind = "not-a-file"


class UnreadableFolderError(ActivityFileError):
    """A folder below the one given that cannot be listed (no permission, too deep a path).

    Its files were not imported; the import report names the folder in one line.
    """

    kind = "unreadable-folder"
