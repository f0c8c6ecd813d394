"""Reading one file (or one member of a zip archive) with the importer of its format.

:mod:`~loadwatch.importers.discover` finds files and reads their bytes safely;
:mod:`~loadwatch.importers.archives` reads the members of zip exports; this
module hands the bytes to the importer of their format. The importers are
imported on first use, so a run that takes everything from the cache never
loads a decoder.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loadwatch.errors import UnsupportedFileError
from loadwatch.importers.activity import Activity
from loadwatch.importers.archives import MEMBER_SEPARATOR, read_archive_member
from loadwatch.importers.discover import FileData, read_file_data


def parse_file_data(file: FileData) -> list[Activity]:
    """Decode recognised bytes with the importer of their format."""
    if file.format == "fit":
        from loadwatch.importers.fit.reader import read_fit

        return read_fit(file.data, file.source)
    if file.format == "gpx":
        from loadwatch.importers.gpx import read_gpx

        return read_gpx(file.data, file.source)
    if file.format == "tcx":
        from loadwatch.importers.tcx import read_tcx

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
        Columns as :data:`loadwatch.importers.activity.RECORD_COLUMNS`: ``time_utc``,
        ``distance_m`` [m], ``speed_mps`` [m/s], ``altitude_m`` [m],
        ``heart_rate_bpm``, ``cadence_rpm``, ``temperature_c`` [°C],
        ``lat``/``lon`` [degrees]; NaN where the file has no such data.
    """
    if not Path(path).exists() and MEMBER_SEPARATOR in str(path):
        file = read_archive_member(str(path))
    else:
        file = read_file_data(Path(path))
    if file.format == "fit":
        from loadwatch.importers.fit.reader import read_fit_records

        return read_fit_records(file.data, file.source)
    if file.format == "gpx":
        from loadwatch.importers.gpx import read_gpx_records

        return read_gpx_records(file.data, file.source)
    from loadwatch.importers.tcx import read_tcx_records

    return read_tcx_records(file.data, file.source)


__all__ = ["parse_file_data", "read_activity_file", "read_records"]
