"""Read a TCX file's activities in one expat pass, trackpoints into arrays.

The reference reader (``decoder="reference"`` of
:func:`loadwatch.importers.tcx.read_tcx`) builds an ElementTree of the whole
file and walks it: ~13 elements and ~2–5 KB per trackpoint, all alive at once.
This module reads the same files with expat's callbacks: an end-element
handler keyed by local name stores each wanted leaf's text, character data is
collected only inside those leaves, and each trackpoint's values go into
arrays (8 bytes a value) when the trackpoint closes. Both readers give a
:class:`TcxScan` — the texts and columns of each ``<Activity>`` — from which
:mod:`loadwatch.importers.tcx` builds the activities, so a test compares
them on every TCX file of the corpus.

What is read is what the reference reads: elements are matched by local name
(any prefix, also TomTom's ``<x:TPX><Speed>`` in the wrong namespace), and of
repeated children only the first counts (ElementTree's ``find``): the first
``<Time>``, the first ``<Position>`` and its first ``<LatitudeDegrees>``, the
first ``<Extensions>``/``<TPX>``. A leaf's text ends at its first child
element, as ElementTree's ``.text`` does.

Safety is that of :mod:`loadwatch.importers.xmlsafe` (the caller gives bytes
already brought to UTF-8 by :func:`~loadwatch.importers.xmlsafe.prepare_xml`):
a document type declaration, an entity declaration or an external entity stops
the scan at its first byte with :class:`~loadwatch.importers.gpx_stream.Unusual`,
before anything is declared, expanded or fetched; so do a root element other
than ``TrainingCenterDatabase`` and an ``<Activity>`` inside an ``<Activity>``.
:func:`scan_tcx` then returns ``None`` and the reference reader reads the file
(and words the refusal or the error exactly as before).

The totals of the geometry follow the reference's definitions, vectorised:
ascent and descent with gpxpy's smoothing (:func:`ascent_descent_m`), the GPS
track length with gpxpy's ``distance`` from each point to the next
(:func:`cumulative_track_m`).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from xml.parsers import expat

import numpy as np

from loadwatch.importers.gpx_points import PLAUSIBLE_FROM_UTC, PLAUSIBLE_UNTIL_UTC
from loadwatch.importers.gpx_stream import (
    Unusual,
    parse_all,
    step_distances_m,
    uphill_downhill_m,
)
from loadwatch.importers.xmlsafe import expat_parser

__all__ = [
    "ActivityScan",
    "LapScan",
    "TcxScan",
    "ascent_descent_m",
    "cumulative_track_m",
    "parse_point_times",
    "parse_time",
    "scan_tcx",
]

#: An xsd:dateTime as TCX files write it (any zone, or none).
_TIME = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)
#: ``YYYY-MM-DDThh:mm:ss[.ffffff]Z``: the times NumPy parses as :func:`parse_time` does.
_PLAIN_UTC = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z\Z"
)
#: Trackpoint times parsed at once (bounds the strings kept).
_TIME_CHUNK = 65536
_PLAUSIBLE_FROM = np.datetime64(PLAUSIBLE_FROM_UTC.replace(tzinfo=None), "us")
_PLAUSIBLE_UNTIL = np.datetime64(PLAUSIBLE_UNTIL_UTC.replace(tzinfo=None), "us")


@dataclass
class LapScan:
    """One ``<Lap>`` as written: its ``StartTime`` and first children's values."""

    start_text: str | None
    #: ``TotalTimeSeconds`` [s], ``DistanceMeters`` [m]; NaN where absent or unreadable.
    timer_s: float
    distance_m: float
    intensity_text: str | None
    trigger_text: str | None
    #: ``AverageHeartRateBpm/Value``, ``MaximumHeartRateBpm/Value`` [beats/min]; NaN if absent.
    avg_hr_bpm: float
    max_hr_bpm: float


@dataclass
class ActivityScan:
    """One ``<Activity>``: its texts, its laps and its trackpoints as columns.

    Trackpoints are those of ``Activity/Lap/Track/Trackpoint`` in file order.
    Each column holds one value a trackpoint, NaN (NaT) where it has none.
    """

    sport_text: str | None
    id_text: str | None
    #: ``Creator/Name``.
    device_text: str | None
    laps: list[LapScan]
    #: UTC (``datetime64[us]``); NaT where none, unreadable or not plausible.
    time: np.ndarray
    #: Trackpoint times written without a time zone (read as UTC).
    n_naive: int
    #: [degrees], NaN for both where either is missing or out of range.
    lat: np.ndarray
    lon: np.ndarray
    altitude_m: np.ndarray
    distance_m: np.ndarray
    #: NaN where the value is not above 0 (0 is "no strap").
    heart_rate_bpm: np.ndarray
    #: ``Cadence``, else ``TPX/RunCadence``.
    cadence_rpm: np.ndarray
    #: ``TPX/Speed`` [m/s].
    speed_mps: np.ndarray
    #: gpxpy's ascent and descent of the altitudes [m]; None without altitudes.
    ascent_m: float | None
    descent_m: float | None
    #: Cumulative GPS track length [m] (NaN where no position); only computed when no
    #: trackpoint has a ``DistanceMeters`` (the only case that uses it), else None.
    track_m: np.ndarray | None


@dataclass
class TcxScan:
    """What a reader found in a TCX file."""

    activities: list[ActivityScan]
    #: Local names of the root's child elements (``Activities``, ``Courses``, ...).
    root_children: set[str] = field(default_factory=set)


def parse_time(text: str | None) -> tuple[datetime | None, int | None, bool]:
    """An xsd:dateTime as UTC; also its offset [s] where not UTC, and whether it had no zone."""
    match = _TIME.match(text or "")
    if match is None:
        return None, None, False
    day, clock, fraction, zone = match.groups()
    try:
        moment = datetime.strptime(f"{day}T{clock}", "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None, None, False
    moment = moment.replace(microsecond=int(((fraction or "") + "000000")[:6]))
    if zone is None:
        return moment.replace(tzinfo=UTC), None, True
    if zone == "Z":
        return moment.replace(tzinfo=UTC), None, False
    sign = -1 if zone[0] == "-" else 1
    hours, minutes = int(zone[1:3]), int(zone[-2:])
    offset_s = sign * (hours * 3600 + minutes * 60)
    local = moment.replace(tzinfo=timezone(timedelta(seconds=offset_s)))
    return local.astimezone(UTC), offset_s or None, False


def parse_point_times(texts: list[str | None]) -> tuple[np.ndarray, int]:
    """Trackpoint ``<Time>`` texts as :func:`parse_time` reads them, in bulk.

    Plain UTC times (``...Z``, up to six decimals) are parsed by NumPy; a chunk
    holding any other text (or one NumPy refuses, e.g. a 30th of February) is
    parsed text by text with :func:`parse_time`.

    Returns
    -------
    times : numpy.ndarray
        ``datetime64[us]`` UTC; NaT where there is no time, it does not parse,
        or it is not plausible (before 1990 or after 2100).
    n_naive : int
        Times without a time zone.
    """
    times = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[us]")
    n_naive = 0
    plain = _PLAIN_UTC.match
    for begin in range(0, len(texts), _TIME_CHUNK):
        part = texts[begin : begin + _TIME_CHUNK]
        if all(text is not None and plain(text) for text in part):
            try:
                times[begin : begin + len(part)] = np.array(
                    [text[:-1] for text in part],  # type: ignore[index]
                    dtype="datetime64[us]",
                )
                continue
            except ValueError:
                pass  # parsed one by one below
        for i, text in enumerate(part):
            moment, _, naive = parse_time(text)
            n_naive += naive
            if moment is not None:
                times[begin + i] = np.datetime64(moment.replace(tzinfo=None), "us")
    times[(times < _PLAUSIBLE_FROM) | (times > _PLAUSIBLE_UNTIL)] = np.datetime64("NaT")
    return times, n_naive


def ascent_descent_m(altitude_m: np.ndarray) -> tuple[float | None, float | None]:
    """gpxpy's ``calculate_uphill_downhill`` of the finite altitudes [m]; None without any.

    The same smoothing and sums as gpxpy (through
    :func:`loadwatch.importers.gpx_stream.uphill_downhill_m`); NumPy adds the
    rises in another order than gpxpy's loop, so the totals can differ in the
    last bits (~1e-15 relative).
    """
    finite = altitude_m[np.isfinite(altitude_m)]
    if finite.size == 0:
        return None, None
    return uphill_downhill_m(finite, np.zeros(finite.size, dtype=np.int64))


def cumulative_track_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Cumulative GPS track length [m] over the points with a position; NaN elsewhere.

    Each step is gpxpy's ``distance(a, b)`` from a point ``a`` to the next ``b``
    (planar below 0.2 degrees, else haversine), summed in order as the
    reference does.
    """
    cumulative = np.full(lat.shape, np.nan)
    fixes = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    if fixes.size == 0:
        return cumulative
    steps = step_distances_m(
        lat[fixes], lon[fixes], np.zeros(fixes.size, dtype=np.int64), from_earlier=True
    )
    cumulative[fixes] = np.cumsum(steps)
    return cumulative


# --- the expat pass ---------------------------------------------------------------

#: Element states by their parent's state and their local name; a name not listed
#: (or a state without children) is not read. Of ``lap``, ``track`` and ``point``
#: every one counts; of the others only the first (see :data:`_SCOPE`).
_CHILDREN: dict[str, dict[str, str]] = {
    "activity": {"Id": "id", "Lap": "lap", "Creator": "creator"},
    "creator": {"Name": "device"},
    "lap": {
        "TotalTimeSeconds": "lap_timer",
        "DistanceMeters": "lap_distance",
        "Intensity": "intensity",
        "TriggerMethod": "trigger",
        "AverageHeartRateBpm": "lap_avg_hr",
        "MaximumHeartRateBpm": "lap_max_hr",
        "Track": "track",
    },
    "lap_avg_hr": {"Value": "avg_hr"},
    "lap_max_hr": {"Value": "max_hr"},
    "track": {"Trackpoint": "point"},
    "point": {
        "Time": "time",
        "Position": "position",
        "AltitudeMeters": "altitude",
        "DistanceMeters": "distance",
        "HeartRateBpm": "heart_rate_bpm",
        "Cadence": "cadence",
        "Extensions": "extensions",
    },
    "position": {"LatitudeDegrees": "lat", "LongitudeDegrees": "lon"},
    "heart_rate_bpm": {"Value": "heart_rate"},
    "extensions": {"TPX": "tpx"},
    "tpx": {"Speed": "speed", "RunCadence": "run_cadence"},
}
#: Which element's first children a state belongs to: 0 the activity, 1 the lap, 2 the
#: trackpoint (their texts are kept per activity, lap and trackpoint).
_SCOPE: dict[str, int] = {
    **dict.fromkeys(("id", "creator", "device"), 0),
    **dict.fromkeys(
        (
            *("lap_timer", "lap_distance", "intensity", "trigger"),
            *("lap_avg_hr", "avg_hr", "lap_max_hr", "max_hr"),
        ),
        1,
    ),
    **dict.fromkeys(
        (
            *("time", "altitude", "distance", "cadence"),
            *("position", "lat", "lon", "heart_rate_bpm", "heart_rate"),
            *("extensions", "tpx", "speed", "run_cadence"),
        ),
        2,
    ),
}
#: What a state is: 0 not read, 1 read every time (``lap``, ``track``, ``point``),
#: 2 only the first in its scope (an element holding leaves), 3 the same for a leaf (its text).
_KIND: dict[str, int] = {
    "": 0,
    **dict.fromkeys(("activity", "lap", "track", "point"), 1),
    **{state: 2 if state in _CHILDREN else 3 for state in _SCOPE},
}
_IGNORED = ""  # the state of an element nobody reads, and of all inside it
_NO_CHILDREN: dict[str, str] = {}
_POINT_COLUMNS = (
    "lat",
    "lon",
    "altitude",
    "distance",
    "heart_rate",
    "cadence",
    "run_cadence",
    "speed",
)
#: Trackpoints whose texts are kept before they are turned into numbers.
_ROWS_CHUNK = 4096


def _number(text: str | None) -> float:
    """``float(text)``; NaN for no text or a text that is not a number (as the reference)."""
    if text is None:
        return np.nan
    try:
        return float(text)
    except ValueError:
        return np.nan


def _numbers(texts: list[str | None]) -> list[float]:
    """:func:`_number` of each text (in one comprehension where all are numbers or empty)."""
    try:
        return [float(text or "nan") for text in texts]
    except ValueError:
        return [_number(text) for text in texts]


class _Scanner:
    """expat callbacks that gather the activities of a TCX document.

    Inside an activity, a stack holds each open element's state, found from its
    parent's state and its name (:data:`_CHILDREN`, by local name; each
    state's look-ups are kept by full name in :attr:`routes`); elements nobody
    reads get :data:`_IGNORED`, and so do all their descendants. A leaf's text
    is collected by handing expat the list's ``append`` while it is open. Each
    trackpoint's texts (a dict, which also says which first children were seen)
    are turned into numbers a chunk of trackpoints at a time.
    """

    def __init__(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        self.depth = 0  # of the elements outside activities
        self.root_children: set[str] = set()
        self.activities: list[ActivityScan] = []
        self.stack: list[str] = []  # empty outside an activity
        self.routes: dict[str, dict[str, tuple[str, int, int]]] = {state: {} for state in _KIND}
        #: The texts (and which first children were seen) of the open activity, lap, point.
        self.scopes: list[dict[str, str | None]] = [{}, {}, {}]
        #: The texts of the trackpoints read since the last :meth:`_flush_rows`.
        self.rows: list[dict[str, str | None]] = []
        self._new_activity(None)
        self.start, self.end = self._handlers()

    def _new_activity(self, sport: str | None) -> None:
        self.sport = sport
        self.scopes[0] = {}
        self.laps: list[LapScan] = []
        self.lap_start: str | None = None
        self.rows.clear()
        self.time_parts: list[np.ndarray] = []
        self.n_naive = 0
        self.columns = {name: array("d") for name in _POINT_COLUMNS}

    def _route(self, state: str, name: str) -> tuple[str, int, int]:
        """The state, kind and scope of an element ``name`` (full name) in one of ``state``."""
        local = name.rpartition("}")[2]
        if local == "Activity":
            raise Unusual("an <Activity> inside an <Activity>")
        child = _CHILDREN.get(state, _NO_CHILDREN).get(local, _IGNORED)
        route = self.routes[state][name] = (child, _KIND[child], _SCOPE.get(child, -1))
        return route

    def _start_outside(self, local: str, attrs: dict[str, str]) -> None:
        depth = self.depth
        self.depth = depth + 1
        if depth == 0 and local != "TrainingCenterDatabase":
            raise Unusual("not a TCX root element")  # the reference words it
        if depth == 1:
            self.root_children.add(local)
        if local == "Activity":
            self._new_activity(attrs.get("Sport"))
            self.stack.append("activity")

    def _handlers(self) -> tuple[Callable[[str, dict[str, str]], None], Callable[[str], None]]:
        """The start- and end-element handlers.

        They run twice for every element, so what they use is held in the
        closure's cells rather than looked up on ``self`` (~7 % faster).
        """
        parser, stack, scopes, rows, routes = (
            self.parser,
            self.stack,
            self.scopes,
            self.rows,
            self.routes,
        )
        capture: str | None = None  # the leaf whose text is being read
        capture_scope = scopes[0]
        text: list[str] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal capture, capture_scope, text
            if capture is not None:
                parser.CharacterDataHandler = None  # ElementTree's text ends at a child
            if not stack:
                self._start_outside(name.rpartition("}")[2], attrs)
                return
            route = routes[stack[-1]].get(name)
            if route is None:
                route = self._route(stack[-1], name)
            child, kind, scope_index = route
            if kind >= 2:
                scope = scopes[scope_index]
                if child in scope:  # only the first one counts (ElementTree's find)
                    child = _IGNORED
                else:
                    scope[child] = None
                    if kind == 3:
                        capture, capture_scope, text = child, scope, []
                        parser.CharacterDataHandler = text.append
            elif child == "point":
                scopes[2] = {}
            elif child == "lap":
                scopes[1] = {}
                self.lap_start = attrs.get("StartTime")
            stack.append(child)

        def end(name: str) -> None:
            nonlocal capture
            if not stack:
                self.depth -= 1
                return
            state = stack.pop()
            if not state:
                return
            if state == capture:
                parser.CharacterDataHandler = None
                capture_scope[state] = "".join(text) if text else None
                capture = None
            elif state == "point":
                rows.append(scopes[2])
                if len(rows) >= _ROWS_CHUNK:
                    self._flush_rows()
            elif state == "lap":
                self._finish_lap()
            elif state == "activity":
                self._finish_activity()
                self.depth -= 1

        return start, end

    def _flush_rows(self) -> None:
        """The kept trackpoints' texts as numbers and times."""
        rows = self.rows
        times, n_naive = parse_point_times([row.get("time") for row in rows])
        self.time_parts.append(times)
        self.n_naive += n_naive
        for name, column in self.columns.items():
            column.fromlist(_numbers([row.get(name) for row in rows]))
        rows.clear()

    def _finish_lap(self) -> None:
        texts = self.scopes[1]
        self.laps.append(
            LapScan(
                start_text=self.lap_start,
                timer_s=_number(texts.get("lap_timer")),
                distance_m=_number(texts.get("lap_distance")),
                intensity_text=texts.get("intensity"),
                trigger_text=texts.get("trigger"),
                avg_hr_bpm=_number(texts.get("avg_hr")),
                max_hr_bpm=_number(texts.get("max_hr")),
            )
        )

    def _finish_activity(self) -> None:
        self._flush_rows()
        values = {name: np.frombuffer(column, dtype=float) for name, column in self.columns.items()}
        lat, lon = values["lat"], values["lon"]
        no_fix = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))
        if no_fix.any():
            lat, lon = lat.copy(), lon.copy()
            lat[no_fix] = lon[no_fix] = np.nan
        cadence = values["cadence"]
        cadence = np.where(np.isfinite(cadence), cadence, values["run_cadence"])
        heart_rate = values["heart_rate"]
        distance = values["distance"]
        ascent, descent = ascent_descent_m(values["altitude"])
        texts = self.scopes[0]
        self.activities.append(
            ActivityScan(
                sport_text=self.sport,
                id_text=texts.get("id"),
                device_text=texts.get("device"),
                laps=self.laps,
                time=np.concatenate(self.time_parts),
                n_naive=self.n_naive,
                lat=lat,
                lon=lon,
                altitude_m=values["altitude"],
                distance_m=distance,
                heart_rate_bpm=np.where(heart_rate > 0, heart_rate, np.nan),
                cadence_rpm=cadence,
                speed_mps=values["speed"],
                ascent_m=ascent,
                descent_m=descent,
                track_m=(
                    cumulative_track_m(lat, lon)
                    if distance.size and not np.isfinite(distance).any()
                    else None
                ),
            )
        )
        self._new_activity(None)


def scan_tcx(data: bytes, source: str) -> TcxScan | None:
    """Read a TCX file's activities in one expat pass.

    Parameters
    ----------
    data
        The file's bytes as :func:`~loadwatch.importers.xmlsafe.prepare_xml` gives them (UTF-8).
    source
        The file as the user would name it, for the error.

    Returns
    -------
    TcxScan or None
        ``None`` when the file needs the reference reader (see the module docstring).

    Raises
    ------
    CorruptFileError
        Not well-formed XML, worded as :mod:`~loadwatch.importers.xmlsafe` words it.
    """

    def refuse(*_: object) -> int:
        raise Unusual("a document type declaration or an entity")

    parser = expat_parser(refuse)
    scanner = _Scanner(parser)
    parser.StartElementHandler = scanner.start
    parser.EndElementHandler = scanner.end
    if not parse_all(parser, data, source):
        return None
    return TcxScan(activities=scanner.activities, root_children=scanner.root_children)
