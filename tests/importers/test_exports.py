"""Whole export archives: a Strava bulk export and a Garmin Connect export, built from
corpus files, read zipped and unzipped; their tables give sports, titles and shoes."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import struct
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

import loadwatch as lw
from loadwatch.errors import UnsafeFileError
from loadwatch.importers import archives
from loadwatch.shoes import shoe_records, shoe_table
from loadwatch.synthetic.strava_export import HEADER

from support import CORPUS_DIR, load_manifest

pytestmark = pytest.mark.corpus

#: Strava re-measures GPS tracks: its distances differ from the watch's by a little.
STRAVA_SCALE = 1.005

#: (corpus file, Strava type, gear, title) of the export's activities with a file.
STRAVA_ENTRIES = [
    ("corriporai_runpandas/run.fit", "Run", "Pegasus 40", "Easy 6 with Sam"),
    ("dtcooper_python-fitparse/activity-small-fenix2-run.fit", "Run", "Pegasus 40", "Tempo"),
    ("thomaschampagne_elevate/trosku.fit", "Run", "Trail Shoe", "Trosku loop"),
    ("thomaschampagne_elevate/bloemendaal.fit", "Run", "Trail Shoe", "Dunes"),
    ("thomaschampagne_elevate/portland.fit", "Run", "Pegasus 40", "Portland long run"),
    ("thomaschampagne_elevate/20170319_run_906581465.gpx", "Run", "", "Run avec Nico"),
    ("GoldenCheetah_sweatpy/3173437224.tcx", "Run", "Trail Shoe", "Polar run"),
    ("thomaschampagne_elevate/treadmill.fit", "Run", "", "Treadmill"),
    # The watch said running; the runner corrected it on Strava: it was a walk.
    ("dtcooper_python-fitparse/2013-02-06-12-11-14.fit", "Walk", "Pegasus 40", "Walk"),
    ("thomaschampagne_elevate/20190811_ride_3939576645.fit", "Ride", "Road Bike", "Ride"),
    ("thomaschampagne_elevate/20190721_ride_2551623996.gpx", "Ride", "Road Bike", "50k"),
    # Strava's distance is far from the file's: noted on the row.
    ("corriporai_runpandas/run.tcx", "Run", "", "TomTom run"),
]
MISMATCHED = "corriporai_runpandas/run.tcx"


def _manifest() -> dict[str, object]:
    return {row.file: row for row in load_manifest()}


def _strava_row(activity_id: int, kind: str, gear: str, title: str, km: float, filename: str):
    cells = [""] * len(HEADER)

    def put(column: str, value: object, occurrence: int = -1) -> None:
        cells[[i for i, n in enumerate(HEADER) if n == column][occurrence]] = str(value)

    put("Activity ID", activity_id)
    put("Activity Name", title)
    put("Activity Type", kind)
    put("Distance", f"{km:.2f}", 0)
    put("Distance", f"{km * 1000:.1f}")
    put("Activity Gear", gear)
    put("Filename", filename)
    return cells


def write_strava_export_from_corpus(folder: Path) -> list[list[str]]:
    """The export unpacked in ``folder``; returns the rows of its activities.csv."""
    manifest = _manifest()
    (folder / "activities").mkdir(parents=True)
    rows = []
    for number, (name, kind, gear, title) in enumerate(STRAVA_ENTRIES):
        activity_id = 4_000_000_000 + number
        source = CORPUS_DIR / name
        suffix = "".join(source.suffixes).lower()
        filename = f"activities/{activity_id}{suffix}.gz"  # Strava gzips uploaded files
        (folder / filename).write_bytes(gzip.compress(source.read_bytes(), mtime=0))
        km = manifest[name].total_distance_m / 1000 * STRAVA_SCALE
        if name == MISMATCHED:
            km *= 1.3
        rows.append(_strava_row(activity_id, kind, gear, title, km, filename))
    # Typed in by hand on Strava: no file, not in the timeline.
    rows.append(_strava_row(4_100_000_000, "Run", "Pegasus 40", "Treadmill at the gym", 5.0, ""))
    with (folder / "activities.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    with (folder / "shoes.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Shoe Name", "Shoe Brand", "Shoe Model", "Shoe Default Sport Types"])
        writer.writerow(["Pegasus 40", "Nike", "Pegasus 40", "Run"])
        writer.writerow(["Trail Shoe", "Salomon", "Speedcross 6", "Run"])
    return rows


def _zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return target


@pytest.fixture(scope="module")
def strava(tmp_path_factory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("strava-export")
    folder = base / "export_12345"
    rows = write_strava_export_from_corpus(folder)
    zipped = _zip_folder(folder, base / "export_12345.zip")
    original = {p: p.read_bytes() for p in [zipped, *folder.rglob("*")] if p.is_file()}
    return {
        "rows": rows,
        "original": original,
        "folder": lw.import_activities(folder),
        "zip": lw.import_activities(zipped),
    }


def _by_id(result: lw.ImportResult) -> pd.DataFrame:
    timeline = result.timeline.copy()
    timeline["strava_id"] = timeline["file"].str.extract(r"(\d{10})\.[a-z.]+$", expand=False)
    return timeline.set_index("strava_id").sort_index()


def _csv_table(rows: list[list[str]]) -> pd.DataFrame:
    at = {name: HEADER.index(name) for name in ("Activity ID", "Activity Type", "Filename")}
    at["Activity Gear"] = HEADER.index("Activity Gear")
    at["Activity Name"] = HEADER.index("Activity Name")
    metres = len(HEADER) - 1 - HEADER[::-1].index("Distance")
    return pd.DataFrame(
        {
            "id": [r[at["Activity ID"]] for r in rows],
            "type": [r[at["Activity Type"]] for r in rows],
            "gear": [r[at["Activity Gear"]] for r in rows],
            "name": [r[at["Activity Name"]] for r in rows],
            "file": [r[at["Filename"]] for r in rows],
            "km": [float(r[metres]) / 1000 for r in rows],
        }
    )


@pytest.mark.parametrize("form", ["folder", "zip"])
def test_strava_export_gives_the_tables_runs_titles_and_sports(strava, form) -> None:
    result = strava[form]
    table = _csv_table(strava["rows"])
    timeline = _by_id(result)
    with_file = table[table["file"] != ""].set_index("id").sort_index()
    assert list(timeline.index) == list(with_file.index)  # every activity with a file, once
    assert (timeline["name"] == with_file["name"]).all()  # Strava's titles
    runs = set(timeline.index[timeline["is_run"]])
    assert runs == set(with_file.index[with_file["type"] == "Run"])
    walk = timeline.loc[with_file.index[with_file["type"] == "Walk"][0]]
    assert walk["sport"] == "walking" and not walk["is_run"]
    assert "sport from Strava (Walk); the file says running" in walk["notes"]
    gpx = timeline.loc[with_file.index[with_file["name"] == "Run avec Nico"][0]]
    assert gpx["sport"] == "running" and not gpx["sport_inferred"]


@pytest.mark.parametrize("form", ["folder", "zip"])
def test_strava_export_shoe_totals_match_its_table_within_two_percent(strava, form) -> None:
    result = strava[form]
    table = _csv_table(strava["rows"])
    listed = table[(table["type"] == "Run") & (table["file"] != "") & (table["gear"] != "")]
    expected = listed.groupby("gear")["km"].sum()
    rows = {r["shoe"]: r for r in shoe_records(shoe_table(result))}
    for gear, km in expected.items():
        assert rows[gear]["distance_km"] == pytest.approx(km, rel=0.02), gear
    assert rows["Trail Shoe"]["runs"] == 3 and rows["Pegasus 40"]["runs"] == 3
    assert (rows["Trail Shoe"]["brand"], rows["Trail Shoe"]["model"]) == ("Salomon", "Speedcross 6")
    assert "Road Bike" not in rows  # a bike's gear never becomes a pair of shoes
    runs_km = result.timeline.loc[result.timeline["is_run"], "distance_km"].sum()
    listed_runs = table[(table["type"] == "Run") & (table["file"] != "")]
    mismatch = listed_runs["name"] == "TomTom run"  # Strava's figure is wrong: the file counts
    tomtom_km = _manifest()[MISMATCHED].total_distance_m / 1000
    assert runs_km == pytest.approx(listed_runs.loc[~mismatch, "km"].sum() + tomtom_km, rel=0.02)


@pytest.mark.parametrize("form", ["folder", "zip"])
def test_strava_export_distance_check_and_manual_entries_are_reported(strava, form) -> None:
    result = strava[form]
    timeline = result.timeline
    tomtom = timeline[timeline["name"] == "TomTom run"].iloc[0]
    assert "differs from Strava's" in tomtom["notes"] and "-23%" in tomtom["notes"]
    flagged = timeline[timeline["notes"].str.contains("differs from Strava", regex=False)]
    assert list(flagged["name"]) == ["TomTom run"]  # Strava's 0.5 % re-measuring is not noted
    lines = result.report.lines()
    assert any("1 activity entered by hand on Strava (no file)" in line for line in lines)
    assert any("5.0 km of runs" in line for line in lines)
    assert not any("not in the timeline" in line for line in lines)


def test_strava_export_zipped_equals_unzipped_and_files_are_untouched(strava) -> None:
    keep = [c for c in lw.COLUMNS if c not in ("file", "merged_from", "notes")]
    folder, zipped = _by_id(strava["folder"])[keep], _by_id(strava["zip"])[keep]
    pd.testing.assert_frame_equal(folder, zipped)
    assert strava["zip"].timeline["file"].str.contains(r"export_12345\.zip!activities/").all()
    for path, data in strava["original"].items():
        assert path.read_bytes() == data


# --- Garmin Connect export -------------------------------------------------------------

#: (corpus file, name inside the uploads zip, Garmin activityType, title or None: no summary)
GARMIN_ENTRIES = [
    ("corriporai_runpandas/run.fit", "runner@example.com_11111111111.fit", "running", "Park 6K"),
    (
        "thomaschampagne_elevate/20190811_ride_3939576645.fit",
        "runner@example.com_22222222222.fit",
        "road_biking",
        "Sunday ride",
    ),
    # No activity id in the name: matched by its start time.
    (
        "dtcooper_python-fitparse/activity-small-fenix2-run.fit",
        "2015-08-15-fenix2.fit",
        "trail_running",
        "Hill trail",
    ),
    ("thomaschampagne_elevate/treadmill.fit", "runner@example.com_33333333333.fit", None, None),
]


def _garmin_summary() -> bytes:
    manifest = _manifest()
    entries = []
    for number, (name, member, kind, title) in enumerate(GARMIN_ENTRIES):
        if kind is None:
            continue
        start = datetime.fromisoformat(manifest[name].start_time_utc.replace("Z", "+00:00"))
        id_in_name = member.rsplit("_", 1)[-1].removesuffix(".fit")
        entries.append(
            {
                "activityId": int(id_in_name) if id_in_name.isdigit() else 90_000 + number,
                "name": title,
                "activityType": kind,
                "sportType": "RUNNING" if "running" in kind else "CYCLING",
                "beginTimestamp": int(start.timestamp() * 1000),
                "startTimeGmt": int(start.timestamp() * 1000),
                "distance": manifest[name].total_distance_m * 100,  # centimetres
                "duration": 1_800_000.0,
            }
        )
    return json.dumps([{"summarizedActivitiesExport": entries}]).encode()


def write_garmin_export(target: Path) -> Path:
    """A Garmin Connect export zip: the uploads as a nested zip, the summaries as JSON."""
    uploads = io.BytesIO()
    with zipfile.ZipFile(uploads, "w", zipfile.ZIP_DEFLATED) as inner:
        for name, member, _, _ in GARMIN_ENTRIES:
            inner.writestr(member, (CORPUS_DIR / name).read_bytes())
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as outer:
        outer.writestr(
            "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip", uploads.getvalue()
        )
        outer.writestr(
            "DI_CONNECT/DI-Connect-Fitness/runner@example.com_0_summarizedActivities.json",
            _garmin_summary(),
        )
        outer.writestr("DI_CONNECT/DI-Connect-User/user_profile.json", b"{}")
    return target


@pytest.mark.parametrize("form", ["zip", "unzipped"])
def test_garmin_export_takes_sports_and_titles_from_its_summaries(tmp_path, form) -> None:
    archive = write_garmin_export(tmp_path / "garmin-export.zip")
    path: Path = archive
    if form == "unzipped":
        path = tmp_path / "garmin-export"
        shutil.unpack_archive(archive, path)
        archive.unlink()
    result = lw.import_activities(path)
    timeline = result.timeline.assign(member=result.timeline["file"].str.rsplit("!", n=1).str[-1])
    by_member = timeline.set_index("member")
    assert sorted(by_member.index) == sorted(member for _, member, _, _ in GARMIN_ENTRIES)
    assert by_member.loc["runner@example.com_11111111111.fit", "name"] == "Park 6K"
    ride = by_member.loc["runner@example.com_22222222222.fit"]
    assert (ride["name"], ride["sport"], ride["is_run"]) == ("Sunday ride", "cycling", False)
    trail = by_member.loc["2015-08-15-fenix2.fit"]  # matched by start time
    assert (trail["name"], trail["sport"], trail["sub_sport"]) == ("Hill trail", "running", "trail")
    treadmill = by_member.loc["runner@example.com_33333333333.fit"]  # no summary: the file's
    assert (treadmill["sport"], treadmill["sub_sport"]) == ("running", "treadmill")
    assert int(timeline["is_run"].sum()) == 3
    assert "DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip!" in trail.name or (
        "UploadedFiles_0-_Part1.zip!" in str(trail["file"])
    )
    assert not result.report.errors


# --- hostile archives -----------------------------------------------------------------


def test_declared_entry_count_is_checked_before_the_central_directory(tmp_path, monkeypatch):
    """A zip whose end record declares more entries than the limit is refused unread."""
    path = tmp_path / "lying.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.gpx", b"<gpx/>")
        archive.writestr("b.gpx", b"<gpx/>")
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, 65_535, 65_535)  # entries here / in total
    path.write_bytes(bytes(data))
    monkeypatch.setattr(archives, "MAX_ARCHIVE_MEMBERS", 1_000)
    with pytest.raises(UnsafeFileError, match=r"65,535 files in the archive.*1,000 limit"):
        list(archives.iter_archive(path))
    result = lw.import_activities(path)
    assert [p.kind for p in result.report.errors] == ["unsafe"]
