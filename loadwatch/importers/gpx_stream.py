"""Read a GPX file's track points in one pass, into arrays, with gpxpy's totals.

gpxpy's object model (``decoder="reference"`` of
:func:`loadwatch.importers.gpx.read_gpx`) costs about 2 KB and 40 µs per
track point: a 1,000,000-point GPX (~100 MB) needs ~1.9 GB and ~40 s. This
module reads the same files with expat's callbacks into NumPy arrays (about
200 bytes and 7 µs per point at the peak) and computes the totals vectorised
with gpxpy's own definitions (:func:`length_2d_m`, :func:`moving_time_s`,
:func:`uphill_downhill_m`), so both readers report the same numbers; a test
compares them on every GPX file of the corpus and of ``sample_data/``.

Safety is that of :mod:`loadwatch.importers.xmlsafe`: the bytes are first
brought to UTF-8 by :func:`~loadwatch.importers.xmlsafe.prepare_xml`, and a
document type declaration stops the scan before any entity is declared.
Whatever this module does not handle the way gpxpy does (a ``<!DOCTYPE>``,
another root element, track points outside ``<trk>/<trkseg>``, a missing
position, an unreadable elevation, no track points at all) makes
:func:`scan_gpx` return ``None``; the caller then takes the gpxpy path, which
words the error or the note exactly as before.

gpxpy's time parser is imported inside the function that uses it (for
unusual times only), not at the top: a warm run, whose activities all come
from the cache, imports this package's modules but reads no GPX, and should not
pay for gpxpy's import (``tests/structure/test_warm_imports.py``); nor should a
cold run of regular files (~20 ms), so gpxpy's three constants are kept here
(:data:`EARTH_RADIUS_M`, :data:`ONE_DEGREE_M`, :data:`STOPPED_SPEED_KMH`),
held to gpxpy's own by ``tests/importers/test_gpx_bulk.py``.
"""

from __future__ import annotations

import math
import re
from array import array
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

import numpy as np

from loadwatch.errors import CorruptFileError
from loadwatch.importers.gpx_points import SENSOR_COLUMNS, SENSOR_ELEMENTS, utc_time
from loadwatch.importers.xmlsafe import expat_parser, prepare_xml, xml_error_reason

__all__ = [
    "EARTH_RADIUS_M",
    "ONE_DEGREE_M",
    "STOPPED_SPEED_KMH",
    "GpxScan",
    "PointScanner",
    "Unusual",
    "expat_parse_error",
    "length_2d_m",
    "moving_time_s",
    "open_scan",
    "parse_times",
    "scan_gpx",
    "step_distances_m",
    "uphill_downhill_m",
]

_GPX_NAMESPACE = re.compile(r"^https?://www\.topografix\.com/GPX/1/[01]/?$")


#: gpxpy's ``gpxpy.geo.EARTH_RADIUS`` [m].
EARTH_RADIUS_M = 6378137.0
#: gpxpy's ``gpxpy.geo.ONE_DEGREE`` [m], computed as gpxpy computes it.
ONE_DEGREE_M = (2 * math.pi * EARTH_RADIUS_M) / 360
#: gpxpy's ``gpxpy.gpx.DEFAULT_STOPPED_SPEED_THRESHOLD`` [km/h].
STOPPED_SPEED_KMH = 1

#: ``YYYY-MM-DDThh:mm:ss[.ffffff]Z``: the times NumPy parses as gpxpy does.
_PLAIN_UTC = re.compile(r"[1-9]\d{3}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z\Z")
#: ``<time>`` texts parsed at once, and bytes given to expat at once.
_TIME_CHUNK = 65536
_FEED_BYTES = 1 << 20
#: Points handled at once by the vectorised distances (bounds their temporaries).
_CHUNK = 1 << 17


class Unusual(Exception):
    """The file needs the gpxpy path (raised inside expat's callbacks)."""


@dataclass
class GpxScan:
    """What one pass over a GPX file found: track points as arrays, and names."""

    lat: np.ndarray
    lon: np.ndarray
    #: Elevation [m]; NaN where a point has none.
    elevation: np.ndarray
    #: UTC times (``datetime64[us]``) as gpxpy reads them, NaT where none (:func:`parse_times`).
    times: np.ndarray
    #: Times without a time zone (taken as UTC), and the first non-zero UTC offset [s].
    n_naive: int
    local_offset_s: int | None
    #: Index of each point's ``<trkseg>`` in the file (segments in file order).
    segment: np.ndarray
    sensors: dict[str, np.ndarray]
    creator: str | None
    #: ``<metadata><name>`` (GPX 1.1) or ``<gpx><name>`` (GPX 1.0).
    name: str | None
    #: ``<name>`` and ``<type>`` of each ``<trk>`` (``None`` when absent).
    track_names: list[str | None] = field(default_factory=list)
    track_types: list[str | None] = field(default_factory=list)


class PointScanner:
    """expat callbacks that collect the track points of ``gpx/trk/trkseg/trkpt``.

    The callbacks run once per element, so the common case (an element inside
    a track point) takes one dictionary look-up; text is collected only while
    an element of interest is open, by handing expat the list's ``append``.
    """

    def __init__(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        self.path: list[str] = []
        #: Element name → (bare or ``ns}local`` key, what it is inside a point).
        self.names: dict[str, tuple[str, str | None]] = {}
        self.version = "1.1"
        self.creator: str | None = None
        self.gpx_name: str | None = None
        self.track_names: list[str | None] = []
        self.track_types: list[str | None] = []
        # array.array: 8 bytes a value, where a list of floats takes 32.
        self.lat = array("d")
        self.lon = array("d")
        self.elevation = array("d")
        self.pending_times: list[str | None] = []  # parsed a chunk at a time
        self.time_parts: list[np.ndarray] = []
        self.n_naive = 0
        self.local_offset_s: int | None = None
        self.segment = array("q")
        #: Created at the first value of each column (most files have no temperature).
        self.sensors: dict[str, array[float]] = {}
        self.n_segments = 0
        self.in_point = False
        self.in_segment = False  # inside gpx/trk/trkseg
        self.depth = 0
        self.point_ele: str | None = None
        self.point_time: str | None = None
        self.point_sensors: dict[str, tuple[int, float]] = {}
        self.capture: str | None = None  # what the text being read is for
        self.capture_depth = -1
        self.text: list[str] = []

    def classify(self, name: str) -> tuple[str, str | None]:
        namespace, _, local = name.rpartition("}")
        key = local if not namespace or _GPX_NAMESPACE.match(namespace) else name
        if local == "trkpt":
            kind: str | None = "trkpt"
        elif key in ("ele", "time"):
            kind = key
        else:
            kind = local.lower() if local.lower() in SENSOR_ELEMENTS else None
        self.names[name] = (key, kind)
        return key, kind

    def start(self, name: str, attrs: dict[str, str]) -> None:
        key, kind = self.names.get(name) or self.classify(name)
        depth = self.depth
        self.depth = depth + 1
        if self.capture is not None:
            self.parser.CharacterDataHandler = None  # ElementTree's text ends at a child
        if self.in_point:
            if kind is None:
                return
            if kind == "ele":
                if depth != 4 or self.point_ele is not None:
                    return
            elif kind == "time":
                if depth != 4 or self.point_time is not None:
                    return
            elif kind == "trkpt":
                raise Unusual("a track point inside a track point")
            self.capture = kind  # inlined _capture: this runs for every point
            self.capture_depth = depth
            text = self.text = []
            self.parser.CharacterDataHandler = text.append
            return
        if kind == "trkpt":
            if not (self.in_segment and depth == 3 and key == "trkpt"):
                raise Unusual("a track point outside <trk>/<trkseg>")
            try:
                self.lat.append(float(attrs["lat"]))
                self.lon.append(float(attrs["lon"]))
            except (KeyError, ValueError) as exc:
                raise Unusual("a track point without a readable position") from exc
            self.in_point = True  # points keep no path: depth tells their children apart
            self.point_ele = self.point_time = None
            if self.point_sensors:
                self.point_sensors = {}
            return
        path = self.path
        path.append(key)
        if depth == 0:
            if key != "gpx":
                raise Unusual("not a GPX root element")
            self.creator = attrs.get("creator")
            if attrs.get("version") == "1.0" or name.endswith("/1/0}gpx"):
                self.version = "1.0"
        elif depth == 1 and key == "trk":
            self.track_names.append(None)
            self.track_types.append(None)
        elif depth == 2 and key == "trkseg" and path[1] == "trk":
            self.n_segments += 1
            self.in_segment = path[0] == "gpx"
        elif depth == 2 and path[1] == "trk" and key in ("name", "type"):
            self._capture("trk_" + key, depth)
        elif key == "name" and (
            (depth == 1 and self.version == "1.0") or (depth == 2 and path[1] == "metadata")
        ):
            self._capture("gpx_name", depth)

    def _capture(self, what: str, depth: int) -> None:
        self.capture = what
        self.capture_depth = depth
        self.text = []
        self.parser.CharacterDataHandler = self.text.append

    def end(self, name: str) -> None:
        depth = self.depth = self.depth - 1
        if depth == self.capture_depth:
            self.parser.CharacterDataHandler = None
            what = self.capture
            text = "".join(self.text)
            if what == "ele":
                self.point_ele = text
            elif what == "time":
                self.point_time = text
            else:
                self._finish_capture(text if self.text else None)
            self.capture = None
            self.capture_depth = -1
        if self.in_point:
            if depth == 3:
                self._finish_point()
            return
        self.path.pop()
        if depth == 2:
            self.in_segment = False

    def _finish_capture(self, text: str | None) -> None:
        what = self.capture
        if what == "ele":
            self.point_ele = text if text is not None else ""
        elif what == "time":
            self.point_time = text if text is not None else ""
        elif what in ("trk_name", "trk_type"):
            values = self.track_names if what == "trk_name" else self.track_types
            if values[-1] is None:  # the first one, as ElementTree's find()
                values[-1] = text or ""
        elif what == "gpx_name":
            if self.gpx_name is None:
                self.gpx_name = text or ""
        elif text is not None and what is not None:
            column, rank = SENSOR_ELEMENTS[what]
            try:
                value = float(text)
            except ValueError:
                return
            if column == "heart_rate_bpm" and value <= 0:
                return  # 0 is "no strap", not a heart rate
            found = self.point_sensors.get(column)
            if found is None or rank < found[0]:
                self.point_sensors[column] = (rank, value)

    def flush_times(self) -> None:
        """Parse the pending ``<time>`` texts (a bounded number of strings is kept)."""
        times, n_naive, offset = parse_times(self.pending_times)
        self.time_parts.append(times)
        self.n_naive += n_naive
        if self.local_offset_s is None:
            self.local_offset_s = offset
        self.pending_times = []

    def _finish_point(self) -> None:
        self.in_point = False
        try:
            ele = float(self.point_ele.strip()) if self.point_ele else np.nan
        except ValueError as exc:
            raise Unusual("an unreadable elevation") from exc
        self.elevation.append(ele)
        self.pending_times.append(self.point_time or None)
        if len(self.pending_times) >= _TIME_CHUNK:
            self.flush_times()
        self.segment.append(self.n_segments - 1)
        found_values = self.point_sensors
        if not found_values and not self.sensors:
            return
        for column in SENSOR_COLUMNS:
            found = found_values.get(column)
            values = self.sensors.get(column)
            if values is None:
                if found is None:
                    continue
                values = self.sensors[column] = array("d", [np.nan]) * (len(self.elevation) - 1)
            values.append(np.nan if found is None else found[1])

    def result(self) -> GpxScan | None:
        """The points read (None when there are none: gpxpy words that case)."""
        if not self.lat:
            return None
        self.flush_times()
        return scan_of(self, self)


def scan_of(points: Any, names: PointScanner) -> GpxScan:
    """A :class:`GpxScan` of the point buffers of ``points`` (a :class:`PointScanner`
    or the bulk reader's columns: ``lat``, ``lon``, ``elevation``, ``segment`` and
    ``sensors`` arrays, ``time_parts``, ``n_naive``, ``local_offset_s``) with the
    names, creator and tracks ``names`` found. The one place both readers' buffers
    become arrays."""
    n = len(points.lat)
    return GpxScan(
        lat=np.frombuffer(points.lat, dtype=float),
        lon=np.frombuffer(points.lon, dtype=float),
        elevation=np.frombuffer(points.elevation, dtype=float),
        times=np.concatenate(points.time_parts),
        n_naive=points.n_naive,
        local_offset_s=points.local_offset_s,
        segment=np.frombuffer(points.segment, dtype=np.int64),
        sensors={
            column: (
                np.frombuffer(points.sensors[column], dtype=float)
                if column in points.sensors
                else np.broadcast_to(np.nan, (n,))  # no memory for no data
            )
            for column in SENSOR_COLUMNS
        },
        creator=names.creator,
        name=names.gpx_name,
        track_names=names.track_names,
        track_types=names.track_types,
    )


def open_scan() -> tuple[expat.XMLParserType, PointScanner]:
    """A namespace-aware expat parser wired to a fresh :class:`PointScanner`.

    A document type declaration, an entity declaration or an external entity
    reference raises :class:`Unusual` at its first byte, so nothing is ever
    declared, expanded or fetched.
    """

    def refuse(*_: object) -> int:
        raise Unusual("a document type declaration")

    parser = expat_parser(refuse)
    scanner = PointScanner(parser)
    parser.StartElementHandler = scanner.start
    parser.EndElementHandler = scanner.end
    return parser, scanner


def expat_parse_error(exc: expat.ExpatError) -> ParseError:
    """An expat error as ElementTree reports it (so that one wording serves both)."""
    error = ParseError(str(exc))
    error.code, error.position = exc.code, (exc.lineno, exc.offset)
    return error


def scan_gpx(data: bytes, source: str) -> GpxScan | None:
    """Read a GPX file's track points in one expat pass.

    Parameters
    ----------
    data
        The file's bytes (already decompressed), in any encoding XML allows.
    source
        The file as the user would name it, for the error.

    Returns
    -------
    GpxScan or None
        ``None`` when the file needs gpxpy's reading (see the module docstring).

    Raises
    ------
    EmptyFileError, UnsupportedFileError, CorruptFileError
        Empty, binary or not well-formed, worded as :mod:`xmlsafe` words them.
    """
    data = prepare_xml(data, source)
    parser, scanner = open_scan()
    return scanner.result() if parse_all(parser, data, source) else None


def parse_all(parser: expat.XMLParserType, data: bytes, source: str) -> bool:
    """Give expat the whole file, a slice at a time; False where a handler found it unusual.

    Raises
    ------
    CorruptFileError
        Not well-formed XML, worded as :mod:`~loadwatch.importers.xmlsafe` words it.
    """
    try:
        view = memoryview(data)  # fed in slices: expat copies what it is given
        for begin in range(0, len(view), _FEED_BYTES):
            parser.Parse(view[begin : begin + _FEED_BYTES], False)
        parser.Parse(b"", True)
    except Unusual:
        return False
    except expat.ExpatError as exc:
        error = expat_parse_error(exc)
        raise CorruptFileError(source, xml_error_reason(error)) from error
    return True


def parse_times(texts: list[str | None]) -> tuple[np.ndarray, int, int | None]:
    """``<time>`` texts as UTC, as gpxpy reads them.

    Plain UTC times (``...Z``) are parsed by NumPy; any other text goes through
    gpxpy's own parser (offsets, no zone, odd digits), which is exact but slow.

    Returns
    -------
    times : numpy.ndarray
        ``datetime64[us]`` in UTC; NaT where there is no time or it does not parse.
    n_naive : int
        Times without a time zone (taken as UTC).
    local_offset_s : int or None
        The first non-zero UTC offset written in the file [s].
    """
    plain = _PLAIN_UTC.match
    times = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[us]")
    n_naive = 0
    local_offset_s: int | None = None
    chunk = 65536  # bounds the memory of the stripped copies
    for begin in range(0, len(texts), chunk):
        part = texts[begin : begin + chunk]
        fast = [text is not None and plain(text) is not None for text in part]
        if any(fast):
            index = np.flatnonzero(fast)
            stripped = [part[i][:-1] for i in index.tolist()]  # type: ignore[index]
            try:
                times[begin + index] = np.array(stripped, dtype="datetime64[us]")
            except ValueError:  # e.g. a 13th month: gpxpy's parser decides, one by one
                fast = [False] * len(part)
        if all(fast):
            continue
        import gpxpy.gpxfield  # only for unusual times (see the module docstring)

        for i in np.flatnonzero(~np.asarray(fast)).tolist():
            text = part[i]
            if not text:
                continue
            try:
                moment = gpxpy.gpxfield.parse_time(text)
            except Exception:  # gpxpy's TimeConverter reads any failure as no time
                continue
            if moment is None:
                continue
            times[begin + i], naive, offset_s = utc_time(moment)
            n_naive += naive
            local_offset_s = local_offset_s if local_offset_s is not None else offset_s
    return times, n_naive, local_offset_s


def _planar_or_haversine(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """gpxpy.geo.distance(point 1, point 2) without elevation, element-wise."""
    far = (np.abs(lat1 - lat2) > 0.2) | (np.abs(lon1 - lon2) > 0.2)
    coef = np.cos(np.radians(lat1))
    x = lat1 - lat2
    y = (lon1 - lon2) * coef
    flat = np.sqrt(x * x + y * y) * ONE_DEGREE_M
    if not far.any():
        return flat
    d_lon = np.radians(lon1 - lon2)
    r1, r2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((r1 - r2) / 2) ** 2 + np.sin(d_lon / 2) ** 2 * np.cos(r1) * np.cos(r2)
    haversine = EARTH_RADIUS_M * 2 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return np.where(far, haversine, flat)


def step_distances_m(
    lat: np.ndarray, lon: np.ndarray, segment: np.ndarray, *, from_earlier: bool = False
) -> np.ndarray:
    """gpxpy's ``distance_2d`` between each point and its predecessor in its segment [m].

    Measured from the point to its predecessor, as gpxpy's ``length_2d`` does;
    ``from_earlier`` measures from the predecessor to the point, as
    ``distance_2d(a, b)`` over consecutive points does (TCX's track length).
    The planar formula's cosine is the first point's, so the two can differ in
    the last bits. The first point of each segment gets 0 (gaps between
    segments add nothing).
    """
    steps = np.zeros(lat.shape)
    for begin in range(1, lat.size, _CHUNK):  # in chunks: bounded temporaries
        stop = min(begin + _CHUNK, lat.size)
        here = lat[begin:stop], lon[begin:stop]
        before = lat[begin - 1 : stop - 1], lon[begin - 1 : stop - 1]
        first, second = (before, here) if from_earlier else (here, before)
        steps[begin:stop] = _planar_or_haversine(*first, *second)
    steps[1:][segment[1:] != segment[:-1]] = 0.0
    return steps


def length_2d_m(steps: np.ndarray) -> float:
    """gpxpy's ``GPX.length_2d`` [m] from :func:`step_distances_m`."""
    return float(np.nansum(steps))


def moving_time_s(
    lat: np.ndarray,
    lon: np.ndarray,
    steps: np.ndarray,
    elevation: np.ndarray,
    times: np.ndarray,
    segment: np.ndarray,
) -> float:
    """gpxpy's ``GPX.get_moving_data().moving_time`` [s] (default 1 km/h threshold).

    Each pair of consecutive timed points in a segment counts as moving when
    its distance over its positive duration is above 1 km/h. The distance is
    gpxpy's ``distance_3d`` where both elevations are non-zero (which drops the
    elevation again for points more than 0.2 degrees apart), else the 2-D step.
    """
    if steps.size < 2:
        return 0.0
    both_timed = ~np.isnat(times[1:]) & ~np.isnat(times[:-1]) & (segment[1:] == segment[:-1])
    seconds = (times[1:] - times[:-1]).astype("timedelta64[us]").astype(np.int64) / 1e6
    flat = steps[1:]
    e1, e2 = elevation[1:], elevation[:-1]
    far = (np.abs(lat[1:] - lat[:-1]) > 0.2) | (np.abs(lon[1:] - lon[:-1]) > 0.2)
    climb = np.where(np.isnan(e1) | np.isnan(e2), 0.0, e1 - e2)
    three_d = ~far & (np.nan_to_num(e1) != 0) & (np.nan_to_num(e2) != 0)
    distance = np.where(three_d, np.hypot(flat, climb), flat)  # hypot: no overflow
    use = both_timed & (seconds > 0) & (distance != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed_kmh = (distance / 1000) / (seconds / 3600)
    moving = use & (speed_kmh > STOPPED_SPEED_KMH)
    return float(seconds[moving].sum())


def uphill_downhill_m(elevation: np.ndarray, segment: np.ndarray) -> tuple[float, float]:
    """gpxpy's ``GPX.get_uphill_downhill`` [m]: per segment, smoothed 0.3/0.4/0.3.

    Points without an elevation are left out before smoothing, as gpxpy does.
    """
    up = down = 0.0
    known = ~np.isnan(elevation)
    values, seg = elevation[known], segment[known]
    if values.size == 0:
        return up, down
    bounds = np.flatnonzero(np.diff(seg)) + 1
    for part in np.split(values, bounds):
        if part.size >= 3:
            smooth = part.copy()
            smooth[1:-1] = part[:-2] * 0.3 + part[1:-1] * 0.4 + part[2:] * 0.3
        else:
            smooth = part
        steps = np.diff(smooth)
        up += float(steps[steps > 0].sum())
        down -= float(steps[steps <= 0].sum())
    return up, down
