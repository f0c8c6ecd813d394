"""Layoffs and ``return-from-layoff``."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from loadwatch.load import layoff
from loadwatch.load.weekly import weekly_table
from loadwatch.rules.ruleset import load_rules

from load_frames import run, timeline_of, week_runs

RULES = load_rules()
RULE = RULES["return-from-layoff"]
MON = date(2026, 1, 5)


def test_a_gap_of_14_days_without_running_is_a_layoff_13_is_not() -> None:
    first = datetime(2026, 1, 5, 7)
    for days_off, is_layoff in ((13, False), (14, True)):
        rows = [run(first, 5.0), run(first + timedelta(days=days_off + 1), 5.0)]
        found = layoff.layoffs(timeline_of(rows), RULE)
        assert len(found) == int(is_layoff)
        if is_layoff:
            assert found["gap_days"].iloc[0] == 14


def test_layoff_records_the_weekly_distance_before_it() -> None:
    timeline = timeline_of(week_runs(MON, [30] * 6 + [0] * 4 + [30], 4))
    found = layoff.layoffs(timeline, RULE).iloc[0]
    assert found["pre_week_km"] == pytest.approx(30.0, rel=0.15)
    assert found["last_run"] == pd.Timestamp(MON + timedelta(weeks=5, days=6))
    assert found["first_back"] == pd.Timestamp(MON + timedelta(weeks=10, days=1))
    assert found["return_until"] == found["first_back"] + pd.Timedelta(days=20)


def test_four_weeks_off_then_full_volume_is_a_caution_in_the_first_week_back() -> None:
    timeline = timeline_of(week_runs(MON, [30] * 6 + [0] * 4 + [30] * 3, 4))
    findings = layoff.evaluate(timeline, RULES)
    first_back = MON + timedelta(weeks=10)
    assert findings, "a full-volume return must be flagged"
    first = findings[0]
    assert first.week_start == first_back
    assert first.severity == "caution"
    assert first.unit == "km" and first.evidence == "consensus heuristic"
    # Flagged on the run that took the first 7 days over about half the old volume.
    assert first.threshold == pytest.approx(first.value / 2 * 1.1, rel=0.2)
    assert "50%" in first.message and "75%" in first.message and "Next week" in first.advice
    # The advice: the rule's next ramp step of the 30 km a week before the break.
    ramp = RULES["return-from-layoff"].param("ramp_pct")
    assert f"about {30.0 * ramp[1] / 100:.1f} km" in first.advice
    assert first.evidence_note == RULES["return-from-layoff"].evidence_note
    assert all(f.date < first_back + timedelta(days=21) for f in findings)


def test_a_gradual_return_is_not_flagged_and_weekly_increase_stands_aside() -> None:
    timeline = timeline_of(week_runs(MON, [30] * 6 + [0] * 4 + [15, 22.5, 30, 30], 4))
    assert layoff.evaluate(timeline, RULES) == []
    weeks = weekly_table(timeline)
    returns = layoff.layoffs(timeline, RULE)
    skip = layoff.in_return(weeks, returns)
    skipped = weeks.loc[skip, "week_start"].dt.date.tolist()
    assert skipped == [MON + timedelta(weeks=w) for w in (10, 11, 12, 13)]


def test_return_windows_follow_the_ramp() -> None:
    timeline = timeline_of(week_runs(MON, [28] * 6 + [0] * 3 + [14, 21, 28], 4))
    windows = layoff.return_windows(timeline, RULE)
    assert windows["step"].tolist() == [1, 2, 3]
    assert windows["ramp_pct"].tolist() == [50.0, 75.0, 100.0]
    assert not windows["flagged"].any()


def test_no_layoff_no_findings() -> None:
    assert layoff.evaluate(timeline_of(week_runs(MON, [30] * 10, 4)), RULES) == []
    assert layoff.layoffs(timeline_of([]), RULE).empty
