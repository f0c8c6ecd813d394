"""GPX importer and safe XML: the corpus manifest, hostile inputs, files written here."""

from __future__ import annotations

import csv
import gzip
import hashlib
import math
import re
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree.ElementTree import ParseError

import gpxpy
import gpxpy.gpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import loadwatch as lw
from loadwatch.errors import (
    ActivityFileError,
    CorruptFileError,
    EmptyFileError,
    NotAnActivityError,
    UnsafeFileError,
    UnsupportedFileError,
)
from loadwatch.importers.activity import RECORD_COLUMNS
from loadwatch.importers.gpx import read_gpx, read_gpx_records, speed_from_positions_mps
from loadwatch.importers.sports import normalize_sport
from loadwatch.importers.xmlsafe import check_xml_safe

from support import MANIFEST, CorpusFile, corpus_files, entity_bomb

GPX_ROWS = corpus_files("gpx", "gpx.gz")

#: Corpus files that are not recorded activities: the error and words of its reason.
NOT_ACTIVITIES: dict[str, tuple[type[ActivityFileError], str]] = {
    # <rte> only: a planned course.
    "tkrajina_gpxpy/route.gpx": (NotAnActivityError, "planned route"),
    # One <wpt>, nothing else (the byte-order mark itself is read fine).
    "tkrajina_gpxpy/unicode_with_bom.gpx": (NotAnActivityError, "only waypoints"),
    # A test file of every GPX 1.0 field: a single timed track point.
    "tkrajina_gpxpy/gpx1.0_with_all_fields.gpx": (NotAnActivityError, "only one track point"),
    # The cerknicko track with times stripped; 5 leftover times.
    "tkrajina_gpxpy/cerknicko-without-times.gpx": (NotAnActivityError, "only 5 of 296"),
    # BaseCamp planning export: one time on 10 points.
    "ticofab_android-gpx-parser/garminBaseCampExport.gpx": (NotAnActivityError, "only 1 of 10"),
    "ticofab_android-gpx-parser/garminBaseCampExport-noclosingtag.gpx": (
        CorruptFileError,
        "line 204, column 0",
    ),
    # GraphHopper route: arrival estimates on the 22 turn points.
    "tkrajina_gpxgo/graphhopper.gpx.gz": (NotAnActivityError, "only 22 of 171"),
    # One point dated 1901-12-13 (the 32-bit time minimum): a clock never set.
    "tkrajina_gpxgo/gpx-without-root-attributes.gpx": (CorruptFileError, "implausible"),
}
READABLE = [row for row in GPX_ROWS if row.file not in NOT_ACTIVITIES]
BROKEN = [row for row in GPX_ROWS if row.file in NOT_ACTIVITIES]


def corpus_bytes(row: CorpusFile) -> bytes:
    data = row.path.read_bytes()
    return gzip.decompress(data) if row.format == "gpx.gz" else data


def manifest_start(row: CorpusFile) -> datetime:
    return datetime.strptime(row.start_time_utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def manifest_flags(row: CorpusFile) -> dict[str, bool]:
    """The manifest's true/false columns of a file (not in :class:`CorpusFile`)."""
    with MANIFEST.open(newline="", encoding="utf-8") as fh:
        line = next(line for line in csv.DictReader(fh) if line["file"] == row.file)
    return {key: value == "true" for key, value in line.items() if key.startswith("has_")}


def note_value(row: CorpusFile, pattern: str) -> str | None:
    found = re.search(pattern, row.notes)
    return found.group(1) if found else None


# --- the corpus -------------------------------------------------------------------


@pytest.mark.corpus
def test_every_listed_non_activity_is_in_the_manifest(corpus_dir: Path) -> None:
    assert set(NOT_ACTIVITIES) <= {row.file for row in GPX_ROWS}


@pytest.mark.corpus
@pytest.mark.parametrize("row", READABLE, ids=str)
def test_corpus_activity_matches_manifest(row: CorpusFile) -> None:
    (activity,) = read_gpx(corpus_bytes(row), row.file)

    assert activity.format == "gpx"
    assert activity.distance_m == pytest.approx(row.total_distance_m, rel=0.01, abs=0.05)
    assert activity.start_utc.utcoffset() == timedelta(0)
    assert activity.start_utc.replace(microsecond=0) == manifest_start(row)
    expected_sport = normalize_sport(row.sport)[0]
    if expected_sport != "unknown":
        assert activity.sport == expected_sport
    assert activity.n_records == row.n_records
    assert activity.elapsed_s is not None and activity.elapsed_s >= 0
    assert activity.timer_s is not None and activity.timer_s <= activity.elapsed_s + 1
    creator = note_value(row, r"creator: ([^;]+)")
    if creator:
        assert activity.device == creator.strip()
    track_name = note_value(row, r"trk name '([^']+)'")
    if track_name:
        assert activity.name == track_name
    assert activity.start_lat is not None and activity.start_lon is not None


@pytest.mark.corpus
@pytest.mark.parametrize("row", READABLE, ids=str)
def test_corpus_summary_fields_follow_the_manifest_flags(row: CorpusFile) -> None:
    (activity,) = read_gpx(corpus_bytes(row), row.file)
    flags = manifest_flags(row)
    assert (activity.ascent_m is not None) == flags["has_altitude"]
    assert (activity.descent_m is not None) == flags["has_altitude"]
    assert (activity.avg_hr_bpm is not None) == flags["has_hr"]
    if flags["has_hr"]:
        assert 40 < activity.avg_hr_bpm <= activity.max_hr_bpm < 230


@pytest.mark.corpus
@pytest.mark.parametrize("row", BROKEN, ids=str)
def test_corpus_non_activities_raise_the_right_error(row: CorpusFile) -> None:
    error_class, words = NOT_ACTIVITIES[row.file]
    with pytest.raises(error_class, match=re.escape(words)) as caught:
        read_gpx(corpus_bytes(row), row.file)
    assert type(caught.value) is error_class
    assert caught.value.path == row.file
    with pytest.raises(error_class):
        read_gpx_records(corpus_bytes(row), row.file)


@pytest.mark.corpus
def test_truncated_corpus_file_keeps_the_parser_error_as_cause(corpus_dir: Path) -> None:
    path = corpus_dir / "ticofab_android-gpx-parser/garminBaseCampExport-noclosingtag.gpx"
    with pytest.raises(CorruptFileError, match="cut short") as caught:
        read_gpx(path.read_bytes(), str(path))
    assert isinstance(caught.value.__cause__, ParseError)


@pytest.mark.corpus
@pytest.mark.parametrize("row", GPX_ROWS, ids=str)
def test_every_corpus_file_reads_or_raises_an_activity_file_error(row: CorpusFile) -> None:
    data = corpus_bytes(row)
    try:
        activities = read_gpx(data, row.file)
        records = read_gpx_records(data, row.file)
    except ActivityFileError as exc:
        assert "\n" not in exc.reason
        assert Path(row.file).name not in exc.reason
        return
    assert len(activities) == 1
    assert list(records.columns) == list(RECORD_COLUMNS)
    assert len(records) == activities[0].n_records


@pytest.mark.corpus
@pytest.mark.parametrize("row", READABLE, ids=str)
def test_corpus_records_are_consistent(row: CorpusFile) -> None:
    data = corpus_bytes(row)
    (activity,) = read_gpx(data, row.file)
    records = read_gpx_records(data, row.file)

    times = records["time_utc"].dropna()
    assert times.is_monotonic_increasing
    assert str(records["time_utc"].dt.tz) == "UTC"
    distance = records["distance_m"].to_numpy()
    assert np.all(np.diff(distance) >= 0)
    assert distance[-1] == pytest.approx(activity.distance_m, rel=1e-9)
    speed = records["speed_mps"].dropna()
    assert len(speed) > 0
    assert speed.min() >= 0
    # GPS jitter must not make spikes. The fastest real speed in the corpus is 16.7 m/s:
    # a run whose phone kept recording in a car the next day (session/720bf570...).
    assert speed.max() < 20
    if activity.avg_hr_bpm is not None:
        assert records["heart_rate_bpm"].mean() == pytest.approx(activity.avg_hr_bpm)


@pytest.mark.corpus
def test_namespace_prefixed_gpx_is_read_where_plain_gpxpy_sees_nothing(
    corpus_dir: Path,
) -> None:
    data = (corpus_dir / "ticofab_android-gpx-parser/test-ns2-prefixed.gpx").read_bytes()
    assert gpxpy.parse(data.decode()).get_track_points_no() == 0  # why this test exists

    (activity,) = read_gpx(data, "test-ns2-prefixed.gpx")
    assert activity.n_records == 702
    assert activity.distance_m == pytest.approx(13613.2, rel=0.001)
    assert activity.start_utc == datetime(2015, 4, 5, 12, 33, 42, tzinfo=UTC)
    assert activity.ascent_m is not None and activity.ascent_m > 0


@pytest.mark.corpus
def test_gpx_with_untimed_tracks_counts_them_with_a_note(corpus_dir: Path) -> None:
    data = (corpus_dir / "tkrajina_gpxpy/korita-zbevnica.gpx").read_bytes()
    (activity,) = read_gpx(data, "korita-zbevnica.gpx")
    assert activity.distance_m == pytest.approx(14913.7, rel=0.001)
    assert "358 of 871 track points have no time" in activity.notes


@pytest.mark.corpus
def test_back_and_forth_positions_are_noted(corpus_dir: Path) -> None:
    name = "corriporai_runpandas/session/556160e9-d74c-440c-b0af-363efb753430.gpx"
    (activity,) = read_gpx((corpus_dir / name).read_bytes(), name)
    assert any("jumping back and forth" in note for note in activity.notes)
    clean = "corriporai_runpandas/session/8c3249a1-602f-4e76-a277-5e3ebd25c9a0.gpx"
    (activity,) = read_gpx((corpus_dir / clean).read_bytes(), clean)
    assert not any("back and forth" in note for note in activity.notes)


# --- files written here -----------------------------------------------------------

GPX11 = "http://www.topografix.com/GPX/1/1"
GPX10 = "http://www.topografix.com/GPX/1/0"
TPX = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
START = datetime(2024, 3, 10, 7, 30, tzinfo=UTC)


def track_points(
    n: int = 60,
    *,
    step_s: float = 1.0,
    speed_mps: float = 3.0,
    elevation: bool = True,
    times: bool = True,
    extension: str = "",
    lat0: float = 52.0,
    start: datetime = START,
) -> list[str]:
    """Points going north at a constant speed."""
    metres_per_degree = 6_371_008.8 * math.pi / 180
    points = []
    for i in range(n):
        lat = lat0 + i * step_s * speed_mps / metres_per_degree
        body = f"<ele>{10 + (i % 7):.1f}</ele>" if elevation else ""
        if times:
            body += f"<time>{(start + timedelta(seconds=i * step_s)):%Y-%m-%dT%H:%M:%S}Z</time>"
        body += extension.format(i=i)
        points.append(f'<trkpt lat="{lat:.7f}" lon="5.0000000">{body}</trkpt>')
    return points


def gpx_document(
    segments: list[list[str]],
    *,
    version: str = "1.1",
    creator: str = "loadwatch tests",
    sport: str | None = "running",
    name: str | None = "Morning Run",
) -> str:
    namespace = GPX11 if version == "1.1" else GPX10
    header = (
        f"<trk>{f'<name>{name}</name>' if name else ''}{f'<type>{sport}</type>' if sport else ''}"
    )
    body = "".join(f"<trkseg>{''.join(points)}</trkseg>" for points in segments)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<gpx version="{version}" creator="{creator}" xmlns="{namespace}" '
        f'xmlns:gpxtpx="{TPX}">{header}{body}</trk></gpx>'
    )


def written(tmp_path: Path, name: str, content: str | bytes) -> tuple[Path, bytes, str]:
    """Write a file, read it back as the importer gets it, and fingerprint it."""
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    data = path.read_bytes()
    return path, data, hashlib.sha256(data).hexdigest()


def unchanged(path: Path, digest: str) -> bool:
    return hashlib.sha256(path.read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_written_gpx_versions_read_like_gpxpy(tmp_path: Path, version: str) -> None:
    text = gpx_document([track_points(120)], version=version, sport="9")
    path, data, digest = written(tmp_path, f"run{version}.gpx", text)

    (activity,) = read_gpx(data, str(path))

    reference = gpxpy.parse(text)
    assert activity.distance_m == pytest.approx(reference.length_2d(), rel=1e-9)
    assert activity.distance_m == pytest.approx(119 * 3.0, rel=0.01)
    assert activity.start_utc == START
    assert activity.elapsed_s == 119
    assert activity.timer_s == pytest.approx(reference.get_moving_data().moving_time)
    assert activity.sport == "running"  # Strava's code 9
    assert activity.name == "Morning Run"
    assert activity.device == "loadwatch tests"
    assert activity.ascent_m == pytest.approx(reference.get_uphill_downhill().uphill)
    assert activity.start_lat == pytest.approx(52.0)
    assert activity.notes == []
    assert unchanged(path, digest)


@pytest.mark.parametrize(
    ("sport", "expected"),
    [
        ("1", "cycling"),
        ("17", "cycling"),
        ("16", "swimming"),
        ("Run", "running"),
        (None, "unknown"),
    ],
)
def test_sport_comes_from_track_type(tmp_path: Path, sport: str | None, expected: str) -> None:
    _, data, _ = written(tmp_path, "a.gpx", gpx_document([track_points(5)], sport=sport))
    assert read_gpx(data, "a.gpx")[0].sport == expected


def test_byte_order_mark_is_read(tmp_path: Path) -> None:
    text = gpx_document([track_points(10)])
    path, data, digest = written(tmp_path, "bom.gpx", b"\xef\xbb\xbf" + text.encode())
    (activity,) = read_gpx(data, str(path))
    assert activity.n_records == 10
    assert unchanged(path, digest)


@pytest.mark.parametrize(
    ("encoding", "codec"),
    [("UTF-16", "utf-16"), ("ISO-8859-1", "latin-1"), ("windows-1252", "cp1252")],
)
def test_declared_encodings_are_honoured(tmp_path: Path, encoding: str, codec: str) -> None:
    name = "Café Lauf" if codec == "latin-1" else "Café – Lauf"  # no dash in Latin-1
    text = gpx_document([track_points(5)], name=name)
    text = text.replace('encoding="UTF-8"', f'encoding="{encoding}"')
    _, data, _ = written(tmp_path, "encoded.gpx", text.encode(codec))
    assert read_gpx(data, "encoded.gpx")[0].name == name


def test_garmin_track_point_extension_fills_records_and_summary(tmp_path: Path) -> None:
    extension = (
        "<extensions><gpxtpx:TrackPointExtension><gpxtpx:atemp>{i}</gpxtpx:atemp>"
        "<gpxtpx:hr>1{i:02d}</gpxtpx:hr><gpxtpx:cad>8{i}</gpxtpx:cad>"
        "</gpxtpx:TrackPointExtension></extensions>"
    )
    text = gpx_document([track_points(10, extension=extension)])
    path, data, digest = written(tmp_path, "hr.gpx", text)

    (activity,) = read_gpx(data, str(path))
    records = read_gpx_records(data, str(path))

    assert list(records.columns) == list(RECORD_COLUMNS)
    assert records["heart_rate_bpm"].tolist() == [100.0 + i for i in range(10)]
    assert records["cadence_rpm"].tolist() == [80.0 + i for i in range(10)]
    assert records["temperature_c"].tolist() == [float(i) for i in range(10)]
    assert activity.avg_hr_bpm == pytest.approx(104.5)
    assert activity.max_hr_bpm == 109
    assert activity.avg_temperature_c == pytest.approx(4.5)
    assert activity.max_temperature_c == 9
    assert unchanged(path, digest)


def test_extension_prefix_and_plain_sensor_names_do_not_matter(tmp_path: Path) -> None:
    other_prefix = (
        '<extensions><ns3:TrackPointExtension xmlns:ns3="{TPX}"><ns3:hr>150</ns3:hr>'
        "</ns3:TrackPointExtension></extensions>"
    ).replace("{TPX}", TPX)
    plain = "<extensions><heartrate>160</heartrate><cadence>85</cadence></extensions>"
    text = gpx_document(
        [track_points(4, extension=other_prefix) + track_points(4, extension=plain)]
    )
    _, data, _ = written(tmp_path, "mixed.gpx", text)
    records = read_gpx_records(data, "mixed.gpx")
    assert records["heart_rate_bpm"].tolist() == [150.0] * 4 + [160.0] * 4
    assert records["cadence_rpm"].isna().sum() == 4


def test_missing_elevations_give_no_ascent(tmp_path: Path) -> None:
    _, data, _ = written(tmp_path, "flat.gpx", gpx_document([track_points(30, elevation=False)]))
    (activity,) = read_gpx(data, "flat.gpx")
    assert activity.ascent_m is None
    assert activity.descent_m is None
    assert read_gpx_records(data, "flat.gpx")["altitude_m"].isna().all()


def test_points_without_times_are_a_planned_track(tmp_path: Path) -> None:
    path, data, digest = written(
        tmp_path, "plan.gpx", gpx_document([track_points(30, times=False)])
    )
    with pytest.raises(NotAnActivityError, match="no timestamps: a planned route"):
        read_gpx(data, str(path))
    assert unchanged(path, digest)


def test_some_points_without_times_still_make_an_activity(tmp_path: Path) -> None:
    points = track_points(20)
    points[3] = re.sub(r"<time>.*</time>", "", points[3])
    _, data, _ = written(tmp_path, "gaps.gpx", gpx_document([points]))
    (activity,) = read_gpx(data, "gaps.gpx")
    assert activity.start_utc == START
    assert "1 of 20 track points have no time" in activity.notes
    assert read_gpx_records(data, "gaps.gpx")["time_utc"].isna().sum() == 1


def test_naive_times_are_taken_as_utc_with_a_note(tmp_path: Path) -> None:
    text = gpx_document([track_points(5)]).replace("Z</time>", "</time>")
    _, data, _ = written(tmp_path, "naive.gpx", text)
    (activity,) = read_gpx(data, "naive.gpx")
    assert activity.start_utc == START
    assert any("no time zone" in note for note in activity.notes)


def test_local_offsets_become_utc_and_are_kept(tmp_path: Path) -> None:
    text = gpx_document([track_points(5)])
    text = re.sub(
        r"<time>2024-03-10T07:(\d\d):(\d\d)Z</time>",
        r"<time>2024-03-10T08:\1:\2+01:00</time>",
        text,
    )
    _, data, _ = written(tmp_path, "local.gpx", text)
    (activity,) = read_gpx(data, "local.gpx")
    assert activity.start_utc == START
    assert activity.local_offset_s == 3600


def test_implausible_times_are_ignored_with_a_note(tmp_path: Path) -> None:
    points = track_points(10)
    points[0] = re.sub(r"<time>.*</time>", "<time>1901-12-13T20:45:52Z</time>", points[0])
    _, data, _ = written(tmp_path, "clock.gpx", gpx_document([points]))
    (activity,) = read_gpx(data, "clock.gpx")
    assert activity.start_utc == START + timedelta(seconds=1)
    assert any("implausible" in note for note in activity.notes)


def test_a_far_future_clock_is_not_a_recording(tmp_path: Path) -> None:
    """A GPX dated in 2300 (a device clock gone wrong) is refused with one line, never a crash
    of the whole import (pandas cannot even hold such a date)."""
    points = [re.sub(r"<time>(\d{4})", "<time>2300", p) for p in track_points(10)]
    path, data, _ = written(tmp_path, "future.gpx", gpx_document([points]))
    with pytest.raises(CorruptFileError, match="every timestamp is implausible"):
        read_gpx(data, "future.gpx")
    (tmp_path / "good.gpx").write_text(gpx_document([track_points(10)]), encoding="utf-8")
    result = lw.import_activities(tmp_path)
    assert len(result.timeline) == 1
    assert [p.source for p in result.report.errors] == [str(path)]


def test_tracks_and_segments_make_one_activity(tmp_path: Path) -> None:
    first = track_points(30)
    later = track_points(30, lat0=52.01, start=START + timedelta(minutes=5))
    text = gpx_document([first, [], later])  # an empty segment between
    _, data, _ = written(tmp_path, "segments.gpx", text)

    (activity,) = read_gpx(data, "segments.gpx")
    records = read_gpx_records(data, "segments.gpx")

    assert activity.n_records == 60
    assert activity.distance_m == pytest.approx(58 * 3.0, rel=0.01)  # no jump across the gap
    assert activity.elapsed_s == 300 + 29
    assert activity.notes == []
    assert records["distance_m"].iloc[-1] == pytest.approx(activity.distance_m)


def test_namespace_prefixed_gpx_written_here(tmp_path: Path) -> None:
    text = gpx_document([track_points(20)])
    text = re.sub(r"<(/?)(gpx|trk|trkseg|trkpt|ele|time|name|type)\b", r"<\1g:\2", text)
    text = text.replace(f'xmlns="{GPX11}"', f'xmlns:g="{GPX11}"')
    assert gpxpy.parse(text).get_track_points_no() == 0
    _, data, _ = written(tmp_path, "prefixed.gpx", text)
    (activity,) = read_gpx(data, "prefixed.gpx")
    assert activity.n_records == 20
    assert activity.distance_m == pytest.approx(19 * 3.0, rel=0.01)


def test_track_points_in_an_unknown_namespace_are_never_zero_km(tmp_path: Path) -> None:
    text = gpx_document([track_points(20)]).replace(GPX11, "http://example.com/not-gpx")
    _, data, _ = written(tmp_path, "odd.gpx", text)
    with pytest.raises(CorruptFileError, match="20 track points that could not be read"):
        read_gpx(data, "odd.gpx")


def test_bad_values_are_corrupt_with_the_gpxpy_error_as_cause(tmp_path: Path) -> None:
    text = gpx_document([track_points(5)]).replace('lat="52.0000000"', 'lat="north"')
    _, data, _ = written(tmp_path, "bad.gpx", text)
    with pytest.raises(CorruptFileError, match="damaged GPX") as caught:
        read_gpx(data, "bad.gpx")
    assert isinstance(caught.value.__cause__, gpxpy.gpx.GPXException)

    text = gpx_document([track_points(5)]).replace('lat="52.0000000"', 'lat="252.0"')
    _, data, _ = written(tmp_path, "far.gpx", text)
    with pytest.raises(CorruptFileError, match="impossible position"):
        read_gpx(data, "far.gpx")


def test_routes_and_waypoints_are_not_activities(tmp_path: Path) -> None:
    route = f'<gpx version="1.1" xmlns="{GPX11}"><rte><rtept lat="1" lon="2"/></rte></gpx>'
    _, data, _ = written(tmp_path, "route.gpx", route)
    with pytest.raises(NotAnActivityError, match="planned route"):
        read_gpx(data, "route.gpx")
    waypoints = f'<gpx version="1.1" xmlns="{GPX11}"><wpt lat="1" lon="2"/></gpx>'
    _, data, _ = written(tmp_path, "places.gpx", waypoints)
    with pytest.raises(NotAnActivityError, match="waypoints"):
        read_gpx(data, "places.gpx")
    _, data, _ = written(tmp_path, "nothing.gpx", f'<gpx xmlns="{GPX11}"/>')
    with pytest.raises(EmptyFileError, match="no track, route or waypoint"):
        read_gpx(data, "nothing.gpx")


# --- hostile and broken inputs ----------------------------------------------------

BILLION_LAUGHS = entity_bomb('<gpx version="1.1"><trk><name>&lol9;</name></trk></gpx>')
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    f'<gpx version="1.1" xmlns="{GPX11}"><trk><name>&secret;</name></trk></gpx>\n'
)


def test_entity_bomb_is_refused_quickly_with_bounded_memory(tmp_path: Path) -> None:
    path, data, digest = written(tmp_path, "bomb.gpx", BILLION_LAUGHS)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(UnsafeFileError, match="entities") as caught:
            read_gpx(data, str(path))
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 5_000_000  # the expanded bomb would be 3 GB
    assert caught.value.__cause__ is not None
    assert unchanged(path, digest)


def test_external_entity_is_refused_and_never_read(tmp_path: Path) -> None:
    path, data, digest = written(tmp_path, "xxe.gpx", EXTERNAL_ENTITY)
    with pytest.raises(UnsafeFileError, match="refused for safety") as caught:
        read_gpx(data, str(path))
    assert "root:" not in str(caught.value)
    assert unchanged(path, digest)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE gpx SYSTEM "http://example.invalid/gpx.dtd">',
        '<!DOCTYPE gpx [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
    ],
)
def test_any_doctype_is_refused(tmp_path: Path, doctype: str) -> None:
    text = gpx_document([track_points(3)]).replace("?>\n", f"?>\n{doctype}\n", 1)
    _, data, _ = written(tmp_path, "dtd.gpx", text)
    with pytest.raises(UnsafeFileError, match="refused for safety"):
        check_xml_safe(data, "dtd.gpx")


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        (b"", EmptyFileError, "empty"),
        (b"\xef\xbb\xbf  \n", EmptyFileError, "empty"),
        (b"\x00\x01\x02\x03garbage\xff", CorruptFileError, "not XML"),
        (b"lat,lon,time\n52.0,5.0,2024-01-01T00:00:00Z\n", CorruptFileError, "not XML"),
        (b"\x0e\x10\x43\x08\x00\x00\x00\x00.FIT\x00\x00", UnsupportedFileError, "FIT file"),
        (
            b"<!DOCTYPE html>\n<html><head><title>Login</title></head><body></body></html>",
            UnsupportedFileError,
            "web page",
        ),
        (b"<html><body><p>Moved</p></body></html>", UnsupportedFileError, "web page"),
        (b'<kml xmlns="http://www.opengis.net/kml/2.2"/>', UnsupportedFileError, "not GPX"),
        (b"<gpx><trk><trkseg><trkpt lat='1' lon='2'>", CorruptFileError, "line 1, column"),
        (b"<gpx><trk></gpx>", CorruptFileError, "closing tag does not match"),
        (
            '<?xml version="1.0" encoding="UTF-8"?><gpx/>'.encode("utf-16"),
            CorruptFileError,
            "encoding is not the one it declares",
        ),
    ],
)
def test_hostile_and_broken_files_give_one_line_reasons(
    tmp_path: Path, content: bytes, error: type[ActivityFileError], words: str
) -> None:
    path, data, digest = written(tmp_path, "suspect.gpx", content)
    with pytest.raises(error, match=re.escape(words)) as caught:
        read_gpx(data, str(path))
    assert "\n" not in caught.value.reason
    assert "suspect.gpx" not in caught.value.reason
    assert str(caught.value).startswith(str(path))
    assert unchanged(path, digest)


def test_truncated_gpx_names_line_and_column(tmp_path: Path) -> None:
    text = gpx_document([track_points(50)])
    path, data, digest = written(tmp_path, "cut.gpx", text[: len(text) * 2 // 3])
    with pytest.raises(CorruptFileError, match=r"damaged XML at line \d+, column \d+") as caught:
        read_gpx(data, str(path))
    assert isinstance(caught.value.__cause__, ParseError)
    assert unchanged(path, digest)


def test_check_xml_safe_accepts_plain_xml() -> None:
    assert check_xml_safe(gpx_document([track_points(3)]).encode(), "ok.gpx") is None


# --- speed ------------------------------------------------------------------------


def test_gps_jitter_does_not_make_speed_spikes(tmp_path: Path) -> None:
    points = track_points(600)
    for i in range(25, 600, 50):  # every 50 s a fix 60 m to the east
        points[i] = points[i].replace('lon="5.0000000"', 'lon="5.0008800"')
    _, data, _ = written(tmp_path, "jitter.gpx", gpx_document([points]))
    records = read_gpx_records(data, "jitter.gpx")
    raw = records["distance_m"].diff() / records["time_utc"].diff().dt.total_seconds()
    assert raw.max() > 50  # the jumps are there ...
    assert records["speed_mps"].max() < 4.5  # ... and do not reach the speed
    assert records["speed_mps"].median() == pytest.approx(3.0, rel=0.02)


def test_two_interleaved_position_sources_do_not_make_speed_spikes(tmp_path: Path) -> None:
    points = track_points(300)
    for i in range(1, 300, 2):  # every other fix 40 m away, as some phone apps write
        points[i] = points[i].replace('lon="5.0000000"', 'lon="5.0005800"')
    _, data, _ = written(tmp_path, "zigzag.gpx", gpx_document([points]))
    (activity,) = read_gpx(data, "zigzag.gpx")
    records = read_gpx_records(data, "zigzag.gpx")
    assert activity.distance_m > 5 * 299 * 3.0  # gpxpy's length is inflated
    assert any("back and forth" in note for note in activity.notes)
    assert records["speed_mps"].max() < 7


@settings(max_examples=60, deadline=None)
@given(
    speed=st.floats(min_value=0.5, max_value=12.0),
    intervals=st.lists(st.floats(min_value=0.5, max_value=10.0), min_size=40, max_size=200),
    heading=st.floats(min_value=0, max_value=2 * math.pi),
)
def test_speed_of_a_straight_constant_run_is_recovered(
    speed: float, intervals: list[float], heading: float
) -> None:
    elapsed = np.concatenate([[0.0], np.cumsum(intervals)])
    metres = speed * elapsed
    metres_per_degree = 6_371_008.8 * math.pi / 180
    lat = 45.0 + metres * math.cos(heading) / metres_per_degree
    lon = 7.0 + metres * math.sin(heading) / (metres_per_degree * math.cos(math.radians(45.0)))
    result = speed_from_positions_mps(elapsed, lat, lon)
    assert np.all(np.isfinite(result))
    assert np.allclose(result, speed, rtol=0.02)


def test_speed_is_nan_where_time_or_position_is_missing() -> None:
    elapsed = np.array([0.0, 1.0, np.nan, 3.0, 4.0])
    lat = np.array([45.0, 45.00003, 45.00006, np.nan, 45.00012])
    result = speed_from_positions_mps(elapsed, lat, np.full(5, 7.0))
    assert np.isnan(result[2]) and np.isnan(result[3])
    assert np.isfinite(result[[0, 1, 4]]).all()
