"""Shoe assignment from a Strava export, ``shoe-overrides.csv`` and ``[[shoes]]`` periods.

Every test writes real files: FIT/GPX activities (``loadwatch.synthetic``), gzipped
under ``activities/`` as Strava names them, and an ``activities.csv`` with
Strava's header (two ``Distance`` columns: display km first, metres last).
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

import loadwatch
from loadwatch.errors import SettingsError
from loadwatch.shoes import (
    OVERRIDES_FILE,
    assign_shoes,
    rotation,
    shoe_findings,
    shoe_records,
    shoe_table,
    shoe_text,
)
from loadwatch.synthetic import Athlete, PlannedRun, toml_text, write_athlete
from loadwatch.synthetic.strava_export import STRAVA_SCALE, write_strava_export

ZONE = "Europe/Berlin"
HOME = (52.52, 13.405)


def write_export(
    folder: Path,
    entries: list[tuple[int, PlannedRun, str]],
    *,
    shoes: list[tuple[str, str, str]] = (),
    extra_files: dict[str, PlannedRun] | None = None,
) -> dict[int, PlannedRun]:
    """A Strava export in Berlin (see :mod:`loadwatch.synthetic.strava_export`)."""
    return write_strava_export(
        folder, entries, timezone=ZONE, home=HOME, shoes=shoes, extra_files=extra_files
    )


def _run(day: date, km: float, hour: int = 7, **fields: object) -> PlannedRun:
    return PlannedRun(
        datetime.combine(day, datetime.min.time()).replace(hour=hour),
        km,
        record_interval_s=30.0,
        **fields,  # type: ignore[arg-type]
    )


def _csv_km(folder: Path, gear: str) -> float:
    """Sum of the metres column of activities.csv for one gear, the way a user would."""
    with (folder / "activities.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    at_gear, at_metres = (
        rows[0].index("Activity Gear"),
        len(rows[0]) - 1 - rows[0][::-1].index("Distance"),
    )
    at_type = rows[0].index("Activity Type")
    return sum(
        float(r[at_metres]) / 1000 for r in rows[1:] if r[at_gear] == gear and r[at_type] == "Run"
    )


MON = date(2026, 3, 2)


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> tuple[Path, loadwatch.ImportResult]:
    """A Strava export without loadwatch.toml: two pairs in rotation, a ride with gear,
    runs without gear, and one run uploaded twice (watch FIT + Strava GPX)."""
    folder = tmp_path_factory.mktemp("strava") / "export_12345"
    entries: list[tuple[int, PlannedRun, str]] = []
    next_id = 1000
    for week in range(3):
        monday = MON + timedelta(weeks=week)
        for offset, km, gear in (
            (1, 8.0, "Pegasus 40"),
            (3, 10.0, "Nike Vaporfly 3"),
            (4, 6.0, ""),
            (6, 16.0, "Pegasus 40"),
        ):
            entries.append((next_id, _run(monday + timedelta(days=offset), km), gear))
            next_id += 1
        # A ride, wrongly tagged with a pair of shoes: never adds to the pair.
        ride = _run(monday + timedelta(days=5), 40.0, 9, sport="cycling", pace_s_per_km=120.0)
        entries.append((next_id, ride, "Pegasus 40"))
        next_id += 1
    # The same Saturday run twice in the CSV (a re-upload): FIT and GPX of one activity.
    twice = _run(MON + timedelta(weeks=3, days=5), 12.0, 8)
    entries.append((2001, twice, "Pegasus 40"))
    entries.append((2002, _run(twice.start_local.date(), 12.0, 8, fmt="gpx"), "Pegasus 40"))
    # The watch's own FIT of a run Strava has as GPX: kept, with Strava's file merged into it.
    watch = _run(MON + timedelta(weeks=3, days=6), 14.0, 8)
    entries.append((2003, _run(watch.start_local.date(), 14.0, 8, fmt="gpx"), "Nike Vaporfly 3"))
    write_export(
        folder,
        entries,
        shoes=[("Pegasus 40", "Nike", "Pegasus 40"), ("", "Nike", "Vaporfly 3")],
        extra_files={"watch/2026-03-29-0800-run.fit": watch},
    )
    return folder, loadwatch.import_activities(folder)


def test_strava_gear_assigns_runs_to_the_right_pairs(export) -> None:
    _, result = export
    runs = assign_shoes(result)
    assert len(runs) == 3 * 4 + 2  # 12 weekday runs, the duplicate once, the watch run once
    by_file = {
        Path(f).name: shoe
        for f, shoe in zip(
            result.timeline.set_index("activity_id").loc[runs.index, "file"],
            runs["shoe"],
            strict=True,
        )
    }
    assert by_file["1000.fit.gz"] == "Pegasus 40"
    assert by_file["1001.fit.gz"] == "Nike Vaporfly 3"
    assert by_file["1002.fit.gz"] is None  # no gear in Strava: unassigned
    assert by_file["2026-03-29-0800-run.fit"] == "Nike Vaporfly 3"  # via the merged GPX
    strava = runs[runs["source"] == "strava"]
    assert strava["note"].str.startswith("Strava activity ").all()
    assert runs.loc[runs["shoe"].isna(), "source"].isna().all()


def test_totals_match_the_strava_csv_distances(export) -> None:
    folder, result = export
    rows = {r["shoe"]: r for r in shoe_records(shoe_table(result))}
    # The CSV lists the re-uploaded run twice (2001, 2002): count it once, as loadwatch does.
    pegasus_csv = _csv_km(folder, "Pegasus 40") - 12.0 * STRAVA_SCALE
    vaporfly_csv = _csv_km(folder, "Nike Vaporfly 3")
    assert rows["Pegasus 40"]["distance_km"] == pytest.approx(pegasus_csv, rel=0.02)
    assert rows["Nike Vaporfly 3"]["distance_km"] == pytest.approx(vaporfly_csv, rel=0.02)
    assert rows["Pegasus 40"]["distance_km"] == pytest.approx(3 * 24.0 + 12.0, abs=0.05)
    assert rows["Pegasus 40"]["runs"] == 7 and rows["Nike Vaporfly 3"]["runs"] == 4
    # Brand and model from shoes.csv; the pair without a nickname is "Brand Model".
    assert (rows["Pegasus 40"]["brand"], rows["Pegasus 40"]["model"]) == ("Nike", "Pegasus 40")
    assert rows["Nike Vaporfly 3"]["model"] == "Vaporfly 3"


def test_rides_and_duplicates_never_add_to_a_pair(export) -> None:
    _, result = export
    timeline = result.timeline
    rides = timeline[timeline["sport"] == "cycling"]
    assert len(rides) == 3 and not rides["is_run"].any()
    runs = assign_shoes(result)
    assert not set(rides["activity_id"]) & set(runs.index)
    merged = timeline[timeline["merged_from"].map(len) > 0]
    assert len(merged) == 2 and len(result.report.duplicates) == 2
    pegasus = runs[runs["shoe"] == "Pegasus 40"]
    assert pegasus["distance_km"].sum() == pytest.approx(84.0, abs=0.05)  # no 40 km rides


def test_runs_without_gear_are_reported_as_unassigned(export) -> None:
    _, result = export
    table = shoe_table(result)
    loose = table[table["shoe"].isna()]
    assert len(loose) == 1
    (row,) = loose.to_dict("records")
    assert row["runs"] == 3 and row["distance_km"] == pytest.approx(18.0, abs=0.05)
    assert row["status"] is None and pd.isna(row["forecast_300mi"])
    assert table["shoe"].tolist()[-1] is None  # shown last
    text = shoe_text(shoe_records(table))
    assert "(no shoe)" in text and "3 runs have no shoe (unassigned)" in text
    assert "2 pairs in use in the last 8 weeks" in text
    assert rotation(table)["pairs"].tolist() == [2]
    assert shoe_findings(result) == []  # 102 km is far from 300 miles; no drops known


# --- precedence: overrides > Strava gear > [[shoes]] periods ----------------------------


@pytest.fixture(scope="module")
def layered(tmp_path_factory) -> tuple[Path, loadwatch.ImportResult]:
    folder = tmp_path_factory.mktemp("layered") / "lee"
    runs = {i: _run(MON + timedelta(days=i), 5.0 + i) for i in range(8)}
    write_export(
        folder,
        [
            (3000, runs[0], "PEGASUS 40"),  # the [[shoes]] entry "Pegasus 40", any case
            (3001, runs[1], "PEGASUS 40"),
            (3002, runs[2], "Pegasus 40"),  # overridden by its file name
            (3003, runs[3], ""),  # no gear: the [[shoes]] period
            (3004, runs[4], ""),  # overridden by its date
            (3005, runs[5], ""),  # overridden to "no tracked pair"
            (3006, runs[6], "Pegasus 40"),
            (3007, runs[7], ""),
        ],
    )
    athlete = Athlete(
        "Lee",
        ZONE,
        HOME,
        [],
        shoes=[
            {"name": "Daily Trainer", "from": date(2026, 1, 1), "drop_mm": 10, "start_km": 100},
            {
                "name": "Pegasus 40",
                "from": date(2025, 1, 1),
                "until": date(2025, 12, 31),
                "drop_mm": 10,
                "start_km": 50,
            },
        ],
    )
    (folder / "loadwatch.toml").write_text(toml_text(athlete), encoding="utf-8")
    (folder / OVERRIDES_FILE).write_text(
        "file_or_date,shoe\n"
        "# a comment line\n"
        "activities/3002.fit.gz,Racer\n"
        f"{runs[4].start_local.date()},Racer\n"
        f"{runs[5].start_local.date()},\n"
        "2026-12-31,Nobody Runs Then\n",
        encoding="utf-8",
    )
    return folder, loadwatch.import_activities(folder)


def test_overrides_beat_strava_gear_beat_settings_periods(layered) -> None:
    _, result = layered
    runs = assign_shoes(result)
    got = list(zip(runs["shoe"], runs["source"], strict=True))
    assert got == [
        ("Pegasus 40", "strava"),
        ("Pegasus 40", "strava"),
        ("Racer", "override"),  # file override beats Strava gear
        ("Daily Trainer", "settings"),  # a Strava activity without gear falls through
        ("Racer", "override"),  # date override beats the period
        (None, "override"),  # empty shoe: in no tracked pair
        ("Pegasus 40", "strava"),
        ("Daily Trainer", "settings"),
    ]
    assert runs["note"].iloc[2] == f"{OVERRIDES_FILE} line 3"
    assert "in no tracked pair" in runs["note"].iloc[5]


def test_start_km_counts_and_gear_takes_the_settings_entry(layered) -> None:
    _, result = layered
    rows = {r["shoe"]: r for r in shoe_records(shoe_table(result))}
    assert rows["Pegasus 40"]["distance_km"] == pytest.approx(50 + 5 + 6 + 11, abs=0.05)
    assert rows["Pegasus 40"]["drop_mm"] == 10.0
    assert rows["Daily Trainer"]["distance_km"] == pytest.approx(100 + 8 + 12, abs=0.05)
    assert rows["Daily Trainer"]["start_km"] == 100.0
    assert rows["Racer"]["distance_km"] == pytest.approx(7 + 9, abs=0.05)
    assert rows["Racer"]["drop_mm"] is None
    assert rows[None]["runs"] == 1
    # A pair named in loadwatch.toml that ran nothing here still shows, if used: all are.
    assert {r["shoe"] for r in rows.values()} == {"Pegasus 40", "Daily Trainer", "Racer", None}


def test_two_periods_on_one_day_leave_the_run_unassigned(tmp_path) -> None:
    runs = [_run(MON, 8.0), _run(MON + timedelta(days=3), 9.0)]
    athlete = Athlete(
        "Ro",
        ZONE,
        HOME,
        runs,
        shoes=[
            {"name": "Left Pair", "from": MON - timedelta(days=30)},
            {"name": "Right Pair", "from": MON + timedelta(days=2)},
        ],
    )
    folder = tmp_path / "ro"
    write_athlete(athlete, folder)
    # An activities.csv that is not a Strava export is passed over.
    (folder / "activities.csv").write_text("date,km\n2026-03-02,8\n", encoding="utf-8")
    assigned = assign_shoes(loadwatch.import_activities(folder))
    assert assigned["shoe"].tolist() == ["Left Pair", None]
    note = assigned["note"].iloc[1]
    assert "2 [[shoes]] periods cover 2026-03-05 (Left Pair, Right Pair)" in note
    assert OVERRIDES_FILE in note


def test_rides_only_athlete_has_pairs_but_no_runs(tmp_path) -> None:
    ride = _run(MON, 30.0, sport="cycling", pace_s_per_km=120.0)
    athlete = Athlete(
        "Cy", ZONE, HOME, [ride], shoes=[{"name": "Old Pair", "from": MON, "start_km": 600}]
    )
    write_athlete(athlete, tmp_path / "cy")
    result = loadwatch.import_activities(tmp_path / "cy")
    assert assign_shoes(result).empty
    records = shoe_records(shoe_table(result))
    assert len(records) == 1
    (pair,) = records
    assert (pair["shoe"], pair["runs"], pair["distance_km"]) == ("Old Pair", 0, 600.0)
    assert pair["status"] == "caution" and pair["first_run"] is None
    assert pair["forecast_500mi"] is None  # not in use: no forecast
    assert shoe_findings(result) == []  # no run to date a finding on


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("file,pair\nx.fit,A\n", "expected the columns file_or_date,shoe"),
        ("file_or_date,shoe\n2026-02-30,A\n", "line 2: '2026-02-30' is not a date"),
        ("file_or_date,shoe\n2026-03-02,A\n2026-3-2,B\n", "line 3: 2026-03-02 is listed twice"),
        ("file_or_date,shoe\nrun.fit,A\nRUN.FIT,B\n", "'RUN.FIT' is listed twice"),
        ("file_or_date,shoe\n,A\n", "line 2: file_or_date is empty"),
    ],
)
def test_a_bad_overrides_file_is_one_line_naming_it(tmp_path, text, match) -> None:
    folder = tmp_path / "bad"
    write_athlete(Athlete("Bad", ZONE, HOME, [_run(MON, 5.0)]), folder)
    (folder / OVERRIDES_FILE).write_text(text, encoding="utf-8")
    result = loadwatch.import_activities(folder)
    with pytest.raises(SettingsError, match=match) as caught:
        assign_shoes(result)
    assert OVERRIDES_FILE in str(caught.value) and "\n" not in str(caught.value)
