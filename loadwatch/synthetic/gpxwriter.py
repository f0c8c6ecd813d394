"""Write a :class:`~loadwatch.synthetic.track.Track` as a GPX 1.1 file, as a device or an app does.

A GPX track holds only the stream: one ``<trkpt>`` per sample with position,
``<ele>`` and UTC ``<time>``, and per app some extensions. There are no laps
or totals: a reader gets the distance from the positions, the ascent from the
elevations and the fast interval stretches from the times.

The text is written point by point from one template per *flavour*, shaped as
the corpus's real files are:

``device`` (the default)
    gpxpy's own layout (two-space indentation) with a Garmin
    ``TrackPointExtension`` (v1) carrying ``atemp`` (when a temperature is
    planned), ``hr`` and ``cad``. ``creator`` and ``<type>`` follow the device:
    Garmin Connect exports say ``creator="Garmin Connect"`` and
    ``<type>running</type>``; Strava exports say ``creator="StravaGPX"`` and give
    the sport as Strava's number (9 for a run, 1 for a ride, 16 for a swim).
``garmin_connect``
    Garmin Connect's export: the extension under the ``ns3`` prefix, positions
    and elevations at full double precision, times with ``.000Z``.
``strava``
    Strava's export: seven decimals, one-space indentation, the sport as a number.
``osmand``
    OsmAnd: no sensors; ``<hdop>`` and an ``osmand:speed`` extension.
``runkeeper``
    Runkeeper: one line per point, no extensions, no heart rate.
``phone``
    A phone app's export (the corpus's ``corriporai_runpandas/session`` files):
    times with microseconds, and points of four shapes interleaved: an
    elevation (full precision) on about one fix in six, a heart rate on about
    one in three, each independently, so the points of a file are not alike.

The file is produced in pieces (:func:`gpx_pieces`), so a track of a million
points is written in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

import numpy as np

from loadwatch.synthetic.plan import PlannedRun
from loadwatch.synthetic.track import Track

__all__ = [
    "CREATORS",
    "FLAVOURS",
    "GPXTPX_NS",
    "STRAVA_TYPES",
    "default_name",
    "gpx_pieces",
    "gpx_text",
    "write_gpx",
]

#: Namespace of Garmin's TrackPointExtension v1.
GPXTPX_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
_GPX_NS = "http://www.topografix.com/GPX/1/1"
_SCHEMAS = (
    f"{_GPX_NS} {_GPX_NS}/gpx.xsd {GPXTPX_NS} "
    "http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd"
)

#: ``creator`` attribute per device.
CREATORS = {"garmin": "Garmin Connect", "coros": "COROS", "strava": "StravaGPX"}
#: Strava's GPX ``<type>`` codes for the sports it exports (see loadwatch.importers.sports).
STRAVA_TYPES = {"running": "9", "cycling": "1", "swimming": "16"}
#: Points formatted at once (bounds the memory of a long track).
_CHUNK = 10_000


@dataclass(frozen=True)
class _Flavour:
    """How one device or app lays out its GPX."""

    creator: str | None  # None: from the device (CREATORS)
    namespaces: str  # extra xmlns declarations on <gpx>
    indent: str
    newline: str  # between the parts of a point
    prefix: str | None  # TrackPointExtension prefix; None: no sensors
    sensors: tuple[str, ...]  # of atemp, hr, cad, in this order
    coordinates: str  # "repr" (gpxpy: round 7 then repr), "full" (repr), "%.7f"
    elevation: str | None  # "repr1" (round 1), "full", None: no <ele>
    fraction: str  # after the seconds: "", ".000", ".%f"
    strava_type: bool
    osmand: bool = False
    #: Elevation and sensors on some points only (a phone's fixes and strap samples).
    sometimes: bool = False


_TPX = f' xmlns:gpxtpx="{GPXTPX_NS}"'
FLAVOURS: dict[str, _Flavour] = {
    "device": _Flavour(
        None,
        _TPX + ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        f' xsi:schemaLocation="{_SCHEMAS}"',
        "  ",
        "\n",
        "gpxtpx",
        ("atemp", "hr", "cad"),
        "repr",
        "repr1",
        "",
        False,
    ),
    "garmin_connect": _Flavour(
        "Garmin Connect",
        ' xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"'
        ' xmlns:ns2="http://www.garmin.com/xmlschemas/GpxExtensions/v3"',
        "  ",
        "\n",
        "ns3",
        ("atemp", "hr", "cad"),
        "full",
        "full",
        ".000",
        False,
    ),
    "strava": _Flavour(
        "StravaGPX",
        _TPX,
        " ",
        "\n",
        "gpxtpx",
        ("atemp", "hr", "cad"),
        "%.7f",
        "repr1",
        "",
        True,
    ),
    "osmand": _Flavour(
        "OsmAnd Maps 4.7.10",
        ' xmlns:osmand="https://osmand.net"',
        "\t",
        "\n",
        None,
        (),
        "%.7f",
        "repr1",
        "",
        False,
        osmand=True,
    ),
    "runkeeper": _Flavour(
        "Runkeeper - http://www.runkeeper.com",
        "",
        "",
        "",
        None,
        (),
        "%.6f",
        "repr1",
        "",
        False,
    ),
    "phone": _Flavour(
        None,
        _TPX,
        "  ",
        "\n",
        "gpxtpx",
        ("hr",),
        "full",
        "full",
        ".%f",
        False,
        sometimes=True,
    ),
}


def default_name(run: PlannedRun, place: str = "New York") -> str:
    """The title a device or site would give the activity."""
    if run.device == "strava":
        word = {"running": "Run", "cycling": "Ride", "swimming": "Swim"}.get(run.sport, "Activity")
        hour = run.start_local.hour
        part = "Morning" if hour < 12 else "Afternoon" if hour < 17 else "Evening"
        return f"{part} {word}"
    return f"{place} {run.sport.replace('_', ' ').title()}"


def gpx_text(run: PlannedRun, track: Track, *, timezone: str, flavour: str = "device") -> str:
    """Encode ``track`` of ``run`` as GPX 1.1 text.

    Parameters
    ----------
    run
        The plan (start, sport, device, name).
    track
        Its samples, from :func:`loadwatch.synthetic.track.simulate`; must have GPS.
    timezone
        IANA zone of ``run.start_local``; GPX times are UTC.
    flavour
        Which layout (a key of :data:`FLAVOURS`, see the module docstring).

    Returns
    -------
    str
        The XML document.
    """
    return "".join(gpx_pieces(run, track, timezone=timezone, flavour=flavour))


def gpx_pieces(
    run: PlannedRun, track: Track, *, timezone: str, flavour: str = "device"
) -> Iterator[str]:
    """The text of :func:`gpx_text` in pieces of at most 10,000 points."""
    if track.lat is None or track.lon is None or track.altitude_m is None:
        raise ValueError("a GPX file needs GPS positions")
    if flavour not in FLAVOURS:
        raise ValueError(f"flavour must be one of {sorted(FLAVOURS)}, not {flavour!r}")
    style = FLAVOURS[flavour]
    start_utc = run.start_local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    creator = style.creator or CREATORS[run.device]
    strava = style.strava_type or (flavour == "device" and run.device == "strava")
    sport = STRAVA_TYPES.get(run.sport, run.sport) if strava else run.sport
    name = run.name or default_name(run)
    i1, i2 = style.indent, style.indent * 2
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<gpx xmlns="{_GPX_NS}"{style.namespaces} version="1.1" creator={quoteattr(creator)}>\n'
        f"{i1}<metadata>\n{i2}<time>{_time(start_utc, style.fraction)}</time>\n{i1}</metadata>\n"
        f"{i1}<trk>\n{i2}<name>{escape(name)}</name>\n{i2}<type>{escape(sport)}</type>\n"
        f"{i2}<trkseg>\n"
    )
    for begin in range(0, len(track), _CHUNK):
        yield "".join(_points(track, start_utc, style, begin, min(begin + _CHUNK, len(track))))
    yield f"{i2}</trkseg>\n{i1}</trk>\n</gpx>"


def _time(moment: datetime, fraction: str) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S" + fraction) + "Z"


def _numbers(values: np.ndarray, how: str) -> list[str]:
    if how == "repr":
        return [repr(v) for v in np.round(values.astype(float), 7).tolist()]
    if how == "repr1":
        return [repr(v) for v in np.round(values.astype(float), 1).tolist()]
    if how == "full":
        return [repr(v) for v in values.astype(float).tolist()]
    return [how % v for v in values.astype(float).tolist()]


def _present(index: int) -> tuple[bool, bool]:
    """Whether point ``index`` of a phone's track has an elevation, and a heart rate.

    About one point in six and one in three, in a fixed scattered pattern (the
    four shapes of the corpus's phone files, interleaved point by point).
    """
    return (index * 7) % 19 < 3, (index * 5) % 17 < 6


def _points(track: Track, start: datetime, style: _Flavour, begin: int, end: int) -> Iterator[str]:
    """Each sample ``begin..end-1`` as a ``<trkpt>`` element."""
    assert track.lat is not None and track.lon is not None and track.altitude_m is not None
    lat = _numbers(track.lat[begin:end], style.coordinates)
    lon = _numbers(track.lon[begin:end], style.coordinates)
    ele = _numbers(track.altitude_m[begin:end], style.elevation) if style.elevation else None
    seconds = track.elapsed_s[begin:end].tolist()
    if style.fraction == ".%f":  # a phone's clock: the fix lands a little after the second
        seconds = [s + 0.116 for s in seconds]
    streams = {
        "atemp": track.temperature_c,
        "hr": track.heart_rate_bpm,
        "cad": track.cadence_rpm,
    }
    sensors = [
        (name, [str(int(v)) for v in values[begin:end].tolist()])
        for name, values in streams.items()
        if name in style.sensors and values is not None and style.prefix
    ]
    speed = [f"{v:.2f}" for v in track.speed_mps[begin:end].tolist()] if style.osmand else None
    n, i3 = style.newline, style.indent * 3
    i4, i5, i6 = i3 + style.indent, i3 + style.indent * 2, i3 + style.indent * 3
    for k in range(end - begin):
        moment = start + timedelta(seconds=seconds[k])
        parts = [f'{i3}<trkpt lat="{lat[k]}" lon="{lon[k]}">']
        with_ele, with_sensors = _present(begin + k) if style.sometimes else (True, True)
        if ele is not None and with_ele:
            parts.append(f"{i4}<ele>{ele[k]}</ele>")
        parts.append(f"{i4}<time>{_time(moment, style.fraction)}</time>")
        if speed is not None:
            parts.append(f"{i4}<hdop>4.0</hdop>")
            parts.append(
                f"{i4}<extensions>{n}{i5}<osmand:speed>{speed[k]}</osmand:speed>{n}{i4}</extensions>"
            )
        if sensors and with_sensors:
            p = style.prefix
            parts.append(f"{i4}<extensions>{n}{i5}<{p}:TrackPointExtension>")
            parts.extend(f"{i6}<{p}:{name}>{values[k]}</{p}:{name}>" for name, values in sensors)
            parts.append(f"{i5}</{p}:TrackPointExtension>{n}{i4}</extensions>")
        parts.append(f"{i3}</trkpt>")
        yield n.join(parts) + "\n"


def write_gpx(
    run: PlannedRun, track: Track, path: Path, *, timezone: str, flavour: str = "device"
) -> Path:
    """Write ``track`` as a GPX file at ``path`` (UTF-8, see :func:`gpx_text`), in pieces."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for piece in gpx_pieces(run, track, timezone=timezone, flavour=flavour):
            out.write(piece)
    return path
