"""``hill-increase``: weekly climbing against the athlete's usual (a heuristic)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import pytest

from loadwatch.load import hills
from loadwatch.rules.ruleset import load_rules

from load_frames import timeline_of, week_runs

MON = date(2026, 1, 5)
RULES = load_rules()


def weeks_with_climbing(ascent_per_km: list[float], **fields) -> list[dict]:
    rows = []
    for i, per_km in enumerate(ascent_per_km):
        rows += week_runs(MON + timedelta(weeks=i), [30], 4, ascent_m_per_km=per_km, **fields)
    return rows


def test_a_flat_runners_first_week_of_hill_repeats_is_flagged_there_only() -> None:
    rows = weeks_with_climbing([1] * 6 + [30, 1, 1])  # 30 m/km × 30 km = 900 m
    findings = hills.evaluate(timeline_of(rows), RULES)
    assert [f.week_start for f in findings] == [MON + timedelta(weeks=6)]
    finding = findings[0]
    assert finding.severity == "caution"
    assert finding.value == pytest.approx(900.0)
    assert finding.threshold == pytest.approx(330.0)  # usual 30 m + 300 m
    assert finding.unit == "m"
    assert finding.evidence == "consensus heuristic"
    assert "climbed 900 m (usual 30 m)" in finding.message
    assert "descended 900 m" in finding.message
    assert "rule of thumb" in finding.evidence_note and "Next week" in finding.advice
    # The advice: the most climbing within the caution line, just under the threshold.
    advised = float(re.search(r"(\d+) m or less", finding.advice)[1])
    assert finding.threshold - 1 <= advised < finding.threshold


def test_a_hilly_runner_is_judged_against_their_own_hills() -> None:
    rows = weeks_with_climbing([25] * 6 + [30])  # 750 m a week, then 900 m
    assert hills.evaluate(timeline_of(rows), RULES) == []


def test_doubling_a_small_amount_is_not_enough() -> None:
    rows = weeks_with_climbing([2] * 6 + [8])  # 60 m → 240 m: +180 m < 300 m
    assert hills.evaluate(timeline_of(rows), RULES) == []


def test_weeks_whose_files_do_not_record_climbing_are_not_judged() -> None:
    # Strava-made files: no ascent. The week after, a watch that records 400 m.
    rows = weeks_with_climbing([0] * 6, ascent_m=np.nan, descent_m=np.nan)
    rows += weeks_with_climbing([13.3])
    for row in rows[-4:]:
        row["start_local"] += timedelta(weeks=6)
        row["start_utc"] += timedelta(weeks=6)
    change = hills.hill_change(hills.climbing_weeks(timeline_of(rows)), RULES["hill-increase"])
    assert change["ascent_m"].isna().sum() == 6
    assert hills.evaluate(timeline_of(rows), RULES) == []


def test_descent_alone_can_flag() -> None:
    rows = weeks_with_climbing([1] * 7)
    for row in rows[-4:]:
        row["descent_m"] = 250.0  # a downhill week: 1000 m down, 30 m up
    findings = hills.evaluate(timeline_of(rows), RULES)
    assert len(findings) == 1
    assert findings[0].value == pytest.approx(1000.0)


def test_no_runs_no_findings() -> None:
    assert hills.evaluate(timeline_of([]), RULES) == []
