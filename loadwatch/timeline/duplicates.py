"""The same activity from two files counted once.

A run saved by the watch as FIT, exported again as GPX from Strava, recorded
by a second watch, or uploaded twice would otherwise count double and fake a
"too much, too soon" week. Two activities of one athlete are the same when

* their files have identical content, or
* their time spans overlap by at least :data:`MIN_OVERLAP` of the shorter one
  and :data:`MIN_OVERLAP_OF_LONGER` of the longer one, and their distances
  agree within :data:`DISTANCE_TOLERANCE` (or :data:`DISTANCE_TOLERANCE_KM`,
  whichever is larger), or
* they start within :data:`SAME_START_S` seconds and overlap by at least
  :data:`STRONG_OVERLAP` of the shorter one (and :data:`MIN_OVERLAP_OF_LONGER`
  of the longer) — one person cannot record two different activities over
  the same hour, so the distance check is waived (GPS exports of one ride can
  differ by 30 % from the device's wheel-sensor distance).

One file can never swallow another file's run: a span is compared only where
it is plausible (:func:`trusted_span`). An elapsed time beyond
:data:`loadwatch.timeline.plausibility.MAX_ELAPSED_S` (a bad first timestamp, a watch
left running for a day) or far longer than the moving time is not trusted; the
activity is then judged by its moving time from its start, and where that is
unknown too it may only merge with an activity that starts within
:data:`SAME_START_S` and has the same distance. Requiring the overlap to be a
share of *both* spans keeps a long span from absorbing the short runs inside it.

Of each group the richest file is kept (a plausible row first; then FIT over
TCX over GPX; then device local time, laps, more records, heart rate), gaps in
its fields are filled from the others (e.g. ascent missing from a Strava-made
FIT), and every merge is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeGuard

from loadwatch.schema import TIMELINE
from loadwatch.timeline.plausibility import MAX_ELAPSED_S, is_flagged

#: Share of the shorter activity's span that must overlap.
MIN_OVERLAP = 0.5
#: Share of the longer activity's span that must overlap, in every rule: a
#: span many times longer than the other (a day, a year) is no evidence.
MIN_OVERLAP_OF_LONGER = 0.5
#: An elapsed time is trusted up to this many times the moving time ...
PAUSE_FACTOR = 3.0
#: ... plus this many seconds of pauses (a café stop, a long traffic light).
PAUSE_ALLOWANCE_S = 2 * 3600.0
#: Overlap that marks a duplicate on its own when the starts agree.
STRONG_OVERLAP = 0.8
#: Starts this close [s] together with STRONG_OVERLAP make a duplicate.
SAME_START_S = 120.0
#: Relative distance agreement for overlapping activities.
DISTANCE_TOLERANCE = 0.15
#: Absolute distance agreement [km] for short activities.
DISTANCE_TOLERANCE_KM = 0.3

_FORMAT_RANK = {"fit": 3, "tcx": 2, "gpx": 1}
#: Fields filled from a merged duplicate where the kept file lacks them (the
#: ``fillable`` columns of :data:`loadwatch.schema.TIMELINE`).
FILLABLE = tuple(c.name for c in TIMELINE.columns if c.fillable)


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


def _usable(seconds: Any) -> TypeGuard[float]:
    return not _missing(seconds) and 0 < seconds <= MAX_ELAPSED_S


def trusted_span(row: dict[str, Any]) -> tuple[float, float] | None:
    """The row's time span ``(start, end)`` [s since the epoch] where it is plausible.

    The elapsed time where it is at most a day and consistent with the moving
    time (:data:`PAUSE_FACTOR`, :data:`PAUSE_ALLOWANCE_S`); else the moving time
    from the start (the active part); ``None`` where neither can be trusted.
    """
    start = row["start_utc"].timestamp()
    elapsed, moving = row.get("elapsed_s"), row.get("duration_s")
    if _usable(elapsed) and (
        not _usable(moving) or elapsed <= PAUSE_FACTOR * moving + PAUSE_ALLOWANCE_S
    ):
        return start, start + float(elapsed)
    if _usable(moving):
        return start, start + float(moving)
    return None


def _reach(row: dict[str, Any]) -> float:
    """Latest start [s] of an activity that may be the same as ``row``."""
    start = row["start_utc"].timestamp()
    span = trusted_span(row)
    return max(start + SAME_START_S, span[1] if span else start)


def richness(row: dict[str, Any]) -> tuple:
    """Sort key: the larger, the more the file tells about the activity."""
    return (
        not is_flagged(row.get("notes")),
        _FORMAT_RANK.get(row.get("format", ""), 0),
        row.get("timezone_source") == "device",
        row.get("n_laps", 0) > 0,
        not _missing(row.get("ascent_m")),
        row.get("n_records", 0),
        not _missing(row.get("avg_hr_bpm")),
        row.get("file", ""),  # deterministic last resort
    )


def _distances(a: dict[str, Any], b: dict[str, Any]) -> tuple[bool, str]:
    """Whether the distances agree, and the words that say so."""
    da, db = a.get("distance_km"), b.get("distance_km")
    if da is not None and db is not None and not _missing(da) and not _missing(db):
        close = abs(da - db) <= max(DISTANCE_TOLERANCE * max(da, db), DISTANCE_TOLERANCE_KM)
        return close, f"{da:.2f} vs {db:.2f} km"
    return _missing(da) and _missing(db), "distance unknown"


def same_activity(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    """Why ``a`` and ``b`` are the same activity, or ``None`` if they are not."""
    if a["file"] == b["file"]:
        return None  # sessions of one multisport file are distinct
    if a.get("digest") and a.get("digest") == b.get("digest"):
        return "identical file content"
    close, dist = _distances(a, b)
    start_gap = abs(a["start_utc"].timestamp() - b["start_utc"].timestamp())
    span_a, span_b = trusted_span(a), trusted_span(b)
    if span_a is None or span_b is None:
        # No plausible span: only the start and the distance are evidence.
        if start_gap <= SAME_START_S and close and dist != "distance unknown":
            return f"same start ({start_gap:.0f} s apart), {dist}; a time span is implausible"
        return None
    (a0, a1), (b0, b1) = span_a, span_b
    overlap = min(a1, b1) - max(a0, b0)
    if overlap <= 0:
        return None
    share = overlap / max(min(a1 - a0, b1 - b0), 1.0)
    share_longer = overlap / max(a1 - a0, b1 - b0, 1.0)
    if share_longer < MIN_OVERLAP_OF_LONGER:
        return None
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
        The kept rows (sorted by start), each with ``merged_from`` (the list of
        the files merged into it), and one :class:`DuplicateMerge` per dropped row.
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
        end_i = _reach(rows[i])
        for j in order[pos + 1 :]:
            if rows[j]["start_utc"].timestamp() > end_i and rows[j].get("digest") != rows[i].get(
                "digest"
            ):
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
        best["merged_from"] = merged_from
        kept.append(best)
    kept.sort(key=lambda r: (r["start_utc"], r["file"], r.get("session_index", 0)))
    return kept, merges
