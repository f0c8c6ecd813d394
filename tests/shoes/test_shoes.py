"""Shoe mileage and the shoe rules on real files: a 46 km/week athlete and the sample runner."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

import loadwatch
from loadwatch.findings.check import check
from loadwatch.rules import RULE_IDS, load_rules
from loadwatch.shoes import (
    MILE_KM,
    SHOE_COLUMNS,
    SHOE_FIELDS,
    SHOE_RULE_IDS,
    ShoeFinding,
    assign_shoes,
    rotation,
    shoe_findings,
    shoe_records,
    shoe_table,
    shoe_text,
)
from loadwatch.synthetic import Athlete, PlannedRun, steady_weeks, unique_runs, write_athlete
from loadwatch.synthetic.story import FIRST_MONDAY, STORY_EVENTS, sample_athlete

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
MONDAY = date(2026, 1, 5)
#: Weeks 1-18 in pair A (10 mm), weeks 19-20 in pair B (4 mm).
WEEKS_A, WEEKS_B = 18, 2
KM_PER_WEEK = 46.0
RULES = load_rules()


def _plan() -> list[PlannedRun]:
    return steady_weeks(MONDAY, WEEKS_A + WEEKS_B, KM_PER_WEEK, 4, record_interval_s=60.0)


def _crossing(runs: list[PlannedRun], line_km: float, start_km: float = 0.0) -> date:
    total = start_km
    for planned in runs:
        total += planned.distance_km
        if total >= line_km:
            return planned.start_local.date()
    raise AssertionError("the plan never reaches the line")


@pytest.fixture(scope="module")
def steady(tmp_path_factory) -> loadwatch.ImportResult:
    """One pair at 46 km/week for 18 weeks, then a 4 mm pair (real FIT files)."""
    switch = MONDAY + timedelta(weeks=WEEKS_A)
    athlete = Athlete(
        "Steady Runner",
        "Europe/London",
        (51.5072, -0.1276),
        _plan(),
        shoes=[
            {
                "name": "Daily 10",
                "from": MONDAY,
                "until": switch - timedelta(days=1),
                "drop_mm": 10,
            },
            {"name": "Racer 4", "from": switch, "drop_mm": 4},
        ],
    )
    folder = tmp_path_factory.mktemp("steady") / "steady-runner"
    write_athlete(athlete, folder)
    return loadwatch.import_activities(folder)


@pytest.fixture(scope="module")
def sample() -> loadwatch.ImportResult:
    return loadwatch.import_activities(SAMPLE)


def _by_shoe(table: pd.DataFrame) -> dict[str | None, dict]:
    return {row["shoe"]: row for row in table.to_dict("records")}


# --- the rules file ---------------------------------------------------------------------


def test_shoe_rules_are_in_the_rules_file_with_their_labels() -> None:
    assert set(SHOE_RULE_IDS) <= set(RULE_IDS)
    mileage, drop = RULES["shoe-mileage"], RULES["shoe-drop-change"]
    assert (mileage.unit, dict(mileage.bands)) == ("mi", {"caution": 300.0, "high": 500.0})
    assert mileage.evidence == "consensus heuristic"
    assert "AAPSM" in mileage.source and "18801775" in mileage.source  # Kong 2009
    assert "10.1111/sms.12154" in mileage.source  # Malisoux 2015, rotation
    assert "not an injury risk" in mileage.explanation
    assert (drop.unit, dict(drop.bands)) == ("mm", {"caution": 4.0})
    assert drop.evidence == "contested"
    for doi in (
        "10.1177/0363546516654690",
        "10.1136/bjsports-2012-092061",
        "10.1177/0363546516682497",
    ):
        assert doi in drop.source
    assert round(300 * MILE_KM, 1) == 482.8 and round(500 * MILE_KM, 1) == 804.7


# --- 46 km/week in one pair -------------------------------------------------------------


def test_caution_on_the_run_that_crosses_300_miles_and_high_on_500(steady) -> None:
    plan = unique_runs(_plan())
    findings = [f for f in shoe_findings(steady) if f.rule == "shoe-mileage"]
    assert [(f.severity, f.shoe) for f in findings] == [
        ("caution", "Daily 10"),
        ("high", "Daily 10"),
    ]
    caution, high = findings
    assert caution.date == _crossing(plan, 300 * MILE_KM)
    assert high.date == _crossing(plan, 500 * MILE_KM)
    # 482.8 km at 46 km/week falls in week 11, 804.7 km in week 18.
    assert caution.week_start == MONDAY + timedelta(weeks=10)
    assert high.week_start == MONDAY + timedelta(weeks=17)
    assert 300.0 <= caution.value < 300.0 + 17 / MILE_KM and caution.threshold == 300.0
    assert 500.0 <= high.value < 500.0 + 17 / MILE_KM and high.threshold == 500.0
    assert (caution.unit, caution.evidence) == ("mi", "consensus heuristic")
    for finding in findings:
        assert isinstance(finding, ShoeFinding)
        assert "replacement reminder, not an injury risk" in finding.message
        assert "No trial" in finding.evidence_note and "AAPSM" in finding.source
        assert finding.evidence_note not in finding.message
    # The caution's advice: what is left to the high line, in the runner's km.
    left = (high.threshold - caution.value) * MILE_KM
    assert f"{left:.1f} km are left" in caution.advice


def test_switch_from_10_to_4_mm_gives_a_drop_change_that_week(steady) -> None:
    drops = [f for f in shoe_findings(steady) if f.rule == "shoe-drop-change"]
    switch = MONDAY + timedelta(weeks=WEEKS_A)
    assert len(drops) == 1
    (drop,) = drops
    assert (drop.severity, drop.shoe, drop.week_start) == ("caution", "Racer 4", switch)
    assert drop.date == switch + timedelta(days=1)  # the first run in it (a Tuesday)
    assert (drop.value, drop.threshold, drop.unit) == (6.0, 4.0, "mm")
    assert drop.evidence == "contested"
    assert "Daily 10 (10 mm drop)" in drop.message and "gradually" in drop.message
    assert "calf and Achilles" in drop.evidence_note or "calf" in drop.evidence_note
    # The advice: bring the pair in over the rule's look-back, in weeks.
    weeks = int(load_rules()["shoe-drop-change"].param("lookback_days")) // 7
    assert drop.advice.startswith(f"Next {weeks} weeks")


def test_table_totals_status_and_crossing_days(steady) -> None:
    table = shoe_table(steady)
    assert list(table.columns) == list(SHOE_COLUMNS)
    rows = _by_shoe(table)
    assert set(rows) == {"Daily 10", "Racer 4"}  # every run has a pair: no unassigned row
    daily, racer = rows["Daily 10"], rows["Racer 4"]
    assert daily["runs"] == 4 * WEEKS_A and racer["runs"] == 4 * WEEKS_B
    assert daily["distance_km"] == pytest.approx(KM_PER_WEEK * WEEKS_A, abs=0.05)
    assert daily["distance_mi"] == pytest.approx(daily["distance_km"] / MILE_KM)
    assert (daily["status"], racer["status"]) == ("high", "ok")
    findings = {f.severity: f.date for f in shoe_findings(steady) if f.rule == "shoe-mileage"}
    assert daily["crossed_300mi"].date() == findings["caution"]
    assert daily["crossed_500mi"].date() == findings["high"]
    assert daily["forecast_300mi"] == daily["crossed_300mi"]  # past the line: the day it was
    assert daily["first_run"].date() == MONDAY + timedelta(days=1)
    assert racer["last_run"].date() == MONDAY + timedelta(weeks=WEEKS_A + WEEKS_B, days=-1)
    assert pd.isna(racer["crossed_300mi"])
    # Recent use over the last 28 days: Daily 10 ran two of its four weeks; Racer 4 is new, so
    # its use counts from the start of its first week.
    assert daily["km_per_week"] == pytest.approx(23.0, abs=0.1)
    assert racer["km_per_week"] == pytest.approx(46.0, abs=0.1)


def test_forecast_at_46_km_a_week_is_about_ten_and_a_half_weeks(steady) -> None:
    four_weeks = MONDAY + timedelta(weeks=4, days=-1)  # Sunday of week 4
    early = _by_shoe(shoe_table(steady, as_of=four_weeks))["Daily 10"]
    assert early["runs"] == 16 and early["status"] == "ok"
    assert early["km_per_week"] == pytest.approx(KM_PER_WEEK, abs=0.1)
    # 482.8 km / 46 km a week = 10.5 weeks from the start; 804.7 km = 17.5 weeks.
    to_300 = (early["forecast_300mi"].date() - MONDAY).days / 7
    to_500 = (early["forecast_500mi"].date() - MONDAY).days / 7
    assert to_300 == pytest.approx(482.8 / KM_PER_WEEK, abs=0.4)
    assert to_500 == pytest.approx(804.7 / KM_PER_WEEK, abs=0.4)
    # ... and lands within a few days of the run that really crossed the line.
    actual = _by_shoe(shoe_table(steady))["Daily 10"]
    assert abs((early["forecast_300mi"] - actual["crossed_300mi"]).days) <= 4
    assert abs((early["forecast_500mi"] - actual["crossed_500mi"]).days) <= 4
    assert pd.isna(early["crossed_300mi"])


def test_as_of_shows_the_status_on_each_day(steady) -> None:
    crossed = _by_shoe(shoe_table(steady))["Daily 10"]
    for day, status in (
        (crossed["crossed_300mi"].date() - timedelta(days=1), "ok"),
        (crossed["crossed_300mi"].date(), "caution"),
        (crossed["crossed_500mi"].date() - timedelta(days=1), "caution"),
        (crossed["crossed_500mi"].date(), "high"),
    ):
        assert _by_shoe(shoe_table(steady, as_of=day))["Daily 10"]["status"] == status


def test_assignments_come_from_the_settings_periods(steady) -> None:
    runs = assign_shoes(steady)
    assert runs.index.name == "activity_id"
    assert set(runs.index) == set(steady.timeline.loc[steady.timeline["is_run"], "activity_id"])
    assert set(runs["source"]) == {"settings"}
    switch = pd.Timestamp(MONDAY + timedelta(weeks=WEEKS_A))
    assert (runs.loc[runs["start_local"] < switch, "shoe"] == "Daily 10").all()
    assert (runs.loc[runs["start_local"] >= switch, "shoe"] == "Racer 4").all()


def test_rotation_counts_pairs_of_the_last_eight_weeks(steady) -> None:
    table = shoe_table(steady)
    assert rotation(table).to_dict("records") == [
        {"athlete": "Steady Runner", "pairs": 2, "shoes": "Daily 10; Racer 4"}
    ]
    early = shoe_table(steady, as_of=MONDAY + timedelta(weeks=10))
    assert rotation(early)["pairs"].tolist() == [1]
    assert _by_shoe(early)["Racer 4"]["in_rotation"] is False


# --- the sample runner ------------------------------------------------------------------


def test_sample_runner_shoe_findings_match_the_story(sample) -> None:
    events = {e.key: e for e in STORY_EVENTS}
    found = [(f.rule, f.severity, f.date, f.week_start, f.shoe) for f in shoe_findings(sample)]
    assert found == [
        ("shoe-mileage", "caution", date(2026, 6, 20), date(2026, 6, 15), "Trainer A"),
        ("shoe-mileage", "high", date(2026, 8, 23), date(2026, 8, 17), "Trainer A"),
        ("shoe-drop-change", "caution", date(2026, 10, 13), date(2026, 10, 12), "Racer B"),
    ]
    assert events["shoe-300mi"].day == date(2026, 6, 20)
    assert events["shoe-500mi"].day == date(2026, 8, 23)
    assert events["shoe-drop-change"].week == date(2026, 10, 12)


def test_sample_runner_start_km_counts_and_the_duplicate_counts_once(sample) -> None:
    rows = _by_shoe(shoe_table(sample))
    trainer, racer = rows["Trainer A"], rows["Racer B"]
    planned = unique_runs(r for r in sample_athlete().runs if r.sport == "running")
    until = date(2026, 10, 11)
    trainer_km = sum(r.distance_km for r in planned if r.start_local.date() <= until)
    racer_km = sum(r.distance_km for r in planned if r.start_local.date() > until)
    assert trainer["start_km"] == 400.0
    assert trainer["distance_km"] == pytest.approx(400.0 + trainer_km, abs=0.05)
    assert racer["distance_km"] == pytest.approx(racer_km, abs=0.05)
    assert trainer["runs"] + racer["runs"] == len(planned) == 84
    assert None not in rows  # the rides and the swim have no pair and are not "unassigned"
    assert trainer["first_run"].date() == FIRST_MONDAY
    assert (trainer["drop_mm"], racer["drop_mm"]) == (10.0, 4.0)


def test_check_includes_the_shoe_findings(sample) -> None:
    findings = check(sample)
    shoes = [f for f in findings if f.rule in SHOE_RULE_IDS]
    assert [(f.rule, f.date) for f in shoes] == [
        ("shoe-mileage", date(2026, 6, 20)),
        ("shoe-mileage", date(2026, 8, 23)),
        ("shoe-drop-change", date(2026, 10, 13)),
    ]
    assert all(isinstance(f, ShoeFinding) and f.shoe for f in shoes)
    assert findings == sorted(findings, key=lambda f: (f.athlete, f.date))


def test_records_are_json_ready_with_the_public_fields(sample) -> None:
    records = shoe_records(shoe_table(sample))
    assert SHOE_FIELDS[:10] == (
        "athlete",
        "shoe",
        "distance_km",
        "distance_mi",
        "runs",
        "first_run",
        "last_run",
        "status",
        "forecast_300mi",
        "forecast_500mi",
    )
    assert [list(r) for r in records] == [list(SHOE_FIELDS)] * 2
    trainer, racer = records
    assert trainer["crossed_300mi"] == "2026-06-20" and trainer["crossed_500mi"] == "2026-08-23"
    assert trainer["status"] == "high" and racer["status"] == "ok"
    # Racer B: ~40 km a week since 2026-10-13 (193 km in 5 weeks) leaves ~290 km to 300 miles.
    forecast = date.fromisoformat(racer["forecast_300mi"])
    expected = date(2026, 11, 15) + timedelta(weeks=(482.8 - racer["distance_km"]) / 39.75)
    assert abs((forecast - expected).days) <= 2
    assert date.fromisoformat(racer["forecast_500mi"]) > forecast
    text = json.dumps(records)
    assert json.loads(text) == records


def test_text_follows_the_athletes_units(sample) -> None:
    records = shoe_records(shoe_table(sample))
    km = shoe_text(records, {"Avery Stone": "km"})
    miles = shoe_text(records, "mi")
    assert "948.0 km" in km and "589.1 mi" in miles and "948.0 km" not in miles
    for text in (km, miles):
        assert "Trainer A" in text and "Racer B" in text and "HIGH" in text
        assert "2026-06-20" in text and "~2027-" in text
        assert "2 pairs in use in the last 8 weeks (Trainer A, Racer B)" in text
        assert "Malisoux" in text and "not injury risks" in text
        assert text.isascii()
    assert shoe_text([]) == "no runs found"
