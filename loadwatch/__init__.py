"""loadwatch: warns runners when training load rises too much, too soon.

The public API (the CLI calls exactly these)::

    import loadwatch as lw
    result = lw.import_activities("sample_data/")   # timeline + laps + import report
    timeline = lw.read("sample_data/")              # just the timeline DataFrame
    weeks = lw.weekly_load(result)                  # local weeks, zero weeks, fast km, heat
    findings = lw.check(result)                     # too much, too soon: Findings (a list)
    findings.at_least("caution").between(since=date(2026, 3, 1))   # the CLI's filters
    lw.findings_frame(findings)                     # ... as a DataFrame
    lw.plan(result)                                 # what the next run and week can hold
    lw.daily_load(result)                           # every day, rolling 7- and 28-day sums
    records = lw.read_records("run.fit")            # per-record stream of one file
    lw.write_report(result, "report.html")          # the HTML report
    timeline.loadwatch.weekly()                     # the same, as a DataFrame accessor

``check``, ``weekly_load``, ``write_report``, ``summary_text`` and ``shoe_table``
also take a path (imported first) or a timeline from an import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from loadwatch import accessor  # noqa: F401  (registers DataFrame.loadwatch; pandas only)
from loadwatch.version import __version__

if TYPE_CHECKING:  # what the names below are, for type checkers and editors
    from loadwatch.api import daily_load, shoe_records, shoe_table, summary_text, write_report
    from loadwatch.errors import (
        ActivityFileError,
        CorruptFileError,
        EmptyFileError,
        LoadwatchError,
        NotAnActivityError,
        SettingsError,
        UnsafeFileError,
        UnsupportedFileError,
    )
    from loadwatch.findings.check import alarms, check, evaluate, findings_frame, plan, weekly_load
    from loadwatch.findings.collection import Findings
    from loadwatch.findings.injuries import (
        InjuryLogError,
        injuries_with_preceding_findings,
        read_injuries,
        rule_injury_table,
    )
    from loadwatch.findings.table import FINDING_FIELDS, finding_records
    from loadwatch.importers.read import read_activity_file, read_records
    from loadwatch.load.weekly import WEEK_COLUMNS, weekly_table
    from loadwatch.report.records import activity_records, week_records
    from loadwatch.rules.ruleset import Finding, Rule, RuleSet, load_rules
    from loadwatch.timeline.build import (
        COLUMNS,
        LAP_COLUMNS,
        ImportReport,
        ImportResult,
        import_activities,
        read,
    )
    from loadwatch.timeline.cohort import read_many
    from loadwatch.timeline.settings import AthleteSettings, ShoeSetting, load_settings

#: Each public name and the module it lives in: imported there on first use (PEP 562),
#: so that ``import loadwatch`` loads only pandas and the DataFrame accessor.
_HOMES: dict[str, tuple[str, ...]] = {
    "loadwatch.api": (
        "daily_load",
        "shoe_records",
        "shoe_table",
        "summary_text",
        "write_report",
    ),
    "loadwatch.errors": (
        "ActivityFileError",
        "CorruptFileError",
        "EmptyFileError",
        "LoadwatchError",
        "NotAnActivityError",
        "SettingsError",
        "UnsafeFileError",
        "UnsupportedFileError",
    ),
    "loadwatch.findings.check": (
        "alarms",
        "check",
        "evaluate",
        "findings_frame",
        "plan",
        "weekly_load",
    ),
    "loadwatch.findings.collection": ("Findings",),
    "loadwatch.findings.injuries": (
        "injuries_with_preceding_findings",
        "InjuryLogError",
        "read_injuries",
        "rule_injury_table",
    ),
    "loadwatch.findings.table": (
        "FINDING_FIELDS",
        "finding_records",
    ),
    "loadwatch.importers.read": (
        "read_activity_file",
        "read_records",
    ),
    "loadwatch.load.weekly": (
        "WEEK_COLUMNS",
        "weekly_table",
    ),
    "loadwatch.report.records": (
        "activity_records",
        "week_records",
    ),
    "loadwatch.rules.ruleset": (
        "Finding",
        "load_rules",
        "Rule",
        "RuleSet",
    ),
    "loadwatch.timeline.build": (
        "COLUMNS",
        "LAP_COLUMNS",
        "import_activities",
        "ImportReport",
        "ImportResult",
        "read",
    ),
    "loadwatch.timeline.cohort": ("read_many",),
    "loadwatch.timeline.settings": (
        "AthleteSettings",
        "load_settings",
        "ShoeSetting",
    ),
}

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
    "Findings",
    "ImportReport",
    "ImportResult",
    "InjuryLogError",
    "LoadwatchError",
    "NotAnActivityError",
    "Rule",
    "RuleSet",
    "SettingsError",
    "ShoeSetting",
    "UnsafeFileError",
    "UnsupportedFileError",
    "__version__",
    "activity_records",
    "alarms",
    "check",
    "daily_load",
    "evaluate",
    "finding_records",
    "findings_frame",
    "import_activities",
    "injuries_with_preceding_findings",
    "load_rules",
    "load_settings",
    "plan",
    "read",
    "read_activity_file",
    "read_injuries",
    "read_many",
    "read_records",
    "rule_injury_table",
    "shoe_records",
    "shoe_table",
    "summary_text",
    "week_records",
    "weekly_load",
    "weekly_table",
    "write_report",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for."""
    for module, names in _HOMES.items():
        if name in names:
            value = getattr(importlib.import_module(module), name)
            globals()[name] = value  # asked once: a plain attribute from now on
            return value
    raise AttributeError(f"module 'loadwatch' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public API (:data:`__all__`), not the submodules."""
    return sorted({*__all__, "__doc__", "__file__", "__name__", "__path__", "__spec__"})
