"""Write a :class:`~loadwatch.synthetic.track.Track` as a FIT activity file (fit-tool).

The file has the layout of a watch recording: ``file_id``, timer-start
``event``, ``device_info``, the ``record`` messages with each ``lap`` written
right after its last record, a timer-stop ``event``, one ``session`` and the
``activity`` message (with ``local_timestamp``, the local wall time of the end,
unless the plan says otherwise).

fit-tool is a development dependency (``pip install loadwatch[dev]``); this is
the only module that imports it, so ``import loadwatch`` works without it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from loadwatch.synthetic.plan import PlannedRun
from loadwatch.synthetic.track import Track

#: FIT epoch (1989-12-31 00:00 UTC); ``local_timestamp`` counts local seconds from it.
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


def _ms(moment: datetime) -> int:
    """fit-tool's timestamp unit: milliseconds since 1970 (UTC)."""
    return round(moment.timestamp()) * 1000


def local_timestamp(end_utc: datetime, timezone: str) -> int:
    """FIT ``local_timestamp``: the local wall time of ``end_utc`` in ``timezone`` as
    seconds since the FIT epoch (DST-correct via :mod:`zoneinfo`)."""
    wall = end_utc.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    return round((wall - FIT_EPOCH).total_seconds())


def _stats(track: Track, start: int, end: int) -> dict[str, float | None]:
    """Summary of samples ``start..end`` (a lap or the whole activity)."""
    sl = slice(start + 1 if end > start else start, end + 1)
    elapsed = float(track.elapsed_s[end] - track.elapsed_s[start])
    distance = float(track.distance_m[end] - track.distance_m[start])
    out: dict[str, float | None] = {
        "elapsed": elapsed,
        "distance": distance,
        "avg_speed": distance / elapsed if elapsed > 0 else 0.0,
        "max_speed": float(track.speed_mps[sl].max()),
        "avg_hr": None,
        "max_hr": None,
        "avg_cad": None,
        "avg_temp": None,
        "max_temp": None,
    }
    if track.heart_rate_bpm is not None:
        out["avg_hr"] = round(float(track.heart_rate_bpm[sl].mean()))
        out["max_hr"] = int(track.heart_rate_bpm[sl].max())
    if track.cadence_rpm is not None:
        out["avg_cad"] = round(float(track.cadence_rpm[sl].mean()))
    if track.temperature_c is not None:
        out["avg_temp"] = round(float(track.temperature_c[sl].mean()))
        out["max_temp"] = int(track.temperature_c[sl].max())
    return out


def _fill_summary(
    message: Any, stats: dict, track: Track, start: int, end: int, run: PlannedRun
) -> None:
    """Set the fields laps and sessions share."""
    message.total_elapsed_time = stats["elapsed"]
    message.total_timer_time = stats["elapsed"]
    message.total_distance = stats["distance"]
    message.avg_speed = stats["avg_speed"]
    message.max_speed = stats["max_speed"]
    message.enhanced_avg_speed = stats["avg_speed"]
    message.enhanced_max_speed = stats["max_speed"]
    if stats["avg_hr"] is not None:
        message.avg_heart_rate = stats["avg_hr"]
        message.max_heart_rate = stats["max_hr"]
    if stats["avg_cad"] is not None:
        message.avg_cadence = stats["avg_cad"]
    if stats["avg_temp"] is not None:
        message.avg_temperature = stats["avg_temp"]
        message.max_temperature = stats["max_temp"]
    if track.altitude_m is not None and run.device != "strava":
        ascent, descent = track.ascent_descent_m(start, end)
        message.total_ascent = round(ascent)
        message.total_descent = round(descent)
    if track.lat is not None:
        message.start_position_lat = float(track.lat[start])
        message.start_position_long = float(track.lon[start])


def _record_factory(record_class: Any, names: set[str]) -> Any:
    """A maker of empty ``record`` messages holding only the fields ``names``.

    fit-tool's ``RecordMessage()`` builds all ~90 profile fields for every sample,
    which makes writing a file ten times slower; the file is the same either way
    (only fields that are set go into the definition), as long as the fields keep
    the profile's order, which this keeps.
    """
    from fit_tool.data_message import DataMessage

    template = record_class()
    field_classes = [type(f) for f in template.fields if f.name in names]
    if len(field_classes) != len(names):  # a fit-tool whose profile differs: play safe
        return record_class

    def make() -> Any:
        message = record_class.__new__(record_class)
        DataMessage.__init__(
            message,
            local_id=template.local_id,
            global_id=template.global_id,
            endian=template.endian,
            name=template.name,
            definition_message=None,
            fields=[cls(size=0, growable=True) for cls in field_classes],
            developer_fields=None,
        )
        return message

    return make


def fit_bytes(run: PlannedRun, track: Track, *, timezone: str) -> bytes:
    """Encode ``track`` of ``run`` as the bytes of a FIT activity file.

    Parameters
    ----------
    run
        The plan (start, sport, device, flags).
    track
        Its samples, from :func:`loadwatch.synthetic.track.simulate`.
    timezone
        IANA zone of ``run.start_local``; all FIT timestamps are UTC.

    Returns
    -------
    bytes
        A complete FIT file with header and CRC.
    """
    try:
        from fit_tool.fit_file_builder import FitFileBuilder
    except ImportError as exc:
        raise ImportError(
            "writing FIT files needs fit-tool, a development dependency: pip install -e '.[dev]'"
        ) from exc
    from fit_tool.profile.messages.activity_message import ActivityMessage
    from fit_tool.profile.messages.device_info_message import DeviceInfoMessage
    from fit_tool.profile.messages.event_message import EventMessage
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.lap_message import LapMessage
    from fit_tool.profile.messages.record_message import RecordMessage
    from fit_tool.profile.messages.session_message import SessionMessage
    from fit_tool.profile.profile_type import (
        Activity,
        Event,
        EventType,
        FileType,
        Intensity,
        LapTrigger,
        SessionTrigger,
        SourceType,
        Sport,
        SubSport,
        TimerTrigger,
    )

    start_utc = run.start_local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    start_ms = _ms(start_utc)
    end_utc = start_utc + timedelta(seconds=track.duration_s)
    end_ms = _ms(end_utc)
    ids = DEVICE_IDS[run.device]
    fields = RECORD_SPEED_ALTITUDE[run.device]
    sport = Sport[run.sport.upper()]
    sub_sport = SubSport[(run.sub_sport or "generic").upper()]

    builder = FitFileBuilder(auto_define=True)

    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = int(ids["manufacturer"])
    file_id.product = int(ids["product"])
    file_id.serial_number = int(ids["serial"])
    file_id.time_created = start_ms
    builder.add(file_id)

    event = EventMessage()
    event.timestamp = start_ms
    event.event = Event.TIMER
    event.event_type = EventType.START
    event.timer_trigger = TimerTrigger.MANUAL
    event.event_group = 0
    builder.add(event)

    device = DeviceInfoMessage()
    device.timestamp = start_ms
    device.device_index = 0  # the creator
    device.manufacturer = int(ids["manufacturer"])
    device.product = int(ids["product"])
    device.serial_number = int(ids["serial"])
    device.software_version = ids["software"]
    device.source_type = SourceType.LOCAL
    builder.add(device)

    record_fields = {"timestamp", "distance"}
    if track.lat is not None:
        record_fields |= {"position_lat", "position_long"}
    record_fields |= {"speed"} if "plain" in fields else set()
    record_fields |= {"enhanced_speed"} if "enhanced" in fields else set()
    if track.altitude_m is not None:
        record_fields |= {"altitude"} if "plain" in fields else set()
        record_fields |= {"enhanced_altitude"} if "enhanced" in fields else set()
    for name, stream in (
        ("heart_rate", track.heart_rate_bpm),
        ("cadence", track.cadence_rpm),
        ("temperature", track.temperature_c),
    ):
        if stream is not None:
            record_fields.add(name)
    new_record = _record_factory(RecordMessage, record_fields)

    lap_ends = {lap.end: (i, lap) for i, lap in enumerate(track.laps)}
    for i in range(len(track)):
        record = new_record()
        record.timestamp = start_ms + int(track.elapsed_s[i]) * 1000
        if track.lat is not None:
            record.position_lat = float(track.lat[i])
            record.position_long = float(track.lon[i])
        record.distance = float(track.distance_m[i])
        speed = float(track.speed_mps[i])
        if "plain" in fields:
            record.speed = speed
        if "enhanced" in fields:
            record.enhanced_speed = speed
        if track.altitude_m is not None:
            if "plain" in fields:
                record.altitude = float(track.altitude_m[i])
            if "enhanced" in fields:
                record.enhanced_altitude = float(track.altitude_m[i])
        if track.heart_rate_bpm is not None:
            record.heart_rate = int(track.heart_rate_bpm[i])
        if track.cadence_rpm is not None:
            record.cadence = int(track.cadence_rpm[i])
        if track.temperature_c is not None:
            record.temperature = int(track.temperature_c[i])
        builder.add(record)
        if i in lap_ends and i > 0:
            index, span = lap_ends[i]
            lap = LapMessage()
            lap.message_index = index
            lap.timestamp = record.timestamp
            lap.event = Event.LAP
            lap.event_type = EventType.STOP
            lap.start_time = start_ms + int(track.elapsed_s[span.start]) * 1000
            _fill_summary(lap, _stats(track, span.start, i), track, span.start, i, run)
            if track.lat is not None:
                lap.end_position_lat = float(track.lat[i])
                lap.end_position_long = float(track.lon[i])
            lap.intensity = Intensity[span.intensity.upper()]
            lap.lap_trigger = LapTrigger[span.trigger.upper()]
            lap.sport = sport
            lap.sub_sport = sub_sport
            builder.add(lap)

    event = EventMessage()
    event.timestamp = end_ms
    event.event = Event.TIMER
    event.event_type = EventType.STOP_ALL
    event.timer_trigger = TimerTrigger.MANUAL
    event.event_group = 0
    builder.add(event)

    last = len(track) - 1
    session = SessionMessage()
    session.message_index = 0
    session.timestamp = end_ms
    session.event = Event.SESSION
    session.event_type = EventType.STOP
    session.start_time = start_ms
    session.sport = sport
    session.sub_sport = sub_sport
    _fill_summary(session, _stats(track, 0, last), track, 0, last, run)
    session.first_lap_index = 0
    session.num_laps = len(track.laps)
    session.trigger = SessionTrigger.ACTIVITY_END
    builder.add(session)

    activity = ActivityMessage()
    activity.timestamp = end_ms
    activity.total_timer_time = float(track.duration_s)
    activity.num_sessions = 1
    activity.type = Activity.MANUAL
    activity.event = Event.ACTIVITY
    activity.event_type = EventType.STOP
    if run.with_local_timestamp:
        activity.local_timestamp = local_timestamp(end_utc, timezone)
    builder.add(activity)

    return builder.build().to_bytes()


def write_fit(run: PlannedRun, track: Track, path: Path, *, timezone: str) -> Path:
    """Write ``track`` as a FIT file at ``path`` (see :func:`fit_bytes`); returns ``path``."""
    path.write_bytes(fit_bytes(run, track, timezone=timezone))
    return path


__all__ = ["DEVICE_IDS", "RECORD_SPEED_ALTITUDE", "fit_bytes", "local_timestamp", "write_fit"]
