"""Every table loadwatch produces, declared once: columns, types, units and meanings.

The timeline (one row per activity), its laps, the weekly totals, the findings
and the shoe table are each a :class:`Table` of :class:`Column` s. Everything
else is derived from these declarations: the column tuples of the modules that
build the tables (``COLUMNS``, ``WEEK_COLUMNS`` ...), the DataFrame dtypes of
:func:`loadwatch.timeline.rows.to_frame`, the Parquet schema of the import
cache, the field names and order of ``--json`` / ``--csv`` (a public contract),
and the nomenclature table in the README (:func:`markdown_table`; a test checks
that the README equals it).

Types (:attr:`Column.dtype`):

================  ==========================================================
kind              pandas / Arrow
================  ==========================================================
float64           ``float64``; NaN where unknown
int64             ``int64``
bool              ``bool``
string            text (pandas' string dtype); None where unknown
datetime_utc      ``datetime64[ns, UTC]``
datetime_local    naive local wall-clock ``datetime64[ns]``
date              naive local day (midnight) ``datetime64[ns]``; ISO date in JSON
list[string]      a list of text per row (object dtype); a JSON array, joined by ``"; "`` in CSV
================  ==========================================================
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

__all__ = [
    "ATTRS_KEY",
    "DAYS",
    "DTYPES",
    "FINDINGS",
    "LAPS",
    "PLAN",
    "SHOES",
    "TABLES",
    "TIMELINE",
    "WEEKS",
    "Column",
    "Table",
    "markdown_table",
    "text_list",
]

#: The Arrow type of each dtype kind (times in microseconds, as stored by the cache).
DTYPES: dict[str, pa.DataType] = {
    "float64": pa.float64(),
    "int64": pa.int64(),
    "bool": pa.bool_(),
    "string": pa.string(),
    "datetime_utc": pa.timestamp("us", tz="UTC"),
    "datetime_local": pa.timestamp("us"),
    "date": pa.timestamp("us"),
    "list[string]": pa.list_(pa.string()),
}


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Attributes
    ----------
    name
        Column name (also the JSON field and CSV header).
    dtype
        One of :data:`DTYPES`.
    unit
        ``km``, ``s``, ``m``, ``bpm``, ``°C`` ...; ``""`` where the column has none.
    meaning
        One plain sentence.
    json
        Whether the column is a field of the table's JSON and CSV records.
    fillable
        Timeline only: filled from a merged duplicate where the kept file lacks it
        (:mod:`loadwatch.timeline.duplicates`).
    required
        Timeline only: the notebook accessor needs it (:mod:`loadwatch.accessor`).
    """

    name: str
    dtype: str
    unit: str
    meaning: str
    json: bool = True
    fillable: bool = False
    required: bool = False

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"column {self.name}: unknown dtype {self.dtype!r}")

    @property
    def arrow_type(self) -> pa.DataType:
        """The column's Arrow type."""
        return DTYPES[self.dtype]

    def description(self) -> str:
        """The meaning with the unit in brackets, e.g. ``Running distance [km]``."""
        if not self.unit:
            return self.meaning
        return f"{self.meaning.removesuffix('.')} [{self.unit}]"


@dataclass(frozen=True)
class Table:
    """A table: its name and its columns in order.

    ``json_order`` gives the JSON/CSV fields in their (public) order where it
    differs from the column order; it must name exactly the ``json`` columns.
    """

    name: str
    columns: tuple[Column, ...]
    json_order: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        names = self.names()
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name}: a column is declared twice")
        if self.json_order is not None:
            flagged = {c.name for c in self.columns if c.json}
            if set(self.json_order) != flagged or len(self.json_order) != len(flagged):
                raise ValueError(f"table {self.name}: json_order must name the json columns")

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def names(self) -> tuple[str, ...]:
        """Column names in order."""
        return tuple(c.name for c in self.columns)

    def names_of(self, dtype: str) -> tuple[str, ...]:
        """Names of the columns of one dtype kind, in order."""
        return tuple(c.name for c in self.columns if c.dtype == dtype)

    def json_fields(self) -> tuple[str, ...]:
        """Fields of the JSON and CSV records, in their public order."""
        if self.json_order is not None:
            return self.json_order
        return tuple(c.name for c in self.columns if c.json)

    def descriptions(self) -> dict[str, str]:
        """``{name: meaning [unit]}`` in column order."""
        return {c.name: c.description() for c in self.columns}

    def pyarrow_schema(self, exclude: tuple[str, ...] = ()) -> pa.Schema:
        """The table as an Arrow schema (columns in ``exclude`` left out)."""
        return pa.schema([(c.name, c.arrow_type) for c in self.columns if c.name not in exclude])


def text_list(value: str | Iterable[Any] | None) -> list[str]:
    """A ``list[string]`` cell as a list: ``None``/NaN/``""`` → ``[]``; a ``"; "``-joined
    string (the CSV form, and timelines made before lists) is split."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        return [part for part in value.split("; ") if part]
    return [str(part) for part in value]


def markdown_table(table: Table) -> str:
    """The nomenclature of ``table`` as a Markdown table (the README holds this text)."""
    lines = ["| column | type | unit | meaning |", "|---|---|---|---|"]
    for c in table.columns:
        unit = f"`{c.unit}`" if c.unit else ""
        lines.append(f"| `{c.name}` | {c.dtype} | {unit} | {c.meaning} |")
    return "\n".join(lines) + "\n"


_C = Column

#: The timeline: one row per activity (:func:`loadwatch.timeline.build.import_activities`).
#: The key of ``timeline.attrs`` that describes the import, JSON-safe (so that
#: ``to_parquet`` and copies keep working); the accessor and the injury log read it.
#: Each athlete's week start, units and folder, e.g. ``{"athletes": {"Ann Lee":
#: {"week_start": "sunday", "units": "km", "folder": "team/ann"}}}``.
ATTRS_KEY = "loadwatch"

TIMELINE = Table(
    "timeline",
    (
        _C(
            "athlete",
            "string",
            "",
            "Athlete name (loadwatch.toml name, else folder name).",
            required=True,
        ),
        _C("activity_id", "string", "", "Stable id: content hash of the file and session number."),
        _C("start_utc", "datetime_utc", "", "Start time in UTC."),
        _C("start_local", "datetime_local", "", "Local wall-clock start time.", required=True),
        _C("utc_offset_s", "float64", "s", "Local time minus UTC at the start.", json=False),
        _C(
            "timezone", "string", "", "IANA zone name, or UTC+hh:mm where only the offset is known."
        ),
        _C(
            "timezone_source",
            "string",
            "",
            "Where the time zone came from: device, settings, gps or utc.",
        ),
        _C(
            "sport",
            "string",
            "",
            "FIT-profile sport name (running, cycling ...); unknown FIT codes kept as numbers.",
        ),
        _C("sub_sport", "string", "", "FIT-profile sub-sport name (trail, treadmill ...)."),
        _C(
            "sport_inferred",
            "bool",
            "",
            "The file named no sport; it was inferred from the title or pace.",
        ),
        _C(
            "is_run",
            "bool",
            "",
            "Counts as running load (a running sport with distance > 0).",
            required=True,
        ),
        _C("distance_km", "float64", "km", "Distance.", required=True),
        _C(
            "duration_s",
            "float64",
            "s",
            "Moving (timer) time; elapsed time where the file has no timer.",
            required=True,
        ),
        _C("elapsed_s", "float64", "s", "Wall-clock time from start to end."),
        _C(
            "ascent_m",
            "float64",
            "m",
            "Total climbing; NaN where the file has none.",
            fillable=True,
        ),
        _C(
            "descent_m",
            "float64",
            "m",
            "Total descending; NaN where the file has none.",
            fillable=True,
        ),
        _C("avg_hr_bpm", "float64", "bpm", "Average heart rate.", fillable=True),
        _C("max_hr_bpm", "float64", "bpm", "Maximum heart rate.", fillable=True),
        _C(
            "avg_temperature_c",
            "float64",
            "°C",
            "Average device temperature.",
            json=False,
            fillable=True,
        ),
        _C("max_temperature_c", "float64", "°C", "Maximum device temperature.", fillable=True),
        _C("n_laps", "int64", "", "Number of laps.", json=False),
        _C("n_records", "int64", "", "Number of samples.", json=False),
        _C("start_lat", "float64", "°", "Start latitude.", json=False),
        _C("start_lon", "float64", "°", "Start longitude.", json=False),
        _C("name", "string", "", "Activity title from the file.", fillable=True),
        _C("device", "string", "", "Recording device, e.g. garmin fr935.", fillable=True),
        _C("file", "string", "", "The source file."),
        _C("format", "string", "", "File format: fit, gpx or tcx."),
        _C(
            "session_index",
            "int64",
            "",
            "Session number within a multisport FIT file (0 otherwise).",
            json=False,
        ),
        _C("merged_from", "list[string]", "", "Files merged into this row as duplicates."),
        _C("notes", "string", "", "Plain-language warnings about this activity."),
    ),
    json_order=(
        "athlete",
        "start_utc",
        "start_local",
        "timezone",
        "sport",
        "sub_sport",
        "is_run",
        "distance_km",
        "duration_s",
        "elapsed_s",
        "ascent_m",
        "descent_m",
        "avg_hr_bpm",
        "max_hr_bpm",
        "max_temperature_c",
        "name",
        "device",
        "file",
        "format",
        "activity_id",
        "timezone_source",
        "sport_inferred",
        "merged_from",
        "notes",
    ),
)

#: The laps of the timeline's activities (``ImportResult.laps``).
LAPS = Table(
    "laps",
    (
        _C("athlete", "string", "", "Athlete name."),
        _C("activity_id", "string", "", "The activity the lap belongs to (timeline activity_id)."),
        _C("lap_index", "int64", "", "Lap number within the activity, from 0."),
        _C("start_utc", "datetime_utc", "", "Lap start time in UTC."),
        _C("elapsed_s", "float64", "s", "Wall-clock time of the lap."),
        _C("timer_s", "float64", "s", "Moving (timer) time of the lap."),
        _C("distance_m", "float64", "m", "Lap distance."),
        _C("avg_speed_mps", "float64", "m/s", "Average speed over the lap."),
        _C("intensity", "string", "", "FIT lap intensity (active, rest, warmup ...), where known."),
        _C(
            "trigger", "string", "", "What ended the lap (manual, distance, time ...), where known."
        ),
    ),
)

#: Weekly running totals (:func:`loadwatch.load.weekly.weekly_table`).
WEEKS = Table(
    "weeks",
    (
        _C("athlete", "string", "", "Athlete name."),
        _C("week_start", "date", "", "First local day of the week (midnight)."),
        _C("distance_km", "float64", "km", "Running distance."),
        _C("runs", "int64", "", "Number of runs."),
        _C("duration_s", "float64", "s", "Running time."),
        _C("ascent_m", "float64", "m", "Climbing on runs (runs whose file records it)."),
        _C("descent_m", "float64", "m", "Descending on runs."),
        _C("longest_run_km", "float64", "km", "Longest single run."),
        _C(
            "fast_km",
            "float64",
            "km",
            "Fast running: interval laps, or stretches held a minute "
            "or more well above the athlete's easy speed (loadwatch.load.speedwork); NaN where "
            "not computed.",
        ),
        _C("heat_s", "float64", "s", "Running time in runs at or above the heat-note temperature."),
    ),
)

#: Findings (``loadwatch check``; :class:`loadwatch.rules.ruleset.Finding`).
FINDINGS = Table(
    "findings",
    (
        _C("athlete", "string", "", "Athlete name."),
        _C("rule", "string", "", "Rule id."),
        _C("severity", "string", "", "caution, high, or note for context."),
        _C(
            "date",
            "date",
            "",
            "Local date of the run, or the last day of the week for weekly rules.",
        ),
        _C("week_start", "date", "", "First local day of the training week holding date."),
        _C("value", "float64", "", "What was measured, in unit; null where not finite."),
        _C("threshold", "float64", "", "The limit it was compared with, in unit."),
        _C("unit", "string", "", "Unit of value and threshold (%, km, m, ratio, °C, h, weeks)."),
        _C(
            "message",
            "string",
            "",
            "A few hundred characters: a line of numbers (what happened, value, line), then "
            "the advice.",
        ),
        _C("source", "string", "", "Published source(s) with DOI."),
        _C("evidence", "string", "", "observational, consensus heuristic or contested."),
        _C("shoe", "string", "", "The pair a shoe rule is about; null for every other rule."),
        _C(
            "advice",
            "string",
            "",
            "The next step, with a number in the runner's unit (the end of message).",
        ),
        _C(
            "evidence_note",
            "string",
            "",
            "The rule's sentence on how strong its evidence is (the same for each finding "
            "of a rule).",
        ),
    ),
)

#: Shoe mileage (:func:`loadwatch.shoes.shoe_table`).
SHOES = Table(
    "shoes",
    (
        _C("athlete", "string", "", "Athlete name."),
        _C("shoe", "string", "", "Pair name; None for the runs with no pair (unassigned)."),
        _C("distance_km", "float64", "km", "start_km plus every run in the pair."),
        _C("distance_mi", "float64", "mi", "The same in miles."),
        _C("runs", "int64", "", "Runs in the pair in these records."),
        _C("first_run", "date", "", "Local day of the first run in the pair."),
        _C("last_run", "date", "", "Local day of the last run in the pair."),
        _C(
            "status", "string", "", "ok, caution or high (shoe-mileage bands); None for unassigned."
        ),
        _C(
            "forecast_300mi",
            "date",
            "",
            "Local day the pair reaches (or reached) 300 miles; NaT when not in use.",
        ),
        _C("forecast_500mi", "date", "", "Local day the pair reaches (or reached) 500 miles."),
        _C(
            "crossed_300mi",
            "date",
            "",
            "Local day of the run that took the pair past 300 miles; NaT if not yet.",
        ),
        _C("crossed_500mi", "date", "", "Local day of the run that took the pair past 500 miles."),
        _C("start_km", "float64", "km", "Distance before these records (loadwatch.toml)."),
        _C("km_per_week", "float64", "km/week", "Recent use of the pair (forecast_days window)."),
        _C("in_rotation", "bool", "", "Run in during the last rotation_weeks weeks."),
        _C("drop_mm", "float64", "mm", "Heel-to-toe drop; NaN where unknown."),
        _C("minimalist", "bool", "", "Marked minimalist in loadwatch.toml."),
        _C("brand", "string", "", "Brand (loadwatch.toml or Strava shoes.csv)."),
        _C("model", "string", "", "Model."),
    ),
)

#: Every table, by name.
TABLES: dict[str, Table] = {t.name: t for t in (TIMELINE, LAPS, WEEKS, FINDINGS, SHOES)}

#: A list of the plan's limits per row (object dtype): a JSON array of objects
#: ``{rule, field, value, unit, why}``; one ``rule field: why`` text each in CSV.
DTYPES["list[limit]"] = pa.list_(
    pa.struct(
        [
            ("rule", pa.string()),
            ("field", pa.string()),
            ("value", pa.float64()),
            ("unit", pa.string()),
            ("why", pa.string()),
        ]
    )
)

#: The return ramp of a plan (object dtype): a JSON array of ramp weeks; one text each in CSV.
DTYPES["list[ramp]"] = pa.list_(
    pa.struct(
        [
            ("step", pa.int64()),
            ("week_start", pa.string()),
            ("ramp_pct", pa.float64()),
            ("target_km", pa.float64()),
            ("limit_km", pa.float64()),
            ("km_so_far", pa.float64()),
            ("current", pa.bool_()),
        ]
    )
)
#: A plan's coverage (object dtype): a JSON object; its ``note`` in CSV.
DTYPES["coverage"] = pa.struct(
    [
        ("runs", pa.int64()),
        ("listed_without_file", pa.int64()),
        ("manual_entries", pa.int64()),
        ("uncounted_run_km", pa.float64()),
        ("last_activity", pa.string()),
        ("days_without_activity", pa.int64()),
        ("complete", pa.bool_()),
        ("note", pa.string()),
    ]
)

#: The plan ahead (``loadwatch plan``; :func:`loadwatch.load.plan.plan_table`).
PLAN = Table(
    "plan",
    (
        _C("athlete", "string", "", "Athlete name."),
        _C("as_of", "date", "", "The last local day whose activities count."),
        _C("week_start", "date", "", "First local day of the week holding as_of plus one day."),
        _C("week_km_so_far", "float64", "km", "Running distance already in that week."),
        _C(
            "week_km_max",
            "float64",
            "km",
            "Most running that week can hold without a weekly-increase caution (in a return "
            "after a layoff: without a return-from-layoff caution); null with no base yet.",
        ),
        _C(
            "run_km_max",
            "float64",
            "km",
            "Longest single run on as_of plus one day without a long-run-spike caution; null "
            "with no base yet.",
        ),
        _C(
            "ascent_m_max",
            "float64",
            "m",
            "Most climbing that week can hold without a hill-increase caution; null with no "
            "base yet.",
        ),
        _C(
            "fast_km_max",
            "float64",
            "km",
            "Most fast running that week can hold without a speedwork-increase caution; null "
            "with no base yet.",
        ),
        _C("phase", "string", "", "no-history, beginner, return-from-layoff or established."),
        _C(
            "limits",
            "list[limit]",
            "",
            "Which rule sets each number and from what: rule, field, value, unit and why.",
        ),
        _C(
            "message",
            "string",
            "",
            "Two or three plain sentences in the runner's unit naming each limit's evidence.",
        ),
        _C(
            "return_ramp",
            "list[ramp]",
            "",
            "In a return after a layoff, the ramp as a calendar: step, week_start, ramp_pct, "
            "target_km, limit_km, km_so_far and current (the week holding as_of plus one day); "
            "empty otherwise.",
        ),
        _C(
            "coverage",
            "coverage",
            "",
            "What the plan is judged on: runs, listed_without_file, manual_entries, "
            "uncounted_run_km, last_activity, days_without_activity, complete and note.",
        ),
    ),
)

TABLES["plan"] = PLAN

#: Daily running load with rolling sums (``loadwatch days``;
#: :func:`loadwatch.load.daily.daily_table`).
DAYS = Table(
    "days",
    (
        _C("athlete", "string", "", "Athlete name."),
        _C("day", "date", "", "Local calendar day (midnight); rest days are kept as zero days."),
        _C("distance_km", "float64", "km", "Running distance that day."),
        _C("runs", "int64", "", "Number of runs that day."),
        _C("duration_s", "float64", "s", "Running time that day."),
        _C("ascent_m", "float64", "m", "Climbing on that day's runs (runs whose file records it)."),
        _C("longest_run_km", "float64", "km", "Longest single run that day; 0 on a rest day."),
        _C("distance_km_7d", "float64", "km", "Running distance of the 7 days ending that day."),
        _C("runs_7d", "int64", "", "Runs in the 7 days ending that day."),
        _C("duration_s_7d", "float64", "s", "Running time of the 7 days ending that day."),
        _C("ascent_m_7d", "float64", "m", "Climbing on runs of the 7 days ending that day."),
        _C("distance_km_28d", "float64", "km", "Running distance of the 28 days ending that day."),
        _C("runs_28d", "int64", "", "Runs in the 28 days ending that day."),
        _C("duration_s_28d", "float64", "s", "Running time of the 28 days ending that day."),
        _C("ascent_m_28d", "float64", "m", "Climbing on runs of the 28 days ending that day."),
        _C(
            "longest_run_km_window",
            "float64",
            "km",
            "Longest single run of the long-run-spike window before that day (the rule's "
            "window_days days up to the day before): what a run that day is compared with; "
            "NaN on the first day of the records.",
        ),
    ),
)

TABLES["days"] = DAYS
