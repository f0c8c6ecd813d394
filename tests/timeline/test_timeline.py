"""The whole import path, from folders of real files to the timeline and weekly km.

Files come from the shared corpus and from the synthetic writer (real FIT and
GPX files the project writes itself).
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loadwatch as lw
from loadwatch.synthetic import (
    Athlete,
    PlannedRun,
    sample_athlete,
    steady_weeks,
    weekly_totals,
    write_athlete,
)
from loadwatch.timeline.build import COLUMNS

from support import CORPUS_DIR, corpus_files

PROJECT = Path(__file__).resolve().parents[2]
SAMPLE = PROJECT / "sample_data"

#: Same activity in two or three corpus files (per the manifest notes), and the
#: file that must be kept: FIT over TCX over GPX.
_LEIDEN = "GoldenCheetah_sweatpy/2020-06-01-16-52-40.fit"
KNOWN_DUPLICATES = {
    "GoldenCheetah_sweatpy/activity_5039744860.tcx": _LEIDEN,
    "GoldenCheetah_sweatpy/activity_5039744860.gpx": _LEIDEN,
    "GoldenCheetah_sweatpy/activity_4801048867.gpx": "GoldenCheetah_sweatpy/4801048867.fit",
    "GoldenCheetah_sweatpy/4801048867_strava.gpx": "GoldenCheetah_sweatpy/4801048867.fit",
    "corriporai_runpandas/run.gpx": "corriporai_runpandas/run.tcx",
    "corriporai_runpandas/session/36bb9510-27b3-4c13-9d68-55b59af24ec3.gpx": (
        "corriporai_runpandas/samples/2020-12-02T06_08_29-300_Running.tcx"
    ),
    "corriporai_runpandas/session/c74b49c3-6505-4874-9ef1-9f9cbd149896.gpx": (
        "corriporai_runpandas/samples/2020-12-06T06_36_21-300_Running.tcx"
    ),
    "corriporai_runpandas/session/e72ac978-0e43-493a-b4f2-50102b64939a.gpx": (
        "corriporai_runpandas/samples/2020-12-08T06_36_12-300_Running.tcx"
    ),
    "corriporai_runpandas/session/f5bda6ea-d83c-466d-9ced-c480d4b02073.gpx": (
        "corriporai_runpandas/samples/2020-12-13T07_25_55-300_Running.tcx"
    ),
    "corriporai_runpandas/session/531a7cd6-3ae1-4a03-99dc-f6fcb8d97eb0.gpx": (
        "corriporai_runpandas/samples/2020-12-26T06_03_49-300_Running.tcx"
    ),
    "tkrajina_gpxpy/cerknicko-jezero-without-elevations.gpx": "tkrajina_gpxpy/cerknicko-jezero.gpx",
}


def rel(path: str) -> str:
    return Path(path).resolve().relative_to(CORPUS_DIR.resolve()).as_posix()


@pytest.fixture(scope="module")
def corpus_import(corpus_dir: Path) -> lw.ImportResult:
    return lw.import_activities(corpus_dir, roster=False)


def test_every_corpus_file_is_accounted_for_without_a_crash(corpus_import) -> None:
    report = corpus_import.report
    manifest = {row.file for row in corpus_files()}
    assert report.files_seen == len(manifest)
    assert [p for p in report.errors if p.kind == "internal"] == []
    imported = {rel(f) for f in corpus_import.timeline["file"]}
    errors = {rel(p.source) for p in report.errors}
    skipped = {rel(p.source) for p in report.skipped}
    dropped = {rel(m.dropped) for m in report.duplicates}
    assert imported | errors | skipped | dropped == manifest
    assert not (imported & errors) and not (imported & skipped) and not (imported & dropped)
    for problem in report.errors + report.skipped:
        assert "\n" not in problem.reason and problem.reason


def test_known_duplicates_are_merged_keeping_the_richer_file(corpus_import) -> None:
    merged = {rel(m.dropped): rel(m.kept) for m in corpus_import.report.duplicates}
    assert merged == KNOWN_DUPLICATES


def test_timeline_schema(corpus_import) -> None:
    timeline = corpus_import.timeline
    assert tuple(timeline.columns) == COLUMNS
    assert str(timeline["start_utc"].dtype) == "datetime64[ns, UTC]"
    assert str(timeline["start_local"].dtype) == "datetime64[ns]"
    assert timeline["is_run"].dtype == bool
    assert timeline["activity_id"].is_unique
    offsets = (
        timeline["start_local"] - timeline["start_utc"].dt.tz_localize(None)
    ).dt.total_seconds()
    np.testing.assert_allclose(offsets, timeline["utc_offset_s"])
    assert set(timeline["timezone_source"]) <= {"device", "settings", "gps", "utc"}


def test_non_runs_never_count_as_running(corpus_import) -> None:
    timeline = corpus_import.timeline
    for sport in ("cycling", "swimming", "walking", "rowing", "transition", "fitness_equipment"):
        rows = timeline[timeline["sport"] == sport]
        assert not rows.empty, sport
        assert not rows["is_run"].any(), sport
    # The triathlon's run leg counts; its swim and ride do not.
    tri = timeline[timeline["file"].str.endswith("triathlon_summary_first.fit")]
    assert tri.loc[tri["is_run"], "sport"].tolist() == ["running"]
    # A Zwift ride's imaginary GPS map gives no time zone.
    zwift = timeline[timeline["file"].str.endswith("zwift-pschit.fit")].iloc[0]
    assert zwift["timezone_source"] != "gps"


def test_corpus_files_are_not_modified(corpus_dir: Path, tmp_path: Path) -> None:
    before = {
        p: hashlib.sha256(p.read_bytes()).hexdigest() for p in corpus_dir.rglob("*") if p.is_file()
    }
    lw.import_activities(corpus_dir / "dtcooper_python-fitparse")
    after = {
        p: hashlib.sha256(p.read_bytes()).hexdigest() for p in corpus_dir.rglob("*") if p.is_file()
    }
    assert before == after


# --- a mixed folder: FIT + GPX duplicates, a ride, a broken file -----------------


def mixed_runner(folder: Path) -> tuple[Athlete, list[Path]]:
    runs = steady_weeks(date(2026, 3, 2), weeks=4, km_per_week=30.0)
    # Every third run also exported as GPX (the same run from a second place).
    twins = [
        PlannedRun(r.start_local, r.distance_km, r.pace_s_per_km, fmt="gpx", device="strava")
        for r in runs[::3]
    ]
    ride = PlannedRun(datetime(2026, 3, 8, 9, 0), 40.0, pace_s_per_km=120, sport="cycling")
    late = PlannedRun(datetime(2026, 3, 29, 21, 30), 5.0)  # Sunday night: still that week locally
    athlete = Athlete(
        "Mixed Runner", "America/New_York", (40.78, -73.97), [*runs, *twins, ride, late]
    )
    paths = write_athlete(athlete, folder)
    return athlete, paths


def test_mixed_folder_gives_the_right_weekly_running_km(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    athlete, paths = mixed_runner(folder)
    fit = next(p for p in paths if p.suffix == ".fit")
    (folder / "broken.fit").write_bytes(b"\x0e\x10" + fit.read_bytes()[2:40])  # header only
    (folder / f"._{fit.name}").write_bytes(b"\0\5\26\7")  # macOS companion
    result = lw.import_activities(folder)
    report = result.report
    assert [Path(p.source).name for p in report.errors] == ["broken.fit"]
    assert [Path(p.source).name for p in report.skipped] == [f"._{fit.name}"]
    n_twins = sum(1 for p in paths if p.suffix == ".gpx")
    assert len(report.duplicates) == n_twins
    assert all(Path(m.kept).suffix == ".fit" for m in report.duplicates)
    weeks = lw.weekly_table(result.timeline)
    truth = weekly_totals(athlete.runs, "monday")
    assert [w.week_start for w in truth] == [d.date() for d in weeks["week_start"]]
    for expected, (_, got) in zip(truth, weeks.iterrows(), strict=True):
        assert got["distance_km"] == pytest.approx(expected.distance_km, rel=0.02)
        assert got["runs"] == expected.runs
    ride = result.timeline[result.timeline["sport"] == "cycling"]
    assert len(ride) == 1 and not ride["is_run"].iloc[0]


def test_broken_file_beside_good_ones_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "runner"
    _, paths = mixed_runner(folder)
    fit = next(p for p in paths if p.suffix == ".fit")
    data = bytearray(fit.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: the CRC no longer matches
    (folder / "flipped.fit").write_bytes(bytes(data))
    result = lw.import_activities(folder)
    problems = [p for p in result.report.errors if p.source.endswith("flipped.fit")]
    assert len(problems) == 1
    assert "\n" not in problems[0].reason
    assert result.report.runs >= 16


# --- sample_data round-trips --------------------------------------------------------


def test_sample_data_round_trips_to_the_planned_weeks() -> None:
    athlete = sample_athlete()
    result = lw.import_activities(SAMPLE)
    assert result.report.errors == []
    assert result.report.athletes == [athlete.name]
    assert len(result.report.duplicates) == 1
    weeks = lw.weekly_table(result.timeline)
    truth = weekly_totals(athlete.runs, athlete.week_start)
    assert len(weeks) == len(truth)
    for expected, (_, got) in zip(truth, weeks.iterrows(), strict=True):
        assert got["week_start"].date() == expected.week_start
        assert got["distance_km"] == pytest.approx(expected.distance_km, rel=0.01, abs=0.05)
        assert got["runs"] == expected.runs
        assert got["longest_run_km"] == pytest.approx(expected.longest_km, rel=0.01)
    runs = result.timeline[result.timeline["is_run"]]
    assert (runs["timezone"] == "America/New_York").all()
    # local time agrees with the plan (DST included)
    planned = sorted(r.start_local for r in athlete.runs if r.sport == "running")
    got = sorted(runs["start_local"].dt.to_pydatetime())
    assert len(set(planned)) == len(got)
    assert all(
        abs(a - b) < timedelta(seconds=2) for a, b in zip(sorted(set(planned)), got, strict=True)
    )


def test_sample_copy_is_read_identically_as_gz(tmp_path: Path) -> None:
    import gzip

    target = tmp_path / "gz"
    shutil.copytree(SAMPLE, target)
    for path in list(target.rglob("*.fit"))[:10]:
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes(), mtime=0))
        path.unlink()
    plain = lw.read(SAMPLE)
    packed = lw.read(target)
    pd.testing.assert_series_equal(
        plain["distance_km"].reset_index(drop=True), packed["distance_km"].reset_index(drop=True)
    )
    assert packed["file"].str.endswith(".fit.gz").sum() == 10


def test_athletes_imported_apart_and_combined_equal_one_import(tmp_path: Path) -> None:
    """The seam engines use: importing athletes one by one and combining gives the same."""
    from loadwatch.timeline.athletes import find_athletes
    from loadwatch.timeline.build import combine_results, import_athletes

    start = datetime(2026, 3, 2, 7, 0)
    for name, km in (("Ann Even", 8.0), ("Bo Long", 12.0)):
        runs = [PlannedRun(start + timedelta(days=2 * i), km) for i in range(4)]
        write_athlete(Athlete(name, "Europe/Berlin", (52.52, 13.405), runs), tmp_path / name)
    (tmp_path / "Bo Long" / "notes.fit").write_bytes(b"not a fit file")

    whole = lw.import_activities(tmp_path, cache=False)  # both decode: equal counters
    parts = combine_results([import_athletes([a], cache=False) for a in find_athletes(tmp_path)])

    assert list(whole.report.athletes) == ["Ann Even", "Bo Long"]
    pd.testing.assert_frame_equal(parts.timeline, whole.timeline)
    pd.testing.assert_frame_equal(parts.laps, whole.laps)
    assert parts.report.to_dict() == whole.report.to_dict()
    assert parts.timeline.attrs == whole.timeline.attrs
    assert parts.settings == whole.settings
    assert sorted(parts.profiles) == sorted(whole.profiles)
    assert whole.timeline.groupby("athlete")["distance_km"].sum().round(1).to_dict() == {
        "Ann Even": 32.0,
        "Bo Long": 48.0,
    }
    assert len(whole.report.errors) == 1
