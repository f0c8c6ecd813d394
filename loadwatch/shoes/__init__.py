"""Shoes: which pair each run was in, the distance per pair, and the two shoe rules.

::

    import loadwatch as lw
    from loadwatch.shoes import assign_shoes, shoe_findings, shoe_records, shoe_table, shoe_text

    result = lw.import_activities("sample_data/")
    runs = assign_shoes(result)        # activity_id -> shoe (or None), source, note
    table = shoe_table(result)         # one row per athlete and pair (+ unassigned runs)
    print(shoe_text(shoe_records(table), units={"Avery Stone": "km"}))
    findings = shoe_findings(result)   # shoe-mileage and shoe-drop-change

Where the pair of a run comes from, strongest first (:mod:`loadwatch.shoes.assign`):
``shoe-overrides.csv`` (``file_or_date,shoe``) in the athlete's folder, the
``Activity Gear`` of a Strava export's ``activities.csv``, and the
``[[shoes]]`` periods of ``loadwatch.toml``. Runs matched by none are
*unassigned*: counted and shown, never given an invented pair.

Modules: :mod:`~loadwatch.shoes.sources` (reading the CSV files),
:mod:`~loadwatch.shoes.assign`, :mod:`~loadwatch.shoes.mileage` (totals,
crossings, forecasts, rotation, JSON records), :mod:`~loadwatch.shoes.findings`
(the rules), :mod:`~loadwatch.shoes.text`.
"""

from __future__ import annotations

from loadwatch.shoes.assign import (
    ASSIGNMENT_COLUMNS,
    SOURCES,
    AthleteSources,
    ShoeInfo,
    assign_shoes,
    athlete_sources,
    known_shoes,
)
from loadwatch.shoes.findings import (
    DROP_RULE,
    SHOE_RULE_IDS,
    ShoeFinding,
    drop_change_findings,
    mileage_findings,
    shoe_findings,
)
from loadwatch.shoes.mileage import (
    FORECAST_MILES,
    MILE_KM,
    MILEAGE_RULE,
    SHOE_COLUMNS,
    SHOE_FIELDS,
    rotation,
    shoe_progress,
    shoe_records,
    shoe_table,
)
from loadwatch.shoes.sources import OVERRIDES_FILE, STRAVA_ACTIVITIES_FILE, STRAVA_SHOES_FILE
from loadwatch.shoes.text import shoe_text

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "DROP_RULE",
    "FORECAST_MILES",
    "MILEAGE_RULE",
    "MILE_KM",
    "OVERRIDES_FILE",
    "SHOE_COLUMNS",
    "SHOE_FIELDS",
    "SHOE_RULE_IDS",
    "SOURCES",
    "STRAVA_ACTIVITIES_FILE",
    "STRAVA_SHOES_FILE",
    "AthleteSources",
    "ShoeFinding",
    "ShoeInfo",
    "assign_shoes",
    "athlete_sources",
    "drop_change_findings",
    "known_shoes",
    "mileage_findings",
    "rotation",
    "shoe_findings",
    "shoe_progress",
    "shoe_records",
    "shoe_table",
    "shoe_text",
]
