"""TCX importer: the corpus manifest, hostile inputs, files written here."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree.ElementTree import ParseError
from zoneinfo import ZoneInfo

import gpxpy.geo
import numpy as np
import pytest

from loadwatch.errors import (
    ActivityFileError,
    CorruptFileError,
    EmptyFileError,
    NotAnActivityError,
    UnsafeFileError,
    UnsupportedFileError,
)
from loadwatch.importers.activity import RECORD_COLUMNS
from loadwatch.importers.sports import normalize_sport
from loadwatch.importers.tcx import read_tcx, read_tcx_records
from loadwatch.synthetic import PlannedRun
from loadwatch.synthetic.plan import Intervals
from loadwatch.synthetic.tcxwriter import DEVICE_NAMES, tcx_text
from loadwatch.synthetic.track import simulate

from support import CorpusFile, corpus_files, entity_bomb

TCX_ROWS = corpus_files("tcx")
MALFORMED = "corriporai_runpandas/malformed.tcx"
READABLE = [row for row in TCX_ROWS if row.file != MALFORMED]


def manifest_start(row: CorpusFile) -> datetime:
    return datetime.strptime(row.start_time_utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


# --- the corpus -------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("row", READABLE, ids=str)
def test_corpus_activity_matches_manifest(row: CorpusFile) -> None:
    (activity,) = read_tcx(row.path.read_bytes(), row.file)

    assert activity.format == "tcx"
    assert activity.session_index == 0
    assert activity.distance_m == pytest.approx(row.total_distance_m, rel=0.01)
    assert activity.start_utc.utcoffset() == timedelta(0)
    assert activity.start_utc.replace(microsecond=0) == manifest_start(row)
    expected_sport = normalize_sport(row.sport)[0]
    if expected_sport != "unknown":
        assert activity.sport == expected_sport
    assert activity.n_records == row.n_records
    laps = re.search(r"(\d+) laps", row.notes)
    assert laps is not None
    assert len(activity.laps) == int(laps.group(1))
    creator = re.search(r"creator: ([^;]+)", row.notes)
    if creator:
        assert activity.device == creator.group(1).strip()
    assert activity.timer_s is not None
    assert 0 < activity.timer_s <= activity.elapsed_s + 1
    assert activity.avg_hr_bpm is None or 40 < activity.avg_hr_bpm <= activity.max_hr_bpm < 230


@pytest.mark.corpus
@pytest.mark.parametrize("row", READABLE, ids=str)
def test_corpus_laps_and_records_are_consistent(row: CorpusFile) -> None:
    data = row.path.read_bytes()
    (activity,) = read_tcx(data, row.file)
    records = read_tcx_records(data, row.file)

    assert list(records.columns) == list(RECORD_COLUMNS)
    assert len(records) == activity.n_records
    assert records["time_utc"].dropna().is_monotonic_increasing
    distance = records["distance_m"].dropna().to_numpy()
    assert np.all(np.diff(distance) >= -0.01)
    assert distance[-1] == pytest.approx(activity.distance_m, rel=0.01)
    assert records["speed_mps"].dropna().max() < 20
    assert sum(lap.distance_m for lap in activity.laps) == pytest.approx(activity.distance_m)
    for lap in activity.laps:
        assert lap.intensity in {"active", "rest"}
        assert lap.trigger in {"manual", "distance", "location", "time", "heartrate"}
        assert lap.start_utc is not None and lap.start_utc >= activity.start_utc
        assert lap.elapsed_s is not None and lap.elapsed_s >= 0
    if records["heart_rate_bpm"].notna().any():
        assert records["heart_rate_bpm"].mean() == pytest.approx(activity.avg_hr_bpm)
        assert records["heart_rate_bpm"].max() == activity.max_hr_bpm
    if records["altitude_m"].notna().any():
        assert activity.ascent_m is not None and activity.descent_m is not None
    else:
        assert activity.ascent_m is None


@pytest.mark.corpus
def test_malformed_corpus_file_names_line_and_column(corpus_dir: Path) -> None:
    data = (corpus_dir / MALFORMED).read_bytes()
    with pytest.raises(CorruptFileError, match="line 4653, column 6") as caught:
        read_tcx(data, MALFORMED)
    assert "prefix" in caught.value.reason
    assert "\n" not in caught.value.reason
    assert isinstance(caught.value.__cause__, ParseError)


@pytest.mark.corpus
@pytest.mark.parametrize("row", TCX_ROWS, ids=str)
def test_every_corpus_file_reads_or_raises_an_activity_file_error(row: CorpusFile) -> None:
    data = row.path.read_bytes()
    try:
        activities = read_tcx(data, row.file)
        records = read_tcx_records(data, row.file)
    except ActivityFileError as exc:
        assert "\n" not in exc.reason
        assert Path(row.file).name not in exc.reason
        return
    assert activities
    assert len(records) == sum(a.n_records for a in activities)


@pytest.mark.corpus
def test_extension_speed_and_run_cadence_are_read(corpus_dir: Path) -> None:
    name = "thomaschampagne_elevate/20181021_run_3106033902.tcx"
    records = read_tcx_records((corpus_dir / name).read_bytes(), name)
    assert records["speed_mps"].iloc[0] == pytest.approx(1.371999979019165)
    assert records["cadence_rpm"].iloc[0] == 56
    # TomTom writes <x:TPX><Speed> with Speed in the TCX namespace: read all the same.
    name = "corriporai_runpandas/run.tcx"
    records = read_tcx_records((corpus_dir / name).read_bytes(), name)
    assert records["speed_mps"].iloc[3] == pytest.approx(1.38)


# --- files written here -----------------------------------------------------------

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX_NS = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
START = datetime(2024, 5, 4, 6, 0, tzinfo=UTC)


def trackpoints(
    start: datetime,
    n: int,
    *,
    distance0: float = 0.0,
    altitude: bool = True,
    hr0: int = 120,
    times: bool = True,
) -> str:
    """1 Hz trackpoints going north at 3 m/s with TPX speed and run cadence."""
    rows = []
    for i in range(n):
        moment = start + timedelta(seconds=i)
        rows.append(
            "<Trackpoint>"
            + (f"<Time>{moment:%Y-%m-%dT%H:%M:%S}Z</Time>" if times else "")
            + "<Position>"
            f"<LatitudeDegrees>{45 + (distance0 + 3 * i) / 111_195:.7f}</LatitudeDegrees>"
            "<LongitudeDegrees>7.0</LongitudeDegrees></Position>"
            + (f"<AltitudeMeters>{200 + (i % 10) * 0.8:.1f}</AltitudeMeters>" if altitude else "")
            + f"<DistanceMeters>{distance0 + 3 * i:.1f}</DistanceMeters>"
            f"<HeartRateBpm><Value>{hr0 + i % 20}</Value></HeartRateBpm>"
            "<Extensions><ns3:TPX><ns3:Speed>3.0</ns3:Speed>"
            "<ns3:RunCadence>88</ns3:RunCadence></ns3:TPX></Extensions>"
            "</Trackpoint>"
        )
    return "".join(rows)


def lap(
    start: datetime,
    n: int,
    *,
    distance0: float = 0.0,
    intensity: str = "Active",
    trigger: str = "Manual",
    distance: bool = True,
    **options: object,
) -> str:
    return (
        f'<Lap StartTime="{start:%Y-%m-%dT%H:%M:%S}Z">'
        f"<TotalTimeSeconds>{n:.1f}</TotalTimeSeconds>"
        + (f"<DistanceMeters>{3.0 * n:.1f}</DistanceMeters>" if distance else "")
        + f"<Intensity>{intensity}</Intensity><TriggerMethod>{trigger}</TriggerMethod>"
        f"<Track>{trackpoints(start, n, distance0=distance0, **options)}</Track></Lap>"
    )


def activity(sport: str, start: datetime, laps: str, *, creator: str = "Forerunner 965") -> str:
    return (
        f'<Activity Sport="{sport}"><Id>{start:%Y-%m-%dT%H:%M:%S}Z</Id>{laps}'
        f'<Creator xsi:type="Device_t"><Name>{creator}</Name></Creator></Activity>'
    )


def tcx_document(*activities: str, body: str | None = None) -> str:
    inner = body if body is not None else f"<Activities>{''.join(activities)}</Activities>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<TrainingCenterDatabase xmlns="{TCX_NS}" xmlns:ns3="{AX_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"{inner}</TrainingCenterDatabase>"
    )


def written(tmp_path: Path, name: str, content: str | bytes) -> tuple[Path, bytes, str]:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    data = path.read_bytes()
    return path, data, hashlib.sha256(data).hexdigest()


def unchanged(path: Path, digest: str) -> bool:
    return hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_written_run_with_laps(tmp_path: Path) -> None:
    second = START + timedelta(seconds=300)
    laps = lap(START, 300) + lap(
        second, 120, distance0=900, intensity="Resting", trigger="Distance", hr0=150
    )
    text = tcx_document(activity("Running", START, laps))
    path, data, digest = written(tmp_path, "run.tcx", text)

    (run,) = read_tcx(data, str(path))
    records = read_tcx_records(data, str(path))

    assert run.sport == "running"
    assert run.start_utc == START
    assert run.distance_m == pytest.approx(900 + 360)
    assert run.timer_s == 420
    assert run.elapsed_s == 420  # the last lap ends at 300 + 120 s, after its last point
    assert run.device == "Forerunner 965"
    assert run.n_records == 420
    assert [(x.intensity, x.trigger) for x in run.laps] == [
        ("active", "manual"),
        ("rest", "distance"),
    ]
    assert run.laps[0].elapsed_s == 300
    assert run.laps[0].avg_speed_mps == pytest.approx(3.0)
    hr = records["heart_rate_bpm"].to_numpy()
    assert run.avg_hr_bpm == pytest.approx(hr.mean())
    assert run.max_hr_bpm == 169
    altitudes = records["altitude_m"].tolist()
    uphill, downhill = gpxpy.geo.calculate_uphill_downhill(altitudes)
    assert run.ascent_m == pytest.approx(uphill)
    assert run.descent_m == pytest.approx(downhill)
    assert run.start_lat == pytest.approx(45.0)
    assert (records["speed_mps"] == 3.0).all()
    assert (records["cadence_rpm"] == 88).all()
    assert records["temperature_c"].isna().all()
    assert unchanged(path, digest)


def test_multisport_file_gives_one_activity_per_activity(tmp_path: Path) -> None:
    ride_start = START + timedelta(hours=1)
    text = tcx_document(
        body=(
            "<Activities><MultiSportSession><Id>2024-05-04T06:00:00Z</Id>"
            f"<FirstSport>{activity('Biking', START, lap(START, 60))}</FirstSport>"
            f"<NextSport>{activity('Running', ride_start, lap(ride_start, 30))}</NextSport>"
            "</MultiSportSession></Activities>"
        )
    )
    _, data, _ = written(tmp_path, "brick.tcx", text)
    ride, run = read_tcx(data, "brick.tcx")
    assert (ride.sport, ride.session_index, ride.start_utc) == ("cycling", 0, START)
    assert (run.sport, run.session_index, run.start_utc) == ("running", 1, ride_start)
    assert len(read_tcx_records(data, "brick.tcx")) == 90


def test_other_sport_is_unknown(tmp_path: Path) -> None:
    _, data, _ = written(tmp_path, "sup.tcx", tcx_document(activity("Other", START, lap(START, 5))))
    assert read_tcx(data, "sup.tcx")[0].sport == "unknown"


def test_distance_falls_back_to_the_last_trackpoint(tmp_path: Path) -> None:
    text = tcx_document(activity("Running", START, lap(START, 100, distance=False)))
    _, data, _ = written(tmp_path, "nolapdist.tcx", text)
    assert read_tcx(data, "nolapdist.tcx")[0].distance_m == pytest.approx(297.0)


def test_distance_falls_back_to_the_gps_track(tmp_path: Path) -> None:
    text = tcx_document(activity("Running", START, lap(START, 100, distance=False)))
    text = re.sub(r"<DistanceMeters>[^<]*</DistanceMeters>", "", text)
    _, data, _ = written(tmp_path, "gpsonly.tcx", text)
    (run,) = read_tcx(data, "gpsonly.tcx")
    records = read_tcx_records(data, "gpsonly.tcx")
    assert run.distance_m == pytest.approx(297.0, rel=0.01)
    assert any("measured along the GPS track" in note for note in run.notes)
    assert records["distance_m"].iloc[-1] == pytest.approx(run.distance_m)


def test_missing_altitudes_give_no_ascent(tmp_path: Path) -> None:
    text = tcx_document(activity("Running", START, lap(START, 50, altitude=False)))
    _, data, _ = written(tmp_path, "flat.tcx", text)
    (run,) = read_tcx(data, "flat.tcx")
    assert run.ascent_m is None and run.descent_m is None


def test_missing_id_falls_back_to_the_first_lap(tmp_path: Path) -> None:
    text = tcx_document(activity("Running", START, lap(START, 20))).replace(
        "<Id>2024-05-04T06:00:00Z</Id>", "<Id>my run</Id>"
    )
    _, data, _ = written(tmp_path, "noid.tcx", text)
    (run,) = read_tcx(data, "noid.tcx")
    assert run.start_utc == START
    assert any("no valid <Id>" in note for note in run.notes)


def test_naive_and_offset_times(tmp_path: Path) -> None:
    naive = tcx_document(activity("Running", START, lap(START, 10))).replace("Z<", "<")
    naive = naive.replace('Z"', '"')
    _, data, _ = written(tmp_path, "naive.tcx", naive)
    (run,) = read_tcx(data, "naive.tcx")
    assert run.start_utc == START
    assert any("no time zone" in note for note in run.notes)

    local = tcx_document(activity("Running", START, lap(START, 10))).replace(
        "<Id>2024-05-04T06:00:00Z</Id>", "<Id>2024-05-04T08:00:00.250+02:00</Id>"
    )
    _, data, _ = written(tmp_path, "local.tcx", local)
    (run,) = read_tcx(data, "local.tcx")
    assert run.start_utc == START + timedelta(milliseconds=250)
    assert run.local_offset_s == 7200


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("<Courses><Course><Name>Loop</Name></Course></Courses>", "course"),
        ("<Workouts><Workout Sport='Running'/></Workouts>", "workout"),
        ("<Activities/>", "holds no activity"),
    ],
)
def test_courses_and_workouts_are_not_activities(tmp_path: Path, body: str, words: str) -> None:
    _, data, _ = written(tmp_path, "plan.tcx", tcx_document(body=body))
    with pytest.raises(NotAnActivityError, match=words):
        read_tcx(data, "plan.tcx")


def test_activity_without_any_time_is_not_an_activity(tmp_path: Path) -> None:
    text = tcx_document(activity("Running", START, lap(START, 10, times=False)))
    text = text.replace("<Id>2024-05-04T06:00:00Z</Id>", "").replace(
        ' StartTime="2024-05-04T06:00:00Z"', ""
    )
    _, data, _ = written(tmp_path, "timeless.tcx", text)
    with pytest.raises(NotAnActivityError, match="no timestamps"):
        read_tcx(data, "timeless.tcx")


BILLION_LAUGHS = entity_bomb(
    f'<TrainingCenterDatabase xmlns="{TCX_NS}"><Author>&lol9;</Author></TrainingCenterDatabase>'
)


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        (BILLION_LAUGHS, UnsafeFileError, "entities"),
        (
            '<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            f'<TrainingCenterDatabase xmlns="{TCX_NS}"><Author>&x;</Author>'
            "</TrainingCenterDatabase>",
            UnsafeFileError,
            "refused for safety",
        ),
        ("", EmptyFileError, "empty"),
        ("not xml at all", CorruptFileError, "not XML"),
        ('<gpx xmlns="http://www.topografix.com/GPX/1/1"/>', UnsupportedFileError, "GPX file"),
        ("<html><body>Sign in</body></html>", UnsupportedFileError, "web page"),
    ],
)
def test_hostile_and_wrong_files(
    tmp_path: Path, content: str, error: type[ActivityFileError], words: str
) -> None:
    path, data, digest = written(tmp_path, "suspect.tcx", content)
    with pytest.raises(error, match=words) as caught:
        read_tcx(data, str(path))
    assert "\n" not in caught.value.reason
    assert unchanged(path, digest)


def test_truncated_tcx_names_line_and_column(tmp_path: Path) -> None:
    text = tcx_document(activity("Running", START, lap(START, 60)))
    path, data, digest = written(tmp_path, "cut.tcx", text[: len(text) // 2])
    with pytest.raises(CorruptFileError, match=r"line \d+, column \d+") as caught:
        read_tcx(data, str(path))
    assert isinstance(caught.value.__cause__, ParseError)
    assert unchanged(path, digest)


# --- the package's TCX writer -------------------------------------------------------


@pytest.mark.parametrize(
    "plan",
    [
        {"distance_km": 4.3},
        {"distance_km": 5.0, "intervals": Intervals(reps=4, rep_m=600, rep_pace_s_per_km=240)},
        {"distance_km": 12.0, "sport": "cycling", "pace_s_per_km": 150.0},
    ],
    ids=["steady", "intervals", "ride"],
)
def test_the_reference_reader_reads_the_writers_plan_back(plan: dict[str, object]) -> None:
    zone = "America/New_York"
    run = PlannedRun(datetime(2026, 6, 3, 6, 30), record_interval_s=1.0, **plan)  # type: ignore[arg-type]
    track = simulate(run, (40.78, -73.97))
    data = tcx_text(run, track, timezone=zone).encode()

    (activity,) = read_tcx(data, "written.tcx", decoder="reference")

    start = run.start_local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    assert activity.start_utc == start
    assert activity.sport == run.sport
    assert activity.distance_m == pytest.approx(run.distance_m, rel=1e-9)
    assert activity.timer_s == track.duration_s
    assert activity.elapsed_s == track.duration_s
    assert activity.n_records == len(track)
    assert activity.device == DEVICE_NAMES[run.device]
    assert len(activity.laps) == len(track.laps)
    for lap, span in zip(activity.laps, track.laps, strict=True):
        assert lap.start_utc == start + timedelta(seconds=int(track.elapsed_s[span.start]))
        planned_m = track.distance_m[span.end] - track.distance_m[span.start]
        assert lap.distance_m == pytest.approx(planned_m, rel=1e-12)
        assert lap.intensity == ("rest" if span.intensity == "rest" else "active")
        assert lap.trigger == {"distance": "distance", "time": "time"}.get(span.trigger, "manual")
    records = read_tcx_records(data, "written.tcx", decoder="reference")
    assert np.array_equal(records["distance_m"].to_numpy(), track.distance_m)
    assert np.array_equal(records["speed_mps"].to_numpy(), track.speed_mps)
    assert track.heart_rate_bpm is not None and track.cadence_rpm is not None
    assert np.array_equal(records["heart_rate_bpm"].to_numpy(), track.heart_rate_bpm)
    assert np.array_equal(records["cadence_rpm"].to_numpy(), track.cadence_rpm)
    seconds = (records["time_utc"] - records["time_utc"].iloc[0]).dt.total_seconds()
    assert np.array_equal(seconds.to_numpy(), track.elapsed_s)
