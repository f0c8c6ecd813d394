"""Bulk export tables: Strava's ``activities.csv``/``shoes.csv`` and Garmin's summaries JSON.

An export archive holds, besides the activity files, the service's own table
of activities: the sport and title as the runner sees (and may have
corrected) them, the gear, Strava's distance. :func:`find_export_tables`
finds them beside the files or inside the zip they came from;
:func:`loadwatch.timeline.exports.apply_export_tables` puts sport and title
into the timeline and notes distances that disagree. Shoes take Strava's gear from the same tables
(:mod:`loadwatch.shoes`).

Modules: :mod:`~loadwatch.importers.exports.strava`, :mod:`~loadwatch.importers.exports.garmin`,
:mod:`~loadwatch.importers.exports.locate`, :mod:`~loadwatch.timeline.exports`.
"""

from __future__ import annotations

from loadwatch.importers.exports.garmin import GarminActivity, GarminSummary, parse_garmin_summary
from loadwatch.importers.exports.locate import ExportTables, find_export_tables, search_folders
from loadwatch.importers.exports.strava import (
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
    "STRAVA_ACTIVITIES_FILE",
    "STRAVA_SHOES_FILE",
    "ExportTables",
    "GarminActivity",
    "GarminSummary",
    "StravaActivity",
    "StravaExport",
    "StravaShoe",
    "file_key",
    "find_export_tables",
    "parse_garmin_summary",
    "parse_strava_export",
    "path_key",
    "read_strava_export",
    "search_folders",
]
