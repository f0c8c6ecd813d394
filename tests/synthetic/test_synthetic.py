"""The synthetic-athlete writer: real FIT/GPX files that read back as planned.

Files are written with the package's FIT encoder and gpxpy and read back with other parsers
(fitparse and fitdecode with CRC checks, gpxpy), never mocked. The last part
checks the sample story and that ``sample_data/`` on disk is exactly what the
generator writes now.
"""

from __future__ import annotations

import doctest
import itertools
import math
import subprocess
import sys
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import fitdecode
import fitparse
import gpxpy
import gpxpy.geo
import pytest
from hypothesis import given
from hypothesis import strategies as st

import loadwatch.synthetic.plan as plan_module
import loadwatch.synthetic.story as story_module
from loadwatch.synthetic import (
    Athlete,
    Intervals,
    PlannedRun,
    athlete_folder_name,
    build_weeks,
    file_name,
    ramp_km,
    sample_athlete,
    split_week,
    steady_weeks,
    unique_runs,
    weekly_totals,
    write_athlete,
    write_run,
    write_sample_data,
)
from loadwatch.synthetic.__main__ import main as synthetic_main
from loadwatch.synthetic.story import STORY_EVENTS, week_monday

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = PROJECT_ROOT / "sample_data"
NY = "America/New_York"
HOME = (40.7812, -73.9665)
GPXTPX = "{http://www.garmin.com/xmlschemas/TrackPointExtension/v1}"

# -- reading helpers -----------------------------------------------------------------


def fit_messages(path: Path) -> dict[str, list[dict]]:
    """All messages of a FIT file by name, as dicts of field values (fitparse, CRC on)."""
    out: dict[str, list[dict]] = {}
    fit = fitparse.FitFile(str(path), check_crc=True)
    for message in fit.get_messages():
        values = {f.name: f.value for f in message if f.value is not None}
        out.setdefault(message.name, []).append(values)
    return out


def written_record_fields(path: Path) -> set[str]:
    """Fields the file itself holds in its records (fitparse also adds fields it
    expands from components, e.g. ``enhanced_speed`` from ``speed``)."""
    fit = fitparse.FitFile(str(path), check_crc=True)
    record = next(iter(fit.get_messages("record")))
    return {f.name for f in record.fields if f.field_def is not None}


def utc(naive: datetime) -> datetime:
    """fitparse gives naive UTC datetimes."""
    return naive.replace(tzinfo=UTC)


def semicircles_to_deg(value: int) -> float:
    return value * 180.0 / 2**31


def haversine_length_m(points: list[tuple[float, float]]) -> float:
    return sum(
        gpxpy.geo.haversine_distance(a[0], a[1], b[0], b[1]) for a, b in itertools.pairwise(points)
    )


def write_one(run: PlannedRun, tmp_path: Path, tz: str = NY) -> Path:
    return write_run(run, tmp_path / file_name(run), timezone=tz, home=HOME)


# -- FIT files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start_local", "expected_utc_hour", "offset_h"),
    [
        (datetime(2026, 6, 1, 6, 30), 10, -4),  # EDT
        (datetime(2026, 10, 31, 7, 30), 11, -4),  # the day before DST ends
        (datetime(2026, 11, 1, 7, 30), 12, -5),  # DST ended at 02:00 that morning
        (datetime(2026, 11, 3, 6, 30), 11, -5),  # EST
    ],
)
def test_fit_start_and_local_timestamp_follow_dst(
    tmp_path: Path, start_local: datetime, expected_utc_hour: int, offset_h: int
) -> None:
    run = PlannedRun(start_local, 5.0)
    msgs = fit_messages(write_one(run, tmp_path))
    session = msgs["session"][0]
    start = utc(session["start_time"])
    assert start == datetime(
        start_local.year, start_local.month, start_local.day, expected_utc_hour, 30, tzinfo=UTC
    )
    assert utc(msgs["file_id"][0]["time_created"]) == start
    assert utc(msgs["record"][0]["timestamp"]) == start
    activity = msgs["activity"][0]
    offset = activity["local_timestamp"] - activity["timestamp"]
    assert offset == timedelta(hours=offset_h)
    assert activity["num_sessions"] == 1


def test_fit_easy_run_reads_back_as_planned(tmp_path: Path) -> None:
    run = PlannedRun(datetime(2026, 6, 1, 6, 30), 7.3, temperature_c=22.0, ascent_m=12.0)
    path = write_one(run, tmp_path)
    assert path.name == "2026-06-01-0630-run.fit"
    msgs = fit_messages(path)

    file_id = msgs["file_id"][0]
    assert file_id["type"] == "activity"
    assert file_id["manufacturer"] == "garmin"
    assert file_id["garmin_product"] == 3992
    assert msgs["device_info"][0]["serial_number"] == file_id["serial_number"]
    timer = [e for e in msgs["event"] if e["event"] == "timer"]
    assert [e["event_type"] for e in timer] == ["start", "stop_all"]

    session = msgs["session"][0]
    assert session["sport"] == "running"
    assert session["sub_sport"] == "generic"
    assert session["total_distance"] == pytest.approx(7300.0, abs=0.01)
    assert session["total_elapsed_time"] == session["total_timer_time"]
    # about the planned pace: 7.3 km at 5:30/km is 40:09
    assert session["total_elapsed_time"] == pytest.approx(7.3 * 330, rel=0.05)
    assert 120 < session["avg_heart_rate"] < session["max_heart_rate"] < 200
    assert session["total_ascent"] == pytest.approx(12, abs=1)
    assert session["total_descent"] == pytest.approx(12, abs=1)
    assert semicircles_to_deg(session["start_position_lat"]) == pytest.approx(HOME[0], abs=1e-6)

    records = msgs["record"]
    assert records[-1]["distance"] == pytest.approx(7300.0, abs=0.01)
    assert utc(records[-1]["timestamp"]) == utc(session["timestamp"])
    steps = {
        (b["timestamp"] - a["timestamp"]).total_seconds() for a, b in itertools.pairwise(records)
    }
    assert max(steps) == 5 and min(steps) >= 1
    # Forerunner-style records: enhanced fields only, and a temperature
    written = written_record_fields(path)
    assert {"enhanced_speed", "enhanced_altitude", "temperature", "heart_rate"} <= written
    assert not {"speed", "altitude"} & written
    assert all(20 <= r["temperature"] <= 24 for r in records)
    positions = [
        (semicircles_to_deg(r["position_lat"]), semicircles_to_deg(r["position_long"]))
        for r in records
    ]
    assert haversine_length_m(positions) == pytest.approx(7300.0, rel=0.005)

    laps = msgs["lap"]
    assert len(laps) == 8 == session["num_laps"]
    assert [lap["total_distance"] for lap in laps[:7]] == [1000.0] * 7
    assert laps[-1]["total_distance"] == pytest.approx(300.0, abs=0.01)
    assert [lap["lap_trigger"] for lap in laps] == ["distance"] * 7 + ["session_end"]
    assert {lap["intensity"] for lap in laps} == {"active"}
    assert sum(lap["total_timer_time"] for lap in laps) == session["total_timer_time"]
    assert utc(laps[0]["start_time"]) == utc(session["start_time"])


def test_fit_interval_run_has_workout_laps(tmp_path: Path) -> None:
    intervals = Intervals(reps=6, rep_m=800, rep_pace_s_per_km=240, recovery_s=120)
    run = PlannedRun(datetime(2026, 8, 19, 18, 30), 10.0, intervals=intervals)
    msgs = fit_messages(write_one(run, tmp_path))
    laps = msgs["lap"]
    expected = ["warmup"] + ["active", "rest"] * 5 + ["active", "cooldown"]
    assert [lap["intensity"] for lap in laps] == expected
    active = [lap for lap in laps if lap["intensity"] == "active"]
    assert all(lap["total_distance"] == pytest.approx(800.0, abs=0.01) for lap in active)
    # 800 m at 4:00/km is 192 s, give or take the seeded noise
    assert all(lap["total_elapsed_time"] == pytest.approx(192, rel=0.08) for lap in active)
    rest = [lap for lap in laps if lap["intensity"] == "rest"]
    assert all(lap["total_elapsed_time"] == 120 for lap in rest)
    assert all(lap["lap_trigger"] == "time" for lap in rest)
    easy_speed = 1000 / 330
    assert min(lap["avg_speed"] for lap in active) > 1.2 * easy_speed
    assert max(lap["avg_speed"] for lap in rest) < easy_speed
    assert sum(lap["total_distance"] for lap in laps) == pytest.approx(10000.0, abs=0.05)
    assert msgs["session"][0]["total_distance"] == pytest.approx(10000.0, abs=0.01)
    assert msgs["session"][0]["num_laps"] == len(expected)


@pytest.mark.parametrize("ascent_m", [250.0, 900.0])
def test_fit_session_ascent_matches_plan(tmp_path: Path, ascent_m: float) -> None:
    run = PlannedRun(datetime(2026, 8, 4, 6, 30), 12.0, ascent_m=ascent_m)
    session = fit_messages(write_one(run, tmp_path))["session"][0]
    assert session["total_ascent"] == pytest.approx(ascent_m, rel=0.10)
    assert session["total_descent"] == pytest.approx(ascent_m, rel=0.10)


def test_fit_variants_strava_coros_one_second_no_local_time(tmp_path: Path) -> None:
    strava = PlannedRun(
        datetime(2026, 7, 1, 6, 30),
        4.0,
        ascent_m=40,
        device="strava",
        with_local_timestamp=False,
        record_interval_s=1.0,
    )
    strava_path = write_one(strava, tmp_path)
    msgs = fit_messages(strava_path)
    assert msgs["file_id"][0]["manufacturer"] == "strava"
    session = msgs["session"][0]
    assert "total_ascent" not in session and "total_descent" not in session
    assert all("total_ascent" not in lap for lap in msgs["lap"])
    assert "local_timestamp" not in msgs["activity"][0]
    records = msgs["record"]
    written = written_record_fields(strava_path)
    assert {"speed", "altitude"} <= written
    assert not {"enhanced_speed", "enhanced_altitude", "temperature"} & written
    gaps = {
        (b["timestamp"] - a["timestamp"]).total_seconds() for a, b in itertools.pairwise(records)
    }
    assert gaps == {1.0}
    assert records[-1]["distance"] == pytest.approx(4000.0, abs=0.01)

    coros = PlannedRun(datetime(2026, 7, 2, 6, 30), 3.0, device="coros", heart_rate=False)
    coros_path = write_one(coros, tmp_path)
    coros_msgs = fit_messages(coros_path)
    assert coros_msgs["file_id"][0]["manufacturer"] in ("coros", 294)
    written = written_record_fields(coros_path)
    assert {"speed", "enhanced_speed", "altitude", "enhanced_altitude"} <= written
    assert "heart_rate" not in written
    assert "avg_heart_rate" not in coros_msgs["session"][0]


def test_fit_cross_training_and_pool_swim(tmp_path: Path) -> None:
    ride = PlannedRun(
        datetime(2026, 9, 12, 9, 0), 25.0, pace_s_per_km=130, sport="cycling", sub_sport="road"
    )
    ride_path = write_one(ride, tmp_path)
    assert ride_path.name == "2026-09-12-0900-ride.fit"
    ride_msgs = fit_messages(ride_path)
    assert ride_msgs["session"][0]["sport"] == "cycling"
    assert ride_msgs["session"][0]["sub_sport"] == "road"
    assert len(ride_msgs["lap"]) == 5  # auto laps every 5 km on the bike
    assert ride_msgs["session"][0]["avg_speed"] == pytest.approx(1000 / 130, rel=0.05)

    swim = PlannedRun(
        datetime(2026, 9, 16, 7, 0),
        1.5,
        pace_s_per_km=1300,
        sport="swimming",
        sub_sport="lap_swimming",
        gps=False,
    )
    swim_msgs = fit_messages(write_one(swim, tmp_path))
    session = swim_msgs["session"][0]
    assert (session["sport"], session["sub_sport"]) == ("swimming", "lap_swimming")
    assert "start_position_lat" not in session and "total_ascent" not in session
    assert all("position_lat" not in r for r in swim_msgs["record"])
    assert session["total_distance"] == pytest.approx(1500.0, abs=0.01)


def test_fitdecode_reads_the_files_with_crc_checks(tmp_path: Path) -> None:
    run = PlannedRun(
        datetime(2026, 8, 19, 18, 30),
        8.0,
        intervals=Intervals(4, 1000, 250, 90),
        temperature_c=29,
    )
    path = write_one(run, tmp_path)
    names = []
    with fitdecode.FitReader(
        str(path),
        check_crc=fitdecode.CrcCheck.RAISE,
        error_handling=fitdecode.ErrorHandling.RAISE,
    ) as reader:
        for frame in reader:
            if frame.frame_type == fitdecode.FIT_FRAME_DATA:
                names.append(frame.name)
                if frame.name == "session":
                    assert frame.get_value("total_distance") == pytest.approx(8000.0, abs=0.01)
    assert names[0] == "file_id" and names[-1] == "activity"
    assert names.count("lap") == 1 + 4 + 3 + 1


# -- GPX files ----------------------------------------------------------------------


def test_gpx_reads_back_as_planned(tmp_path: Path) -> None:
    run = PlannedRun(
        datetime(2026, 7, 7, 18, 30), 8.0, fmt="gpx", temperature_c=29.0, ascent_m=60.0
    )
    path = write_one(run, tmp_path)
    assert path.name == "2026-07-07-1830-run.gpx"
    gpx = gpxpy.parse(path.read_text(encoding="utf-8"))
    assert gpx.creator == "Garmin Connect"
    track = gpx.tracks[0]
    assert track.type == "running"
    assert track.name == "New York Running"
    assert track.length_2d() == pytest.approx(8000.0, rel=0.005)
    points = track.segments[0].points
    assert points[0].time == datetime(2026, 7, 7, 22, 30, tzinfo=UTC)  # EDT = UTC-4
    assert (points[0].latitude, points[0].longitude) == HOME
    assert all(p.elevation is not None for p in points)
    uphill, _ = track.get_uphill_downhill()
    assert uphill == pytest.approx(60.0, rel=0.10)
    ext = points[20].extensions[0]
    assert ext.tag == GPXTPX + "TrackPointExtension"
    values = {child.tag.removeprefix(GPXTPX): int(child.text) for child in ext}
    assert set(values) == {"atemp", "hr", "cad"}
    assert 27 <= values["atemp"] <= 31 and 100 < values["hr"] < 200 and 70 < values["cad"] < 95
    duration = (points[-1].time - points[0].time).total_seconds()
    assert duration == pytest.approx(8.0 * 330, rel=0.05)


def test_gpx_intervals_show_the_fast_stretches(tmp_path: Path) -> None:
    intervals = Intervals(reps=5, rep_m=1000, rep_pace_s_per_km=245, recovery_s=150)
    run = PlannedRun(datetime(2026, 8, 26, 18, 30), 10.0, fmt="gpx", intervals=intervals)
    gpx = gpxpy.parse(write_one(run, tmp_path).read_text(encoding="utf-8"))
    points = gpx.tracks[0].segments[0].points
    fast_s = 0.0
    fast_m = 0.0
    for a, b in itertools.pairwise(points):
        dt = (b.time - a.time).total_seconds()
        dist = b.distance_2d(a)
        if dist / dt > 1000 / 280:  # faster than 4:40/km
            fast_s += dt
            fast_m += dist
    assert fast_m == pytest.approx(5000, rel=0.10)
    assert fast_s == pytest.approx(5 * 245, rel=0.10)
    assert gpx.tracks[0].length_2d() == pytest.approx(10000, rel=0.005)


def test_strava_gpx_uses_strava_names(tmp_path: Path) -> None:
    run = PlannedRun(datetime(2026, 8, 1, 8, 0), 7.0, fmt="gpx", device="strava", heart_rate=False)
    gpx = gpxpy.parse(write_one(run, tmp_path).read_text(encoding="utf-8"))
    assert gpx.creator == "StravaGPX"
    assert gpx.tracks[0].type == "9"
    assert gpx.tracks[0].name == "Morning Run"
    ext = gpx.tracks[0].segments[0].points[5].extensions[0]
    assert {child.tag.removeprefix(GPXTPX) for child in ext} == {"cad"}


# -- determinism, athletes, settings -------------------------------------------------


def _small_athlete() -> Athlete:
    runs = steady_weeks(date(2026, 3, 2), weeks=2, km_per_week=20, runs_per_week=3, gpx_every=3)
    runs += [
        PlannedRun(
            datetime(2026, 3, 18, 18, 0),
            5.0,
            intervals=Intervals(3, 600, 250, 60),
            record_interval_s=1,
        ),
        PlannedRun(datetime(2026, 3, 21, 9, 0), 15.0, pace_s_per_km=120, sport="cycling"),
        PlannedRun(datetime(2026, 3, 22, 8, 0), 5.0, device="strava", temperature_c=8),
    ]
    return Athlete(
        "Test Runner",
        "Europe/Berlin",
        (52.52, 13.40),
        runs,
        shoes=[{"name": "Daily", "from": date(2026, 1, 1), "drop_mm": 8, "start_km": 12.5}],
    )


@pytest.fixture(scope="module")
def small_athlete_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_athlete(_small_athlete(), tmp_path_factory.mktemp("small") / "runner")


def test_write_athlete_is_byte_for_byte_deterministic(
    tmp_path: Path, small_athlete_files: list[Path]
) -> None:
    first = small_athlete_files
    second = write_athlete(_small_athlete(), tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    assert first[0].name == "loadwatch.toml"
    assert len(first) == 1 + 6 + 3
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    suffixes = [p.suffix for p in first[1:]]
    assert suffixes.count(".gpx") == 2
    # a different start gives a different recording
    moved = _small_athlete()
    moved.runs[0].start_local += timedelta(minutes=1)
    third = write_athlete(moved, tmp_path / "c")
    assert third[1].read_bytes() != first[1].read_bytes()


def test_write_athlete_settings_file(small_athlete_files: list[Path]) -> None:
    paths = small_athlete_files
    settings = tomllib.loads(paths[0].read_text(encoding="utf-8"))
    assert settings["athlete"] == {
        "name": "Test Runner",
        "timezone": "Europe/Berlin",
        "week_start": "monday",
        "units": "km",
    }
    assert settings["shoes"] == [
        {"name": "Daily", "from": date(2026, 1, 1), "drop_mm": 8, "start_km": 12.5}
    ]
    # Berlin is UTC+1 in March before the switch
    first = fit_messages(paths[1])
    assert utc(first["session"][0]["start_time"]) == datetime(2026, 3, 3, 5, 30, tzinfo=UTC)


def test_write_athlete_refuses_two_files_of_one_name(tmp_path: Path) -> None:
    run = PlannedRun(datetime(2026, 3, 3, 6, 30), 5.0)
    athlete = Athlete("Twin", NY, HOME, [run, PlannedRun(datetime(2026, 3, 3, 6, 30), 6.0)])
    with pytest.raises(ValueError, match=r"share the file name 2026-03-03-0630-run\.fit"):
        write_athlete(athlete, tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start_local": datetime(2026, 6, 1, 6, 30, tzinfo=UTC)}, "naive local wall time"),
        ({"distance_km": 0}, "positive distance"),
        ({"fmt": "tcx"}, "fmt must be one of"),
        ({"device": "polar"}, "device must be one of"),
        ({"fmt": "gpx", "gps": False}, "GPX file needs GPS"),
        ({"record_interval_s": 0.5}, "at least one second"),
        ({"intervals": Intervals(10, 1000, 240)}, "do not fit"),
    ],
)
def test_planned_run_rejects_impossible_plans(kwargs: dict, message: str) -> None:
    fields = {"start_local": datetime(2026, 6, 1, 6, 30), "distance_km": 8.0} | kwargs
    with pytest.raises(ValueError, match=message):
        PlannedRun(**fields)


def test_fit_and_gpx_are_written_with_runtime_dependencies_only(tmp_path: Path) -> None:
    """Writing FIT and GPX needs nothing beyond loadwatch's own dependencies: with
    fit-tool made unimportable, both files are written and read back as planned."""
    fit_path, gpx_path = tmp_path / "x.fit", tmp_path / "x.gpx"
    code = (
        "import sys; sys.modules['fit_tool'] = None\n"
        "import loadwatch, loadwatch.synthetic as s\n"
        "from datetime import datetime; from pathlib import Path\n"
        "r = s.PlannedRun(datetime(2026, 6, 1, 6, 30), 3.0, fmt='gpx')\n"
        f"s.write_run(r, Path({str(gpx_path)!r}), timezone='UTC', home=(51.5, -0.1))\n"
        f"s.write_run(s.PlannedRun(r.start_local, 3.0), Path({str(fit_path)!r}),"
        " timezone='UTC', home=(51.5, -0.1))\n"
        "assert 'fit_tool' not in {m.split('.')[0] for m in sys.modules if sys.modules[m]}\n"
    )
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    session = fit_messages(fit_path)["session"][0]
    assert session["total_distance"] == pytest.approx(3000.0, abs=0.01)
    assert utc(session["start_time"]) == datetime(2026, 6, 1, 6, 30, tzinfo=UTC)
    assert gpx_path.stat().st_size > 1000


# -- plan helpers ---------------------------------------------------------------------


def test_plan_module_examples() -> None:
    for module in (plan_module, story_module):
        failures, _ = doctest.testmod(module)
        assert failures == 0, module.__name__


@given(km=st.floats(min_value=2.0, max_value=200.0), runs=st.integers(min_value=1, max_value=7))
def test_split_week_sums_to_the_week(km: float, runs: int) -> None:
    parts = split_week(km, runs)
    assert len(parts) == runs
    assert sum(parts) == pytest.approx(km, abs=0.05 * runs + 0.05)
    if km >= 2 * runs:
        assert all(p > 0 for p in parts)


def test_build_weeks_layoff_and_weekly_totals() -> None:
    weeks = [30.0, 0.0, 0.0, 33.0]
    runs = build_weeks(date(2026, 6, 1), weeks, runs_per_week=4, ascent_m_per_km=2.0)
    totals = weekly_totals(runs)
    assert [t.distance_km for t in totals] == pytest.approx(weeks)
    assert [t.runs for t in totals] == [4, 0, 0, 4]
    assert totals[0].ascent_m == pytest.approx(60, abs=2)
    assert all(r.start_local.weekday() in (1, 3, 5, 6) for r in runs)
    assert max(runs[:4], key=lambda r: r.distance_km).start_local.weekday() == 6
    assert ramp_km(30, 5, 0.1, recovery_every=4) == [30.0, 33.0, 36.5, 25.5, 40.0]


def test_duplicates_count_once() -> None:
    run = PlannedRun(datetime(2026, 6, 6, 8, 0), 7.0)
    copy = PlannedRun(datetime(2026, 6, 6, 8, 0), 7.0, fmt="gpx", device="strava")
    assert unique_runs([copy, run]) == [run]
    assert weekly_totals([run, copy])[0].distance_km == 7.0


# -- the sample story ---------------------------------------------------------------


@pytest.fixture(scope="module")
def story_weeks() -> list:
    athlete = sample_athlete()
    return weekly_totals(athlete.runs, first_week=week_monday(1), last_week=week_monday(24))


def test_sample_athlete_settings() -> None:
    athlete = sample_athlete()
    assert (athlete.name, athlete.timezone, athlete.week_start, athlete.units) == (
        "Avery Stone",
        NY,
        "monday",
        "km",
    )
    assert athlete_folder_name(athlete) == "avery-stone"
    from timezonefinder import TimezoneFinder

    assert TimezoneFinder().timezone_at(lat=athlete.home[0], lng=athlete.home[1]) == NY
    trainer, racer = athlete.shoes
    assert (trainer["name"], trainer["drop_mm"], trainer["start_km"]) == ("Trainer A", 10, 400)
    assert (racer["name"], racer["drop_mm"]) == ("Racer B", 4)
    assert racer["from"] == week_monday(20) == date(2026, 10, 12)
    assert trainer["until"] == racer["from"] - timedelta(days=1)
    starts = sorted(r.start_local for r in athlete.runs)
    assert starts[0].date() == date(2026, 6, 1)
    assert starts[-1].date() == date(2026, 11, 15)


def test_sample_story_weekly_distances(story_weeks: list) -> None:
    km = [w.distance_km for w in story_weeks]
    assert km == [
        32, 32, 32, 32, 33, 46, 34, 34, 34, 34, 34, 34, 35, 34,
        0, 0, 0, 34, 34, 34, 36, 38.5, 41, 43.5,
    ]  # fmt: skip
    base = sum(km[1:5]) / 4
    assert km[5] / base == pytest.approx(1.40, abs=0.04)  # week 6: +40 %
    assert all(w.runs == 4 for w in story_weeks[:5])
    assert all(w.runs == 0 for w in story_weeks[14:17])  # layoff
    assert km[17] >= 0.5 * km[13]  # straight back at more than half the volume
    for previous, week in itertools.pairwise(km[19:24]):
        assert 0.05 <= week / previous - 1 <= 0.08


def test_sample_story_long_run_hills_and_intervals(story_weeks: list) -> None:
    runs = [r for r in unique_runs(sample_athlete().runs) if r.sport == "running"]
    long_run = max(runs, key=lambda r: r.distance_km)
    assert long_run.start_local == datetime(2026, 7, 26, 7, 0)
    assert long_run.distance_km == 20.0
    before = [
        r
        for r in runs
        if long_run.start_local - timedelta(days=30) <= r.start_local < long_run.start_local
    ]
    assert max(r.distance_km for r in before) <= 12.0

    ascents = [w.ascent_m for w in story_weeks]
    assert ascents[9] == pytest.approx(900, abs=20)  # week 10
    assert all(a < 100 for i, a in enumerate(ascents) if i != 9)

    sessions = [r for r in runs if r.intervals is not None]
    assert [(r.start_local.date(), r.fmt) for r in sessions] == [
        (date(2026, 8, 19), "fit"),
        (date(2026, 8, 26), "gpx"),
    ]
    assert sessions[0].intervals == Intervals(6, 800, 240, 120)


def test_sample_story_cross_training_hot_runs_duplicate_and_formats() -> None:
    athlete = sample_athlete()
    cross = [r for r in athlete.runs if r.sport != "running"]
    assert sorted(r.sport for r in cross) == ["cycling", "cycling", "swimming"]
    assert all(week_monday(15) <= r.start_local.date() < week_monday(18) for r in cross)
    hot = [r for r in athlete.runs if r.temperature_c is not None and r.temperature_c >= 27]
    assert len(hot) == 6
    assert all(r.start_local.month in (7, 8) and r.temperature_c <= 31 for r in hot)
    by_start: dict[datetime, list[PlannedRun]] = {}
    for run in athlete.runs:
        by_start.setdefault(run.start_local, []).append(run)
    twins = [group for group in by_start.values() if len(group) > 1]
    assert len(twins) == 1
    assert sorted((r.fmt, r.device) for r in twins[0]) == [("fit", "garmin"), ("gpx", "strava")]
    gpx_share = sum(r.fmt == "gpx" for r in athlete.runs) / len(athlete.runs)
    assert 1 / 7 <= gpx_share <= 1 / 4


def test_story_events_table_matches_the_plan() -> None:
    events = {e.key: e for e in STORY_EVENTS}
    athlete = sample_athlete()
    runs = [r for r in unique_runs(athlete.runs) if r.sport == "running"]
    # the shoe mileage crossings are where the table says
    start_km = athlete.shoes[0]["start_km"]
    total = start_km
    crossings = {}
    for run in runs:
        for key, miles in (("shoe-300mi", 300), ("shoe-500mi", 500)):
            if total < miles * 1.609344 <= total + run.distance_km:
                crossings[key] = run.start_local.date()
        total += run.distance_km
    assert crossings == {"shoe-300mi": events["shoe-300mi"].day, "shoe-500mi": date(2026, 8, 23)}
    assert events["shoe-500mi"].day == date(2026, 8, 23)
    assert events["long-run-spike"].day == date(2026, 7, 26)
    assert events["first-intervals"].day == date(2026, 8, 19)
    assert events["gpx-intervals"].day == date(2026, 8, 26)
    assert events["duplicate"].day == date(2026, 8, 1)
    assert events["shoe-drop-change"].day == athlete.shoes[1]["from"]
    assert (events["layoff"].week, events["layoff"].last_week) == (week_monday(15), week_monday(17))
    first_back = min(r.start_local for r in runs if r.start_local.date() >= week_monday(18))
    assert events["return-from-layoff"].day == first_back.date()
    assert events["dst-end"].day == date(2026, 11, 1)
    assert all(e.week.weekday() == 0 and e.week <= e.day for e in STORY_EVENTS)


# -- sample_data on disk ------------------------------------------------------------


@pytest.fixture(scope="session")
def fresh_sample(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sample data as the generator writes it now (about 15 s)."""
    return write_sample_data(tmp_path_factory.mktemp("sample"))


def test_committed_sample_data_equals_the_generator(fresh_sample: list[Path]) -> None:
    folder = SAMPLE_DIR / "avery-stone"
    assert folder.is_dir(), "run: python -m loadwatch.synthetic sample_data/"
    on_disk = sorted(p.name for p in folder.iterdir())
    assert on_disk == sorted(p.name for p in fresh_sample)
    drifted = [p.name for p in fresh_sample if (folder / p.name).read_bytes() != p.read_bytes()]
    assert not drifted, f"regenerate sample_data ({len(drifted)} files differ: {drifted[:3]})"
    total = sum(p.stat().st_size for p in folder.iterdir())
    assert total < 3_000_000


def test_sample_files_read_back_as_planned(fresh_sample: list[Path]) -> None:
    athlete = sample_athlete()
    by_name = {file_name(r): r for r in athlete.runs}
    assert {p.name for p in fresh_sample[1:]} == set(by_name)
    tz = ZoneInfo(athlete.timezone)
    for path in fresh_sample[1:]:
        run = by_name[path.name]
        start = run.start_local.replace(tzinfo=tz).astimezone(UTC)
        if run.fmt == "fit":
            msgs = fit_messages(path)
            session = msgs["session"][0]
            assert utc(session["start_time"]) == start, path.name
            assert session["total_distance"] == pytest.approx(run.distance_m, abs=0.01)
            assert session["sport"] == run.sport
            if run.gps:
                assert session["total_ascent"] == pytest.approx(run.ascent_m, rel=0.1, abs=1)
        else:
            gpx = gpxpy.parse(path.read_text(encoding="utf-8"))
            points = gpx.tracks[0].segments[0].points
            assert points[0].time == start, path.name
            assert gpx.tracks[0].length_2d() == pytest.approx(run.distance_m, rel=0.005)
    assert math.isclose(
        sum(r.distance_km for r in unique_runs(athlete.runs) if r.sport == "running"),
        741.0,
    )


def test_main_without_outdir_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert synthetic_main([]) == 2
    assert "usage: python -m loadwatch.synthetic OUTDIR" in capsys.readouterr().out
