"""``long-run-spike``: each run against the longest run of the previous 30 days."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loadwatch.load import long_run
from loadwatch.rules.ruleset import load_rules

from load_frames import run, timeline_of

RULES = load_rules()
RULE = RULES["long-run-spike"]
START = datetime(2026, 1, 4, 8, 0)  # a Sunday


def sundays(distances: list[float], first: datetime = START) -> list[dict]:
    """One run each Sunday (plus a 6 km run each Wednesday)."""
    rows = []
    for i, km in enumerate(distances):
        rows.append(run(first + timedelta(weeks=i, days=3), 6.0))
        rows.append(run(first + timedelta(weeks=i, days=7), km))
    return rows


def test_a_20_km_run_after_a_month_of_12_km_is_flagged_on_that_date_only() -> None:
    timeline = timeline_of(sundays([12] * 6 + [20, 12, 12]))
    findings = long_run.evaluate(timeline, RULES)
    spike_day = (START + timedelta(weeks=6, days=7)).date()
    assert [(f.date, f.severity) for f in findings] == [(spike_day, "caution")]
    finding = findings[0]
    assert finding.value == pytest.approx(66.7, abs=0.1)
    assert finding.threshold == 10.0
    assert finding.week_start == spike_day - timedelta(days=6)  # Monday weeks
    assert "the longest of the previous 30 days was 12.0 km" in finding.message
    assert "the caution line was 13.2 km (+10%)" in finding.message
    assert "5,205 runners" in finding.evidence_note and "Frandsen" in finding.source
    assert finding.evidence_note == RULE.evidence_note
    assert finding.evidence == "observational"


def test_more_than_double_is_high() -> None:
    findings = long_run.evaluate(timeline_of(sundays([10] * 6 + [21])), RULES)
    assert [f.severity for f in findings] == ["high"]


def test_small_increases_and_gps_noise_are_not_flagged() -> None:
    # +10% exactly is within the rule; +0.3 km is under the minimum increase.
    assert long_run.evaluate(timeline_of(sundays([10] * 6 + [11.0])), RULES) == []
    assert long_run.evaluate(timeline_of(sundays([2.5] * 6 + [2.8])), RULES) == []


def test_the_reference_window_is_30_days() -> None:
    # A 20 km run 31 days before no longer counts; 29 days before it does.
    base = [run(START, 20.0)] + [run(START + timedelta(days=d), 10.0) for d in range(3, 29, 3)]
    out_of_window = [*base, run(START + timedelta(days=31), 18.0)]
    in_window = [*base, run(START + timedelta(days=29), 18.0)]
    assert [f.date for f in long_run.evaluate(timeline_of(out_of_window), RULES)] == [
        (START + timedelta(days=31)).date()
    ]
    assert long_run.evaluate(timeline_of(in_window), RULES) == []


def test_the_first_two_weeks_of_records_are_not_judged() -> None:
    rows = [run(START + timedelta(days=d), km) for d, km in [(0, 5), (2, 8), (4, 12)]]
    assert long_run.evaluate(timeline_of(rows), RULES) == []


def test_after_a_long_break_the_run_is_compared_with_the_runs_before_it() -> None:
    rows = sundays([12] * 5)
    back = START + timedelta(weeks=5, days=7 + 40)
    gentle = timeline_of([*rows, run(back, 8.0)])
    reference = long_run.long_run_reference(gentle, RULE)
    first_back = reference[reference["start_local"] == back].iloc[0]
    assert bool(first_back["rebuilding"])
    assert first_back["reference_km"] == 12.0
    assert first_back["severity"] == ""
    assert long_run.evaluate(gentle, RULES) == []
    findings = long_run.evaluate(timeline_of([*rows, run(back, 14.0)]), RULES)
    assert [f.date for f in findings] == [back.date()]
    message = findings[0].message
    assert "since you came back after 46 days off" in message
    assert "in the 30 days before, was 12.0 km" in message


def test_while_rebuilding_the_runs_before_the_break_still_count() -> None:
    rows = sundays([12] * 5)
    back = START + timedelta(weeks=5, days=7 + 40)
    # 8 km, then 12 km: back to the old long run is not a spike; 16 km is.
    gradual = [*rows, run(back, 8.0), run(back + timedelta(days=2), 12.0)]
    assert long_run.evaluate(timeline_of(gradual), RULES) == []
    beyond = [*rows, run(back, 8.0), run(back + timedelta(days=2), 16.0)]
    findings = long_run.evaluate(timeline_of(beyond), RULES)
    assert [(f.date, f.severity) for f in findings] == [
        ((back + timedelta(days=2)).date(), "caution")
    ]
    # 30 days after the return the old runs no longer count.
    later = [*gradual, *(run(back + timedelta(days=d), km) for d, km in [(10, 11), (22, 10)])]
    later.append(run(back + timedelta(days=33), 12.0))
    reference = long_run.long_run_reference(timeline_of(later), RULE)
    last = reference.iloc[-1]
    assert not last["rebuilding"] and last["reference_km"] == 11.0


def test_each_athlete_has_their_own_reference() -> None:
    rows = sundays([12] * 6) + [
        run(r["start_local"], r["distance_km"] * 2, athlete="Other") for r in sundays([12] * 6)
    ]
    assert long_run.evaluate(timeline_of(rows), RULES) == []


def test_sunday_weeks_set_the_findings_week_start() -> None:
    timeline = timeline_of(sundays([12] * 6 + [20]))
    finding = long_run.evaluate(timeline, RULES, week_start="sunday")[0]
    assert finding.week_start == finding.date  # the Sunday run starts its own week


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=120), st.floats(min_value=1, max_value=40)),
        min_size=1,
        max_size=30,
    )
)
def test_reference_is_the_longest_earlier_run_within_30_days(runs) -> None:
    rows = [
        run(datetime(2026, 1, 1, 7) + timedelta(days=d, minutes=i), km)
        for i, (d, km) in enumerate(runs)
    ]
    reference = long_run.long_run_reference(timeline_of(rows), RULE)
    for row in reference.itertuples():
        earlier = [
            r["distance_km"]
            for r in rows
            if r["start_local"] < row.start_local
            and row.start_local - r["start_local"] < pd.Timedelta(days=30)
        ]
        if earlier and not row.rebuilding:
            assert row.reference_km == pytest.approx(max(earlier))
        elif earlier:  # after a break, the runs before it may count too
            assert row.reference_km >= max(earlier) - 1e-9
        if row.severity:
            assert row.distance_km > row.reference_km * 1.1


def test_no_runs_no_findings() -> None:
    assert long_run.evaluate(timeline_of([]), RULES) == []
    assert long_run.long_run_reference(timeline_of([]), RULE).empty
