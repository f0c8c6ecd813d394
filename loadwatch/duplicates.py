"""The same activity from two files counted once.

A run saved by the watch as FIT, exported again as GPX from Strava, recorded
by a second watch, or uploaded twice would otherwise count double and fake a
"too much, too soon" week. Two activities of one athlete are the same when

* their files have identical content, or
* their time spans overlap by at least :data:`MIN_OVERLAP` of the shorter one
  and their distances agree within :data:`DISTANCE_TOLERANCE` (or
  :data:`DISTANCE_TOLERANCE_KM`, whichever is larger), or
* they start within :data:`SAME_START_S` seconds and overlap by at least
  :data:`STRONG_OVERLAP` — one person cannot record two different activities
  over the same hour, so the distance check is waived (GPS exports of one ride
  can differ by 30 % from the device's wheel-sensor distance).

Of each group the richest file is kept (FIT over TCX over GPX; then device
local time, laps, more records, heart rate), gaps in its fields are filled
from the others (e.g. ascent missing from a Strava-made FIT), and every merge
is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

#: Share of the shorter activity's span that must overlap.
MIN_OVERLAP = 0.5
#: Overlap that marks a duplicate on its own when the starts agree.
STRONG_OVERLAP = 0.8
#: Starts this close [s] together with STRONG_OVERLAP make a duplicate.
SAME_START_S = 120.0
#: Relative distance agreement for overlapping activities.
DISTANCE_TOLERANCE = 0.15
#: Absolute distance agreement [km] for short activities.
DISTANCE_TOLERANCE_KM = 0.3

_FORMAT_RANK = {"fit": 3, "tcx": 2, "gpx": 1}
#: Fields filled from a merged duplicate where the kept file lacks them.
FILLABLE = (
    "ascent_m",
    "descent_m",
    "avg_hr_bpm",
    "max_hr_bpm",
    "avg_temperature_c",
    "max_temperature_c",
    "device",
    "name",
)


@dataclass(frozen=True)
class DuplicateMerge:
    """One activity dropped because another file holds the same activity."""

    athlete: str
    kept: str
    dropped: str
    reason: str

    def line(self) -> str:
        return f"{self.dropped}: same activity as {self.kept} ({self.reason}); counted once"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _span(row: dict[str, Any]) -> tuple[float, float]:
    start = row["start_utc"].timestamp()
    length = row.get("elapsed_s")
    if _missing(length) or length <= 0:
        length = row.get("duration_s")
    if _missing(length) or length <= 0:
        length = 60.0
    return start, start + float(length)


def richness(row: dict[str, Any]) -> tuple:
    """Sort key: the larger, the more the file tells about the activity."""
    return (
        _FORMAT_RANK.get(row.get("format", ""), 0),
        row.get("timezone_source") == "device",
        row.get("n_laps", 0) > 0,
        not _missing(row.get("ascent_m")),
        row.get("n_records", 0),
        not _missing(row.get("avg_hr_bpm")),
        row.get("file", ""),  # deterministic last resort
    )


def same_activity(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    """Why ``a`` and ``b`` are the same activity, or ``None`` if they are not."""
    if a["file"] == b["file"]:
        return None  # sessions of one multisport file are distinct
    if a.get("digest") and a.get("digest") == b.get("digest"):
        return "identical file content"
    a0, a1 = _span(a)
    b0, b1 = _span(b)
    overlap = min(a1, b1) - max(a0, b0)
    if overlap <= 0:
        return None
    shorter = max(min(a1 - a0, b1 - b0), 1.0)
    share = overlap / shorter
    start_gap = abs(a0 - b0)
    da, db = a.get("distance_km"), b.get("distance_km")
    both = not _missing(da) and not _missing(db)
    if both:
        close = abs(da - db) <= max(DISTANCE_TOLERANCE * max(da, db), DISTANCE_TOLERANCE_KM)
    else:
        close = _missing(da) and _missing(db)
    dist = f"{da:.2f} vs {db:.2f} km" if both else "distance unknown"
    if share >= MIN_OVERLAP and close:
        return f"times overlap {share:.0%}, starts {start_gap:.0f} s apart, {dist}"
    if start_gap <= SAME_START_S and share >= STRONG_OVERLAP:
        return f"same start ({start_gap:.0f} s apart), times overlap {share:.0%}, {dist}"
    return None


def merge_duplicates(
    rows: list[dict[str, Any]], athlete: str
) -> tuple[list[dict[str, Any]], list[DuplicateMerge]]:
    """Drop duplicate activities of one athlete, keeping the richest of each group.

    Parameters
    ----------
    rows
        Timeline rows (dicts with at least ``file``, ``format``, ``start_utc``,
        ``elapsed_s``, ``distance_km``; ``digest`` where known).
    athlete
        Name used in the merge records.

    Returns
    -------
    tuple
        The kept rows (sorted by start) and one :class:`DuplicateMerge` per dropped row.
    """
    order = sorted(range(len(rows)), key=lambda i: rows[i]["start_utc"])
    parent = list(range(len(rows)))
    reasons: dict[int, str] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Sweep by start: only activities whose spans can overlap are compared.
    for pos, i in enumerate(order):
        end_i = _span(rows[i])[1]
        for j in order[pos + 1 :]:
            if _span(rows[j])[0] >= end_i and rows[j].get("digest") != rows[i].get("digest"):
                break
            reason = same_activity(rows[i], rows[j])
            if reason:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[rj] = ri
                    reasons.setdefault(j, reason)
                    reasons.setdefault(i, reason)

    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(i)

    kept: list[dict[str, Any]] = []
    merges: list[DuplicateMerge] = []
    for members in groups.values():
        members.sort(key=lambda i: richness(rows[i]), reverse=True)
        best = dict(rows[members[0]])
        merged_from = []
        for other_i in members[1:]:
            other = rows[other_i]
            for key in FILLABLE:
                if _missing(best.get(key)) and not _missing(other.get(key)):
                    best[key] = other[key]
            if best.get("sport") == "unknown" and other.get("sport") not in (None, "unknown"):
                best["sport"], best["sub_sport"] = other["sport"], other.get("sub_sport")
            merged_from.append(other["file"])
            merges.append(
                DuplicateMerge(athlete, best["file"], other["file"], reasons.get(other_i, ""))
            )
        best["merged_from"] = "; ".join(merged_from)
        kept.append(best)
    kept.sort(key=lambda r: (r["start_utc"], r["file"], r.get("session_index", 0)))
    return kept, merges
