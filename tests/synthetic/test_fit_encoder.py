"""The package's FIT encoder: what it writes reads back, through fitparse, as the plan.

Each plan is simulated into a :class:`~loadwatch.synthetic.Track`, encoded by
:func:`loadwatch.synthetic.fitwriter.fit_bytes` and decoded by fitparse (the
reference decoder, CRCs checked); every expected value is computed here from
the track, the plan and the device table, field by field. The low-level
writer (:mod:`loadwatch.synthetic.fit_encoder`) is then checked on what the
activity writer does not use: sub-fields, more than sixteen layouts, raw
device-relative times, a multisport file, and its refusals.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import fitdecode
import fitparse
import numpy as np
import pytest

from loadwatch.importers.fit.reader import read_fit
from loadwatch.synthetic import Intervals, PlannedRun, Track, simulate
from loadwatch.synthetic.fit_encoder import (
    SEMICIRCLES_PER_DEGREE,
    FitFileWriter,
    InterleavedLayout,
    MessageLayout,
    crc16,
    fit_seconds,
)
from loadwatch.synthetic.fitwriter import DEVICE_IDS, RECORD_SPEED_ALTITUDE, fit_bytes

ZONE = "America/New_York"
HOME = (40.7812, -73.9665)

PLANS = {
    "garmin-easy-hot": PlannedRun(
        datetime(2026, 6, 1, 6, 30), 7.3, temperature_c=27.0, ascent_m=60.0
    ),
    "garmin-intervals": PlannedRun(
        datetime(2026, 8, 19, 18, 30), 8.0, intervals=Intervals(4, 1000, 250, 90)
    ),
    "strava-1s-no-local-time": PlannedRun(
        datetime(2026, 7, 1, 6, 30),
        4.0,
        ascent_m=40,
        device="strava",
        with_local_timestamp=False,
        record_interval_s=1.0,
    ),
    "coros-no-heart-rate": PlannedRun(
        datetime(2026, 11, 1, 7, 30), 3.0, device="coros", heart_rate=False, ascent_m=25
    ),
    "ride": PlannedRun(
        datetime(2026, 9, 12, 9, 0), 25.0, pace_s_per_km=130, sport="cycling", sub_sport="road"
    ),
    "pool-swim": PlannedRun(
        datetime(2026, 9, 16, 7, 0),
        1.5,
        pace_s_per_km=1300,
        sport="swimming",
        sub_sport="lap_swimming",
        gps=False,
    ),
}


def _messages(data: bytes) -> list[fitparse.DataMessage]:
    return list(fitparse.FitFile(data, check_crc=True).get_messages())


def _raw(message: fitparse.DataMessage) -> dict[str, object]:
    """Field values as stored (enum codes, semicircles), only fields the file holds, under
    the field's own name (fitparse names ``product`` after the manufacturer)."""
    return {f.field_def.field.name: f.raw_value for f in message.fields if f.field_def}


def _values(message: fitparse.DataMessage) -> dict[str, object]:
    return {f.name: f.value for f in message.fields if f.field_def is not None}


@pytest.fixture(scope="module", params=sorted(PLANS))
def written(request: pytest.FixtureRequest) -> tuple[PlannedRun, Track, list]:
    run = PLANS[request.param]
    track = simulate(run, HOME)
    return run, track, _messages(fit_bytes(run, track, timezone=ZONE))


def _start_utc(run: PlannedRun) -> datetime:
    return run.start_local.replace(tzinfo=ZoneInfo(ZONE)).astimezone(UTC)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)  # fitparse gives naive UTC


def _mean_of_samples(stream: np.ndarray, start: int, end: int) -> int:
    """Lap and session averages cover samples start+1..end (the step into each)."""
    return round(float(stream[start + 1 : end + 1].mean()))


def test_message_order_is_a_watch_recording(written) -> None:
    _, track, messages = written
    names = [m.name for m in messages]
    assert names[:3] == ["file_id", "event", "device_info"]
    assert names[-3:] == ["event", "session", "activity"]
    assert names.count("record") == len(track)
    assert names.count("lap") == len(track.laps)
    # each lap comes right after its last record
    record_positions = [i for i, n in enumerate(names) if n == "record"]
    for lap_position, span in zip(
        [i for i, n in enumerate(names) if n == "lap"], track.laps, strict=True
    ):
        assert record_positions[span.end] == lap_position - 1


def test_file_id_device_and_events(written) -> None:
    run, track, messages = written
    ids = DEVICE_IDS[run.device]
    start, end = _start_utc(run), _start_utc(run) + timedelta(seconds=track.duration_s)
    file_id = _raw(messages[0])
    assert file_id == {
        "type": 4,  # activity
        "manufacturer": ids["manufacturer"],
        "product": ids["product"],
        "serial_number": ids["serial"],
        "time_created": fit_seconds(start),
    }
    device = _values(next(m for m in messages if m.name == "device_info"))
    assert device["software_version"] == pytest.approx(ids["software"])
    assert (device["device_index"], device["source_type"]) == ("creator", "local")
    events = [_values(m) for m in messages if m.name == "event"]
    assert [(e["event"], e["event_type"], e["timestamp"]) for e in events] == [
        ("timer", "start", _naive(start)),
        ("timer", "stop_all", _naive(end)),
    ]
    assert {e["timer_trigger"] for e in events} == {"manual"}  # a sub-field of ``data``


def test_records_hold_the_track(written) -> None:
    run, track, messages = written
    records = [m for m in messages if m.name == "record"]
    stored = {f.name for f in records[0].fields if f.field_def is not None}
    kinds = RECORD_SPEED_ALTITUDE[run.device]
    expected = {"timestamp", "distance"}
    expected |= {"speed"} if "plain" in kinds else set()
    expected |= {"enhanced_speed"} if "enhanced" in kinds else set()
    if run.gps:
        expected |= {"position_lat", "position_long"}
        expected |= {"altitude"} if "plain" in kinds else set()
        expected |= {"enhanced_altitude"} if "enhanced" in kinds else set()
    expected |= {"heart_rate"} if run.heart_rate else set()
    expected |= {"cadence"} if track.cadence_rpm is not None else set()
    expected |= {"temperature"} if run.temperature_c is not None else set()
    assert stored == expected
    values = [_values(r) for r in records]
    start = _start_utc(run)
    assert [v["timestamp"] for v in values] == [
        _naive(start + timedelta(seconds=int(s))) for s in track.elapsed_s
    ]
    column = {
        name: np.array([v[name] for v in values], dtype=float) for name in stored - {"timestamp"}
    }
    np.testing.assert_allclose(column["distance"], track.distance_m, atol=0.005)  # 1/100 m
    for name in {"speed", "enhanced_speed"} & stored:
        np.testing.assert_allclose(column[name], track.speed_mps, atol=0.0005)  # 1/1000 m/s
    for name in {"altitude", "enhanced_altitude"} & stored:
        np.testing.assert_allclose(column[name], track.altitude_m, atol=0.1)  # 1/5 m
    if run.gps:
        np.testing.assert_array_equal(
            column["position_lat"], np.rint(track.lat * SEMICIRCLES_PER_DEGREE)
        )
        np.testing.assert_array_equal(
            column["position_long"], np.rint(track.lon * SEMICIRCLES_PER_DEGREE)
        )
    for name, stream in (
        ("heart_rate", track.heart_rate_bpm),
        ("cadence", track.cadence_rpm),
        ("temperature", track.temperature_c),
    ):
        if stream is not None:
            np.testing.assert_array_equal(column[name], stream)


def _check_summary(summary: dict, run: PlannedRun, track: Track, start: int, end: int) -> None:
    """Fields laps and sessions share, against samples ``start..end`` of the track."""
    t0 = _start_utc(run)
    elapsed = float(track.elapsed_s[end] - track.elapsed_s[start])
    distance = float(track.distance_m[end] - track.distance_m[start])
    assert summary["start_time"] == _naive(t0 + timedelta(seconds=int(track.elapsed_s[start])))
    assert summary["timestamp"] == _naive(t0 + timedelta(seconds=int(track.elapsed_s[end])))
    assert summary["total_elapsed_time"] == summary["total_timer_time"] == elapsed
    assert summary["total_distance"] == pytest.approx(distance, abs=0.005)
    assert summary["avg_speed"] == summary["enhanced_avg_speed"]
    assert summary["avg_speed"] == pytest.approx(distance / elapsed, abs=0.0005)
    top = float(track.speed_mps[start + 1 : end + 1].max())
    assert summary["max_speed"] == summary["enhanced_max_speed"]
    assert summary["max_speed"] == pytest.approx(top, abs=0.0005)
    assert (summary["sport"], summary["sub_sport"]) == (run.sport, run.sub_sport or "generic")
    if track.heart_rate_bpm is None:
        assert "avg_heart_rate" not in summary and "max_heart_rate" not in summary
    else:
        assert summary["avg_heart_rate"] == _mean_of_samples(track.heart_rate_bpm, start, end)
        assert summary["max_heart_rate"] == track.heart_rate_bpm[start + 1 : end + 1].max()
    if track.temperature_c is None:
        assert "avg_temperature" not in summary
    else:
        assert summary["avg_temperature"] == _mean_of_samples(track.temperature_c, start, end)
        assert summary["max_temperature"] == track.temperature_c[start + 1 : end + 1].max()
    if not run.gps or run.device == "strava":  # Strava-made files carry no ascent
        assert "total_ascent" not in summary and "total_descent" not in summary
    else:
        ascent, descent = track.ascent_descent_m(start, end)
        assert (summary["total_ascent"], summary["total_descent"]) == (
            round(ascent),
            round(descent),
        )
    if run.gps:
        assert summary["start_position_lat"] == round(track.lat[start] * SEMICIRCLES_PER_DEGREE)
    else:
        assert "start_position_lat" not in summary


def test_laps_follow_the_track_spans(written) -> None:
    run, track, messages = written
    laps = [_values(m) for m in messages if m.name == "lap"]
    for index, (lap, span) in enumerate(zip(laps, track.laps, strict=True)):
        assert lap["message_index"] == index
        assert (lap["event"], lap["event_type"]) == ("lap", "stop")
        assert (lap["intensity"], lap["lap_trigger"]) == (span.intensity, span.trigger)
        _check_summary(lap, run, track, span.start, span.end)


def test_session_and_activity(written) -> None:
    run, track, messages = written
    session = _values(next(m for m in messages if m.name == "session"))
    assert (session["event"], session["trigger"]) == ("session", "activity_end")
    assert (session["first_lap_index"], session["num_laps"]) == (0, len(track.laps))
    assert session["total_distance"] == pytest.approx(run.distance_m, abs=0.01)
    _check_summary(session, run, track, 0, len(track) - 1)
    activity = _values(messages[-1])
    end = _start_utc(run) + timedelta(seconds=track.duration_s)
    assert activity["timestamp"] == _naive(end)
    assert activity["total_timer_time"] == track.duration_s
    assert (activity["num_sessions"], activity["type"]) == (1, "manual")
    if run.with_local_timestamp:
        wall = end.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None)
        assert activity["local_timestamp"] == wall
    else:
        assert "local_timestamp" not in activity


def test_loadwatch_reads_the_plan_back(written) -> None:
    run, track, _ = written
    (activity,) = read_fit(fit_bytes(run, track, timezone=ZONE), "written.fit")
    assert activity.start_utc == _start_utc(run)
    assert activity.sport == run.sport
    assert activity.distance_m == pytest.approx(run.distance_m, abs=0.01)
    assert activity.elapsed_s == track.duration_s
    assert activity.n_records == len(track)


# --- the low-level writer ------------------------------------------------------------


def test_header_and_file_crcs_are_fits_crc16() -> None:
    fit = FitFileWriter()
    fit.add("file_id", type="activity", manufacturer="development", product=0)
    data = fit.to_bytes()
    size, _, _, data_size, magic = struct.unpack_from("<BBHI4s", data)
    assert (size, magic, len(data)) == (14, b".FIT", 14 + data_size + 2)
    assert struct.unpack_from("<H", data, 12)[0] == crc16(data[:12])
    assert struct.unpack_from("<H", data, len(data) - 2)[0] == crc16(data[:-2])
    assert crc16(data) == 0  # a FIT file with its CRC appended checks to zero
    with fitdecode.FitReader(
        data, check_crc=fitdecode.CrcCheck.RAISE, error_handling=fitdecode.ErrorHandling.RAISE
    ) as reader:
        frames = [f for f in reader if f.frame_type == fitdecode.FIT_FRAME_DATA]
    assert [f.name for f in frames] == ["file_id"]


def test_more_than_sixteen_layouts_reuse_local_types() -> None:
    fit = FitFileWriter()
    start = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)
    fit.add("file_id", type="activity", manufacturer="development", product=0)
    # Twenty record layouts (a growing set of fields), written twice each, interleaved.
    names = ["heart_rate", "cadence", "distance", "temperature", "altitude"]
    layouts = [[n for bit, n in enumerate(names) if mask >> bit & 1] for mask in range(1, 21)]
    expected = []
    for repeat in range(2):
        for i, fields in enumerate(layouts):
            values = {"heart_rate": 100 + i, "cadence": 80, "distance": 10.0 * i}
            values |= {"temperature": -3, "altitude": 12.4}
            row = {n: values[n] for n in fields}
            moment = start + timedelta(seconds=repeat * 100 + i)
            fit.add("record", timestamp=moment, **row)
            expected.append({"timestamp": moment.replace(tzinfo=None), **row})
    records = [_values(m) for m in _messages(fit.to_bytes()) if m.name == "record"]
    assert len(records) == len(expected)
    for got, want in zip(records, expected, strict=True):
        assert got.keys() == want.keys()
        assert got.pop("timestamp") == want.pop("timestamp")
        for key, value in want.items():
            assert got[key] == pytest.approx(value, abs=0.1), key


def test_raw_times_multisport_sessions_and_unknown_codes() -> None:
    """A bike-then-run file written field by field: loadwatch reads two activities."""
    t0 = fit_seconds(datetime(2026, 5, 3, 7, 0, tzinfo=UTC))
    fit = FitFileWriter()
    fit.add("file_id", type="activity", manufacturer=255, product=0, time_created=t0)
    legs = [("cycling", 0, 600, 5000.0), ("running", 660, 1260, 2000.0)]
    for _sport, begin, end, metres in legs:
        for second in range(begin, end + 1, 60):
            share = (second - begin) / (end - begin)
            fit.add("record", timestamp=t0 + second, distance=share * metres)
    for index, (sport, begin, end, metres) in enumerate(legs):
        fit.add(
            "session",
            message_index=index,
            timestamp=t0 + end,
            start_time=t0 + begin,
            total_elapsed_time=end - begin,
            total_timer_time=end - begin,
            total_distance=metres,
            sport=sport,
        )
    fit.add("activity", timestamp=t0 + 1260, num_sessions=2, local_timestamp=t0 + 1260 + 7200)
    ride, run = read_fit(fit.to_bytes(), "brick.fit")
    assert (ride.sport, run.sport) == ("cycling", "running")
    assert ride.start_utc == datetime(2026, 5, 3, 7, 0, tzinfo=UTC)
    assert run.start_utc == datetime(2026, 5, 3, 7, 11, tzinfo=UTC)
    assert (ride.distance_m, run.distance_m) == (5000.0, 2000.0)
    assert {ride.local_offset_s, run.local_offset_s} == {7200}
    assert ride.device.startswith("development")


@pytest.mark.parametrize(
    ("message", "fields", "error"),
    [
        ("recrod", {"timestamp": 0}, "no message 'recrod'"),
        ("record", {"heart_rte": 1}, "no field 'heart_rte' in 'record'"),
        ("session", {"sport": "parkour"}, "session.sport: the FIT profile has no 'parkour'"),
        ("record", {"heart_rate": datetime(2026, 1, 1, tzinfo=UTC)}, "heart_rate is not a time"),
        ("file_id", {"product_name": "x"}, "strings and byte arrays are not written"),
    ],
)
def test_what_the_profile_does_not_have_is_refused(message, fields, error) -> None:
    with pytest.raises(ValueError, match=error):
        FitFileWriter().add(message, **fields)


def test_rows_of_another_layout_are_refused() -> None:
    fit = FitFileWriter()
    heart = fit.layout("record", ["timestamp", "heart_rate"])
    other = MessageLayout("record", 1, ["timestamp", "distance"])
    rows = other.rows(2, {"timestamp": [1, 2], "distance": [0.0, 3.0]})
    with pytest.raises(ValueError, match="not encoded with this layout"):
        fit.add_rows(heart, rows)


def test_interleaved_layouts_write_one_message_of_each_per_row() -> None:
    """``record`` then ``hrv`` every second, as a Garmin watch with a chest strap writes."""
    pairs = InterleavedLayout(
        MessageLayout("record", 14, ("timestamp", "heart_rate")),
        MessageLayout("hrv", 15, ("time",)),
    )
    start = fit_seconds(datetime(2026, 5, 1, 7, 0, tzinfo=UTC))
    writer = FitFileWriter()
    writer.add("file_id", type="activity", manufacturer="garmin", product=1)
    beats = np.array([0.5, 0.52, 0.48])
    writer.add_rows(
        pairs,
        pairs.rows(3, [{"timestamp": start + np.arange(3), "heart_rate": 120}, {"time": beats}]),
    )
    messages = [
        (m.name, m.get_values()) for m in fitparse.FitFile(writer.to_bytes()).get_messages()
    ]
    assert [name for name, _ in messages] == ["file_id"] + ["record", "hrv"] * 3
    assert [values["heart_rate"] for name, values in messages if name == "record"] == [120] * 3
    assert [values["time"] for name, values in messages if name == "hrv"] == [0.5, 0.52, 0.48]


def test_interleaved_layouts_need_their_own_local_types() -> None:
    record = MessageLayout("record", 3, ("timestamp",))
    with pytest.raises(ValueError, match="local message type each"):
        InterleavedLayout(record, MessageLayout("hrv", 3, ("time",)))


def test_a_field_written_in_another_size_keeps_its_type() -> None:
    """COROS's ``event.data`` (uint32) in 1 byte: fitparse refuses it, fitdecode reads bytes."""
    event = MessageLayout(
        "event", 13, ("timestamp", "event", "event_type", "data"), sizes={"data": 1}
    )
    definition = event.definition()
    data_field = definition[-3:]
    assert data_field == bytes([3, 1, 0x86])  # field 3, 1 byte, base type uint32 (0x86)
    moment = fit_seconds(datetime(2026, 5, 1, 7, 0, tzinfo=UTC))
    values = {"timestamp": moment, "event": "timer", "event_type": "marker", "data": 7}
    assert event.rows(1, values).tobytes() == event.encode(**values)
    assert event.encode(**values)[-1:] == b"\x07"
    with pytest.raises(ValueError, match="1, 2, 4 or 8"):
        MessageLayout("event", 13, ("timestamp", "data"), sizes={"data": 3})
    with pytest.raises(ValueError, match="not written"):
        MessageLayout("event", 13, ("timestamp",), sizes={"data": 1})
