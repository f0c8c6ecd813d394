"""loadwatch: warns runners when training load rises too much, too soon.

The public API (the CLI calls exactly these)::

    import loadwatch as lw
    result = lw.import_activities("sample_data/")   # timeline + laps + import report
    timeline = lw.read("sample_data/")              # just the timeline DataFrame
    weeks = lw.weekly_load(result)                  # local weeks, zero weeks, fast km, heat
    findings = lw.check(result)                     # too much, too soon: list of Finding
    lw.findings_frame(findings)                     # ... as a DataFrame
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
from .findings_table import FINDING_FIELDS, finding_records
from .importers.discover import read_activity_file, read_records
from .load.ruleset import Finding, Rule, RuleSet, load_rules
from .rules import alarms, check, evaluate, findings_frame, weekly_load
from .settings import AthleteSettings, ShoeSetting, load_settings
from .timeline import COLUMNS, LAP_COLUMNS, ImportReport, ImportResult, import_activities, read
from .weekly import WEEK_COLUMNS, weekly_table

__version__ = "0.1.0"

__all__ = [
    "COLUMNS",
    "FINDING_FIELDS",
    "LAP_COLUMNS",
    "WEEK_COLUMNS",
    "ActivityFileError",
    "AthleteSettings",
    "CorruptFileError",
    "EmptyFileError",
    "Finding",
    "ImportReport",
    "ImportResult",
    "LoadwatchError",
    "NotAnActivityError",
    "Rule",
    "RuleSet",
    "SettingsError",
    "ShoeSetting",
    "UnsafeFileError",
    "UnsupportedFileError",
    "__version__",
    "alarms",
    "check",
    "evaluate",
    "finding_records",
    "findings_frame",
    "import_activities",
    "load_rules",
    "load_settings",
    "read",
    "read_activity_file",
    "read_records",
    "weekly_load",
    "weekly_table",
]
