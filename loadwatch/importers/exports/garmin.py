"""Garmin Connect data export: the activity summaries JSON.

Garmin's "Export your data" archive nests zips of the uploaded FIT files
(``DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip``) and
keeps one summary per activity in
``DI_CONNECT/DI-Connect-Fitness/<user>_0_summarizedActivities.json``, shaped
``[{"summarizedActivitiesExport": [{...}, ...]}]``. Of each summary loadwatch
reads ``activityId``, ``name`` (the title the runner sees), ``activityType``
(``running``, ``trail_running``, ``treadmill_running``, ``cycling`` …; the
runner may have corrected it in Garmin Connect), ``manualActivity`` (typed in
by hand, no file) and the start,
``beginTimestamp`` or ``startTimeGmt`` (milliseconds since 1970, UTC).
Distances are not read: the FIT file's own distance is what the watch
measured.

A summary is matched to an activity by the activity id in the uploaded
file's name (``name@example.com_12345678901.fit``) or, failing that, by its
start time (:data:`START_TOLERANCE_S`). A start that is not a number, not
finite, or not a time a recording can have (before 1990 or in the future,
:func:`loadwatch.importers.gpx_points.plausible_utc`) is not used: that summary is
matched by its id only, and one line per file says how many were so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from loadwatch.entry_checks import finite_number
from loadwatch.errors import SettingsError
from loadwatch.importers.gpx_points import plausible_utc

#: File names of Garmin's activity summaries (any user prefix and part number).
SUMMARY_NAME = re.compile(r"summarizedActivities[^/\\]*\.json$", re.IGNORECASE)
#: Largest start-time difference for matching a summary to a file [s]. Garmin
#: stores the start the watch wrote, so a real match is within a second or two.
START_TOLERANCE_S = 60.0

_ID_IN_NAME = re.compile(r"(?:^|[_\-.])(\d{6,})\.(?:fit|gpx|tcx)(?:\.gz)?$", re.IGNORECASE)


@dataclass(frozen=True)
class GarminActivity:
    """One activity summary of a Garmin Connect export."""

    activity_id: str
    name: str
    sport: str
    start_utc: datetime | None
    #: Entered by hand in Garmin Connect (``manualActivity``): no file was recorded.
    manual: bool = False


@dataclass
class GarminSummary:
    """The activity summaries of one Garmin Connect export."""

    origin: str
    activities: list[GarminActivity] = field(default_factory=list)
    #: ``(origin, reason)`` lines about entries whose values were not used.
    problems: list[tuple[str, str]] = field(default_factory=list)
    _by_id: dict[str, GarminActivity] = field(default_factory=dict, repr=False)
    _starts_ns: np.ndarray = field(default_factory=lambda: np.empty(0, "int64"), repr=False)
    _by_start: list[GarminActivity] = field(default_factory=list, repr=False)

    def index(self) -> None:
        """Build the id and start-time lookups (called by :func:`parse_garmin_summary`)."""
        self._by_id = {a.activity_id: a for a in self.activities if a.activity_id}
        timed = sorted(
            (a for a in self.activities if a.start_utc is not None),
            key=lambda a: a.start_utc,  # type: ignore[arg-type, return-value]
        )
        self._by_start = timed
        self._starts_ns = np.array([pd.Timestamp(a.start_utc).value for a in timed], dtype="int64")

    def find(self, files: list[str], start_utc: pd.Timestamp) -> GarminActivity | None:
        """The summary of the activity recorded in ``files`` that started at ``start_utc``."""
        for name in files:
            match = _ID_IN_NAME.search(name.rsplit("/", 1)[-1])
            if match and match.group(1) in self._by_id:
                return self._by_id[match.group(1)]
        if not len(self._starts_ns) or pd.isna(start_utc):
            return None
        moment = pd.Timestamp(start_utc).value
        at = int(np.searchsorted(self._starts_ns, moment))
        best: GarminActivity | None = None
        best_gap = START_TOLERANCE_S * 1e9
        for index in (at - 1, at):
            if 0 <= index < len(self._starts_ns):
                gap = abs(int(self._starts_ns[index]) - moment)
                if gap <= best_gap:
                    best, best_gap = self._by_start[index], gap
        return best


_START_KEYS = ("beginTimestamp", "startTimeGmt")


def _start(entry: dict[str, Any]) -> tuple[datetime | None, str | None]:
    """The summary's start, and the key and value of a start that is not a plausible time."""
    bad: str | None = None
    for key in _START_KEYS:
        if key not in entry or entry[key] is None:
            continue
        value = entry[key]
        ms = finite_number(value)
        moment = None
        if ms is not None and abs(ms) < 1e15:  # beyond is past the year 30,000
            moment = datetime.fromtimestamp(ms / 1000.0, tz=UTC)
        if plausible_utc(moment):
            return moment, None
        bad = bad or f"{key} {_shown(value)}"
    return None, bad


def _shown(value: object) -> str:
    """``value`` as a message shows it: short, one line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _entries(payload: object) -> list[dict[str, Any]]:
    chunks = payload if isinstance(payload, list) else [payload]
    out: list[dict[str, Any]] = []
    for chunk in chunks:
        if isinstance(chunk, dict):
            items = chunk.get("summarizedActivitiesExport")
            if isinstance(items, list):
                out += [item for item in items if isinstance(item, dict)]
    return out


def parse_garmin_summary(data: bytes, origin: str) -> GarminSummary:
    """The activity summaries in one ``summarizedActivities.json``.

    Raises
    ------
    SettingsError
        Not UTF-8 JSON, or JSON nested too deeply to read.
    """
    try:
        payload = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: JSON, huge ints
        raise SettingsError(origin, "(file)", f"not a readable JSON file ({exc})") from exc
    summary = GarminSummary(origin)
    bad_starts: list[str] = []
    for number, entry in enumerate(_entries(payload), start=1):
        sport = entry.get("activityType") or entry.get("sportType") or ""
        if isinstance(sport, dict):  # some exports nest it: {"typeKey": "running"}
            sport = sport.get("typeKey") or ""
        name = entry.get("name")
        start, bad = _start(entry)
        if bad is not None:
            bad_starts.append(f"summary {number}: {bad}")
        summary.activities.append(
            GarminActivity(
                activity_id=_activity_id(entry.get("activityId")),
                name=name if isinstance(name, str) else "",
                sport=sport if isinstance(sport, str) else "",
                start_utc=start,
                manual=entry.get("manualActivity") is True,
            )
        )
    if bad_starts:
        count = len(bad_starts)
        noun = "summary has" if count == 1 else "summaries have"
        summary.problems.append(
            (
                origin,
                f"{count} activity {noun} no usable start time (first: {bad_starts[0]}); "
                "matched by activity id only",
            )
        )
    summary.index()
    return summary


def _activity_id(value: object) -> str:
    """An activity id as text: a whole number (int or digits); "" for anything else."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**30:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 30:
        return value.strip()
    return ""
