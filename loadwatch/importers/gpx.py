"""Read GPX 1.0 and 1.1 files: one :class:`~loadwatch.activity.Activity` per file.

The XML is parsed once, safely (:mod:`loadwatch.importers.xmlsafe`). The names
of the GPX namespace are then removed from the element tree — whether the file
uses the default namespace (``<gpx xmlns="...">``) or a prefix (``<ns2:gpx>``,
which plain ``gpxpy.parse`` silently reads as zero tracks) — and gpxpy's field
parser builds its ``GPX`` object from that tree. gpxpy computes the totals, so
that loadwatch's numbers match gpxpy's (distance is ``length_2d``).

What counts as a recorded activity
----------------------------------
A GPX file is also the format of planned routes and saved places, so a file is
an activity only if its track points carry times:

* no track points: a route (``<rte>``) or waypoint list → :class:`NotAnActivityError`;
* track points but no times → a planned track → :class:`NotAnActivityError`;
* fewer than half the track points with a time (:data:`MIN_TIMED_FRACTION`):
  a planned or edited track that kept a few times (a GraphHopper route with
  arrival estimates, a BaseCamp export) → :class:`NotAnActivityError`;
* a single timed point: nothing was recorded → :class:`NotAnActivityError`;
* times before :data:`PLAUSIBLE_FROM_UTC` or after tomorrow (a device whose clock was never set,
  e.g. 1901-12-13, the 32-bit time minimum) are treated as missing; if no other
  time remains the file is :class:`CorruptFileError`.

All tracks and segments of a file form one activity (a GPS that starts a new
track after each pause still recorded one outing). A pause of more than an
hour is reported in :attr:`Activity.notes`. Files that hold several days of
tracks (handheld GPS logs) are rare among runners' exports and are not split.

Times without a time zone are taken as UTC, with a note. Sensor data comes from
Garmin's TrackPointExtension (``hr``, ``cad``, ``atemp``, ``wtemp``) or the
plain ``<heartrate>``/``<cadence>``/``<temperature>`` elements some apps write,
whatever the namespace prefix; GPX 1.0 extension elements (directly inside
``<trkpt>``) are read too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from xml.etree.ElementTree import Element

import gpxpy.geo
import gpxpy.gpx
import gpxpy.gpxfield
import numpy as np
import pandas as pd

from loadwatch.activity import RECORD_COLUMNS, Activity
from loadwatch.errors import (
    CorruptFileError,
    EmptyFileError,
    NotAnActivityError,
    UnsupportedFileError,
)
from loadwatch.importers.xmlsafe import local_name, parse_xml
from loadwatch.sports import normalize_sport
from loadwatch.streams import profile_from_times

__all__ = [
    "plausible_utc",
    "read_gpx",
    "read_gpx_records",
    "speed_from_distance_mps",
    "speed_from_positions_mps",
]

#: Times before this are a device clock that was never set, not a recording.
PLAUSIBLE_FROM_UTC = datetime(1990, 1, 1, tzinfo=UTC)
#: How far past the reading machine's clock a recording may be dated (a wrong
#: device clock far in the future is not a recording either).
FUTURE_MARGIN = timedelta(days=2)


def plausible_utc(moment: datetime | None) -> bool:
    """True for a time a recording can have: from 1990 to two days past now (UTC)."""
    return moment is not None and (
        PLAUSIBLE_FROM_UTC <= moment <= datetime.now(UTC) + FUTURE_MARGIN
    )


#: A file is a recording only if at least this share of its track points has a time.
MIN_TIMED_FRACTION = 0.5
#: Pauses longer than this [s] are named in the activity's notes.
LONG_PAUSE_S = 3600.0
#: A note warns when at least this share of the distance is back-and-forth jumps.
BACK_AND_FORTH_SHARE = 0.10
#: Speed smoothing window: at least this many seconds ...
SPEED_WINDOW_MIN_S = 15.0
#: ... and at least this many sampling intervals.
SPEED_WINDOW_SAMPLES = 5

_GPX_NAMESPACE = re.compile(r"^https?://www\.topografix\.com/GPX/1/[01]/?$")

#: Extension element names (lower case) → record column; earlier names win.
_SENSOR_ELEMENTS: dict[str, tuple[str, int]] = {
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
_SENSOR_COLUMNS = ("heart_rate_bpm", "cadence_rpm", "temperature_c")


@dataclass
class _Points:
    """Every track point of a file, in file order, as parallel lists."""

    time: list[datetime | None] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    altitude: list[float] = field(default_factory=list)
    distance: list[float] = field(default_factory=list)
    sensors: dict[str, list[float]] = field(
        default_factory=lambda: {name: [] for name in _SENSOR_COLUMNS}
    )


@dataclass
class _GpxFile:
    gpx: gpxpy.gpx.GPX
    points: _Points
    notes: list[str]
    local_offset_s: int | None
    #: The first non-empty ``<trk><type>`` (read from the tree: gpxpy drops it in GPX 1.0).
    track_type: str | None


def read_gpx(data: bytes, source: str) -> list[Activity]:
    """Read a GPX file into one activity.

    Parameters
    ----------
    data
        The file's bytes (already decompressed).
    source
        The file as the user would name it (path, or ``archive.zip!member``).

    Returns
    -------
    list of Activity
        One activity holding all tracks. ``distance_m`` is gpxpy's
        ``length_2d`` [m] over all tracks; ``elapsed_s`` [s] runs from the first
        to the last timed point; ``timer_s`` [s] is gpxpy's moving time;
        ``ascent_m``/``descent_m`` [m] are gpxpy's ``get_uphill_downhill``
        (``None`` without elevations).

    Raises
    ------
    EmptyFileError, UnsafeFileError, CorruptFileError, UnsupportedFileError
        The XML is empty, unsafe, damaged, or not GPX.
    NotAnActivityError
        A route, waypoint list or planned track (see the module docstring).
    """
    parsed = _load(data, source)
    gpx, points = parsed.gpx, parsed.points
    timed = [i for i, t in enumerate(points.time) if t is not None]
    times = [points.time[i] for i in timed]
    start, end = min(times), max(times)

    sport, sub_sport = normalize_sport(parsed.track_type)
    name = next((t.name.strip() for t in gpx.tracks if t.name and t.name.strip()), None)
    has_altitude = any(not np.isnan(a) for a in points.altitude)
    ascent = descent = None
    if has_altitude:
        uphill, downhill = gpx.get_uphill_downhill()
        ascent, descent = float(uphill), float(downhill)
    moving = gpx.get_moving_data()
    first = timed[0]
    avg_hr, max_hr = _mean_and_max(points.sensors["heart_rate_bpm"])
    avg_temperature, max_temperature = _mean_and_max(points.sensors["temperature_c"])

    activity = Activity(
        source=source,
        format="gpx",
        start_utc=start,
        local_offset_s=parsed.local_offset_s,
        sport=sport,
        sub_sport=sub_sport,
        distance_m=float(gpx.length_2d()),
        elapsed_s=(end - start).total_seconds(),
        timer_s=float(moving.moving_time) if moving else None,
        ascent_m=ascent,
        descent_m=descent,
        device=(gpx.creator or "").strip() or None,
        name=name or ((gpx.name or "").strip() or None),
        n_records=len(points.time),
        start_lat=points.lat[first],
        start_lon=points.lon[first],
        avg_hr_bpm=avg_hr,
        max_hr_bpm=max_hr,
        avg_temperature_c=avg_temperature,
        max_temperature_c=max_temperature,
        speed_profile_m=profile_from_times(points.time, points.distance),
        notes=parsed.notes,
    )
    return [activity]


def read_gpx_records(data: bytes, source: str) -> pd.DataFrame:
    """Read a GPX file's track points as a per-point stream.

    Parameters
    ----------
    data
        The file's bytes (already decompressed).
    source
        The file as the user would name it.

    Returns
    -------
    pandas.DataFrame
        One row per track point in file order, with the columns of
        :data:`loadwatch.activity.RECORD_COLUMNS` in that order: ``time_utc``
        (NaT where the point has no time), ``distance_m`` cumulative along the
        track [m] (gaps between segments add nothing, as in gpxpy's
        ``length_2d``), ``speed_mps`` from :func:`speed_from_positions_mps` [m/s],
        and NaN wherever the file has no value.

    Raises
    ------
    ActivityFileError
        As :func:`read_gpx`.
    """
    parsed = _load(data, source)
    points = parsed.points
    time_utc = pd.to_datetime(pd.Series(points.time, dtype=object), utc=True)
    distance = np.asarray(points.distance, dtype=float)
    elapsed = (time_utc - time_utc.min()).dt.total_seconds().to_numpy(dtype=float)
    columns = {
        "time_utc": time_utc,
        "distance_m": distance,
        "speed_mps": speed_from_positions_mps(elapsed, points.lat, points.lon),
        "altitude_m": np.asarray(points.altitude, dtype=float),
        "heart_rate_bpm": np.asarray(points.sensors["heart_rate_bpm"], dtype=float),
        "cadence_rpm": np.asarray(points.sensors["cadence_rpm"], dtype=float),
        "temperature_c": np.asarray(points.sensors["temperature_c"], dtype=float),
        "lat": np.asarray(points.lat, dtype=float),
        "lon": np.asarray(points.lon, dtype=float),
    }
    return pd.DataFrame({name: columns[name] for name in RECORD_COLUMNS})


def speed_from_positions_mps(elapsed_s: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Speed from GPS positions and times, robust to GPS jitter.

    Method (a heuristic, not a published filter): for each point, the
    straight-line distance between the positions at the edges of a centred
    time window, over the time between them; then a centred rolling median
    over the same window. The window is at least :data:`SPEED_WINDOW_MIN_S`
    seconds and :data:`SPEED_WINDOW_SAMPLES` sampling intervals long.

    Differencing positions point to point turns GPS noise into speed: a fix
    that is 5 m off at 1 Hz is a 5 m/s error, and a fix that jumps aside and
    back, or two position sources interleaved in one file, give tens or
    thousands of m/s. Over a 15 s baseline a 40 m jump is at most 2.7 m/s of
    error, and the median removes the short spikes that a jump at a window
    edge leaves. The price: on tight curves the chord is shorter than the path
    (about 6 % on the bend of a 400 m track).

    Parameters
    ----------
    elapsed_s
        Time of each point [s] from any origin; NaN where unknown.
    lat, lon
        Position of each point [degrees]; NaN where unknown.

    Returns
    -------
    numpy.ndarray
        Speed [m/s] per point; NaN where time or position is unknown.
    """
    lat = np.radians(np.asarray(lat, dtype=float))
    lon = np.radians(np.asarray(lon, dtype=float))

    def displacement(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return _haversine_m(lat[lo], lon[lo], lat[hi], lon[hi])

    known = np.isfinite(lat) & np.isfinite(lon)
    return _window_speed(np.asarray(elapsed_s, dtype=float), known, displacement)


def speed_from_distance_mps(elapsed_s: np.ndarray, distance_m: np.ndarray) -> np.ndarray:
    """Speed from a device's cumulative distance and times (no positions needed).

    The same centred window and median as :func:`speed_from_positions_mps`,
    with the distance the device recorded between the window's edges.

    Parameters
    ----------
    elapsed_s
        Time of each point [s]; NaN where unknown.
    distance_m
        Cumulative distance [m]; NaN where unknown.

    Returns
    -------
    numpy.ndarray
        Speed [m/s] per point; NaN where time or distance is unknown.
    """
    distance_m = np.asarray(distance_m, dtype=float)

    def travelled(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return np.abs(distance_m[hi] - distance_m[lo])

    return _window_speed(np.asarray(elapsed_s, dtype=float), np.isfinite(distance_m), travelled)


def _window_speed(
    elapsed_s: np.ndarray,
    known: np.ndarray,
    baseline: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Centred-window speed; ``baseline(lo, hi)`` is the distance [m] between two points."""
    speed = np.full(elapsed_s.shape, np.nan)
    valid = np.flatnonzero(np.isfinite(elapsed_s) & known)
    if valid.size < 2:
        return speed
    order = valid[np.argsort(elapsed_s[valid], kind="stable")]
    t = elapsed_s[order]
    steps = np.diff(t)
    positive = steps[steps > 0]
    if positive.size == 0:
        return speed
    window_s = max(SPEED_WINDOW_MIN_S, SPEED_WINDOW_SAMPLES * float(np.median(positive)))
    half = window_s / 2
    lo = np.clip(np.searchsorted(t, t - half, side="right") - 1, 0, t.size - 1)
    hi = np.clip(np.searchsorted(t, t + half, side="left"), 0, t.size - 1)
    span = t[hi] - t[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(span > 0, baseline(order[lo], order[hi]) / span, np.nan)
    series = pd.Series(raw, index=pd.to_datetime(t, unit="s"))
    window = pd.Timedelta(seconds=window_s)
    speed[order] = series.rolling(window, center=True, min_periods=1).median().to_numpy()
    return speed


def _haversine_m(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance [m] between points given in radians."""
    a = np.sin((lat2 - lat1) / 2) ** 2
    a = a + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


# --- parsing ------------------------------------------------------------------


def _load(data: bytes, source: str) -> _GpxFile:
    """Parse, check and collect the track points; raise for non-activities."""
    root = parse_xml(data, source)
    root_name = local_name(root.tag)
    if root_name != "gpx":
        raise UnsupportedFileError(source, _wrong_root_reason(root_name))
    original_namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
    n_trkpt_in_xml = _strip_gpx_namespace(root)
    version = (
        "1.0" if root.get("version") == "1.0" or original_namespace.endswith("/1/0") else "1.1"
    )
    gpx = gpxpy.gpx.GPX()
    try:
        gpxpy.gpxfield.gpx_fields_from_xml(gpx, root, version)
    except (gpxpy.gpx.GPXException, ValueError, TypeError) as exc:
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise CorruptFileError(source, f"damaged GPX: {first_line}") from exc

    n_points = gpx.get_track_points_no()
    if n_points == 0:
        raise _no_track_points_error(gpx, n_trkpt_in_xml, source)
    notes: list[str] = []
    if n_points < n_trkpt_in_xml:
        notes.append(
            f"{n_trkpt_in_xml - n_points} track points outside the usual <trk>/<trkseg> "
            "layout were not read"
        )
    points, local_offset_s = _collect_points(gpx, root, notes, source)
    _check_recorded(points, source)
    _note_pauses(points, notes)
    _note_back_and_forth(points, notes)
    track_types = ((track.findtext("type") or "").strip() for track in root if track.tag == "trk")
    return _GpxFile(
        gpx=gpx,
        points=points,
        notes=notes,
        local_offset_s=local_offset_s,
        track_type=next((text for text in track_types if text), None),
    )


def _wrong_root_reason(root_name: str) -> str:
    if root_name.lower() == "html":
        return "this is a web page (HTML), not a GPX file"
    if root_name == "TrainingCenterDatabase":
        return "this is a TCX file, not GPX: give it a .tcx name"
    return f"this is XML but not GPX: its root element is <{root_name}>, not <gpx>"


def _strip_gpx_namespace(root: Element) -> int:
    """Rename GPX-namespace elements to bare names, in place; count ``trkpt`` elements.

    gpxpy's field parser looks for bare names (``trk``, ``trkpt``). Elements
    of other namespaces (extensions) keep their namespace.
    """
    n_trkpt = 0
    bare: dict[str, str] = {}  # tag -> its name after renaming, computed once per tag
    for element in root.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        name = bare.get(tag)
        if name is None:
            namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
            name = local if not namespace or _GPX_NAMESPACE.match(namespace) else tag
            bare[tag] = name
        element.tag = name
        if name == "trkpt" or local_name(name) == "trkpt":
            n_trkpt += 1
        if element.attrib and any(key.startswith("{") for key in element.attrib):
            for key in [k for k in element.attrib if k.startswith("{")]:
                namespace, _, attribute = key[1:].partition("}")
                if _GPX_NAMESPACE.match(namespace):
                    element.attrib[attribute] = element.attrib.pop(key)
    return n_trkpt


def _no_track_points_error(gpx: gpxpy.gpx.GPX, n_trkpt_in_xml: int, source: str) -> Exception:
    if n_trkpt_in_xml:
        return CorruptFileError(
            source,
            f"the file has {n_trkpt_in_xml} track points that could not be read "
            "(an unusual XML namespace or layout)",
        )
    if gpx.routes:
        return NotAnActivityError(source, "a planned route (<rte>), not a recorded activity")
    if gpx.waypoints:
        return NotAnActivityError(source, "only waypoints (saved places), not a recorded activity")
    return EmptyFileError(source, "the GPX file holds no track, route or waypoint")


def _collect_points(
    gpx: gpxpy.gpx.GPX, root: Element, notes: list[str], source: str
) -> tuple[_Points, int | None]:
    """Times in UTC (also written back to gpxpy's points), positions and sensors."""
    elements = [  # in the order gpxpy reads them: direct children only
        point
        for track in root
        if track.tag == "trk"
        for segment in track
        if segment.tag == "trkseg"
        for point in segment
        if point.tag == "trkpt"
    ]
    if len(elements) != gpx.get_track_points_no():  # never expected; no sensors then
        elements = []
    points = _Points()
    naive = implausible = 0
    first_implausible: datetime | None = None
    local_offset_s: int | None = None
    index = 0
    for track in gpx.tracks:
        for segment in track.segments:
            previous = None
            for point in segment.points:
                if not (-90 <= point.latitude <= 90 and -180 <= point.longitude <= 180):
                    raise CorruptFileError(
                        source,
                        f"damaged GPX: a track point has an impossible position "
                        f"({point.latitude}, {point.longitude})",
                    )
                time = point.time
                if time is not None:
                    offset = time.utcoffset()
                    if offset is None:
                        naive += 1
                        time = time.replace(tzinfo=UTC)
                    else:
                        if local_offset_s is None and offset.total_seconds():
                            local_offset_s = int(offset.total_seconds())
                        time = time.astimezone(UTC)
                    if not plausible_utc(time):
                        implausible += 1
                        first_implausible = first_implausible or time
                        time = None
                point.time = time  # gpxpy's moving time then sees UTC or nothing
                step = 0.0 if previous is None else point.distance_2d(previous) or 0.0
                cumulative = points.distance[-1] if points.distance else 0.0
                points.distance.append(cumulative + step)
                points.time.append(time)
                points.lat.append(point.latitude)
                points.lon.append(point.longitude)
                points.altitude.append(np.nan if point.elevation is None else point.elevation)
                sensors = _read_sensors(elements[index]) if elements else {}
                for name in _SENSOR_COLUMNS:
                    points.sensors[name].append(sensors.get(name, np.nan))
                previous = point
                index += 1
    if naive:
        notes.append(f"{naive} times have no time zone; they were taken as UTC")
    if implausible:
        day = first_implausible.date().isoformat() if first_implausible else "?"
        if all(t is None for t in points.time):
            raise CorruptFileError(
                source,
                f"every timestamp is implausible (e.g. {day}): the device clock was not set",
            )
        notes.append(f"{implausible} implausible times (e.g. {day}) were ignored")
    _note_missing(points, notes)
    return points, local_offset_s


def _read_sensors(element: Element) -> dict[str, float]:
    """Heart rate, cadence and temperature from a ``trkpt``'s extension elements."""
    found: dict[str, tuple[int, float]] = {}
    for child in element.iter():
        if child is element or child.text is None:
            continue
        known = _SENSOR_ELEMENTS.get(local_name(child.tag).lower())
        if known is None:
            continue
        column, rank = known
        try:
            value = float(child.text)
        except ValueError:
            continue
        if column == "heart_rate_bpm" and value <= 0:
            continue  # 0 is "no strap", not a heart rate
        if column not in found or rank < found[column][0]:
            found[column] = (rank, value)
    return {column: value for column, (_, value) in found.items()}


def _note_missing(points: _Points, notes: list[str]) -> None:
    n = len(points.time)
    untimed = sum(t is None for t in points.time)
    if untimed and untimed < n:
        notes.append(f"{untimed} of {n} track points have no time")
    no_altitude = int(np.isnan(np.asarray(points.altitude, dtype=float)).sum())
    if 0 < no_altitude < n:
        notes.append(
            f"{no_altitude} of {n} track points have no elevation; "
            "ascent counts only the points that have one"
        )


def _check_recorded(points: _Points, source: str) -> None:
    """Raise NotAnActivityError unless the points look like a recording."""
    n = len(points.time)
    n_timed = sum(t is not None for t in points.time)
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


def _note_pauses(points: _Points, notes: list[str]) -> None:
    times = [t for t in points.time if t is not None]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    if any(gap < 0 for gap in gaps):
        notes.append(f"times go backwards at {sum(g < 0 for g in gaps)} track points")
    if gaps and max(gaps) > LONG_PAUSE_S:
        where = gaps.index(max(gaps))
        notes.append(
            f"the recording pauses for {max(gaps) / 3600:.1f} h from "
            f"{times[where]:%Y-%m-%d %H:%M} UTC; elapsed time includes the pause"
        )


def _note_back_and_forth(points: _Points, notes: list[str]) -> None:
    """Warn when the position jumps back and forth (a heuristic).

    Some phone apps write two position sources interleaved a millisecond
    apart; every step then goes to the other source and back, and the track's
    length (and gpxpy's distance) grows several-fold. A step counts as
    back-and-forth when both it and the next are over 10 m but the point after
    next is within a quarter of that path from the point before.
    """
    lat = np.radians(np.asarray(points.lat, dtype=float))
    lon = np.radians(np.asarray(points.lon, dtype=float))
    if lat.size < 3:
        return
    out = _haversine_m(lat[:-2], lon[:-2], lat[1:-1], lon[1:-1])
    back = _haversine_m(lat[1:-1], lon[1:-1], lat[2:], lon[2:])
    net = _haversine_m(lat[:-2], lon[:-2], lat[2:], lon[2:])
    jumps = (out > 10) & (back > 10) & (net < 0.25 * (out + back))
    total = float(points.distance[-1]) if points.distance else 0.0
    share = float(out[jumps].sum()) / total if total > 0 else 0.0
    if share >= BACK_AND_FORTH_SHARE:
        notes.append(
            f"{share:.0%} of the distance is the GPS position jumping back and forth "
            "(two position sources mixed?); the distance is probably too long"
        )


def _mean_and_max(values: list[float]) -> tuple[float | None, float | None]:
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return (float(finite.mean()), float(finite.max())) if finite.size else (None, None)
