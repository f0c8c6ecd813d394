"""A GPX file's track points as arrays, and what is checked and noted about them.

Both ways of reading a GPX file (gpxpy's object model for small files, the
streaming scan of :mod:`loadwatch.importers.gpx_stream` for large ones) fill a
:class:`TrackPoints` and hand it to :func:`screen_points`, so the rules for
what counts as a recording, and the notes, have one home:

* times before :data:`PLAUSIBLE_FROM_UTC` or after 2100 (a device whose
  clock was never set, e.g. 1901-12-13) are treated as missing; if no other
  time remains the file is :class:`~loadwatch.errors.CorruptFileError`;
* no times, fewer than half the points with a time (:data:`MIN_TIMED_FRACTION`)
  or a single timed point → :class:`~loadwatch.errors.NotAnActivityError`;
* a first or last point whose time is far from all the others (a watch clock
  a year off for one fix, :data:`CLOCK_OUTLIER_GAP_S`) is not part of the
  recording: it is dropped, with a note, so the activity starts and ends when
  the run did;
* pauses over an hour, times going backwards, missing times and elevations,
  and positions jumping back and forth are named in the notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from loadwatch.errors import CorruptFileError, NotAnActivityError
from loadwatch.importers.activity import PLAUSIBLE_UNTIL_UTC

__all__ = [
    "CLOCK_OUTLIER_GAP_S",
    "PLAUSIBLE_FROM_UTC",
    "SENSOR_COLUMNS",
    "SENSOR_ELEMENTS",
    "TrackPoints",
    "haversine_m",
    "note_track",
    "plausible_utc",
    "screen_points",
    "to_datetime",
]

#: Extension element names (lower case) → record column and rank; lower ranks win.
SENSOR_ELEMENTS: dict[str, tuple[str, int]] = {
    "hr": ("heart_rate_bpm", 0),
    "heartrate": ("heart_rate_bpm", 1),
    "heart_rate": ("heart_rate_bpm", 2),
    "cad": ("cadence_rpm", 0),
    "cadence": ("cadence_rpm", 1),
    "runcadence": ("cadence_rpm", 2),
    "atemp": ("temperature_c", 0),
    "temp": ("temperature_c", 1),
    "temperature": ("temperature_c", 2),
    "wtemp": ("temperature_c", 3),
}
SENSOR_COLUMNS = ("heart_rate_bpm", "cadence_rpm", "temperature_c")
#: Times before this are a device clock that was never set, not a recording.
PLAUSIBLE_FROM_UTC = datetime(1990, 1, 1, tzinfo=UTC)


def plausible_utc(moment: datetime | None) -> bool:
    """True for a time a recording can have: from 1990 to :data:`PLAUSIBLE_UNTIL_UTC`.

    Here, not in :mod:`loadwatch.importers.gpx`, so that the export readers and
    the TCX reader can ask without loading the GPX importer.
    """
    return moment is not None and PLAUSIBLE_FROM_UTC <= moment <= PLAUSIBLE_UNTIL_UTC


#: A file is a recording only if at least this share of its track points has a time.
MIN_TIMED_FRACTION = 0.5
#: Pauses longer than this [s] are named in the activity's notes.
LONG_PAUSE_S = 3600.0
#: A note warns when at least this share of the distance is back-and-forth jumps.
BACK_AND_FORTH_SHARE = 0.10
#: A gap [s] between the first (or last) few points and the rest larger than
#: this, and larger than the rest's own span, marks those points' times as a
#: wrong clock rather than a pause (a heuristic: no run pauses for 12 hours
#: after a single fix).
CLOCK_OUTLIER_GAP_S = 12 * 3600.0
#: At most this many points at either end are taken as clock outliers.
MAX_CLOCK_OUTLIERS = 5

#: Points handled at once by the vectorised checks (bounds their temporaries).
_CHUNK = 1 << 17
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAT = np.datetime64("NaT", "us")


def utc_time(moment: datetime) -> tuple[np.datetime64, bool, int | None]:
    """A GPX ``<time>`` as a UTC numpy time, whether it had no offset, and its offset.

    Returns
    -------
    tuple
        The moment in UTC (``datetime64[us]``); True where the text had no
        offset (read as UTC, as gpxpy does); the offset from UTC [s] where it
        had a non-zero one (the device's local time), else None.
    """
    offset = moment.utcoffset()
    if offset is None:
        moment = moment.replace(tzinfo=UTC)
    utc = np.datetime64(moment.astimezone(UTC).replace(tzinfo=None), "us")
    local_offset = int(offset.total_seconds()) if offset else None
    return utc, offset is None, local_offset


@dataclass
class TrackPoints:
    """Every track point of a file, in file order, as parallel arrays."""

    #: UTC times (``datetime64[us]``), NaT where a point has no usable time.
    time: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    #: Elevation [m], NaN where unknown.
    altitude: np.ndarray
    #: Cumulative distance along the track [m], as gpxpy's ``length_2d``.
    distance: np.ndarray
    #: ``heart_rate_bpm``, ``cadence_rpm``, ``temperature_c``; NaN where unknown.
    sensors: dict[str, np.ndarray]

    def subset(self, keep: np.ndarray) -> TrackPoints:
        """The points where ``keep`` is true (distances are the caller's to redo)."""
        return TrackPoints(
            time=self.time[keep],
            lat=self.lat[keep],
            lon=self.lon[keep],
            altitude=self.altitude[keep],
            distance=self.distance[keep] if self.distance.size == keep.size else self.distance,
            sensors={name: values[keep] for name, values in self.sensors.items()},
        )

    def seconds(self) -> np.ndarray:
        """Times as seconds since 1970 [s] (NaN where unknown)."""
        micro = self.time.astype(np.int64).astype(float) / 1e6
        return np.where(np.isnat(self.time), np.nan, micro)


def to_datetime(moment: np.datetime64) -> datetime:
    """A ``datetime64`` UTC time as an aware :class:`datetime` (exact to the µs)."""
    return _EPOCH + timedelta(microseconds=int(moment.astype("datetime64[us]").astype(np.int64)))


def haversine_m(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance [m] between points given in radians."""
    a = np.sin((lat2 - lat1) / 2) ** 2
    a = a + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def check_positions(points: TrackPoints, source: str) -> None:
    """Raise CorruptFileError for a latitude or longitude outside the globe (or NaN)."""
    lat, lon = points.lat, points.lon
    bad = ~((lat >= -90) & (lat <= 90) & (lon >= -180) & (lon <= 180))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise CorruptFileError(
            source,
            f"damaged GPX: a track point has an impossible position "
            f"({float(lat[i])}, {float(lon[i])})",
        )


def screen_points(points: TrackPoints, n_naive: int, notes: list[str], source: str) -> np.ndarray:
    """Check that the points are a recording; ignore implausible times; add notes.

    ``points.time`` is changed in place (implausible times become NaT). Call
    :func:`note_track` once the distances of the points kept are known.

    Returns
    -------
    numpy.ndarray
        Which points to keep (bool): all but the clock outliers at either end.

    Raises
    ------
    CorruptFileError
        Every time is implausible.
    NotAnActivityError
        A planned route or track (see the module docstring).
    """
    if n_naive:
        notes.append(f"{n_naive} times have no time zone; they were taken as UTC")
    time = points.time
    latest = np.datetime64(PLAUSIBLE_UNTIL_UTC.replace(tzinfo=None), "us")
    earliest = np.datetime64(PLAUSIBLE_FROM_UTC.replace(tzinfo=None), "us")
    known = ~np.isnat(time)
    implausible = known & ((time < earliest) | (time > latest))
    if implausible.any():
        day = str(time[implausible][0].astype("datetime64[D]"))
        time[implausible] = _NAT
        if np.isnat(time).all():
            raise CorruptFileError(
                source,
                f"every timestamp is implausible (e.g. {day}): the device clock was not set",
            )
        notes.append(f"{int(implausible.sum())} implausible times (e.g. {day}) were ignored")
    _note_missing(points, notes)
    _check_recorded(points, source)
    return _clock_outliers(points, notes)


def note_track(points: TrackPoints, notes: list[str]) -> None:
    """Notes on the kept points: long pauses, times going backwards, GPS jumps."""
    _note_pauses(points, notes)
    _note_back_and_forth(points, notes)


def _note_missing(points: TrackPoints, notes: list[str]) -> None:
    n = points.time.size
    untimed = int(np.isnat(points.time).sum())
    if untimed and untimed < n:
        notes.append(f"{untimed} of {n} track points have no time")
    no_altitude = int(np.isnan(points.altitude).sum())
    if 0 < no_altitude < n:
        notes.append(
            f"{no_altitude} of {n} track points have no elevation; "
            "ascent counts only the points that have one"
        )


def _check_recorded(points: TrackPoints, source: str) -> None:
    """Raise NotAnActivityError unless the points look like a recording."""
    n = points.time.size
    n_timed = int((~np.isnat(points.time)).sum())
    if n_timed == 0:
        raise NotAnActivityError(source, "no timestamps: a planned route, not a recorded activity")
    if n_timed < MIN_TIMED_FRACTION * n:
        raise NotAnActivityError(
            source,
            f"only {n_timed} of {n} track points have a time: "
            "a planned or edited track, not a recorded activity",
        )
    if n_timed == 1:
        raise NotAnActivityError(source, "only one track point has a time: nothing was recorded")


def _clock_outliers(points: TrackPoints, notes: list[str]) -> np.ndarray:
    """Which points to keep: not a few first or last points whose times are far from the rest.

    A heuristic: the ``k`` (at most :data:`MAX_CLOCK_OUTLIERS`, and at most a
    tenth of the timed points) first points are clock outliers when the gap
    from them to the next point exceeds :data:`CLOCK_OUTLIER_GAP_S` and the
    span of all the other points; likewise for the last points. Their
    positions go too: a fix with a wrong clock is no part of the run.
    """
    keep = np.ones(points.time.size, dtype=bool)
    timed = np.flatnonzero(~np.isnat(points.time))
    n = timed.size
    if n < 4:
        return keep
    t = points.time[timed].astype(np.int64) / 1e6
    limit = max(1, min(MAX_CLOCK_OUTLIERS, n // 10))
    for end in ("first", "last"):
        best: tuple[float, int] | None = None
        for k in range(1, limit + 1):
            if end == "first":
                gap, rest = t[k] - t[k - 1], t[k:]
            else:
                gap, rest = t[n - k] - t[n - k - 1], t[: n - k]
            span = float(rest.max() - rest.min())
            far = abs(gap) > CLOCK_OUTLIER_GAP_S and abs(gap) > span
            if far and (best is None or abs(gap) > abs(best[0])):
                best = (float(gap), k)
        if best is None:
            continue
        gap, k = best
        index = timed[:k] if end == "first" else timed[n - k :]
        keep[index] = False
        if end == "first":
            side = "before" if gap > 0 else "after"
        else:
            side = "after" if gap > 0 else "before"
        days, hours = abs(gap) / 86400, abs(gap) / 3600
        size = f"{days:.0f} days" if days >= 2 else f"{hours:.0f} h"
        what = f"{end} point's time is" if k == 1 else f"{end} {k} points' times are"
        notes.append(f"the {what} {size} {side} the rest: ignored")
        timed = timed[keep[timed]]
        n = timed.size
        t = points.time[timed].astype(np.int64) / 1e6
    return keep


def _note_pauses(points: TrackPoints, notes: list[str]) -> None:
    timed = points.time[~np.isnat(points.time)]
    if timed.size < 2:
        return
    gaps = np.diff(timed.astype(np.int64)) / 1e6
    backwards = int((gaps < 0).sum())
    if backwards:
        notes.append(f"times go backwards at {backwards} track points")
    where = int(np.argmax(gaps))
    if gaps[where] > LONG_PAUSE_S:
        moment = to_datetime(timed[where])
        notes.append(
            f"the recording pauses for {gaps[where] / 3600:.1f} h from "
            f"{moment:%Y-%m-%d %H:%M} UTC; elapsed time includes the pause"
        )


def _note_back_and_forth(points: TrackPoints, notes: list[str]) -> None:
    """Warn when the position jumps back and forth (a heuristic).

    Some phone apps write two position sources interleaved a millisecond
    apart; every step then goes to the other source and back, and the track's
    length (and gpxpy's distance) grows several-fold. A step counts as
    back-and-forth when both it and the next are over 10 m but the point after
    next is within a quarter of that path from the point before.
    """
    n = points.lat.size
    if n < 3:
        return
    jumped = 0.0
    for begin in range(0, n - 2, _CHUNK):  # in chunks: bounded temporaries
        stop = min(begin + _CHUNK + 2, n)
        lat = np.radians(points.lat[begin:stop])
        lon = np.radians(points.lon[begin:stop])
        steps = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
        out, back = steps[:-1], steps[1:]
        # The net distance only where both steps are long (few points: most steps are short).
        (candidates,) = np.nonzero((out > 10) & (back > 10))
        net = haversine_m(
            lat[candidates], lon[candidates], lat[candidates + 2], lon[candidates + 2]
        )
        jumps = candidates[net < 0.25 * (out[candidates] + back[candidates])]
        jumped += float(out[jumps].sum())
    total = float(points.distance[-1]) if points.distance.size else 0.0
    share = jumped / total if total > 0 else 0.0
    if share >= BACK_AND_FORTH_SHARE:
        notes.append(
            f"{share:.0%} of the distance is the GPS position jumping back and forth "
            "(two position sources mixed?); the distance is probably too long"
        )
