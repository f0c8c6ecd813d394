"""Bulk export tables: Strava's ``activities.csv``/``shoes.csv`` and Garmin's summaries JSON.

An export archive holds, besides the activity files, the service's own table
of activities: the sport and title as the runner sees (and may have
corrected) them, the gear, Strava's distance. :func:`find_export_tables`
finds them beside the files or inside the zip they came from;
:func:`apply_export_tables` puts sport and title into the timeline and notes
distances that disagree. Shoes take Strava's gear from the same tables
(:mod:`loadwatch.shoes`).

Modules: :mod:`~loadwatch.exports.strava`, :mod:`~loadwatch.exports.garmin`,
:mod:`~loadwatch.exports.locate`, :mod:`~loadwatch.exports.apply`.
"""

from __future__ import annotations

from .apply import DISTANCE_CHECK_FRACTION, DISTANCE_CHECK_MIN_KM, apply_export_tables
from .garmin import GarminActivity, GarminSummary, parse_garmin_summary
from .locate import ExportTables, find_export_tables, search_folders
from .strava import (
    STRAVA_ACTIVITIES_FILE,
    STRAVA_SHOES_FILE,
    StravaActivity,
    StravaExport,
    StravaShoe,
    file_key,
    parse_strava_export,
    path_key,
    read_strava_export,
)

__all__ = [
    "DISTANCE_CHECK_FRACTION",
    "DISTANCE_CHECK_MIN_KM",
    "STRAVA_ACTIVITIES_FILE",
    "STRAVA_SHOES_FILE",
    "ExportTables",
    "GarminActivity",
    "GarminSummary",
    "StravaActivity",
    "StravaExport",
    "StravaShoe",
    "apply_export_tables",
    "file_key",
    "find_export_tables",
    "parse_garmin_summary",
    "parse_strava_export",
    "path_key",
    "read_strava_export",
    "search_folders",
]
