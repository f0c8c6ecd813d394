"""The streaming GPX path gives gpxpy's activity, in bounded memory; clock outliers are ignored.

gpxpy stays the reference: every corpus and sample GPX file is read both ways
(``decoder="reference"`` and ``decoder="auto"``) and must give the same activity
and records. A 1,000,000-point GPX is imported in a fresh process whose peak
memory is measured.
"""

from __future__ import annotations

import gzip
import json
import math
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loadwatch.errors import ActivityFileError
from loadwatch.importers.activity import Activity
from loadwatch.importers.gpx import read_gpx, read_gpx_records
from loadwatch.importers.gpx_stream import scan_gpx

from support import PROJECT_ROOT, CorpusFile, corpus_files

GPX11 = "http://www.topografix.com/GPX/1/1"
TPX = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
START = datetime(2026, 5, 4, 6, 30, tzinfo=UTC)
SAMPLE_GPX = sorted((PROJECT_ROOT / "sample_data").rglob("*.gpx*"))
EXACT_FIELDS = (
    "start_utc",
    "elapsed_s",
    "n_records",
    "name",
    "device",
    "sport",
    "sub_sport",
    "local_offset_s",
    "start_lat",
    "start_lon",
    "avg_hr_bpm",
    "max_hr_bpm",
    "avg_temperature_c",
    "max_temperature_c",
    "notes",
)


def read_both(data: bytes, name: str) -> tuple[Activity | str, Activity | str]:
    """Each decoder's activity, or its error as ``Class: reason``."""
    results: list[Activity | str] = []
    for decoder in ("reference", "auto"):
        try:
            (activity,) = read_gpx(data, name, decoder=decoder)  # type: ignore[arg-type]
        except ActivityFileError as exc:
            results.append(f"{type(exc).__name__}: {exc.reason}")
        else:
            results.append(activity)
    return results[0], results[1]


def assert_same_activity(data: bytes, name: str) -> Activity | str:
    reference, streamed = read_both(data, name)
    if isinstance(reference, str) or isinstance(streamed, str):
        assert streamed == reference
        return reference
    for field in EXACT_FIELDS:
        assert getattr(streamed, field) == getattr(reference, field), field
    assert streamed.distance_m == pytest.approx(reference.distance_m, rel=1e-3, abs=1e-6)
    for field in ("timer_s", "ascent_m", "descent_m"):
        expected = getattr(reference, field)
        if expected is None:
            assert getattr(streamed, field) is None, field
        else:
            assert getattr(streamed, field) == pytest.approx(expected, rel=1e-3, abs=0.01), field
    np.testing.assert_allclose(streamed.speed_profile_m, reference.speed_profile_m, rtol=1e-3)
    records = read_gpx_records(data, name, decoder="auto")
    expected_records = read_gpx_records(data, name, decoder="reference")
    pd.testing.assert_frame_equal(records, expected_records, rtol=1e-6, atol=1e-6)
    return reference


def file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


@pytest.mark.corpus
@pytest.mark.parametrize("row", corpus_files("gpx", "gpx.gz"), ids=str)
def test_streaming_path_matches_gpxpy_on_every_corpus_gpx(row: CorpusFile) -> None:
    data = file_bytes(row.path)
    reference = assert_same_activity(data, row.file)
    if isinstance(reference, Activity):  # it really was read by the streaming scan
        assert scan_gpx(data, row.file) is not None


@pytest.mark.parametrize("path", SAMPLE_GPX, ids=lambda p: p.name)
def test_streaming_path_matches_gpxpy_on_the_sample_data(path: Path) -> None:
    assert SAMPLE_GPX
    reference = assert_same_activity(file_bytes(path), path.name)
    assert isinstance(reference, Activity)


# --- files built here: every rule the gpxpy path has ----------------------------


def point(
    i: int, *, lat0: float = 52.0, lon: float = 5.0, ele: str | None = "12.5", time: str = ""
) -> str:
    lat = lat0 + i * 2.7e-5
    body = "" if ele is None else f"<ele>{ele}</ele>"
    moment = time or f"{START + timedelta(seconds=i):%Y-%m-%dT%H:%M:%S}Z"
    body += f"<time>{moment}</time>" if moment != "-" else ""
    return f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}">{body}</trkpt>'


def document(body: str, *, root: str = "gpx", extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} version="1.1" creator=" Test Watch " xmlns="{GPX11}" '
        f'xmlns:gpxtpx="{TPX}" {extra}>{body}</{root}>'
    )


def run(n: int = 40, **kwargs: object) -> str:
    return "".join(point(i, **kwargs) for i in range(n))  # type: ignore[arg-type]


def odd_second(i: int) -> int:
    """Seconds after START: one step back at point 10, a two-hour pause after point 30."""
    return i + (7200 if i > 30 else 0) - (5 if i == 10 else 0)


HR = (
    "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr>"
    "<gpxtpx:cad>88</gpxtpx:cad><gpxtpx:atemp>21</gpxtpx:atemp>"
    "</gpxtpx:TrackPointExtension></extensions>"
)

VARIANTS: dict[str, str] = {
    "two tracks, three segments": document(
        f"<metadata><name>File name</name></metadata><trk><name> </name><type>9</type>"
        f"<trkseg>{run(20)}</trkseg><trkseg>{run(20, lat0=52.01)}</trkseg></trk>"
        f"<trk><name>Second</name><trkseg>{run(10, lat0=52.02)}</trkseg></trk>"
    ),
    "sensors, hr 0 and plain heartrate": document(
        "<trk><trkseg>"
        + "".join(
            point(i).replace("</trkpt>", HR.format(hr=0 if i % 5 == 0 else 120 + i) + "</trkpt>")
            for i in range(30)
        )
        + '<trkpt lat="52.1" lon="5"><time>2026-05-04T06:31:00Z</time><heartrate>150'
        "</heartrate><cadence>90</cadence><temperature>19.5</temperature></trkpt>"
        "</trkseg></trk>"
    ),
    "offsets and zone-less times": document(
        "<trk><trkseg>"
        + "".join(
            point(
                i, time=f"2026-05-04T08:30:{i:02d}+02:00" if i < 30 else f"2026-05-04T06:30:{i:02d}"
            )
            for i in range(40)
        )
        + "</trkseg></trk>"
    ),
    "far jumps, zero and missing elevations": document(
        "<trk><trkseg>"
        + "".join(
            point(
                i,
                lat0=52.0 + (0.5 if i == 20 else 0.0),
                ele=None if i % 7 == 0 else ("0" if i % 3 == 0 else f"{i % 9}"),
            )
            for i in range(40)
        )
        + "</trkseg></trk>"
    ),
    "fractional times, backwards, long pause, untimed points": document(
        "<trk><trkseg>"
        + "".join(
            point(
                i,
                time=(
                    "-"
                    if i in (3, 4)
                    else f"{START + timedelta(seconds=odd_second(i)):%Y-%m-%dT%H:%M:%S}.25Z"
                ),
            )
            for i in range(40)
        )
        + "</trkseg></trk>"
    ),
    "implausible 1901 times": document(
        f"<trk><trkseg>{point(0, time='1901-12-13T20:45:52Z')}{run(30)}</trkseg></trk>"
    ),
    "prefixed namespace": document(
        f"<ns2:trk><ns2:name>Prefixed</ns2:name><ns2:trkseg>{run(20)}</ns2:trkseg></ns2:trk>",
        root="ns2:gpx",
        extra=f'xmlns:ns2="{GPX11}"',
    )
    .replace("<trkpt", "<ns2:trkpt")
    .replace("</trkpt>", "</ns2:trkpt>")
    .replace("<ele>", "<ns2:ele>")
    .replace("</ele>", "</ns2:ele>")
    .replace("<time>", "<ns2:time>")
    .replace("</time>", "</ns2:time>"),
    "gpx 1.0": document(f"<name>Old file</name><trk><trkseg>{run(20)}</trkseg></trk>")
    .replace("GPX/1/1", "GPX/1/0")
    .replace('version="1.1"', 'version="1.0"'),
    "route only": document("<rte><rtept lat='1' lon='2'/></rte>"),
    "waypoints only": document("<wpt lat='1' lon='2'><name>Home</name></wpt>"),
    "planned track": document(f"<trk><trkseg>{run(20, time='-')}</trkseg></trk>"),
    "a few times": document(f"<trk><trkseg>{run(3)}{run(20, time='-', lat0=53.0)}</trkseg></trk>"),
    "a point outside trkseg": document(f"<trk>{point(99)}<trkseg>{run(20)}</trkseg></trk>"),
    "impossible position": document(f"<trk><trkseg>{run(5)}{point(0, lat0=95.0)}</trkseg></trk>"),
    "unreadable elevation": document(f"<trk><trkseg>{run(5)}{point(6, ele='high')}</trkseg></trk>"),
    "far future": document(f"<trk><trkseg>{run(20, time='2999-01-01T00:00:00Z')}</trkseg></trk>"),
    "tcx root": document("", root="TrainingCenterDatabase"),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_streaming_path_matches_gpxpy_on_built_files(name: str) -> None:
    assert_same_activity(VARIANTS[name].encode(), f"{name}.gpx")


def test_built_files_cover_activities_and_refusals() -> None:
    outcomes = {name: read_both(VARIANTS[name].encode(), "x.gpx")[1] for name in VARIANTS}
    refused = {name for name, outcome in outcomes.items() if isinstance(outcome, str)}
    assert refused == {
        "route only",
        "waypoints only",
        "planned track",
        "a few times",
        "impossible position",
        "unreadable elevation",
        "far future",
        "tcx root",
    }
    noted = outcomes["fractional times, backwards, long pause, untimed points"]
    assert isinstance(noted, Activity)
    assert any("pauses for 2.0 h" in note for note in noted.notes)
    assert any("backwards" in note for note in noted.notes)


# --- a wrong clock on the first or last point -------------------------------------


def clocked_run(first: datetime | None = None, last: datetime | None = None, n: int = 600) -> str:
    """A 10-minute run at 1 s; the first or last point's time replaced."""
    points = [point(i) for i in range(n)]
    if first is not None:  # a stale fix too: 1 degree north
        points[0] = point(0, lat0=53.0, time=f"{first:%Y-%m-%dT%H:%M:%S}Z")
    if last is not None:
        points[-1] = point(n - 1, time=f"{last:%Y-%m-%dT%H:%M:%S}Z")
    return document(f"<trk><trkseg>{''.join(points)}</trkseg></trk>")


@pytest.mark.parametrize("decoder", ["reference", "auto"])
def test_first_point_a_year_early_is_dropped_with_a_note(decoder: str) -> None:
    text = clocked_run(first=START - timedelta(days=365))
    (activity,) = read_gpx(text.encode(), "clock.gpx", decoder=decoder)  # type: ignore[arg-type]
    assert activity.start_utc == START + timedelta(seconds=1)
    assert activity.elapsed_s == 598
    assert activity.n_records == 599  # the outlier is dropped, position and all
    assert "the first point's time is 365 days before the rest: ignored" in activity.notes
    assert not any("pauses" in note for note in activity.notes)
    records = read_gpx_records(text.encode(), "clock.gpx", decoder=decoder)  # type: ignore[arg-type]
    assert len(records) == 599
    assert records["time_utc"].iloc[0] == pd.Timestamp(START + timedelta(seconds=1))
    assert records["distance_m"].iloc[0] == 0
    one_degree = 2 * math.pi * 6378.137 * 1000 / 360  # gpxpy's flat metres per degree
    assert activity.distance_m == pytest.approx(598 * 2.7e-5 * one_degree, rel=1e-4)


@pytest.mark.parametrize("decoder", ["reference", "auto"])
def test_last_points_half_a_day_late_are_dropped(decoder: str) -> None:
    points = [point(i) for i in range(600)]
    late = START + timedelta(hours=13, minutes=10)
    for i in (598, 599):
        points[i] = point(i, time=f"{late + timedelta(seconds=i):%Y-%m-%dT%H:%M:%S}Z")
    text = document(f"<trk><trkseg>{''.join(points)}</trkseg></trk>")
    (activity,) = read_gpx(text.encode(), "late.gpx", decoder=decoder)  # type: ignore[arg-type]
    assert activity.start_utc == START
    assert activity.elapsed_s == 597
    assert activity.n_records == 598
    assert "the last 2 points' times are 13 h after the rest: ignored" in activity.notes


@pytest.mark.parametrize("decoder", ["reference", "auto"])
def test_a_real_pause_or_a_second_long_stretch_is_kept(decoder: str) -> None:
    # Two hours' pause: shorter than the outlier gap, so it is a pause.
    paused = clocked_run(first=START - timedelta(hours=2))
    (activity,) = read_gpx(paused.encode(), "pause.gpx", decoder=decoder)  # type: ignore[arg-type]
    assert activity.start_utc == START - timedelta(hours=2)
    assert not any("ignored" in note for note in activity.notes)
    # Two runs a day apart, each of many points: neither end is an outlier.
    second = "".join(
        point(i, time=f"{START + timedelta(days=1, seconds=i):%Y-%m-%dT%H:%M:%S}Z")
        for i in range(300)
    )
    text = document(f"<trk><trkseg>{run(300)}{second}</trkseg></trk>")
    (two,) = read_gpx(text.encode(), "two.gpx", decoder=decoder)  # type: ignore[arg-type]
    assert two.start_utc == START
    assert two.elapsed_s == 86400 + 299


# --- a 1,000,000-point GPX in bounded memory ----------------------------------------

_WRITE_BIG = """
import sys
import numpy as np
n = int(sys.argv[2])
i = np.arange(n)
lat = np.char.mod("%.7f", 40.0 + i * 1e-7 * 27)
times = np.datetime_as_string(np.datetime64("2026-05-04T06:30:00") + i.astype("timedelta64[s]"))
points = [
    f'<trkpt lat="{a}" lon="5.0000000"><ele>12.5</ele><time>{t}Z</time></trkpt>'
    for a, t in zip(lat.tolist(), times.tolist())
]
head = (
    '<?xml version="1.0" encoding="UTF-8"?>\\n<gpx version="1.1" creator="big" '
    'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Big</name><trkseg>\\n'
)
with open(sys.argv[1], "w") as fh:
    fh.write(head + "\\n".join(points) + "\\n</trkseg></trk></gpx>\\n")
"""

_IMPORT_BIG = """
import json, resource, sys, time
from loadwatch.importers.read import read_activity_file

def peak_mb():
    # This process's own peak (VmHWM: reset by exec). ru_maxrss also counts the peak of
    # the process it was forked from (Linux keeps it across exec): a big pytest worker.
    try:
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

began = time.perf_counter()
(activity,) = read_activity_file(sys.argv[1])
print(json.dumps({
    "seconds": time.perf_counter() - began,
    "max_rss_mb": peak_mb(),
    "n_records": activity.n_records,
    "distance_m": activity.distance_m,
    "elapsed_s": activity.elapsed_s,
    "start": activity.start_utc.isoformat(),
    "ascent_m": activity.ascent_m,
}))
"""


def test_million_point_gpx_imports_in_under_500_mb(tmp_path: Path) -> None:
    n = 1_000_000
    path = tmp_path / "big.gpx"
    writer, importer = tmp_path / "write.py", tmp_path / "import.py"
    writer.write_text(textwrap.dedent(_WRITE_BIG))
    importer.write_text(textwrap.dedent(_IMPORT_BIG))
    subprocess.run([sys.executable, str(writer), str(path), str(n)], check=True, timeout=300)
    assert path.stat().st_size > 90_000_000
    done = subprocess.run(
        [sys.executable, str(importer), str(path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    result = json.loads(done.stdout)
    assert result["max_rss_mb"] < 500
    assert result["n_records"] == n
    assert result["elapsed_s"] == n - 1
    assert result["start"] == "2026-05-04T06:30:00+00:00"
    assert result["ascent_m"] == 0
    # Due north by 2.7e-6 degrees a point: gpxpy's flat distance is that times one degree.
    one_degree = 2 * math.pi * 6378.137 * 1000 / 360
    assert result["distance_m"] == pytest.approx((n - 1) * 2.7e-6 * one_degree, rel=1e-6)
