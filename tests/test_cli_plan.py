"""``loadwatch plan``: one plan per athlete of a generated roster, as JSON, CSV and text.

The roster's stories: Ann runs 30 km a week (a 10.5 km long run) for nine weeks;
Ben ran 40 km a week for five Sunday weeks and stopped four weeks before Ann's
last run (a return after a layoff, in miles); Cleo has run twice in the last week.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import loadwatch as lw
from loadwatch.cli import main
from loadwatch.load.plan import plan_records
from loadwatch.rules.ruleset import load_rules
from loadwatch.schema import PLAN
from loadwatch.synthetic import Athlete, PlannedRun, build_weeks, write_athlete
from loadwatch.units import limit_text

README = Path(__file__).resolve().parents[1] / "README.md"
FAST = {"record_interval_s": 60.0}
ANN_LAST_RUN = date(2026, 5, 3)  # the last Sunday of Ann's nine weeks: the roster's "today"


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plan-roster")
    ann = Athlete(
        "Ann Lee",
        "Europe/London",
        (51.50, -0.12),
        build_weeks(date(2026, 3, 2), [30.0] * 9, 4, **FAST),
    )
    ben_runs = build_weeks(date(2026, 3, 1), [40.0] * 5, 4, **FAST)
    ben = Athlete(
        "Ben Okafor", "America/New_York", (40.78, -73.97), ben_runs, week_start="sunday", units="mi"
    )
    cleo_runs = [
        PlannedRun(datetime(2026, 4, 29, 7, 0), 5.0, **FAST),
        PlannedRun(datetime(2026, 5, 2, 7, 0), 5.0, **FAST),
    ]
    cleo = Athlete("Cleo Park", "Asia/Seoul", (37.56, 126.97), cleo_runs)
    for athlete in (ann, ben, cleo):
        write_athlete(athlete, root / athlete.name.lower().replace(" ", "-"))
    return root


def invoke(*args: str) -> Any:
    outcome = CliRunner().invoke(main, ["plan", *args])
    assert outcome.exit_code == 0, outcome.output
    return outcome


def plans_by_athlete(*args: str) -> dict[str, dict[str, Any]]:
    records = json.loads(invoke(*args, "--json").stdout)
    return {r["athlete"]: r for r in records}


def test_json_gives_one_plan_per_athlete_from_their_stories(roster: Path) -> None:
    plans = plans_by_athlete(str(roster))
    assert list(plans) == ["Ann Lee", "Ben Okafor", "Cleo Park"]
    for plan in plans.values():
        assert list(plan) == list(PLAN.json_fields())
        assert plan["as_of"] == str(ANN_LAST_RUN)  # the whole roster's latest activity
    ann = plans["Ann Lee"]
    assert ann["phase"] == "established"
    assert ann["week_start"] == "2026-05-04"
    assert ann["run_km_max"] == pytest.approx(30.0 * 0.35 * 1.10, abs=0.02)
    assert ann["week_km_max"] == pytest.approx(30.0 * 1.10, abs=0.02)
    assert [x["rule"] for x in ann["limits"]] == [
        "long-run-spike",
        "weekly-increase",
        "hill-increase",
        "speedwork-increase",
    ]
    # Ben: 40 km a week in the 28 days before a 4-week break; week 1 back is 50 % of it
    # plus the 10 % band.
    ben = plans["Ben Okafor"]
    assert ben["phase"] == "return-from-layoff"
    assert ben["week_start"] == "2026-05-03"  # his weeks start on Sunday
    assert ben["week_km_max"] == pytest.approx(40.0 * 0.5 * 1.10, abs=0.05)
    assert ben["limits"][1]["rule"] == "return-from-layoff"
    assert " mi" in ben["message"] and " km" not in ben["message"]
    # Cleo: too little history for the run and week rules: null, with the reason.
    cleo = plans["Cleo Park"]
    assert cleo["phase"] == "beginner"
    assert cleo["run_km_max"] is None and cleo["week_km_max"] is None
    assert "no base yet" in cleo["limits"][0]["why"]


def test_json_equals_the_python_function(roster: Path) -> None:
    cli = json.loads(invoke(str(roster), "--json").stdout)
    api = json.loads(json.dumps(plan_records(lw.plan(lw.import_activities(roster)))))
    assert cli == api


def test_as_of_ignores_later_activities(roster: Path) -> None:
    plans = plans_by_athlete(str(roster), "--as-of", "2026-03-22")
    ann = plans["Ann Lee"]
    assert ann["as_of"] == "2026-03-22"
    assert ann["week_start"] == "2026-03-23"
    assert ann["week_km_max"] == pytest.approx(33.0, abs=0.02)
    # Cleo had not run yet by then.
    assert plans["Cleo Park"]["phase"] == "no-history"
    assert all(x["value"] is None for x in plans["Cleo Park"]["limits"])


def test_athlete_option_and_units_override(roster: Path) -> None:
    plans = plans_by_athlete(str(roster), "--athlete", "Ann Lee", "--units", "mi")
    assert list(plans) == ["Ann Lee"]
    assert plans["Ann Lee"]["week_km_max"] == pytest.approx(33.0, abs=0.02)  # JSON stays km
    assert " mi" in plans["Ann Lee"]["message"]


def test_csv_has_the_schema_header_and_a_text_per_limit(roster: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(invoke(str(roster), "--csv").stdout)))
    assert [r["athlete"] for r in rows] == ["Ann Lee", "Ben Okafor", "Cleo Park"]
    assert tuple(rows[0]) == PLAN.json_fields()
    assert rows[0]["limits"].startswith("long-run-spike run_km_max: longest run")
    assert rows[0]["limits"].count("; weekly-increase week_km_max: ") == 1
    assert rows[2]["run_km_max"] == ""  # no limit: an empty cell


def test_text_is_a_short_block_per_athlete(roster: Path) -> None:
    text = invoke(str(roster)).stdout
    blocks = text.strip().split("\n\n")
    assert [b.split(":")[0] for b in blocks] == ["Ann Lee", "Ben Okafor", "Cleo Park"]
    assert "phase: return-from-layoff" in blocks[1]
    plans = {p["athlete"]: p for p in json.loads(invoke(str(roster), "--json").stdout)}
    assert f"next run   up to {limit_text(plans['Ann Lee']['run_km_max'], 'km')}" in blocks[0]
    assert all("not a guarantee" in b for b in blocks)


def test_text_shows_bens_return_ramp_as_a_calendar_and_what_each_plan_is_judged_on(
    roster: Path,
) -> None:
    plans = plans_by_athlete(str(roster))
    blocks = invoke(str(roster)).stdout.strip().split("\n\n")
    ben_block = blocks[1]
    ramp = plans["Ben Okafor"]["return_ramp"]
    shares = load_rules()["return-from-layoff"].param("ramp_pct")
    # 40 km a week before the break: the ramp's targets are the rule's shares of it.
    assert [step["target_km"] for step in ramp] == pytest.approx(
        [share / 100 * 40.0 for share in shares], abs=0.05
    )
    assert ramp[0]["week_start"] == "2026-05-04" and ramp[0]["current"]  # tomorrow
    lines = ben_block.splitlines()
    start = lines.index("  return ramp (7-day weeks from the first run back):") + 1
    calendar = lines[start : start + len(shares)]
    assert len(calendar) == len(shares)
    assert calendar[0].startswith("  > week 1 from 2026-05-04")
    assert all(line.startswith("    week ") for line in calendar[1:])
    assert " mi (50%)" in calendar[0]  # Ben's unit
    for block, name in zip(blocks, ["Ann Lee", "Ben Okafor", "Cleo Park"], strict=True):
        runs = plans[name]["coverage"]["runs"]
        assert f"  coverage   judged on {runs} runs" in block
    assert plans["Ann Lee"]["return_ramp"] == []


def test_a_bad_as_of_is_a_usage_error(roster: Path) -> None:
    outcome = CliRunner().invoke(main, ["plan", str(roster), "--as-of", "April 1st"])
    assert outcome.exit_code == 2
    assert "--as-of" in outcome.output


def test_help_has_an_example() -> None:
    outcome = CliRunner().invoke(main, ["plan", "--help"])
    assert outcome.exit_code == 0
    assert "Example:" in outcome.output and "loadwatch plan" in outcome.output


def test_readme_json_contract_lists_the_plan_fields_in_order() -> None:
    text = README.read_text(encoding="utf-8")
    item = re.search(r"^\* `plan`: (.*?)(?=^\* |^\n)", text, re.S | re.M)
    assert item is not None
    named = re.findall(r"[a-z_0-9]+", " ".join(re.findall(r"`([^`]*)`", item[1])))
    found = [n for n in named if n in PLAN.json_fields()]
    assert [n for i, n in enumerate(found) if n not in found[:i]] == list(PLAN.json_fields())
    assert "`loadwatch plan PATH [--as-of YYYY-MM-DD] [--json \\| --csv]`" in text
