"""Read GPX 1.0 and 1.1 files: one :class:`~loadwatch.importers.activity.Activity` per file.

The XML is parsed once, safely (:mod:`loadwatch.importers.xmlsafe`), in any
encoding XML allows. Two readers give the same activity:

* the reference reader (``decoder="reference"``): the names of the GPX
  namespace are removed from the element tree — whether the file uses the
  default namespace (``<gpx xmlns="...">``) or a prefix (``<ns2:gpx>``, which
  plain ``gpxpy.parse`` silently reads as zero tracks) — and gpxpy's field
  parser builds its ``GPX`` object from that tree; gpxpy computes the totals
  (distance is ``length_2d``). About 2 KB and 40 µs per track point.
* the default (``decoder="auto"``): one pass into arrays, with gpxpy's
  definitions of the totals computed vectorised: a regularly written file in
  bulk (:mod:`loadwatch.importers.gpx_bulk`, ~4–9 µs a point), any other with
  a callback per element (:mod:`loadwatch.importers.gpx_stream`, ~7–15 µs);
  about 200 bytes a point at the peak. A file neither reads the way gpxpy does
  (a DTD, track points outside ``<trk>/<trkseg>``, no track points) goes to
  the reference reader. Tests hold all of them to the same activity on every
  corpus and sample GPX file.

Either way the points are checked and noted by
:mod:`loadwatch.importers.gpx_points`.

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
* times before :data:`PLAUSIBLE_FROM_UTC` or after 2100 (a device whose clock was never set,
  e.g. 1901-12-13, the 32-bit time minimum) are treated as missing; if no other
  time remains the file is :class:`CorruptFileError`.
* a first or last point whose time is far from the rest (a watch clock a year
  off) has its time ignored, with a note, so the activity's span is the run's.

All tracks and segments of a file form one activity (a GPS that starts a new
track after each pause still recorded one outing). A pause of more than an
hour is reported in :attr:`Activity.notes`. Files that hold several days of
tracks (handheld GPS logs) are rare among runners' exports and are not split.

Times without a time zone are taken as UTC, with a note. Sensor data comes from
Garmin's TrackPointExtension (``hr``, ``cad``, ``atemp``, ``wtemp``) or the
plain ``<heartrate>``/``<cadence>``/``<temperature>`` elements some apps write,
whatever the namespace prefix; GPX 1.0 extension elements (directly inside
``<trkpt>``) are read too.

Imports
-------
The readers (:mod:`~loadwatch.importers.gpx_bulk`, ``gpx_stream``, gpxpy) and
the sport names (fitparse's profile) are imported where a file is read: others
import this module for :func:`plausible_utc`, and a warm run must not load the
readers (``tests/structure/test_warm_imports.py``). No import cycle is involved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Literal
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from loadwatch.errors import (
    CorruptFileError,
    EmptyFileError,
    NotAnActivityError,
    UnsupportedFileError,
)
from loadwatch.importers.activity import RECORD_COLUMNS, Activity
from loadwatch.importers.gpx_points import (
    SENSOR_COLUMNS,
    SENSOR_ELEMENTS,
    TrackPoints,
    check_positions,
    haversine_m,
    note_track,
    plausible_utc,
    screen_points,
    to_datetime,
    utc_time,
)
from loadwatch.importers.streams import speed_profile
from loadwatch.importers.xmlsafe import local_name, parse_xml, prepare_xml

if TYPE_CHECKING:
    import gpxpy.gpx

__all__ = [
    "plausible_utc",
    "read_gpx",
    "read_gpx_records",
    "speed_from_distance_mps",
    "speed_from_positions_mps",
]


#: Speed smoothing window: at least this many seconds ...
SPEED_WINDOW_MIN_S = 15.0
#: ... and at least this many sampling intervals.
SPEED_WINDOW_SAMPLES = 5
#: Which reader: ``"auto"`` streams where it can, ``"reference"`` is gpxpy's object model.
GpxDecoder = Literal["auto", "reference"]

_GPX_NAMESPACE = re.compile(r"^https?://www\.topografix\.com/GPX/1/[01]/?$")


@dataclass
class _GpxFile:
    points: TrackPoints
    notes: list[str]
    local_offset_s: int | None
    #: The first non-empty ``<trk><type>``.
    track_type: str | None
    #: The first non-empty ``<trk><name>``, else the file's ``<name>``.
    name: str | None
    creator: str | None
    #: gpxpy's ``length_2d`` [m] and moving time [s].
    distance_m: float
    moving_s: float
    #: gpxpy's ``get_uphill_downhill`` [m]; None without elevations.
    ascent_m: float | None
    descent_m: float | None


def read_gpx(data: bytes, source: str, *, decoder: GpxDecoder = "auto") -> list[Activity]:
    """Read a GPX file into one activity.

    Parameters
    ----------
    data
        The file's bytes (already decompressed).
    source
        The file as the user would name it (path, or ``archive.zip!member``).
    decoder
        ``"auto"`` (one streaming pass into arrays where the file allows it) or
        ``"reference"`` (gpxpy's object model). Both give the same activity.

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
    parsed = _load(data, source, decoder)
    points = parsed.points
    timed = np.flatnonzero(~np.isnat(points.time))
    times = points.time[timed]
    start, end = to_datetime(times.min()), to_datetime(times.max())
    from loadwatch.importers.sports import normalize_sport  # see the module docstring

    sport, sub_sport = normalize_sport(parsed.track_type)
    first = int(timed[0])
    avg_hr, max_hr = _mean_and_max(points.sensors["heart_rate_bpm"])
    avg_temperature, max_temperature = _mean_and_max(points.sensors["temperature_c"])

    activity = Activity(
        source=source,
        format="gpx",
        start_utc=start,
        local_offset_s=parsed.local_offset_s,
        sport=sport,
        sub_sport=sub_sport,
        distance_m=parsed.distance_m,
        elapsed_s=(end - start).total_seconds(),
        timer_s=parsed.moving_s,
        ascent_m=parsed.ascent_m,
        descent_m=parsed.descent_m,
        device=(parsed.creator or "").strip() or None,
        name=parsed.name,
        n_records=int(points.time.size),
        start_lat=float(points.lat[first]),
        start_lon=float(points.lon[first]),
        avg_hr_bpm=avg_hr,
        max_hr_bpm=max_hr,
        avg_temperature_c=avg_temperature,
        max_temperature_c=max_temperature,
        speed_profile_m=speed_profile(points.seconds(), points.distance),
        notes=parsed.notes,
    )
    return [activity]


def read_gpx_records(data: bytes, source: str, *, decoder: GpxDecoder = "auto") -> pd.DataFrame:
    """Read a GPX file's track points as a per-point stream.

    Parameters
    ----------
    data
        The file's bytes (already decompressed).
    source
        The file as the user would name it.
    decoder
        As in :func:`read_gpx`.

    Returns
    -------
    pandas.DataFrame
        One row per track point in file order, with the columns of
        :data:`loadwatch.importers.activity.RECORD_COLUMNS` in that order: ``time_utc``
        (NaT where the point has no time), ``distance_m`` cumulative along the
        track [m] (gaps between segments add nothing, as in gpxpy's
        ``length_2d``), ``speed_mps`` from :func:`speed_from_positions_mps` [m/s],
        and NaN wherever the file has no value.

    Raises
    ------
    ActivityFileError
        As :func:`read_gpx`.
    """
    points = _load(data, source, decoder).points
    time_utc = pd.Series(points.time.astype("datetime64[ns]")).dt.tz_localize(UTC)
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
        return haversine_m(lat[lo], lon[lo], lat[hi], lon[hi])

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


# --- parsing ------------------------------------------------------------------


def _load(data: bytes, source: str, decoder: GpxDecoder) -> _GpxFile:
    """Read the file one way or the other; check and note its points."""
    if decoder not in ("auto", "reference"):
        raise ValueError(f"decoder must be 'auto' or 'reference', not {decoder!r}")
    if decoder == "auto":
        parsed = _load_streaming(data, source)
        if parsed is not None:
            return parsed
    return _load_gpxpy(data, source)


def _load_streaming(data: bytes, source: str) -> _GpxFile | None:
    """The streaming path; None for a file it leaves to gpxpy."""
    from loadwatch.importers import gpx_bulk, gpx_stream  # the readers: see the module docstring

    data = prepare_xml(data, source)
    scan = gpx_bulk.scan_gpx_bulk(data, source) or gpx_stream.scan_gpx(data, source)
    if scan is None:
        return None
    points = TrackPoints(
        time=scan.times,
        lat=scan.lat,
        lon=scan.lon,
        altitude=scan.elevation,
        distance=np.empty(0),  # once the points to keep are known
        sensors=scan.sensors,
    )
    check_positions(points, source)
    notes: list[str] = []
    keep = screen_points(points, scan.n_naive, notes, source)
    segment = scan.segment
    if not keep.all():
        points, segment = points.subset(keep), segment[keep]
    steps = gpx_stream.step_distances_m(points.lat, points.lon, segment)
    points.distance = np.cumsum(steps)
    note_track(points, notes)
    ascent = descent = None
    if not np.isnan(points.altitude).all():
        ascent, descent = gpx_stream.uphill_downhill_m(points.altitude, segment)
    name = next((n.strip() for n in scan.track_names if n and n.strip()), None)
    return _GpxFile(
        points=points,
        notes=notes,
        local_offset_s=scan.local_offset_s,
        track_type=next((t.strip() for t in scan.track_types if t and t.strip()), None),
        name=name or ((scan.name or "").strip() or None),
        creator=scan.creator,
        distance_m=gpx_stream.length_2d_m(steps),
        moving_s=gpx_stream.moving_time_s(
            points.lat, points.lon, steps, points.altitude, points.time, segment
        ),
        ascent_m=ascent,
        descent_m=descent,
    )


def _load_gpxpy(data: bytes, source: str) -> _GpxFile:
    """Parse with gpxpy (the reference path), check and collect the track points."""
    import gpxpy.gpx  # the reference reader: see the module docstring
    import gpxpy.gpxfield

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
        gpxpy.gpxfield.gpx_fields_from_xml(gpx, root, version)  # type: ignore[arg-type]  # takes the parsed element
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
    points, n_naive, local_offset_s = _collect_points(gpx, root)
    check_positions(points, source)
    keep = screen_points(points, n_naive, notes, source)
    if not keep.all():  # clock outliers leave gpxpy's model too
        points = points.subset(keep)
        flags = iter(keep.tolist())
        for track in gpx.tracks:
            for segment in track.segments:
                segment.points = [point for point in segment.points if next(flags)]
    gpx_points = [p for t in gpx.tracks for seg in t.segments for p in seg.points]
    for point, moment in zip(gpx_points, points.time, strict=True):
        # gpxpy's moving time then sees UTC, or nothing for an ignored time
        point.time = None if np.isnat(moment) else to_datetime(moment)
    points.distance = _cumulative_distance(gpx)
    note_track(points, notes)
    ascent = descent = None
    if not np.isnan(points.altitude).all():
        uphill, downhill = gpx.get_uphill_downhill()
        ascent, descent = float(uphill), float(downhill)
    track_types = ((track.findtext("type") or "").strip() for track in root if track.tag == "trk")
    name = next((t.name.strip() for t in gpx.tracks if t.name and t.name.strip()), None)
    return _GpxFile(
        points=points,
        notes=notes,
        local_offset_s=local_offset_s,
        track_type=next((text for text in track_types if text), None),
        name=name or ((gpx.name or "").strip() or None),
        creator=gpx.creator,
        distance_m=float(gpx.length_2d()),
        moving_s=float(gpx.get_moving_data().moving_time),
        ascent_m=ascent,
        descent_m=descent,
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


def _collect_points(gpx: gpxpy.gpx.GPX, root: Element) -> tuple[TrackPoints, int, int | None]:
    """Times in UTC, positions and sensors; the count of zone-less times; the UTC offset."""
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
    times: list[np.datetime64] = []
    lat: list[float] = []
    lon: list[float] = []
    altitude: list[float] = []
    sensors: dict[str, list[float]] = {name: [] for name in SENSOR_COLUMNS}
    naive = 0
    local_offset_s: int | None = None
    index = 0
    for track in gpx.tracks:
        for segment in track.segments:
            for point in segment.points:
                if point.time is None:
                    times.append(np.datetime64("NaT", "us"))
                else:
                    utc, no_offset, offset_s = utc_time(point.time)
                    times.append(utc)
                    naive += no_offset
                    local_offset_s = local_offset_s if local_offset_s is not None else offset_s
                lat.append(point.latitude)
                lon.append(point.longitude)
                altitude.append(np.nan if point.elevation is None else point.elevation)
                found = _read_sensors(elements[index]) if elements else {}
                for name in SENSOR_COLUMNS:
                    sensors[name].append(found.get(name, np.nan))
                index += 1
    points = TrackPoints(
        time=np.array(times, dtype="datetime64[us]"),
        lat=np.asarray(lat, dtype=float),
        lon=np.asarray(lon, dtype=float),
        altitude=np.asarray(altitude, dtype=float),
        distance=np.empty(0),  # once the points to keep are known
        sensors={name: np.asarray(values, dtype=float) for name, values in sensors.items()},
    )
    return points, naive, local_offset_s


def _cumulative_distance(gpx: gpxpy.gpx.GPX) -> np.ndarray:
    """gpxpy's ``distance_2d`` summed along each segment [m] (segment gaps add nothing)."""
    distance: list[float] = []
    total = 0.0
    for track in gpx.tracks:
        for segment in track.segments:
            previous = None
            for point in segment.points:
                if previous is not None:
                    total += point.distance_2d(previous) or 0.0
                distance.append(total)
                previous = point
    return np.asarray(distance, dtype=float)


def _read_sensors(element: Element) -> dict[str, float]:
    """Heart rate, cadence and temperature from a ``trkpt``'s extension elements."""
    found: dict[str, tuple[int, float]] = {}
    for child in element.iter():
        if child is element or child.text is None:
            continue
        known = SENSOR_ELEMENTS.get(local_name(child.tag).lower())
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


def _mean_and_max(values: np.ndarray) -> tuple[float | None, float | None]:
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return (float(finite.mean()), float(finite.max())) if finite.size else (None, None)
