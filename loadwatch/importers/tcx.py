"""Read TCX (Garmin Training Center) files: one Activity per ``<Activity>`` element.

The XML is parsed once, safely (:mod:`loadwatch.importers.xmlsafe`), and
walked with ElementTree. Elements are matched by their local name inside the
TrainingCenterDatabase v2 structure, so the ActivityExtension v2 values
(``<ns3:TPX><ns3:Speed>``, ``RunCadence``) are found whatever prefix the file
uses — and also where an exporter put them in the wrong namespace (TomTom
writes ``<x:TPX><Speed>``).

Definitions
-----------
start_utc
    The activity's ``<Id>`` (a timestamp by the schema); else the first
    lap's ``StartTime``; else the first trackpoint's time.
distance_m
    The sum of the laps' ``DistanceMeters`` (what the device reported); else
    the last trackpoint ``DistanceMeters``; else the length of the GPS track.
timer_s
    The sum of the laps' ``TotalTimeSeconds`` (Garmin's timer time, pauses
    excluded).
elapsed_s
    Wall-clock time from the start to the end of the last lap or the last
    trackpoint, whichever is later (pauses included, as in
    :class:`~loadwatch.importers.activity.Activity`).
ascent_m, descent_m
    From the trackpoints' ``AltitudeMeters`` with gpxpy's own method
    (``gpxpy.geo.calculate_uphill_downhill``: a 0.3/0.4/0.3 three-point
    smoothing, then the sum of rises and falls), so that TCX and GPX files of
    one run agree; ``None`` without altitudes.
laps
    ``Intensity`` Active/Resting → ``active``/``rest``; ``TriggerMethod``
    lower-cased (``manual``, ``distance``, ``location``, ``time``,
    ``heartrate``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from xml.etree.ElementTree import Element

import gpxpy.geo
import numpy as np
import pandas as pd

from loadwatch.errors import NotAnActivityError, UnsupportedFileError
from loadwatch.importers.activity import RECORD_COLUMNS, Activity, Lap
from loadwatch.importers.gpx import speed_from_distance_mps, speed_from_positions_mps
from loadwatch.importers.gpx_points import plausible_utc
from loadwatch.importers.sports import normalize_sport
from loadwatch.importers.streams import profile_from_times
from loadwatch.importers.xmlsafe import local_name, parse_xml

__all__ = ["read_tcx", "read_tcx_records"]

#: The TCX schema's namespace (elements are matched by local name within it).
TCX_NAMESPACE = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
#: Garmin's extension namespace for ``TPX`` (Speed, RunCadence, Watts) and ``LX``.
ACTIVITY_EXTENSION_NAMESPACE = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"

_INTENSITY = {"active": "active", "resting": "rest"}
_TIME = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)


@dataclass
class _Trackpoint:
    time: datetime | None
    naive: bool
    lat: float
    lon: float
    altitude: float
    distance: float
    heart_rate: float
    cadence: float
    speed: float


@dataclass
class _Read:
    """One activity and its trackpoints."""

    activity: Activity
    points: list[_Trackpoint] = field(default_factory=list)


def read_tcx(data: bytes, source: str) -> list[Activity]:
    """Read a TCX file: one activity per ``<Activity>`` element.

    Parameters
    ----------
    data
        The file's bytes (already decompressed).
    source
        The file as the user would name it (path, or ``archive.zip!member``).

    Returns
    -------
    list of Activity
        In file order, ``session_index`` 0, 1, ... (multisport files hold
        several). Units and definitions in the module docstring.

    Raises
    ------
    EmptyFileError, UnsafeFileError, CorruptFileError, UnsupportedFileError
        The XML is empty, unsafe, damaged, or not TCX.
    NotAnActivityError
        A course or workout file, or activities without any time.
    """
    return [read.activity for read in _load(data, source)]


def read_tcx_records(data: bytes, source: str) -> pd.DataFrame:
    """Read a TCX file's trackpoints as a per-record stream.

    Parameters
    ----------
    data
        The file's bytes (already decompressed).
    source
        The file as the user would name it.

    Returns
    -------
    pandas.DataFrame
        One row per trackpoint of every activity, in file order, with the
        columns of :data:`loadwatch.importers.activity.RECORD_COLUMNS`. ``distance_m``
        is the device's ``DistanceMeters`` (else the cumulative GPS track
        length); ``speed_mps`` is the device's ``TPX/Speed`` (else derived
        from positions or distance over a centred window, see
        :func:`loadwatch.importers.gpx.speed_from_positions_mps`); cadence is
        ``Cadence`` or ``RunCadence`` as recorded; ``temperature_c`` is NaN
        (TCX has none). NaN/NaT wherever the file has no value.

    Raises
    ------
    ActivityFileError
        As :func:`read_tcx`.
    """
    frames = [_records(read.points) for read in _load(data, source)]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return _records([])
    return pd.concat(frames, ignore_index=True)


# --- parsing ------------------------------------------------------------------


def _load(data: bytes, source: str) -> list[_Read]:
    root = parse_xml(data, source)
    root_name = local_name(root.tag)
    if root_name != "TrainingCenterDatabase":
        raise UnsupportedFileError(source, _wrong_root_reason(root_name))
    elements = [el for el in root.iter() if local_name(el.tag) == "Activity"]
    if not elements:
        raise _no_activity_error(root, source)
    reads: list[_Read] = []
    skipped = 0
    for element in elements:
        read = _read_activity(element, len(reads), source)
        if read is None:
            skipped += 1
        else:
            reads.append(read)
    if not reads:
        raise NotAnActivityError(
            source, "no timestamps: the TCX activities hold no time, not a recorded activity"
        )
    if skipped:
        reads[0].activity.notes.append(
            f"{skipped} activities without a usable time or data were skipped"
        )
    return reads


def _wrong_root_reason(root_name: str) -> str:
    if root_name.lower() == "html":
        return "this is a web page (HTML), not a TCX file"
    if root_name == "gpx":
        return "this is a GPX file, not TCX: give it a .gpx name"
    return f"this is XML but not TCX: its root element is <{root_name}>"


def _no_activity_error(root: Element, source: str) -> NotAnActivityError:
    names = {local_name(el.tag) for el in root}
    if "Courses" in names:
        return NotAnActivityError(source, "a TCX course (a planned route), not a recorded activity")
    if "Workouts" in names:
        return NotAnActivityError(source, "a TCX workout plan, not a recorded activity")
    return NotAnActivityError(source, "the TCX file holds no activity")


def _read_activity(element: Element, index: int, source: str) -> _Read | None:
    """One ``<Activity>``; ``None`` when it has no usable time or no data at all."""
    notes: list[str] = []
    lap_elements = _children(element, "Lap")
    points = [
        _read_trackpoint(point)
        for lap in lap_elements
        for track in _children(lap, "Track")
        for point in _children(track, "Trackpoint")
    ]
    if not lap_elements and not points:
        return None
    start, offset_s, naive = _parse_time(_text(element, "Id"))
    if not plausible_utc(start):
        first_lap = lap_elements[0].get("StartTime") if lap_elements else None
        start, offset_s, naive = _parse_time(first_lap)
        timed = [p.time for p in points if p.time is not None]
        if not plausible_utc(start) and timed:
            start, offset_s, naive = min(timed), None, False
        if not plausible_utc(start):
            return None
        notes.append("the activity has no valid <Id> time; its start is the first recorded time")
    assert start is not None  # plausible_utc refuses None
    if naive or any(p.naive for p in points):
        notes.append("times have no time zone; they were taken as UTC")

    sport, sub_sport = normalize_sport(element.get("Sport"))
    laps, lap_distance, lap_timer, lap_end = _read_laps(lap_elements)
    point_times = [p.time for p in points if p.time is not None]
    end = max([start, *point_times, *([lap_end] if lap_end else [])])
    for k, lap in enumerate(laps):
        following = laps[k + 1].start_utc if k + 1 < len(laps) else end
        if lap.start_utc is not None and following is not None:
            lap.elapsed_s = max((following - lap.start_utc).total_seconds(), 0.0)

    altitudes: list[float | None] = [p.altitude for p in points if np.isfinite(p.altitude)]
    ascent = descent = None
    if altitudes:
        uphill, downhill = gpxpy.geo.calculate_uphill_downhill(altitudes)
        ascent, descent = float(uphill), float(downhill)
    hr = np.array([p.heart_rate for p in points], dtype=float)
    avg_hr, max_hr = _stream_or_lap_hr(hr, lap_elements)
    first_fix = next((p for p in points if np.isfinite(p.lat) and np.isfinite(p.lon)), None)
    device = (_text(element, "Creator", "Name") or "").strip() or None

    activity = Activity(
        source=source,
        format="tcx",
        start_utc=start,
        session_index=index,
        local_offset_s=offset_s,
        sport=sport,
        sub_sport=sub_sport,
        distance_m=_distance(lap_distance, points, notes),
        elapsed_s=(end - start).total_seconds(),
        timer_s=lap_timer,
        ascent_m=ascent,
        descent_m=descent,
        device=device,
        n_records=len(points),
        start_lat=first_fix.lat if first_fix else None,
        start_lon=first_fix.lon if first_fix else None,
        avg_hr_bpm=avg_hr,
        max_hr_bpm=max_hr,
        laps=laps,
        speed_profile_m=_speed_profile(points),
        notes=notes,
    )
    return _Read(activity=activity, points=points)


def _speed_profile(points: list[_Trackpoint]) -> np.ndarray | None:
    """Sustained-speed profile from the trackpoints (track length where no DistanceMeters)."""
    if len(points) < 2:
        return None
    records = _records(points)
    return profile_from_times(
        [None if pd.isna(t) else t.to_pydatetime() for t in records["time_utc"]],
        records["distance_m"].to_numpy(),
    )


def _read_laps(
    lap_elements: list[Element],
) -> tuple[list[Lap], float | None, float | None, datetime | None]:
    """Laps, the sum of their distances [m] and times [s], and the end of the last."""
    laps: list[Lap] = []
    distances: list[float] = []
    timers: list[float] = []
    lap_end: datetime | None = None
    for element in lap_elements:
        start, _, _ = _parse_time(element.get("StartTime"))
        timer = _float(element, "TotalTimeSeconds")
        distance = _float(element, "DistanceMeters")
        if np.isfinite(distance):
            distances.append(distance)
        if np.isfinite(timer):
            timers.append(timer)
            if start is not None:
                lap_end = start + timedelta(seconds=timer)
        intensity = (_text(element, "Intensity") or "").strip().lower()
        trigger = (_text(element, "TriggerMethod") or "").strip().lower()
        has_both = np.isfinite(distance) and np.isfinite(timer) and timer > 0
        laps.append(
            Lap(
                start_utc=start,
                timer_s=timer if np.isfinite(timer) else None,
                distance_m=distance if np.isfinite(distance) else None,
                avg_speed_mps=distance / timer if has_both else None,
                intensity=_INTENSITY.get(intensity, intensity or None),
                trigger=trigger or None,
            )
        )
    return (
        laps,
        float(sum(distances)) if distances else None,
        float(sum(timers)) if timers else None,
        lap_end,
    )


def _distance(
    lap_distance: float | None, points: list[_Trackpoint], notes: list[str]
) -> float | None:
    """Sum of laps; else the last trackpoint distance; else the GPS track length [m]."""
    recorded = [p.distance for p in points if np.isfinite(p.distance)]
    if lap_distance is not None and (lap_distance > 0 or not recorded):
        return lap_distance
    if recorded:
        return float(max(recorded))
    track = _track_length(points)
    if track is not None:
        notes.append("the file gives no distance; it was measured along the GPS track")
    return track


def _track_length(points: list[_Trackpoint]) -> float | None:
    fixes = [p for p in points if np.isfinite(p.lat) and np.isfinite(p.lon)]
    if len(fixes) < 2:
        return None
    return float(
        sum(
            gpxpy.geo.distance(a.lat, a.lon, None, b.lat, b.lon, None)
            for a, b in itertools.pairwise(fixes)
        )
    )


def _stream_or_lap_hr(
    hr: np.ndarray, lap_elements: list[Element]
) -> tuple[float | None, float | None]:
    """Mean and max heart rate of the samples; else the laps' time-weighted values."""
    finite = hr[np.isfinite(hr)]
    if finite.size:
        return float(finite.mean()), float(finite.max())
    weighted = total = 0.0
    maxima = []
    for lap in lap_elements:
        average = _float(lap, "AverageHeartRateBpm", "Value")
        timer = _float(lap, "TotalTimeSeconds")
        if np.isfinite(average) and np.isfinite(timer) and timer > 0:
            weighted += average * timer
            total += timer
        maximum = _float(lap, "MaximumHeartRateBpm", "Value")
        if np.isfinite(maximum):
            maxima.append(maximum)
    return (weighted / total if total else None), (max(maxima) if maxima else None)


def _read_trackpoint(element: Element) -> _Trackpoint:
    time, _, naive = _parse_time(_text(element, "Time"))
    lat = _float(element, "Position", "LatitudeDegrees")
    lon = _float(element, "Position", "LongitudeDegrees")
    if not (abs(lat) <= 90 and abs(lon) <= 180):
        lat = lon = np.nan
    heart_rate = _float(element, "HeartRateBpm", "Value")
    extension = _child(element, "Extensions")
    tpx = _child(extension, "TPX") if extension is not None else None
    cadence = _float(element, "Cadence")
    speed = np.nan
    if tpx is not None:
        speed = _float(tpx, "Speed")
        if not np.isfinite(cadence):
            cadence = _float(tpx, "RunCadence")
    return _Trackpoint(
        time=time if plausible_utc(time) else None,
        naive=naive,
        lat=lat,
        lon=lon,
        altitude=_float(element, "AltitudeMeters"),
        distance=_float(element, "DistanceMeters"),
        heart_rate=heart_rate if heart_rate > 0 else np.nan,
        cadence=cadence,
        speed=speed,
    )


def _records(points: list[_Trackpoint]) -> pd.DataFrame:
    time_utc = pd.to_datetime(pd.Series([p.time for p in points], dtype=object), utc=True)
    elapsed = (time_utc - time_utc.min()).dt.total_seconds().to_numpy(dtype=float)
    lat = np.array([p.lat for p in points], dtype=float)
    lon = np.array([p.lon for p in points], dtype=float)
    distance = np.array([p.distance for p in points], dtype=float)
    if points and not np.isfinite(distance).any():
        distance = _cumulative_track_length(lat, lon)
    speed = np.array([p.speed for p in points], dtype=float)
    if points and not np.isfinite(speed).any():
        if np.isfinite(lat).sum() >= 2:
            speed = speed_from_positions_mps(elapsed, lat, lon)
        else:
            speed = speed_from_distance_mps(elapsed, distance)
    columns = {
        "time_utc": time_utc,
        "distance_m": distance,
        "speed_mps": speed,
        "altitude_m": np.array([p.altitude for p in points], dtype=float),
        "heart_rate_bpm": np.array([p.heart_rate for p in points], dtype=float),
        "cadence_rpm": np.array([p.cadence for p in points], dtype=float),
        "temperature_c": np.full(len(points), np.nan),
        "lat": lat,
        "lon": lon,
    }
    return pd.DataFrame({name: columns[name] for name in RECORD_COLUMNS})


def _cumulative_track_length(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Cumulative GPS track length [m] (gpxpy's distance); NaN where no position."""
    cumulative = np.full(lat.shape, np.nan)
    total = 0.0
    previous: int | None = None
    for i in np.flatnonzero(np.isfinite(lat) & np.isfinite(lon)):
        if previous is not None:
            total += gpxpy.geo.distance(lat[previous], lon[previous], None, lat[i], lon[i], None)
        cumulative[i] = total
        previous = int(i)
    return cumulative


# --- small helpers ------------------------------------------------------------


def _parse_time(text: str | None) -> tuple[datetime | None, int | None, bool]:
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


def _children(element: Element | None, name: str) -> list[Element]:
    if element is None:
        return []
    return [child for child in element if local_name(child.tag) == name]


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    return next((child for child in element if local_name(child.tag) == name), None)


def _text(element: Element | None, *path: str) -> str | None:
    for name in path:
        element = _child(element, name)
    return element.text if element is not None else None


def _float(element: Element | None, *path: str) -> float:
    text = _text(element, *path)
    try:
        return float(text) if text is not None else np.nan
    except ValueError:
        return np.nan
