"""Write a :class:`~loadwatch.synthetic.track.Track` as a GPX 1.1 file (gpxpy).

A GPX track holds only the stream: one ``<trkpt>`` per sample with position,
``<ele>``, UTC ``<time>`` and a Garmin ``TrackPointExtension`` (v1) carrying
``atemp`` (when a temperature is planned), ``hr`` and ``cad``. There are no
laps or totals: a reader gets the distance from the positions, the ascent from
the elevations and the fast interval stretches from the times.

The ``creator`` and ``<type>`` follow the device: Garmin Connect exports say
``creator="Garmin Connect"`` and ``<type>running</type>``; Strava exports say
``creator="StravaGPX"`` and give the sport as Strava's number (9 for a run,
1 for a ride, 16 for a swim).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import gpxpy.gpx

from loadwatch.synthetic.plan import PlannedRun
from loadwatch.synthetic.track import Track

#: Namespace of Garmin's TrackPointExtension v1.
GPXTPX_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
_TAG = "{" + GPXTPX_NS + "}"

#: ``creator`` attribute per device.
CREATORS = {"garmin": "Garmin Connect", "coros": "COROS", "strava": "StravaGPX"}
#: Strava's GPX ``<type>`` codes for the sports it exports (see loadwatch.importers.sports).
STRAVA_TYPES = {"running": "9", "cycling": "1", "swimming": "16"}


def default_name(run: PlannedRun, place: str = "New York") -> str:
    """The title a device or site would give the activity."""
    if run.device == "strava":
        word = {"running": "Run", "cycling": "Ride", "swimming": "Swim"}.get(run.sport, "Activity")
        hour = run.start_local.hour
        part = "Morning" if hour < 12 else "Afternoon" if hour < 17 else "Evening"
        return f"{part} {word}"
    return f"{place} {run.sport.replace('_', ' ').title()}"


def gpx_text(run: PlannedRun, track: Track, *, timezone: str) -> str:
    """Encode ``track`` of ``run`` as GPX 1.1 text.

    Parameters
    ----------
    run
        The plan (start, sport, device, name).
    track
        Its samples, from :func:`loadwatch.synthetic.track.simulate`; must have GPS.
    timezone
        IANA zone of ``run.start_local``; GPX times are UTC.

    Returns
    -------
    str
        The XML document.
    """
    if track.lat is None or track.lon is None or track.altitude_m is None:
        raise ValueError("a GPX file needs GPS positions")
    start_utc = run.start_local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)

    gpx = gpxpy.gpx.GPX()
    gpx.creator = CREATORS[run.device]
    gpx.nsmap["gpxtpx"] = GPXTPX_NS
    gpx.schema_locations = [
        "http://www.topografix.com/GPX/1/1",
        "http://www.topografix.com/GPX/1/1/gpx.xsd",
        GPXTPX_NS,
        "http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd",
    ]
    gpx.time = start_utc
    trk = gpxpy.gpx.GPXTrack(name=run.name or default_name(run))
    trk.type = STRAVA_TYPES.get(run.sport, run.sport) if run.device == "strava" else run.sport
    gpx.tracks.append(trk)
    segment = gpxpy.gpx.GPXTrackSegment()
    trk.segments.append(segment)

    for i in range(len(track)):
        point = gpxpy.gpx.GPXTrackPoint(
            latitude=round(float(track.lat[i]), 7),
            longitude=round(float(track.lon[i]), 7),
            elevation=round(float(track.altitude_m[i]), 1),
            time=start_utc + timedelta(seconds=int(track.elapsed_s[i])),
        )
        ext = ET.Element(_TAG + "TrackPointExtension")
        if track.temperature_c is not None:
            ET.SubElement(ext, _TAG + "atemp").text = str(int(track.temperature_c[i]))
        if track.heart_rate_bpm is not None:
            ET.SubElement(ext, _TAG + "hr").text = str(int(track.heart_rate_bpm[i]))
        if track.cadence_rpm is not None:
            ET.SubElement(ext, _TAG + "cad").text = str(int(track.cadence_rpm[i]))
        if len(ext):
            point.extensions.append(ext)
        segment.points.append(point)
    return gpx.to_xml(version="1.1")


def write_gpx(run: PlannedRun, track: Track, path: Path, *, timezone: str) -> Path:
    """Write ``track`` as a GPX file at ``path`` (UTF-8, see :func:`gpx_text`)."""
    path.write_bytes(gpx_text(run, track, timezone=timezone).encode("utf-8"))
    return path
