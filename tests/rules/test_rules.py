"""``rules.toml`` and the pipeline that evaluates it: ids, sources, labels, findings, speed."""

from __future__ import annotations

import json
import re
import time
import tomllib
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loadwatch
from loadwatch.errors import SettingsError
from loadwatch.findings.check import (
    FINDING_COLUMNS,
    alarms,
    check,
    evaluate,
    findings_frame,
    weekly_load,
)
from loadwatch.findings.table import FINDING_FIELDS, finding_records
from loadwatch.importers.streams import speed_profile
from loadwatch.rules import EVIDENCE_LABELS, NOTE_IDS, RULE_IDS, load_rules, parse_rules
from loadwatch.synthetic import Athlete, build_weeks, write_athlete
from loadwatch.timeline.build import LAP_COLUMNS

from load_frames import run, timeline_of, week_runs

MON = date(2026, 1, 5)
RULES = load_rules()


def packaged_toml() -> dict:
    text = resources.files("loadwatch.rules").joinpath("rules.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


# --- the rules file --------------------------------------------------------------------


def test_rules_file_is_package_data_with_every_public_id() -> None:
    assert resources.files("loadwatch.rules").joinpath("rules.toml").is_file()
    assert set(RULES) == set(RULE_IDS) | set(NOTE_IDS)
    assert RULE_IDS == (
        "weekly-increase",
        "long-run-spike",
        "acute-chronic",
        "hill-increase",
        "speedwork-increase",
        "return-from-layoff",
        "shoe-mileage",
        "shoe-drop-change",
    )


@pytest.mark.parametrize(
    ("rule_id", "label"),
    [
        ("weekly-increase", "contested"),
        ("long-run-spike", "observational"),
        ("acute-chronic", "contested"),
        ("hill-increase", "consensus heuristic"),
        ("speedwork-increase", "consensus heuristic"),
        ("return-from-layoff", "consensus heuristic"),
        ("heat-note", "contested"),
    ],
)
def test_evidence_labels_follow_the_evidence_sheet(rule_id, label) -> None:
    assert RULES[rule_id].evidence == label
    assert label in EVIDENCE_LABELS


@pytest.mark.parametrize("rule_id", [*RULE_IDS, "heat-note", "beginner-note"])
def test_every_rule_names_a_published_source(rule_id) -> None:
    rule = RULES[rule_id]
    assert "doi:10." in rule.source or "PMC" in rule.source
    assert rule.short and rule.evidence_note and rule.explanation


def test_bands_are_the_published_ones() -> None:
    assert dict(RULES["weekly-increase"].bands) == {"caution": 10.0, "high": 30.0}
    assert dict(RULES["long-run-spike"].bands) == {"caution": 10.0, "high": 100.0}
    # The evidence sheet: the acute:chronic ratio is at most a caution, never high.
    assert dict(RULES["acute-chronic"].bands) == {"caution": 1.5}
    for heuristic in ("hill-increase", "speedwork-increase", "return-from-layoff"):
        assert "high" not in RULES[heuristic].bands
    assert RULES["return-from-layoff"].param("min_gap_days") == 14
    assert RULES["heat-note"].param("temperature_c") == 25.0
    assert RULES["beginner-note"].param("min_history_weeks") == 8


def test_a_missing_band_reads_as_never() -> None:
    assert RULES["acute-chronic"].band("high") == float("inf")
    with pytest.raises(KeyError, match=r"acute-chronic.*no_such"):
        RULES["acute-chronic"].param("no_such")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d["long-run-spike"].update(evidence="strong"), "long-run-spike.evidence"),
        (lambda d: d.pop("hill-increase"), "hill-increase: this rule is missing"),
        (lambda d: d["weekly-increase"]["bands"].update(danger=50), "bands are caution and high"),
        (lambda d: d["weekly-increase"]["bands"].update(high=5), "high must not be below"),
        (lambda d: d["weekly-increase"]["bands"].update(high="30"), "expected a number"),
        (lambda d: d["acute-chronic"].pop("source"), "acute-chronic.source: missing"),
        (lambda d: d["heat-note"].update(kind="alarm"), "expected rule or note"),
    ],
)
def test_a_malformed_rules_file_is_refused(change, match) -> None:
    data = packaged_toml()
    change(data)
    with pytest.raises(SettingsError, match=match):
        parse_rules(data)


def test_load_rules_from_a_file(tmp_path: Path) -> None:
    good = tmp_path / "rules.toml"
    text = resources.files("loadwatch.rules").joinpath("rules.toml").read_text(encoding="utf-8")
    good.write_text(text.replace("caution = 10.0   # % above the established", "caution = 12.0 #"))
    assert load_rules(good)["weekly-increase"].band("caution") == 12.0
    bad = tmp_path / "bad.toml"
    bad.write_text("[weekly-increase\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_rules(bad)


def test_thresholds_come_from_the_rules_file() -> None:
    timeline = timeline_of(week_runs(MON, [30] * 8 + [45], 4))
    default = [f for f in evaluate(timeline) if f.rule == "weekly-increase"]
    assert [f.severity for f in default] == ["high"]
    data = packaged_toml()
    data["weekly-increase"]["bands"]["high"] = 60.0
    relaxed = [
        f for f in evaluate(timeline, rules=parse_rules(data)) if f.rule == "weekly-increase"
    ]
    assert [(f.severity, f.threshold) for f in relaxed] == [("caution", 10.0)]


# --- findings ---------------------------------------------------------------------------


def story() -> pd.DataFrame:
    """A runner with one of every finding: jump, spike, hills, heat, a ride, a layoff."""
    rows = week_runs(MON, [30] * 6 + [42, 30, 30], 4, avg_temperature_c=15.0)
    rows[-1]["avg_temperature_c"] = 29.0
    rows += week_runs(MON + timedelta(weeks=9), [30], 4, ascent_m_per_km=30)
    rows.append(run(datetime(2026, 3, 14, 9), 40.0, sport="cycling", pace_s_per_km=120))
    rows += week_runs(MON + timedelta(weeks=14), [30, 30], 4)
    return timeline_of(rows)


def test_evaluate_finds_each_rule_where_it_belongs() -> None:
    findings = evaluate(story())
    by_rule = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f.week_start)
    assert by_rule["weekly-increase"] == [MON + timedelta(weeks=6)]
    assert MON + timedelta(weeks=6) in by_rule["long-run-spike"]
    assert by_rule["hill-increase"] == [MON + timedelta(weeks=9)]
    assert by_rule["heat-note"] == [MON + timedelta(weeks=8)]
    assert by_rule["cross-training-note"] == [MON + timedelta(weeks=9)]
    # Straight back to 30 km: over the ramp in the first two weeks back (50%, 75%).
    assert by_rule["return-from-layoff"] == [MON + timedelta(weeks=w) for w in (14, 15)]
    assert "beginner-note" not in by_rule
    # Sorted by athlete and date.
    assert [f.date for f in findings] == sorted(f.date for f in findings)


#: A finding's message at most [characters]: a line of numbers and the advice.
MESSAGE_CHARS = 400


def test_every_message_is_numbers_then_advice_and_the_evidence_is_its_own_field() -> None:
    for finding in evaluate(story()):
        rule = RULES[finding.rule]
        assert finding.severity in ("note", "caution", "high")
        assert finding.evidence == rule.evidence and finding.source == rule.source
        assert finding.unit == rule.unit
        # The advice ends the message and names a number; the message stays short.
        assert finding.advice and finding.message.endswith(finding.advice)
        assert re.search(r"\d", finding.advice), finding.advice
        assert finding.numbers and re.search(r"\d", finding.numbers)
        assert len(finding.message) <= MESSAGE_CHARS, finding.message
        # The evidence sentence is the rule's own, in its own field, not in the message.
        assert finding.evidence_note == rule.evidence_note
        assert rule.evidence_note not in finding.message
        assert "will get injured" not in finding.message
        assert "you will" not in finding.message.lower()
        assert finding.week_start <= finding.date < finding.week_start + timedelta(days=7)


def test_the_acute_chronic_ratio_is_never_the_only_alarm_of_a_week() -> None:
    findings = evaluate(story())
    ratio = [f for f in findings if f.rule == "acute-chronic"]
    assert ratio, "the 42 km week lifts the ratio"
    for f in ratio:
        assert f.severity in ("note", "caution")
        others = [
            g
            for g in findings
            if g.is_alarm and g.rule != "acute-chronic" and g.week_start == f.week_start
        ]
        assert (f.severity == "caution") == bool(others)


def test_findings_frame_and_json_records() -> None:
    findings = evaluate(story())
    frame = findings_frame(findings)
    assert list(frame.columns) == list(FINDING_COLUMNS) == list(FINDING_FIELDS)
    assert len(frame) == len(findings)
    assert frame["date"].dtype == "datetime64[ns]"
    assert frame["value"].dtype == "float64"
    records = finding_records(findings)
    text = json.dumps(records)
    assert json.loads(text)[0]["date"] == findings[0].date.isoformat()
    assert set(records[0]) == set(FINDING_FIELDS)
    empty = findings_frame([])
    assert empty.empty and list(empty.columns) == list(FINDING_COLUMNS)
    assert alarms(findings) == [f for f in findings if f.severity in ("caution", "high")]


def test_an_empty_timeline_has_no_findings() -> None:
    assert evaluate(timeline_of([])) == []


# --- the import pipeline -----------------------------------------------------------------


def test_check_an_import_uses_each_athletes_week_start(tmp_path: Path) -> None:
    runs = build_weeks(MON, [30] * 8 + [45], 3, fmt="gpx", record_interval_s=30.0)
    athlete = Athlete("Sunday Sue", "Europe/Paris", (48.8566, 2.3522), runs, week_start="sunday")
    write_athlete(athlete, tmp_path / "sue")
    result = loadwatch.import_activities(tmp_path / "sue")
    findings = check(result)
    jump = [f for f in findings if f.rule == "weekly-increase"]
    # Sunday weeks: the Sunday long run opens the week, so the jump shows in two weeks.
    assert jump and all(f.week_start.weekday() == 6 for f in jump)
    weeks = weekly_load(result)
    assert (weeks["week_start"].dt.day_of_week == 6).all()
    assert weeks["fast_km"].notna().all()


# --- speed ---------------------------------------------------------------------------------


def five_years() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray]]:
    """About 1,500 runs over five years, with laps and a speed profile for every run."""
    rng = np.random.default_rng(7)
    weekly_km = np.clip(35 + rng.normal(0, 6, 261), 0, None)
    weekly_km[120:124] = 0  # a layoff
    rows = week_runs(date(2021, 1, 4), list(weekly_km), 6, avg_temperature_c=18.0)
    for row in rows[::9]:
        row["avg_temperature_c"] = 27.0
        row["ascent_m"] = 400.0
    timeline = timeline_of(rows)
    seconds = np.arange(0, 3600, 5.0)
    easy = speed_profile(seconds, np.cumsum(np.full(seconds.size, 15.0)))
    profiles = {activity_id: easy for activity_id in timeline["activity_id"]}
    laps = pd.DataFrame(
        [
            {"activity_id": a, "lap_index": i, "distance_m": 1000.0, "intensity": "active"}
            for a in timeline["activity_id"]
            for i in range(5)
        ],
        columns=list(LAP_COLUMNS),
    )
    return timeline, laps, profiles


def test_five_years_of_running_evaluate_well_under_a_second() -> None:
    timeline, laps, profiles = five_years()
    assert len(timeline) >= 1500
    evaluate(timeline, laps, profiles)  # warm-up: imports and caches
    best = min(_timed(lambda: evaluate(timeline, laps, profiles)) for _ in range(3))
    assert best < 1.0


def _timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def test_readme_lists_every_rule_with_its_evidence_label() -> None:
    from pathlib import Path

    from loadwatch.rules.ruleset import RULE_IDS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rules = load_rules()
    for rule_id in RULE_IDS:
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{rule_id}`")), "")
        assert row, f"README rules table lacks {rule_id}"
        assert rules[rule_id].evidence in row
