"""Write a :class:`~loadwatch.synthetic.track.Track` as a FIT activity file.

The file has the layout of a watch recording: ``file_id``, timer-start
``event``, ``device_info``, the ``record`` messages with each ``lap`` written
right after its last record, a timer-stop ``event``, one ``session`` and the
``activity`` message (with ``local_timestamp``, the local wall time of the end,
unless the plan says otherwise). Which speed and altitude fields the records
hold, and whether the summaries carry ascent, depends on the device
(:data:`RECORD_SPEED_ALTITUDE`).

The bytes come from :mod:`loadwatch.synthetic.fit_encoder`, which needs only
loadwatch's own dependencies: the records of a file are encoded as one numpy
array, so even a file of one record a second takes milliseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from loadwatch.synthetic.fit_encoder import FitFileWriter, fit_seconds, semicircles
from loadwatch.synthetic.plan import PlannedRun
from loadwatch.synthetic.track import Track

#: FIT epoch (1989-12-31 00:00) as a naive wall time: ``local_timestamp`` counts local
#: seconds from it.
FIT_EPOCH = datetime(1989, 12, 31)

#: What each device writes in ``file_id`` and ``device_info``: manufacturer and product
#: codes of the FIT profile (garmin = 1, Forerunner 255 = 3992; coros = 294;
#: strava = 265), a serial number and a software version.
DEVICE_IDS: dict[str, dict[str, float]] = {
    "garmin": {"manufacturer": 1, "product": 3992, "serial": 3412345678, "software": 19.18},
    "coros": {"manufacturer": 294, "product": 848, "serial": 2001234567, "software": 3.05},
    "strava": {"manufacturer": 265, "product": 0, "serial": 1, "software": 1.0},
}

#: Which speed/altitude record fields each device writes: a Forerunner writes only
#: ``enhanced_speed``/``enhanced_altitude``, COROS both, Strava only the plain ones.
RECORD_SPEED_ALTITUDE: dict[str, tuple[str, ...]] = {
    "garmin": ("enhanced",),
    "coros": ("plain", "enhanced"),
    "strava": ("plain",),
}


def local_timestamp(end_utc: datetime, timezone: str) -> int:
    """FIT ``local_timestamp``: the local wall time of ``end_utc`` in ``timezone`` as
    seconds since the FIT epoch (DST-correct via :mod:`zoneinfo`)."""
    wall = end_utc.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    return round((wall - FIT_EPOCH).total_seconds())


def _summary(track: Track, start: int, end: int, run: PlannedRun) -> dict[str, Any]:
    """Fields laps and sessions share, for samples ``start..end`` (``None``: not written)."""
    sl = slice(start + 1 if end > start else start, end + 1)
    elapsed = float(track.elapsed_s[end] - track.elapsed_s[start])
    distance = float(track.distance_m[end] - track.distance_m[start])
    avg_speed = distance / elapsed if elapsed > 0 else 0.0
    max_speed = float(track.speed_mps[sl].max())
    out: dict[str, Any] = {
        "start_position_lat": None,
        "start_position_long": None,
        "total_elapsed_time": elapsed,
        "total_timer_time": elapsed,
        "total_distance": distance,
        "avg_speed": avg_speed,
        "max_speed": max_speed,
        "avg_heart_rate": None,
        "max_heart_rate": None,
        "avg_cadence": None,
        "total_ascent": None,
        "total_descent": None,
        "avg_temperature": None,
        "max_temperature": None,
        "enhanced_avg_speed": avg_speed,
        "enhanced_max_speed": max_speed,
    }
    if track.lat is not None and track.lon is not None:
        out["start_position_lat"] = semicircles(track.lat[start])
        out["start_position_long"] = semicircles(track.lon[start])
    if track.heart_rate_bpm is not None:
        out["avg_heart_rate"] = round(float(track.heart_rate_bpm[sl].mean()))
        out["max_heart_rate"] = int(track.heart_rate_bpm[sl].max())
    if track.cadence_rpm is not None:
        out["avg_cadence"] = round(float(track.cadence_rpm[sl].mean()))
    if track.altitude_m is not None and run.device != "strava":
        ascent, descent = track.ascent_descent_m(start, end)
        out["total_ascent"] = round(ascent)
        out["total_descent"] = round(descent)
    if track.temperature_c is not None:
        out["avg_temperature"] = round(float(track.temperature_c[sl].mean()))
        out["max_temperature"] = int(track.temperature_c[sl].max())
    return out


def _record_streams(track: Track, device: str, start_s: int) -> dict[str, Any]:
    """The record fields of ``track`` as written by ``device``, one array per field."""
    kinds = RECORD_SPEED_ALTITUDE[device]
    streams: dict[str, Any] = {"timestamp": start_s + track.elapsed_s}
    if track.lat is not None and track.lon is not None:
        streams["position_lat"] = semicircles(track.lat)
        streams["position_long"] = semicircles(track.lon)
    if track.altitude_m is not None and "plain" in kinds:
        streams["altitude"] = track.altitude_m
    if track.heart_rate_bpm is not None:
        streams["heart_rate"] = track.heart_rate_bpm
    if track.cadence_rpm is not None:
        streams["cadence"] = track.cadence_rpm
    streams["distance"] = track.distance_m
    if "plain" in kinds:
        streams["speed"] = track.speed_mps
    if track.temperature_c is not None:
        streams["temperature"] = track.temperature_c
    if "enhanced" in kinds:
        streams["enhanced_speed"] = track.speed_mps
        if track.altitude_m is not None:
            streams["enhanced_altitude"] = track.altitude_m
    return streams


def fit_bytes(run: PlannedRun, track: Track, *, timezone: str) -> bytes:
    """Encode ``track`` of ``run`` as the bytes of a FIT activity file.

    Parameters
    ----------
    run
        The plan (start, sport, device, flags).
    track
        Its samples, from :func:`loadwatch.synthetic.track.simulate` (or any
        :class:`~loadwatch.synthetic.track.Track`).
    timezone
        IANA zone of ``run.start_local``; all FIT timestamps are UTC.

    Returns
    -------
    bytes
        A complete FIT file with header and CRC.
    """
    start_utc = run.start_local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    start_s = fit_seconds(start_utc)
    end_utc = start_utc + timedelta(seconds=track.duration_s)
    end_s = fit_seconds(end_utc)
    ids = DEVICE_IDS[run.device]
    sport, sub_sport = run.sport, run.sub_sport or "generic"
    manufacturer, product, serial = (int(ids[k]) for k in ("manufacturer", "product", "serial"))

    fit = FitFileWriter()
    fit.add(
        "file_id",
        type="activity",
        manufacturer=manufacturer,
        product=product,
        serial_number=serial,
        time_created=start_s,
    )
    timer = {"event": "timer", "timer_trigger": "manual", "event_group": 0}
    fit.add("event", timestamp=start_s, event_type="start", **timer)
    fit.add(
        "device_info",
        timestamp=start_s,
        device_index=0,  # the creator
        manufacturer=manufacturer,
        serial_number=serial,
        product=product,
        software_version=ids["software"],
        source_type="local",
    )

    streams = _record_streams(track, run.device, start_s)
    layout = fit.layout("record", list(streams))
    records = layout.rows(len(track), streams)
    lap_ends = {lap.end: (i, lap) for i, lap in enumerate(track.laps)}
    done = 0
    for end in sorted(e for e in lap_ends if e > 0):
        index, span = lap_ends[end]
        fit.add_rows(layout, records[done : end + 1])
        done = end + 1
        end_lat = end_lon = None
        if track.lat is not None and track.lon is not None:
            end_lat, end_lon = semicircles(track.lat[end]), semicircles(track.lon[end])
        fit.add(
            "lap",
            message_index=index,
            timestamp=start_s + int(track.elapsed_s[end]),
            event="lap",
            event_type="stop",
            start_time=start_s + int(track.elapsed_s[span.start]),
            **_summary(track, span.start, end, run),
            end_position_lat=end_lat,
            end_position_long=end_lon,
            intensity=span.intensity,
            lap_trigger=span.trigger,
            sport=sport,
            sub_sport=sub_sport,
        )
    fit.add_rows(layout, records[done:])

    fit.add("event", timestamp=end_s, event_type="stop_all", **timer)
    fit.add(
        "session",
        message_index=0,
        timestamp=end_s,
        event="session",
        event_type="stop",
        start_time=start_s,
        sport=sport,
        sub_sport=sub_sport,
        **_summary(track, 0, len(track) - 1, run),
        first_lap_index=0,
        num_laps=len(track.laps),
        trigger="activity_end",
    )
    fit.add(
        "activity",
        timestamp=end_s,
        total_timer_time=float(track.duration_s),
        num_sessions=1,
        type="manual",
        event="activity",
        event_type="stop",
        local_timestamp=local_timestamp(end_utc, timezone) if run.with_local_timestamp else None,
    )
    return fit.to_bytes()


def write_fit(run: PlannedRun, track: Track, path: Path, *, timezone: str) -> Path:
    """Write ``track`` as a FIT file at ``path`` (see :func:`fit_bytes`); returns ``path``."""
    path.write_bytes(fit_bytes(run, track, timezone=timezone))
    return path


__all__ = ["DEVICE_IDS", "RECORD_SPEED_ALTITUDE", "fit_bytes", "local_timestamp", "write_fit"]
