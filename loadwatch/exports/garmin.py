"""Garmin Connect data export: the activity summaries JSON.

Garmin's "Export your data" archive nests zips of the uploaded FIT files
(``DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip``) and
keeps one summary per activity in
``DI_CONNECT/DI-Connect-Fitness/<user>_0_summarizedActivities.json``, shaped
``[{"summarizedActivitiesExport": [{...}, ...]}]``. Of each summary loadwatch
reads ``activityId``, ``name`` (the title the runner sees), ``activityType``
(``running``, ``trail_running``, ``treadmill_running``, ``cycling`` …; the
runner may have corrected it in Garmin Connect) and the start,
``beginTimestamp`` or ``startTimeGmt`` (milliseconds since 1970, UTC).
Distances are not read: the FIT file's own distance is what the watch
measured.

A summary is matched to an activity by the activity id in the uploaded
file's name (``name@example.com_12345678901.fit``) or, failing that, by its
start time (:data:`START_TOLERANCE_S`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SettingsError

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


@dataclass
class GarminSummary:
    """The activity summaries of one Garmin Connect export."""

    origin: str
    activities: list[GarminActivity] = field(default_factory=list)
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


def _start(entry: dict[str, Any]) -> datetime | None:
    for key in ("beginTimestamp", "startTimeGmt"):
        value = entry.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            try:
                return datetime.fromtimestamp(value / 1000.0, tz=UTC)
            except (OverflowError, OSError, ValueError):
                return None
    return None


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
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise SettingsError(origin, "(file)", f"not a readable JSON file ({exc})") from exc
    summary = GarminSummary(origin)
    for entry in _entries(payload):
        activity_id = entry.get("activityId")
        sport = entry.get("activityType") or entry.get("sportType") or ""
        if isinstance(sport, dict):  # some exports nest it: {"typeKey": "running"}
            sport = sport.get("typeKey") or ""
        summary.activities.append(
            GarminActivity(
                activity_id="" if activity_id is None else str(activity_id),
                name=str(entry.get("name") or ""),
                sport=str(sport),
                start_utc=_start(entry),
            )
        )
    summary.index()
    return summary
