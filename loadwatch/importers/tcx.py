"""Read TCX (Garmin Training Center) files: one Activity per ``<Activity>`` element.

The XML is parsed once, safely (:mod:`loadwatch.importers.xmlsafe`), in any
encoding XML allows. Two readers give the same activities:

* the reference reader (``decoder="reference"``): an ElementTree of the whole
  file, walked element by element (~87 µs and a few KB per trackpoint);
* the default (``decoder="auto"``): one expat pass with a callback per element
  and the trackpoints' values gathered into arrays
  (:mod:`loadwatch.importers.tcx_stream`). A file it cannot be sure to read
  as the reference does (a ``<!DOCTYPE>``, another root element, an
  ``<Activity>`` inside an ``<Activity>``) goes to the reference reader, which
  also words any refusal. A test holds both to the same activities and record
  frames on every corpus TCX file.

Either reader matches elements by their local name inside the
TrainingCenterDatabase v2 structure, so the ActivityExtension v2 values
(``<ns3:TPX><ns3:Speed>``, ``RunCadence``) are found whatever prefix the file
uses — and also where an exporter put them in the wrong namespace (TomTom
writes ``<x:TPX><Speed>``). Both give the texts and columns of each activity
(:class:`~loadwatch.importers.tcx_stream.ActivityScan`), from which one code
path below builds the activities and records.

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

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from xml.etree.ElementTree import Element

import gpxpy.geo
import numpy as np
import pandas as pd

from loadwatch.errors import NotAnActivityError, UnsupportedFileError
from loadwatch.importers.activity import RECORD_COLUMNS, Activity, Lap
from loadwatch.importers.gpx import speed_from_distance_mps, speed_from_positions_mps
from loadwatch.importers.gpx_points import plausible_utc, to_datetime
from loadwatch.importers.sports import normalize_sport
from loadwatch.importers.streams import speed_profile
from loadwatch.importers.tcx_stream import (
    ActivityScan,
    LapScan,
    TcxScan,
    parse_time,
    scan_tcx,
)
from loadwatch.importers.xmlsafe import local_name, parse_xml, prepare_xml

__all__ = ["TcxDecoder", "read_tcx", "read_tcx_records"]

#: The TCX schema's namespace (elements are matched by local name within it).
TCX_NAMESPACE = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
#: Garmin's extension namespace for ``TPX`` (Speed, RunCadence, Watts) and ``LX``.
ACTIVITY_EXTENSION_NAMESPACE = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
#: ``"auto"``: the streaming reader where it can (see the module docstring); ``"reference"``:
#: the ElementTree reader.
TcxDecoder = Literal["auto", "reference"]

_INTENSITY = {"active": "active", "resting": "rest"}


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
    scan: ActivityScan


def read_tcx(data: bytes, source: str, *, decoder: TcxDecoder = "auto") -> list[Activity]:
    """Read a TCX file: one activity per ``<Activity>`` element.

    Parameters
    ----------
    data
        The file's bytes (already decompressed).
    source
        The file as the user would name it (path, or ``archive.zip!member``).
    decoder
        ``"auto"`` (one streaming pass where the file allows it) or
        ``"reference"`` (an ElementTree of the file). Both give the same activities.

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
    return [read.activity for read in _load(data, source, decoder)]


def read_tcx_records(data: bytes, source: str, *, decoder: TcxDecoder = "auto") -> pd.DataFrame:
    """Read a TCX file's trackpoints as a per-record stream.

    Parameters
    ----------
    data
        The file's bytes (already decompressed).
    source
        The file as the user would name it.
    decoder
        As in :func:`read_tcx`.

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
    frames = [_records(read.scan) for read in _load(data, source, decoder)]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return _records(None)
    return pd.concat(frames, ignore_index=True)


# --- from the scan to the activities ----------------------------------------------


def _load(data: bytes, source: str, decoder: TcxDecoder) -> list[_Read]:
    if decoder not in ("auto", "reference"):
        raise ValueError(f"decoder must be 'auto' or 'reference', not {decoder!r}")
    scan = None
    if decoder == "auto":
        data = prepare_xml(data, source)  # the reference's parse_xml leaves these bytes as they are
        scan = scan_tcx(data, source)
    if scan is None:
        scan = _scan_reference(data, source)
    if not scan.activities:
        raise _no_activity_error(scan.root_children, source)
    reads: list[_Read] = []
    skipped = 0
    for activity_scan in scan.activities:
        read = _read_activity(activity_scan, len(reads), source)
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


def _no_activity_error(root_children: set[str], source: str) -> NotAnActivityError:
    if "Courses" in root_children:
        return NotAnActivityError(source, "a TCX course (a planned route), not a recorded activity")
    if "Workouts" in root_children:
        return NotAnActivityError(source, "a TCX workout plan, not a recorded activity")
    return NotAnActivityError(source, "the TCX file holds no activity")


def _read_activity(scan: ActivityScan, index: int, source: str) -> _Read | None:
    """One ``<Activity>``; ``None`` when it has no usable time or no data at all."""
    notes: list[str] = []
    n_points = scan.time.size
    if not scan.laps and not n_points:
        return None
    timed = scan.time[~np.isnat(scan.time)]
    start, offset_s, naive = parse_time(scan.id_text)
    if not plausible_utc(start):
        first_lap = scan.laps[0].start_text if scan.laps else None
        start, offset_s, naive = parse_time(first_lap)
        if not plausible_utc(start) and timed.size:
            start, offset_s, naive = to_datetime(timed.min()), None, False
        if not plausible_utc(start):
            return None
        notes.append("the activity has no valid <Id> time; its start is the first recorded time")
    assert start is not None  # plausible_utc refuses None
    if naive or scan.n_naive:
        notes.append("times have no time zone; they were taken as UTC")

    sport, sub_sport = normalize_sport(scan.sport_text)
    laps, lap_distance, lap_timer, lap_end = _read_laps(scan.laps)
    end = max(
        [
            start,
            *([to_datetime(timed.max())] if timed.size else []),
            *([lap_end] if lap_end else []),
        ]
    )
    for k, lap in enumerate(laps):
        following = laps[k + 1].start_utc if k + 1 < len(laps) else end
        if lap.start_utc is not None and following is not None:
            lap.elapsed_s = max((following - lap.start_utc).total_seconds(), 0.0)

    avg_hr, max_hr = _stream_or_lap_hr(scan.heart_rate_bpm, scan.laps)
    fixes = np.flatnonzero(np.isfinite(scan.lat) & np.isfinite(scan.lon))
    device = (scan.device_text or "").strip() or None

    activity = Activity(
        source=source,
        format="tcx",
        start_utc=start,
        session_index=index,
        local_offset_s=offset_s,
        sport=sport,
        sub_sport=sub_sport,
        distance_m=_distance(lap_distance, scan, fixes.size, notes),
        elapsed_s=(end - start).total_seconds(),
        timer_s=lap_timer,
        ascent_m=scan.ascent_m,
        descent_m=scan.descent_m,
        device=device,
        n_records=n_points,
        start_lat=float(scan.lat[fixes[0]]) if fixes.size else None,
        start_lon=float(scan.lon[fixes[0]]) if fixes.size else None,
        avg_hr_bpm=avg_hr,
        max_hr_bpm=max_hr,
        laps=laps,
        speed_profile_m=_speed_profile(scan),
        notes=notes,
    )
    return _Read(activity=activity, scan=scan)


def _seconds(times: np.ndarray) -> np.ndarray:
    """UTC times as seconds since 1970 (NaN for NaT), as ``datetime.timestamp`` gives them."""
    microseconds = times.astype("datetime64[us]").astype(np.int64)
    return np.where(np.isnat(times), np.nan, microseconds / 1e6)


def _speed_profile(scan: ActivityScan) -> np.ndarray | None:
    """Sustained-speed profile from the trackpoints (track length where no DistanceMeters)."""
    if scan.time.size < 2:
        return None
    return speed_profile(_seconds(scan.time), _distance_column(scan))


def _distance_column(scan: ActivityScan) -> np.ndarray:
    """The trackpoints' ``DistanceMeters``, else (none at all) the cumulative track length."""
    return scan.track_m if scan.track_m is not None else scan.distance_m


def _read_laps(
    lap_scans: list[LapScan],
) -> tuple[list[Lap], float | None, float | None, datetime | None]:
    """Laps, the sum of their distances [m] and times [s], and the end of the last."""
    laps: list[Lap] = []
    distances: list[float] = []
    timers: list[float] = []
    lap_end: datetime | None = None
    for scan in lap_scans:
        start, _, _ = parse_time(scan.start_text)
        timer, distance = scan.timer_s, scan.distance_m
        if np.isfinite(distance):
            distances.append(distance)
        if np.isfinite(timer):
            timers.append(timer)
            if start is not None:
                lap_end = start + timedelta(seconds=timer)
        intensity = (scan.intensity_text or "").strip().lower()
        trigger = (scan.trigger_text or "").strip().lower()
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
    lap_distance: float | None, scan: ActivityScan, n_fixes: int, notes: list[str]
) -> float | None:
    """Sum of laps; else the last trackpoint distance; else the GPS track length [m]."""
    recorded = scan.distance_m[np.isfinite(scan.distance_m)]
    if lap_distance is not None and (lap_distance > 0 or not recorded.size):
        return lap_distance
    if recorded.size:
        return float(recorded.max())
    if n_fixes < 2 or scan.track_m is None:
        return None
    track = scan.track_m[np.isfinite(scan.track_m)]
    notes.append("the file gives no distance; it was measured along the GPS track")
    return float(track[-1])


def _stream_or_lap_hr(
    hr: np.ndarray, lap_scans: list[LapScan]
) -> tuple[float | None, float | None]:
    """Mean and max heart rate of the samples; else the laps' time-weighted values."""
    finite = hr[np.isfinite(hr)]
    if finite.size:
        return float(finite.mean()), float(finite.max())
    weighted = total = 0.0
    maxima = []
    for lap in lap_scans:
        average, timer = lap.avg_hr_bpm, lap.timer_s
        if np.isfinite(average) and np.isfinite(timer) and timer > 0:
            weighted += average * timer
            total += timer
        if np.isfinite(lap.max_hr_bpm):
            maxima.append(lap.max_hr_bpm)
    return (weighted / total if total else None), (max(maxima) if maxima else None)


def _records(scan: ActivityScan | None) -> pd.DataFrame:
    """The record frame of one activity's trackpoints (an empty frame for ``None``)."""
    if scan is None or not scan.time.size:
        no_time = pd.Series(np.array([], dtype="datetime64[s]")).dt.tz_localize(UTC)
        return pd.DataFrame(
            {name: no_time if name == "time_utc" else np.empty(0) for name in RECORD_COLUMNS}
        )
    n_points = scan.time.size
    timed = not np.isnat(scan.time).all()
    # As pandas reads the trackpoints' datetimes: microseconds, or seconds when none has a time.
    time_utc = pd.Series(scan.time if timed else scan.time.astype("datetime64[s]"))
    time_utc = time_utc.dt.tz_localize(UTC)
    elapsed = (time_utc - time_utc.min()).dt.total_seconds().to_numpy(dtype=float)
    lat, lon = scan.lat, scan.lon
    distance = _distance_column(scan)
    speed = scan.speed_mps
    if not np.isfinite(speed).any():
        if np.isfinite(lat).sum() >= 2:
            speed = speed_from_positions_mps(elapsed, lat, lon)
        else:
            speed = speed_from_distance_mps(elapsed, distance)
    columns = {
        "time_utc": time_utc,
        "distance_m": distance,
        "speed_mps": speed,
        "altitude_m": scan.altitude_m,
        "heart_rate_bpm": scan.heart_rate_bpm,
        "cadence_rpm": scan.cadence_rpm,
        "temperature_c": np.full(n_points, np.nan),
        "lat": lat,
        "lon": lon,
    }
    return pd.DataFrame({name: columns[name] for name in RECORD_COLUMNS})


# --- the reference reader: an ElementTree of the file -----------------------------


def _scan_reference(data: bytes, source: str) -> TcxScan:
    root = parse_xml(data, source)
    root_name = local_name(root.tag)
    if root_name != "TrainingCenterDatabase":
        raise UnsupportedFileError(source, _wrong_root_reason(root_name))
    return TcxScan(
        activities=[
            _scan_activity(element)
            for element in root.iter()
            if local_name(element.tag) == "Activity"
        ],
        root_children={local_name(element.tag) for element in root},
    )


def _scan_activity(element: Element) -> ActivityScan:
    """One ``<Activity>`` element, its laps and trackpoints read one by one."""
    lap_elements = _children(element, "Lap")
    points = [
        _read_trackpoint(point)
        for lap in lap_elements
        for track in _children(lap, "Track")
        for point in _children(track, "Trackpoint")
    ]
    laps = [
        LapScan(
            start_text=lap.get("StartTime"),
            timer_s=_float(lap, "TotalTimeSeconds"),
            distance_m=_float(lap, "DistanceMeters"),
            intensity_text=_text(lap, "Intensity"),
            trigger_text=_text(lap, "TriggerMethod"),
            avg_hr_bpm=_float(lap, "AverageHeartRateBpm", "Value"),
            max_hr_bpm=_float(lap, "MaximumHeartRateBpm", "Value"),
        )
        for lap in lap_elements
    ]
    altitudes: list[float | None] = [p.altitude for p in points if np.isfinite(p.altitude)]
    ascent = descent = None
    if altitudes:
        uphill, downhill = gpxpy.geo.calculate_uphill_downhill(altitudes)
        ascent, descent = float(uphill), float(downhill)
    lat = np.array([p.lat for p in points], dtype=float)
    lon = np.array([p.lon for p in points], dtype=float)
    distance = np.array([p.distance for p in points], dtype=float)
    return ActivityScan(
        sport_text=element.get("Sport"),
        id_text=_text(element, "Id"),
        device_text=_text(element, "Creator", "Name"),
        laps=laps,
        time=np.array(
            [None if p.time is None else p.time.replace(tzinfo=None) for p in points],
            dtype="datetime64[us]",
        ),
        n_naive=sum(p.naive for p in points),
        lat=lat,
        lon=lon,
        altitude_m=np.array([p.altitude for p in points], dtype=float),
        distance_m=distance,
        heart_rate_bpm=np.array([p.heart_rate for p in points], dtype=float),
        cadence_rpm=np.array([p.cadence for p in points], dtype=float),
        speed_mps=np.array([p.speed for p in points], dtype=float),
        ascent_m=ascent,
        descent_m=descent,
        track_m=(
            _cumulative_track_length(lat, lon)
            if points and not np.isfinite(distance).any()
            else None
        ),
    )


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


def _read_trackpoint(element: Element) -> _Trackpoint:
    time, _, naive = parse_time(_text(element, "Time"))
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
