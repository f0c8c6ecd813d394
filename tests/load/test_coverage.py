"""Coverage: the plan says when it rests on incomplete records.

A generated Strava export (:mod:`loadwatch.synthetic.strava_export`): six weeks of
four runs, two of whose files are then deleted (still listed in ``activities.csv``),
and two activities typed in by hand (a run and a ride: rows without a file). The
expectations come from what was written and deleted.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

import loadwatch as lw
from loadwatch.load.coverage import COVERAGE_FIELDS, QUIET_DAYS
from loadwatch.load.plan import plan_records
from loadwatch.synthetic import PlannedRun, build_weeks
from loadwatch.synthetic.strava_export import STRAVA_SCALE, write_strava_export
from loadwatch.units import distance_text

ZONE = "Europe/Berlin"
HOME = (52.52, 13.405)
FIRST_MONDAY = date(2026, 3, 2)
FAST = {"record_interval_s": 60.0}


def only(plans) -> dict:
    (record,) = plan_records(plans)
    return record


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("coverage") / "export_4242"
    runs = build_weeks(FIRST_MONDAY, [30.0] * 6, 4, **FAST)
    entries = [(5000 + i, run, "Trainer") for i, run in enumerate(runs)]
    manual = [
        (9001, PlannedRun(datetime(2026, 3, 25, 18, 0), 10.0, **FAST), ""),
        (9002, PlannedRun(datetime(2026, 3, 28, 9, 0), 40.0, sport="cycling", **FAST), ""),
    ]
    write_strava_export(folder, entries, timezone=ZONE, home=HOME, manual=manual)
    removed = [entries[5], entries[13]]  # two listed runs lose their file
    for activity_id, run, _gear in removed:
        (folder / "activities" / f"{activity_id}.{run.fmt}.gz").unlink()
    story = {
        "runs": len(entries) - len(removed),
        "removed_km": sum(run.distance_km for _, run, _ in removed) * STRAVA_SCALE,
        "manual_run_km": manual[0][1].distance_km * STRAVA_SCALE,
        "last_day": max(run.start_local.date() for run in runs),
    }
    return folder, story


def test_missing_files_and_hand_typed_entries_are_counted(export: tuple[Path, dict]) -> None:
    folder, story = export
    result = lw.import_activities(folder)
    plan = only(lw.plan(result))
    coverage = plan["coverage"]
    assert list(coverage) == list(COVERAGE_FIELDS)
    assert coverage["runs"] == story["runs"]
    assert coverage["listed_without_file"] == 2
    assert coverage["manual_entries"] == 2
    uncounted = story["removed_km"] + story["manual_run_km"]
    assert coverage["uncounted_run_km"] == pytest.approx(uncounted, abs=0.01)
    assert coverage["complete"] is False
    assert coverage["last_activity"] == str(story["last_day"])
    assert coverage["note"] == (
        f"judged on {story['runs']} runs; 2 listed activities have no file; 2 entries were "
        f"typed in by hand (not counted); {distance_text(uncounted, 'km')} of listed running "
        "not counted"
    )


def test_only_listed_activities_up_to_as_of_count(export: tuple[Path, dict]) -> None:
    folder, _story = export
    result = lw.import_activities(folder)
    # Before the first removed run (the 6th, in week 2) and the hand-typed entries.
    early = only(lw.plan(result, as_of=FIRST_MONDAY + timedelta(days=6)))["coverage"]
    assert early["listed_without_file"] == 0 and early["manual_entries"] == 0
    assert early["complete"] is True
    assert early["note"] == f"judged on {early['runs']} runs"


def test_days_without_any_activity_are_named(export: tuple[Path, dict]) -> None:
    folder, story = export
    result = lw.import_activities(folder)
    quiet = QUIET_DAYS + 2
    as_of = story["last_day"] + timedelta(days=quiet)
    coverage = only(lw.plan(result, as_of=as_of))["coverage"]
    assert coverage["days_without_activity"] == quiet
    assert (
        f"no activity in the {quiet} days before {as_of} (last: {story['last_day']})"
        in (coverage["note"])
    )
    short = only(lw.plan(result, as_of=story["last_day"] + timedelta(days=QUIET_DAYS - 1)))
    assert "no activity in the" not in short["coverage"]["note"]


def test_a_complete_export_is_complete(tmp_path: Path) -> None:
    folder = tmp_path / "export_1"
    runs = build_weeks(FIRST_MONDAY, [20.0] * 3, 3, **FAST)
    write_strava_export(
        folder, [(100 + i, r, "") for i, r in enumerate(runs)], timezone=ZONE, home=HOME
    )
    coverage = only(lw.plan(lw.import_activities(folder)))["coverage"]
    assert coverage["complete"] is True
    assert coverage["note"] == f"judged on {len(runs)} runs"
    assert (coverage["listed_without_file"], coverage["manual_entries"]) == (0, 0)


def test_csv_gives_the_coverage_note(export: tuple[Path, dict]) -> None:
    folder, _story = export
    (flat,) = plan_records(lw.plan(lw.import_activities(folder)), flat=True)
    assert flat["coverage"].startswith("judged on 22 runs; 2 listed activities have no file")
