"""loadwatch: warns runners when training load rises too much, too soon.

The public API (the CLI calls exactly these)::

    import loadwatch as lw
    result = lw.import_activities("sample_data/")   # timeline + laps + import report
    timeline = lw.read("sample_data/")              # just the timeline DataFrame
    weeks = lw.weekly_table(timeline)               # local weeks, zero weeks included
    records = lw.read_records("run.fit")            # per-record stream of one file
"""

from .errors import (
    ActivityFileError,
    CorruptFileError,
    EmptyFileError,
    LoadwatchError,
    NotAnActivityError,
    SettingsError,
    UnsafeFileError,
    UnsupportedFileError,
)
from .importers.discover import read_activity_file, read_records
from .settings import AthleteSettings, ShoeSetting, load_settings
from .timeline import COLUMNS, LAP_COLUMNS, ImportReport, ImportResult, import_activities, read
from .weekly import WEEK_COLUMNS, weekly_table

__version__ = "0.1.0"

__all__ = [
    "COLUMNS",
    "LAP_COLUMNS",
    "WEEK_COLUMNS",
    "ActivityFileError",
    "AthleteSettings",
    "CorruptFileError",
    "EmptyFileError",
    "ImportReport",
    "ImportResult",
    "LoadwatchError",
    "NotAnActivityError",
    "SettingsError",
    "ShoeSetting",
    "UnsafeFileError",
    "UnsupportedFileError",
    "__version__",
    "import_activities",
    "load_settings",
    "read",
    "read_activity_file",
    "read_records",
    "weekly_table",
]
