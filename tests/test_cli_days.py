"""``loadwatch days``: every day of a generated roster, as JSON, CSV and text.

The roster's stories: Ann runs 30 km a week in four runs (Monday weeks) for eight
weeks; Ben (miles, Sunday weeks) ran 40 km a week for three weeks and stopped, so
his days run on as zeros up to Ann's last run, the roster's "today". Each
expectation is summed from these plans.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import loadwatch as lw
from loadwatch.cli import main
from loadwatch.load.daily import RECENT_DAYS, daily_records
from loadwatch.schema import DAYS
from loadwatch.synthetic import Athlete, PlannedRun, build_weeks, write_athlete

FAST = {"record_interval_s": 60.0}
ANN_WEEKS = [30.0] * 8
BEN_WEEKS = [40.0] * 3


def ann_runs() -> list[PlannedRun]:
    return build_weeks(date(2026, 3, 2), ANN_WEEKS, 4, **FAST)


def ben_runs() -> list[PlannedRun]:
    return build_weeks(date(2026, 3, 1), BEN_WEEKS, 4, **FAST)


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("days-roster")
    ann = Athlete("Ann Lee", "Europe/London", (51.50, -0.12), ann_runs())
    ben = Athlete(
        "Ben Okafor",
        "America/New_York",
        (40.78, -73.97),
        ben_runs(),
        week_start="sunday",
        units="mi",
    )
    for athlete in (ann, ben):
        write_athlete(athlete, root / athlete.name.lower().replace(" ", "-"))
    return root


def invoke(*args: str) -> Any:
    outcome = CliRunner().invoke(main, ["days", *args])
    assert outcome.exit_code == 0, outcome.output
    return outcome


def records_of(*args: str) -> list[dict[str, Any]]:
    return json.loads(invoke(*args, "--json").stdout)


def by_athlete(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        out.setdefault(record["athlete"], []).append(record)
    return out


def test_json_fields_are_the_schema_and_the_roster_gives_rows_per_athlete(roster: Path) -> None:
    records = records_of(str(roster))
    assert all(tuple(r) == DAYS.json_fields() for r in records)
    rows = by_athlete(records)
    assert list(rows) == ["Ann Lee", "Ben Okafor"]
    today = max(r.start_local for r in ann_runs()).date()  # the roster's latest activity
    for athlete, runs in (("Ann Lee", ann_runs()), ("Ben Okafor", ben_runs())):
        first = min(r.start_local for r in runs).date()
        days = [date.fromisoformat(r["day"]) for r in rows[athlete]]
        assert days == [first + timedelta(days=i) for i in range((today - first).days + 1)]
        assert sum(r["runs"] for r in rows[athlete]) == len(runs)
        assert sum(r["distance_km"] for r in rows[athlete]) == pytest.approx(
            sum(r.distance_km for r in runs), abs=0.05
        )
    # Ann's last day closes her last week: the 7 days ending it hold that week's runs.
    ann_last = rows["Ann Lee"][-1]
    assert ann_last["distance_km_7d"] == pytest.approx(ANN_WEEKS[-1], abs=0.05)
    assert ann_last["runs_7d"] == 4
    assert ann_last["distance_km_28d"] == pytest.approx(sum(ANN_WEEKS[-4:]), abs=0.05)
    # Ben stopped: zeros up to the roster's today, never a missing row.
    ben_last = rows["Ben Okafor"][-1]
    assert (ben_last["distance_km_7d"], ben_last["runs_28d"]) == (0.0, 0)


def test_csv_header_is_the_schema_and_rows_equal_the_json(roster: Path) -> None:
    text = invoke(str(roster), "--csv").stdout
    header = next(csv.reader(io.StringIO(text)))
    assert tuple(header) == DAYS.json_fields()
    rows = list(csv.DictReader(io.StringIO(text)))
    records = records_of(str(roster))
    assert len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        assert row["day"] == record["day"] and row["athlete"] == record["athlete"]
        assert float(row["distance_km_7d"]) == pytest.approx(record["distance_km_7d"])
        assert row["longest_run_km_window"] == (
            "" if record["longest_run_km_window"] is None else row["longest_run_km_window"]
        )


def test_json_equals_the_python_function(roster: Path) -> None:
    cli = records_of(str(roster))
    api = json.loads(json.dumps(daily_records(lw.daily_load(lw.import_activities(roster)))))
    assert cli == api


def test_text_shows_each_athletes_last_days_in_their_unit(roster: Path) -> None:
    blocks = invoke(str(roster)).stdout.strip().split("\n\n")
    assert [b.split(":")[0] for b in blocks] == ["Ann Lee", "Ben Okafor"]
    for block, unit in zip(blocks, ("km", "mi"), strict=True):
        lines = block.splitlines()
        assert f" in {unit};" in lines[0]
        assert len(lines) == 3 + RECENT_DAYS  # two lines of title, the header, the days


def test_since_until_and_athlete_choose_the_days(roster: Path) -> None:
    records = records_of(str(roster), "--athlete", "Ann Lee", "--since", "2026-03-20")
    assert {r["athlete"] for r in records} == {"Ann Lee"}
    assert records[0]["day"] == "2026-03-20"
    full = {r["day"]: r for r in records_of(str(roster)) if r["athlete"] == "Ann Lee"}
    assert records[0] == full["2026-03-20"]  # earlier days still count in its sums
    cut = records_of(str(roster), "--until", "2026-03-15")
    assert max(r["day"] for r in cut) == "2026-03-15"
    assert by_athlete(cut)["Ann Lee"][-1] == full["2026-03-15"]
    # --since shows every day from it in the text too
    text = invoke(str(roster), "--athlete", "Ann Lee", "--since", "2026-04-01").stdout
    assert len(text.strip().splitlines()) == 3 + len([r for r in full if r >= "2026-04-01"])
