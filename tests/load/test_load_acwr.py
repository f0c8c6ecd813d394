"""``acute-chronic``: the uncoupled EWMA ratio, shown as context and never alone an alarm."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loadwatch.load import acwr
from loadwatch.rules.ruleset import load_rules

from load_frames import run, timeline_of, week_runs

RULES = load_rules()
RULE = RULES["acute-chronic"]
MON = date(2026, 1, 5)


def test_daily_distance_includes_rest_days_and_sums_doubles() -> None:
    rows = [run("2026-01-05 07:00", 5.0), run("2026-01-05 18:00", 3.0), run("2026-01-08", 10.0)]
    daily = acwr.daily_distance(timeline_of(rows))
    assert daily["distance_km"].tolist() == [8.0, 0.0, 0.0, 10.0]
    assert daily["day"].iloc[0] == pd.Timestamp("2026-01-05")


def test_ewma_matches_a_hand_computation() -> None:
    rows = [run(datetime(2026, 1, 1, 7) + timedelta(days=d), 5.0 + d % 3) for d in range(60)]
    daily = acwr.acute_chronic(timeline_of(rows), RULE)
    loads = daily["distance_km"].to_numpy()
    acute, chronic = [], []
    a = c = loads[:28].mean()  # both start from the first 28 days' mean
    for x in loads:
        a = a + 2 / 8 * (x - a)
        c = c + 2 / 29 * (x - c)
        acute.append(a)
        chronic.append(c)
    assert daily["acute_km"].to_numpy() == pytest.approx(acute)
    # Uncoupled: the chronic load as it stood 7 days earlier.
    assert daily["chronic_km"].to_numpy()[7:] == pytest.approx(chronic[:-7])
    # Not judged in the first 35 days.
    assert daily["ratio"].iloc[:35].isna().all()
    assert daily["ratio"].iloc[35:].notna().all()


def test_steady_training_has_a_ratio_near_one_and_no_findings() -> None:
    timeline = timeline_of(week_runs(MON, [30] * 12, 4))
    daily = acwr.acute_chronic(timeline, RULE)
    assert daily["ratio"].dropna().between(0.6, 1.4).all()
    assert acwr.evaluate(timeline, RULES) == []


def test_a_jump_alone_is_a_note_and_with_another_alarm_a_caution_never_high() -> None:
    timeline = timeline_of(week_runs(MON, [20] * 8 + [45], 4))
    alone = acwr.evaluate(timeline, RULES)
    assert len(alone) == 1
    jump_week = MON + timedelta(weeks=8)
    assert alone[0].week_start == jump_week
    assert alone[0].severity == "note"
    assert alone[0].value > RULE.band("caution")
    assert alone[0].evidence == "contested"
    assert "not a warning of its own" in alone[0].message
    assert alone[0].evidence_note == RULE.evidence_note and "disputed" in alone[0].evidence_note
    assert RULE.evidence_note not in alone[0].message
    # The advice names the month's average as a week: 7 × the chronic load of that day.
    chronic = acwr.acute_chronic(timeline, RULE).set_index("day")["chronic_km"]
    usual_week = 7 * chronic[pd.Timestamp(alone[0].date)]
    assert f"{usual_week:.1f} km a week" in alone[0].advice
    flagged = acwr.evaluate(timeline, RULES, flagged_weeks={("Runner", jump_week)})
    assert [f.severity for f in flagged] == ["caution"]
    assert "high" not in RULE.bands


def test_the_weeks_after_a_layoff_are_left_to_return_from_layoff() -> None:
    from loadwatch.load import layoff

    timeline = timeline_of(week_runs(MON, [30] * 8 + [0] * 3 + [30] * 6, 4))
    assert acwr.evaluate(timeline, RULES) != []  # the chronic load collapsed in the break
    layoffs = layoff.layoffs(timeline, RULES["return-from-layoff"])
    assert acwr.evaluate(timeline, RULES, layoffs=layoffs) == []


def test_small_chronic_loads_are_not_judged() -> None:
    rows = [run(datetime(2026, 1, 4, 7) + timedelta(weeks=w), 2.0) for w in range(10)]
    rows.append(run(datetime(2026, 3, 16, 7), 10.0))
    daily = acwr.acute_chronic(timeline_of(rows), RULE)
    assert daily["ratio"].isna().all()  # 2 km a week is under 0.5 km a day


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=30), min_size=1, max_size=90))
def test_ratio_is_never_negative_and_never_high(daily_km) -> None:
    rows = [
        run(datetime(2026, 1, 1, 7) + timedelta(days=d), km)
        for d, km in enumerate(daily_km)
        if km > 0
    ]
    timeline = timeline_of(rows)
    daily = acwr.acute_chronic(timeline, RULE)
    assert (daily["ratio"].dropna() >= 0).all()
    assert np.isfinite(daily["ratio"].dropna()).all()
    assert all(f.severity == "note" for f in acwr.evaluate(timeline, RULES))
