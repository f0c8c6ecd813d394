"""Write a :class:`~loadwatch.synthetic.track.Track` as a TCX file, as Garmin Connect exports it.

The layout is that of Garmin Connect's TCX export (two-space indentation, the
``ns2``–``ns5`` namespace declarations, times with ``.000Z``): one
``<Activity>`` whose ``<Id>`` is the UTC start, one ``<Lap>`` per lap of the
track, each with its totals (``TotalTimeSeconds``, ``DistanceMeters``,
``MaximumSpeed``, ``Calories``, heart rate, ``Intensity``, ``TriggerMethod``) and
its trackpoints, then an ``ns3:LX`` extension (average speed and run cadence),
and the device under ``<Creator>``. Each trackpoint holds ``Time``,
``Position``, ``AltitudeMeters``, ``DistanceMeters``, ``HeartRateBpm`` and an
ActivityExtension ``ns3:TPX`` with ``Speed`` and ``RunCadence``, as a Garmin
watch records them (positions, altitudes and distances at full precision).

Laps: the track's lap spans share their boundary sample; here the boundary
sample belongs to the lap it ends only for the last lap, so each sample is one
trackpoint. A lap's ``StartTime`` is its first sample's time; its
``TotalTimeSeconds`` and ``DistanceMeters`` run to the next lap's first sample,
so the laps add up to the track's duration and distance. TCX knows two
intensities (``Active``, ``Resting``: rest laps are ``Resting``) and triggers
``Manual``, ``Distance``, ``Location``, ``Time``, ``HeartRate`` (a session's
end is ``Manual``).

The file is produced in pieces (:func:`tcx_pieces`), so a track of hundreds of
thousands of samples is written in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from loadwatch.synthetic.plan import PlannedRun
from loadwatch.synthetic.track import LapSpan, Track

__all__ = ["DEVICE_NAMES", "TCX_SPORTS", "tcx_pieces", "tcx_text", "write_tcx"]

_TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<TrainingCenterDatabase\n"
    f'  xsi:schemaLocation="{_TCX_NS} http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd"\n'
    '  xmlns:ns5="http://www.garmin.com/xmlschemas/ActivityGoals/v1"\n'
    '  xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"\n'
    '  xmlns:ns2="http://www.garmin.com/xmlschemas/UserProfile/v2"\n'
    f'  xmlns="{_TCX_NS}"\n'
    '  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' xmlns:ns4="http://www.garmin.com/xmlschemas/ProfileExtension/v1">\n'
)
#: TCX ``Activity@Sport`` per sport (the schema knows only these three).
TCX_SPORTS = {"running": "Running", "cycling": "Biking"}
#: ``<Creator><Name>`` per device of the plan.
DEVICE_NAMES = {"garmin": "Forerunner 255", "coros": "COROS PACE 2", "strava": "Strava"}
_TRIGGERS = {"distance": "Distance", "time": "Time", "position": "Location"}
#: Energy written as a lap's ``Calories``: a rough 65 kcal per km (a heuristic).
_KCAL_PER_KM = 65.0
#: Samples formatted at once (bounds the memory of a long track).
_CHUNK = 10_000


def tcx_text(run: PlannedRun, track: Track, *, timezone: str) -> str:
    """Encode ``track`` of ``run`` as TCX text (see the module docstring).

    Parameters
    ----------
    run
        The plan (start, sport, device).
    track
        Its samples, from :func:`loadwatch.synthetic.track.simulate`.
    timezone
        IANA zone of ``run.start_local``; TCX times are UTC.

    Returns
    -------
    str
        The XML document.
    """
    return "".join(tcx_pieces(run, track, timezone=timezone))


def tcx_pieces(run: PlannedRun, track: Track, *, timezone: str) -> Iterator[str]:
    """The text of :func:`tcx_text` in pieces of at most 10,000 trackpoints."""
    start_utc = run.start_local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    yield _HEADER + (
        "  <Activities>\n"
        f'    <Activity Sport="{TCX_SPORTS.get(run.sport, "Other")}">\n'
        f"      <Id>{_time(start_utc)}</Id>\n"
    )
    for k, lap in enumerate(track.laps):
        last = k == len(track.laps) - 1
        stop = lap.end + 1 if last else lap.end  # the boundary sample opens the next lap
        yield _lap_head(track, lap, start_utc)
        for begin in range(lap.start, stop, _CHUNK):
            yield "".join(_trackpoints(track, start_utc, begin, min(begin + _CHUNK, stop)))
        yield _lap_tail(track, lap)
    yield (
        '      <Creator xsi:type="Device_t">\n'
        f"        <Name>{DEVICE_NAMES[run.device]}</Name>\n"
        "        <UnitId>3412345678</UnitId>\n"
        "        <ProductID>3992</ProductID>\n"
        "        <Version>\n"
        "          <VersionMajor>19</VersionMajor>\n"
        "          <VersionMinor>18</VersionMinor>\n"
        "          <BuildMajor>0</BuildMajor>\n"
        "          <BuildMinor>0</BuildMinor>\n"
        "        </Version>\n"
        "      </Creator>\n"
        "    </Activity>\n"
        "  </Activities>\n"
        '  <Author xsi:type="Application_t">\n'
        "    <Name>Connect Api</Name>\n"
        "    <LangID>en</LangID>\n"
        "    <PartNumber>006-D2449-00</PartNumber>\n"
        "  </Author>\n"
        "</TrainingCenterDatabase>\n"
    )


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _lap_samples(track: Track, lap: LapSpan) -> slice:
    """The samples a lap's averages are over: after its first one, to its end."""
    return slice(lap.start + 1 if lap.end > lap.start else lap.start, lap.end + 1)


def _lap_head(track: Track, lap: LapSpan, start_utc: datetime) -> str:
    seconds = float(track.elapsed_s[lap.end] - track.elapsed_s[lap.start])
    distance = float(track.distance_m[lap.end] - track.distance_m[lap.start])
    samples = _lap_samples(track, lap)
    moment = start_utc + timedelta(seconds=int(track.elapsed_s[lap.start]))
    parts = [
        f'      <Lap StartTime="{_time(moment)}">',
        f"        <TotalTimeSeconds>{seconds!r}</TotalTimeSeconds>",
        f"        <DistanceMeters>{distance!r}</DistanceMeters>",
        f"        <MaximumSpeed>{float(track.speed_mps[samples].max())!r}</MaximumSpeed>",
        f"        <Calories>{round(distance / 1000 * _KCAL_PER_KM)}</Calories>",
    ]
    if track.heart_rate_bpm is not None:
        heart_rate = track.heart_rate_bpm[samples]
        parts += [
            "        <AverageHeartRateBpm>",
            f"          <Value>{round(float(heart_rate.mean()))}</Value>",
            "        </AverageHeartRateBpm>",
            "        <MaximumHeartRateBpm>",
            f"          <Value>{int(heart_rate.max())}</Value>",
            "        </MaximumHeartRateBpm>",
        ]
    parts += [
        f"        <Intensity>{'Resting' if lap.intensity == 'rest' else 'Active'}</Intensity>",
        f"        <TriggerMethod>{_TRIGGERS.get(lap.trigger, 'Manual')}</TriggerMethod>",
        "        <Track>",
    ]
    return "\n".join(parts) + "\n"


def _lap_tail(track: Track, lap: LapSpan) -> str:
    seconds = float(track.elapsed_s[lap.end] - track.elapsed_s[lap.start])
    distance = float(track.distance_m[lap.end] - track.distance_m[lap.start])
    parts = [
        "        </Track>",
        "        <Extensions>",
        "          <ns3:LX>",
        f"            <ns3:AvgSpeed>{(distance / seconds if seconds else 0.0)!r}</ns3:AvgSpeed>",
    ]
    if track.cadence_rpm is not None:
        cadence = track.cadence_rpm[_lap_samples(track, lap)]
        parts += [
            f"            <ns3:AvgRunCadence>{round(float(cadence.mean()))}</ns3:AvgRunCadence>",
            f"            <ns3:MaxRunCadence>{int(cadence.max())}</ns3:MaxRunCadence>",
        ]
    parts += ["          </ns3:LX>", "        </Extensions>", "      </Lap>"]
    return "\n".join(parts) + "\n"


def _numbers(values: np.ndarray | None, begin: int, end: int) -> list[str] | None:
    if values is None:
        return None
    return [repr(v) for v in values[begin:end].astype(float).tolist()]


def _trackpoints(track: Track, start_utc: datetime, begin: int, end: int) -> Iterator[str]:
    """Samples ``begin..end-1`` as ``<Trackpoint>`` elements."""
    seconds = track.elapsed_s[begin:end].tolist()
    lat, lon = _numbers(track.lat, begin, end), _numbers(track.lon, begin, end)
    altitude = _numbers(track.altitude_m, begin, end)
    distance = _numbers(track.distance_m, begin, end)
    speed = _numbers(track.speed_mps, begin, end)
    heart_rate = None if track.heart_rate_bpm is None else track.heart_rate_bpm[begin:end].tolist()
    cadence = None if track.cadence_rpm is None else track.cadence_rpm[begin:end].tolist()
    assert distance is not None and speed is not None
    for k in range(end - begin):
        parts = [
            "          <Trackpoint>",
            f"            <Time>{_time(start_utc + timedelta(seconds=int(seconds[k])))}</Time>",
        ]
        if lat is not None and lon is not None:
            parts += [
                "            <Position>",
                f"              <LatitudeDegrees>{lat[k]}</LatitudeDegrees>",
                f"              <LongitudeDegrees>{lon[k]}</LongitudeDegrees>",
                "            </Position>",
            ]
        if altitude is not None:
            parts.append(f"            <AltitudeMeters>{altitude[k]}</AltitudeMeters>")
        parts.append(f"            <DistanceMeters>{distance[k]}</DistanceMeters>")
        if heart_rate is not None:
            parts += [
                "            <HeartRateBpm>",
                f"              <Value>{int(heart_rate[k])}</Value>",
                "            </HeartRateBpm>",
            ]
        parts += [
            "            <Extensions>",
            "              <ns3:TPX>",
            f"                <ns3:Speed>{speed[k]}</ns3:Speed>",
        ]
        if cadence is not None:
            parts.append(f"                <ns3:RunCadence>{int(cadence[k])}</ns3:RunCadence>")
        parts += [
            "              </ns3:TPX>",
            "            </Extensions>",
            "          </Trackpoint>",
        ]
        yield "\n".join(parts) + "\n"


def write_tcx(run: PlannedRun, track: Track, path: Path, *, timezone: str) -> Path:
    """Write ``track`` as a TCX file at ``path`` (UTF-8, see :func:`tcx_text`), in pieces."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for piece in tcx_pieces(run, track, timezone=timezone):
            out.write(piece)
    return path
