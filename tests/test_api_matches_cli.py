"""The library API gives the same weekly numbers and findings as the CLI's ``--json``.

``loadwatch weeks --json`` must equal ``week_records(weekly_load(result))`` and
``loadwatch check --json`` must equal ``finding_records(check(result))``, field by
field, for the sample runner and for a small generated roster (Sunday weeks,
interval laps, a FIT+GPX duplicate, a ride, a hot run, shoes). The accessor
(``timeline.loadwatch``) gives the same numbers when handed the import.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import loadwatch as lw
import loadwatch.accessor  # registers DataFrame.loadwatch
from loadwatch.cli import main
from loadwatch.findings.table import FINDING_FIELDS, finding_records
from loadwatch.report.records import ACTIVITY_FIELDS, WEEK_FIELDS, activity_records, week_records
from loadwatch.shoes import SHOE_FIELDS, shoe_records, shoe_table
from loadwatch.synthetic import Athlete, Intervals, PlannedRun, build_weeks, write_athlete

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"

#: Faster files for the generated roster: a sample a minute is enough here.
FAST = {"record_interval_s": 60.0}


def roster_athletes() -> list[Athlete]:
    """Three runners, eight weeks each, with something for every column of the tables."""
    first = date(2026, 3, 2)  # a Monday
    ann_runs = build_weeks(first, [30, 30, 32, 34, 46, 32, 34, 36], 4, **FAST)
    ann_runs.append(  # the same run as Ann's Tuesday FIT, from Strava as GPX: merged
        PlannedRun(datetime(2026, 3, 3, 6, 30), ann_runs[0].distance_km, fmt="gpx", **FAST)
    )
    ann_runs.append(PlannedRun(datetime(2026, 3, 14, 9, 0), 40.0, 120.0, sport="cycling", **FAST))
    ann = Athlete(
        "Ann Lee",
        "Europe/London",
        (51.50, -0.12),
        ann_runs,
        shoes=[{"name": "Trainer A", "from": date(2026, 1, 1), "drop_mm": 10, "start_km": 700}],
    )
    ben_runs = build_weeks(date(2026, 3, 1), [40, 42, 44, 30, 46, 48, 50, 35], 5, **FAST)
    ben_runs.append(
        PlannedRun(
            datetime(2026, 4, 8, 18, 0),
            10.0,
            intervals=Intervals(reps=6, rep_m=800, rep_pace_s_per_km=230),
            **FAST,
        )
    )
    ben = Athlete("Ben Okafor", "America/New_York", (40.78, -73.97), ben_runs, week_start="sunday")
    cleo_runs = build_weeks(first, [25, 25, 27, 28, 40, 0, 0, 20], 4, **FAST)
    cleo_runs.append(PlannedRun(datetime(2026, 3, 28, 13, 0), 8.0, temperature_c=29.0, **FAST))
    cleo = Athlete("Cleo Park", "Asia/Seoul", (37.56, 126.97), cleo_runs, units="mi")
    return [ann, ben, cleo]


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("roster")
    for athlete in roster_athletes():
        folder = athlete.name.lower().replace(" ", "-")
        write_athlete(athlete, root / folder)
    return root


@pytest.fixture(scope="module")
def roster_result(roster: Path) -> lw.ImportResult:
    return lw.import_activities(roster)


@pytest.fixture(scope="module", params=["sample_data", "roster"])
def folder(request: pytest.FixtureRequest) -> Path:
    if request.param == "sample_data":
        return SAMPLE_DATA
    return request.getfixturevalue("roster")


@pytest.fixture(scope="module")
def result(folder: Path, request: pytest.FixtureRequest) -> lw.ImportResult:
    if folder == SAMPLE_DATA:
        return lw.import_activities(folder)
    return request.getfixturevalue("roster_result")


def cli_json(*args: str) -> list[dict[str, Any]]:
    outcome = CliRunner().invoke(main, list(args))
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.stdout)


def same_json(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records as the CLI prints them (through JSON, so tuples and floats compare alike)."""
    return json.loads(json.dumps(records, ensure_ascii=False))


def assert_same_records(
    api: list[dict[str, Any]], cli: list[dict[str, Any]], fields: tuple[str, ...], key: str
) -> None:
    """Equal length, then equal field by field (the message names the row and field)."""
    assert len(api) == len(cli), f"{key}: API has {len(api)} rows, CLI {len(cli)}"
    for i, (mine, theirs) in enumerate(zip(same_json(api), cli, strict=True)):
        assert list(theirs) == list(fields)
        for field in fields:
            assert mine[field] == theirs[field], (
                f"{key} row {i} ({theirs.get('athlete')}, {theirs.get('week_start')}): "
                f"{field} API {mine[field]!r} != CLI {theirs[field]!r}"
            )


def test_weeks_json_equals_weekly_load(folder: Path, result: lw.ImportResult) -> None:
    cli = cli_json("weeks", str(folder), "--json")
    api = week_records(lw.weekly_load(result))
    assert_same_records(api, cli, WEEK_FIELDS, "weeks")
    assert any(r["distance_km"] > 0 for r in cli)


def test_check_json_equals_check(folder: Path, result: lw.ImportResult) -> None:
    cli = cli_json("check", str(folder), "--json")
    api = finding_records(lw.check(result))
    assert_same_records(api, cli, FINDING_FIELDS, "check")
    assert any(r["severity"] in ("caution", "high") for r in cli)


def test_check_no_notes_equals_alarms(roster: Path, roster_result: lw.ImportResult) -> None:
    cli = cli_json("check", str(roster), "--json", "--no-notes")
    api = finding_records(lw.alarms(lw.check(roster_result)))
    assert_same_records(api, cli, FINDING_FIELDS, "check --no-notes")


def test_activities_json_equals_timeline(roster: Path, roster_result: lw.ImportResult) -> None:
    cli = cli_json("activities", str(roster), "--json")
    api = activity_records(roster_result.timeline)
    assert_same_records(api, cli, ACTIVITY_FIELDS, "activities")


def test_shoes_json_equals_shoe_table(roster: Path, roster_result: lw.ImportResult) -> None:
    cli = cli_json("shoes", str(roster), "--json")
    api = shoe_records(shoe_table(roster_result))
    assert_same_records(api, cli, SHOE_FIELDS, "shoes")
    assert any(r["shoe"] == "Trainer A" for r in cli)


def test_accessor_equals_cli_numbers(folder: Path, result: lw.ImportResult) -> None:
    timeline = result.timeline
    weeks = week_records(timeline.loadwatch.weekly(result=result))
    assert_same_records(weeks, week_records(lw.weekly_load(result)), WEEK_FIELDS, "accessor weeks")
    found = timeline.loadwatch.findings(result=result)
    expected = lw.findings_frame(lw.check(result))
    assert found.equals(expected)


def test_roster_story_reaches_every_table(roster_result: lw.ImportResult) -> None:
    """The generated roster exercises what the comparison should cover."""
    result = roster_result
    weeks = lw.weekly_load(result)
    assert sorted(weeks["athlete"].unique()) == ["Ann Lee", "Ben Okafor", "Cleo Park"]
    ben = weeks[weeks["athlete"] == "Ben Okafor"]
    assert (ben["week_start"].dt.day_name() == "Sunday").all()
    assert ben["fast_km"].max() > 3.0  # the interval laps: 6 x 800 m
    assert (weeks.loc[weeks["athlete"] == "Cleo Park", "distance_km"] == 0).sum() == 2
    assert len(result.report.duplicates) == 1
    assert (~result.timeline["is_run"]).sum() == 1
    rules = {f.rule for f in lw.check(result)}
    assert {"weekly-increase", "return-from-layoff", "heat-note", "shoe-mileage"} <= rules
    assert result.timeline["start_local"].min().time() >= time(6, 0)
