"""The bulk GPX reader gives gpxpy's points, or leaves the file to the per-element scanner.

gpxpy stays the reference. For every corpus and sample GPX file, and for a file
of every app flavour the package's GPX writer knows, the points read in bulk
(:func:`~loadwatch.importers.gpx_bulk.scan_gpx_bulk`) must be

* exactly the per-element scanner's (:func:`~loadwatch.importers.gpx_stream.scan_gpx`):
  positions, elevations, times, segments, sensors, names;
* gpxpy's own (``gpxpy.parse``): each point's position, elevation and time, its
  heart rate, cadence and temperature among the values of its extension
  elements, and the distance (``length_2d``) within 0.1 %.

Files the expressions cannot read as an XML parser does (a comment or CDATA in a
point, a self-closing point, markup between points ...) must be declined, so
that the scanner reads them exactly as before.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import gpxpy
import gpxpy.gpx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from loadwatch.errors import ActivityFileError
from loadwatch.importers.gpx import read_gpx
from loadwatch.importers.gpx_bulk import scan_gpx_bulk
from loadwatch.importers.gpx_columns import decimals
from loadwatch.importers.gpx_grid import points_by_shape
from loadwatch.importers.gpx_points import SENSOR_ELEMENTS, utc_time
from loadwatch.importers.gpx_stream import (
    EARTH_RADIUS_M,
    ONE_DEGREE_M,
    STOPPED_SPEED_KMH,
    GpxScan,
    length_2d_m,
    scan_gpx,
    step_distances_m,
)
from loadwatch.importers.xmlsafe import local_name, prepare_xml
from loadwatch.synthetic.gpxwriter import FLAVOURS, gpx_text
from loadwatch.synthetic.plan import PlannedRun
from loadwatch.synthetic.track import simulate

from support import PROJECT_ROOT, CorpusFile, corpus_files

SAMPLE_GPX = sorted((PROJECT_ROOT / "sample_data").rglob("*.gpx*"))
HOME = (40.78, -73.96)
ZONE = "America/New_York"


def file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def flavour_file(flavour: str, **plan: object) -> bytes:
    """A 3 km one-second run written in ``flavour`` by the package's GPX writer."""
    run = PlannedRun(
        start_local=datetime(2026, 5, 4, 6, 30),
        distance_km=3.0,
        pace_s_per_km=330.0,
        record_interval_s=1.0,
        fmt="gpx",
        temperature_c=13.0,
        **plan,  # type: ignore[arg-type]
    )
    return gpx_text(run, simulate(run, HOME), timezone=ZONE, flavour=flavour).encode()


def scanner_reading(data: bytes) -> GpxScan | str | None:
    try:
        return scan_gpx(data, "file.gpx")
    except ActivityFileError as exc:
        return f"{type(exc).__name__}: {exc.reason}"


def assert_same_scan(bulk: GpxScan, scanned: GpxScan) -> None:
    for name in ("lat", "lon", "elevation", "segment"):
        np.testing.assert_array_equal(getattr(bulk, name), getattr(scanned, name), err_msg=name)
    np.testing.assert_array_equal(bulk.times.view("i8"), scanned.times.view("i8"))
    for column, values in scanned.sensors.items():
        np.testing.assert_array_equal(bulk.sensors[column], values, err_msg=column)
    for name in ("n_naive", "local_offset_s", "creator", "name", "track_names", "track_types"):
        assert getattr(bulk, name) == getattr(scanned, name), name


def gpxpy_points(data: bytes) -> tuple[list[gpxpy.gpx.GPXTrackPoint], float]:
    gpx = gpxpy.parse(data.decode("utf-8"))
    points = [p for track in gpx.tracks for segment in track.segments for p in segment.points]
    return points, float(gpx.length_2d())


def assert_gpxpy_points(scan: GpxScan, data: bytes) -> None:
    """The scan's points are gpxpy's: position, elevation, time, extensions, distance."""
    points, length = gpxpy_points(data)
    assert len(points) == scan.lat.size
    np.testing.assert_array_equal(scan.lat, [p.latitude for p in points])
    np.testing.assert_array_equal(scan.lon, [p.longitude for p in points])
    elevations = [np.nan if p.elevation is None else p.elevation for p in points]
    np.testing.assert_array_equal(scan.elevation, elevations)
    times = [np.datetime64("NaT", "us") if p.time is None else utc_time(p.time)[0] for p in points]
    np.testing.assert_array_equal(scan.times.view("i8"), np.array(times).view("i8"))
    for i, point in enumerate(points):
        candidates: dict[str, list[float]] = {}
        for extension in point.extensions:
            for element in extension.iter():
                known = SENSOR_ELEMENTS.get(local_name(element.tag).lower())
                if known is not None and element.text and element.text.strip():
                    candidates.setdefault(known[0], []).append(float(element.text))
        for column, values in scan.sensors.items():
            given = candidates.get(column, [])
            if np.isnan(values[i]):
                assert not [v for v in given if v > 0 or column != "heart_rate_bpm"], column
            else:
                assert values[i] in given, (column, i)
    distance = length_2d_m(step_distances_m(scan.lat, scan.lon, scan.segment))
    assert distance == pytest.approx(length, rel=1e-3, abs=1e-6)


def check_file(data: bytes) -> GpxScan | None:
    """Bulk equals the scanner (or declines); returns the bulk reading."""
    try:
        prepared = prepare_xml(data, "file.gpx")
    except ActivityFileError:
        return None
    bulk = scan_gpx_bulk(prepared, "file.gpx")
    if bulk is not None:
        scanned = scanner_reading(prepared)
        assert isinstance(scanned, GpxScan), scanned
        assert_same_scan(bulk, scanned)
    return bulk


@pytest.mark.corpus
@pytest.mark.parametrize("row", corpus_files("gpx", "gpx.gz"), ids=str)
def test_bulk_reading_is_the_scanners_and_gpxpys_on_every_corpus_gpx(row: CorpusFile) -> None:
    data = file_bytes(row.path)
    bulk = check_file(data)
    if bulk is not None:
        assert_gpxpy_points(bulk, prepare_xml(data, row.file))


@pytest.mark.parametrize("path", SAMPLE_GPX, ids=lambda p: p.name)
def test_bulk_reads_every_sample_gpx_as_gpxpy_does(path: Path) -> None:
    data = file_bytes(path)
    bulk = check_file(data)
    assert bulk is not None  # the package's own files are regular
    assert_gpxpy_points(bulk, data)


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_bulk_reads_every_app_flavour_as_gpxpy_does(flavour: str) -> None:
    data = flavour_file(flavour)
    bulk = check_file(data)
    assert bulk is not None
    assert_gpxpy_points(bulk, data)
    (auto,) = read_gpx(data, "run.gpx")
    (reference,) = read_gpx(data, "run.gpx", decoder="reference")
    assert auto.distance_m == pytest.approx(reference.distance_m, rel=1e-3)
    assert auto.n_records == reference.n_records
    assert auto.avg_hr_bpm == reference.avg_hr_bpm


def reading(data: bytes, decoder: str) -> tuple[int, float, str] | str:
    """What ``read_gpx`` gives with ``decoder``: points, distance and notes, or the error."""
    try:
        (activity,) = read_gpx(data, "run.gpx", decoder=decoder)  # type: ignore[arg-type]
    except ActivityFileError as exc:
        return f"{type(exc).__name__}: {exc.reason}"
    return activity.n_records, round(activity.distance_m or 0, 3), activity.notes


def _replace(old: str, new: str, count: int = 1) -> Callable[[str], str]:
    return lambda text: text.replace(old, new, count)


def _sub(
    pattern: str, new: str | Callable[[re.Match[str]], str], count: int = 0
) -> Callable[[str], str]:
    return lambda text: re.sub(pattern, new, text, count=count)


#: Edits of a Garmin-style file that the expressions must decline, or read exactly
#: as the scanner does.
VARIANTS: dict[str, Callable[[str], str]] = {
    "comment in a point": _replace("<ele>", "<!-- note --><ele>"),
    "comment between points": _replace("</trkpt>", "</trkpt><!-- a pause -->"),
    "commented-out point": _replace("</trkpt>", '</trkpt><!-- <trkpt lat="1" lon="2"></trkpt> -->'),
    "cdata heart rate": _sub(r"<gpxtpx:hr>\d+", "<gpxtpx:hr><![CDATA[150]]>"),
    "processing instruction": _replace("<extensions>", "<?app data?><extensions>"),
    "character reference in a time": _replace("<time>2026", "<time>&#50;026", -1),
    "lon before lat": _sub(r'<trkpt lat="([^"]*)" lon="([^"]*)"', r'<trkpt lon="\2" lat="\1"'),
    "single quotes": _sub(r'lon="([^"]*)"', r"lon='\1'"),
    "time before ele": _sub(r"(<ele>[^<]*</ele>)(\s*)(<time>[^<]*</time>)", r"\3\2\1"),
    "empty ele": _sub(r"<ele>[^<]*</ele>", "<ele></ele>"),
    "empty time": _sub(r"<time>2026-05-04T10:30:01Z</time>", "<time></time>"),
    "second ele in extensions": _replace("<extensions>", "<extensions><ele>5</ele>"),
    "self-closing point": _replace("</trkseg>", '<trkpt lat="40.78" lon="-73.96"/></trkseg>'),
    "extra attribute": _replace("<trkpt lat=", '<trkpt id="1" lat='),
    "point in an extension": _replace("<extensions>", '<extensions><a:trkpt xmlns:a="urn:a"/>'),
    "markup between points": _replace("</trkpt>", "</trkpt><desc>x</desc>"),
    "a segment's extensions": _replace("<trkseg>", "<trkseg><extensions><e>1</e></extensions>"),
    "default namespace redeclared": _replace("<extensions>", '<extensions xmlns="urn:other">'),
    "zero heart rate": _sub(r"<gpxtpx:hr>\d+", "<gpxtpx:hr>0"),
    "second heart rate element": _replace(
        "<gpxtpx:hr>", "<gpxtpx:heart_rate>99</gpxtpx:heart_rate><gpxtpx:hr>", -1
    ),
    "unreadable heart rate": _sub(r"<gpxtpx:hr>\d+", "<gpxtpx:hr>n/a"),
    "unreadable latitude": _replace('<trkpt lat="', '<trkpt lat="x'),
    "unreadable elevation": _replace("<ele>", "<ele>high "),
    # NumPy 2.4's cast of such bytes to datetime64 crashed the process: read by arithmetic.
    "impossible date": _replace("<time>2026-05-04T10:30:01Z", "<time>2026-13-45T99:99:99Z"),
    "offset time": _sub(r"T10:(\d\d):(\d\d)Z</time>", r"T12:\1:\2+02:00</time>"),
    # Edits of every point, which the reader of alike points (the grid of tags) must
    # read as the scanner does, or leave to the expressions (and they to the scanner).
    "comment in every point": _replace("<ele>", "<!-- note --><ele>", -1),
    "attribute on every ele": _replace("<ele>", '<ele src="baro">', -1),
    "self-closing sensor in every point": _replace("<gpxtpx:hr>", "<gpxtpx:cad/><gpxtpx:hr>", -1),
    "sensor with a child in every point": _sub(r"<gpxtpx:cad>(\d+)", r"<gpxtpx:cad>\1<b>2</b>"),
    "no elevation in any point": _sub(r"<ele>[^<]*</ele>\s*", ""),
    "no time in any point": _sub(r"<time>2026-05-04T1[^<]*</time>\s*", ""),
    "upper-case sensor names": _sub(r"gpxtpx:(hr|cad)>", lambda m: f"gpxtpx:{m[1].upper()}>"),
    "text beside every ele": _replace("</ele>", "</ele> note ", -1),
    "greater-than in every time": _replace("Z</time>", "Z></time>", -1),
    "one point without sensors": _sub(r"<extensions>[\s\S]*?</extensions>", "<extensions/>", 1),
    "one point with a heart rate more": _replace(
        "<gpxtpx:cad>", "<gpxtpx:heartrate>5</gpxtpx:heartrate><gpxtpx:cad>"
    ),
    "GPX namespace under a prefix too": _replace(
        "<gpx ", '<gpx xmlns:g="http://www.topografix.com/GPX/1/1" '
    ),
    "prefixed ele in every point": _sub(
        r"<ele>([^<]*)</ele>",
        r'<g:ele xmlns:g="http://www.topografix.com/GPX/1/1">\1</g:ele>',
    ),
    "prefixed time in every point": lambda text: _sub(r"<(/?)time>", r"<\1g:time>")(
        text.replace("<gpx ", '<gpx xmlns:g="http://www.topografix.com/GPX/1/1" ', 1)
    ),
    "damaged": _replace("</trkpt>", "</trkpnt>"),
    "doctype": _replace("<gpx ", '<!DOCTYPE gpx [<!ENTITY a "b">]><gpx '),
}


def _variant(name: str) -> bytes:
    return VARIANTS[name](flavour_file("device").decode()).encode()


@pytest.mark.parametrize("name", list(VARIANTS))
def test_irregular_files_are_declined_or_read_as_the_scanner_does(name: str) -> None:
    data = _variant(name)
    assert data != flavour_file("device")
    check_file(data)  # bulk equals the scanner wherever it reads the file
    reference, auto = (reading(data, decoder) for decoder in ("reference", "auto"))
    assert auto == reference


#: Bytes put into the text of one point far from a chunk's first, whose tags are all
#: alike: expat checks only the first point of such a chunk, so what it would refuse
#: elsewhere must keep the chunk from being skipped.
LATER_POINT_BYTES = {
    "control character": b"\x01",
    "form feed": b"\x0c",
    "byte that is not UTF-8": b"\xff",
    "cut UTF-8 sequence": "é".encode()[:1],
    "UTF-8 text": "é".encode(),
    "character not allowed in XML": "\ufffe".encode(),
    "tab and carriage return": b"\t\r",
}


@pytest.mark.parametrize("name", list(LATER_POINT_BYTES))
@pytest.mark.parametrize("flavour", ["device", "runkeeper", "phone"])
def test_what_expat_would_refuse_in_any_point_is_refused(name: str, flavour: str) -> None:
    text = flavour_file(flavour)
    point = text.index(b"<trkpt")
    for _ in range(150):
        point = text.index(b"<trkpt", point + 1)
    cut = text.index(b"</ele>", point) + len(b"</ele>")
    data = text[:cut] + LATER_POINT_BYTES[name] + text[cut:]
    check_file(data)  # bulk equals the scanner wherever it reads the file
    results = [reading(data, decoder) for decoder in ("reference", "auto")]
    assert results[1] == results[0]
    try:
        data.decode("utf-8")
        allowed = name in ("UTF-8 text", "tab and carriage return")
    except UnicodeDecodeError:
        allowed = False
    assert isinstance(results[0], tuple) == allowed  # gpxpy itself refuses the others


@pytest.mark.parametrize(
    "name",
    [
        "comment in a point",
        "cdata heart rate",
        "character reference in a time",
        "self-closing point",
        "markup between points",
        "point in an extension",
        "doctype",
    ],
)
def test_what_the_expressions_cannot_read_is_left_to_the_scanner(name: str) -> None:
    assert scan_gpx_bulk(prepare_xml(_variant(name), "run.gpx"), "run.gpx") is None


def test_a_long_recording_is_read_in_megabyte_chunks_as_one_segment() -> None:
    run = PlannedRun(
        start_local=datetime(2026, 5, 4, 6, 30),
        distance_km=40.0,
        pace_s_per_km=330.0,
        record_interval_s=1.0,
        fmt="gpx",
        temperature_c=13.0,
    )
    data = gpx_text(run, simulate(run, HOME), timezone=ZONE, flavour="strava").encode()
    assert len(data) > 3 << 20  # several chunks
    bulk = check_file(data)
    assert bulk is not None
    assert set(bulk.segment.tolist()) == {0}
    assert_gpxpy_points(bulk, data)


def test_a_phone_file_is_read_as_a_grid_shape_by_shape() -> None:
    """The phone flavour's four point shapes, interleaved, are each read as a grid."""
    data = flavour_file("phone")
    begin = data.index(b"<trkpt")
    end = data.rindex(b"</trkpt>") + len(b"</trkpt>")
    grid = points_by_shape(data, begin, end)
    assert grid is not None
    shapes = {
        tuple(re.findall(rb"<(/?[\w:]+)", point))
        for point in re.findall(rb"<trkpt[\s\S]*?</trkpt>", data)
    }
    assert len(shapes) == 4
    assert len(grid.expat_ranges) == len(shapes)  # expat reads each shape's first point
    scanned = scanner_reading(data)
    assert isinstance(scanned, GpxScan)
    np.testing.assert_array_equal(grid.lat, scanned.lat)
    np.testing.assert_array_equal(grid.elevation, scanned.elevation)
    np.testing.assert_array_equal(grid.sensors["heart_rate_bpm"], scanned.sensors["heart_rate_bpm"])


def test_a_tag_of_the_same_length_but_another_name_is_not_taken_for_its_shape() -> None:
    """Shapes are found by their tags' lengths, then held to their first point byte by byte."""
    text = flavour_file("phone").decode()
    hr = [m.start() for m in re.finditer("<gpxtpx:hr>", text)]
    at = hr[len(hr) // 2]
    close = text.index("</gpxtpx:hr>", at)
    edited = (
        text[:at] + "<gpxtpx:hq>" + text[at + 11 : close] + "</gpxtpx:hq>" + text[close + 12 :]
    ).encode()
    bulk = check_file(edited)  # equal to the scanner: the point has no heart rate
    assert bulk is not None
    assert (
        np.isnan(bulk.sensors["heart_rate_bpm"]).sum()
        == np.isnan(
            check_file(flavour_file("phone")).sensors["heart_rate_bpm"]  # type: ignore[union-attr]
        ).sum()
        + 1
    )


@pytest.mark.parametrize("between", ["</trkseg><trkseg>", "</trkseg></trk><trk><trkseg>"])
@pytest.mark.parametrize("flavour", ["device", "strava", "runkeeper"])
def test_several_segments_are_read_in_bulk_one_by_one(flavour: str, between: str) -> None:
    """The first <trkseg> to the last </trkseg> is tried first; other segments' tags
    among the points decline that, and the segments are then read one by one."""
    text = flavour_file(flavour).decode()
    cuts = [m.end() for m in re.finditer(r"</trkpt>", text)]
    for cut in (cuts[700], cuts[200]):  # two more segments (or tracks)
        text = text[:cut] + between + text[cut:]
    data = text.encode()
    bulk = check_file(data)
    assert bulk is not None
    assert sorted(set(bulk.segment.tolist())) == [0, 1, 2]
    assert np.bincount(bulk.segment).tolist() == [201, 500, len(cuts) - 701]
    assert_gpxpy_points(bulk, data)


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_a_point_unlike_the_others_is_read_by_the_expressions_as_the_scanner_reads_it(
    flavour: str,
) -> None:
    """One point with a tag more: not the grid of alike points, yet still read in bulk."""
    text = flavour_file(flavour).decode()
    second = text.index("<trkpt", text.index("<trkpt") + 1)
    close = text.index("</trkpt", second)
    edited = (text[:close] + "<extensions><speed>3.1</speed></extensions>" + text[close:]).encode()
    if "<extensions>" in text[second:close]:
        edited = (text[:close] + "<cmt>a pause</cmt>" + text[close:]).encode()
    bulk = check_file(edited)
    assert bulk is not None
    assert_gpxpy_points(bulk, edited)


#: Plain decimals as apps write them: short ones, and full-precision doubles (17 digits).
PLAIN_DECIMALS = st.from_regex(r"-?[0-9]{1,9}(\.[0-9]{0,9})?", fullmatch=True) | st.floats(
    min_value=-1e6, max_value=1e6, allow_nan=False
).map(repr).filter(lambda text: "e" not in text)


@given(st.lists(PLAIN_DECIMALS, min_size=1, max_size=40))
def test_plain_decimals_are_read_at_once_exactly_as_float_reads_them(texts: list[str]) -> None:
    read = decimals(np.array([text.encode() for text in texts]))
    assert read is not None
    expected = np.array([float(text) for text in texts])
    np.testing.assert_array_equal(read.view("i8"), expected.view("i8"))  # the same doubles, -0.0


def test_the_distance_constants_are_gpxpys_own() -> None:
    """Kept in the package so that a regular file is read without importing gpxpy."""
    import gpxpy.geo

    assert EARTH_RADIUS_M == gpxpy.geo.EARTH_RADIUS
    assert ONE_DEGREE_M == gpxpy.geo.ONE_DEGREE
    assert STOPPED_SPEED_KMH == gpxpy.gpx.DEFAULT_STOPPED_SPEED_THRESHOLD
