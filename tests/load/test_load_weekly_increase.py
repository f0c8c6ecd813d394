"""``weekly-increase`` on timelines built in memory: where it fires and where it does not."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loadwatch.load import weekly_increase
from loadwatch.load.common import established, largest_within, pct
from loadwatch.load.weekly import weekly_table
from loadwatch.rules.ruleset import load_rules

from load_frames import timeline_of, week_runs

MON = date(2026, 1, 5)
RULES = load_rules()
RULE = RULES["weekly-increase"]


def findings_for(weekly_km: list[float], **kwargs) -> list:
    weeks = weekly_table(timeline_of(week_runs(MON, weekly_km, 4)))
    return weekly_increase.evaluate(weeks, RULES, **kwargs)


def week(i: int) -> date:
    """First day of week ``i`` (0-based)."""
    return MON + timedelta(weeks=i)


def test_steady_then_a_45_km_week_is_high_there_only() -> None:
    findings = findings_for([30] * 8 + [45, 30])
    assert [(f.week_start, f.severity) for f in findings] == [(week(8), "high")]
    finding = findings[0]
    assert finding.value == pytest.approx(50.0)
    assert finding.threshold == 30.0
    assert finding.unit == "%"
    assert finding.date == week(8) + timedelta(days=6)
    assert finding.evidence == "contested"
    assert "doi:10.2519/jospt.2014.5164" in finding.source


def test_message_names_numbers_threshold_source_and_next_week() -> None:
    finding = findings_for([30] * 8 + [45])[0]
    message = finding.message
    assert "45.0 km" in message and "30.0 km" in message and "+50%" in message
    assert "high line is +30% (39.0 km)" in message
    assert "did not prevent injuries" in finding.evidence_note  # the 10% rule, honestly
    assert "Nielsen" in finding.source
    assert message.endswith(finding.advice) and finding.advice.startswith("Next week")
    assert "will get injured" not in message
    # After a high: back to the established 30 km, up to the caution line's last km.
    rule = RULES["weekly-increase"]
    within = largest_within(30.0, *weekly_increase.caution_line(rule), 2)
    assert f"30.0 km–{within:.1f} km" in finding.advice


def test_caution_between_10_and_30_percent() -> None:
    findings = findings_for([30] * 5 + [36])
    assert [(f.week_start, f.severity) for f in findings] == [(week(5), "caution")]


def test_a_progressive_build_with_recovery_weeks_is_never_high() -> None:
    for increase in (0.05, 0.06, 0.07):
        weekly_km, level = [], 30.0
        for i in range(16):
            if i % 4 == 3:
                weekly_km.append(level * 0.75)  # recovery week: -25%
            else:
                level = level * (1 + increase) if i else level
                weekly_km.append(level)
        findings = findings_for(weekly_km)
        assert all(f.severity != "high" for f in findings)
        # The week after a recovery week returns to the build: no finding at all.
        after_recovery = {week(i) for i in (4, 8, 12)}
        assert after_recovery.isdisjoint({f.week_start for f in findings})


def test_a_tiny_base_is_not_high_on_percentages_alone() -> None:
    findings = findings_for([2, 2, 2, 4])
    assert all(f.severity != "high" for f in findings)
    assert [f.severity for f in findings_for([2, 2, 2, 1.5, 3])] == []  # +1.5 km: too small


def test_the_first_weeks_of_records_are_not_judged() -> None:
    # Week 0 is often partial (records start mid-week): week 1 has no base yet.
    assert findings_for([10, 30, 30, 30]) == []


def test_two_low_weeks_lower_the_base_but_one_does_not() -> None:
    one_low = findings_for([30, 30, 30, 30, 15, 30])
    assert one_low == []
    two_low = findings_for([30, 30, 30, 30, 15, 15, 30])
    assert [f.week_start for f in two_low] == [week(6)]


def test_skipped_weeks_are_not_judged() -> None:
    weeks = weekly_table(timeline_of(week_runs(MON, [30] * 8 + [45], 4)))
    skip = weeks["week_start"] == pd.Timestamp(week(8))
    assert weekly_increase.evaluate(weeks, RULES, skip=skip) == []


def test_established_is_the_larger_of_recent_weeks_and_the_mean() -> None:
    weeks = pd.DataFrame(
        {
            "athlete": ["a"] * 6 + ["b"] * 2,
            "week_start": list(pd.date_range("2026-01-05", periods=6, freq="7D"))
            + list(pd.date_range("2026-01-05", periods=2, freq="7D")),
            "distance_km": [40, 20, 20, 20, 10, 0, 5, 50],
        }
    )
    base = established(weeks, "distance_km", recent_weeks=2, mean_weeks=4)
    # a: -, 40, max(40,20)=40, max(20, mean 26.7)=26.7, max(20, 25)=25, max(20, 17.5)=20
    assert base.tolist()[:6] == pytest.approx([float("nan"), 40, 40, 80 / 3, 25, 20], nan_ok=True)
    # b is its own athlete: its first week has no base.
    assert pd.isna(base.iloc[6]) and base.iloc[7] == 5


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=80), min_size=1, max_size=20))
def test_a_week_no_bigger_than_either_of_the_last_two_is_never_flagged(weekly_km) -> None:
    weeks = pd.DataFrame(
        {
            "athlete": "a",
            "week_start": pd.date_range("2026-01-05", periods=len(weekly_km), freq="7D"),
            "distance_km": weekly_km,
        }
    )
    change = weekly_increase.weekly_change(weeks, RULE)
    for i, row in change.iterrows():
        recent = weekly_km[max(0, i - 2) : i]
        if recent and row["distance_km"] <= max(recent):
            assert row["severity"] == ""
        if row["severity"] == "high":
            assert row["increase_km"] >= RULE.param("high_min_increase_km")
            assert row["change_pct"] > RULE.band("high")


@pytest.mark.parametrize("change", [-0.4, -0.01, 0.0, 0.3])
def test_a_change_that_rounds_to_nothing_is_never_minus_zero(change: float) -> None:
    assert pct(change) == "+0%"
    assert pct(change - 26) == f"{round(change - 26):+d}%"
